// Spectral co-clustering as TraNNsformer does it (docs/references.md §1.4), with a sparse
// eigensolver.
//
// The random-walk Laplacian L_rw = D^-1 (D - S) of the bipartite graph S = [[0, C^T], [C, 0]] has
// the same spectrum as the symmetric L_sym = I - D^-1/2 S D^-1/2, and u is an eigenvector of L_rw
// when D^1/2 u is one of L_sym. The smallest eigenvalues of L_sym are the largest (algebraic) of
// A = D^-1/2 S D^-1/2, which Spectra's Lanczos finds from sparse matrix-vector products alone.
#include "compiler/cluster.hpp"

#include <Spectra/MatOp/SparseSymMatProd.h>
#include <Spectra/SymEigsSolver.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "compiler/placement.hpp"

namespace xbar::compiler {

namespace {

// Portable uniform draws (std:: distributions differ between standard libraries).
struct Rng {
  std::mt19937_64 engine;
  explicit Rng(std::uint64_t seed) : engine(seed) {}
  double uniform() { return static_cast<double>(engine() >> 11) * 0x1.0p-53; }
  std::size_t index(std::size_t n) { return static_cast<std::size_t>(engine() % n); }
};

// k-means with k-means++ seeding on the rows of y; ties go to the lowest centre.
std::vector<int> kmeans(const Eigen::MatrixXd& y, int k, int iterations, Rng& rng) {
  const Eigen::Index n = y.rows();
  std::vector<int> label(static_cast<std::size_t>(n), 0);
  if (n == 0 || k <= 1) return label;
  std::vector<Eigen::RowVectorXd> centre;
  centre.push_back(y.row(static_cast<Eigen::Index>(rng.index(static_cast<std::size_t>(n)))));
  std::vector<double> d2(static_cast<std::size_t>(n));
  while (static_cast<int>(centre.size()) < k) {
    double total = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      double best = std::numeric_limits<double>::max();
      for (const auto& c : centre) best = std::min(best, (y.row(i) - c).squaredNorm());
      d2[static_cast<std::size_t>(i)] = best;
      total += best;
    }
    if (total <= 0) break;  // fewer distinct points than k
    double r = rng.uniform() * total;
    Eigen::Index pick = n - 1;
    for (Eigen::Index i = 0; i < n; ++i) {
      r -= d2[static_cast<std::size_t>(i)];
      if (r < 0) {
        pick = i;
        break;
      }
    }
    centre.push_back(y.row(pick));
  }
  const int kk = static_cast<int>(centre.size());
  std::vector<int> count(static_cast<std::size_t>(kk));
  for (int it = 0; it < iterations; ++it) {
    bool changed = it == 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      int best = 0;
      double best_d = std::numeric_limits<double>::max();
      for (int c = 0; c < kk; ++c) {
        double d = (y.row(i) - centre[static_cast<std::size_t>(c)]).squaredNorm();
        if (d < best_d) {
          best_d = d;
          best = c;
        }
      }
      if (label[static_cast<std::size_t>(i)] != best) changed = true;
      label[static_cast<std::size_t>(i)] = best;
    }
    if (!changed) break;
    std::vector<Eigen::RowVectorXd> sum(static_cast<std::size_t>(kk),
                                        Eigen::RowVectorXd::Zero(y.cols()));
    std::fill(count.begin(), count.end(), 0);
    for (Eigen::Index i = 0; i < n; ++i) {
      sum[static_cast<std::size_t>(label[static_cast<std::size_t>(i)])] += y.row(i);
      ++count[static_cast<std::size_t>(label[static_cast<std::size_t>(i)])];
    }
    for (int c = 0; c < kk; ++c) {
      if (count[static_cast<std::size_t>(c)] > 0) {
        centre[static_cast<std::size_t>(c)] =
            sum[static_cast<std::size_t>(c)] / count[static_cast<std::size_t>(c)];
      }
    }
  }
  return label;
}

