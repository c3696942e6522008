#include "flow/run.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <ostream>
#include <sstream>
#include <thread>

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

// A progress line on a terminal: images done, rate, time left; nothing when output is a file.
void show_progress(sim::Chip& chip, int n, std::ostream& log) {
  chip.on_image_done([&chip, &log, n, start = std::chrono::steady_clock::now()](size_t done) {
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = s > 0 ? done / s : 0;
    const double cycles_per_s = s > 0 ? static_cast<double>(chip.cycles()) / s : 0;
    log << "\r  simulating: " << done << "/" << n << " images, "
        << static_cast<int>(rate * 10) / 10.0 << " images/s, "
        << static_cast<long long>(cycles_per_s) << " cycles/s, "
        << static_cast<int>(rate > 0 ? (n - done) / rate : 0) << " s left   ";
    if (static_cast<int>(done) == n) log << "\n";
    log.flush();
  });
}

struct Scores {
  int correct = 0, golden_correct = 0, mismatched_images = 0;
  std::uint64_t cycles = 0, worst_cycles = 0;
};

// The chip's class for each image (the golden model's rule: spike counts, ties by potential), and
// with check_golden the golden model's run of the same spike trains, spike for spike.
Scores score_images(const Experiment& e, const std::vector<sim::ImageResult>& results,
                    const wl::Dataset& test, const wl::GoldenModel& golden,
                    const std::vector<sim::SpikeTrain>& trains) {
  Scores s;
  for (size_t k = 0; k < results.size(); ++k) {
    const sim::ImageResult& r = results[k];
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

// The mean over the images of when the output layer fired each timestep.
std::vector<double> mean_timestep_cycles(const std::vector<sim::ImageResult>& results) {
  std::vector<double> mean;
  for (const sim::ImageResult& r : results) {
    mean.resize(std::max(mean.size(), r.timestep_cycles.size()), 0.0);
    for (size_t t = 0; t < r.timestep_cycles.size(); ++t)
      mean[t] += static_cast<double>(r.timestep_cycles[t]);
  }
  for (double& m : mean) m /= static_cast<double>(results.size());
  return mean;
}

// The tiles in use on their grid with what each did, the routers and the flits over each link.
RunReport::Floorplan floorplan(const sim::Chip& chip, const compiler::Placement& placement,
                               const sim::EnergyReport& energy) {
  const sim::ChipLayout& layout = chip.layout();
  RunReport::Floorplan f;
  f.grid_rows = layout.grid_rows;
  f.grid_columns = layout.grid_columns;
  std::map<int, RunReport::TileActivity> tiles;
  for (const int slot : layout.tiles) {
    RunReport::TileActivity& t = tiles[slot];
    t.slot = slot;
    t.row = slot / layout.grid_columns;
    t.column = slot % layout.grid_columns;
  }
  for (const compiler::TileInfo& info : placement.tiles) {
    RunReport::TileActivity& t = tiles[info.row * layout.grid_columns + info.column];
    t.slot = info.row * layout.grid_columns + info.column;
    t.row = info.row;
    t.column = info.column;
    t.crossbars = info.crossbars;
    t.neurons = info.neurons;
  }
  for (const sim::LayerTileCounters& c : chip.counters()) {
    RunReport::TileActivity& t = tiles[c.tile];
    t.slot = c.tile;
    t.row = c.tile / layout.grid_columns;
    t.column = c.tile % layout.grid_columns;
    t.crossbar_reads += c.counters[sim::Event::CrossbarRead];
    t.spikes += c.counters[sim::Event::Spike];
    t.flits_sent += c.counters[sim::Event::FlitSent];
  }
  for (const auto& [slot, pj] : energy.by_tile_pj) tiles[slot].dynamic_pj = pj;
  for (auto& [slot, t] : tiles) f.tiles.push_back(t);
  const models::Noc& noc = chip.noc();
  std::map<int, std::pair<double, int>> centres;  // router -> (sum of rows, columns), tiles
  std::map<int, double> column_sums;
  for (int slot = 0; slot < layout.slots; ++slot) {
    const int r = noc.router_of_tile(slot);
    if (r < 0) continue;
    const int row = slot / layout.grid_columns, column = slot % layout.grid_columns;
    centres[r].first += row;
    centres[r].second += 1;
    column_sums[r] += column;
  }
  for (const auto& [r, c] : centres)
    f.routers.push_back({r, c.first / c.second, column_sums[r] / c.second});
  std::map<std::pair<int, int>, std::uint64_t> links;
  for (const sim::TileTraffic& t : chip.traffic())
    for (const auto& link : noc.route_links(t.src, t.dst)) links[link] += t.flits;
  for (const auto& [link, flits] : links) f.links.push_back({link.first, link.second, flits});
  return f;
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
  sim::Chip chip("chip", e.arch, placement, hw);
  chip.enqueue(trains, e.check_golden);
  std::unique_ptr<sim::VcdTrace> vcd;
  if (!options.trace_file.empty()) {
    if (options.trace_image < 0 || options.trace_image >= n)
      throw std::invalid_argument("--trace-image " + std::to_string(options.trace_image) +
                                  " is not one of the " + std::to_string(n) + " images simulated");
    vcd = std::make_unique<sim::VcdTrace>(options.trace_file, e.arch.technology.clock_period_ns(),
                                          options.trace_from, options.trace_to);
    chip.trace(vcd.get(), static_cast<size_t>(options.trace_image), options.trace_layer);
  }
  if (options.progress) show_progress(chip, n, log);
  const auto t_sim = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const double sim_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_sim).count();
  const auto& results = chip.results();
  if (static_cast<int>(results.size()) != n)
    throw std::runtime_error("the chip finished " + std::to_string(results.size()) + " of " +
                             std::to_string(n) + " images");
  if (vcd && !options.trace_stimulus_file.empty())
    write_layer_stimulus(e, hw, chip, options, options.trace_stimulus_file);

  const Scores score = score_images(e, results, test, golden, trains);
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
  report.simulated_cycles = chip.cycles();
  arch::ArchSpec placed = e.arch;
  placed.chip.tiles = static_cast<int>(c.placement.tiles.size());
  report.energy = sim::account_energy(chip.counters(), report.inventory, placed, chip.cycles(),
                                      c.placement.crossbar.columns_per_output);
  report.placement = c.placement;
  report.stages = c.stages;
  report.mitigations = mitigations;
  report.chip_activity = chip.report_json();
  report.noc = chip.noc().stats();
  report.timestep_cycles = mean_timestep_cycles(results);
  report.floorplan = floorplan(chip, c.placement, report.energy);
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
