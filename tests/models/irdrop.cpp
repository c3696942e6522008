// The IR-drop solver against ngspice (an outside reference: the same netlist solved by SPICE) on
// crossbars 4x4 .. 32x32 with 1-10 ohm wire segments, and against closed forms: no wire resistance
// gives G^T V exactly, a 1x1 array V / (R_source + 1/G + R_sink), superposition. The first-order
// approximation's error is bounded and falls quadratically with the wire resistance.
#include "models/irdrop.hpp"

#include <boost/test/unit_test.hpp>
#include <cmath>

#include "tests/support/temp_dir.hpp"
#include "tools/spice/ngspice.hpp"
#include "workloads/rng.hpp"

namespace m = xbar::models;

namespace {

// Conductances between G_off and G_on of a 20 k / 200 k RRAM (RESPARC's, docs/references.md §7).
Eigen::MatrixXd random_conductances(int rows, int cols, std::uint64_t seed) {
  xbar::workloads::Rng rng(seed);
  Eigen::MatrixXd g(rows, cols);
  for (Eigen::Index i = 0; i < g.size(); ++i)
    g.data()[i] = 1.0 / 200e3 + (1.0 / 20e3 - 1.0 / 200e3) * rng.uniform();
  return g;
}

// Half of the rows driven at 0.5 V, the others at 0 V: a spiking read.
Eigen::VectorXd spiking_voltages(int rows, std::uint64_t seed) {
  xbar::workloads::Rng rng(seed);
  Eigen::VectorXd v = Eigen::VectorXd::Zero(rows);
  for (int i = 0; i < rows; ++i)
    if (rng.uniform() < 0.5f) v[i] = 0.5;
  v[0] = 0.5;
  return v;
}

double max_relative_error(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  return (a - b).cwiseAbs().maxCoeff() / b.cwiseAbs().maxCoeff();
}

void check_against_spice(int rows, int cols, m::WireResistances w, std::uint64_t seed) {
  const Eigen::MatrixXd g = random_conductances(rows, cols, seed);
  const Eigen::VectorXd v = spiking_voltages(rows, seed + 1);
  xbar::test::TempDir dir;
  const auto spice =
      xbar::spice::run_ngspice(m::irdrop_spice_netlist(g, w, v), dir.path().string());
  BOOST_REQUIRE_EQUAL(spice.values.size(), std::size_t(cols));
  Eigen::VectorXd reference(cols);
  for (int j = 0; j < cols; ++j) {
    BOOST_REQUIRE_EQUAL(spice.values[std::size_t(j)].first,
                        "v(b" + std::to_string(rows - 1) + "_" + std::to_string(j) + ")");
    reference[j] = spice.values[std::size_t(j)].second / w.sink_ohm;
  }
  const Eigen::VectorXd exact = m::irdrop_transfer_exact(g, w) * v;
  const Eigen::VectorXd ideal = g.transpose() * v;
  const double err = max_relative_error(exact, reference);
  const double drop = max_relative_error(ideal, reference);
  const double approx = max_relative_error(m::irdrop_transfer_first_order(g, w) * v, reference);
  BOOST_TEST_MESSAGE(rows << "x" << cols << " wire " << w.wordline_segment_ohm << "/"
                          << w.bitline_segment_ohm << " ohm: exact vs ngspice " << err
                          << ", ideal G^T V off by " << drop << ", first-order off by " << approx
                          << " (ngspice " << spice.seconds << " s)");
  BOOST_TEST(err < 1e-6);
  BOOST_TEST(drop > 100 * err);  // the comparison sees the drop, not only rounding
  BOOST_TEST(approx < drop);     // the approximation recovers part of it
}

}  // namespace

BOOST_AUTO_TEST_SUITE(irdrop)

BOOST_AUTO_TEST_CASE(matches_ngspice_4x4_wire_10_ohm) {
  check_against_spice(4, 4, {10, 10, 50, 20}, 11);
}

BOOST_AUTO_TEST_CASE(matches_ngspice_8x8_wire_5_ohm) {
  check_against_spice(8, 8, {5, 5, 25, 10}, 12);
}

BOOST_AUTO_TEST_CASE(matches_ngspice_16x16_wire_2_ohm) {
  check_against_spice(16, 16, {2, 2, 10, 5}, 13);
}

BOOST_AUTO_TEST_CASE(matches_ngspice_32x32_wire_1_ohm) {
  check_against_spice(32, 32, {1, 1, 5, 2}, 14);
}

BOOST_AUTO_TEST_CASE(matches_ngspice_32x16_wire_10_ohm_unequal_lines) {
  check_against_spice(32, 16, {10, 3, 100, 1}, 15);
}

