#include "compiler/structured.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>
#include <stdexcept>

#include "compiler/prune.hpp"
#include "workloads/conv.hpp"

namespace xbar::compiler {

namespace wl = xbar::workloads;

const char* to_string(StructuredMethod m) {
  switch (m) {
    case StructuredMethod::Dense:
      return "dense";
    case StructuredMethod::ChannelFilter:
      return "cf";
    case StructuredMethod::Xcs:
      return "xcs";
    case StructuredMethod::Xrs:
      return "xrs";
    case StructuredMethod::CrossbarGrain:
      return "crossbar";
    case StructuredMethod::CrossbarGrainReordered:
      return "crossbar-reorder";
    case StructuredMethod::ColumnGrain:
      return "column";
  }
  return "?";
}

std::vector<StructuredMethod> all_structured_methods() {
  return {StructuredMethod::Dense,         StructuredMethod::ChannelFilter,
          StructuredMethod::Xcs,           StructuredMethod::Xrs,
          StructuredMethod::CrossbarGrain, StructuredMethod::CrossbarGrainReordered,
          StructuredMethod::ColumnGrain};
}

StructuredMethod parse_structured_method(const std::string& s) {
  std::string names;
  for (StructuredMethod m : all_structured_methods()) {
    if (s == to_string(m)) return m;
    names += (names.empty() ? "" : ", ") + std::string(to_string(m));
  }
  throw std::invalid_argument("unknown structured pruning method '" + s + "' (" + names + ")");
}

namespace {

// A layer with weights in network order: conv, average pooling (fixed 1/k^2, never pruned) or
// dense. W is outputs x inputs (dense) or filters x kernel rows (conv): kernel-matrix element
// (row r, column j) is W(j, r).
struct Weighted {
  wl::Conv2d* conv = nullptr;
  wl::Dense* dense = nullptr;
  const wl::Pool2d* pool = nullptr;
  int in_channels = 1;  // feature maps of the input: conv C_in; dense: the previous shape's C
  const Eigen::MatrixXf& weights() const { return conv ? conv->weights() : dense->weights(); }
  void set_mask(const Eigen::MatrixXf& m) {
    if (conv)
      conv->set_mask(m);
    else
      dense->set_mask(m);
  }
  Eigen::MatrixXf mask() const {
    const Eigen::MatrixXf& m = conv ? conv->mask() : dense->mask();
    return m.size() ? m : Eigen::MatrixXf::Ones(weights().rows(), weights().cols());
  }
  bool trainable() const { return conv || dense; }
};

std::vector<Weighted> weighted_layers(wl::Network& net) {
  std::vector<Weighted> v;
  wl::Shape s = net.input_shape();
  for (std::size_t i = 0; i < net.size(); ++i) {
    wl::Layer& l = net.layer(i);
    Weighted w;
    w.in_channels = s.channels;
    if (auto* c = dynamic_cast<wl::Conv2d*>(&l)) {
      w.conv = c;
      v.push_back(w);
    } else if (auto* d = dynamic_cast<wl::Dense*>(&l)) {
      // Inputs of a dense layer after a flattened conv stack keep their feature maps; after a
      // dense layer, every input is its own map. Flatten keeps the shape's channel count here
      // because `s` is only advanced past it below.
      w.dense = d;
      v.push_back(w);
    } else if (const auto* p = dynamic_cast<const wl::Pool2d*>(&l)) {
      if (p->mode() == wl::Pool2d::Mode::kAverage) {
        w.pool = p;
        v.push_back(w);
      }
    }
    if (l.kind() != "flatten") s = l.output_shape(s);
  }
  return v;
}

// Group id of every weight (column-major index of W), -1 = in no group, and the group count.
struct Groups {
  std::vector<int> id;
  int count = 0;
};

Groups make_groups(StructuredMethod m, const Eigen::MatrixXf& w, const std::vector<int>& row_order,
                   const CrossbarGeometry& g) {
  const int outs = int(w.rows()), ins = int(w.cols());  // kernel matrix: ins rows x outs columns
  const int R = g.rows, C = g.outputs_per_crossbar;
  std::vector<int> pos(static_cast<std::size_t>(ins));  // position of kernel row r in the row order
  for (int k = 0; k < ins; ++k)
    pos[std::size_t(row_order.empty() ? k : row_order[std::size_t(k)])] = k;
  Groups gr;
  gr.id.assign(std::size_t(w.size()), -1);
  const int row_chunks = (ins + R - 1) / R, col_chunks = (outs + C - 1) / C;
  for (int r = 0; r < ins; ++r)
    for (int j = 0; j < outs; ++j) {
      const int ri = pos[std::size_t(r)];
      int id = -1;
      switch (m) {
        case StructuredMethod::CrossbarGrain:
        case StructuredMethod::CrossbarGrainReordered:
          id = (j / C) * row_chunks + ri / R;
          break;
        case StructuredMethod::ColumnGrain:
        case StructuredMethod::Xcs:
          id = (ri / R) * outs + j;
          break;
        case StructuredMethod::Xrs:
          id = (j / C) * ins + r;
          break;
        case StructuredMethod::ChannelFilter:
          id = j;
          break;
        case StructuredMethod::Dense:
          break;
      }
      gr.id[std::size_t(j) + std::size_t(r) * std::size_t(outs)] = id;
    }
  switch (m) {
    case StructuredMethod::CrossbarGrain:
    case StructuredMethod::CrossbarGrainReordered:
      gr.count = row_chunks * col_chunks;
      break;
    case StructuredMethod::ColumnGrain:
    case StructuredMethod::Xcs:
      gr.count = row_chunks * outs;
      break;
    case StructuredMethod::Xrs:
      gr.count = col_chunks * ins;
      break;
    case StructuredMethod::ChannelFilter:
      gr.count = outs;
      break;
    case StructuredMethod::Dense:
      gr.count = 0;
      break;
  }
  return gr;
}

std::vector<double> group_norms(const Eigen::MatrixXf& w, const Groups& gr) {
  std::vector<double> n(std::size_t(gr.count), 0.0);
  const float* p = w.data();
  for (std::size_t i = 0; i < gr.id.size(); ++i)
    if (gr.id[i] >= 0) n[std::size_t(gr.id[i])] += double(p[i]) * p[i];
  for (double& x : n) x = std::sqrt(x);
  return n;
}

// Keeps the top ceil(keep * count) groups by norm (ties: lower id) within the current mask.
Eigen::MatrixXf project(const Eigen::MatrixXf& w, const Eigen::MatrixXf& mask, const Groups& gr,
                        double keep) {
  const std::vector<double> norms = group_norms(w, gr);
  std::vector<int> order(std::size_t(gr.count));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return norms[std::size_t(a)] > norms[std::size_t(b)]; });
  const auto k = std::size_t(std::ceil(keep * gr.count - 1e-9));
  std::vector<char> alive(std::size_t(gr.count), 0);
  for (std::size_t i = 0; i < std::min(k, order.size()); ++i) alive[std::size_t(order[i])] = 1;
  Eigen::MatrixXf m = mask;
  float* p = m.data();
  for (std::size_t i = 0; i < gr.id.size(); ++i)
    if (gr.id[i] >= 0 && !alive[std::size_t(gr.id[i])]) p[i] = 0.0f;
  return m;
}

