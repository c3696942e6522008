// Weight-Constrained Training (Bhattacharjee, Bhatnagar, Panda, DATE 2022; docs/references.md
// §4): retraining that keeps the weights toward low conductance, so the arrays carry less current
// and lose less to IR drop. Our form: an L1 penalty on the cell conductance each weight takes,
// lambda * sum |w| / max|W| per dense layer (the differential pair of w stores |w| / max|W| of the
// conductance window), whose gradient lambda * sign(w) / max|W| is added during a few retraining
// epochs after the compile flow; masks (pruned weights) stay as they are.
#pragma once

#include <functional>
#include <vector>

#include "workloads/dataset.hpp"
#include "workloads/network.hpp"
#include "workloads/trainer.hpp"

namespace xbar::compiler {

// The WCT gradient for the dense layers of `net` (a TrainConfig::regulariser).
std::function<void(workloads::Network&)> wct_regulariser(float strength);

// Mean |w| / max|W| over the non-zero weights of the dense layers: the average conductance a
// stored weight takes, as a fraction of the window.
double mean_relative_conductance(const workloads::Network& net);

struct WctEpoch {
  int epoch = 0;
  double mean_relative_conductance = 0;
  double test_accuracy = -1;
};

// Retrains `net` for `epochs` epochs of `recipe` with the WCT penalty.
std::vector<WctEpoch> weight_constrained_training(
    workloads::Network& net, const workloads::Dataset& train, const workloads::Dataset* test,
    float strength, int epochs, workloads::TrainConfig recipe,
    const std::function<void(const WctEpoch&)>& on_epoch = {});

}  // namespace xbar::compiler
