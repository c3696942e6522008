#include "compiler/prune.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>

namespace xbar::compiler {

Eigen::MatrixXf magnitude_mask(const Eigen::MatrixXf& w, double sparsity) {
  const Eigen::Index n = w.size();
  const Eigen::Index keep =
      std::clamp<Eigen::Index>(static_cast<Eigen::Index>(std::llround((1.0 - sparsity) * n)), 0, n);
  Eigen::MatrixXf mask = Eigen::MatrixXf::Zero(w.rows(), w.cols());
  if (keep == 0) return mask;
  std::vector<float> mags(w.data(), w.data() + n);
  for (float& m : mags) m = std::fabs(m);
  std::nth_element(mags.begin(), mags.begin() + (n - keep), mags.end());
  const float threshold = mags[n - keep];
  for (Eigen::Index i = 0; i < n; ++i)
    if (std::fabs(w.data()[i]) >= threshold && w.data()[i] != 0.0f) mask.data()[i] = 1.0f;
  return mask;
}

double scheduled_sparsity(double s, int epoch, int epochs) {
  const double ramp = std::max(1.0, 0.75 * epochs);
  const double x = std::min(1.0, epoch / ramp);
  return s * (1.0 - std::pow(1.0 - x, 3));
}

double network_sparsity(const workloads::Network& net) {
  double zeros = 0, total = 0;
  for (const workloads::Dense* d : net.dense_layers()) {
    zeros += static_cast<double>((d->weights().array() == 0.0f).count());
    total += static_cast<double>(d->weights().size());
  }
  return total > 0 ? zeros / total : 0.0;
}

std::vector<PruneEpoch> prune_and_retrain(workloads::Network& net, const workloads::Dataset& train,
                                          const workloads::Dataset* test,
                                          const PruneOptions& options,
                                          const std::function<void(const PruneEpoch&)>& on_epoch) {
  std::vector<PruneEpoch> log;
  workloads::TrainConfig cfg = options.retrain;
  cfg.epochs = 1;
  workloads::Trainer trainer(cfg);  // one optimiser state across the schedule; one epoch per call
  for (int e = 1; e <= options.epochs; ++e) {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<workloads::Dense*> dense = net.dense_layers();
    if (!options.layer_sparsity.empty() && options.layer_sparsity.size() != dense.size())
      throw std::invalid_argument("pruning: " + std::to_string(options.layer_sparsity.size()) +
                                  " layer sparsities for " + std::to_string(dense.size()) +
                                  " dense layers");
    for (std::size_t l = 0; l < dense.size(); ++l) {
      const double s =
          options.layer_sparsity.empty() ? options.sparsity : options.layer_sparsity[l];
      dense[l]->set_mask(
          magnitude_mask(dense[l]->weights(), scheduled_sparsity(s, e, options.epochs)));
    }
    trainer.train(net, train);
    PruneEpoch p;
    p.epoch = e;
    p.sparsity = network_sparsity(net);
    p.test_accuracy = test ? net.accuracy(*test) : -1;
    p.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    log.push_back(p);
    if (on_epoch) on_epoch(p);
  }
  return log;
}

}  // namespace xbar::compiler
