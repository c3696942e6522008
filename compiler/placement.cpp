#include "compiler/placement.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "config/files.hpp"

namespace xbar::compiler {

using Json = nlohmann::ordered_json;

CrossbarGeometry make_geometry(int rows, int columns, arch::SignedEncoding encoding,
                               int cells_per_weight) {
  CrossbarGeometry g;
  g.rows = rows;
  g.columns = columns;
  g.encoding = encoding;
  g.cells_per_weight = cells_per_weight;
  if (encoding == arch::SignedEncoding::Differential) {
    g.columns_per_output = 2 * cells_per_weight;
    g.reference_columns = 0;
    g.outputs_per_crossbar = cells_per_weight > 0 ? columns / g.columns_per_output : 0;
  } else {
    g.columns_per_output = cells_per_weight;
    g.reference_columns = 1;
    g.outputs_per_crossbar = cells_per_weight > 0 ? (columns - 1) / g.columns_per_output : 0;
  }
  if (rows < 1 || cells_per_weight < 1 || g.outputs_per_crossbar < 1) {
    throw CompileError(
        "a " + std::to_string(rows) + " x " + std::to_string(columns) + " crossbar with " +
        std::to_string(cells_per_weight) + " cells per weight (" +
        (encoding == arch::SignedEncoding::Differential ? "differential" : "offset_column") +
        ") cannot hold a single signed weight");
  }
  return g;
}

CrossbarGeometry geometry_for(const arch::ArchSpec& arch) {
  return make_geometry(arch.crossbar.rows, arch.crossbar.columns, arch.crossbar.signed_encoding,
                       arch.crossbar.cells_per_weight(arch.device.bits_per_cell));
}

const char* to_string(BlockKind k) {
  switch (k) {
    case BlockKind::Tile:
      return "tile";
    case BlockKind::Cluster:
      return "cluster";
    case BlockKind::Cover:
      return "cover";
  }
  return "?";
}
const char* to_string(MappingFlow f) {
  switch (f) {
    case MappingFlow::Dense:
      return "dense";
    case MappingFlow::Compacted:
      return "compacted";
    case MappingFlow::Clustered:
      return "clustered";
  }
  return "?";
}
const char* to_string(Cover c) {
  switch (c) {
    case Cover::None:
      return "none";
    case Cover::Greedy:
      return "greedy";
    case Cover::Compacted:
      return "compacted";
    case Cover::Best:
      return "best";
  }
  return "?";
}

int physical_crossbars(const std::vector<CrossbarBlock>& blocks) {
  int n = 0;
  for (std::size_t k = 0; k < blocks.size(); ++k)
    n += blocks[k].array < 0 || blocks[k].array == static_cast<int>(k);
  return n;
}

int Placement::crossbars() const {
  int n = 0;
  for (const auto& l : layers) n += physical_crossbars(l.blocks);
  return n;
}

namespace {

const char* encoding_name(arch::SignedEncoding e) {
  return e == arch::SignedEncoding::Differential ? "differential" : "offset_column";
}

template <typename E>
E parse_enum(const std::string& s, std::initializer_list<E> values, const char* what) {
  for (E v : values) {
    if (s == to_string(v)) return v;
  }
  throw CompileError(std::string("unknown ") + what + " '" + s + "'");
}

// One top-level key per line, and one element per line in the arrays of objects (layers, tiles,
// blocks): readable and diffable without spreading every index list over many lines.
std::string dump_placement(const Json& j) {
  std::string out = "{\n";
  bool first = true;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!first) out += ",\n";
    first = false;
    out += ' ';
    out += Json(it.key()).dump();
    out += ": ";
    const Json& v = it.value();
    if (v.is_array() && !v.empty() && v.front().is_object()) {
      out += "[\n";
      for (std::size_t k = 0; k < v.size(); ++k) {
        out += "  ";
        out += v[k].dump();
        out += k + 1 < v.size() ? ",\n" : "\n";
      }
      out += " ]";
    } else {
      out += v.dump();
    }
  }
  return out + "\n}\n";
}

}  // namespace

