// TraNNsformer's size-constrained spectral co-clustering of a layer's connectivity
// (docs/references.md §1.4): groups of inputs x outputs whose synapses are dense enough to share
// crossbars.
#pragma once

#include <cstdint>
#include <vector>

#include "arch/arch_spec.hpp"
#include "compiler/mask.hpp"

namespace xbar::compiler {

// A co-cluster: the synapses between `inputs` and `outputs` (original neuron indices, ascending)
// are mapped together. quality = synapses / (|inputs| * |outputs|) at the time it was found.
struct Cluster {
  std::vector<int> inputs;
  std::vector<int> outputs;
  long long synapses = 0;
  double quality = 0;
  int size() const { return static_cast<int>(inputs.size() + outputs.size()); }
  bool operator==(const Cluster&) const = default;
};

// The rows k-means groups: the eigenvectors of L_sym = I - D^-1/2 S D^-1/2 as they are, or mapped
// back to those of the random-walk Laplacian L_rw = D^-1 (D - S) (u = D^-1/2 v, same spectrum).
// Symmetric is the default: on planted blocks in a sparse background (tests/compiler/cluster.cpp)
// the L_rw rows, whose low-degree background nodes are amplified by D^-1/2, let k-means separate
// one block of four, the L_sym rows all four.
enum class Embedding { Symmetric, RandomWalk };

struct ClusterOptions {
  // Size constraint: a group with |inputs| + |outputs| > max_size is split again. TraNNsformer's
  // 2*X for an X x X crossbar; cluster_options_for() uses rows + outputs per crossbar.
  int max_size = 128;
  double base_quality = 0.7;  // keep groups with quality > base_quality
  // Keep only groups with at least this many synapses: a 1 x 1 group has quality 1 but would waste
  // a crossbar (our addition; TraNNsformer has no such bound).
  long long min_synapses = 16;
  int eigenvectors = 5;  // smallest eigenvectors of the Laplacian used as the embedding
  int groups = 5;        // k of k-means
  Embedding embedding = Embedding::Symmetric;
  std::uint64_t seed = 1;
  int max_rounds = 100;  // safety bound on cluster-and-remove rounds
  int kmeans_iterations = 100;
};

// Options for a chip: max_size = crossbar rows + logical outputs per crossbar (2X on an X x X
// crossbar that stores one weight per cell), min_synapses = 1/32 of a crossbar's weight slots (at
// least 1), other fields as given.
ClusterOptions cluster_options_for(const arch::ArchSpec& arch, ClusterOptions base = {});

// Clusters the connectivity `c` (outputs x inputs): spectral co-clustering, keep groups of quality
// > base_quality, remove their synapses, repeat until no group qualifies. Every returned cluster
// satisfies the size constraint; clusters own disjoint synapses. Deterministic for a seed.
std::vector<Cluster> cluster_connectivity(const Mask& c, const ClusterOptions& options);

// The schedule's second step: clusters only the synapses of `c` outside every existing cluster's
// rectangle, trying each quality in turn (0.7, 0.6, ... 0.3 by default) and returning the new
// clusters of the first quality that finds any (empty when none does).
std::vector<Cluster> cluster_unclustered(const Mask& c, const std::vector<Cluster>& existing,
                                         const ClusterOptions& options,
                                         const std::vector<double>& qualities = {0.7, 0.6, 0.5, 0.4,
                                                                                 0.3});

// The schedule's cluster pruning (epoch >= 0.8 E): score_j = quality_j x the synapses of `pmap`
// inside cluster j's rectangle (TraNNsformer's "synapses of block j in both maps").
std::vector<double> cluster_scores(const Mask& pmap, const std::vector<Cluster>& clusters);
// The clusters whose score is above fraction x the highest score (all of them when every score is 0
// and fraction is negative; none of them when every score is 0 otherwise).
std::vector<Cluster> keep_strong_clusters(const Mask& pmap, const std::vector<Cluster>& clusters,
                                          double fraction);

// cmap: the union of the clusters' rectangles (outputs x inputs), shape rows x cols.
Mask cluster_mask(int rows, int cols, const std::vector<Cluster>& clusters);

// The synapses of `c` outside every cluster's rectangle.
Mask unclustered_synapses(const Mask& c, const std::vector<Cluster>& clusters);

// Fraction of c's synapses outside every cluster's rectangle (0 when c is empty).
double unclustered_fraction(const Mask& c, const std::vector<Cluster>& clusters);

}  // namespace xbar::compiler
