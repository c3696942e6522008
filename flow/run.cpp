#include "flow/run.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <ostream>
#include <sstream>
#include <thread>

#include "config/files.hpp"
#include "flow/mitigation.hpp"
#include "flow/program.hpp"
#include "models/analog.hpp"
#include "sim/chip.hpp"
#include "sim/energy.hpp"
#include "sim/neuron_stimulus.hpp"

namespace wl = xbar::workloads;

namespace xbar::flow {

namespace {

// The traced layer's stimulus (Chip::traced_sums), with a header saying how to replay it.
void write_layer_stimulus(const Experiment& e, const sim::HardwareNetwork& hw,
                          const sim::Chip& chip, const RunOptions& options,
                          const std::string& path) {
  const int layer =
      options.trace_layer < 0 ? static_cast<int>(hw.layers.size()) - 1 : options.trace_layer;
  const sim::HardwareLayer& l = hw.layers[static_cast<size_t>(layer)];
  const long long max_code = l.adc.max_code > 0 ? l.adc.max_code : (1LL << 30);
  const int neurons = static_cast<int>(l.levels.rows());
  std::ostringstream header;
  const arch::NeuronSpec& n = e.arch.neuron;
  header << "xbarsim run " << e.file << ": layer " << layer << " of image " << options.trace_image
         << ", " << neurons << " neurons, threshold " << l.neuron.threshold << " codes\n"
         << "neuron: " << config::to_string(n.model);
  if (n.model == arch::NeuronModel::Lif) header << " leak " << n.leak;
  header << " (leak_q16 " << n.leak_q16() << "), reset " << config::to_string(n.reset) << ", "
         << n.potential_bits << "-bit potentials; items of at most " << max_code << " (adc.bits "
         << e.arch.adc.bits << ")\n"
         << "replay: xbarsim neuron-trace THIS_FILE --arch ARCH --neurons " << neurons
         << " --threshold " << l.neuron.threshold
         << " --vcd OUT.vcd (ARCH with this neuron section)";
  sim::write_neuron_stimulus(path, sim::stimulus_from_sums(chip.traced_sums(), max_code),
                             header.str());
}

struct Scores {
  int correct = 0, golden_correct = 0, mismatched_images = 0;
  std::uint64_t cycles = 0, worst_cycles = 0;
};

// The chip's class for each image (the golden model's rule: spike counts, ties by potential), and
// with check_golden the golden model's run of the same spike trains, spike for spike. results[k]
// is image first + k of the run.
Scores score_images(const Experiment& e, const std::vector<sim::ImageResult>& results, int first,
                    const wl::Dataset& test, const wl::GoldenModel& golden,
                    const std::vector<sim::SpikeTrain>& trains) {
  Scores s;
  for (size_t i = 0; i < results.size(); ++i) {
    const sim::ImageResult& r = results[i];
    const size_t k = static_cast<size_t>(first) + i;
    const std::vector<double> potentials(r.output_potentials.begin(), r.output_potentials.end());
    const int predicted = wl::predicted_class(r.output_spike_counts, potentials);
    s.correct += predicted == test.labels[k];
    s.cycles += r.cycles;
    s.worst_cycles = std::max(s.worst_cycles, r.cycles);
    if (e.check_golden) {
      wl::SpikeTrace trace;
      wl::GoldenResult g = golden.run(trains[k], &trace, static_cast<std::uint64_t>(k));
      s.golden_correct += g.predicted == test.labels[k];
      s.mismatched_images += !(g.predicted == predicted && trace == r.trace);
    }
  }
  return s;
}

// What the chip did over images [first, first + count) of a run: everything the report needs, in
// integers, so slices simulated by different processes merge exactly.
struct Slice {
  Scores score;
  std::vector<sim::LayerTileCounters> counters;
  models::NocStats noc;
  std::uint64_t cycles = 0;
  std::vector<sim::TileTraffic> traffic;     // by (src, dst)
  std::vector<std::uint64_t> timestep_sums;  // per t: ImageResult::timestep_cycles summed

