#include "compiler/place.hpp"

#include <metis.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdlib>
#include <numeric>
#include <string>

namespace xbar::compiler {

namespace {

// The placement graph in CSR form: crossbars first (a block, or one time-multiplexed array for all
// of its blocks), then the output neurons of each layer. Edge weights count the streams between
// two vertices (an array's blocks read overlapping inputs).
struct Graph {
  int blocks = 0;  // crossbar vertices
  int vertices = 0;
  std::vector<idx_t> xadj, adjncy, adjwgt;
  std::vector<int> neuron_base;      // vertex of output neuron o of layer l: neuron_base[l] + o
  std::vector<int> vertex_of_block;  // per block, in layer order
  bool is_block(int v) const { return v < blocks; }
};

Graph build_graph(const std::vector<LayerMapping>& layers) {
  Graph g;
  for (const auto& l : layers) {
    const std::size_t first = g.vertex_of_block.size();  // this layer's first block
    for (std::size_t k = 0; k < l.blocks.size(); ++k) {
      const int a = l.blocks[k].array;
      g.vertex_of_block.push_back(a >= 0 && a != static_cast<int>(k)
                                      ? g.vertex_of_block[first + static_cast<std::size_t>(a)]
                                      : g.blocks++);
    }
  }
  int next = g.blocks;
  for (const auto& l : layers) {
    g.neuron_base.push_back(next);
    next += l.outputs;
  }
  g.vertices = next;
  std::vector<std::vector<int>> adj(static_cast<std::size_t>(g.vertices));
  std::size_t b = 0;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    for (const auto& blk : layers[l].blocks) {
      const int vb = g.vertex_of_block[b++];
      for (int o : blk.outputs) {
        int v = g.neuron_base[l] + o;
        adj[static_cast<std::size_t>(vb)].push_back(v);
        adj[static_cast<std::size_t>(v)].push_back(vb);
      }
      if (l > 0) {  // layer 0's inputs come from off chip
        for (int i : blk.inputs) {
          int v = g.neuron_base[l - 1] + i;
          adj[static_cast<std::size_t>(vb)].push_back(v);
          adj[static_cast<std::size_t>(v)].push_back(vb);
        }
      }
    }
  }
  // Repeated edges (an array's blocks sharing inputs) merge into one, weighted by their count,
  // in order of first appearance (so graphs without arrays are as they always were).
  g.xadj.push_back(0);
  std::vector<int> at(static_cast<std::size_t>(g.vertices), -1);
  for (const auto& a : adj) {
    const std::size_t begin = g.adjncy.size();
    for (int v : a) {
      int& k = at[static_cast<std::size_t>(v)];
      if (k >= 0) {
        ++g.adjwgt[static_cast<std::size_t>(k)];
        continue;
      }
      k = static_cast<int>(g.adjncy.size());
      g.adjncy.push_back(v);
      g.adjwgt.push_back(1);
    }
    for (std::size_t k = begin; k < g.adjncy.size(); ++k)
      at[static_cast<std::size_t>(g.adjncy[k])] = -1;
    g.xadj.push_back(static_cast<idx_t>(g.adjncy.size()));
  }
  return g;
}

struct Capacity {
  int crossbars = 0;
  int neurons = 0;  // INT_MAX: not limited
  int of(int constraint) const { return constraint == 0 ? crossbars : neurons; }
};

class Partition {
 public:
  Partition(const Graph& g, int parts, Capacity cap)
      : g_(g),
        cap_(cap),
        part_(static_cast<std::size_t>(g.vertices), 0),
        load_(static_cast<std::size_t>(parts), {0, 0}),
        weight_to_(static_cast<std::size_t>(parts), 0) {}

  int constraint(int v) const { return g_.is_block(v) ? 0 : 1; }
  std::vector<int>& part() { return part_; }

  void recount() {
    for (auto& l : load_) l = {0, 0};
    for (int v = 0; v < g_.vertices; ++v)
      ++load_[static_cast<std::size_t>(part_[static_cast<std::size_t>(v)])]
             [static_cast<std::size_t>(constraint(v))];
  }