struct Group {
  std::vector<int> outs, ins;  // original indices
  int size() const { return static_cast<int>(outs.size() + ins.size()); }
};

class Clusterer {
 public:
  Clusterer(const Mask& c, const ClusterOptions& opt) : opt_(opt), rng_(opt.seed) {
    if (opt.max_size < 2)
      throw CompileError("clustering: max_size must be at least 2, got " +
                         std::to_string(opt.max_size));
    if (opt.eigenvectors < 1 || opt.groups < 1)
      throw CompileError("clustering: eigenvectors and groups must be positive");
    adj_.resize(static_cast<std::size_t>(c.rows()));
    for (int r = 0; r < c.outerSize(); ++r) {
      for (Mask::InnerIterator it(c, r); it; ++it) {
        if (it.value() != 0.0f)
          adj_[static_cast<std::size_t>(r)].push_back(static_cast<int>(it.col()));
      }
      std::sort(adj_[static_cast<std::size_t>(r)].begin(), adj_[static_cast<std::size_t>(r)].end());
    }
    in_pos_.assign(static_cast<std::size_t>(c.cols()), -1);
  }

  std::vector<Cluster> run() {
    std::vector<Cluster> found;
    for (int round = 0; round < opt_.max_rounds; ++round) {
      Group all;
      std::vector<char> in_used(in_pos_.size(), 0);
      for (std::size_t o = 0; o < adj_.size(); ++o) {
        if (adj_[o].empty()) continue;
        all.outs.push_back(static_cast<int>(o));
        for (int i : adj_[o]) in_used[static_cast<std::size_t>(i)] = 1;
      }
      for (std::size_t i = 0; i < in_used.size(); ++i) {
        if (in_used[i]) all.ins.push_back(static_cast<int>(i));
      }
      if (all.outs.empty()) break;
      std::vector<Group> leaves;
      collect(all, leaves);
      bool accepted = false;
      for (Group& g : leaves) {
        Cluster cl = trim_and_score(g);
        if (cl.synapses > 0 && cl.synapses >= opt_.min_synapses && cl.quality > opt_.base_quality) {
          remove(cl);
          found.push_back(std::move(cl));
          accepted = true;
        }
      }
      if (!accepted) break;  // the density of what is left no longer changes
    }
    return found;
  }

