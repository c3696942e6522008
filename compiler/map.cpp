#include "compiler/map.hpp"

#include <algorithm>
#include <string>

namespace xbar::compiler {

namespace {

std::vector<int> range(int first, int last) {
  std::vector<int> v;
  for (int k = first; k < last; ++k) v.push_back(k);
  return v;
}

// Dense tiling of ins x outs (index lists, in order): output chunks outer, input chunks inner.
void tile(const std::vector<int>& ins, const std::vector<int>& outs, int layer, BlockKind kind,
          int cluster, const CrossbarGeometry& g, std::vector<CrossbarBlock>& blocks) {
  const std::size_t rows = static_cast<std::size_t>(g.rows),
                    cols = static_cast<std::size_t>(g.outputs_per_crossbar);
  for (std::size_t o = 0; o < outs.size(); o += cols) {
    for (std::size_t i = 0; i < ins.size(); i += rows) {
      CrossbarBlock b;
      b.layer = layer;
      b.kind = kind;
      b.cluster = cluster;
      b.inputs.assign(ins.begin() + static_cast<std::ptrdiff_t>(i),
                      ins.begin() + static_cast<std::ptrdiff_t>(std::min(ins.size(), i + rows)));
      b.outputs.assign(outs.begin() + static_cast<std::ptrdiff_t>(o),
                       outs.begin() + static_cast<std::ptrdiff_t>(std::min(outs.size(), o + cols)));
      blocks.push_back(std::move(b));
    }
  }
}

void nonempty_lines(const Mask& c, std::vector<int>& rows, std::vector<int>& cols) {
  std::vector<char> used(static_cast<std::size_t>(c.cols()), 0);
  rows.clear();
  cols.clear();
  for (int r = 0; r < c.outerSize(); ++r) {
    bool any = false;
    for (Mask::InnerIterator it(c, r); it; ++it) {
      any = true;
      used[static_cast<std::size_t>(it.col())] = 1;
    }
    if (any) rows.push_back(r);
  }
  for (std::size_t i = 0; i < used.size(); ++i) {
    if (used[i]) cols.push_back(static_cast<int>(i));
  }
}

void check_shape(const Mask& c, const char* what) {
  if (c.rows() <= 0 || c.cols() <= 0) {
    throw CompileError(std::string(what) +
                       ": a layer needs at least one input and one output, got " +
                       std::to_string(c.rows()) + " x " + std::to_string(c.cols()));
  }
}

// TraNNsformer's released rule: scan row-major; at each uncovered synapse (o, i) place a window of
// outputs o.. o+C_l-1 and inputs i.. i+R-1 (clipped to the matrix).
std::vector<CrossbarBlock> greedy_cover(const Mask& u_in, int layer, const CrossbarGeometry& g) {
  Mask u = u_in;
  u.makeCompressed();
  const int* outer = u.outerIndexPtr();
  const int* inner = u.innerIndexPtr();
  std::vector<char> covered(static_cast<std::size_t>(u.nonZeros()), 0);
  std::vector<CrossbarBlock> blocks;
  const int n_out = static_cast<int>(u.rows()), n_in = static_cast<int>(u.cols());
  for (int o = 0; o < n_out; ++o) {
    for (int k = outer[o]; k < outer[o + 1]; ++k) {
      if (covered[static_cast<std::size_t>(k)]) continue;
      const int i = inner[k];
      const int o_end = std::min(n_out, o + g.outputs_per_crossbar),
                i_end = std::min(n_in, i + g.rows);
      for (int oo = o; oo < o_end; ++oo) {
        const int* first = std::lower_bound(inner + outer[oo], inner + outer[oo + 1], i);
        for (const int* p = first; p != inner + outer[oo + 1] && *p < i_end; ++p)
          covered[static_cast<std::size_t>(p - inner)] = 1;
      }
      CrossbarBlock b;
      b.layer = layer;
      b.kind = BlockKind::Cover;
      b.inputs = range(i, i_end);
      b.outputs = range(o, o_end);
      blocks.push_back(std::move(b));
    }
  }
  return blocks;
}

// Keeps the blocks that own at least one synapse of c.
std::vector<CrossbarBlock> drop_empty(const Mask& c, std::vector<CrossbarBlock> blocks) {
  std::vector<int> owner = synapse_owners(c, blocks);
  std::vector<char> owns(blocks.size(), 0);
  for (int b : owner) {
    if (b >= 0) owns[static_cast<std::size_t>(b)] = 1;
  }
  std::vector<CrossbarBlock> kept;
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    if (owns[b]) kept.push_back(std::move(blocks[b]));
  }
  return kept;
}

}  // namespace