std::string to_json(const Placement& p) {
  Json j;
  j["format"] = "xbarsim-placement";
  j["version"] = Placement::kVersion;
  j["arch"] = p.arch;
  j["seed"] = p.seed;
  j["ownership"] =
      "first_block";  // a synapse belongs to the first block of its layer that contains it
  j["crossbar"] = {{"rows", p.crossbar.rows},
                   {"columns", p.crossbar.columns},
                   {"signed_encoding", encoding_name(p.crossbar.encoding)},
                   {"cells_per_weight", p.crossbar.cells_per_weight},
                   {"columns_per_output", p.crossbar.columns_per_output},
                   {"outputs_per_crossbar", p.crossbar.outputs_per_crossbar},
                   {"reference_columns", p.crossbar.reference_columns}};
  j["tile_capacity"] = {{"crossbars", p.crossbars_per_tile},
                        {"crossbars_per_core", p.crossbars_per_core},
                        {"neurons", p.neurons_per_tile}};
  j["grid"] = {p.grid_rows, p.grid_columns};
  Json layers = Json::array();
  for (const auto& l : p.layers) {
    const LayerStats& s = l.stats;
    layers.push_back({{"inputs", l.inputs},
                      {"outputs", l.outputs},
                      {"flow", to_string(l.flow)},
                      {"conv_weights", l.conv_weights},
                      {"cover", to_string(l.cover)},
                      {"stats",
                       {{"synapses", s.synapses},
                        {"sparsity", s.sparsity},
                        {"crossbars", s.crossbars},
                        {"utilization", s.utilization},
                        {"clusters", s.clusters},
                        {"unclustered_fraction", s.unclustered_fraction},
                        {"cluster_crossbars", s.cluster_crossbars},
                        {"cover_crossbars", s.cover_crossbars},
                        {"greedy_cover_crossbars", s.greedy_cover_crossbars},
                        {"compacted_cover_crossbars", s.compacted_cover_crossbars}}},
                      {"output_tiles", l.output_tiles}});
  }
  j["layers"] = std::move(layers);
  Json tiles = Json::array();
  for (const auto& t : p.tiles) {
    tiles.push_back({{"id", t.id},
                     {"grid", {t.row, t.column}},
                     {"crossbars", t.crossbars},
                     {"neurons", t.neurons}});
  }
  j["tiles"] = std::move(tiles);
  Json blocks = Json::array();
  for (const auto& l : p.layers) {
    for (const auto& b : l.blocks) {
      blocks.push_back(
          {{"layer", b.layer},
           {"kind", to_string(b.kind)},
           {"cluster", b.cluster},
           {"tile", b.tile},
           {"core", b.core},
           {"slot", b.slot},
           {"array", b.array},
           {"synapses", b.synapses},
           {"physical_columns", p.crossbar.physical_columns(static_cast<int>(b.outputs.size()))},
           {"rows", b.inputs},
           {"columns", b.outputs}});
    }
  }
  j["blocks"] = std::move(blocks);
  j["stats"] = {{"crossbars", p.crossbars()},
                {"tiles_used", p.stats.tiles_used},
                {"links", p.stats.links},
                {"links_between_tiles", p.stats.links_between_tiles},
                {"link_hops", p.stats.link_hops}};
  return dump_placement(j);
}

namespace {

// Reads the Placement JSON with every number checked: a value of the wrong type, or outside the
// range its field can hold (a tile of 2^40 does not silently become another tile), is an error at
// its JSON pointer ("/blocks/17/tile").
class JsonReader {
 public:
  explicit JsonReader(const Json& root) : root_(root) {}
  const Json& at(const std::string& pointer) const {
    const Json::json_pointer ptr(pointer);
    if (!root_.contains(ptr)) throw PlacementError(pointer + ": missing");
    return root_.at(ptr);
  }
  long long integer(const std::string& pointer, long long lo, long long hi) const {
    return integer_value(at(pointer), pointer, lo, hi);
  }
  int int32(const std::string& pointer, int lo = INT_MIN, int hi = INT_MAX) const {
    return static_cast<int>(integer(pointer, lo, hi));
  }
  std::vector<int> ints(const std::string& pointer, int lo, int hi) const {
    const Json& v = at(pointer);
    if (!v.is_array()) throw PlacementError(pointer + ": expected an array of integers");
    std::vector<int> out;
    out.reserve(v.size());
    for (std::size_t k = 0; k < v.size(); ++k)
      out.push_back(
          static_cast<int>(integer_value(v[k], pointer + "/" + std::to_string(k), lo, hi)));
    return out;
  }
  double number(const std::string& pointer) const {
    const Json& v = at(pointer);
    if (!v.is_number() || !std::isfinite(v.get<double>()))
      throw PlacementError(pointer + ": expected a finite number, got " + v.dump());
    return v.get<double>();
  }
  std::string string(const std::string& pointer) const {
    const Json& v = at(pointer);
    if (!v.is_string()) throw PlacementError(pointer + ": expected a string, got " + v.dump());
    return v.get<std::string>();
  }
  std::size_t array_size(const std::string& pointer) const {
    const Json& v = at(pointer);
    if (!v.is_array()) throw PlacementError(pointer + ": expected an array");
    return v.size();
  }
  bool has(const std::string& pointer) const { return root_.contains(Json::json_pointer(pointer)); }

