// compile.flow: prunix -- PRUNIX (docs/references.md): per-layer pruning ratios from each layer's
// measured sensitivity (the Adaptive Pruning Algorithm) and group sawtooth regularisation while
// retraining (compiler/prunix.hpp), then compacted tiling.
#include <ostream>

#include "compiler/prunix.hpp"
#include "flow/compile_flow.hpp"

namespace xbar::flow {

namespace {

struct PrunixSettings {
  Budget budget;
  double group_lasso = 2e-5;  // group sparsity over each input's fan-out
  double sawtooth = 1e-3;     // pull toward the conductance levels
};

config::SectionBinding<PrunixSettings> prunix_keys() {
  config::SectionBinding<PrunixSettings> b("compile", "");
  b.include(budget_keys(), &PrunixSettings::budget)
      .number("group_lasso", &PrunixSettings::group_lasso, 0, 1,
              "PRUNIX group sparsity over each input's fan-out")
      .optional()
      .number("sawtooth", &PrunixSettings::sawtooth, 0, 1,
              "PRUNIX pull toward the conductance levels")
      .optional();
  return b;
}

std::vector<compiler::LayerMapping> prunix(FlowRun& run) {
  require_mlp(run, "prunix");
  PrunixSettings s;
  prunix_keys().read(run.settings, s);
  const Experiment& e = run.experiment;
  compiler::PrunixOptions po;
  po.sparsity = s.budget.sparsity;
  po.epochs = run.retrain_epochs = s.budget.epochs;
  po.group_lasso = static_cast<float>(s.group_lasso);
  po.sawtooth = static_cast<float>(s.sawtooth);
  po.weight_bits = e.arch.crossbar.weight_bits;
  po.retrain = train_config(e);
  po.retrain.seed = e.compile_seed;
  run.log << "compile: PRUNIX to " << 100 * s.budget.sparsity << " % over " << s.budget.epochs
          << " epochs\n";
  compiler::PrunixResult r = compiler::prunix(
      run.ann, run.data.train, &run.data.test, po, [&](const compiler::PruneEpoch& p) {
        run.log << "  epoch " << p.epoch << ": sparsity " << 100 * p.sparsity
                << " %, test accuracy " << 100 * p.test_accuracy << " %\n";
        run.log.flush();
        run.stages.push_back({{"stage", "prunix"},
                              {"epoch", p.epoch},
                              {"sparsity", p.sparsity},
                              {"test_accuracy", p.test_accuracy}});
      });
  run.log << "compile: APA layer sparsities";
  for (double x : r.layer_sparsity) run.log << " " << x;
  run.log << "\n";
  run.stages.push_back({{"stage", "apa"}, {"layer_sparsity", r.layer_sparsity}});
  std::vector<compiler::LayerMapping> layers;
  const auto masks = masks_of(run.ann);
  for (std::size_t l = 0; l < masks.size(); ++l)
    layers.push_back(compiler::map_compacted(static_cast<int>(l), masks[l], run.geometry));
  return layers;
}

}  // namespace

XBAR_REGISTER_IMPLEMENTATION(
    compile_flows(), prunix,
    "PRUNIX: per-layer pruning ratios from measured sensitivity (APA) and group sawtooth "
    "regularisation while retraining, then compacted tiling",
    prunix_keys().spec().keys, prunix);

}  // namespace xbar::flow
