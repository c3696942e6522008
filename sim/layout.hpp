// Where every part of the chip sits and who talks to whom, worked out from a Placement and the
// network's weights once, as plain data: the crossbar blocks with their weights and the tiles their
// outputs go to, the partial-sum senders, the crossbars and neurons of each layer on each tile and
// the spike streams between them. sim::Chip runs over it; it is built and tested without SystemC.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "compiler/placement.hpp"

namespace xbar::sim {

struct ChipLayout {
  // One block of a layer's weight matrix programmed on one crossbar.
  struct MappedBlock {
    int layer = 0;
    int index = 0;  // among its layer's blocks, in Placement order (the golden model's block index)
    int tile = 0;   // NoC slot
    int crossbar = 0;  // physical crossbar: the blocks of a time-multiplexed array share one
    std::vector<int> inputs, outputs;
    Eigen::MatrixXi levels;  // inputs x outputs; a synapse is stored by the first block holding it
    std::vector<int> dest_tiles;                 // tiles owning its outputs
    std::vector<std::vector<int>> dest_outputs;  // per dest: indices into outputs
    std::vector<int> senders;                    // per dest: its tile's sender to that dest
  };
  // The crossbars of one layer on one tile whose outputs go to one destination tile share one
  // partial-sum packet per timestep: the tile's output register adds their codes as they are
  // written (ISAAC and RESPARC reduce partial sums inside the tile), and the packet leaves when the
  // last of them has converted.
  struct PartialSumSender {
    int tile = 0, layer = 0, dest = 0;
    int blocks = 0;  // crossbars contributing
    int values = 0;  // distinct outputs carried when any crossbar read something
  };
  // The crossbars of one layer held by one tile.
  struct CrossbarGroup {
    int tile = 0, layer = 0;
    std::vector<int> blocks;
    int sources = 0;  // spike packets expected per timestep
  };
  // The neurons of one layer held by one tile (one neuron core).
  struct NeuronGroup {
    int tile = 0, layer = 0;
    std::vector<int> neurons;      // global indices, ascending
    int expected = 0;              // partial-sum packets per timestep
    std::vector<int> spike_dests;  // tiles holding crossbars of the next layer fed by these neurons
  };

  int layers = 0;
  int slots = 0;  // NoC slots: grid_rows x grid_columns
  int grid_rows = 1, grid_columns = 1;
  int crossbars = 0;   // physical crossbars
  int index_bits = 1;  // bits of a neuron index in a spike packet
  std::vector<MappedBlock> blocks;
  std::vector<PartialSumSender> senders;
  std::vector<CrossbarGroup> crossbar_groups;  // by (tile, layer), only those with crossbars
  std::vector<NeuronGroup> neuron_groups;      // by (tile, layer), only those with neurons
  std::vector<int> tiles;                      // NoC slots in use, ascending
  std::vector<std::vector<int>> local_index;   // [layer][neuron]: its place in its group's neurons

  // The group of layer l on tile s, -1 when it has none.
  int crossbar_group(int tile, int layer) const { return crossbar_group_of_[at(tile, layer)]; }
  int neuron_group(int tile, int layer) const { return neuron_group_of_[at(tile, layer)]; }

 private:
  friend ChipLayout build_layout(const compiler::Placement&,
                                 const std::vector<const Eigen::MatrixXi*>&);
  std::size_t at(int tile, int layer) const {
    return static_cast<std::size_t>(tile) * static_cast<std::size_t>(layers) +
           static_cast<std::size_t>(layer);
  }
  std::vector<int> crossbar_group_of_, neuron_group_of_;
};

// The layout of `placement` with the weight levels of each layer (outputs x inputs);
// std::invalid_argument when they disagree (sizes, or a weight that no crossbar holds).
ChipLayout build_layout(const compiler::Placement& placement,
                        const std::vector<const Eigen::MatrixXi*>& levels);

}  // namespace xbar::sim