  // Per timestep, the mean over the run's n images of when the output layer fired it.
  std::vector<double> mean_timestep_cycles(int n) const {
    std::vector<double> mean;
    for (const std::uint64_t sum : timestep_sums) mean.push_back(static_cast<double>(sum) / n);
    return mean;
  }
};

struct SliceInputs {
  const Experiment& e;
  const compiler::Placement& placement;
  const sim::HardwareNetwork& hw;
  const wl::GoldenModel& golden;
  const wl::Dataset& test;
  const std::vector<sim::SpikeTrain>& trains;
};

// Elaborates a chip and simulates images [first, first + count) on it (once per process:
// SystemC elaborates once). `image_done(cycles so far)` is called after each image.
Slice simulate_slice(const SliceInputs& in, int first, int count, const RunOptions& options,
                     const std::function<void(std::uint64_t)>& image_done) {
  const Experiment& e = in.e;
  sim::Chip chip("chip", e.arch, in.placement, in.hw);
  chip.enqueue(
      std::vector<sim::SpikeTrain>(in.trains.begin() + first, in.trains.begin() + first + count),
      e.check_golden, static_cast<std::uint64_t>(first));
  std::unique_ptr<sim::VcdTrace> vcd;
  if (!options.trace_file.empty()) {
    vcd = std::make_unique<sim::VcdTrace>(options.trace_file, e.arch.technology.clock_period_ns(),
                                          options.trace_from, options.trace_to);
    chip.trace(vcd.get(), static_cast<size_t>(options.trace_image - first), options.trace_layer);
  }
  if (image_done) chip.on_image_done([&chip, &image_done](size_t) { image_done(chip.cycles()); });
  sc_core::sc_start();
  const auto& results = chip.results();
  if (static_cast<int>(results.size()) != count)
    throw std::runtime_error("the chip finished " + std::to_string(results.size()) + " of " +
                             std::to_string(count) + " images");
  if (vcd && !options.trace_stimulus_file.empty())
    write_layer_stimulus(e, in.hw, chip, options, options.trace_stimulus_file);
  Slice slice{score_images(e, results, first, in.test, in.golden, in.trains),
              chip.counters(),
              chip.noc().stats(),
              chip.cycles(),
              chip.traffic(),
              {}};
  for (const sim::ImageResult& r : results) {
    slice.timestep_sums.resize(std::max(slice.timestep_sums.size(), r.timestep_cycles.size()), 0);
    for (size_t t = 0; t < r.timestep_cycles.size(); ++t)
      slice.timestep_sums[t] += r.timestep_cycles[t];
  }
  return slice;
}

nlohmann::json to_json(const Slice& s) {
  nlohmann::json counters = nlohmann::json::array(), traffic = nlohmann::json::array();
  for (const auto& t : s.traffic) traffic.push_back({t.src, t.dst, t.packets, t.flits});
  for (const auto& c : s.counters)
    counters.push_back({{"layer", c.layer},
                        {"tile", c.tile},
                        {"count", c.counters.count},
                        {"cell_energy_aj", c.counters.cell_energy_aj}});
  const models::NocStats& n = s.noc;
  return {{"score",
           {s.score.correct, s.score.golden_correct, s.score.mismatched_images, s.score.cycles,
            s.score.worst_cycles}},
          {"counters", counters},
          {"noc",
           {n.packets, n.flits, n.flit_hops, n.buffer_writes, n.buffer_reads, n.router_traversals,
            n.total_latency_cycles, n.max_latency_cycles, n.busy_cycles}},
          {"cycles", s.cycles},
          {"traffic", traffic},
          {"timestep_sums", s.timestep_sums}};
}

Slice slice_from_json(const nlohmann::json& j) {
  Slice s;
  const auto& sc = j.at("score");
  s.score = {sc.at(0).get<int>(), sc.at(1).get<int>(), sc.at(2).get<int>(),
             sc.at(3).get<std::uint64_t>(), sc.at(4).get<std::uint64_t>()};
  for (const auto& c : j.at("counters")) {
    sim::LayerTileCounters t;
    t.layer = c.at("layer").get<int>();
    t.tile = c.at("tile").get<int>();
    t.counters.count = c.at("count").get<decltype(t.counters.count)>();
    t.counters.cell_energy_aj = c.at("cell_energy_aj").get<std::uint64_t>();
    s.counters.push_back(t);
  }
  const auto& n = j.at("noc");
  s.noc = {n.at(0), n.at(1), n.at(2), n.at(3), n.at(4), n.at(5), n.at(6), n.at(7), n.at(8)};
  s.cycles = j.at("cycles").get<std::uint64_t>();
  for (const auto& t : j.at("traffic"))
    s.traffic.push_back({t.at(0).get<int>(), t.at(1).get<int>(), t.at(2).get<std::uint64_t>(),
                         t.at(3).get<std::uint64_t>()});
  s.timestep_sums = j.at("timestep_sums").get<std::vector<std::uint64_t>>();
  return s;
}

// The slices in image order, merged: sums, maxima, and the counter sets in the chip's order
// (tile, then layer).
Slice merge(const std::vector<Slice>& slices) {
  Slice m;
  std::map<std::pair<int, int>, sim::Counters> sets;
  std::map<std::pair<int, int>, sim::TileTraffic> traffic;
  for (const Slice& s : slices) {
    m.score.correct += s.score.correct;
    m.score.golden_correct += s.score.golden_correct;
    m.score.mismatched_images += s.score.mismatched_images;
    m.score.cycles += s.score.cycles;
    m.score.worst_cycles = std::max(m.score.worst_cycles, s.score.worst_cycles);
    for (const auto& c : s.counters) sets[{c.tile, c.layer}] += c.counters;
    models::NocStats& n = m.noc;
    n.packets += s.noc.packets;
    n.flits += s.noc.flits;
    n.flit_hops += s.noc.flit_hops;
    n.buffer_writes += s.noc.buffer_writes;
    n.buffer_reads += s.noc.buffer_reads;
    n.router_traversals += s.noc.router_traversals;
    n.total_latency_cycles += s.noc.total_latency_cycles;
    n.max_latency_cycles = std::max(n.max_latency_cycles, s.noc.max_latency_cycles);
    n.busy_cycles += s.noc.busy_cycles;
    m.cycles += s.cycles;
    for (const auto& t : s.traffic) {
      sim::TileTraffic& x = traffic[{t.src, t.dst}];
      x.src = t.src;
      x.dst = t.dst;
      x.packets += t.packets;
      x.flits += t.flits;
    }
    m.timestep_sums.resize(std::max(m.timestep_sums.size(), s.timestep_sums.size()), 0);
    for (size_t t = 0; t < s.timestep_sums.size(); ++t) m.timestep_sums[t] += s.timestep_sums[t];
  }
  for (const auto& [key, counters] : sets) m.counters.push_back({key.second, key.first, counters});
  for (const auto& [key, t] : traffic) m.traffic.push_back(t);
  return m;
}

// The tiles in use on their grid with what each did, the routers and the flits over each link --
// from the chip's layout and a network of its geometry built here (plain classes, no
// elaboration), so one process's run and merged workers draw the same floorplan.
RunReport::Floorplan floorplan(const Experiment& e, const sim::HardwareNetwork& hw,
                               const compiler::Placement& placement, const Slice& run,
                               const sim::EnergyReport& energy) {
  std::vector<const Eigen::MatrixXi*> levels;
  for (const auto& l : hw.layers) levels.push_back(&l.levels);
  const sim::ChipLayout layout = sim::build_layout(placement, levels);
  const std::unique_ptr<models::Noc> noc =
      models::make_noc(e.arch, layout.grid_rows, layout.grid_columns);
  RunReport::Floorplan f;
  f.grid_rows = layout.grid_rows;
  f.grid_columns = layout.grid_columns;
  std::map<int, RunReport::TileActivity> tiles;
  auto at = [&](int slot) -> RunReport::TileActivity& {
    RunReport::TileActivity& t = tiles[slot];
    t.slot = slot;
    t.row = slot / layout.grid_columns;
    t.column = slot % layout.grid_columns;
    return t;
  };
  for (const int slot : layout.tiles) at(slot);
  for (const compiler::TileInfo& info : placement.tiles) {
    RunReport::TileActivity& t = at(info.row * layout.grid_columns + info.column);
    t.crossbars = info.crossbars;
    t.neurons = info.neurons;
  }
  for (const sim::LayerTileCounters& c : run.counters) {
    RunReport::TileActivity& t = at(c.tile);
    t.crossbar_reads += c.counters[sim::Event::CrossbarRead];
    t.crossbar_busy_cycles += c.counters[sim::Event::CrossbarBusy];
    t.spikes += c.counters[sim::Event::Spike];
    t.flits_sent += c.counters[sim::Event::FlitSent];
  }
  for (const auto& [slot, pj] : energy.by_tile_pj) tiles[slot].dynamic_pj = pj;
  for (auto& [slot, t] : tiles) f.tiles.push_back(t);
  std::map<int, std::pair<double, int>> centres;  // router -> (sum of rows, tiles)
  std::map<int, double> column_sums;
  for (int slot = 0; slot < layout.slots; ++slot) {
    const int r = noc->router_of_tile(slot);
    if (r < 0) continue;
    const int row = slot / layout.grid_columns, column = slot % layout.grid_columns;  // whole tiles
    centres[r].first += row;
    centres[r].second += 1;
    column_sums[r] += column;
  }
  for (const auto& [r, c] : centres)
    f.routers.push_back({r, c.first / c.second, column_sums[r] / c.second});
  std::map<std::pair<int, int>, std::uint64_t> links;
  for (const sim::TileTraffic& t : run.traffic)
    for (const auto& link : noc->route_links(t.src, t.dst)) links[link] += t.flits;
  for (const auto& [link, flits] : links) f.links.push_back({link.first, link.second, flits});
  return f;
}

// A progress line on a terminal: images done, rate, simulated cycles per second, time left.
class Progress {
 public:
  Progress(int images, std::ostream& log, bool on) : n_(images), log_(log), on_(on) {}
  void update(int done, std::uint64_t cycles) {
    if (!on_) return;
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = s > 0 ? done / s : 0;
    const double cycles_per_s = s > 0 ? static_cast<double>(cycles) / s : 0;
    log_ << "\r  simulating: " << done << "/" << n_ << " images, "
         << static_cast<int>(rate * 10) / 10.0 << " images/s, "
         << static_cast<long long>(cycles_per_s) << " cycles/s, "
         << static_cast<int>(rate > 0 ? (n_ - done) / rate : 0) << " s left   ";
    if (done == n_) log_ << "\n";
    log_.flush();
  }