  bool has_room(int p, int c) const {
    return load_[static_cast<std::size_t>(p)][static_cast<std::size_t>(c)] < cap_.of(c);
  }

  // Moves vertices out of over-full parts, each to the part with room that loses the fewest links.
  void repair() {
    const int parts = static_cast<int>(load_.size());
    std::vector<std::vector<int>> members(static_cast<std::size_t>(parts));
    for (int v = 0; v < g_.vertices; ++v)
      members[static_cast<std::size_t>(part_[static_cast<std::size_t>(v)])].push_back(v);
    for (int p = 0; p < parts; ++p) {
      for (int c = 0; c < 2; ++c) {
        while (load_[static_cast<std::size_t>(p)][static_cast<std::size_t>(c)] > cap_.of(c)) {
          int best_v = -1, best_q = -1;
          long long best_gain = LLONG_MIN;
          int fallback = least_loaded_with_room(c, p);
          for (int v : members[static_cast<std::size_t>(p)]) {
            if (part_[static_cast<std::size_t>(v)] != p || constraint(v) != c) continue;
            auto [q, gain] = best_target(v, c, fallback);
            if (q >= 0 && gain > best_gain) {
              best_gain = gain;
              best_v = v;
              best_q = q;
            }
          }
          if (best_v < 0) throw CompileError("internal: placement repair found no tile with room");
          move(best_v, best_q);
          members[static_cast<std::size_t>(best_q)].push_back(best_v);
        }
      }
    }
  }

  // Greedy passes: move a vertex to the neighbouring part it has most links to, when that gains
  // links and the part has room.
  void refine(int passes) {
    for (int pass = 0; pass < passes; ++pass) {
      bool moved = false;
      for (int v = 0; v < g_.vertices; ++v) {
        auto [q, gain] = best_target(v, constraint(v), -1);
        if (q >= 0 && gain > 0) {
          move(v, q);
          moved = true;
        }
      }
      if (!moved) break;
    }
  }

 private:
  int least_loaded_with_room(int c, int except) const {
    int best = -1;
    for (int q = 0; q < static_cast<int>(load_.size()); ++q) {
      if (q == except || !has_room(q, c)) continue;
      if (best < 0 || load_[static_cast<std::size_t>(q)][static_cast<std::size_t>(c)] <
                          load_[static_cast<std::size_t>(best)][static_cast<std::size_t>(c)])
        best = q;
    }
    return best;
  }

  // The part with room (other than v's) that v has most links to, and the links gained by moving
  // there; `fallback` (a part with room, or -1) when no neighbouring part has room.
  std::pair<int, long long> best_target(int v, int c, int fallback) {
    const int p = part_[static_cast<std::size_t>(v)];
    touched_.clear();
    for (idx_t k = g_.xadj[static_cast<std::size_t>(v)];
         k < g_.xadj[static_cast<std::size_t>(v) + 1]; ++k) {
      int q = part_[static_cast<std::size_t>(g_.adjncy[static_cast<std::size_t>(k)])];
      if (weight_to_[static_cast<std::size_t>(q)] == 0) touched_.push_back(q);
      weight_to_[static_cast<std::size_t>(q)] += g_.adjwgt[static_cast<std::size_t>(k)];
    }
    const long long own = weight_to_[static_cast<std::size_t>(p)];
    int best = -1;
    long long best_w = -1;
    for (int q : touched_) {
      long long w = weight_to_[static_cast<std::size_t>(q)];
      if (q != p && has_room(q, c) && (w > best_w || (w == best_w && q < best))) {
        best = q;
        best_w = w;
      }
    }
    for (int q : touched_) weight_to_[static_cast<std::size_t>(q)] = 0;
    if (best < 0 && fallback >= 0 && fallback != p) return {fallback, -own};
    if (best < 0) return {-1, 0};
    return {best, best_w - own};
  }

  void move(int v, int q) {
    int& p = part_[static_cast<std::size_t>(v)];
    --load_[static_cast<std::size_t>(p)][static_cast<std::size_t>(constraint(v))];
    ++load_[static_cast<std::size_t>(q)][static_cast<std::size_t>(constraint(v))];
    p = q;
  }

