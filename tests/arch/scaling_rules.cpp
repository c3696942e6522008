// The component library's scaling rules, each checked against figures worked out by hand or
// published with the rule.
#include <boost/test/unit_test.hpp>
#include <cmath>

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

BOOST_AUTO_TEST_CASE(accelergy_adc_matches_published_check) {
  // docs/references.md §9.1: 8 bit, 32 nm, 1.28 GS/s -> about 1.93 pJ and 6.5e3 um^2.
  AdcEstimate e = accelergy_adc(8, 1.28e9, 32);
  BOOST_TEST(e.energy_pj == 1.93, tt::tolerance(0.01));
  BOOST_TEST(e.area_um2 == 6.5e3, tt::tolerance(0.01));
  // Fewer bits cost less energy.
  BOOST_TEST(accelergy_adc(4, 1.28e9, 32).energy_pj < e.energy_pj);
}

BOOST_AUTO_TEST_CASE(array_read_energy_by_hand) {
  // 64x64 cells, 0.5 V, 20k/200k ohm, 5 ns: 4096 * 0.25 * 27.5e-6 S * 5e-9 s = 140.8 pJ.
  BOOST_TEST(array_read_energy_pj(4096, 0.5, 20e3, 200e3, 5) == 140.8, tt::tolerance(1e-9));
  // 4 F^2 at 45 nm: 4096 * 4 * 0.045^2 um^2 = 33.1776 um^2.
  BOOST_TEST(array_area_um2(4096, 4, 45) == 33.1776, tt::tolerance(1e-9));
}

BOOST_AUTO_TEST_SUITE_END()