std::vector<int> synapse_owners(const Mask& c_in, const std::vector<CrossbarBlock>& blocks) {
  Mask c = c_in;
  c.makeCompressed();
  const int* outer = c.outerIndexPtr();
  const int* inner = c.innerIndexPtr();
  std::vector<int> owner(static_cast<std::size_t>(c.nonZeros()), -1);
  std::vector<int> in_pos(static_cast<std::size_t>(c.cols()), -1);
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const CrossbarBlock& blk = blocks[b];
    for (int i : blk.inputs) {
      if (i < 0 || i >= c.cols()) {
        throw CompileError("block " + std::to_string(b) + " of layer " + std::to_string(blk.layer) +
                           " names input " + std::to_string(i) + " outside the layer's " +
                           std::to_string(c.cols()) + " inputs");
      }
      in_pos[static_cast<std::size_t>(i)] = 1;
    }
    for (int o : blk.outputs) {
      if (o < 0 || o >= c.rows()) {
        throw CompileError("block " + std::to_string(b) + " of layer " + std::to_string(blk.layer) +
                           " names output " + std::to_string(o) + " outside the layer's " +
                           std::to_string(c.rows()) + " outputs");
      }
      for (int k = outer[o]; k < outer[o + 1]; ++k) {
        if (owner[static_cast<std::size_t>(k)] < 0 &&
            in_pos[static_cast<std::size_t>(inner[k])] > 0) {
          owner[static_cast<std::size_t>(k)] = static_cast<int>(b);
        }
      }
    }
    for (int i : blk.inputs) in_pos[static_cast<std::size_t>(i)] = -1;
  }
  return owner;
}

void update_stats(LayerMapping& m, const Mask& c, const std::vector<Cluster>& clusters,
                  const CrossbarGeometry& g) {
  if (c.rows() != m.outputs || c.cols() != m.inputs) {
    throw CompileError("layer mapping is " + std::to_string(m.outputs) + " x " +
                       std::to_string(m.inputs) + " but its connectivity is " +
                       std::to_string(c.rows()) + " x " + std::to_string(c.cols()));
  }
  std::vector<int> owner = synapse_owners(c, m.blocks);
  for (auto& b : m.blocks) b.synapses = 0;
  for (int b : owner) {
    if (b < 0)
      throw CompileError("internal: a synapse of layer " +
                         std::to_string(m.blocks.empty() ? 0 : m.blocks[0].layer) +
                         " is on no crossbar");
    ++m.blocks[static_cast<std::size_t>(b)].synapses;
  }
  LayerStats& s = m.stats;
  s.synapses = static_cast<long long>(owner.size());
  s.sparsity = 1.0 - static_cast<double>(s.synapses) /
                         (static_cast<double>(m.inputs) * static_cast<double>(m.outputs));
  s.crossbars = physical_crossbars(m.blocks);
  // A time-multiplexed array holds one kernel tile, whatever the positions read through it: its
  // cells in use are those of its fullest block.
  std::vector<long long> stored(m.blocks.size(), 0);
  for (std::size_t k = 0; k < m.blocks.size(); ++k) {
    const int a = m.blocks[k].array < 0 ? static_cast<int>(k) : m.blocks[k].array;
    stored[static_cast<std::size_t>(a)] =
        std::max(stored[static_cast<std::size_t>(a)], m.blocks[k].synapses);
  }
  long long held = 0;
  for (long long v : stored) held += v;
  s.utilization = s.crossbars == 0 ? 0.0
                                   : static_cast<double>(held) /
                                         (static_cast<double>(s.crossbars) * g.weight_slots());
  s.clusters = static_cast<int>(clusters.size());
  s.unclustered_fraction = unclustered_fraction(c, clusters);
  s.cluster_crossbars =
      static_cast<int>(std::count_if(m.blocks.begin(), m.blocks.end(), [](const CrossbarBlock& b) {
        return b.kind == BlockKind::Cluster;
      }));
  s.cover_crossbars =
      static_cast<int>(std::count_if(m.blocks.begin(), m.blocks.end(), [](const CrossbarBlock& b) {
        return b.kind == BlockKind::Cover;
      }));
}

