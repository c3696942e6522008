// Cost and effect of non-ideal crossbars in the golden model: the default example's trained
// 784-500-500-10 network (out/models/mnist-500, made by `build/tools/xbarsim run
// configs/examples/mnist-500.yaml`) run as a fixed-point SNN on the same MNIST test images, ideal
// and with the non-ideal arch preset, each effect alone and all together: seconds per image
// (one thread), the reader's build time, and accuracy.
//   build/bench/bench_nonideal [MODEL_DIR] [ARCH] [IMAGES] [KEY=VALUE ...]
//   (defaults out/models/mnist-500 configs/arch/resparc-64-rram.yaml 200; KEY=VALUE overrides the
//   arch as --set does, e.g. crossbar.wordline_segment_ohm=10)
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <vector>

#include "arch/arch_spec.hpp"
#include "compiler/placement.hpp"
#include "models/analog.hpp"
#include "models/device.hpp"
#include "workloads/dataset.hpp"
#include "workloads/golden.hpp"
#include "workloads/model_io.hpp"
#include "workloads/snn.hpp"

using Clock = std::chrono::steady_clock;
namespace wl = xbar::workloads;
namespace m = xbar::models;
namespace a = xbar::arch;

int main(int argc, char** argv) {
  const std::string model_dir = argc > 1 ? argv[1] : "out/models/mnist-500";
  const std::string arch_path = argc > 2 ? argv[2] : "configs/arch/resparc-64-rram.yaml";
  const int images = argc > 3 ? std::atoi(argv[3]) : 200;
  std::vector<std::string> extra;  // further arguments: --set style overrides of the arch
  for (int i = 4; i < argc; ++i) extra.push_back(argv[i]);
  try {
    const a::ArchSpec arch = a::load_arch(arch_path, extra);
    const wl::LoadedModel model = wl::load_model(model_dir);
    const wl::DataSplit data = wl::load_dataset("mnist");
    // As the default example converts and programs it (configs/examples/mnist-500.yaml, sim/
    // pipeline.cpp program_golden): percentile 99.9 normalisation, 32 Poisson timesteps, the arch's
    // bits, dense tiling of 64 rows x the outputs a crossbar holds, ADC range from 100 images.
    wl::ConversionConfig cc;
    const wl::SpikingNetwork snn = wl::to_snn(model.network, data.train, cc);
    wl::SnnConfig sc;
    sc.timesteps = 32;
    sc.seed = 1;
    wl::FixedPointConfig fc;
    fc.enabled = true;
    fc.weight_bits = arch.crossbar.weight_bits;
    fc.adc_bits = arch.adc.bits;
    fc.potential_bits = arch.neuron.potential_bits;
    fc.crossbar_rows = arch.crossbar.rows;
    fc.crossbar_cols = xbar::compiler::geometry_for(arch).outputs_per_crossbar;
    {
      wl::FixedPointConfig exact = fc;
      exact.adc_bits = 0;
      fc.adc_range = wl::calibrate_adc_range(wl::GoldenModel(snn, sc, exact), data.train, 100);
    }
    const wl::GoldenModel ideal(snn, sc, fc);
    const int n = std::min(images, data.test.size());
    std::vector<int> pick;
    for (int k = 0; k < n; ++k) pick.push_back(int(long(k) * data.test.size() / n));
    const wl::Dataset test = data.test.subset(pick);
    std::printf("model %s, %d test images, T = %d, arch %s (%dx%d, %d-bit ADC)\n",
                model_dir.c_str(), n, sc.timesteps, arch.name.c_str(), arch.crossbar.rows,
                arch.crossbar.columns, arch.adc.bits);
    auto timed = [&](const wl::GoldenModel& g) {
      const auto t0 = Clock::now();
      const wl::SnnEvaluation e = wl::evaluate(g, test, n, 1);
      return std::pair{e.accuracy, std::chrono::duration<double>(Clock::now() - t0).count() / n};
    };
    const auto [acc0, s0] = timed(ideal);
    std::printf("%-34s %9s %12s %10s %9s\n", "setting", "accuracy", "ms / image", "vs ideal",
                "build s");
    std::printf("%-34s %8.2f%% %12.3f %10s %9s\n", "ideal (integer path)", 100 * acc0, 1e3 * s0,
                "1.00", "-");
    // Each effect of the preset alone (the others switched off), then all of them.
    struct Variant {
      std::string name;
      std::vector<std::string> off;  // overrides that switch the other effects off
    };
    const std::vector<std::string> no_device{
        "device.programming_noise=none", "device.read_noise_sigma=0", "device.drift_time_s=0",
        "device.sa0_rate=0",           "device.sa1_rate=0",         "device.aging_cycles=0"};
    auto except = [&](const std::vector<std::string>& keep) {
      std::vector<std::string> o;
      for (const auto& s : no_device) {
        bool kept = false;
        for (const auto& k : keep) kept |= s.rfind(k, 0) == 0;
        if (!kept) o.push_back(s);
      }
      return o;
    };
    std::vector<Variant> variants{
        {"device model, every effect off", except({})},
        {"programming variation", except({"device.programming_noise"})},
        {"read noise", except({"device.read_noise_sigma"})},
        {"drift (compensated)", except({"device.drift_time_s"})},
        {"stuck-at faults", except({"device.sa0_rate", "device.sa1_rate"})},
        {"IR drop (exact)", except({})},
        {"IR drop (first order)", except({})},
        {"all effects of the preset", {}}};
    variants[0].off.push_back("crossbar.ir_drop=none");
    for (std::size_t v = 1; v < 5; ++v) variants[v].off.push_back("crossbar.ir_drop=none");
    variants[6].off.push_back("crossbar.ir_drop=first_order");
    // Column rearrangement (Bhattacharjee et al., REFERENCES.md §4): the same blocks with each
    // block's outputs reordered by falling column current (sum of |levels|), so that the heaviest
    // columns sit next to the row drivers, where the word lines have dropped least. The synapses
    // per block do not change, so the ideal results do not either.
    wl::FixedPointConfig rearranged = fc;
    for (const wl::QuantisedLayer& ql : ideal.quantised()) {
      wl::LayerPartition part = ql.blocks;
      for (wl::Block& b : part) {
        std::vector<std::pair<long, int>> load;
        for (int j : b.outputs) {
          long sum = 0;
          for (int i : b.inputs) sum += std::abs(ql.weights(j, i));
          load.push_back({-sum, j});
        }
        std::stable_sort(load.begin(), load.end());
        for (std::size_t c = 0; c < load.size(); ++c) b.outputs[c] = load[c].second;
      }
      rearranged.partitions.push_back(std::move(part));
    }
    const wl::GoldenModel ideal_rearranged(snn, sc, rearranged);
    std::printf("%-34s %8.2f%%   (same synapses per block: must equal the ideal)\n",
                "ideal, columns rearranged", 100 * timed(ideal_rearranged).first);
    variants.push_back({"IR drop (exact), columns rearranged", except({})});
    variants.push_back({"all effects, columns rearranged", {}});
    for (std::size_t v = 0; v < variants.size(); ++v) {
      std::vector<std::string> o = extra;
      o.insert(o.end(), variants[v].off.begin(), variants[v].off.end());
      const a::ArchSpec va = a::load_arch(arch_path, o);
      const bool moved = v + 2 >= variants.size();
      const wl::GoldenModel& base = moved ? ideal_rearranged : ideal;
      const auto t0 = Clock::now();
      wl::FixedPointConfig f = moved ? rearranged : fc;
      f.analog = std::make_shared<const m::CrossbarAnalogReader>(va, base.quantised());
      const double build_s = std::chrono::duration<double>(Clock::now() - t0).count();
      const wl::GoldenModel g(snn, sc, f);
      const auto [acc, s] = timed(g);
      std::printf("%-34s %8.2f%% %12.3f %10.2f %9.2f\n", variants[v].name.c_str(), 100 * acc,
                  1e3 * s, s / s0, build_s);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_nonideal: %s\n", e.what());
    return 1;
  }
  return 0;
}
