// Speed of the cycle-level simulation against the golden functional model, measured side by side
// in one run on the same images and the same input spikes: seconds per image of each, their ratio,
// simulated cycles per second and peak memory. With a non-ideal arch (device effects, IR drop or
// ADC errors on), the same is measured with them switched off too, in a child process forked
// before anything is elaborated (SystemC elaborates once per process), and the cost of the
// non-ideal run against the ideal one is printed.
//   build/bench/bench_sim [EXPERIMENT] [IMAGES] [KEY=VALUE ...]
//   (default configs/examples/mnist-500.yaml, 100; KEY=VALUE overrides the experiment as --set
//   does: arch.extends=../arch/resparc-64-rram.yaml runs the default example on non-ideal RRAM)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "flow/mitigation.hpp"
#include "flow/program.hpp"
#include "flow/run.hpp"
#include "models/analog.hpp"
#include "models/noc_mesh.hpp"
#include "sim/chip.hpp"

using namespace xbar;
using Clock = std::chrono::steady_clock;

namespace {

struct Measured {
  int images = 0;
  double golden_s = 0, chip_s = 0, elaborate_s = 0, cycles = 0, peak_mb = 0;
  long spikes = 0;
  int correct_chip = 0;
};

// The machine's 1-minute load average (/proc/loadavg), for reading the timings.
std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string one;
  f >> one;
  return one.empty() ? "unknown" : one;
}

Measured measure(const flow::Experiment& e, int images, bool print) {
  std::ostringstream quiet;
  flow::Compiled c = flow::compile(e, quiet);
  const compiler::Placement placement = flow::programmed_placement(e, c);
  const workloads::GoldenModel golden = flow::program_golden(e, c, placement);
  const sim::HardwareNetwork hw = flow::hardware_network(e, golden);
  std::vector<sim::SpikeTrain> trains;
  Measured m;
  m.images = std::min(images, c.data.test.size());
  for (int k = 0; k < m.images; ++k) trains.push_back(flow::input_spikes(e, c.data.test, k));
  // Golden model: one image after another on one thread.
  auto t0 = Clock::now();
  for (int k = 0; k < m.images; ++k)
    m.spikes += golden.run(trains[std::size_t(k)], nullptr, std::uint64_t(k)).spikes;
  m.golden_s = std::chrono::duration<double>(Clock::now() - t0).count();
  // Cycle-level chip: elaboration, then all images in one simulation.
  auto t1 = Clock::now();
  sim::Chip chip("chip", e.arch, placement, hw);
  m.elaborate_s = std::chrono::duration<double>(Clock::now() - t1).count();
  chip.enqueue(trains);
  auto t2 = Clock::now();
  sc_core::sc_start();
  m.chip_s = std::chrono::duration<double>(Clock::now() - t2).count();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  m.peak_mb = ru.ru_maxrss / 1024.0;
  m.cycles = static_cast<double>(chip.cycles());
  if (!print) return m;
  const int n = m.images;
  std::printf("bench_sim: %s, %d images, T = %d, %d crossbars on %zu tiles (%s)%s\n",
              e.name.c_str(), n, e.timesteps, c.placement.crossbars(), c.placement.tiles.size(),
              chip.noc().describe().c_str(),
              models::analog_read_enabled(e.arch) ? ", non-ideal crossbars" : "");
  std::printf("  golden model      %8.3f ms per image (%ld spikes in all)\n", 1e3 * m.golden_s / n,
              m.spikes);
  std::printf("  cycle-level chip  %8.3f ms per image (+ %.3f s elaboration)\n", 1e3 * m.chip_s / n,
              m.elaborate_s);
  std::printf("  ratio chip/golden %8.2f x\n", m.chip_s / m.golden_s);
  std::printf("  simulated         %8.0f cycles per image, %.3g cycles per second\n", m.cycles / n,
              m.cycles / m.chip_s);
  const sim::Counters st = chip.totals();
  std::printf(
      "  traffic           %8.0f spike packets, %.0f partial-sum packets (%.0f stay in "
      "their tile), %.0f flits per image\n",
      double(st[sim::Event::SpikePacket]) / n, double(st[sim::Event::PartialSumPacket]) / n,
      double(st[sim::Event::LocalPacket]) / n, double(chip.noc().stats().flits) / n);
  if (const auto* mesh = dynamic_cast<const models::MeshNoc*>(&chip.noc())) {
    const double all = double(mesh->packets_timed() + mesh->packets_stepped());
    std::printf("  mesh engine       %8.1f %% of packets timed whole (%.1f %% later stepped)\n",
                all > 0 ? 100.0 * double(mesh->packets_timed()) / all : 0.0,
                all > 0 ? 100.0 * double(mesh->packets_handed_over()) / all : 0.0);
  }
  std::printf("  peak memory       %8.1f MB, %.0f bytes per crossbar\n", m.peak_mb,
              m.peak_mb * 1024 * 1024 / c.placement.crossbars());
  return m;
}