LayerMapping map_dense(int layer, const Mask& c, const CrossbarGeometry& g) {
  check_shape(c, "dense mapping");
  LayerMapping m;
  m.inputs = static_cast<int>(c.cols());
  m.outputs = static_cast<int>(c.rows());
  m.flow = MappingFlow::Dense;
  tile(range(0, m.inputs), range(0, m.outputs), layer, BlockKind::Tile, -1, g, m.blocks);
  update_stats(m, c, {}, g);
  return m;
}

LayerMapping map_compacted(int layer, const Mask& c, const CrossbarGeometry& g) {
  check_shape(c, "compacted mapping");
  LayerMapping m;
  m.inputs = static_cast<int>(c.cols());
  m.outputs = static_cast<int>(c.rows());
  m.flow = MappingFlow::Compacted;
  std::vector<int> rows, cols;
  nonempty_lines(c, rows, cols);
  tile(cols, rows, layer, BlockKind::Tile, -1, g, m.blocks);
  update_stats(m, c, {}, g);
  return m;
}

LayerMapping map_clustered(int layer, const Mask& c, const std::vector<Cluster>& clusters,
                           const CrossbarGeometry& g, Cover cover) {
  check_shape(c, "clustered mapping");
  LayerMapping m;
  m.inputs = static_cast<int>(c.cols());
  m.outputs = static_cast<int>(c.rows());
  m.flow = MappingFlow::Clustered;
  std::vector<CrossbarBlock> cluster_blocks;
  for (std::size_t k = 0; k < clusters.size(); ++k) {
    tile(clusters[k].inputs, clusters[k].outputs, layer, BlockKind::Cluster, static_cast<int>(k), g,
         cluster_blocks);
  }
  cluster_blocks = drop_empty(c, std::move(cluster_blocks));

  // Synapses outside every cluster rectangle; the cluster blocks own everything inside them.
  Mask rest = unclustered_synapses(c, clusters);
  std::vector<CrossbarBlock> greedy, compacted;
  if (rest.nonZeros() > 0) {
    if (cover == Cover::Greedy || cover == Cover::Best) greedy = greedy_cover(rest, layer, g);
    if (cover == Cover::Compacted || cover == Cover::Best) {
      std::vector<int> rows, cols;
      nonempty_lines(rest, rows, cols);
      tile(cols, rows, layer, BlockKind::Cover, -1, g, compacted);
      compacted = drop_empty(rest, std::move(compacted));
    }
  }
  m.stats.greedy_cover_crossbars =
      (cover == Cover::Greedy || cover == Cover::Best) ? static_cast<int>(greedy.size()) : -1;
  m.stats.compacted_cover_crossbars =
      (cover == Cover::Compacted || cover == Cover::Best) ? static_cast<int>(compacted.size()) : -1;
  std::vector<CrossbarBlock>* chosen = nullptr;
  if (rest.nonZeros() == 0) {
    m.cover = Cover::None;
  } else if (cover == Cover::Greedy || (cover == Cover::Best && greedy.size() < compacted.size())) {
    m.cover = Cover::Greedy;
    chosen = &greedy;
  } else {
    m.cover = Cover::Compacted;
    chosen = &compacted;
  }
  m.blocks = std::move(cluster_blocks);
  if (chosen) m.blocks.insert(m.blocks.end(), chosen->begin(), chosen->end());
  update_stats(m, c, clusters, g);
  return m;
}

std::vector<LayerMapping> map_network(MappingFlow flow, const std::vector<Mask>& masks,
                                      const std::vector<std::vector<Cluster>>& clusters,
                                      const CrossbarGeometry& g, Cover cover) {
  if (flow == MappingFlow::Clustered && clusters.size() != masks.size()) {
    throw CompileError("clustered mapping of " + std::to_string(masks.size()) +
                       " layers got clusters for " + std::to_string(clusters.size()));
  }
  std::vector<LayerMapping> layers;
  for (std::size_t l = 0; l < masks.size(); ++l) {
    const int layer = static_cast<int>(l);
    switch (flow) {
      case MappingFlow::Dense:
        layers.push_back(map_dense(layer, masks[l], g));
        break;
      case MappingFlow::Compacted:
        layers.push_back(map_compacted(layer, masks[l], g));
        break;
      case MappingFlow::Clustered:
        layers.push_back(map_clustered(layer, masks[l], clusters[l], g, cover));
        break;
    }
  }
  return layers;
}

}  // namespace xbar::compiler
