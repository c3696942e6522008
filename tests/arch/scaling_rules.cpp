// The component library's scaling rules, each checked against figures worked out by hand or
// published with the rule.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <stdexcept>

#include "arch/scaling.hpp"

using namespace xbar::arch::scaling;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(scaling_rules)

BOOST_AUTO_TEST_CASE(linear_is_proportional) {
  BOOST_TEST(linear(25.0, 16384, 4096) == 6.25, tt::tolerance(1e-12));
  BOOST_TEST(linear(0.072, 1, 8) == 0.576, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(exp2_doubles_per_bit) {
  // ISAAC's ADC rule: 1.6667 pJ at 8 bits -> x2 at 9 bits, /4 at 6 bits.
  BOOST_TEST(exp2_bits(1.6667, 8, 9) == 3.3334, tt::tolerance(1e-12));
  BOOST_TEST(exp2_bits(1.6667, 8, 6) == 0.416675, tt::tolerance(1e-12));
  BOOST_TEST(exp2_bits(1200, 8, 8) == 1200.0, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(cacti_energy_grows_sublinearly_with_depth) {
  // 64 KB -> 256 KB: energy x 4^0.78 = 2.9485..., area x 4.
  BOOST_TEST(cacti_energy(20.45, 65536, 262144) == 20.45 * std::pow(4.0, 0.78),
             tt::tolerance(1e-12));
  BOOST_TEST(std::pow(4.0, 0.78) == 2.9485, tt::tolerance(1e-4));
  BOOST_TEST(cacti_area(0.083, 65536, 262144) == 0.332, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(table_is_exact_at_points_and_log_log_between) {
  std::vector<Point> adc = {{4, 0.79}, {6, 1.20}, {8, 1.67}, {10, 2.38}};
  BOOST_TEST(table(adc, 6) == 1.20, tt::tolerance(1e-12));
  BOOST_TEST(table(adc, 10) == 2.38, tt::tolerance(1e-12));
  // Between 4 and 6 bits, on the straight line in log-log space.
  double t = std::log(5.0 / 4.0) / std::log(6.0 / 4.0);
  BOOST_TEST(table(adc, 5) == std::exp(std::log(0.79) + t * std::log(1.20 / 0.79)),
             tt::tolerance(1e-12));
  // Beyond the last point: along the last segment.
  double t12 = std::log(12.0 / 8.0) / std::log(10.0 / 8.0);
  BOOST_TEST(table(adc, 12) == std::exp(std::log(1.67) + t12 * std::log(2.38 / 1.67)),
             tt::tolerance(1e-12));
  BOOST_TEST(table({{1, 5.0}}, 7) == 5.0);
}

BOOST_AUTO_TEST_CASE(accelergy_adc_matches_the_plugins_own_values) {
  // Printed by the Accelergy ADC plug-in's own code (Accelergy-Project/accelergy-adc-plug-in at
  // commit ff0fb48a4e55, run locally): optimizer.ADCRequest(bits, tech=node, throughput=rate,
  // n_adcs=1) with adc_data/model.yaml, .energy_per_op(model) in pJ and .area(model) in um^2.
  // The first three sit on the resolution branch of the figure of merit's min(), the last two on
  // the rate branch. Same equations and coefficients, so they agree far inside the 1 % asked.
  struct Reference {
    double bits, rate_hz, node_nm, energy_pj, area_um2;
  };
  const Reference plugin[] = {
      {4, 1.6e8, 32, 0.9237493331, 3564.390553}, {6, 5e8, 22, 0.5265676824, 2551.305104},
      {8, 1e8, 45, 3.25312584, 6694.379846},     {12, 1e8, 45, 55.15979593, 15610.98561},
      {8, 1.28e9, 32, 1.92921165, 6469.268491},
  };
  for (const auto& r : plugin) {
    AdcEstimate e = accelergy_adc(r.bits, r.rate_hz, r.node_nm);
    BOOST_TEST(e.energy_pj == r.energy_pj, tt::tolerance(1e-6));
    BOOST_TEST(e.area_um2 == r.area_um2, tt::tolerance(1e-6));
  }
}

BOOST_AUTO_TEST_CASE(accelergy_adc_energy_and_area_rise_strictly_with_bits) {
  // At any fixed conversion rate and node, each extra bit costs more energy and area (the smallest
  // step is +1.35 % energy and +0.40 % area, from 4 to 5 bits on the resolution branch).
  int cases = 0;
  for (double node_nm : {16.0, 22.0, 32.0, 45.0, 65.0, 90.0, 130.0}) {
    for (int tenth_decade = 0; tenth_decade <= 40; ++tenth_decade) {
      const double rate_hz = std::pow(10.0, 6.0 + tenth_decade / 10.0);
      AdcEstimate last = accelergy_adc(4, rate_hz, node_nm);
      for (int bits = 5; bits <= 16; ++bits) {
        AdcEstimate e = accelergy_adc(bits, rate_hz, node_nm);
        BOOST_TEST(e.energy_pj > 1.01 * last.energy_pj,
                   bits << " bits at " << rate_hz << " Hz, " << node_nm << " nm");
        BOOST_TEST(e.area_um2 > 1.003 * last.area_um2,
                   bits << " bits at " << rate_hz << " Hz, " << node_nm << " nm");
        last = e;
        ++cases;
      }
    }
  }
  BOOST_TEST(cases == 7 * 41 * 12);
}

BOOST_AUTO_TEST_CASE(accelergy_adc_refuses_fewer_than_4_bits) {
  // The plug-in asserts bits >= 4; below that its fit has no data and would make 3 bits dearer
  // than 4.
  BOOST_CHECK_THROW(accelergy_adc(3, 1e8, 45), std::domain_error);
  BOOST_CHECK_THROW(accelergy_adc(1, 1e8, 45), std::domain_error);
  BOOST_CHECK_NO_THROW(accelergy_adc(4, 1e8, 45));
  BOOST_CHECK_THROW(accelergy_adc(8, 0, 45), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(array_read_energy_by_hand) {
  // 64x64 cells, 0.5 V, 20k/200k ohm, 5 ns: 4096 * 0.25 * 27.5e-6 S * 5e-9 s = 140.8 pJ.
  BOOST_TEST(array_read_energy_pj(4096, 0.5, 20e3, 200e3, 5) == 140.8, tt::tolerance(1e-9));
  // 4 F^2 at 45 nm: 4096 * 4 * 0.045^2 um^2 = 33.1776 um^2.
  BOOST_TEST(array_area_um2(4096, 4, 45) == 33.1776, tt::tolerance(1e-9));
}

BOOST_AUTO_TEST_SUITE_END()