// Runs `f` in a child process forked before anything is elaborated here (SystemC elaborates once
// per process) and returns the trivially copyable value it computed, or nullopt when it failed.
template <class T, class F>
std::optional<T> in_child(F f) {
  int fd[2];
  if (pipe(fd) != 0) throw std::runtime_error("pipe failed");
  const pid_t child = fork();
  if (child == 0) {
    close(fd[0]);
    bool ok = false;
    try {
      const T value = f();
      ok = write(fd[1], &value, sizeof value) == sizeof value;
    } catch (const std::exception& ex) {
      std::cerr << "bench_sim: " << ex.what() << "\n";
    }
    _exit(ok ? 0 : 1);
  }
  close(fd[1]);
  T value{};
  const bool got = read(fd[0], &value, sizeof value) == sizeof value;
  close(fd[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (!got || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return value;
}

// The whole run's simulation (flow::run: programming done, then elaboration and every image)
// split over `workers` processes, in a child process. Returns the simulation's wall seconds.
std::optional<double> run_with_workers(flow::Experiment e, int images, int workers) {
  e.workers = workers;
  return in_child<double>([&] {
    std::ostringstream quiet;
    const flow::Compiled c = flow::compile(e, quiet);
    flow::RunOptions o;
    o.images = images;
    o.progress = false;
    return flow::run(e, c, o, quiet).wall_seconds;
  });
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  const std::string path = argc > 1 ? argv[1] : "configs/examples/mnist-500.yaml";
  const int images = argc > 2 ? std::atoi(argv[2]) : 100;
  std::vector<std::string> overrides = {"simulate.check_golden=false"};
  for (int i = 3; i < argc; ++i) overrides.push_back(argv[i]);
  try {
    const flow::Experiment e = flow::load_experiment(path, overrides);
    if (!models::analog_read_enabled(e.arch)) {
      // Workers first (each forks its own chips), then this process's own chip.
      const int cores = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
      const std::optional<double> one = run_with_workers(e, images, 1),
                                  many = run_with_workers(e, images, cores);
      const Measured m = measure(e, images, true);
      if (one && many)
        std::printf(
            "  run, all images   %8.3f ms per image in 1 process, %.3f ms in %d worker "
            "processes: %.2f x faster (elaboration included; load %s)\n",
            1e3 * *one / m.images, 1e3 * *many / m.images, cores, *one / *many,
            load_average().c_str());
      else
        std::printf("  run, all images   failed in a child process (above)\n");
      return 0;
    }
    // The ideal twin: the same experiment with every non-ideality off, in a child process.
    flow::Experiment ei = e;
    ei.arch.device.effects = {};
    ei.arch.crossbar.ir_drop = arch::IrDrop::None;
    ei.arch.adc.offset_lsb = ei.arch.adc.gain_error = ei.arch.adc.inl_lsb = 0;
    ei.fault_aware = false;
    ei.rearrange = flow::Rearrange::None;
    const std::optional<Measured> ideal =
        in_child<Measured>([&] { return measure(ei, images, false); });
    if (!ideal) throw std::runtime_error("the ideal run (child process) failed");
    const Measured& ideal_m = *ideal;
    const Measured m = measure(e, images, true);
    std::printf("  ideal twin        golden %.3f ms, chip %.3f ms per image (%.0f cycles)\n",
                1e3 * ideal_m.golden_s / ideal_m.images, 1e3 * ideal_m.chip_s / ideal_m.images,
                ideal_m.cycles / ideal_m.images);
    std::printf("  non-ideal/ideal   golden %.2f x, chip %.2f x (same images and spikes)\n",
                m.golden_s / ideal_m.golden_s, m.chip_s / ideal_m.chip_s);
  } catch (const std::exception& ex) {
    std::cerr << "bench_sim: " << ex.what() << "\n";
    return 1;
  }
  return 0;
}
