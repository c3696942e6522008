// Mapping convolution (and average-pooling) layers onto crossbars as kernels. A k x k x C_in kernel
// unrolls to k^2*C_in crossbar rows and C_out columns (docs/references.md §2: CNNs fully unfolded
// onto crossbars). The "kernel matrix" of a layer is that crossbar view: rows = the inputs of one
// output position (kernel rows r = (c_in*k + ky)*k + kx; for a dense layer, the input neurons),
// columns = the filters (for a dense layer, the output neurons). A KernelTiling cuts it into
// crossbar-sized tiles; compiler/structured.hpp prunes and reorders those tiles.
//
// Replicated mapping: every tile gets one crossbar block per group of output positions. The
// block's inputs are the union of the group's receptive fields (padding dropped) restricted to the
// tile's rows, its outputs the group's neurons of the tile's filters; positions are grouped
// greedily in row-major order while the union still fits the crossbar's rows and outputs. Blocks
// overlap on shared inputs, which the Placement's first-block-owns rule handles, so the golden
// model and the chip run the result unchanged.
//
// Time-multiplexed mapping (the arch's chip.conv_weights): one physical crossbar per tile, read
// once per output position. Each (tile, position) is a block of its own -- the tile's kernel rows
// at that position, its filters there -- and the blocks of one tile share one `array`, so the
// placement keeps them on one crossbar and the chip serialises their reads: kernel_copies
// crossbars instead of one per position group, position_groups (= positions) reads per timestep.
#pragma once

#include <vector>

#include "compiler/mask.hpp"
#include "compiler/placement.hpp"
#include "workloads/snn.hpp"

namespace xbar::compiler {

struct KernelTile {
  std::vector<int> rows;     // kernel rows (<= crossbar rows)
  std::vector<int> columns;  // filters / output neurons (<= outputs per crossbar)
};

struct KernelTiling {
  int rows = 0, columns = 0;  // size of the kernel matrix
  std::vector<KernelTile> tiles;
};

// Consecutive chunks of g.rows kernel rows x g.outputs_per_crossbar columns, over `row_order`
// (default: 0..rows-1) and `column_order` (default: 0..columns-1); columns outer, rows inner.
KernelTiling dense_tiling(int rows, int columns, const CrossbarGeometry& g,
                          const std::vector<int>& row_order = {},
                          const std::vector<int>& column_order = {});

// Kernel-matrix size of a spiking layer: (kernel_rows, out_channels) for conv and pooling,
// (inputs, outputs) for dense.
std::pair<int, int> kernel_matrix_size(const workloads::LayerStructure& s);

struct StructuredLayerMapping {
  LayerMapping mapping;
  const char* scheme = "dense";  // "replicated" or "time_multiplexed" for conv/pool layers
  int kernel_copies = 0;         // tiles: crossbars when one copy is time-multiplexed
  int position_groups = 0;       // position groups per tile (max); time-multiplexed: positions,
                                 // the reads of each array per timestep
};

// The blocks of layer `layer` (`c` = its connectivity, outputs x inputs, from the spiking layer's
// weights), replicated or time-multiplexed over the output positions. Blocks that own no synapse
// of `c` are left out; statistics are filled (update_stats).
StructuredLayerMapping map_structured(int layer, const workloads::LayerStructure& s, const Mask& c,
                                      const KernelTiling& tiling, const CrossbarGeometry& g,
                                      bool time_multiplexed = false);

// Every layer of a spiking network with its dense tiling (the unpruned reference mapping).
std::vector<StructuredLayerMapping> map_spiking_network(const workloads::SpikingNetwork& snn,
                                                        const CrossbarGeometry& g,
                                                        bool time_multiplexed = false);

// The layer mappings of a network with conv layers, for the Placement: the layers of
// to_snn(net) (conv, average pooling, dense; the structures need no normalisation), each with its
// dense tiling, conv and pooling layers replicated over their output positions or
// time-multiplexed.
std::vector<LayerMapping> map_cnn(const workloads::Network& net, const CrossbarGeometry& g,
                                  bool time_multiplexed = false);

}  // namespace xbar::compiler
