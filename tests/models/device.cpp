// Device effects against their closed forms and statistics: level mapping, stuck-at rates inside
// their binomial confidence interval, drift exact without spread, programming variation's sigma,
// aging's narrowed window, fault maps, and stateless keyed randomness.
#include "models/device.hpp"

#include <boost/test/unit_test.hpp>
#include <cmath>

#include "arch/arch_spec.hpp"
#include "models/crossbar.hpp"
#include "tests/models/nonideal_arch.hpp"
#include "tests/support/temp_dir.hpp"

namespace m = xbar::models;
namespace a = xbar::arch;

namespace {

using xbar::test::resparc;

m::CellArray uniform_array(const a::DeviceSpec& d, int rows, int cols, int level) {
  m::CellArray c;
  c.g = Eigen::MatrixXd::Constant(rows, cols, m::level_conductance_s(d, level));
  c.stuck.setZero(rows, cols);
  return c;
}

// |k - n p| within z standard deviations of a binomial (z = 4.4: two-sided 1e-5).
void check_binomial(long k, long n, double p) {
  const double mean = double(n) * p, sd = std::sqrt(double(n) * p * (1 - p));
  BOOST_TEST_MESSAGE(k << " of " << n << " (expected " << mean << " +- " << 4.4 * sd << ")");
  BOOST_TEST(std::abs(double(k) - mean) <= 4.4 * sd);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(device)

BOOST_AUTO_TEST_CASE(levels_are_linear_between_g_off_and_g_on) {
  const a::ArchSpec arch = resparc();
  BOOST_TEST(m::level_conductance_s(arch.device, 0) == 1.0 / 200e3);
  BOOST_TEST(std::abs(m::level_conductance_s(arch.device, 15) - 1.0 / 20e3) < 1e-20);
  for (int l = 0; l < 16; ++l)  // the same mapping as the crossbar model's energy accounting
    BOOST_TEST(m::level_conductance_s(arch.device, l) == m::cell_conductance_s(arch.device, l));
}

BOOST_AUTO_TEST_CASE(cells_hold_differential_pairs_and_bit_slices) {
  // 8-bit weights over 2-bit cells: 4 slices, most significant first, G+ then G-.
  const a::ArchSpec arch = resparc({"crossbar.weight_bits=8", "device.bits_per_cell=2"});
  Eigen::MatrixXi w(2, 2);
  w << 0xB4, -0x1E, 3, 0;
  const Eigen::MatrixXi c = m::cell_levels(arch, w);
  BOOST_TEST(c.rows() == 64);
  BOOST_TEST(c.cols() == 64);
  const std::vector<int> row0{2, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 2};
  for (int k = 0; k < 16; ++k) BOOST_TEST(c(0, k) == row0[std::size_t(k)]);
  BOOST_TEST(c(1, 3) == 3);
  BOOST_TEST(c.block(2, 0, 62, 64).isZero());
  const m::CellLayout lay = m::cell_layout(arch, 2);
  BOOST_TEST(lay.positive_column(1, 0) == 8);
  BOOST_TEST(lay.negative_column(1, 0) == 12);
  BOOST_TEST(lay.slice_weight(0) == 64.0);
  BOOST_CHECK_THROW(m::cell_levels(arch, Eigen::MatrixXi::Zero(65, 1)), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(stuck_at_rates_inside_binomial_interval) {
  // Chen et al. 2015's measured RRAM rates (docs/references.md §10.5).
  const a::ArchSpec arch = resparc();
  const m::StuckAtFaults faults(arch.device, 0.0175, 0.0904, nullptr);
  long sa0 = 0, sa1 = 0, n = 0;
  for (int block = 0; block < 20; ++block) {
    m::CellArray c = uniform_array(arch.device, 64, 64, 7);
    faults.apply(c, {42, 1, block});
    for (Eigen::Index i = 0; i < c.g.size(); ++i) {
      const auto s = c.stuck.data()[i];
      sa0 += s == 1;
      sa1 += s == 2;
      if (s == 1) BOOST_REQUIRE(c.g.data()[i] == 1.0 / 200e3);
      if (s == 2) BOOST_REQUIRE(c.g.data()[i] == 1.0 / 20e3);
      if (s == 0) BOOST_REQUIRE(c.g.data()[i] == m::level_conductance_s(arch.device, 7));
    }
    n += c.g.size();
  }
  check_binomial(sa0, n, 0.0175);
  check_binomial(sa1, n, 0.0904);
}

BOOST_AUTO_TEST_CASE(random_effects_are_stateless_functions_of_their_key) {
  const a::ArchSpec arch = resparc();
  const m::ProgrammingVariation pv(arch.device, a::Variation::Gaussian, 0.02, 0.05, 0);
  m::CellArray a1 = uniform_array(arch.device, 8, 8, 9), a2 = a1, b = a1;
  pv.apply(a1, {5, 2, 3});
  pv.apply(b, {5, 2, 4});
  pv.apply(a2, {5, 2, 3});
  BOOST_TEST((a1.g.array() == a2.g.array()).all());
  BOOST_TEST((a1.g.array() != b.g.array()).any());
  auto r1 = m::keyed_rng({1, 2, 3}), r2 = m::keyed_rng({1, 2, 3}), r3 = m::keyed_rng({1, 3, 2});
  const auto x = r1.next();
  BOOST_TEST(x == r2.next());
  BOOST_TEST(x != r3.next());
}

BOOST_AUTO_TEST_CASE(drift_is_exact_without_spread) {
  const a::ArchSpec arch = resparc();
  const double t = 3600, t0 = 20, nu = 0.06;
  m::CellArray c = uniform_array(arch.device, 16, 16, 11);
  c.g(3, 4) = m::level_conductance_s(arch.device, 2);
  const Eigen::MatrixXd g0 = c.g;
  m::Drift(t, t0, nu, 0).apply(c, {1, 0, 0});
  const double f = std::pow(t / t0, -nu);
  BOOST_TEST(((c.g - g0 * f).cwiseAbs().array() <= 1e-15 * g0.array()).all());
}

BOOST_AUTO_TEST_CASE(drift_exponents_spread_per_device) {
  const a::ArchSpec arch = resparc();
  const double t = 1e5, t0 = 20, mu = 0.08, sd = 0.02;
  m::CellArray c = uniform_array(arch.device, 64, 64, 15);
  const double g0 = c.g(0, 0);
  c.stuck(0, 0) = 2;  // a stuck cell does not drift
  m::Drift(t, t0, mu, sd).apply(c, {9, 0, 0});
  BOOST_TEST(c.g(0, 0) == g0);
  // nu_ij = -ln(G/G0) / ln(t/t0): its sample mean and spread are the configured ones.
  Eigen::ArrayXd nu = -(c.g.array() / g0).log().reshaped() / std::log(t / t0);
  nu = nu.tail(nu.size() - 1).eval();
  const double mean = nu.mean();
  const double spread = std::sqrt((nu - mean).square().sum() / double(nu.size() - 1));
  BOOST_TEST(std::abs(mean - mu) < 4.4 * sd / std::sqrt(double(nu.size())));
  BOOST_TEST(std::abs(spread / sd - 1) < 0.05);
}

BOOST_AUTO_TEST_CASE(programming_variation_follows_the_state_dependent_sigma) {
  const a::ArchSpec arch = resparc();
  const double c0 = 0.01, c1 = 0.04, c2 = -0.02;  // fractions of G_on
  const m::ProgrammingVariation pv(arch.device, a::Variation::Gaussian, c0, c1, c2);
  for (int level : {0, 8, 15}) {
    m::CellArray c = uniform_array(arch.device, 64, 64, level);
    const double g = c.g(0, 0), g_on = 1.0 / 20e3, x = g / g_on;
    pv.apply(c, {3, level, 0});
    const Eigen::ArrayXd d = (c.g.array() - g).reshaped() / g_on;
    const double sigma = std::sqrt(d.square().mean());
    const double expected = c0 + c1 * x + c2 * x * x;
    BOOST_TEST_MESSAGE("level " << level << ": sigma " << sigma << ", expected " << expected);
    BOOST_TEST(std::abs(sigma / expected - 1) < 0.05);  // 4096 samples: sd of the estimate 1.1 %
    BOOST_TEST(std::abs(d.mean()) < 4.4 * expected / 64);
  }
  // Lognormal: the median is kept and ln(G/G0) has the polynomial's sigma.
  const m::ProgrammingVariation ln(arch.device, a::Variation::Lognormal, 0.1, 0, 0);
  m::CellArray c = uniform_array(arch.device, 64, 64, 8);
  const double g = c.g(0, 0);
  ln.apply(c, {3, 99, 0});
  const Eigen::ArrayXd z = (c.g.array() / g).log().reshaped();
  BOOST_TEST(std::abs(std::sqrt(z.square().mean()) / 0.1 - 1) < 0.05);
  BOOST_TEST(std::abs(z.mean()) < 4.4 * 0.1 / 64);
}

BOOST_AUTO_TEST_CASE(aging_narrows_the_window_toward_its_middle) {
  const a::ArchSpec arch = resparc();
  const m::AgingEffect aging(arch.device, 1e6, 0.05);  // 6 decades x 5 % = 30 %
  BOOST_TEST(std::abs(aging.narrowing() - 0.3) < 1e-12);
  m::CellArray top = uniform_array(arch.device, 2, 2, 15),
               bottom = uniform_array(arch.device, 2, 2, 0);
  aging.apply(top, {});
  aging.apply(bottom, {});
  const double g_on = 1.0 / 20e3, g_off = 1.0 / 200e3;
  BOOST_TEST(std::abs(top.g(0, 0) - bottom.g(0, 0) - 0.7 * (g_on - g_off)) < 1e-18);
  BOOST_TEST(std::abs(top.g(0, 0) + bottom.g(0, 0) - (g_on + g_off)) < 1e-18);
}

BOOST_AUTO_TEST_CASE(fault_map_file_sets_cells_and_names_bad_lines) {
  xbar::test::TempDir dir;
  const std::string good = dir.write("faults.txt",
                                     "# layer block row column kind\n"
                                     "0 1 2 3 sa1\n"
                                     "0 1 5 0 sa0   # a comment\n"
                                     "\n"
                                     "1 0 0 0 sa1\n");
  const m::FaultMap map = m::load_fault_map(good);
  BOOST_TEST(map.size() == 2u);
  const a::ArchSpec arch = resparc();
  const m::StuckAtFaults faults(arch.device, 0, 0, std::make_shared<const m::FaultMap>(map));
  m::CellArray c = uniform_array(arch.device, 8, 8, 7);
  faults.apply(c, {1, 0, 1});
  BOOST_TEST(c.stuck(2, 3) == 2);
  BOOST_TEST(c.g(2, 3) == 1.0 / 20e3);
  BOOST_TEST(c.stuck(5, 0) == 1);
  BOOST_TEST(c.g(5, 0) == 1.0 / 200e3);
  BOOST_TEST((c.stuck.cast<int>().sum()) == 3);
  const std::string bad = dir.write("bad.txt", "0 1 2 3 sa1\n0 1 2 sa0\n");
  try {
    m::load_fault_map(bad);
    BOOST_FAIL("a malformed fault map was accepted");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()).find("bad.txt:2:") != std::string::npos);
  }
  m::CellArray small = uniform_array(arch.device, 2, 2, 7);
  BOOST_CHECK_THROW(faults.apply(small, {1, 0, 1}), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(arch_keys_are_validated_and_default_off) {
  const a::ArchSpec ideal = resparc();
  BOOST_TEST(!ideal.device.effects.enabled);
  BOOST_TEST((ideal.crossbar.ir_drop == a::IrDrop::None));
  BOOST_TEST(m::device_effects(ideal, nullptr).empty());
  const a::ArchSpec ni = resparc(
      {"device.impl=nonideal", "device.seed=4", "device.programming_noise=lognormal",
       "device.programming_sigma_c0=0.05", "device.sa1_rate=0.01", "device.drift_time_s=100",
       "device.drift_nu_mean=0.05", "crossbar.ir_drop=first_order",
       "crossbar.wordline_segment_ohm=2", "adc.inl_lsb=0.5"});
  BOOST_TEST(ni.device.effects.seed == 4u);
  BOOST_TEST(m::device_effects(ni, nullptr).size() == 3u);
  BOOST_TEST(ni.crossbar.wordline_segment_ohm == 2.0);
  BOOST_TEST(ni.adc.inl_lsb == 0.5);
  auto fails = [](std::vector<std::string> o, const std::string& needle) {
    try {
      resparc(o);
    } catch (const xbar::config::ConfigError& e) {
      BOOST_TEST_MESSAGE(e.what());
      return std::string(e.what()).find(needle) != std::string::npos;
    }
    return false;
  };
  BOOST_TEST(fails({"device.sa0_rate=0.1"}, "does not apply to impl 'ideal'"));
  BOOST_TEST(fails({"device.impl=nonideal"}, "missing required key 'seed'"));
  BOOST_TEST(
      fails({"device.impl=nonideal", "device.seed=1", "device.sa0_rate=1.5"}, "out of range"));
  BOOST_TEST(
      fails({"device.impl=nonideal", "device.seed=1", "device.sa0_rate=0.6", "device.sa1_rate=0.6"},
            "exceeds 1"));
  BOOST_TEST(
      fails({"device.impl=nonideal", "device.seed=1", "device.drift_time_s=10"}, "drift_nu_mean"));
  BOOST_TEST(fails({"crossbar.ir_drop=exactly"}, "did you mean 'exact'"));
  BOOST_TEST(fails({"crossbar.wordline_segment_ohm=-1"}, "out of range"));
}

BOOST_AUTO_TEST_SUITE_END()