 private:
  int n_;
  std::ostream& log_;
  bool on_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Runs the slices in child processes, one chip each (forked after programming, before any
// elaboration), and returns them in image order. A child reports each finished image's cycle
// count on its pipe (the parent's progress) and writes its slice as JSON to a private file.
std::vector<Slice> simulate_in_workers(const SliceInputs& in,
                                       const std::vector<std::pair<int, int>>& ranges,
                                       const RunOptions& options, Progress& progress) {
  struct Worker {
    pid_t pid = -1;
    int pipe = -1;
    std::string file;
    std::uint64_t cycles = 0;
    int done = 0;
    std::string partial;  // bytes of a record not yet complete
  };
  std::vector<Worker> workers(ranges.size());
  for (size_t w = 0; w < ranges.size(); ++w) {
    char name[] = "/tmp/xbarsim-worker-XXXXXX";
    const int fd = mkstemp(name);
    if (fd < 0)
      throw std::runtime_error(std::string("cannot create a worker's result file in /tmp: ") +
                               std::strerror(errno));
    close(fd);
    workers[w].file = name;
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    std::cout.flush();
    std::cerr.flush();
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {  // the worker: simulate, write, leave without running the parent's exit code
      close(fds[0]);
      int rc = 0;
      nlohmann::json out;
      try {
        const int wfd = fds[1];
        const Slice s = simulate_slice(in, ranges[w].first, ranges[w].second, options,
                                       [wfd](std::uint64_t cycles) {
                                         const ssize_t r = write(wfd, &cycles, sizeof cycles);
                                         (void)r;
                                       });
        out = to_json(s);
      } catch (const std::exception& ex) {
        out = {{"error", ex.what()}};
        rc = 1;
      }
      {
        std::ofstream f(workers[w].file, std::ios::binary | std::ios::trunc);
        f << out.dump();
        if (!f) rc = 2;
      }
      _exit(rc);
    }
    close(fds[1]);
    workers[w].pid = pid;
    workers[w].pipe = fds[0];
  }
  // Progress from every worker's pipe until all are closed.
  int open = static_cast<int>(workers.size());
  while (open > 0) {
    std::vector<pollfd> fds;
    for (const Worker& w : workers)
      if (w.pipe >= 0) fds.push_back({w.pipe, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR)
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    for (Worker& w : workers) {
      if (w.pipe < 0) continue;
      const bool ready = std::any_of(fds.begin(), fds.end(), [&](const pollfd& p) {
        return p.fd == w.pipe && (p.revents & (POLLIN | POLLHUP | POLLERR));
      });
      if (!ready) continue;
      char buf[512];
      const ssize_t r = read(w.pipe, buf, sizeof buf);
      if (r <= 0) {
        close(w.pipe);
        w.pipe = -1;
        --open;
        continue;
      }
      w.partial.append(buf, static_cast<size_t>(r));
      while (w.partial.size() >= sizeof(std::uint64_t)) {
        std::memcpy(&w.cycles, w.partial.data(), sizeof(std::uint64_t));
        w.partial.erase(0, sizeof(std::uint64_t));
        ++w.done;
      }
    }
    int done = 0;
    std::uint64_t cycles = 0;
    for (const Worker& w : workers) {
      done += w.done;
      cycles += w.cycles;
    }
    progress.update(done, cycles);
  }
  std::vector<Slice> slices;
  std::string failure;
  for (size_t w = 0; w < workers.size(); ++w) {
    int status = 0;
    waitpid(workers[w].pid, &status, 0);
    std::string text;  // empty when the worker left nothing readable
    try {
      text = config::read_file(workers[w].file, config::limits::kJsonBytes, "a worker's result");
    } catch (const std::exception&) {
    }
    std::remove(workers[w].file.c_str());
    const std::string where = "worker " + std::to_string(w + 1) + " of " +
                              std::to_string(workers.size()) + " (images " +
                              std::to_string(ranges[w].first) + ".." +
                              std::to_string(ranges[w].first + ranges[w].second - 1) + ")";
    if (!WIFEXITED(status) || text.empty()) {
      if (failure.empty())
        failure = where + (WIFSIGNALED(status)
                               ? " was killed by signal " + std::to_string(WTERMSIG(status))
                               : " ended without a result");
      continue;
    }
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || j.contains("error")) {
      if (failure.empty())
        failure =
            where + ": " + (j.is_discarded() ? "unreadable result" : j["error"].get<std::string>());
      continue;
    }
    slices.push_back(slice_from_json(j));
  }
  if (!failure.empty()) throw std::runtime_error(failure);
  return slices;
}

// Images [0, n) cut into `workers` contiguous ranges (first, count) of sizes differing by at
// most 1.
std::vector<std::pair<int, int>> split_images(int n, int workers) {
  std::vector<std::pair<int, int>> r;
  for (int w = 0, first = 0; w < workers; ++w) {
    const int count = n / workers + (w < n % workers ? 1 : 0);
    r.emplace_back(first, count);
    first += count;
  }
  return r;
}

// How many processes run() splits `images` over (flow/run.hpp).
int run_workers(const Experiment& e, int images, bool tracing) {
  if (tracing || images <= 1) return 1;
  const int all = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::min(images, e.workers > 0 ? e.workers : all);
}

}  // namespace

RunReport run(const Experiment& e, const Compiled& c, const RunOptions& options,
              std::ostream& log) {
  const auto t0 = std::chrono::steady_clock::now();
  nlohmann::json mitigations;
  const compiler::Placement placement = programmed_placement(e, c, &mitigations);
  if (!options.placement_file.empty() && !(placement == c.placement))
    compiler::write_placement(placement, options.placement_file);
  wl::GoldenModel golden = program_golden(e, c, placement);
  const sim::HardwareNetwork hw = hardware_network(e, golden);
  const wl::Dataset test = test_images(e, c, options.images);
  const int n = test.size();
  std::vector<sim::SpikeTrain> trains;
  for (int k = 0; k < n; ++k) trains.push_back(input_spikes(e, test, k));
  if (!options.trace_file.empty() && (options.trace_image < 0 || options.trace_image >= n))
    throw std::invalid_argument("--trace-image " + std::to_string(options.trace_image) +
                                " is not one of the " + std::to_string(n) + " images simulated");
  const SliceInputs in{e, placement, hw, golden, test, trains};
  const int workers = run_workers(e, n, !options.trace_file.empty());
  Progress progress(n, log, options.progress);
  const auto t_sim = std::chrono::steady_clock::now();
  Slice all;
  if (workers == 1) {
    int done = 0;
    all = simulate_slice(in, 0, n, options,
                         [&](std::uint64_t cycles) { progress.update(++done, cycles); });
  } else {
    all = merge(simulate_in_workers(in, split_images(n, workers), options, progress));
  }
  const double sim_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_sim).count();

