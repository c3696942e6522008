// What the flows report, as typed values: a compile's summary (compile.json), a cycle-level run
// (report.json) and a golden-model accuracy run (accuracy.json). Each is filled once by the flow
// that produces it and gives its JSON (to_json) and its console summary (print), so no command
// reads a report back by string keys.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "arch/inventory.hpp"
#include "compiler/placement.hpp"
#include "config/config_tree.hpp"
#include "models/noc.hpp"
#include "sim/chip.hpp"
#include "sim/energy.hpp"

namespace xbar::flow {

// Per layer of a placement: sizes, synapses, sparsity, crossbars, utilization, clusters.
nlohmann::json layer_statistics_json(const compiler::Placement& placement);

// What a compile produced (compile.json; `xbarsim compile` prints it).
struct CompileSummary {
  std::string flow;
  compiler::Placement placement;  // for the per-layer statistics
  double chip_area_mm2 = 0;
  double ann_accuracy_before = 0, ann_accuracy = 0;
  nlohmann::json stages;
  nlohmann::json to_json() const;
  void print(std::ostream& out) const;
};

// A cycle-level run of the chip (report.json; `xbarsim run` prints it).
struct RunReport {
  std::string experiment, arch_name, flow;
  std::uint64_t seed = 0;
  int images = 0, timesteps = 0;
  double accuracy = 0, ann_accuracy = 0, ann_accuracy_before_compile = 0;
  struct Golden {  // the spike-exact check against the golden model, when it ran
    double accuracy = 0;
    int images_with_spike_mismatch = 0;
  };
  std::optional<Golden> golden;
  double cycles_per_image = 0, clock_period_ns = 0;
  std::uint64_t worst_cycles = 0;
  sim::EnergyReport energy;  // summed over the images
  arch::Inventory inventory;  // the chip as placed (area)
  compiler::Placement placement;
  nlohmann::json stages, mitigations;
  // What the chip did: its counters' report sections ("activity", "noc"; sim::activity_json) and
  // the NoC's latency statistics for the summary.
  nlohmann::json chip_activity;
  models::NocStats noc;
  std::uint64_t simulated_cycles = 0;  // over all images
  // Per timestep t: the cycles from an image's start until the output layer fired t, the mean over
  // the images (report.json: latency.per_timestep_cycles).
  std::vector<double> timestep_cycles;
  // The chip's tiles on their mesh coordinates with what each did, and the network's links with the
  // flits each carried (report.json: "floorplan", per image; sums over the whole run here).
  struct TileActivity {
    int slot = 0, row = 0, column = 0;  // NoC slot = row * grid columns + column
    int crossbars = 0, neurons = 0;     // placed on it
    double dynamic_pj = 0;
    std::uint64_t crossbar_reads = 0, crossbar_busy_cycles = 0, spikes = 0, flits_sent = 0;
  };
  struct Router {
    int id = 0;
    double row = 0, column = 0;  // the centre of the tiles it serves, in tile coordinates
  };
  struct Link {
    int from = 0, to = 0;  // routers
    std::uint64_t flits = 0;
  };
  struct Floorplan {
    int grid_rows = 0, grid_columns = 0;
    std::vector<TileActivity> tiles;  // the tiles in use, by slot
    std::vector<Router> routers;      // empty for a network without routers (the bus)
    std::vector<Link> links;          // links that carried flits, by (from, to)
  };
  Floorplan floorplan;
  // How it was run (the "simulation" section; everything else is the same for any worker count).
  double wall_seconds = 0, total_seconds = 0;
  int workers = 1;  // processes the images were split over (simulate.workers)
  config::ConfigNode config;  // the experiment, fully resolved

  nlohmann::json to_json() const;
  nlohmann::json floorplan_json() const;  // per image
  // The human summary; `report_path` is where report.json was written.
  void print(std::ostream& out, const std::string& report_path) const;
};

// The golden model's accuracy alone (accuracy.json; `xbarsim accuracy` prints it).
struct AccuracyReport {
  std::string experiment, flow;
  std::uint64_t seed = 0;
  int images = 0;
  double accuracy = 0, ann_accuracy = 0;
  bool nonideal = false;
  int crossbars = 0, tiles = 0;
  nlohmann::json mitigations;
  double seconds = 0;
  config::ConfigNode config;
  nlohmann::json to_json() const;
  void print(std::ostream& out) const;
};

}  // namespace xbar::flow
