// The chip's layout from a placement (sim/layout.hpp). The orders here (blocks in placement order,
// senders as the blocks first name them, spike destinations by ascending tile) fix the order of
// same-cycle events in the chip, so they are part of its cycle-exact behaviour.
#include "sim/layout.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>

namespace xbar::sim {

ChipLayout build_layout(const compiler::Placement& placement,
                        const std::vector<const Eigen::MatrixXi*>& levels) {
  ChipLayout c;
  const int L = static_cast<int>(placement.layers.size());
  if (L != static_cast<int>(levels.size())) {
    throw std::invalid_argument("the placement has " + std::to_string(L) + " layers, the network " +
                                std::to_string(levels.size()));
  }
  c.layers = L;
  c.grid_rows = std::max(1, placement.grid_rows);
  c.grid_columns = std::max(1, placement.grid_columns);
  c.slots = c.grid_rows * c.grid_columns;
  std::vector<int> slot_of(placement.tiles.size());
  for (const auto& t : placement.tiles) slot_of[t.id] = t.row * c.grid_columns + t.column;
  const std::size_t cells = static_cast<std::size_t>(c.slots) * static_cast<std::size_t>(L);
  c.crossbar_group_of_.assign(cells, -1);
  c.neuron_group_of_.assign(cells, -1);
  std::set<int> used;
  // Groups are numbered in (tile, layer) order once all are known; collect them per cell first.
  std::vector<std::vector<int>> blocks_at(cells), neurons_at(cells);

  for (int l = 0; l < L; ++l) {
    const compiler::LayerMapping& m = placement.layers[l];
    const Eigen::MatrixXi& W = *levels[l];
    if (W.rows() != m.outputs || W.cols() != m.inputs) {
      throw std::invalid_argument("layer " + std::to_string(l) + ": weights are " +
                                  std::to_string(W.rows()) + "x" + std::to_string(W.cols()) +
                                  ", the placement maps " + std::to_string(m.outputs) + "x" +
                                  std::to_string(m.inputs));
    }
    // "First block owns": a synapse is stored by the first block that contains it.
    std::vector<std::vector<char>> owned(m.outputs, std::vector<char>(m.inputs, 0));
    const int first = static_cast<int>(c.blocks.size());
    for (const auto& b : m.blocks) {
      ChipLayout::MappedBlock block;
      block.layer = l;
      block.index = static_cast<int>(&b - m.blocks.data());
      // A time-multiplexed array is one crossbar for all of its blocks: their reads take turns.
      if (b.array >= 0 && b.array != block.index)
        block.crossbar =
            c.blocks[static_cast<std::size_t>(first) + static_cast<std::size_t>(b.array)].crossbar;
      else
        block.crossbar = c.crossbars++;
      block.tile = slot_of.at(b.tile);
      block.inputs = b.inputs;
      block.outputs = b.outputs;
      block.levels = Eigen::MatrixXi::Zero(static_cast<Eigen::Index>(b.inputs.size()),
                                           static_cast<Eigen::Index>(b.outputs.size()));
      for (size_t k = 0; k < b.outputs.size(); ++k)
        for (size_t r = 0; r < b.inputs.size(); ++r) {
          char& o = owned[b.outputs[k]][b.inputs[r]];
          if (!o) {
            o = 1;
            block.levels(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(k)) =
                W(b.outputs[k], b.inputs[r]);
          }
        }
      for (size_t k = 0; k < b.outputs.size(); ++k) {
        const int dest = slot_of.at(m.output_tiles.at(b.outputs[k]));
        auto it = std::find(block.dest_tiles.begin(), block.dest_tiles.end(), dest);
        if (it == block.dest_tiles.end()) {
          block.dest_tiles.push_back(dest);
          block.dest_outputs.emplace_back();
          it = block.dest_tiles.end() - 1;
        }
        block.dest_outputs[it - block.dest_tiles.begin()].push_back(static_cast<int>(k));
      }
      blocks_at[c.at(block.tile, l)].push_back(static_cast<int>(c.blocks.size()));
      used.insert(block.tile);
      c.blocks.push_back(std::move(block));
    }
    for (int o = 0; o < m.outputs; ++o)
      for (int i = 0; i < m.inputs; ++i)
        if (W(o, i) != 0 && !owned[o][i]) {
          throw std::invalid_argument("layer " + std::to_string(l) + ": synapse " +
                                      std::to_string(i) + "->" + std::to_string(o) +
                                      " has a weight but no crossbar in the placement");
        }
    // Neuron cores: the outputs of layer l, grouped by tile.
    for (int o = 0; o < m.outputs; ++o) {
      const int slot = slot_of.at(m.output_tiles.at(o));
      neurons_at[c.at(slot, l)].push_back(o);
      used.insert(slot);
    }
  }
  c.local_index.resize(L);
  for (int l = 0; l < L; ++l) c.local_index[l].assign(placement.layers[l].outputs, -1);
  for (int s = 0; s < c.slots; ++s)
    for (int l = 0; l < L; ++l) {
      const std::size_t cell = c.at(s, l);
      if (!blocks_at[cell].empty()) {
        c.crossbar_group_of_[cell] = static_cast<int>(c.crossbar_groups.size());
        c.crossbar_groups.push_back({s, l, std::move(blocks_at[cell]), 0});
      }
      if (!neurons_at[cell].empty()) {
        c.neuron_group_of_[cell] = static_cast<int>(c.neuron_groups.size());
        ChipLayout::NeuronGroup g;
        g.tile = s;
        g.layer = l;
        g.neurons = std::move(neurons_at[cell]);
        for (size_t i = 0; i < g.neurons.size(); ++i)
          c.local_index[l][g.neurons[i]] = static_cast<int>(i);
        c.neuron_groups.push_back(std::move(g));
      }
    }
  // One sender per (tile, layer, destination tile); the destination's core expects one packet from
  // each per timestep.
  std::map<std::tuple<int, int, int>, int> sender_of;
  std::vector<std::set<int>> sender_outputs;
  for (auto& b : c.blocks) {
    for (size_t d = 0; d < b.dest_tiles.size(); ++d) {
      auto [it, fresh] = sender_of.try_emplace({b.tile, b.layer, b.dest_tiles[d]},
                                               static_cast<int>(c.senders.size()));
      if (fresh) {
        c.senders.push_back({b.tile, b.layer, b.dest_tiles[d], 0, 0});
        sender_outputs.emplace_back();
        ++c.neuron_groups[c.neuron_group(b.dest_tiles[d], b.layer)].expected;
      }
      ++c.senders[it->second].blocks;
      for (int k : b.dest_outputs[d]) sender_outputs[it->second].insert(b.outputs[k]);
      b.senders.push_back(it->second);
    }
  }
  for (size_t i = 0; i < c.senders.size(); ++i)
    c.senders[i].values = static_cast<int>(sender_outputs[i].size());
  // Spike streams: a tile holding crossbars of layer l hears from every tile holding a neuron
  // (of layer l - 1) that drives one of its rows; layer 0 hears from the input port.
  for (auto& g : c.crossbar_groups) {
    if (g.layer == 0) {
      g.sources = 1;
      continue;
    }
    std::set<int> sources;
    for (int b : g.blocks)
      for (int n : c.blocks[b].inputs)
        sources.insert(slot_of.at(placement.layers[g.layer - 1].output_tiles.at(n)));
    g.sources = static_cast<int>(sources.size());
    for (int src : sources)
      c.neuron_groups[c.neuron_group(src, g.layer - 1)].spike_dests.push_back(g.tile);
  }
  c.tiles.assign(used.begin(), used.end());
  int max_neurons = 1;
  for (const auto& m : placement.layers) max_neurons = std::max({max_neurons, m.inputs, m.outputs});
  c.index_bits = std::max(1, static_cast<int>(std::ceil(std::log2(max_neurons))));
  return c;
}

}  // namespace xbar::sim
