#include "compiler/prunix.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace xbar::compiler {

namespace wl = xbar::workloads;

const std::vector<double>& apa_ratio_grid() {
  static const std::vector<double> grid = {0.0, 0.1, 0.2, 0.3,  0.4,  0.5, 0.6,
                                           0.7, 0.8, 0.9, 0.95, 0.98, 0.99};
  return grid;
}

std::vector<LayerSensitivity> layer_sensitivity(const wl::Network& net, const wl::Dataset& sample) {
  wl::Network probe = net;
  std::vector<wl::Dense*> dense = probe.dense_layers();
  std::vector<LayerSensitivity> out(dense.size());
  for (std::size_t l = 0; l < dense.size(); ++l) {
    const Eigen::MatrixXf original = dense[l]->weights();
    for (double r : apa_ratio_grid()) {
      dense[l]->set_weights(original.cwiseProduct(magnitude_mask(original, r)));
      out[l].ratio.push_back(r);
      out[l].accuracy.push_back(probe.accuracy(sample));
    }
    dense[l]->set_weights(original);
  }
  return out;
}

std::vector<double> adaptive_layer_sparsity(const std::vector<LayerSensitivity>& sensitivity,
                                            const std::vector<long long>& weights, double global) {
  const std::size_t L = sensitivity.size();
  if (weights.size() != L) throw std::invalid_argument("APA: one weight count per layer");
  if (!(global >= 0 && global < 1)) throw std::invalid_argument("APA: sparsity must be in [0, 1)");
  // Loss of each layer at each grid point, made monotone (pruning more never helps here).
  std::vector<std::vector<double>> loss(L);
  double total = 0;
  for (std::size_t l = 0; l < L; ++l) {
    const LayerSensitivity& s = sensitivity[l];
    if (s.ratio.empty() || s.ratio.size() != s.accuracy.size() || s.ratio.front() != 0.0)
      throw std::invalid_argument("APA: a sensitivity curve starts at ratio 0");
    double worst = 0;
    for (double a : s.accuracy) {
      worst = std::max(worst, s.accuracy.front() - a);
      loss[l].push_back(worst);
    }
    total += double(weights[l]);
  }
  const double target = global * total;
  std::vector<std::size_t> at(L, 0);
  std::vector<double> ratio(L, 0.0);
  auto pruned = [&] {
    double z = 0;
    for (std::size_t l = 0; l < L; ++l) z += ratio[l] * double(weights[l]);
    return z;
  };
  while (pruned() < target) {
    // The next grid step that costs the least accuracy per weight it prunes; ties: the larger
    // layer, then the lower index.
    std::size_t best = L;
    double best_cost = 0;
    for (std::size_t l = 0; l < L; ++l) {
      const auto& s = sensitivity[l];
      if (at[l] + 1 >= s.ratio.size() || weights[l] == 0) continue;
      const double gained = (s.ratio[at[l] + 1] - s.ratio[at[l]]) * double(weights[l]);
      const double cost = (loss[l][at[l] + 1] - loss[l][at[l]]) / gained;
      if (best == L || cost < best_cost || (cost == best_cost && weights[l] > weights[best])) {
        best = l;
        best_cost = cost;
      }
    }
    if (best == L) throw std::invalid_argument("APA: the sparsity cannot be reached on the grid");
    const auto& s = sensitivity[best];
    const double step_weights = (s.ratio[at[best] + 1] - s.ratio[at[best]]) * double(weights[best]);
    const double missing = target - pruned();
    if (missing < step_weights) {  // the last step, only as far as needed
      ratio[best] += missing / double(weights[best]);
      break;
    }
    ++at[best];
    ratio[best] = s.ratio[at[best]];
  }
  return ratio;
}

std::function<void(wl::Network&)> gsr_regulariser(float group_lasso, float sawtooth,
                                                  int weight_bits) {
  const double levels = double((1 << weight_bits) - 1);
  return [=](wl::Network& net) {
    for (wl::Dense* d : net.dense_layers()) {
      const Eigen::MatrixXf& w =
          d->weights();  // outputs x inputs, column-major: a column = an input
      float* grad = d->parameters()[0].grad;
      const Eigen::Index outs = w.rows();
      if (group_lasso > 0) {
        const double size_factor = std::sqrt(double(outs));
        for (Eigen::Index i = 0; i < w.cols(); ++i) {
          const double norm = w.col(i).norm();
          if (norm == 0) continue;
          const double k = group_lasso * size_factor / norm;
          for (Eigen::Index j = 0; j < outs; ++j) grad[i * outs + j] += float(k * w(j, i));
        }
      }
      if (sawtooth > 0) {
        const double step = w.cwiseAbs().maxCoeff() / levels;
        if (step <= 0) continue;
        const float* p = w.data();
        for (Eigen::Index n = 0; n < w.size(); ++n) {
          if (p[n] == 0.0f) continue;  // pruned weights stay where the mask holds them
          const double x = p[n] / step;
          grad[n] += float(sawtooth * (x - std::nearbyint(x)));
        }
      }
    }
  };
}

PrunixResult prunix(wl::Network& net, const wl::Dataset& train, const wl::Dataset* test,
                    const PrunixOptions& o,
                    const std::function<void(const PruneEpoch&)>& on_epoch) {
  PrunixResult r;
  const int n = std::min(o.sensitivity_samples, train.size());
  std::vector<int> pick;
  for (int k = 0; k < n; ++k) pick.push_back(int(static_cast<long>(k) * train.size() / n));
  r.sensitivity = layer_sensitivity(net, train.subset(pick));
  std::vector<long long> weights;
  for (const wl::Dense* d : net.dense_layers()) weights.push_back(d->weights().size());
  r.layer_sparsity = adaptive_layer_sparsity(r.sensitivity, weights, o.sparsity);
  PruneOptions po;
  po.sparsity = o.sparsity;
  po.layer_sparsity = r.layer_sparsity;
  po.epochs = o.epochs;
  po.retrain = o.retrain;
  po.retrain.regulariser = gsr_regulariser(o.group_lasso, o.sawtooth, o.weight_bits);
  r.epochs = prune_and_retrain(net, train, test, po, on_epoch);
  return r;
}

}  // namespace xbar::compiler
