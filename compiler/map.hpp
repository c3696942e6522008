// Mapping a layer's connectivity onto crossbar blocks, three flows: dense tiling (the original
// network), compacted tiling (the pruning baseline) and clustered (TraNNsformer: clusters plus a
// cover of the unclustered synapses).
#pragma once

#include <vector>

#include "compiler/cluster.hpp"
#include "compiler/mask.hpp"
#include "compiler/placement.hpp"

namespace xbar::compiler {

// Original: sum ceil(N_in/R) * ceil(N_out/C_l) blocks over the whole matrix, synapses or not.
LayerMapping map_dense(int layer, const Mask& c, const CrossbarGeometry& g);

// Pruning baseline: drop all-zero rows (outputs) and columns (inputs), tile the rest densely.
LayerMapping map_compacted(int layer, const Mask& c, const CrossbarGeometry& g);

// TraNNsformer: each cluster tiled with ceil(n_in/R) * ceil(n_out/C_l) blocks (in order), then the
// synapses outside every cluster covered by `cover`: Greedy (row-major scan; at each uncovered
// synapse an R x C_l window with it at the top-left), Compacted (dense tiling of the remainder's
// non-empty rows and columns) or Best (the one with fewer crossbars; ties go to Compacted). Blocks
// that own no synapse (a cluster emptied by pruning or by earlier clusters) are left out.
LayerMapping map_clustered(int layer, const Mask& c, const std::vector<Cluster>& clusters,
                           const CrossbarGeometry& g, Cover cover = Cover::Best);

// Every layer with one flow: masks[l] is layer l, clusters[l] its clusters (read by the clustered
// flow only; may be empty for the other flows).
std::vector<LayerMapping> map_network(MappingFlow flow, const std::vector<Mask>& masks,
                                      const std::vector<std::vector<Cluster>>& clusters,
                                      const CrossbarGeometry& g, Cover cover = Cover::Best);

// The first-block-owns rule: for each synapse of `c` in row-major storage order, the index of the
// block that owns it, or -1 when no block contains it.
std::vector<int> synapse_owners(const Mask& c, const std::vector<CrossbarBlock>& blocks);

// Recomputes each block's `synapses` and the layer's statistics from `c` and its clusters.
void update_stats(LayerMapping& m, const Mask& c, const std::vector<Cluster>& clusters,
                  const CrossbarGeometry& g);

}  // namespace xbar::compiler
