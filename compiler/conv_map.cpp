#include "compiler/conv_map.hpp"

#include <algorithm>
#include <numeric>

#include "compiler/map.hpp"

namespace xbar::compiler {

namespace wl = xbar::workloads;

KernelTiling dense_tiling(int rows, int columns, const CrossbarGeometry& g,
                          const std::vector<int>& row_order, const std::vector<int>& column_order) {
  std::vector<int> ro = row_order, co = column_order;
  if (ro.empty()) {
    ro.resize(std::size_t(rows));
    std::iota(ro.begin(), ro.end(), 0);
  }
  if (co.empty()) {
    co.resize(std::size_t(columns));
    std::iota(co.begin(), co.end(), 0);
  }
  KernelTiling t;
  t.rows = rows;
  t.columns = columns;
  const std::size_t R = std::size_t(g.rows), C = std::size_t(g.outputs_per_crossbar);
  for (std::size_t j = 0; j < co.size(); j += C)
    for (std::size_t i = 0; i < ro.size(); i += R) {
      KernelTile tile;
      tile.rows.assign(ro.begin() + std::ptrdiff_t(i),
                       ro.begin() + std::ptrdiff_t(std::min(ro.size(), i + R)));
      tile.columns.assign(co.begin() + std::ptrdiff_t(j),
                          co.begin() + std::ptrdiff_t(std::min(co.size(), j + C)));
      t.tiles.push_back(std::move(tile));
    }
  return t;
}

std::pair<int, int> kernel_matrix_size(const wl::LayerStructure& s) {
  if (s.kind == wl::LayerStructure::Kind::kDense) return {s.input.size(), s.output.size()};
  return {s.kernel_rows(), s.output.channels};
}

StructuredLayerMapping map_structured(int layer, const wl::LayerStructure& s, const Mask& c,
                                      const KernelTiling& tiling, const CrossbarGeometry& g,
                                      bool time_multiplexed) {
  StructuredLayerMapping r;
  LayerMapping& m = r.mapping;
  m.inputs = int(c.cols());
  m.outputs = int(c.rows());
  m.flow = MappingFlow::Dense;
  const auto [kr, kc] = kernel_matrix_size(s);
  if (tiling.rows != kr || tiling.columns != kc)
    throw CompileError("layer " + std::to_string(layer) + ": kernel tiling of " +
                       std::to_string(tiling.rows) + " x " + std::to_string(tiling.columns) +
                       " for a kernel matrix of " + std::to_string(kr) + " x " +
                       std::to_string(kc));
  for (const KernelTile& t : tiling.tiles)
    if (int(t.rows.size()) > g.rows || int(t.columns.size()) > g.outputs_per_crossbar)
      throw CompileError("layer " + std::to_string(layer) + ": a kernel tile of " +
                         std::to_string(t.rows.size()) + " x " + std::to_string(t.columns.size()) +
                         " does not fit a crossbar of " + std::to_string(g.rows) + " rows x " +
                         std::to_string(g.outputs_per_crossbar) + " outputs");
  r.kernel_copies = int(tiling.tiles.size());
  if (s.kind == wl::LayerStructure::Kind::kDense) {
    r.scheme = "dense";
    r.position_groups = 1;
    for (const KernelTile& t : tiling.tiles) {
      CrossbarBlock b;
      b.layer = layer;
      b.inputs = t.rows;
      b.outputs = t.columns;
      std::sort(b.inputs.begin(), b.inputs.end());
      std::sort(b.outputs.begin(), b.outputs.end());
      m.blocks.push_back(std::move(b));
    }
  } else if (time_multiplexed) {
    // One block per (tile, output position): the tile's kernel rows at that position (padding
    // rows dropped, the rest in kernel order), the tile's filters there. A tile's blocks are one
    // physical array (`array`, set below), read once per position.
    r.scheme = "time_multiplexed";
    const int P = s.positions();
    r.position_groups = P;
    for (std::size_t ti = 0; ti < tiling.tiles.size(); ++ti) {
      const KernelTile& t = tiling.tiles[ti];
      for (int p = 0; p < P; ++p) {
        CrossbarBlock b;
        b.layer = layer;
        b.cluster = int(ti);  // the tile, until arrays are numbered below
        for (int row : t.rows)
          if (const int i = wl::receptive_input(s, row, p); i >= 0) b.inputs.push_back(i);
        for (int ch : t.columns) b.outputs.push_back(ch * P + p);
        std::sort(b.outputs.begin(), b.outputs.end());
        m.blocks.push_back(std::move(b));
      }
    }
  } else {
    r.scheme = "replicated";
    const int P = s.positions();
    for (const KernelTile& t : tiling.tiles) {
      int groups = 0;
      std::vector<int> ins, outs, field;
      auto flush = [&] {
        if (outs.empty()) return;
        CrossbarBlock b;
        b.layer = layer;
        b.inputs = ins;
        b.outputs = outs;
        std::sort(b.outputs.begin(), b.outputs.end());
        m.blocks.push_back(std::move(b));
        ins.clear();
        outs.clear();
        ++groups;
      };
      for (int p = 0; p < P; ++p) {
        field.clear();
        for (int row : t.rows) {
          const int i = wl::receptive_input(s, row, p);
          if (i >= 0) field.push_back(i);
        }
        std::sort(field.begin(), field.end());
        std::vector<int> merged;
        std::set_union(ins.begin(), ins.end(), field.begin(), field.end(),
                       std::back_inserter(merged));
        if (!outs.empty() && (int(merged.size()) > g.rows ||
                              int(outs.size() + t.columns.size()) > g.outputs_per_crossbar)) {
          flush();
          merged = field;
        }
        ins = std::move(merged);
        for (int ch : t.columns) outs.push_back(ch * P + p);
      }
      flush();
      r.position_groups = std::max(r.position_groups, groups);
    }
  }
  // Blocks that own no synapse (a pruned-away tile at a position, all-padding fields) are left out.
  std::vector<int> owner = synapse_owners(c, m.blocks);
  std::vector<char> owns(m.blocks.size(), 0);
  for (int b : owner)
    if (b >= 0) owns[std::size_t(b)] = 1;
  std::vector<CrossbarBlock> kept;
  for (std::size_t b = 0; b < m.blocks.size(); ++b)
    if (owns[b]) kept.push_back(std::move(m.blocks[b]));
  m.blocks = std::move(kept);
  if (s.kind != wl::LayerStructure::Kind::kDense) m.conv_weights = r.scheme;
  if (time_multiplexed && s.kind != wl::LayerStructure::Kind::kDense) {
    // The kept blocks of each tile share the array headed by the first of them.
    std::vector<int> head(tiling.tiles.size(), -1);
    for (std::size_t k = 0; k < m.blocks.size(); ++k) {
      int& h = head[std::size_t(m.blocks[k].cluster)];
      if (h < 0) h = int(k);
      m.blocks[k].array = h;
      m.blocks[k].cluster = -1;
    }
  }
  update_stats(m, c, {}, g);
  return r;
}

std::vector<StructuredLayerMapping> map_spiking_network(const wl::SpikingNetwork& snn,
                                                        const CrossbarGeometry& g,
                                                        bool time_multiplexed) {
  std::vector<StructuredLayerMapping> v;
  for (std::size_t l = 0; l < snn.layers.size(); ++l) {
    const wl::LayerStructure& s = snn.layers[l].structure;
    const auto [kr, kc] = kernel_matrix_size(s);
    v.push_back(map_structured(int(l), s, to_mask(snn.layers[l].weights), dense_tiling(kr, kc, g),
                               g, time_multiplexed));
  }
  return v;
}

std::vector<LayerMapping> map_cnn(const wl::Network& net, const CrossbarGeometry& g,
                                  bool time_multiplexed) {
  wl::ConversionConfig none;
  none.normalisation = wl::Normalisation::kNone;  // connectivity only: no data needed
  std::vector<LayerMapping> v;
  for (StructuredLayerMapping& m :
       map_spiking_network(wl::to_snn(net, wl::Dataset{}, none), g, time_multiplexed))
    v.push_back(std::move(m.mapping));
  return v;
}

}  // namespace xbar::compiler