 private:
  // The k-means groups of g's spectral embedding (isolated nodes dropped), original indices.
  std::vector<Group> spectral_split(const Group& g) {
    for (std::size_t k = 0; k < g.ins.size(); ++k)
      in_pos_[static_cast<std::size_t>(g.ins[k])] = static_cast<int>(k);
    std::vector<std::pair<int, int>> edges;  // (local out, local in)
    std::vector<int> deg_out(g.outs.size(), 0), deg_in(g.ins.size(), 0);
    for (std::size_t r = 0; r < g.outs.size(); ++r) {
      for (int i : adj_[static_cast<std::size_t>(g.outs[r])]) {
        int c = in_pos_[static_cast<std::size_t>(i)];
        if (c < 0) continue;
        edges.emplace_back(static_cast<int>(r), c);
        ++deg_out[r];
        ++deg_in[static_cast<std::size_t>(c)];
      }
    }
    for (int i : g.ins) in_pos_[static_cast<std::size_t>(i)] = -1;

    // Node numbering without isolated nodes: active outputs first, then active inputs.
    std::vector<int> node_of_out(g.outs.size(), -1), node_of_in(g.ins.size(), -1);
    std::vector<double> degree;
    Group active;
    for (std::size_t r = 0; r < g.outs.size(); ++r) {
      if (deg_out[r] == 0) continue;
      node_of_out[r] = static_cast<int>(degree.size());
      degree.push_back(deg_out[r]);
      active.outs.push_back(g.outs[r]);
    }
    const int n_out = static_cast<int>(degree.size());
    for (std::size_t c = 0; c < g.ins.size(); ++c) {
      if (deg_in[c] == 0) continue;
      node_of_in[c] = static_cast<int>(degree.size());
      degree.push_back(deg_in[c]);
      active.ins.push_back(g.ins[c]);
    }
    const int n = static_cast<int>(degree.size());
    if (n < opt_.eigenvectors + 2) return {active};

    std::vector<Eigen::Triplet<double>> entries;
    entries.reserve(2 * edges.size());
    for (auto [r, c] : edges) {
      int u = node_of_out[static_cast<std::size_t>(r)], v = node_of_in[static_cast<std::size_t>(c)];
      double w = 1.0 / std::sqrt(degree[static_cast<std::size_t>(u)] *
                                 degree[static_cast<std::size_t>(v)]);
      entries.emplace_back(u, v, w);
      entries.emplace_back(v, u, w);
    }
    Eigen::SparseMatrix<double> a(n, n);
    a.setFromTriplets(entries.begin(), entries.end());
    const int nev = std::min(opt_.eigenvectors, n - 1);
    const int ncv = std::min(n, std::max(2 * nev + 1, 20));
    Spectra::SparseSymMatProd<double> op(a);
    Spectra::SymEigsSolver<Spectra::SparseSymMatProd<double>> eigs(op, nev, ncv);
    eigs.init();
    eigs.compute(Spectra::SortRule::LargestAlge, 500, 1e-6, Spectra::SortRule::LargestAlge);
    Eigen::MatrixXd y = eigs.eigenvectors();  // converged ones only
    std::vector<int> label;
    if (y.cols() == 0) {
      // No eigenvector converged: fall back to contiguous slices, so that the split still
      // progresses.
      label.resize(static_cast<std::size_t>(n));
      const int k = std::min(opt_.groups, n);
      for (int u = 0; u < n; ++u) {
        int pos = u < n_out ? u : u - n_out;
        int len = u < n_out ? n_out : n - n_out;
        label[static_cast<std::size_t>(u)] =
            static_cast<int>(static_cast<long long>(pos) * k / std::max(len, 1));
      }
    } else {
      if (opt_.embedding == Embedding::RandomWalk) {
        for (int u = 0; u < n; ++u)
          y.row(u) /= std::sqrt(degree[static_cast<std::size_t>(u)]);  // back to L_rw
      }
      label = kmeans(y, std::min(opt_.groups, n), opt_.kmeans_iterations, rng_);
    }
    int groups = 1 + *std::max_element(label.begin(), label.end());
    std::vector<Group> out(static_cast<std::size_t>(groups));
    for (std::size_t r = 0; r < active.outs.size(); ++r)
      out[static_cast<std::size_t>(label[r])].outs.push_back(active.outs[r]);
    for (std::size_t c = 0; c < active.ins.size(); ++c) {
      out[static_cast<std::size_t>(label[static_cast<std::size_t>(n_out) + c])].ins.push_back(
          active.ins[c]);
    }
    return out;
  }

  // Splits g into groups that satisfy the size constraint (recursively, TraNNsformer's rule).
  void collect(const Group& g, std::vector<Group>& leaves) {
    for (Group& h : spectral_split(g)) {
      if (h.outs.empty() || h.ins.empty()) continue;  // no synapse inside
      if (h.size() <= opt_.max_size) {
        leaves.push_back(std::move(h));
      } else if (h.size() < g.size()) {
        collect(h, leaves);
      } else {
        // The embedding did not separate anything: halve, so that the recursion always ends.
        Group a, b;
        std::size_t ho = h.outs.size() / 2, hi = h.ins.size() / 2;
        a.outs.assign(h.outs.begin(), h.outs.begin() + static_cast<std::ptrdiff_t>(ho));
        b.outs.assign(h.outs.begin() + static_cast<std::ptrdiff_t>(ho), h.outs.end());
        a.ins.assign(h.ins.begin(), h.ins.begin() + static_cast<std::ptrdiff_t>(hi));
        b.ins.assign(h.ins.begin() + static_cast<std::ptrdiff_t>(hi), h.ins.end());
        for (Group* part : {&a, &b}) {
          if (part->outs.empty() || part->ins.empty()) continue;
          if (part->size() <= opt_.max_size) {
            leaves.push_back(std::move(*part));
          } else {
            collect(*part, leaves);
          }
        }
      }
    }
  }

