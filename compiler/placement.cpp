#include "compiler/placement.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

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

Placement placement_from_json(const std::string& text, const std::string& origin) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw CompileError(origin + ": not a Placement: malformed JSON (" + e.what() + ")");
  }
  if (!j.is_object() || !j.contains("format") || j["format"] != "xbarsim-placement") {
    throw CompileError(origin + ": not a Placement file (no \"format\": \"xbarsim-placement\")");
  }
  if (!j.contains("version") || !j["version"].is_number_integer()) {
    throw CompileError(origin + ": Placement without an integer \"version\"");
  }
  if (int v = j["version"].get<int>(); v != Placement::kVersion) {
    throw CompileError(origin + ": Placement version " + std::to_string(v) +
                       " is not supported (this xbarsim reads version " +
                       std::to_string(Placement::kVersion) + "); recompile the network");
  }
  try {
    Placement p;
    p.arch = j.at("arch").get<std::string>();
    p.seed = j.at("seed").get<std::uint64_t>();
    const Json& x = j.at("crossbar");
    std::string enc = x.at("signed_encoding").get<std::string>();
    if (enc != "differential" && enc != "offset_column")
      throw CompileError("unknown signed_encoding '" + enc + "'");
    p.crossbar = make_geometry(x.at("rows").get<int>(), x.at("columns").get<int>(),
                               enc == "differential" ? arch::SignedEncoding::Differential
                                                     : arch::SignedEncoding::OffsetColumn,
                               x.at("cells_per_weight").get<int>());
    if (p.crossbar.outputs_per_crossbar != x.at("outputs_per_crossbar").get<int>() ||
        p.crossbar.columns_per_output != x.at("columns_per_output").get<int>() ||
        p.crossbar.reference_columns != x.at("reference_columns").get<int>()) {
      throw CompileError(
          "the crossbar's column layout does not follow from its rows, columns and encoding");
    }
    const Json& cap = j.at("tile_capacity");
    p.crossbars_per_tile = cap.at("crossbars").get<int>();
    p.crossbars_per_core = cap.at("crossbars_per_core").get<int>();
    p.neurons_per_tile = cap.at("neurons").get<int>();
    p.grid_rows = j.at("grid").at(0).get<int>();
    p.grid_columns = j.at("grid").at(1).get<int>();
    for (const Json& l : j.at("layers")) {
      LayerMapping m;
      m.inputs = l.at("inputs").get<int>();
      m.outputs = l.at("outputs").get<int>();
      m.flow =
          parse_enum(l.at("flow").get<std::string>(),
                     {MappingFlow::Dense, MappingFlow::Compacted, MappingFlow::Clustered}, "flow");
      // Optional: placements written before time-multiplexed conv weights have none.
      if (l.contains("conv_weights")) m.conv_weights = l.at("conv_weights").get<std::string>();
      if (!m.conv_weights.empty() && m.conv_weights != "replicated" &&
          m.conv_weights != "time_multiplexed")
        throw CompileError("unknown conv_weights '" + m.conv_weights + "'");
      m.cover = parse_enum(l.at("cover").get<std::string>(),
                           {Cover::None, Cover::Greedy, Cover::Compacted}, "cover");
      const Json& s = l.at("stats");
      m.stats.synapses = s.at("synapses").get<long long>();
      m.stats.sparsity = s.at("sparsity").get<double>();
      m.stats.crossbars = s.at("crossbars").get<int>();
      m.stats.utilization = s.at("utilization").get<double>();
      m.stats.clusters = s.at("clusters").get<int>();
      m.stats.unclustered_fraction = s.at("unclustered_fraction").get<double>();
      m.stats.cluster_crossbars = s.at("cluster_crossbars").get<int>();
      m.stats.cover_crossbars = s.at("cover_crossbars").get<int>();
      m.stats.greedy_cover_crossbars = s.at("greedy_cover_crossbars").get<int>();
      m.stats.compacted_cover_crossbars = s.at("compacted_cover_crossbars").get<int>();
      m.output_tiles = l.at("output_tiles").get<std::vector<int>>();
      p.layers.push_back(std::move(m));
    }
    for (const Json& t : j.at("tiles")) {
      p.tiles.push_back({t.at("id").get<int>(), t.at("grid").at(0).get<int>(),
                         t.at("grid").at(1).get<int>(), t.at("crossbars").get<int>(),
                         t.at("neurons").get<int>()});
    }
    for (const Json& b : j.at("blocks")) {
      CrossbarBlock blk;
      blk.layer = b.at("layer").get<int>();
      if (blk.layer < 0 || blk.layer >= static_cast<int>(p.layers.size())) {
        throw CompileError("a block names layer " + std::to_string(blk.layer) + " but there are " +
                           std::to_string(p.layers.size()) + " layers");
      }
      blk.kind = parse_enum(b.at("kind").get<std::string>(),
                            {BlockKind::Tile, BlockKind::Cluster, BlockKind::Cover}, "block kind");
      blk.cluster = b.at("cluster").get<int>();
      blk.tile = b.at("tile").get<int>();
      blk.core = b.at("core").get<int>();
      blk.slot = b.at("slot").get<int>();
      if (b.contains("array")) blk.array = b.at("array").get<int>();
      blk.synapses = b.at("synapses").get<long long>();
      blk.inputs = b.at("rows").get<std::vector<int>>();
      blk.outputs = b.at("columns").get<std::vector<int>>();
      if (static_cast<int>(blk.inputs.size()) > p.crossbar.rows ||
          static_cast<int>(blk.outputs.size()) > p.crossbar.outputs_per_crossbar) {
        throw CompileError("a block of layer " + std::to_string(blk.layer) + " has " +
                           std::to_string(blk.inputs.size()) + " rows and " +
                           std::to_string(blk.outputs.size()) +
                           " columns, more than the crossbar holds");
      }
      const LayerMapping& layer = p.layers[static_cast<std::size_t>(blk.layer)];
      for (int i : blk.inputs) {
        if (i < 0 || i >= layer.inputs)
          throw CompileError("a block of layer " + std::to_string(blk.layer) + " names input " +
                             std::to_string(i) + " of " + std::to_string(layer.inputs));
      }
      for (int o : blk.outputs) {
        if (o < 0 || o >= layer.outputs)
          throw CompileError("a block of layer " + std::to_string(blk.layer) + " names output " +
                             std::to_string(o) + " of " + std::to_string(layer.outputs));
      }
      if (blk.tile < -1 || blk.tile >= static_cast<int>(p.tiles.size())) {
        throw CompileError("a block of layer " + std::to_string(blk.layer) + " is on tile " +
                           std::to_string(blk.tile) + " of " + std::to_string(p.tiles.size()));
      }
      p.layers[static_cast<std::size_t>(blk.layer)].blocks.push_back(std::move(blk));
    }
    for (std::size_t l = 0; l < p.layers.size(); ++l) {
      const LayerMapping& m = p.layers[l];
      for (std::size_t k = 0; k < m.blocks.size(); ++k) {
        const int a = m.blocks[k].array;
        if (a < 0) continue;
        const CrossbarBlock& head = m.blocks[static_cast<std::size_t>(
            std::min<std::size_t>(static_cast<std::size_t>(a), m.blocks.size() - 1))];
        if (static_cast<std::size_t>(a) > k || head.array != a || head.tile != m.blocks[k].tile ||
            head.core != m.blocks[k].core || head.slot != m.blocks[k].slot)
          throw CompileError("block " + std::to_string(k) + " of layer " + std::to_string(l) +
                             " shares array " + std::to_string(a) +
                             ", which is not an earlier block of its layer heading that array on "
                             "the same tile, core and slot");
      }
      if (!m.output_tiles.empty() && static_cast<int>(m.output_tiles.size()) != m.outputs) {
        throw CompileError("layer " + std::to_string(l) + " has " + std::to_string(m.outputs) +
                           " outputs but " + std::to_string(m.output_tiles.size()) +
                           " output_tiles");
      }
      for (int t : m.output_tiles) {
        if (t < 0 || t >= static_cast<int>(p.tiles.size()))
          throw CompileError("layer " + std::to_string(l) + " puts a neuron on tile " +
                             std::to_string(t) + " of " + std::to_string(p.tiles.size()));
      }
    }
    const Json& st = j.at("stats");
    p.stats.tiles_used = st.at("tiles_used").get<int>();
    p.stats.links = st.at("links").get<long long>();
    p.stats.links_between_tiles = st.at("links_between_tiles").get<long long>();
    p.stats.link_hops = st.at("link_hops").get<long long>();
    return p;
  } catch (const Json::exception& e) {
    throw CompileError(origin + ": malformed Placement: " + e.what());
  } catch (const CompileError& e) {
    throw CompileError(origin + ": malformed Placement: " + e.what());
  }
}

void write_placement(const Placement& p, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw CompileError("cannot write the Placement to " + path);
  out << to_json(p);
  if (!out) throw CompileError("cannot write the Placement to " + path);
}

Placement read_placement(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CompileError("cannot read the Placement file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return placement_from_json(text.str(), path);
}

}  // namespace xbar::compiler