  const Graph& g_;
  Capacity cap_;
  std::vector<int> part_;
  std::vector<std::array<int, 2>> load_;
  std::vector<long long> weight_to_;
  std::vector<int> touched_;
};

// Greedy linear order of the parts (see place.hpp), as a permutation: order[k] = part.
std::vector<int> order_parts(const Graph& g, const std::vector<int>& part, int parts) {
  std::vector<std::vector<std::pair<int, long long>>> traffic(static_cast<std::size_t>(parts));
  {
    std::vector<std::vector<std::pair<int, long long>>> raw(static_cast<std::size_t>(parts));
    for (int v = 0; v < g.vertices; ++v) {
      for (idx_t k = g.xadj[static_cast<std::size_t>(v)];
           k < g.xadj[static_cast<std::size_t>(v) + 1]; ++k) {
        int a = part[static_cast<std::size_t>(v)],
            b = part[static_cast<std::size_t>(g.adjncy[static_cast<std::size_t>(k)])];
        if (a != b)
          raw[static_cast<std::size_t>(a)].emplace_back(b, g.adjwgt[static_cast<std::size_t>(k)]);
      }
    }
    for (int a = 0; a < parts; ++a) {
      auto& r = raw[static_cast<std::size_t>(a)];
      std::sort(r.begin(), r.end());
      for (auto [b, w] : r) {
        auto& t = traffic[static_cast<std::size_t>(a)];
        if (!t.empty() && t.back().first == b) {
          t.back().second += w;
        } else {
          t.emplace_back(b, w);
        }
      }
    }
  }
  std::vector<long long> total(static_cast<std::size_t>(parts), 0),
      to_placed(static_cast<std::size_t>(parts), 0), to_last(static_cast<std::size_t>(parts), 0);
  for (int a = 0; a < parts; ++a) {
    for (auto [b, w] : traffic[static_cast<std::size_t>(a)])
      total[static_cast<std::size_t>(a)] += w;
  }
  std::vector<char> placed(static_cast<std::size_t>(parts), 0);
  std::vector<int> order;
  int last = -1;
  for (int step = 0; step < parts; ++step) {
    int next = -1;
    for (int q = 0; q < parts; ++q) {
      if (placed[static_cast<std::size_t>(q)]) continue;
      if (next < 0) {
        next = q;
        continue;
      }
      auto key = [&](int x) {
        return last < 0 ? std::pair{total[static_cast<std::size_t>(x)], 0LL}
                        : std::pair{to_last[static_cast<std::size_t>(x)],
                                    to_placed[static_cast<std::size_t>(x)]};
      };
      if (key(q) > key(next)) next = q;
    }
    placed[static_cast<std::size_t>(next)] = 1;
    order.push_back(next);
    if (last >= 0) {
      for (auto [b, w] : traffic[static_cast<std::size_t>(last)])
        to_last[static_cast<std::size_t>(b)] -= w;
    }
    for (auto [b, w] : traffic[static_cast<std::size_t>(next)]) {
      to_last[static_cast<std::size_t>(b)] += w;
      to_placed[static_cast<std::size_t>(b)] += w;
    }
    last = next;
  }
  return order;
}

}  // namespace

int tiles_needed(const arch::ArchSpec& arch, const std::vector<LayerMapping>& layers) {
  const int per_tile = arch.tile.crossbars(arch.core);
  if (per_tile < 1)
    throw CompileError("arch '" + arch.name +
                       "' has tiles without crossbars (tile.cores x core.crossbars = 0)");
  long long blocks = 0, neurons = 0;
  for (const auto& l : layers) {
    blocks += physical_crossbars(l.blocks);
    neurons += l.outputs;
  }
  long long t = (blocks + per_tile - 1) / per_tile;
  if (arch.tile.neurons > 0) t = std::max(t, (neurons + arch.tile.neurons - 1) / arch.tile.neurons);
  return static_cast<int>(std::max(t, 1LL));
}