  // Drops the group's neurons without a synapse inside it; quality of what is left.
  Cluster trim_and_score(const Group& g) {
    for (std::size_t k = 0; k < g.ins.size(); ++k)
      in_pos_[static_cast<std::size_t>(g.ins[k])] = static_cast<int>(k);
    std::vector<long long> in_count(g.ins.size(), 0);
    Cluster cl;
    for (int o : g.outs) {
      long long cnt = 0;
      for (int i : adj_[static_cast<std::size_t>(o)]) {
        int c = in_pos_[static_cast<std::size_t>(i)];
        if (c < 0) continue;
        ++cnt;
        ++in_count[static_cast<std::size_t>(c)];
      }
      if (cnt > 0) cl.outputs.push_back(o);
      cl.synapses += cnt;
    }
    for (int i : g.ins) in_pos_[static_cast<std::size_t>(i)] = -1;
    for (std::size_t c = 0; c < g.ins.size(); ++c) {
      if (in_count[c] > 0) cl.inputs.push_back(g.ins[c]);
    }
    std::sort(cl.inputs.begin(), cl.inputs.end());
    std::sort(cl.outputs.begin(), cl.outputs.end());
    if (cl.synapses > 0) {
      cl.quality = static_cast<double>(cl.synapses) /
                   (static_cast<double>(cl.inputs.size()) * static_cast<double>(cl.outputs.size()));
    }
    return cl;
  }

  void remove(const Cluster& cl) {
    for (int i : cl.inputs) in_pos_[static_cast<std::size_t>(i)] = 0;
    for (int o : cl.outputs) {
      auto& row = adj_[static_cast<std::size_t>(o)];
      row.erase(std::remove_if(row.begin(), row.end(),
                               [&](int i) { return in_pos_[static_cast<std::size_t>(i)] == 0; }),
                row.end());
    }
    for (int i : cl.inputs) in_pos_[static_cast<std::size_t>(i)] = -1;
  }

  const ClusterOptions& opt_;
  Rng rng_;
  std::vector<std::vector<int>> adj_;  // remaining synapses: output -> ascending inputs
  std::vector<int> in_pos_;            // scratch: input -> local index, -1 outside
};

// For each output, the clusters whose rectangle contains it.
std::vector<std::vector<int>> clusters_by_output(int rows, const std::vector<Cluster>& clusters) {
  std::vector<std::vector<int>> by(static_cast<std::size_t>(rows));
  for (std::size_t k = 0; k < clusters.size(); ++k) {
    for (int o : clusters[k].outputs) {
      if (o < 0 || o >= rows)
        throw CompileError("cluster " + std::to_string(k) + " names output " + std::to_string(o) +
                           " outside the layer's " + std::to_string(rows) + " outputs");
      by[static_cast<std::size_t>(o)].push_back(static_cast<int>(k));
    }
  }
  return by;
}

bool inside_some(const std::vector<int>& ids, const std::vector<Cluster>& clusters, int input) {
  for (int k : ids) {
    const auto& ins = clusters[static_cast<std::size_t>(k)].inputs;
    if (std::binary_search(ins.begin(), ins.end(), input)) return true;
  }
  return false;
}

}  // namespace

ClusterOptions cluster_options_for(const arch::ArchSpec& arch, ClusterOptions base) {
  CrossbarGeometry g = geometry_for(arch);
  base.max_size = g.rows + g.outputs_per_crossbar;
  base.min_synapses = std::max(1, g.weight_slots() / 32);
  return base;
}

std::vector<Cluster> cluster_connectivity(const Mask& c, const ClusterOptions& options) {
  Clusterer clusterer(c, options);
  return clusterer.run();
}

