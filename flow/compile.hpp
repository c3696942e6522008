// Compiling an experiment's network for its chip: the trained model (loaded from its cache, or
// trained and saved there), run through the experiment's compile flow (flow/compile_flow.hpp) into
// crossbar mappings, optionally Weight-Constrained Training, and placed on tiles. A compiled network
// is saved and loaded back (xbarsim compile, run --compiled) so that compiling and simulating can
// run apart.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "arch/inventory.hpp"
#include "compiler/placement.hpp"
#include "flow/experiment.hpp"
#include "workloads/dataset.hpp"
#include "workloads/network.hpp"

namespace xbar::flow {

struct Compiled {
  workloads::DataSplit data;
  workloads::Network ann;  // after the flow (pruned and retrained for prune / trannsformer)
  double ann_accuracy_before = 0, ann_accuracy = 0;  // on the whole test set
  compiler::Placement placement;
  nlohmann::json stages;   // per-stage statistics of the flow
  int retrain_epochs = 0;  // of the flow (0: it did not retrain)
};

// Loads the model cache or trains and saves it, then runs the compile flow and places the result.
// `log` receives progress lines.
Compiled compile(const Experiment& e, std::ostream& log);

// Saves what load_compiled reads back: DIR/placement.json and the compiled network in DIR/model
// (compile.json, with the statistics, is written by the command).
void save_compiled(const Experiment& e, const Compiled& c, const std::string& dir);
// A network compiled earlier (xbarsim compile or run wrote DIR), instead of compiling again: its
// Placement must fit the experiment's arch (crossbar geometry, cores, tiles); the devices, ADCs,
// NoC and the mitigations may differ. Throws std::invalid_argument saying what differs.
Compiled load_compiled(const Experiment& e, const std::string& dir, std::ostream& log);

// The chip a placement occupies: the arch with as many tiles as the placement uses, priced by its
// component library. The one definition of a compiled network's area (whole tiles).
arch::Inventory placed_inventory(const arch::ArchSpec& arch, const compiler::Placement& placement);

}  // namespace xbar::flow
