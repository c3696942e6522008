// Speed of the cycle-level simulation against the golden functional model, measured side by side
// in one run on the same images and the same input spikes: seconds per image of each, their ratio,
// simulated cycles per second and peak memory.
//   build/bench/bench_sim [EXPERIMENT] [IMAGES]   (default configs/examples/mnist-500.yaml, 100)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "sim/chip.hpp"
#include "sim/pipeline.hpp"

using namespace xbar;
using Clock = std::chrono::steady_clock;

int sc_main(int argc, char* argv[]) {
  const std::string path = argc > 1 ? argv[1] : "configs/examples/mnist-500.yaml";
  const int images = argc > 2 ? std::atoi(argv[2]) : 100;
  sim::Experiment e = sim::load_experiment(path, {"simulate.check_golden=false"});
  std::ostringstream quiet;
  sim::Compiled c = sim::compile(e, quiet);
  workloads::GoldenModel golden = sim::program_golden(e, c);

  const sim::HardwareNetwork hw = sim::hardware_network(e, golden);
  std::vector<sim::SpikeTrain> trains;
  const int n = std::min(images, c.data.test.size());
  for (int k = 0; k < n; ++k) trains.push_back(sim::input_spikes(e, c.data.test, k));
  // Golden model: one image after another on one thread.
  auto t0 = Clock::now();
  long spikes = 0;
  for (const auto& t : trains) spikes += golden.run(t).spikes;
  const double golden_s = std::chrono::duration<double>(Clock::now() - t0).count();
  // Cycle-level chip: elaboration, then all images in one simulation.
  auto t1 = Clock::now();
  sim::Chip chip("chip", e.arch, c.placement, hw);
  const double elaborate_s = std::chrono::duration<double>(Clock::now() - t1).count();
  chip.enqueue(trains);
  auto t2 = Clock::now();
  sc_core::sc_start();
  const double chip_s = std::chrono::duration<double>(Clock::now() - t2).count();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double cycles = static_cast<double>(chip.stats().cycles);
  std::printf("bench_sim: %s, %d images, T = %d, %d crossbars on %zu tiles (%s)\n", e.name.c_str(),
              n, e.timesteps, c.placement.crossbars(), c.placement.tiles.size(),
              chip.noc().describe().c_str());
  std::printf("  golden model      %8.3f ms per image (%ld spikes in all)\n", 1e3 * golden_s / n,
              spikes);
  std::printf("  cycle-level chip  %8.3f ms per image (+ %.3f s elaboration)\n", 1e3 * chip_s / n,
              elaborate_s);
  std::printf("  ratio chip/golden %8.2f x\n", chip_s / golden_s);
  std::printf("  simulated         %8.0f cycles per image, %.3g cycles per second\n", cycles / n,
              cycles / chip_s);
  const sim::ChipStats st = chip.stats();
  std::printf("  traffic           %8.0f spike packets, %.0f partial-sum packets (%.0f stay in their tile), %.0f flits per image\n",
              double(st.spike_packets) / n, double(st.partial_sum_packets) / n,
              double(st.packets_local) / n, double(chip.noc().stats().flits) / n);
  std::printf("  peak memory       %8.1f MB\n", ru.ru_maxrss / 1024.0);
  return 0;
}