std::vector<Cluster> cluster_unclustered(const Mask& c, const std::vector<Cluster>& existing,
                                         const ClusterOptions& options,
                                         const std::vector<double>& qualities) {
  Mask rest = unclustered_synapses(c, existing);
  for (double q : qualities) {
    ClusterOptions o = options;
    o.base_quality = q;
    std::vector<Cluster> found = cluster_connectivity(rest, o);
    if (!found.empty()) return found;
  }
  return {};
}

std::vector<double> cluster_scores(const Mask& pmap, const std::vector<Cluster>& clusters) {
  std::vector<double> score;
  std::vector<char> in_cluster(static_cast<std::size_t>(pmap.cols()), 0);
  for (const Cluster& cl : clusters) {
    for (int i : cl.inputs) {
      if (i < 0 || i >= pmap.cols())
        throw CompileError("a cluster names input " + std::to_string(i) + " outside the layer's " +
                           std::to_string(pmap.cols()) + " inputs");
      in_cluster[static_cast<std::size_t>(i)] = 1;
    }
    long long n = 0;
    for (int o : cl.outputs) {
      if (o < 0 || o >= pmap.rows())
        throw CompileError("a cluster names output " + std::to_string(o) + " outside the layer's " +
                           std::to_string(pmap.rows()) + " outputs");
      for (Mask::InnerIterator it(pmap, o); it; ++it)
        n += it.value() != 0.0f && in_cluster[static_cast<std::size_t>(it.col())];
    }
    for (int i : cl.inputs) in_cluster[static_cast<std::size_t>(i)] = 0;
    score.push_back(cl.quality * static_cast<double>(n));
  }
  return score;
}

std::vector<Cluster> keep_strong_clusters(const Mask& pmap, const std::vector<Cluster>& clusters,
                                          double fraction) {
  std::vector<double> score = cluster_scores(pmap, clusters);
  double best = score.empty() ? 0.0 : *std::max_element(score.begin(), score.end());
  std::vector<Cluster> kept;
  for (std::size_t k = 0; k < clusters.size(); ++k) {
    if (score[k] > fraction * best) kept.push_back(clusters[k]);
  }
  return kept;
}

Mask cluster_mask(int rows, int cols, const std::vector<Cluster>& clusters) {
  std::vector<Eigen::Triplet<float, int>> entries;
  for (const Cluster& cl : clusters) {
    for (int o : cl.outputs) {
      for (int i : cl.inputs) entries.emplace_back(o, i, 1.0f);
    }
  }
  Mask m(rows, cols);
  // Overlapping rectangles: keep one entry per cell.
  m.setFromTriplets(entries.begin(), entries.end(), [](float, float) { return 1.0f; });
  return m;
}

Mask unclustered_synapses(const Mask& c, const std::vector<Cluster>& clusters) {
  auto by = clusters_by_output(static_cast<int>(c.rows()), clusters);
  std::vector<Eigen::Triplet<float, int>> entries;
  for (int r = 0; r < c.outerSize(); ++r) {
    for (Mask::InnerIterator it(c, r); it; ++it) {
      if (it.value() == 0.0f) continue;
      if (!inside_some(by[static_cast<std::size_t>(r)], clusters, static_cast<int>(it.col()))) {
        entries.emplace_back(r, static_cast<int>(it.col()), 1.0f);
      }
    }
  }
  Mask m(c.rows(), c.cols());
  m.setFromTriplets(entries.begin(), entries.end());
  return m;
}

double unclustered_fraction(const Mask& c, const std::vector<Cluster>& clusters) {
  auto by = clusters_by_output(static_cast<int>(c.rows()), clusters);
  long long total = 0, outside = 0;
  for (int r = 0; r < c.outerSize(); ++r) {
    for (Mask::InnerIterator it(c, r); it; ++it) {
      if (it.value() == 0.0f) continue;
      ++total;
      if (!inside_some(by[static_cast<std::size_t>(r)], clusters, static_cast<int>(it.col())))
        ++outside;
    }
  }
  return total == 0 ? 0.0 : static_cast<double>(outside) / static_cast<double>(total);
}

}  // namespace xbar::compiler
