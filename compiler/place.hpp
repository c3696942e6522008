// Tile placement: crossbar blocks and neurons onto tiles within each tile's capacity, minimising
// the spike and partial-sum streams between tiles (METIS k-way partition, then repair and greedy
// refinement), and the tiles onto the chip grid.
#pragma once

#include <cstdint>
#include <vector>

#include "arch/arch_spec.hpp"
#include "compiler/placement.hpp"

namespace xbar::compiler {

struct PlaceOptions {
  std::uint64_t seed = 1;
  int refine_passes = 4;    // greedy single-vertex move passes after the capacity repair
  double imbalance = 1.03;  // METIS load imbalance tolerance per constraint
};

// Tiles the layers need at least: max(ceil(blocks / crossbars per tile), ceil(neurons / neurons
// per tile)), neurons = the output neurons of every layer (layer 0's inputs come from off chip).
int tiles_needed(const arch::ArchSpec& arch, const std::vector<LayerMapping>& layers);

// Places the blocks and output neurons of `layers` (layer l's outputs are layer l+1's inputs) on
// tiles_needed() tiles. Throws CompileError when chip.tiles is fixed and smaller than that, naming
// the count needed, or when consecutive layers' sizes disagree.
//
// Traffic model: one link per (input neuron, block whose rows it drives) and per (block, output
// neuron its column feeds); a link between two tiles carries one stream per timestep. Vertices are
// blocks (weight 1 in the crossbar constraint) and neurons (weight 1 in the neuron constraint).
// Grid: tiles are ordered greedily (next = the unplaced tile with most links to the last one,
// ties to the most links to all placed, then lowest index) and laid on the grid in snake order
// (row 0 left to right, row 1 right to left, ...), so consecutive tiles are neighbours.
Placement place(const arch::ArchSpec& arch, std::vector<LayerMapping> layers,
                const PlaceOptions& options = {});

}  // namespace xbar::compiler