  const Scores& score = all.score;
  RunReport report;
  report.experiment = e.name;
  report.arch_name = e.arch.name;
  report.flow = e.flow;
  report.seed = e.seed;
  report.images = n;
  report.timesteps = e.timesteps;
  report.accuracy = static_cast<double>(score.correct) / n;
  report.ann_accuracy = c.ann_accuracy;
  report.ann_accuracy_before_compile = c.ann_accuracy_before;
  if (e.check_golden)
    report.golden =
        RunReport::Golden{static_cast<double>(score.golden_correct) / n, score.mismatched_images};
  report.cycles_per_image = static_cast<double>(score.cycles) / n;
  report.worst_cycles = score.worst_cycles;
  report.clock_period_ns = e.arch.technology.clock_period_ns();
  // Cost: the inventory of the chip as placed, the energy of what it did.
  report.inventory = placed_inventory(e.arch, c.placement);
  report.simulated_cycles = all.cycles;
  arch::ArchSpec placed = e.arch;
  placed.chip.tiles = static_cast<int>(c.placement.tiles.size());
  report.energy = sim::account_energy(all.counters, report.inventory, placed, all.cycles,
                                      c.placement.crossbar.columns_per_output);
  report.placement = c.placement;
  report.stages = c.stages;
  report.mitigations = mitigations;
  report.chip_activity = sim::activity_json(sim::total(all.counters), all.noc, e.arch.noc.impl);
  report.noc = all.noc;
  report.workers = workers;
  report.timestep_cycles = all.mean_timestep_cycles(n);
  report.floorplan = floorplan(e, hw, c.placement, all, report.energy);
  report.wall_seconds = sim_s;
  report.total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report.config = e.resolved;
  log << "run: " << n << " images, accuracy " << 100.0 * score.correct / n << " %";
  if (e.check_golden)
    log << " (golden " << 100.0 * score.golden_correct / n << " %, " << score.mismatched_images
        << " images differ)";
  log << "\n";
  return report;
}

AccuracyReport evaluate(const Experiment& e, const Compiled& c, int images, std::ostream& log) {
  const auto t0 = std::chrono::steady_clock::now();
  nlohmann::json mitigations;
  const compiler::Placement placement = programmed_placement(e, c, &mitigations);
  const wl::GoldenModel golden = program_golden(e, c, placement);
  const wl::Dataset test = test_images(e, c, images);
  const int n = test.size();
  // Images are independent (their spikes and read noise are keyed by the image's index), and
  // wl::evaluate encodes image k as input_spikes(e, test, k) does.
  const int threads = e.threads > 0
                          ? e.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const wl::SnnEvaluation r = wl::evaluate(golden, test, n, threads);
  const int correct = static_cast<int>(std::lround(r.accuracy * n));
  AccuracyReport report;
  report.experiment = e.name;
  report.flow = e.flow;
  report.seed = e.seed;
  report.images = n;
  report.accuracy = static_cast<double>(correct) / n;
  report.ann_accuracy = c.ann_accuracy;
  report.nonideal = models::analog_read_enabled(e.arch);
  report.crossbars = c.placement.crossbars();
  report.tiles = static_cast<int>(c.placement.tiles.size());
  report.mitigations = mitigations;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report.config = e.resolved;
  log << "accuracy: " << n << " images, " << 100.0 * correct / n << " % (golden model)\n";
  return report;
}

}  // namespace xbar::flow
