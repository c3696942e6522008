// Crossbar-aware structured pruning of CNNs and MLPs, over the kernel matrix of every conv and
// dense layer (compiler/conv_map.hpp: rows = the inputs of one output position, columns = the
// filters), cut into crossbar-sized segments:
//
//  crossbar-grain   groups = whole crossbar tiles (R rows x C outputs); pruned tiles free a
//  crossbar
//                   at every output position (Liang et al., docs/references.md §2);
//  + reordering     the same after input feature-map reordering: input channels sorted by the norm
//                   of their kernel rows, so weak channels share tiles that then die together;
//  column-grain     groups = crossbar columns (R rows x 1 output of a row chunk), then output
//                   recombination: each row chunk's surviving columns are repacked into
//                   ceil(n / C) crossbars (Liang et al.);
//  C/F              groups = filters (conv) / output neurons (dense), group lasso, then pruned;
//                   a dead filter also removes the next layer's rows that read its channel; the
//                   survivors are compacted (Bhattacharjee et al., docs/references.md §4);
//  XCS / XRS        groups = crossbar column segments (R x 1) / row segments (1 x C), group lasso
//                   then pruned, mapped without recombination (same §4).
//
// All methods share the L0 budget and its schedule: after epoch e of E a prunable layer keeps the
// top ceil(keep_e * n) groups by L2 norm, keep_e falling from 1 to `keep` along Zhu & Gupta's cubic
// ramp over the first 3/4 of the epochs (the gradually tightened projection of Liang et al.'s
// L0-constrained descent, deterministic: a pruned group is masked and stays pruned), one
// retraining epoch after each projection. The regularised methods train with the group-lasso
// gradient lambda * sqrt(|g|) * w / ||w_g|| (Wen et al.'s structured sparsity learning form),
// through the trainer's regulariser hook, while the budget tightens (the first 3/4 of the epochs);
// the last epochs retrain the final mask without it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "compiler/conv_map.hpp"
#include "workloads/network.hpp"
#include "workloads/trainer.hpp"

namespace xbar::compiler {

enum class StructuredMethod {
  Dense,
  ChannelFilter,
  Xcs,
  Xrs,
  CrossbarGrain,
  CrossbarGrainReordered,
  ColumnGrain
};
const char* to_string(StructuredMethod m);
StructuredMethod parse_structured_method(const std::string& s);  // the to_string names
std::vector<StructuredMethod> all_structured_methods();

struct StructuredOptions {
  StructuredMethod method = StructuredMethod::CrossbarGrain;
  double keep = 0.4;         // final fraction of groups kept in each prunable layer (L0 budget)
  int epochs = 6;            // projection + retraining epochs
  float lasso = 5e-4f;       // group-lasso strength (C/F, XCS, XRS), on while the budget tightens
  bool prune_first = false;  // the first conv/dense layer is left dense by default (sensitive)
  workloads::TrainConfig retrain;  // recipe of each epoch (its epochs is ignored)
};

struct StructuredEpoch {
  int epoch = 0;
  double keep = 1;      // keep_e of the schedule
  double sparsity = 0;  // fraction of zero weights over conv + dense layers
  double test_accuracy = -1;
  double seconds = 0;
};

struct StructuredResult {
  // One tiling per weighted layer of the network in order (conv, average pooling, dense): the
  // layers of to_snn(net), for map_structured.
  std::vector<KernelTiling> tilings;
  std::vector<StructuredEpoch> epochs;
};

// Prunes `net` in place (masks on its Conv2d and Dense layers) and returns the tilings to map it
// with. Method Dense trains nothing and returns the dense tilings.
StructuredResult structured_prune(workloads::Network& net, const workloads::Dataset& train,
                                  const workloads::Dataset* test, const CrossbarGeometry& g,
                                  const StructuredOptions& options,
                                  const std::function<void(const StructuredEpoch&)>& on_epoch = {});

// The tilings of a network without pruning (consecutive tiles).
std::vector<KernelTiling> dense_tilings(const workloads::Network& net, const CrossbarGeometry& g);

// Input feature-map order of a weight matrix W (outputs x inputs) whose inputs form `channels`
// equal consecutive groups: channels by descending L2 norm of their columns (ties: lower index),
// expanded to input indices.
std::vector<int> reorder_inputs(const Eigen::MatrixXf& w, int channels);

// Fraction of zero weights over the conv and dense layers.
double structured_sparsity(const workloads::Network& net);

}  // namespace xbar::compiler
