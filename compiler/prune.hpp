// Magnitude pruning with retraining: the pruning baseline's flow, and the pruning half of
// TraNNsformer's prune -> cluster -> retrain loop. Masks live in the network's Dense layers, so
// every training update keeps pruned weights at exactly zero.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "workloads/network.hpp"
#include "workloads/trainer.hpp"

namespace xbar::compiler {

// 0/1 mask keeping the weights whose magnitude is at least the `sparsity` quantile of |w| (already
// zero weights count as pruned first): at least round((1 - sparsity) * size) weights survive.
Eigen::MatrixXf magnitude_mask(const Eigen::MatrixXf& weights, double sparsity);

// Gradual pruning schedule (Zhu & Gupta 2017; docs/references.md §6.1): the sparsity reached after
// `epoch` (1-based) of `epochs`, rising as s * (1 - (1 - e / ramp)^3) over the first 3/4 of the
// epochs, then held.
double scheduled_sparsity(double final_sparsity, int epoch, int epochs);

struct PruneOptions {
  double sparsity = 0.9;  // final fraction of zero weights in every dense layer
  // Per dense layer, in order (PRUNIX's adaptive ratios); empty: `sparsity` for every layer.
  std::vector<double> layer_sparsity;
  int epochs = 10;  // retraining epochs; the schedule reaches `sparsity` at 3/4 of them
  workloads::TrainConfig retrain;  // recipe of each retraining epoch (its `epochs` is ignored)
};

struct PruneEpoch {
  int epoch = 0;
  double sparsity = 0;        // actual, over all dense layers
  double test_accuracy = -1;  // after the epoch's retraining
  double seconds = 0;
};

// Prunes `net` in place along the schedule, retraining one epoch after each step. Returns one entry
// per epoch; `on_epoch` sees each as it finishes.
std::vector<PruneEpoch> prune_and_retrain(
    workloads::Network& net, const workloads::Dataset& train, const workloads::Dataset* test,
    const PruneOptions& options, const std::function<void(const PruneEpoch&)>& on_epoch = {});

// Fraction of zero weights over all dense layers.
double network_sparsity(const workloads::Network& net);

}  // namespace xbar::compiler