Placement place(const arch::ArchSpec& arch, std::vector<LayerMapping> layers,
                const PlaceOptions& options) {
  if (layers.empty()) throw CompileError("nothing to place: the network has no layers");
  for (std::size_t l = 1; l < layers.size(); ++l) {
    if (layers[l].inputs != layers[l - 1].outputs) {
      throw CompileError("layer " + std::to_string(l) + " has " + std::to_string(layers[l].inputs) +
                         " inputs but layer " + std::to_string(l - 1) + " has " +
                         std::to_string(layers[l - 1].outputs) + " outputs");
    }
  }
  for (std::size_t l = 0; l < layers.size(); ++l) {
    for (auto& b : layers[l].blocks) b.layer = static_cast<int>(l);
  }
  const int needed = tiles_needed(arch, layers);
  Capacity cap{arch.tile.crossbars(arch.core), arch.tile.neurons > 0 ? arch.tile.neurons : INT_MAX};
  if (arch.chip.tiles && *arch.chip.tiles < needed) {
    long long blocks = 0, neurons = 0;
    for (const auto& l : layers) {
      blocks += physical_crossbars(l.blocks);
      neurons += l.outputs;
    }
    throw CompileError(
        "the network needs " + std::to_string(needed) + " tiles (" + std::to_string(blocks) +
        " crossbars at " + std::to_string(cap.crossbars) + " per tile, " + std::to_string(neurons) +
        " neurons at " +
        (arch.tile.neurons > 0 ? std::to_string(arch.tile.neurons) : std::string("any number")) +
        " per tile) but arch '" + arch.name +
        "' has chip.tiles = " + std::to_string(*arch.chip.tiles) + "; set chip.tiles to at least " +
        std::to_string(needed) + " or to auto");
  }

  Graph g = build_graph(layers);
  const int parts = needed;
  Partition partition(g, parts, cap);
  if (parts > 1) {
    long long neurons = g.vertices - g.blocks;
    const bool limit_neurons = arch.tile.neurons > 0 && neurons > 0;
    const bool limit_blocks = g.blocks > 0;
    idx_t ncon = (limit_blocks ? 1 : 0) + (limit_neurons ? 1 : 0);
    std::vector<idx_t> vwgt;
    for (int v = 0; v < g.vertices; ++v) {
      if (limit_blocks) vwgt.push_back(g.is_block(v) ? 1 : 0);
      if (limit_neurons) vwgt.push_back(g.is_block(v) ? 0 : 1);
    }
    if (ncon == 0) {
      ncon = 1;
      vwgt.assign(static_cast<std::size_t>(g.vertices), 1);
    }
    idx_t nvtxs = g.vertices, nparts = parts, objval = 0;
    std::vector<real_t> ubvec(static_cast<std::size_t>(ncon),
                              static_cast<real_t>(options.imbalance));
    // Neurons need no balance, only to fit: let a part take up to a tile's capacity, so that METIS
    // may keep neurons with the crossbars that feed them instead of spreading them evenly over all
    // tiles (which made every crossbar send its partial sums to several tiles).
    if (limit_neurons)
      ubvec.back() = std::max(static_cast<real_t>(options.imbalance),
                              static_cast<real_t>(static_cast<double>(cap.neurons) * parts /
                                                  static_cast<double>(neurons)));
    idx_t opts[METIS_NOPTIONS];
    METIS_SetDefaultOptions(opts);
    opts[METIS_OPTION_SEED] = static_cast<idx_t>(options.seed % 2147483647ULL);
    opts[METIS_OPTION_NUMBERING] = 0;
    std::vector<idx_t> part(static_cast<std::size_t>(g.vertices), 0);
    // METIS wants an adjacency array even without edges.
    std::vector<idx_t> adjncy = g.adjncy, adjwgt = g.adjwgt;
    if (adjncy.empty()) {
      adjncy.push_back(0);
      adjwgt.push_back(1);
    }
    std::vector<idx_t> xadj = g.xadj;
    int rc = METIS_PartGraphKway(&nvtxs, &ncon, xadj.data(), adjncy.data(), vwgt.data(), nullptr,
                                 adjwgt.data(), &nparts, nullptr, ubvec.data(), opts, &objval,
                                 part.data());
    if (rc != METIS_OK)
      throw CompileError("METIS failed to partition the placement graph (code " +
                         std::to_string(rc) + ")");
    for (int v = 0; v < g.vertices; ++v)
      partition.part()[static_cast<std::size_t>(v)] =
          static_cast<int>(part[static_cast<std::size_t>(v)]);
  }
  partition.recount();
  partition.repair();
  partition.refine(options.refine_passes);
  const std::vector<int>& part = partition.part();

  // Tiles: parts in the greedy order, on the grid in snake order; tile id = position in that order.
  const int chip_tiles = arch.chip.tiles ? *arch.chip.tiles : parts;
  auto [grid_rows, grid_cols] = arch.grid_for(chip_tiles);
  std::vector<int> order = order_parts(g, part, parts);
  std::vector<int> tile_of_part(static_cast<std::size_t>(parts));
  for (int k = 0; k < parts; ++k)
    tile_of_part[static_cast<std::size_t>(order[static_cast<std::size_t>(k)])] = k;

  Placement p;
  p.arch = arch.name;
  p.seed = options.seed;
  p.crossbar = geometry_for(arch);
  p.crossbars_per_tile = cap.crossbars;
  p.crossbars_per_core = arch.core.crossbars;
  p.neurons_per_tile = arch.tile.neurons;
  p.grid_rows = grid_rows;
  p.grid_columns = grid_cols;
  for (int t = 0; t < chip_tiles; ++t) {
    TileInfo ti;
    ti.id = t;
    ti.row = t / grid_cols;
    ti.column = (ti.row % 2 == 0) ? t % grid_cols : grid_cols - 1 - t % grid_cols;
    p.tiles.push_back(ti);
  }
  std::size_t n = 0;
  for (auto& l : layers) {
    for (std::size_t k = 0; k < l.blocks.size(); ++k, ++n) {
      CrossbarBlock& b = l.blocks[k];
      if (b.array >= 0 && b.array != static_cast<int>(k)) {  // on its array's crossbar
        const CrossbarBlock& head = l.blocks[static_cast<std::size_t>(b.array)];
        b.tile = head.tile;
        b.core = head.core;
        b.slot = head.slot;
        continue;
      }
      TileInfo& t = p.tiles[static_cast<std::size_t>(tile_of_part[static_cast<std::size_t>(
          part[static_cast<std::size_t>(g.vertex_of_block[n])])])];
      b.tile = t.id;
      b.core = t.crossbars / arch.core.crossbars;
      b.slot = t.crossbars % arch.core.crossbars;
      ++t.crossbars;
    }
  }
  for (std::size_t l = 0; l < layers.size(); ++l) {
    layers[l].output_tiles.resize(static_cast<std::size_t>(layers[l].outputs));
    for (int o = 0; o < layers[l].outputs; ++o) {
      const int vertex = g.neuron_base[l] + o;
      int tile = tile_of_part[static_cast<std::size_t>(part[static_cast<std::size_t>(vertex)])];
      layers[l].output_tiles[static_cast<std::size_t>(o)] = tile;
      ++p.tiles[static_cast<std::size_t>(tile)].neurons;
    }
  }
  for (const auto& t : p.tiles) p.stats.tiles_used += (t.crossbars > 0 || t.neurons > 0) ? 1 : 0;
  for (int a = 0; a < g.vertices; ++a) {
    for (idx_t k = g.xadj[static_cast<std::size_t>(a)]; k < g.xadj[static_cast<std::size_t>(a) + 1];
         ++k) {
      int b = static_cast<int>(g.adjncy[static_cast<std::size_t>(k)]);
      if (b < a) continue;  // each link once
      ++p.stats.links;
      const TileInfo& ta = p.tiles[static_cast<std::size_t>(
          tile_of_part[static_cast<std::size_t>(part[static_cast<std::size_t>(a)])])];
      const TileInfo& tb = p.tiles[static_cast<std::size_t>(
          tile_of_part[static_cast<std::size_t>(part[static_cast<std::size_t>(b)])])];
      if (ta.id != tb.id) {
        ++p.stats.links_between_tiles;
        p.stats.link_hops += std::abs(ta.row - tb.row) + std::abs(ta.column - tb.column);
      }
    }
  }
  p.layers = std::move(layers);
  return p;
}

}  // namespace xbar::compiler
