// The compile flows (`compile.flow`): each turns the trained network into crossbar mappings,
// pruning and retraining it as it goes. A flow registers itself from its own file (flow/flows/) with
// its documentation, its own keys of the compile section and its function, so a new flow is a new
// file: the experiment schema, `xbarsim list` and compile() all read this table.
#pragma once

#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <vector>

#include "compiler/map.hpp"
#include "compiler/placement.hpp"
#include "config/binding.hpp"
#include "config/registry.hpp"
#include "flow/experiment.hpp"
#include "workloads/dataset.hpp"
#include "workloads/network.hpp"
#include "workloads/trainer.hpp"

namespace xbar::flow {

// What a flow works on. It may change `ann` (prune, retrain) and appends its per-epoch statistics
// to `stages` (they go into compile.json and the run report).
struct FlowRun {
  const Experiment& experiment;
  const config::ConfigNode& settings;  // the compile section: the flow's own keys, validated
  workloads::Network& ann;
  const workloads::DataSplit& data;
  compiler::CrossbarGeometry geometry;
  nlohmann::json& stages;
  std::ostream& log;
  int retrain_epochs = 0;  // set by a flow that retrains (recorded with the compiled model)
};

using CompileFlow = std::function<std::vector<compiler::LayerMapping>(FlowRun&)>;
config::Registry<CompileFlow>& compile_flows();

// Helpers the flows share.
// The experiment's training recipe (train section), for retraining.
workloads::TrainConfig train_config(const Experiment& e);
// The dense layers' connectivity, as the compiler's masks.
std::vector<compiler::Mask> masks_of(const workloads::Network& net);
// Refuses a CNN: the flows that prune MLPs (xbarsim structured prunes CNNs).
void require_mlp(const FlowRun& run, const char* flow);
// A pruning budget: the fraction of weights pruned and the retraining epochs (prune,
// trannsformer, prunix).
struct Budget {
  double sparsity = 0;
  int epochs = 0;
};
config::SectionBinding<Budget> budget_keys();

}  // namespace xbar::flow