 private:
  static long long integer_value(const Json& v, const std::string& pointer, long long lo,
                                 long long hi) {
    long long x = 0;
    if (v.is_number_unsigned()) {
      const auto u = v.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(hi)) throw out_of_range(v, pointer, lo, hi);
      x = static_cast<long long>(u);
    } else if (v.is_number_integer()) {
      x = v.get<long long>();
    } else {
      throw PlacementError(pointer + ": expected an integer, got " + v.dump());
    }
    if (x < lo || x > hi) throw out_of_range(v, pointer, lo, hi);
    return x;
  }
  static PlacementError out_of_range(const Json& v, const std::string& pointer, long long lo,
                                     long long hi) {
    return PlacementError(pointer + ": " + v.dump() + " is outside [" + std::to_string(lo) + ", " +
                          std::to_string(hi) + "]");
  }
  const Json& root_;
};

constexpr int kMaxNeurons = 1 << 26;  // per layer, far above any network xbarsim maps

}  // namespace

Placement placement_from_json(const std::string& text, const std::string& origin) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw PlacementError(origin + ": not a Placement: malformed JSON (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("format") || j["format"] != "xbarsim-placement") {
    throw PlacementError(origin + ": not a Placement file (no \"format\": \"xbarsim-placement\")");
  }
  if (!j.contains("version") || !j["version"].is_number_integer()) {
    throw PlacementError(origin + ": Placement without an integer \"version\"");
  }
  if (const long long v = j["version"].get<long long>(); v != Placement::kVersion) {
    throw PlacementError(origin + ": Placement version " + std::to_string(v) +
                         " is not supported (this xbarsim reads version " +
                         std::to_string(Placement::kVersion) + "); recompile the network");
  }
  try {
    const JsonReader r(j);
    Placement p;
    p.arch = r.string("/arch");
    p.seed = static_cast<std::uint64_t>(r.integer("/seed", 0, LLONG_MAX));
    std::string enc = r.string("/crossbar/signed_encoding");
    if (enc != "differential" && enc != "offset_column")
      throw PlacementError("/crossbar/signed_encoding: unknown signed_encoding '" + enc + "'");
    p.crossbar = make_geometry(r.int32("/crossbar/rows", 1, 1 << 16),
                               r.int32("/crossbar/columns", 1, 1 << 16),
                               enc == "differential" ? arch::SignedEncoding::Differential
                                                     : arch::SignedEncoding::OffsetColumn,
                               r.int32("/crossbar/cells_per_weight", 1, 64));
    if (p.crossbar.outputs_per_crossbar != r.int32("/crossbar/outputs_per_crossbar") ||
        p.crossbar.columns_per_output != r.int32("/crossbar/columns_per_output") ||
        p.crossbar.reference_columns != r.int32("/crossbar/reference_columns")) {
      throw PlacementError(
          "/crossbar: the crossbar's column layout does not follow from its rows, columns and "
          "encoding");
    }
    p.crossbars_per_tile = r.int32("/tile_capacity/crossbars", 1, 1 << 16);
    p.crossbars_per_core = r.int32("/tile_capacity/crossbars_per_core", 1, 1 << 16);
    p.neurons_per_tile = r.int32("/tile_capacity/neurons", 0, INT_MAX);
    if (r.array_size("/grid") != 2) throw PlacementError("/grid: expected [rows, columns]");
    p.grid_rows = r.int32("/grid/0", 1, INT_MAX);
    p.grid_columns = r.int32("/grid/1", 1, INT_MAX);
    const std::size_t layers = r.array_size("/layers");
    for (std::size_t k = 0; k < layers; ++k) {
      const std::string at = "/layers/" + std::to_string(k);
      LayerMapping m;
      m.inputs = r.int32(at + "/inputs", 1, kMaxNeurons);
      m.outputs = r.int32(at + "/outputs", 1, kMaxNeurons);
      m.flow =
          parse_enum(r.string(at + "/flow"),
                     {MappingFlow::Dense, MappingFlow::Compacted, MappingFlow::Clustered}, "flow");
      // Optional: placements written before time-multiplexed conv weights have none.
      if (r.has(at + "/conv_weights")) m.conv_weights = r.string(at + "/conv_weights");
      if (!m.conv_weights.empty() && m.conv_weights != "replicated" &&
          m.conv_weights != "time_multiplexed")
        throw PlacementError(at + "/conv_weights: unknown conv_weights '" + m.conv_weights + "'");
      m.cover = parse_enum(r.string(at + "/cover"), {Cover::None, Cover::Greedy, Cover::Compacted},
                           "cover");
      const std::string s = at + "/stats";
      m.stats.synapses = r.integer(s + "/synapses", 0, LLONG_MAX);
      m.stats.sparsity = r.number(s + "/sparsity");
      m.stats.crossbars = r.int32(s + "/crossbars", 0);
      m.stats.utilization = r.number(s + "/utilization");
      m.stats.clusters = r.int32(s + "/clusters", 0);
      m.stats.unclustered_fraction = r.number(s + "/unclustered_fraction");
      m.stats.cluster_crossbars = r.int32(s + "/cluster_crossbars", 0);
      m.stats.cover_crossbars = r.int32(s + "/cover_crossbars", 0);
      m.stats.greedy_cover_crossbars = r.int32(s + "/greedy_cover_crossbars", -1);
      m.stats.compacted_cover_crossbars = r.int32(s + "/compacted_cover_crossbars", -1);
      m.output_tiles = r.ints(at + "/output_tiles", 0, INT_MAX);
      p.layers.push_back(std::move(m));
    }
    const std::size_t tiles = r.array_size("/tiles");
    for (std::size_t k = 0; k < tiles; ++k) {
      const std::string at = "/tiles/" + std::to_string(k);
      if (r.array_size(at + "/grid") != 2)
        throw PlacementError(at + "/grid: expected [row, column]");
      p.tiles.push_back({r.int32(at + "/id", 0), r.int32(at + "/grid/0", 0),
                         r.int32(at + "/grid/1", 0), r.int32(at + "/crossbars", 0),
                         r.int32(at + "/neurons", 0)});
    }
    const std::size_t blocks = r.array_size("/blocks");
    for (std::size_t k = 0; k < blocks; ++k) {
      const std::string at = "/blocks/" + std::to_string(k);
      CrossbarBlock blk;
      blk.layer = r.int32(at + "/layer", 0, static_cast<int>(p.layers.size()) - 1);
      blk.kind = parse_enum(r.string(at + "/kind"),
                            {BlockKind::Tile, BlockKind::Cluster, BlockKind::Cover}, "block kind");
      blk.cluster = r.int32(at + "/cluster", -1);
      blk.tile = r.int32(at + "/tile", -1);
      blk.core = r.int32(at + "/core", -1);
      blk.slot = r.int32(at + "/slot", -1);
      if (r.has(at + "/array")) blk.array = r.int32(at + "/array", -1);
      blk.synapses = r.integer(at + "/synapses", 0, LLONG_MAX);
      const LayerMapping& layer = p.layers[static_cast<std::size_t>(blk.layer)];
      blk.inputs = r.ints(at + "/rows", 0, layer.inputs - 1);
      blk.outputs = r.ints(at + "/columns", 0, layer.outputs - 1);
      p.layers[static_cast<std::size_t>(blk.layer)].blocks.push_back(std::move(blk));
    }
    p.stats.tiles_used = r.int32("/stats/tiles_used", 0);
    p.stats.links = r.integer("/stats/links", 0, LLONG_MAX);
    p.stats.links_between_tiles = r.integer("/stats/links_between_tiles", 0, LLONG_MAX);
    p.stats.link_hops = r.integer("/stats/link_hops", 0, LLONG_MAX);
    validate_placement(p);
    return p;
  } catch (const Json::exception& e) {
    throw PlacementError(origin + ": malformed Placement: " + e.what());
  } catch (const CompileError& e) {
    throw PlacementError(origin + ": malformed Placement: " + e.what());
  }
}

