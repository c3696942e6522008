// TraNNsformer (Ankit, Sengupta, Roy, ICCAD 2017): the prune -> cluster -> retrain loop that
// concentrates a layer's surviving synapses into crossbar-sized clusters, on the schedule of the
// authors' released code (docs/references.md §1.3, adapted as documented in trannsformer.cpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "arch/arch_spec.hpp"
#include "compiler/cluster.hpp"
#include "compiler/prune.hpp"

namespace xbar::compiler {

struct TrannsformerOptions {
  // Weight budget: after epoch e a layer of N weights keeps at most (1 - scheduled_sparsity(
  // sparsity, e, epochs)) * N of them, clusters included: the pruning baseline's schedule.
  double sparsity = 0.9;
  int epochs = 20;  // E of the schedule
  workloads::TrainConfig retrain;
  ClusterOptions cluster;  // usually cluster_options_for(arch); max_size is the size constraint
  // Crossbar shape the clusters are filled to (rows x logical outputs per crossbar); 0 = take
  // cluster.max_size / 2 for both (an X x X crossbar with one weight per cell).
  int crossbar_rows = 0, crossbar_outputs = 0;
  // First clustering at epoch ceil(first_cluster * E) (released: 0.2); the remainder is clustered
  // again every epoch until ceil(cluster_until * E) (released: when u stalls, until 0.8 E).
  double first_cluster = 0.2, cluster_until = 0.8;
  // Grow every new cluster of a hidden layer, at no crossbar cost, up to the crossbars it occupies
  // (within the size constraint) with the neurons most strongly connected to it (our addition).
  bool fill = true;
  // From cluster_until * E the synapses of a hidden layer outside every cluster are pruned away,
  // linearly, so the last `settle` epochs retrain the final mask and every surviving synapse of a
  // hidden layer sits in a cluster (our addition; the released code maps the remainder with a
  // greedy cover). The output layer keeps its remainder, and a layer without clusters is pruned
  // by magnitude only. Clustering uses min_synapses >= 1/8 of a crossbar's weight slots.
  bool prune_remainder = true;
  int settle = 2;
};

struct TrannsformerEpoch {
  int epoch = 0;
  std::string phase;                // prune | cluster | cluster-unclustered | cluster-prune
  double sparsity = 0;              // fraction of zero weights over all dense layers
  double unclustered_fraction = 0;  // over all layers: surviving synapses outside every cluster
  int clusters = 0;
  double test_accuracy = -1;
  double seconds = 0;
};

struct TrannsformerResult {
  std::vector<std::vector<Cluster>> clusters;  // per dense layer, for map_clustered
  std::vector<TrannsformerEpoch> epochs;
};

// Grows `cl` (in place) with the inputs, then the outputs, most strongly connected to it (sum of
// |weights| into the cluster), up to the crossbars it already needs (ceil(n_in/rows) * rows inputs,
// ceil(n_out/outputs) * outputs outputs) and never beyond max_size = |inputs| + |outputs|.
// Deterministic (ties go to the lower index). quality and synapses are recomputed from `weights`.
void fill_cluster(Cluster& cl, const Eigen::MatrixXf& weights, int rows, int outputs, int max_size);

// Runs the schedule on `net` in place (its Dense masks end as the union of clusters and surviving
// synapses); `on_epoch` sees each epoch as it finishes.
TrannsformerResult trannsformer(workloads::Network& net, const workloads::Dataset& train,
                                const workloads::Dataset* test, const TrannsformerOptions& options,
                                const std::function<void(const TrannsformerEpoch&)>& on_epoch = {});

}  // namespace xbar::compiler