BOOST_AUTO_TEST_CASE(zero_wire_resistance_gives_exactly_g_transpose_v) {
  const Eigen::MatrixXd g = random_conductances(16, 8, 3);
  const Eigen::VectorXd v = spiking_voltages(16, 4);
  const Eigen::MatrixXd t = m::irdrop_transfer_exact(g, {});
  BOOST_TEST((t.array() == g.transpose().array()).all());
  const Eigen::MatrixXd gt = g.transpose();
  const Eigen::VectorXd i = t * v, ideal = gt * v;
  BOOST_TEST((i.array() == ideal.array()).all());
  BOOST_TEST((m::irdrop_transfer_first_order(g, {}).array() == g.transpose().array()).all());
}

BOOST_AUTO_TEST_CASE(one_cell_is_v_over_source_plus_cell_plus_sink) {
  Eigen::MatrixXd g(1, 1);
  g(0, 0) = 1.0 / 20e3;
  const m::WireResistances w{7, 9, 31, 17};  // segments do not exist in a 1x1 array
  const double v = 0.5;
  const double expected = v / (31 + 20e3 + 17);
  const double got = m::irdrop_transfer_exact(g, w)(0, 0) * v;
  BOOST_TEST(std::abs(got - expected) <= 1e-14 * expected);
  // Only a source or only a sink: the zero-resistance side merges into the fixed node.
  BOOST_TEST(std::abs(m::irdrop_transfer_exact(g, {0, 0, 31, 0})(0, 0) - 1 / (31 + 20e3)) <=
             1e-14 / 20e3);
  BOOST_TEST(std::abs(m::irdrop_transfer_exact(g, {0, 0, 0, 17})(0, 0) - 1 / (17 + 20e3)) <=
             1e-14 / 20e3);
}

BOOST_AUTO_TEST_CASE(output_is_linear_in_the_row_voltages) {
  // The circuit is linear: ngspice's currents at 2.5 x the voltages are 2.5 x its currents at V,
  // and one transfer matrix predicts both.
  const Eigen::MatrixXd g = random_conductances(6, 5, 5);
  const m::WireResistances w{4, 6, 20, 10};
  const Eigen::VectorXd v = spiking_voltages(6, 6);
  const Eigen::MatrixXd t = m::irdrop_transfer_exact(g, w);
  xbar::test::TempDir dir;
  Eigen::VectorXd spice_v(5), spice_2v(5);
  const auto a = xbar::spice::run_ngspice(m::irdrop_spice_netlist(g, w, v), dir.path().string());
  const auto b = xbar::spice::run_ngspice(m::irdrop_spice_netlist(g, w, 2.5 * v),
                                          dir.path().string(), "scaled");
  BOOST_REQUIRE_EQUAL(a.values.size(), 5u);
  BOOST_REQUIRE_EQUAL(b.values.size(), 5u);
  for (int j = 0; j < 5; ++j) {
    spice_v[j] = a.values[std::size_t(j)].second / w.sink_ohm;
    spice_2v[j] = b.values[std::size_t(j)].second / w.sink_ohm;
  }
  BOOST_TEST(max_relative_error(2.5 * spice_v, spice_2v) < 1e-9);
  BOOST_TEST(max_relative_error(t * v, spice_v) < 1e-6);
  BOOST_TEST(max_relative_error(t * (2.5 * v), spice_2v) < 1e-6);
  // Wire drops only ever reduce the currents when every row is driven at the same voltage.
  const Eigen::VectorXd ones = Eigen::VectorXd::Ones(6);
  BOOST_TEST(((t * ones).array() < (g.transpose() * ones).array()).all());
  BOOST_TEST(((t * ones).array() > 0).all());
}

BOOST_AUTO_TEST_CASE(first_order_error_falls_quadratically_with_wire_resistance) {
  const Eigen::MatrixXd g = random_conductances(32, 32, 8);
  const Eigen::VectorXd v = Eigen::VectorXd::Constant(32, 0.5);
  double previous = 0;
  for (double r : {4.0, 2.0, 1.0}) {
    const m::WireResistances w{r, r, 0, 0};
    const Eigen::VectorXd exact = m::irdrop_transfer_exact(g, w) * v;
    const double err = max_relative_error(m::irdrop_transfer_first_order(g, w) * v, exact);
    const double drop = max_relative_error(g.transpose() * v, exact);
    BOOST_TEST_MESSAGE("wire " << r << " ohm: drop " << drop << ", first-order error " << err);
    BOOST_TEST(err < 0.2 * drop);
    if (previous > 0) BOOST_TEST(err / previous < 0.3);  // ~1/4 per halving
    previous = err;
  }
}

BOOST_AUTO_TEST_CASE(bad_values_are_refused) {
  Eigen::MatrixXd g = random_conductances(2, 2, 9);
  BOOST_CHECK_THROW(m::irdrop_transfer_exact(g, {-1, 0, 0, 0}), std::invalid_argument);
  g(0, 0) = -1e-6;
  BOOST_CHECK_THROW(m::irdrop_transfer_exact(g, {}), std::invalid_argument);
  BOOST_CHECK_THROW(
      m::irdrop_spice_netlist(random_conductances(2, 2, 9), {}, Eigen::VectorXd::Ones(2)),
      std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
