// Co-simulation of rtl/neuron_core.v (verilated) against models::NeuronCore in a cycle-accurate
// SystemC wrapper: same clock, same stimulus, every output compared every cycle. One elaboration
// per test case (SystemC allows one per process).
#include "models/neuron_core.hpp"

#include <Vneuron.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <random>

#include "arch/arch_spec.hpp"
#include "tests/rtl/cosim.hpp"
#include "tests/support/temp_dir.hpp"

using namespace xbar;
using test::MismatchLog;

namespace {

constexpr int kNeurons = RTL_NEURON_NEURONS;
constexpr int kCodeBits = RTL_NEURON_CODE_BITS;
constexpr int kPotentialBits = RTL_NEURON_POTENTIAL_BITS;

// The neuron core's arithmetic from the arch (as sim/pipeline.cpp builds it) with a layer's
// threshold in ADC codes.
models::NeuronParams params_from(const arch::ArchSpec& a, long long threshold) {
  models::NeuronParams p;
  p.threshold = threshold;
  p.potential_min = -(1LL << (a.neuron.potential_bits - 1));
  p.potential_max = (1LL << (a.neuron.potential_bits - 1)) - 1;
  p.reset_to_zero = a.neuron.reset == arch::ResetMode::Zero;
  p.leaky = a.neuron.model == arch::NeuronModel::Lif;
  p.leak_q16 = p.leaky ? std::lround(a.neuron.leak * 65536.0) : 65536;
  return p;
}

arch::ArchSpec arch_for(std::vector<std::string> sets) {
  sets.push_back("neuron.potential_bits=" + std::to_string(kPotentialBits));
  arch::ArchSpec a = arch::load_arch(test::source_dir() + "/configs/arch/resparc-64.yaml", sets);
  BOOST_REQUIRE_EQUAL(a.neuron.potential_bits, kPotentialBits);  // the RTL was verilated so
  return a;
}

// NeuronCore driven cycle by cycle: codes summed per neuron until `fire`, then one step(); the
// spikes of a fire in cycle c are the outputs of cycle c + 1 (sim/chip.cpp: one cycle to update).
struct ModelNeuronCore : sc_core::sc_module {
  sc_core::sc_in<bool> clk, rst, in_valid, fire;
  sc_core::sc_in<std::uint32_t> in_index, in_code;
  models::NeuronCore core;
  std::vector<long long> sums;
  bool spikes_valid = false;
  std::uint32_t spikes = 0;

  ModelNeuronCore(sc_core::sc_module_name name, models::NeuronParams p)
      : sc_core::sc_module(name), core(p, kNeurons), sums(kNeurons, 0) {
    SC_HAS_PROCESS(ModelNeuronCore);
    SC_METHOD(edge);
    sensitive << clk.pos();
    dont_initialize();
  }
  void edge() {
    if (rst.read()) {
      core.reset();
      std::fill(sums.begin(), sums.end(), 0);
      spikes_valid = false;
      spikes = 0;
      return;
    }
    spikes_valid = fire.read();
    spikes = 0;
    if (fire.read()) {
      std::vector<int> fired;
      core.step(sums, fired);
      for (int n : fired) spikes |= 1u << n;
      std::fill(sums.begin(), sums.end(), 0);
    }
    if (in_valid.read()) sums[in_index.read()] += test::sign_extend(in_code.read(), kCodeBits);
  }
};

// What drives the inputs for cycle k (set at the falling edge of cycle k - 1... k).
struct Stimulus {
  bool rst = false, in_valid = false, fire = false;
  int index = 0;
  long long code = 0;
};

struct Bench : sc_core::sc_module {
  sc_core::sc_clock clk{"clk", test::kClockNs, sc_core::SC_NS};
  sc_core::sc_signal<bool> rst{"rst"}, leaky{"leaky"}, reset_to_zero{"reset_to_zero"},
      in_valid{"in_valid"}, fire{"fire"}, spikes_valid{"spikes_valid"};
  sc_core::sc_signal<std::uint32_t> leak_q16{"leak_q16"}, threshold{"threshold"},
      in_index{"in_index"}, in_code{"in_code"}, spikes{"spikes"};
  sc_core::sc_signal<sc_dt::sc_bv<kNeurons * kPotentialBits>> potentials{"potentials"};
  Vneuron rtl{"rtl"};
  ModelNeuronCore model;
  std::function<Stimulus(std::uint64_t)> next;
  MismatchLog log{"neuron_core"};
  std::uint64_t cycle = 0, cycles = 0, spikes_seen = 0;

