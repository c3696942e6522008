#include "flow/compile_flow.hpp"

#include "workloads/conv.hpp"

namespace xbar::flow {

config::Registry<CompileFlow>& compile_flows() {
  static config::Registry<CompileFlow> r("compile", "flow");
  return r;
}

workloads::TrainConfig train_config(const Experiment& e) {
  workloads::TrainConfig t;
  t.epochs = e.epochs;
  t.batch = e.batch;
  t.optimiser = e.optimiser;
  t.loss = e.loss;
  t.lr = static_cast<float>(e.lr);
  t.momentum = static_cast<float>(e.momentum);
  t.seed = e.train_seed;
  t.threads = e.threads;
  return t;
}

std::vector<compiler::Mask> masks_of(const workloads::Network& net) {
  std::vector<compiler::Mask> masks;
  for (const workloads::Dense* d : net.dense_layers())
    masks.push_back(compiler::to_mask(d->weights()));
  return masks;
}

void require_mlp(const FlowRun& run, const char* flow) {
  if (!workloads::conv_layers(run.ann).empty())
    throw std::invalid_argument(run.experiment.file + ": compile.flow " + flow +
                                " is for MLPs; a CNN compiles with flow dense (see xbarsim "
                                "structured for crossbar-aware pruning of CNNs)");
}

config::SectionBinding<Budget> budget_keys() {
  config::SectionBinding<Budget> b("compile", "");
  b.number("sparsity", &Budget::sparsity, 0, 0.999, "fraction of the weights pruned")
      .integer("epochs", &Budget::epochs, 1, 10000, "retraining epochs");
  return b;
}

}  // namespace xbar::flow
