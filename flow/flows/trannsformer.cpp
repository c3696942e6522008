// compile.flow: trannsformer -- TraNNsformer (docs/references.md): prune, cluster and retrain to
// the budget so that the surviving synapses form crossbar-sized clusters (compiler/trannsformer.hpp),
// then the clustered mapping.
#include <ostream>

#include "compiler/cluster.hpp"
#include "compiler/trannsformer.hpp"
#include "flow/compile_flow.hpp"

namespace xbar::flow {

namespace {

std::vector<compiler::LayerMapping> trannsformer(FlowRun& run) {
  require_mlp(run, "trannsformer");
  Budget budget;
  budget_keys().read(run.settings, budget);
  const Experiment& e = run.experiment;
  compiler::TrannsformerOptions to;
  to.sparsity = budget.sparsity;
  to.epochs = run.retrain_epochs = budget.epochs;
  to.retrain = train_config(e);
  to.retrain.seed = e.compile_seed;
  compiler::ClusterOptions base;
  base.seed = e.compile_seed;
  to.cluster = compiler::cluster_options_for(e.arch, base);
  to.crossbar_rows = run.geometry.rows;
  to.crossbar_outputs = run.geometry.outputs_per_crossbar;
  run.log << "compile: TraNNsformer to " << 100 * budget.sparsity << " % sparsity over "
          << budget.epochs << " epochs\n";
  compiler::TrannsformerResult r = compiler::trannsformer(
      run.ann, run.data.train, &run.data.test, to, [&](const compiler::TrannsformerEpoch& p) {
        run.log << "  epoch " << p.epoch << " (" << p.phase << "): sparsity " << 100 * p.sparsity
                << " %, unclustered " << 100 * p.unclustered_fraction << " %, " << p.clusters
                << " clusters, test accuracy " << 100 * p.test_accuracy << " %\n";
        run.log.flush();
        run.stages.push_back({{"stage", p.phase},
                              {"epoch", p.epoch},
                              {"sparsity", p.sparsity},
                              {"unclustered_fraction", p.unclustered_fraction},
                              {"clusters", p.clusters},
                              {"test_accuracy", p.test_accuracy}});
      });
  std::vector<compiler::LayerMapping> layers;
  const auto masks = masks_of(run.ann);
  for (std::size_t l = 0; l < masks.size(); ++l)
    layers.push_back(
        compiler::map_clustered(static_cast<int>(l), masks[l], r.clusters[l], run.geometry));
  return layers;
}

}  // namespace

XBAR_REGISTER_IMPLEMENTATION(compile_flows(), trannsformer,
                             "prune, cluster and retrain (TraNNsformer), then clustered mapping",
                             budget_keys().spec().keys, trannsformer);

}  // namespace xbar::flow
