#include "compiler/wct.hpp"

#include <cmath>

namespace xbar::compiler {

namespace wl = xbar::workloads;

std::function<void(wl::Network&)> wct_regulariser(float strength) {
  return [strength](wl::Network& net) {
    for (wl::Dense* d : net.dense_layers()) {
      const Eigen::MatrixXf& w = d->weights();
      const float wmax = w.cwiseAbs().maxCoeff();
      if (wmax <= 0) continue;
      float* grad = d->parameters()[0].grad;
      const float k = strength / wmax;
      const float* p = w.data();
      for (Eigen::Index n = 0; n < w.size(); ++n)
        if (p[n] != 0.0f) grad[n] += p[n] > 0 ? k : -k;
    }
  };
}

double mean_relative_conductance(const wl::Network& net) {
  double sum = 0, count = 0;
  for (const wl::Dense* d : net.dense_layers()) {
    const Eigen::MatrixXf& w = d->weights();
    const float wmax = w.cwiseAbs().maxCoeff();
    if (wmax <= 0) continue;
    for (Eigen::Index n = 0; n < w.size(); ++n)
      if (w.data()[n] != 0.0f) {
        sum += std::fabs(w.data()[n]) / wmax;
        count += 1;
      }
  }
  return count > 0 ? sum / count : 0.0;
}

std::vector<WctEpoch> weight_constrained_training(
    wl::Network& net, const wl::Dataset& train, const wl::Dataset* test, float strength, int epochs,
    wl::TrainConfig recipe, const std::function<void(const WctEpoch&)>& on_epoch) {
  recipe.epochs = 1;
  recipe.regulariser = wct_regulariser(strength);
  wl::Trainer trainer(recipe);
  std::vector<WctEpoch> log;
  for (int e = 1; e <= epochs; ++e) {
    trainer.train(net, train);
    WctEpoch w;
    w.epoch = e;
    w.mean_relative_conductance = mean_relative_conductance(net);
    w.test_accuracy = test ? net.accuracy(*test) : -1;
    log.push_back(w);
    if (on_epoch) on_epoch(w);
  }
  return log;
}

}  // namespace xbar::compiler
