// The Placement: the compiler's output and the simulator's input. Crossbar blocks with the neuron
// indices on their rows and columns, the tile and position of each block and neuron, the tiles on
// the chip grid, and the mapping's statistics. Written and read as versioned JSON (version 1).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "arch/arch_spec.hpp"
#include "config/files.hpp"
#include "workloads/block.hpp"

namespace xbar::compiler {

// A compile step that cannot be done as asked (a chip too small, an inconsistent network, a
// malformed Placement file). The message says what to change.
class CompileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A Placement file (or Placement) that is not valid: bad input (config::BadInput, exit 2). The
// message names the file and the JSON pointer of the value ("/blocks/17/tile").
class PlacementError : public CompileError, public config::BadInput {
 public:
  using CompileError::CompileError;
};

// How logical weights sit on a crossbar's physical columns.
//  differential:  output k uses columns [k*2*cpw, k*2*cpw + cpw) for G+ (most significant slice
//                 first) and the next cpw columns for G-; outputs per crossbar = columns / (2*cpw).
//  offset_column: output k uses columns [k*cpw, (k+1)*cpw); one reference column per crossbar,
//                 the column right after the block's last output; outputs = (columns - 1) / cpw.
// cpw = cells per weight = ceil(weight_bits / bits_per_cell) (bit slicing).
struct CrossbarGeometry {
  int rows = 0;
  int columns = 0;  // physical
  arch::SignedEncoding encoding = arch::SignedEncoding::Differential;
  int cells_per_weight = 1;
  int columns_per_output = 2;    // physical columns per logical output
  int outputs_per_crossbar = 0;  // logical outputs (weights per row)
  int reference_columns = 0;     // per crossbar: 1 for offset_column, 0 for differential
  int weight_slots() const { return rows * outputs_per_crossbar; }
  // Physical columns a block with `outputs` logical outputs occupies (reference column included).
  int physical_columns(int outputs) const {
    return outputs * columns_per_output + (outputs > 0 ? reference_columns : 0);
  }
  // Physical column of slice `slice` (0 = most significant) of output k; negative = the G- half.
  int physical_column(int k, int slice, bool negative = false) const {
    return k * columns_per_output + (negative ? cells_per_weight : 0) + slice;
  }
  bool operator==(const CrossbarGeometry&) const = default;
};

// Throws CompileError when the crossbar cannot hold a single weight.
CrossbarGeometry geometry_for(const arch::ArchSpec& arch);
CrossbarGeometry make_geometry(int rows, int columns, arch::SignedEncoding encoding,
                               int cells_per_weight);

enum class BlockKind {
  Tile,
  Cluster,
  Cover
};  // dense/compacted tile, part of a cluster, cover of the rest
enum class MappingFlow { Dense, Compacted, Clustered };
enum class Cover { None, Greedy, Compacted, Best };  // Best: the cheaper of Greedy and Compacted

const char* to_string(BlockKind k);
const char* to_string(MappingFlow f);
const char* to_string(Cover c);

// One crossbar: the golden model's workloads::Block (row r is driven by input neuron inputs[r];
// logical column k feeds output neuron outputs[k]) plus how the compiler made it and where it sits.
// A synapse belongs to the FIRST block of its layer (in order) whose inputs and outputs contain it
// ("first block owns"); later blocks store zero in that cell. `synapses` counts the cells this
// block owns.
struct CrossbarBlock : workloads::Block {
  int layer = 0;
  BlockKind kind = BlockKind::Tile;
  int cluster = -1;  // index into the layer's clusters for Cluster blocks
  long long synapses = 0;
  int tile = -1;  // set by place()
  int core = -1;  // position in the tile: core index and crossbar slot in the core
  int slot = -1;
  // Time-multiplexed weights: blocks of a layer with the same `array` (>= 0: the index in the
  // layer of the group's first block) are one physical crossbar holding one kernel tile, read
  // for each of their output positions in turn; they share its tile, core and slot. -1: the block
  // is its own crossbar.
  int array = -1;
  bool operator==(const CrossbarBlock&) const = default;
};

// Physical crossbars of these blocks: each block without an array, plus one per shared array.
int physical_crossbars(const std::vector<CrossbarBlock>& blocks);

struct LayerStats {
  long long synapses = 0;
  double sparsity = 0;  // 1 - synapses / (inputs * outputs)
  int crossbars = 0;
  double utilization = 0;  // synapses / (crossbars * rows * outputs_per_crossbar)
  int clusters = 0;
  double unclustered_fraction = 0;  // synapses outside every cluster / synapses
  int cluster_crossbars = 0;
  int cover_crossbars = 0;          // crossbars of the cover actually used
  int greedy_cover_crossbars = -1;  // both candidates, -1 when not computed
  int compacted_cover_crossbars = -1;
  bool operator==(const LayerStats&) const = default;
};

struct LayerMapping {
  int inputs = 0;
  int outputs = 0;
  MappingFlow flow = MappingFlow::Dense;
  // Conv and pooling layers: "replicated" (a crossbar per group of output positions) or
  // "time_multiplexed" (one crossbar per kernel tile, read position by position); "" otherwise.
  std::string conv_weights;
  Cover cover = Cover::None;  // the cover used for the unclustered synapses (clustered flow)
  std::vector<CrossbarBlock> blocks;
  std::vector<int> output_tiles;  // tile of each output neuron, set by place()
  LayerStats stats;
  bool operator==(const LayerMapping&) const = default;
};

struct TileInfo {
  int id = 0;
  int row = 0, column = 0;  // position on the chip grid
  int crossbars = 0;        // blocks placed on it
  int neurons = 0;          // neurons placed on it
  bool operator==(const TileInfo&) const = default;
};

struct PlacementStats {
  int tiles_used = 0;
  long long links = 0;  // block<->neuron links (spike and partial-sum streams)
  long long links_between_tiles = 0;
  long long link_hops = 0;  // sum over links between tiles of their Manhattan distance
  bool operator==(const PlacementStats&) const = default;
};

struct Placement {
  static constexpr int kVersion = 1;
  std::string arch;
  std::uint64_t seed = 0;
  CrossbarGeometry crossbar;
  int crossbars_per_tile = 0;
  int crossbars_per_core = 0;
  int neurons_per_tile = 0;  // 0: not limited
  std::vector<LayerMapping>
      layers;  // layer l maps neurons of layer l (inputs) to layer l+1 (outputs)
  int grid_rows = 0, grid_columns = 0;
  std::vector<TileInfo> tiles;
  PlacementStats stats;
  int crossbars() const;  // physical crossbars (a time-multiplexed array counts once)
  bool operator==(const Placement&) const = default;
};

// JSON text (deterministic: same Placement, same bytes) and files.
std::string to_json(const Placement& p);
// `origin` names the source in error messages. Every number is range-checked where it is read and
// the result passes validate_placement(); PlacementError otherwise.
Placement placement_from_json(const std::string& text, const std::string& origin = "<string>");
// Throws PlacementError (its message starting with the JSON pointer of the culprit) unless the
// Placement can be simulated: a grid of 1 to config::limits::kGridCells cells, tiles numbered in
// order on cells of their own, every block placed on a tile, core and slot that exist with no two
// physical crossbars on one slot, blocks no larger than the crossbar and naming each neuron once,
// every output neuron on a tile, and each tile's crossbar and neuron counts what the blocks and
// neurons put there (within neurons_per_tile).
void validate_placement(const Placement& p);
void write_placement(const Placement& p, const std::string& path);
Placement read_placement(const std::string& path);

}  // namespace xbar::compiler