// Kernel rows / columns with at least one non-zero weight.
void live_lines(const Eigen::MatrixXf& w, std::vector<int>& rows, std::vector<int>& cols) {
  rows.clear();
  cols.clear();
  for (int r = 0; r < w.cols(); ++r)
    if ((w.col(r).array() != 0.0f).any()) rows.push_back(r);
  for (int j = 0; j < w.rows(); ++j)
    if ((w.row(j).array() != 0.0f).any()) cols.push_back(j);
}

}  // namespace

std::vector<int> reorder_inputs(const Eigen::MatrixXf& w, int channels) {
  const int ins = int(w.cols());
  if (channels <= 0 || ins % channels != 0) channels = ins;
  const int per = ins / channels;
  std::vector<double> norm(std::size_t(channels), 0.0);
  for (int r = 0; r < ins; ++r) norm[std::size_t(r / per)] += double(w.col(r).squaredNorm());
  std::vector<int> ch(static_cast<std::size_t>(channels));
  std::iota(ch.begin(), ch.end(), 0);
  std::stable_sort(ch.begin(), ch.end(),
                   [&](int a, int b) { return norm[std::size_t(a)] > norm[std::size_t(b)]; });
  std::vector<int> order;
  order.reserve(std::size_t(ins));
  for (int c : ch)
    for (int k = 0; k < per; ++k) order.push_back(c * per + k);
  return order;
}

double structured_sparsity(const wl::Network& net) {
  double zeros = 0, total = 0;
  for (std::size_t i = 0; i < net.size(); ++i) {
    const Eigen::MatrixXf* w = nullptr;
    if (const auto* c = dynamic_cast<const wl::Conv2d*>(&net.layer(i))) w = &c->weights();
    if (const auto* d = dynamic_cast<const wl::Dense*>(&net.layer(i))) w = &d->weights();
    if (!w) continue;
    zeros += double((w->array() == 0.0f).count());
    total += double(w->size());
  }
  return total > 0 ? zeros / total : 0.0;
}