  Bench(sc_core::sc_module_name name, models::NeuronParams hw, models::NeuronParams sw,
        std::function<Stimulus(std::uint64_t)> stimulus, std::uint64_t n)
      : sc_core::sc_module(name), model("model", sw), next(std::move(stimulus)), cycles(n) {
    SC_HAS_PROCESS(Bench);
    rtl.clk(clk);
    rtl.rst(rst);
    rtl.leaky(leaky);
    rtl.reset_to_zero(reset_to_zero);
    rtl.leak_q16(leak_q16);
    rtl.threshold(threshold);
    rtl.in_valid(in_valid);
    rtl.in_index(in_index);
    rtl.in_code(in_code);
    rtl.fire(fire);
    rtl.spikes_valid(spikes_valid);
    rtl.spikes(spikes);
    rtl.potentials(potentials);
    model.clk(clk);
    model.rst(rst);
    model.in_valid(in_valid);
    model.fire(fire);
    model.in_index(in_index);
    model.in_code(in_code);
    // The RTL's configuration registers hold `hw`; the model was built with `sw` (equal unless a
    // test alters the model on purpose).
    leaky.write(hw.leaky);
    reset_to_zero.write(hw.reset_to_zero);
    leak_q16.write(static_cast<std::uint32_t>(hw.leak_q16));
    threshold.write(static_cast<std::uint32_t>(hw.threshold) & ((1u << kPotentialBits) - 1));
    rst.write(true);  // cycle 0 resets both sides
    SC_METHOD(check_and_drive);
    sensitive << clk.negedge_event();
    dont_initialize();
  }

