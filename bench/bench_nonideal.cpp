// Cost and effect of each non-ideality in the golden model (the chip's arithmetic, spike for
// spike): an experiment compiled once, then run as a fixed-point SNN on the same test images on the
// ideal chip, with each effect of a non-ideal chip preset alone, all of them, and with the mapping
// mitigations (flow/mitigation.hpp): accuracy, milliseconds per image on one thread against the
// ideal run, and the time to build the analog reader (device effects and IR-drop solves).
//   build/bench/bench_nonideal [EXPERIMENT] [IMAGES] [KEY=VALUE ...]
//   (defaults configs/examples/mnist-500.yaml 200; the chip is the experiment's with
//   arch.extends=../arch/resparc-64-rram.yaml; KEY=VALUE overrides it as --set does, e.g.
//   arch.crossbar.wordline_segment_ohm=10)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "flow/mitigation.hpp"
#include "flow/pipeline.hpp"

using Clock = std::chrono::steady_clock;
namespace wl = xbar::workloads;
namespace sim = xbar::sim;
namespace flow = xbar::flow;

int sc_main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "configs/examples/mnist-500.yaml";
  const int images = argc > 2 ? std::atoi(argv[2]) : 200;
  std::vector<std::string> base = {"arch.extends=../arch/resparc-64-rram.yaml",
                                   "simulate.threads=1"};
  for (int i = 3; i < argc; ++i) base.push_back(argv[i]);
  try {
    auto experiment = [&](const std::vector<std::string>& more) {
      std::vector<std::string> o = base;
      o.insert(o.end(), more.begin(), more.end());
      return flow::load_experiment(path, o);
    };
    const flow::Experiment nonideal = experiment({});
    std::ostringstream quiet;
    const flow::Compiled c = flow::compile(nonideal, quiet);
    const int n = std::min(images, c.data.test.size());
    std::vector<int> pick;
    for (int k = 0; k < n; ++k) pick.push_back(int(long(k) * c.data.test.size() / n));
    const wl::Dataset test = c.data.test.subset(pick);
    std::printf("%s, flow %s, %d test images, T = %d, chip %s (%dx%d, %d-bit ADC)\n",
                nonideal.name.c_str(), nonideal.flow.c_str(), n, nonideal.timesteps,
                nonideal.arch.name.c_str(), nonideal.arch.crossbar.rows,
                nonideal.arch.crossbar.columns, nonideal.arch.adc.bits);
    struct Timed {
      double accuracy, ms, build_s;
    };
    auto timed = [&](const flow::Experiment& e) {
      const auto t0 = Clock::now();
      const xbar::compiler::Placement p = flow::programmed_placement(e, c);
      const wl::GoldenModel g = flow::program_golden(e, c, p);
      const auto t1 = Clock::now();
      const wl::SnnEvaluation r = wl::evaluate(g, test, n, 1);
      return Timed{r.accuracy, 1e3 * std::chrono::duration<double>(Clock::now() - t1).count() / n,
                   std::chrono::duration<double>(t1 - t0).count()};
    };
    flow::Experiment ideal = nonideal;  // every non-ideality off
    ideal.arch.device.effects = {};
    ideal.arch.crossbar.ir_drop = xbar::arch::IrDrop::None;
    ideal.arch.adc.offset_lsb = ideal.arch.adc.gain_error = ideal.arch.adc.inl_lsb = 0;
    const Timed t0 = timed(ideal);
    std::printf("%-40s %9s %12s %10s %9s\n", "setting", "accuracy", "ms / image", "vs ideal",
                "build s");
    std::printf("%-40s %8.2f%% %12.3f %10s %9.2f\n", "ideal (integer path)", 100 * t0.accuracy,
                t0.ms, "1.00", t0.build_s);
    // Each effect of the preset alone (the others switched off), then all of them.
    const std::vector<std::string> device_off{"arch.device.programming_noise=none",
                                              "arch.device.read_noise_sigma=0",
                                              "arch.device.drift_time_s=0",
                                              "arch.device.sa0_rate=0",
                                              "arch.device.sa1_rate=0",
                                              "arch.device.aging_cycles=0"};
    auto only = [&](const std::vector<std::string>& keep, const std::string& ir) {
      std::vector<std::string> o;
      for (const auto& s : device_off) {
        bool kept = false;
        for (const auto& k : keep) kept |= s.rfind(k, 0) == 0;
        if (!kept) o.push_back(s);
      }
      o.push_back("arch.crossbar.ir_drop=" + ir);
      return o;
    };
    const std::vector<std::pair<std::string, std::vector<std::string>>> variants{
        {"device model, every effect off", only({}, "none")},
        {"programming variation", only({"arch.device.programming_noise"}, "none")},
        {"read noise", only({"arch.device.read_noise_sigma"}, "none")},
        {"drift (compensated)", only({"arch.device.drift_time_s"}, "none")},
        {"stuck-at faults", only({"arch.device.sa0_rate", "arch.device.sa1_rate"}, "none")},
        {"stuck-at faults, fault-aware mapping",
         [&] {
           auto o = only({"arch.device.sa0_rate", "arch.device.sa1_rate"}, "none");
           o.push_back("compile.fault_aware=true");
           return o;
         }()},
        {"IR drop (exact)", only({}, "exact")},
        {"IR drop (first order)", only({}, "first_order")},
        {"IR drop (exact), rows+columns rearranged",
         [&] {
           auto o = only({}, "exact");
           o.push_back("compile.rearrange=rows_and_columns");
           return o;
         }()},
        {"all effects of the preset", {}},
        {"all effects, fault-aware mapping", {"compile.fault_aware=true"}},
        {"all effects, fault-aware + rearranged",
         {"compile.fault_aware=true", "compile.rearrange=rows_and_columns"}}};
    for (const auto& [name, overrides] : variants) {
      const Timed t = timed(experiment(overrides));
      std::printf("%-40s %8.2f%% %12.3f %10.2f %9.2f\n", name.c_str(), 100 * t.accuracy, t.ms,
                  t.ms / t0.ms, t.build_s);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_nonideal: %s\n", e.what());
    return 1;
  }
  return 0;
}
