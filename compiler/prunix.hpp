// PRUNIX (Alshaarawy, Amirsoleimani, Genov; docs/references.md §3) for MLPs on crossbars:
// pruning aware of the crossbar's finite conductance levels, in two parts.
//  - Adaptive Pruning Algorithm (APA): each dense layer's sensitivity is measured (accuracy on a
//    training sample after magnitude-pruning that layer alone to each ratio of a grid), and the
//    per-layer ratios that reach the global sparsity are chosen greedily by the smallest accuracy
//    loss per pruned weight; the less sensitive layers are pruned harder.
//  - Group Sawtooth Regularisation (GSR), added to the gradient during the retraining:
//    group sparsity, lambda_g * sqrt(|g|) * w / ||w_g|| over groups = one input neuron's fan-out
//    (a crossbar row: an input whose group dies leaves a row that compacted tiling drops), plus a
//    sawtooth, lambda_s * (w - D round(w / D)) / D with D = max|W| / (2^b - 1) the layer's
//    conductance step, which pulls every weight onto the nearest of the 2^b levels it will be
//    stored at.
// Then magnitude pruning with retraining to the APA ratios on Zhu & Gupta's schedule (as the
// pruning baseline, compiler/prune.hpp), with GSR on, and compacted mapping.
#pragma once

#include <functional>
#include <vector>

#include "compiler/prune.hpp"
#include "workloads/dataset.hpp"
#include "workloads/network.hpp"
#include "workloads/trainer.hpp"

namespace xbar::compiler {

// The pruning ratios whose sensitivity APA measures.
const std::vector<double>& apa_ratio_grid();

struct LayerSensitivity {
  std::vector<double> ratio;     // apa_ratio_grid()
  std::vector<double> accuracy;  // with only this layer pruned to ratio[k] (no retraining)
};

// Accuracy of `net` on `sample` with dense layer l alone magnitude-pruned to each grid ratio.
std::vector<LayerSensitivity> layer_sensitivity(const workloads::Network& net,
                                                const workloads::Dataset& sample);

// APA's allocation: per-layer sparsities whose weight-weighted mean is `global` (exactly, by
// interpolating the last step), chosen step by step along the grid by the smallest (monotone)
// accuracy loss per weight pruned. `weights[l]` = weights of dense layer l.
std::vector<double> adaptive_layer_sparsity(const std::vector<LayerSensitivity>& sensitivity,
                                            const std::vector<long long>& weights, double global);

// The GSR gradient for the dense layers of `net` (a TrainConfig::regulariser).
std::function<void(workloads::Network&)> gsr_regulariser(float group_lasso, float sawtooth,
                                                         int weight_bits);

struct PrunixOptions {
  double sparsity = 0.8;  // global fraction of zero weights over the dense layers
  int epochs = 10;
  float group_lasso = 2e-5f;
  float sawtooth = 1e-3f;
  int weight_bits = 4;             // the arch's crossbar.weight_bits: the levels GSR pulls to
  int sensitivity_samples = 2000;  // training samples (evenly spaced) APA measures on
  workloads::TrainConfig retrain;  // recipe of each epoch (its epochs is ignored)
};

struct PrunixResult {
  std::vector<LayerSensitivity> sensitivity;
  std::vector<double> layer_sparsity;  // APA's choice
  std::vector<PruneEpoch> epochs;
};

// Prunes `net` in place: APA ratios, then prune + retrain with GSR.
PrunixResult prunix(workloads::Network& net, const workloads::Dataset& train,
                    const workloads::Dataset* test, const PrunixOptions& options,
                    const std::function<void(const PruneEpoch&)>& on_epoch = {});

}  // namespace xbar::compiler