void validate_placement(const Placement& p) {
  auto fail = [](const std::string& msg) { throw PlacementError(msg); };
  const std::string n_tiles = std::to_string(p.tiles.size());
  // The grid: positive, and no more cells than a chip may have.
  const auto cells = config::checked_product(p.grid_rows, p.grid_columns);
  if (p.grid_rows < 1 || p.grid_columns < 1 || !cells || *cells > config::limits::kGridCells)
    fail("/grid: a " + std::to_string(p.grid_rows) + " x " + std::to_string(p.grid_columns) +
         " grid; a chip has 1 to " + std::to_string(config::limits::kGridCells) + " grid cells");
  if (static_cast<std::int64_t>(p.tiles.size()) > *cells)
    fail("/tiles: " + n_tiles + " tiles do not fit on a " + std::to_string(p.grid_rows) + " x " +
         std::to_string(p.grid_columns) + " grid");
  if (p.crossbars_per_core < 1 || p.crossbars_per_tile < p.crossbars_per_core ||
      p.crossbars_per_tile % p.crossbars_per_core != 0)
    fail("/tile_capacity: " + std::to_string(p.crossbars_per_tile) +
         " crossbars per tile is not a whole number of cores of " +
         std::to_string(p.crossbars_per_core));
  const int cores = p.crossbars_per_tile / p.crossbars_per_core;
  // Tiles: numbered in order, each on its own cell of the grid.
  std::vector<int> tile_at(static_cast<std::size_t>(*cells), -1);
  for (std::size_t k = 0; k < p.tiles.size(); ++k) {
    const TileInfo& t = p.tiles[k];
    const std::string at = "/tiles/" + std::to_string(k);
    if (t.id != static_cast<int>(k))
      fail(at + "/id: tile " + std::to_string(k) + " has id " + std::to_string(t.id) +
           " (tiles are numbered 0, 1, ... in order)");
    if (t.row < 0 || t.row >= p.grid_rows || t.column < 0 || t.column >= p.grid_columns)
      fail(at + "/grid: tile " + std::to_string(k) + " at [" + std::to_string(t.row) + ", " +
           std::to_string(t.column) + "] is outside the " + std::to_string(p.grid_rows) + " x " +
           std::to_string(p.grid_columns) + " grid");
    int& cell = tile_at[static_cast<std::size_t>(t.row) * static_cast<std::size_t>(p.grid_columns) +
                        static_cast<std::size_t>(t.column)];
    if (cell >= 0)
      fail(at + "/grid: tiles " + std::to_string(cell) + " and " + std::to_string(k) +
           " are both at [" + std::to_string(t.row) + ", " + std::to_string(t.column) + "]");
    cell = static_cast<int>(k);
  }
  // Blocks: each physical crossbar on a tile, core and slot of its own; arrays share their head's.
  std::map<std::tuple<int, int, int>, std::pair<std::size_t, std::size_t>>
      owner;  // -> layer, block
  std::vector<int> crossbars_on(p.tiles.size(), 0), neurons_on(p.tiles.size(), 0);
  std::size_t index = 0;  // the block's position in the file's "blocks"
  for (std::size_t l = 0; l < p.layers.size(); ++l) {
    const LayerMapping& m = p.layers[l];
    for (std::size_t k = 0; k < m.blocks.size(); ++k, ++index) {
      const CrossbarBlock& b = m.blocks[k];
      const std::string at = "/blocks/" + std::to_string(index);
      const std::string name = "block " + std::to_string(k) + " of layer " + std::to_string(l);
      if (static_cast<int>(b.inputs.size()) > p.crossbar.rows ||
          static_cast<int>(b.outputs.size()) > p.crossbar.outputs_per_crossbar)
        fail(at + ": " + name + " has " + std::to_string(b.inputs.size()) + " rows and " +
             std::to_string(b.outputs.size()) + " columns, more than the crossbar holds");
      for (const auto* list : {&b.inputs, &b.outputs}) {
        std::vector<int> sorted = *list;
        std::sort(sorted.begin(), sorted.end());
        if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
          fail(at + (list == &b.inputs ? "/rows" : "/columns") + ": " + name + " names neuron " +
               std::to_string(*std::adjacent_find(sorted.begin(), sorted.end())) + " twice");
      }
      if (b.tile < 0 || b.tile >= static_cast<int>(p.tiles.size()))
        fail(at + "/tile: " + name + " is on tile " + std::to_string(b.tile) + " of " + n_tiles);
      if (b.core < 0 || b.core >= cores)
        fail(at + "/core: " + name + " is on core " + std::to_string(b.core) + " of a tile with " +
             std::to_string(cores) + " core" + (cores == 1 ? "" : "s"));
      if (b.slot < 0 || b.slot >= p.crossbars_per_core)
        fail(at + "/slot: " + name + " is in slot " + std::to_string(b.slot) + " of a core with " +
             std::to_string(p.crossbars_per_core) + " crossbars");
      const int a = b.array;
      if (a >= 0) {
        const CrossbarBlock& head = m.blocks[std::min(static_cast<std::size_t>(a), k)];
        if (static_cast<std::size_t>(a) > k || head.array != a || head.tile != b.tile ||
            head.core != b.core || head.slot != b.slot)
          fail(at + "/array: " + name + " shares array " + std::to_string(a) +
               ", which is not an earlier block of its layer heading that array on the same "
               "tile, core and slot");
        if (static_cast<std::size_t>(a) != k) continue;  // on its head's crossbar
      } else if (a < -1) {
        fail(at + "/array: " + name + " has array " + std::to_string(a));
      }
      const auto [it, fresh] = owner.try_emplace({b.tile, b.core, b.slot}, l, k);
      if (!fresh)
        fail(at + ": " + name + " and block " + std::to_string(it->second.second) + " of layer " +
             std::to_string(it->second.first) + " are both on tile " + std::to_string(b.tile) +
             ", core " + std::to_string(b.core) + ", slot " + std::to_string(b.slot));
      ++crossbars_on[static_cast<std::size_t>(b.tile)];
    }
  }
  for (std::size_t l = 0; l < p.layers.size(); ++l) {
    const LayerMapping& m = p.layers[l];
    const std::string at = "/layers/" + std::to_string(l) + "/output_tiles";
    if (static_cast<int>(m.output_tiles.size()) != m.outputs)
      fail(at + ": layer " + std::to_string(l) + " has " + std::to_string(m.outputs) +
           " outputs but " + std::to_string(m.output_tiles.size()) + " output_tiles");
    for (std::size_t o = 0; o < m.output_tiles.size(); ++o) {
      const int t = m.output_tiles[o];
      if (t < 0 || t >= static_cast<int>(p.tiles.size()))
        fail(at + "/" + std::to_string(o) + ": layer " + std::to_string(l) +
             " puts a neuron on tile " + std::to_string(t) + " of " + n_tiles);
      ++neurons_on[static_cast<std::size_t>(t)];
    }
  }
  // What each tile says it holds is what the blocks and neurons put on it, within its capacity.
  for (std::size_t k = 0; k < p.tiles.size(); ++k) {
    const TileInfo& t = p.tiles[k];
    const std::string at = "/tiles/" + std::to_string(k);
    if (t.crossbars != crossbars_on[k])
      fail(at + "/crossbars: tile " + std::to_string(k) + " says " + std::to_string(t.crossbars) +
           " crossbars, the blocks put " + std::to_string(crossbars_on[k]) + " on it");
    if (t.neurons != neurons_on[k])
      fail(at + "/neurons: tile " + std::to_string(k) + " says " + std::to_string(t.neurons) +
           " neurons, the layers put " + std::to_string(neurons_on[k]) + " on it");
    if (p.neurons_per_tile > 0 && t.neurons > p.neurons_per_tile)
      fail(at + "/neurons: tile " + std::to_string(k) + " holds " + std::to_string(t.neurons) +
           " neurons, more than its " + std::to_string(p.neurons_per_tile));
  }
}

void write_placement(const Placement& p, const std::string& path) {
  try {
    config::write_file_atomically(path, to_json(p));
  } catch (const std::runtime_error& e) {
    throw CompileError("cannot write the Placement to " + path + ": " + e.what());
  }
}

Placement read_placement(const std::string& path) {
  std::string text;
  try {
    text = config::read_file(path, config::limits::kJsonBytes, "Placement");
  } catch (const config::InputError& e) {
    throw PlacementError(e.what());
  }
  return placement_from_json(text, path);
}

}  // namespace xbar::compiler
