#include "workloads/trainer.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <ctime>
#include <stdexcept>
#include <thread>

#include "workloads/blas.hpp"

namespace xbar::workloads {

TrainConfig trannsformer_recipe(int epochs) {
  TrainConfig c;
  c.epochs = epochs;
  c.batch = 400;
  c.optimiser = Optimiser::kSgd;
  c.lr = 0.5f;
  c.momentum = 0.5f;
  c.loss = Loss::kSquaredError;
  return c;
}

namespace {
constexpr std::array<config::EnumName<Optimiser>, 2> kOptimisers{{
    {Optimiser::kSgd, "sgd", "SGD with momentum"},
    {Optimiser::kAdam, "adam", "Adam"},
}};
constexpr std::array<config::EnumName<Loss>, 2> kLosses{{
    {Loss::kCrossEntropy, "cross-entropy", "softmax cross-entropy"},
    {Loss::kSquaredError, "mse", "squared error on the (ReLU) outputs"},
}};
constexpr std::array<config::EnumName<LrSchedule>, 2> kLrSchedules{{
    {LrSchedule::kStep, "step", "times lr_decay after every epoch"},
    {LrSchedule::kCosine, "cosine", "lr (1 + cos(pi s/S)) / 2 at step s of S, down to 0"},
}};
}  // namespace

std::span<const config::EnumName<Optimiser>> enum_names(Optimiser) { return kOptimisers; }
std::span<const config::EnumName<Loss>> enum_names(Loss) { return kLosses; }
std::span<const config::EnumName<LrSchedule>> enum_names(LrSchedule) { return kLrSchedules; }

void augment_batch(RowMatrix& batch, const Shape& shape, const Augmentation& a, Rng& rng) {
  if (!a.enabled()) return;
  const int C = shape.channels, H = shape.height, W = shape.width;
  if (batch.cols() != shape.size())
    throw std::invalid_argument("augmentation: samples of " + std::to_string(batch.cols()) +
                                " features for an input of " + std::to_string(shape.size()));
  std::vector<float> src(static_cast<std::size_t>(shape.size()));
  for (Eigen::Index s = 0; s < batch.rows(); ++s) {
    int dy = 0, dx = 0;
    if (a.shift > 0) {
      const auto span = 2 * static_cast<std::uint64_t>(a.shift) + 1;
      dy = int(rng.below(span)) - a.shift;
      dx = int(rng.below(span)) - a.shift;
    }
    const bool flip = a.flip && (rng.next() >> 63) != 0;
    if (dy == 0 && dx == 0 && !flip) continue;
    float* x = &batch(s, 0);
    std::copy(x, x + shape.size(), src.begin());
    // out(c, y, x) = in(c, y + dy, x' + dx), x' = W-1-x when flipped; zero outside the image.
    for (int c = 0; c < C; ++c)
      for (int y = 0; y < H; ++y) {
        const int iy = y + dy;
        float* row = x + (c * H + y) * W;
        if (iy < 0 || iy >= H) {
          std::fill(row, row + W, 0.0f);
          continue;
        }
        const float* in = src.data() + (c * H + iy) * W;
        for (int xo = 0; xo < W; ++xo) {
          const int ix = (flip ? W - 1 - xo : xo) + dx;
          row[xo] = (ix < 0 || ix >= W) ? 0.0f : in[ix];
        }
      }
  }
}

double loss_and_gradient(const RowMatrix& out, const std::vector<int>& labels, Loss loss,
                         RowMatrix& grad) {
  const Eigen::Index b = out.rows(), k = out.cols();
  if (static_cast<Eigen::Index>(labels.size()) != b)
    throw std::invalid_argument("loss: batch and label counts differ");
  grad.resize(b, k);
  double total = 0;
  const float inv_b = 1.0f / static_cast<float>(b);
  for (Eigen::Index r = 0; r < b; ++r) {
    const int y = labels[static_cast<std::size_t>(r)];
    if (y < 0 || y >= k) throw std::invalid_argument("label out of range of the outputs");
    if (loss == Loss::kCrossEntropy) {
      const float m = out.row(r).maxCoeff();
      double sum = 0;
      for (Eigen::Index j = 0; j < k; ++j) sum += std::exp(double(out(r, j) - m));
      for (Eigen::Index j = 0; j < k; ++j)
        grad(r, j) = static_cast<float>(std::exp(double(out(r, j) - m)) / sum) * inv_b;
      grad(r, y) -= inv_b;
      total += std::log(sum) - double(out(r, y) - m);
    } else {
      // L = 1/2 sum_j (a_j - t_j)^2, t one-hot (DeepLearnToolbox's nnff/nnbp, as released).
      for (Eigen::Index j = 0; j < k; ++j) {
        const float e = out(r, j) - (j == y ? 1.0f : 0.0f);
        grad(r, j) = e * inv_b;
        total += 0.5 * double(e) * e;
      }
    }
  }
  return total / static_cast<double>(b);
}

Trainer::Trainer(TrainConfig config) : cfg_(config), rng_(config.seed), lr_(config.lr) {
  if (cfg_.epochs < 0 || cfg_.batch <= 0 || !(cfg_.lr > 0))
    throw std::invalid_argument("training needs epochs >= 0, batch > 0 and lr > 0");
  if (!(cfg_.weight_decay >= 0) || cfg_.augment.shift < 0)
    throw std::invalid_argument("training needs weight_decay >= 0 and an augmentation shift >= 0");
  int threads = cfg_.threads > 0
                    ? cfg_.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  set_gemm_threads(threads);
}

double Trainer::step(Network& net, const RowMatrix& batch, const std::vector<int>& labels) {
  const RowMatrix& out = net.forward(batch, true, rng_);
  double l = loss_and_gradient(out, labels, cfg_.loss, grad_);
  net.backward(grad_);
  if (cfg_.regulariser) cfg_.regulariser(net);
  update(net);
  return l;
}

void Trainer::update(Network& net) {
  std::vector<Parameter> params = net.parameters();
  if (m_.size() != params.size()) {
    m_.assign(params.size(), {});
    v_.assign(params.size(), {});
    for (std::size_t i = 0; i < params.size(); ++i) {
      m_[i].assign(params[i].size, 0.0f);
      if (cfg_.optimiser == Optimiser::kAdam) v_[i].assign(params[i].size, 0.0f);
    }
  }
  ++steps_;
  if (cfg_.schedule == LrSchedule::kCosine && total_steps_ > 0)
    lr_ = cfg_.lr * 0.5f *
          float(1.0 + std::cos(3.14159265358979323846 * double(steps_ - 1) / double(total_steps_)));
  for (std::size_t i = 0; i < params.size(); ++i) {
    const Parameter& p = params[i];
    Eigen::Map<Eigen::ArrayXf> w(p.value, Eigen::Index(p.size));
    Eigen::Map<const Eigen::ArrayXf> g(p.grad, Eigen::Index(p.size));
    Eigen::Map<Eigen::ArrayXf> m(m_[i].data(), Eigen::Index(p.size));
    if (cfg_.optimiser == Optimiser::kSgd) {
      // DeepLearnToolbox's form: v <- mu v + lr g; w <- w - v.
      m = cfg_.momentum * m + lr_ * g;
      w -= m;
    } else {
      Eigen::Map<Eigen::ArrayXf> v(v_[i].data(), Eigen::Index(p.size));
      const float b1 = cfg_.momentum, b2 = cfg_.beta2;
      m = b1 * m + (1.0f - b1) * g;
      v = b2 * v + (1.0f - b2) * g.square();
      const float c1 = 1.0f - std::pow(b1, float(steps_)), c2 = 1.0f - std::pow(b2, float(steps_));
      const float step = lr_ * std::sqrt(c2) / c1;
      w -= step * m / (v.sqrt() + cfg_.epsilon * std::sqrt(c2));
    }
    if (p.decay && cfg_.weight_decay > 0.0f) w -= (lr_ * cfg_.weight_decay) * w;
    if (p.mask) {
      Eigen::Map<const Eigen::ArrayXf> mask(p.mask, Eigen::Index(p.size));
      w = (mask != 0.0f).select(w, 0.0f);
      m = (mask != 0.0f).select(m, 0.0f);
    }
  }
}

EpochStats Trainer::train(Network& net, const Dataset& train, const Dataset* test,
                          const std::function<void(const EpochStats&)>& on_epoch) {
  if (train.features() != net.input_shape().size())
    throw std::invalid_argument(
        "data set '" + train.name + "' has " + std::to_string(train.features()) +
        " features; the network expects " + std::to_string(net.input_shape().size()));
  if (train.size() == 0) throw std::invalid_argument("empty training set");
  for (WeightedLayer* w : net.layers_of<WeightedLayer>()) w->apply_mask();
  const std::size_t batches_per_epoch =
      (std::size_t(train.size()) + std::size_t(cfg_.batch) - 1) / std::size_t(cfg_.batch);
  total_steps_ = steps_ + long(batches_per_epoch) * cfg_.epochs;
  std::vector<int> order(static_cast<std::size_t>(train.size()));
  for (int i = 0; i < train.size(); ++i) order[static_cast<std::size_t>(i)] = i;
  EpochStats stats;
  RowMatrix batch;
  std::vector<int> labels;
  for (int e = 1; e <= cfg_.epochs; ++e) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    rng_.shuffle(order);
    double loss_sum = 0;
    long correct = 0, seen = 0;
    int batches = 0;
    for (std::size_t start = 0; start < order.size(); start += std::size_t(cfg_.batch)) {
      const std::size_t n = std::min(order.size() - start, std::size_t(cfg_.batch));
      batch.resize(Eigen::Index(n), train.images.cols());
      labels.resize(n);
      for (std::size_t r = 0; r < n; ++r) {
        batch.row(Eigen::Index(r)) = train.images.row(order[start + r]);
        labels[r] = train.labels[std::size_t(order[start + r])];
      }
      augment_batch(batch, net.input_shape(), cfg_.augment, rng_);
      const RowMatrix& out = net.forward(batch, true, rng_);
      for (std::size_t r = 0; r < n; ++r) {
        Eigen::Index arg;
        out.row(Eigen::Index(r)).maxCoeff(&arg);
        correct += (arg == labels[r]);
      }
      loss_sum += loss_and_gradient(out, labels, cfg_.loss, grad_);
      net.backward(grad_);
      if (cfg_.regulariser) cfg_.regulariser(net);
      update(net);
      seen += long(n);
      ++batches;
    }
    const auto t1 = std::chrono::steady_clock::now();
    stats.epoch = e;
    stats.loss = loss_sum / batches;
    stats.train_accuracy = double(correct) / double(seen);
    stats.seconds = std::chrono::duration<double>(t1 - t0).count();
    stats.cpu_seconds = double(std::clock() - c0) / CLOCKS_PER_SEC;
    stats.test_accuracy = test ? net.accuracy(*test) : -1.0;
    if (on_epoch) on_epoch(stats);
    if (cfg_.schedule == LrSchedule::kStep) lr_ *= cfg_.lr_decay;
  }
  return stats;
}

}  // namespace xbar::workloads
