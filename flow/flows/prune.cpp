// compile.flow: prune -- the pruning baseline: magnitude pruning to the budget with retraining
// (compiler/prune.hpp), then compacted tiling (all-zero rows and columns dropped).
#include <ostream>

#include "compiler/prune.hpp"
#include "flow/compile_flow.hpp"

namespace xbar::flow {

namespace {

std::vector<compiler::LayerMapping> prune(FlowRun& run) {
  require_mlp(run, "prune");
  Budget budget;
  budget_keys().read(run.settings, budget);
  const Experiment& e = run.experiment;
  compiler::PruneOptions po;
  po.sparsity = budget.sparsity;
  po.epochs = run.retrain_epochs = budget.epochs;
  po.retrain = train_config(e);
  po.retrain.seed = e.compile_seed;
  run.log << "compile: magnitude pruning to " << 100 * budget.sparsity << " % over "
          << budget.epochs << " epochs\n";
  compiler::prune_and_retrain(run.ann, run.data.train, &run.data.test, po,
                              [&](const compiler::PruneEpoch& p) {
                                run.log << "  epoch " << p.epoch << ": sparsity "
                                        << 100 * p.sparsity << " %, test accuracy "
                                        << 100 * p.test_accuracy << " %\n";
                                run.log.flush();
                                run.stages.push_back({{"stage", "prune"},
                                                      {"epoch", p.epoch},
                                                      {"sparsity", p.sparsity},
                                                      {"test_accuracy", p.test_accuracy}});
                              });
  std::vector<compiler::LayerMapping> layers;
  const auto masks = masks_of(run.ann);
  for (std::size_t l = 0; l < masks.size(); ++l)
    layers.push_back(compiler::map_compacted(static_cast<int>(l), masks[l], run.geometry));
  return layers;
}

}  // namespace

XBAR_REGISTER_IMPLEMENTATION(
    compile_flows(), prune,
    "magnitude pruning with retraining, then compacted tiling (the pruning baseline)",
    budget_keys().spec().keys, prune);

}  // namespace xbar::flow