std::vector<KernelTiling> dense_tilings(const wl::Network& net_in, const CrossbarGeometry& g) {
  wl::Network net = net_in;
  std::vector<KernelTiling> t;
  for (const Weighted& w : weighted_layers(net)) {
    if (w.pool)
      t.push_back(dense_tiling(w.pool->input().channels * w.pool->kernel() * w.pool->kernel(),
                               w.pool->input().channels, g));
    else
      t.push_back(dense_tiling(int(w.weights().cols()), int(w.weights().rows()), g));
  }
  return t;
}

StructuredResult structured_prune(wl::Network& net, const wl::Dataset& train,
                                  const wl::Dataset* test, const CrossbarGeometry& g,
                                  const StructuredOptions& o,
                                  const std::function<void(const StructuredEpoch&)>& on_epoch) {
  if (!(o.keep > 0.0 && o.keep <= 1.0))
    throw std::invalid_argument("structured pruning: keep must be in (0, 1], got " +
                                std::to_string(o.keep));
  StructuredResult result;
  std::vector<Weighted> layers = weighted_layers(net);
  if (o.method == StructuredMethod::Dense) {
    result.tilings = dense_tilings(net, g);
    return result;
  }
  // Which layers are pruned: conv and dense, not the first unless asked; C/F never prunes the
  // output layer's filters (they are the classes).
  std::vector<int> trainable;
  for (std::size_t k = 0; k < layers.size(); ++k)
    if (layers[k].trainable()) trainable.push_back(int(k));
  std::vector<char> prunable(layers.size(), 0);
  for (std::size_t t = 0; t < trainable.size(); ++t) {
    if (t == 0 && !o.prune_first) continue;
    if (t + 1 == trainable.size() && o.method == StructuredMethod::ChannelFilter) continue;
    prunable[std::size_t(trainable[t])] = 1;
  }
  // Input feature-map order per layer (crossbar-grain with reordering only), from the trained
  // weights before pruning.
  std::vector<std::vector<int>> row_order(layers.size());
  if (o.method == StructuredMethod::CrossbarGrainReordered)
    for (std::size_t k = 0; k < layers.size(); ++k)
      if (prunable[k]) {
        // Feature maps: a conv layer's input channels; a dense layer after a conv stack, the
        // flattened channels; after a dense layer, every input.
        const Eigen::MatrixXf& w = layers[k].weights();
        const int channels = layers[k].conv              ? layers[k].conv->in_channels()
                             : layers[k].in_channels > 1 ? layers[k].in_channels
                                                         : int(w.cols());
        row_order[k] = reorder_inputs(w, channels);
      }
  std::vector<Groups> groups(layers.size());
  for (std::size_t k = 0; k < layers.size(); ++k)
    if (prunable[k]) groups[k] = make_groups(o.method, layers[k].weights(), row_order[k], g);

  wl::TrainConfig cfg = o.retrain;
  cfg.epochs = 1;
  // The group lasso acts while the budget tightens (the first 3/4 of the epochs, as the schedule's
  // ramp); the last epochs retrain the final mask without it, so accuracy can recover.
  auto lasso_on = std::make_shared<bool>(true);
  const bool lasso = o.method == StructuredMethod::ChannelFilter ||
                     o.method == StructuredMethod::Xcs || o.method == StructuredMethod::Xrs;
  if (lasso) {
    // Group lasso over the layer's groups: dR/dw = lambda * sqrt(|g|) * w / ||w_g||.
    std::vector<std::vector<double>> sizes(layers.size());
    for (std::size_t k = 0; k < layers.size(); ++k) {
      sizes[k].assign(std::size_t(groups[k].count), 0.0);
      for (int id : groups[k].id)
        if (id >= 0) sizes[k][std::size_t(id)] += 1.0;
    }
    const float lambda = o.lasso;
    cfg.regulariser = [layers, groups, sizes, lambda, lasso_on](wl::Network&) mutable {
      if (!*lasso_on) return;
      for (std::size_t k = 0; k < layers.size(); ++k) {
        if (groups[k].count == 0) continue;
        const Eigen::MatrixXf& w = layers[k].weights();
        const std::vector<double> norms = group_norms(w, groups[k]);
        // parameters()[0] is the weight matrix with its gradient, as the optimiser sees it.
        float* grad =
            (layers[k].conv ? layers[k].conv->parameters() : layers[k].dense->parameters())[0].grad;
        const float* p = w.data();
        for (std::size_t i = 0; i < groups[k].id.size(); ++i) {
          const int id = groups[k].id[i];
          if (id < 0 || norms[std::size_t(id)] == 0.0) continue;
          grad[i] +=
              float(lambda * std::sqrt(sizes[k][std::size_t(id)]) * p[i] / norms[std::size_t(id)]);
        }
      }
    };
  }
  wl::Trainer trainer(cfg);
  for (int e = 1; e <= o.epochs; ++e) {
    const auto t0 = std::chrono::steady_clock::now();
    const double keep_e = 1.0 - scheduled_sparsity(1.0 - o.keep, e, o.epochs);
    *lasso_on = e <= std::max(1, int(std::ceil(0.75 * o.epochs))) && o.epochs > 1;
    for (std::size_t k = 0; k < layers.size(); ++k) {
      if (!prunable[k]) continue;
      layers[k].set_mask(project(layers[k].weights(), layers[k].mask(), groups[k], keep_e));
    }
    if (o.method == StructuredMethod::ChannelFilter) {
      // A filter without weights outputs 0 forever: the next weighted layer's rows that read its
      // channel carry nothing and are masked too (through pooling and flattening, which keep the
      // channel-major order).
      for (std::size_t k = 0; k + 1 < layers.size(); ++k) {
        if (!layers[k].trainable()) continue;
        std::size_t next = k + 1;
        while (next < layers.size() && !layers[next].trainable()) ++next;
        if (next >= layers.size()) break;
        const Eigen::MatrixXf& w = layers[k].weights();
        Eigen::MatrixXf m = layers[next].mask();
        const int channels = int(w.rows()), ins = int(m.cols());
        if (ins % channels != 0) continue;
        const int per = ins / channels;
        for (int c = 0; c < channels; ++c)
          if ((w.row(c).array() == 0.0f).all()) m.middleCols(c * per, per).setZero();
        layers[next].set_mask(m);
      }
    }
    trainer.train(net, train);
    StructuredEpoch s;
    s.epoch = e;
    s.keep = keep_e;
    s.sparsity = structured_sparsity(net);
    s.test_accuracy = test ? net.accuracy(*test) : -1.0;
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.epochs.push_back(s);
    if (on_epoch) on_epoch(s);
  }

  // The tilings that map the result.
  for (std::size_t k = 0; k < layers.size(); ++k) {
    const Weighted& L = layers[k];
    if (L.pool) {
      const int c = L.pool->input().channels;
      result.tilings.push_back(dense_tiling(c * L.pool->kernel() * L.pool->kernel(), c, g));
      continue;
    }
    const Eigen::MatrixXf& w = L.weights();
    const int ins = int(w.cols()), outs = int(w.rows());
    switch (o.method) {
      case StructuredMethod::CrossbarGrain:
      case StructuredMethod::CrossbarGrainReordered:
        // Pruned tiles own no synapse: map_structured leaves their blocks out.
        result.tilings.push_back(dense_tiling(ins, outs, g, row_order[k]));
        break;
      case StructuredMethod::ColumnGrain: {
        // Output recombination: each row chunk's surviving columns packed into full crossbars.
        KernelTiling t;
        t.rows = ins;
        t.columns = outs;
        for (int r0 = 0; r0 < ins; r0 += g.rows) {
          const int n = std::min(g.rows, ins - r0);
          std::vector<int> rows(static_cast<std::size_t>(n)), cols;
          std::iota(rows.begin(), rows.end(), r0);
          for (int j = 0; j < outs; ++j)
            if ((w.block(j, r0, 1, n).array() != 0.0f).any()) cols.push_back(j);
          for (std::size_t c0 = 0; c0 < cols.size(); c0 += std::size_t(g.outputs_per_crossbar)) {
            KernelTile tile;
            tile.rows = rows;
            tile.columns.assign(
                cols.begin() + std::ptrdiff_t(c0),
                cols.begin() + std::ptrdiff_t(std::min(cols.size(),
                                                       c0 + std::size_t(g.outputs_per_crossbar))));
            t.tiles.push_back(std::move(tile));
          }
        }
        result.tilings.push_back(std::move(t));
        break;
      }
      default: {
        // C/F, XCS, XRS: the surviving kernel rows and columns, compacted and tiled densely.
        std::vector<int> rows, cols;
        live_lines(w, rows, cols);
        KernelTiling t = dense_tiling(ins, outs, g, rows, cols);
        if (rows.empty() || cols.empty()) t.tiles.clear();
        result.tilings.push_back(std::move(t));
      }
    }
  }
  return result;
}

}  // namespace xbar::compiler
