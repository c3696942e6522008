// neuron.leak, the fraction of the potential lost per timestep, as the one Q16 multiplier every
// path uses (arch::NeuronSpec::leak_q16) and as the golden model's float factor (leak_factor).
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "arch/arch_spec.hpp"
#include "tests/support/temp_dir.hpp"

using xbar::arch::ArchSpec;

namespace {

ArchSpec lif(const std::string& leak) {
  return xbar::arch::load_arch(xbar::test::source_dir() + "/configs/arch/resparc-64.yaml",
                               {"neuron.impl=lif", "neuron.leak=" + leak, "neuron.threshold=1",
                                "neuron.reset=subtract", "neuron.potential_bits=16"});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(neuron_leak)

BOOST_AUTO_TEST_CASE(leak_is_the_fraction_lost) {
  BOOST_TEST(lif("0.125").neuron.leak_q16() == 57344);  // 7/8 kept
  BOOST_TEST(lif("0.13").neuron.leak_q16() == 57016);   // round(0.87 * 2^16) = round(57016.32)
  BOOST_TEST(lif("0").neuron.leak_q16() == 65536);      // nothing lost
  BOOST_TEST(lif("1").neuron.leak_q16() == 0);          // everything lost
  BOOST_TEST(lif("0.125").neuron.leak_factor() == 0.875f);
  // IF neurons keep their potential whatever the preset says about leaks.
  const ArchSpec a = xbar::arch::load_arch(
      xbar::test::source_dir() + "/configs/arch/resparc-64.yaml", {"neuron.impl=if"});
  BOOST_TEST(a.neuron.leak_q16() == 65536);
  BOOST_TEST(a.neuron.leak_factor() == 1.0f);
}

// The golden model gets the factor as a float and rounds factor * 2^16 back to its multiplier;
// that must give leak_q16() for every leak. Rounding 1 - leak to float first would not: for
// leak 0.000206, (1 - leak) * 2^16 = 65522.49958 rounds to 65522, its float to 65523.
BOOST_AUTO_TEST_CASE(float_factor_rounds_back_to_the_multiplier) {
  const ArchSpec near_tie = lif("0.000206");
  BOOST_TEST(near_tie.neuron.leak_q16() == 65522);
  xbar::arch::NeuronSpec n = near_tie.neuron;
  int checked = 0;
  for (int i = 0; i <= 100000; ++i) {
    n.leak = i / 100000.0;
    const long long q = n.leak_q16();
    BOOST_TEST_REQUIRE(std::lround(double(n.leak_factor()) * 65536.0) == q, "leak " << n.leak);
    BOOST_TEST_REQUIRE(double(n.leak_factor()) * 65536.0 == double(q));  // exact, not rounded
    ++checked;
  }
  BOOST_TEST(checked == 100001);
}

BOOST_AUTO_TEST_SUITE_END()