  void check_and_drive() {
    if (cycle >= 1) {
      log.check(cycle, "spikes_valid", spikes_valid.read(), model.spikes_valid);
      log.check(cycle, "spikes", spikes.read(), model.spikes);
      spikes_seen += std::popcount(spikes.read());
      const auto v = potentials.read();
      for (int n = 0; n < kNeurons; ++n) {
        const long long rtl_v =
            test::sign_extend(test::field(v, n * kPotentialBits, kPotentialBits), kPotentialBits);
        const long long model_v = model.core.potential(n);
        log.check(cycle, "potential[" + std::to_string(n) + "]", rtl_v, model_v);
      }
    }
    if (cycle + 1 >= cycles) {
      sc_core::sc_stop();
      return;
    }
    const Stimulus s = cycle == 0 ? Stimulus{true} : next(cycle);
    rst.write(s.rst);
    in_valid.write(s.in_valid);
    in_index.write(static_cast<std::uint32_t>(s.index));
    in_code.write(static_cast<std::uint32_t>(s.code) & ((1u << kCodeBits) - 1));
    fire.write(s.fire);
    ++cycle;
  }
};

// Random items and fire strobes; phases of 4,000 cycles alternate mixed codes, mostly full-scale
// positive codes and mostly full-scale negative codes, so the 12-bit potential saturates both
// ways; a rare reset.
std::function<Stimulus(std::uint64_t)> random_stimulus(unsigned seed, double fire_rate) {
  auto rng = std::make_shared<std::mt19937_64>(seed);
  return [rng, fire_rate](std::uint64_t c) {
    std::uniform_real_distribution<double> u(0, 1);
    const long long max_code = (1LL << (kCodeBits - 1)) - 1;
    Stimulus s;
    s.rst = u(*rng) < 1e-4;
    s.in_valid = u(*rng) < 0.8;
    s.index = static_cast<int>((*rng)() % kNeurons);
    const double r = u(*rng);
    switch ((c / 4000) % 3) {
      case 0:
        s.code = r < 0.1    ? max_code
                 : r < 0.15 ? -max_code - 1
                            : static_cast<long long>((*rng)() % 120) - 40;
        break;
      case 1:
        s.code = r < 0.7 ? max_code : static_cast<long long>((*rng)() % 256) - 128;
        break;
      default:
        s.code = r < 0.7 ? -max_code - 1 : static_cast<long long>((*rng)() % 256) - 128;
    }
    s.fire = u(*rng) < fire_rate;
    return s;
  };
}

struct Outcome {
  std::uint64_t mismatches, compared, spikes, saturated;
};

Outcome run(models::NeuronParams hw, models::NeuronParams sw,
            std::function<Stimulus(std::uint64_t)> stimulus, std::uint64_t cycles) {
  Bench bench("bench", hw, sw, std::move(stimulus), cycles);
  sc_core::sc_start();
  BOOST_TEST_MESSAGE(bench.cycle << " cycles, " << bench.log.compared() << " comparisons, "
                                 << bench.spikes_seen << " spikes, " << bench.log.count()
                                 << " mismatches");
  return {bench.log.count(), bench.log.compared(), bench.spikes_seen,
          bench.model.core.stats().saturations};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rtl_neuron_core)

BOOST_AUTO_TEST_CASE(if_subtract_random_100k_cycles) {
  const auto p = params_from(arch_for({}), 300);
  const Outcome o = run(p, p, random_stimulus(1, 1.0 / 12), 100'000);
  BOOST_TEST(o.mismatches == 0u);
  BOOST_TEST(o.spikes > 5'000u);     // the comparison saw real activity
  BOOST_TEST(o.saturated > 1'000u);  // and saturation
}

BOOST_AUTO_TEST_CASE(lif_zero_random_100k_cycles) {
  const auto p = params_from(arch_for({"neuron.impl=lif", "neuron.threshold=1.0",
                                       "neuron.leak=0.87", "neuron.reset=zero"}),
                             120);
  BOOST_REQUIRE(p.leaky);
  BOOST_REQUIRE_EQUAL(p.leak_q16, 57016);
  const Outcome o = run(p, p, random_stimulus(2, 1.0 / 6), 100'000);
  BOOST_TEST(o.mismatches == 0u);
  BOOST_TEST(o.spikes > 5'000u);
}

// Corner cases in a fixed order: every neuron at the positive rail and all spiking at once, the
// negative rail with a leak (truncation toward zero of negative products), a threshold at the
// register's maximum, a fire with no codes, a code in the fire cycle, a reset in mid-timestep.
BOOST_AUTO_TEST_CASE(directed_corner_cases) {
  auto p = params_from(arch_for({"neuron.impl=lif", "neuron.threshold=1.0", "neuron.leak=0.5",
                                 "neuron.reset=subtract"}),
                       (1LL << (kPotentialBits - 1)) - 1);  // threshold at the rail
  const long long max_code = (1LL << (kCodeBits - 1)) - 1;
  std::vector<Stimulus> plan;
  auto item = [&](int n, long long code) {
    Stimulus s;
    s.in_valid = true;
    s.index = n;
    s.code = code;
    plan.push_back(s);
  };
  auto fire = [&] {
    Stimulus s;
    s.fire = true;
    plan.push_back(s);
  };
  // 40 full-scale codes per neuron: far past the rail; all 16 reach the threshold at once.
  for (int r = 0; r < 40; ++r)
    for (int n = 0; n < kNeurons; ++n) item(n, max_code);
  fire();
  fire();  // leak only (empty timestep)
  for (int r = 0; r < 40; ++r)
    for (int n = 0; n < kNeurons; ++n) item(n, -max_code - 1);
  fire();
  for (int r = 0; r < 5; ++r) fire();  // -2048 halves toward zero: -1024, -512, ..., odd values
  item(3, -3);
  fire();
  item(3, 5);
  {
    Stimulus s;  // a code in the fire cycle belongs to the next timestep
    s.fire = true;
    s.in_valid = true;
    s.index = 7;
    s.code = max_code;
    plan.push_back(s);
  }
  fire();
  item(0, 11);
  plan.push_back(Stimulus{true});  // reset in mid-timestep: the 11 is gone
  fire();
  for (int n = 0; n < kNeurons; ++n) item(n, n % 2 ? -1 : 1);
  fire();
  fire();
  const Outcome o = run(
      p, p, [plan](std::uint64_t c) { return c - 1 < plan.size() ? plan[c - 1] : Stimulus{}; },
      plan.size() + 4);
  BOOST_TEST(o.mismatches == 0u);
  BOOST_TEST(o.spikes >= static_cast<std::uint64_t>(kNeurons));  // the simultaneous spikes
  BOOST_TEST(o.saturated > 0u);
}

// The harness can fail: the model's threshold one code higher than the RTL's must be reported.
BOOST_AUTO_TEST_CASE(altered_threshold_is_detected) {
  const auto hw = params_from(arch_for({}), 300);
  auto sw = hw;
  sw.threshold += 1;
  const Outcome o = run(hw, sw, random_stimulus(1, 1.0 / 12), 20'000);
  BOOST_TEST(o.mismatches > 0u);
}

BOOST_AUTO_TEST_SUITE_END()
