#include "arch/arch_spec.hpp"

#include <cmath>
#include <filesystem>

namespace fs = std::filesystem;

namespace xbar::arch {

namespace {

KeySpec integer(std::string name, double min, double max, std::string doc, std::string unit = "") {
  KeySpec k{std::move(name), ValueType::Int, std::move(doc), std::move(unit)};
  k.min = min;
  k.max = max;
  return k;
}

KeySpec positive(std::string name, double max, std::string doc, std::string unit) {
  KeySpec k{std::move(name), ValueType::Float, std::move(doc), std::move(unit)};
  k.min = 0;
  k.min_exclusive = true;
  k.max = max;
  return k;
}

KeySpec choice(std::string name, std::vector<std::string> choices, std::string doc) {
  KeySpec k{std::move(name), ValueType::Enum, std::move(doc)};
  k.choices = std::move(choices);
  return k;
}

KeySpec pow2(KeySpec k) {
  k.power_of_two = true;
  return k;
}

KeySpec only(KeySpec k, std::vector<std::string> impls) {
  k.only_for = std::move(impls);
  return k;
}

KeySpec optional(KeySpec k) {
  k.required = false;
  return k;
}

KeySpec real(std::string name, double min, double max, std::string doc, std::string unit = "") {
  KeySpec k{std::move(name), ValueType::Float, std::move(doc), std::move(unit)};
  k.min = min;
  k.max = max;
  return k;
}

// Non-ideal device keys (device.impl: nonideal), all optional except the seed; each effect is off
// until its key is set. Values and sources: docs/references.md §10.
std::vector<KeySpec> nonideal_device_keys() {
  const std::vector<std::string> ni{"nonideal"};
  std::vector<KeySpec> k;
  k.push_back(only(integer("seed", 0, 9.0e15, "seed of every random device effect"), ni));
  k.push_back(only(optional(choice("programming_noise", {"none", "gaussian", "lognormal"},
                                   "programming variation (default none): G + N(0, sigma) or "
                                   "G exp(N(0, sigma))")),
                   ni));
  const char* sigma_doc =
      "programming sigma = c0 + c1 g + c2 g^2, g = G/G_on; gaussian: in units of G_on, "
      "lognormal: of ln G (default 0)";
  for (const char* c : {"programming_sigma_c0", "programming_sigma_c1", "programming_sigma_c2"})
    k.push_back(only(optional(real(c, -10, 10, sigma_doc)), ni));
  k.push_back(only(optional(real("read_noise_sigma", 0, 10,
                                 "cycle-to-cycle read noise, sigma of G per read relative to G "
                                 "(default 0)")),
                   ni));
  k.push_back(only(optional(real("drift_time_s", 0, 1e12,
                                 "read time after programming for drift G0 (t/t0)^-nu (default "
                                 "0: no drift)",
                                 "s")),
                   ni));
  k.push_back(
      only(optional(positive("drift_t0_s", 1e12, "drift reference time (default 20)", "s")), ni));
  k.push_back(
      only(optional(real("drift_nu_mean", -1, 1, "drift exponent nu, mean over devices")), ni));
  k.push_back(only(optional(real("drift_nu_std", 0, 1,
                                 "drift exponent nu, spread (sigma) between devices (default 0)")),
                   ni));
  k.push_back(only(optional(choice("drift_compensation", {"none", "global"},
                                   "global: outputs scaled by the reference / measured total "
                                   "current of the array (default none)")),
                   ni));
  k.push_back(only(optional(real("aging_cycles", 0, 1e15,
                                 "programming cycles the array has seen (default 0)", "cycles")),
                   ni));
  k.push_back(only(optional(real("aging_narrowing_per_decade", 0, 1,
                                 "conductance window lost per decade of cycles, as a fraction of "
                                 "G_on - G_off (default 0)")),
                   ni));
  k.push_back(only(
      optional(real("sa0_rate", 0, 1, "probability of a cell stuck at G_off (HRS) (default 0)")),
      ni));
  k.push_back(only(
      optional(real("sa1_rate", 0, 1, "probability of a cell stuck at G_on (LRS) (default 0)")),
      ni));
  k.push_back(only(optional(KeySpec{"fault_map", ValueType::Path,
                                    "stuck cells from a file (lines: layer block row column "
                                    "sa0|sa1), relative to this file"}),
                   ni));
  return k;
}

std::vector<SectionSpec> build_schema() {
  std::vector<SectionSpec> s;
  s.push_back({"technology",
               "process node, supply and clock, and the component library",
               "",
               {},
               {integer("node_nm", 5, 180, "process node", "nm"),
                positive("vdd_v", 5, "supply voltage", "V"),
                positive("clock_mhz", 10000,
                         "chip clock; every latency is a whole number of its cycles", "MHz"),
                KeySpec{"library", ValueType::Path,
                        "component library YAML (configs/tech/), relative to this file"}}});
  s.push_back(
      {"device",
       "the memristive cell",
       "impl",
       {{"ideal", "linear conductance levels between R_off and R_on, no non-idealities"},
        {"nonideal",
         "the same levels with device effects: programming variation, read noise, drift, "
         "aging, stuck-at faults (each off until set)"}},
       [] {
         std::vector<KeySpec> k{
             positive("r_on_ohm", 1e9, "low-resistance state", "ohm"),
             positive("r_off_ohm", 1e12, "high-resistance state", "ohm"),
             integer("bits_per_cell", 1, 8, "bits stored per cell (2^b conductance levels)"),
             positive("read_voltage_v", 5, "read voltage applied by a driven row", "V"),
             positive("read_pulse_ns", 1e6, "duration of one crossbar read", "ns")};
         for (auto& e : nonideal_device_keys()) k.push_back(std::move(e));
         return k;
       }()});
  s.push_back(
      {"crossbar",
       "one crossbar array",
       "",
       {},
       {pow2(integer("rows", 2, 4096, "word lines (inputs)")),
        pow2(integer("columns", 2, 4096, "bit lines (outputs)")),
        choice("cell", {"0t1r", "1t1r"},
               "cell type: passive (4 F^2) or with an access transistor (12 F^2)"),
        choice(
            "signed_encoding", {"differential", "offset_column"},
            "signed weights as a pair of columns (G+ - G-) or against one offset column per array"),
        integer("weight_bits", 1, 32,
                "bits of a stored weight magnitude; sliced over ceil(w/b) cells"),
        optional(choice("ir_drop", {"none", "exact", "first_order"},
                        "IR drop on the wires: none (default), exact nodal analysis, or the "
                        "first-order approximation")),
        optional(real("wordline_segment_ohm", 0, 1e6,
                      "word-line wire between neighbouring cells (default 0)", "ohm")),
        optional(real("bitline_segment_ohm", 0, 1e6,
                      "bit-line wire between neighbouring cells (default 0)", "ohm")),
        optional(real("source_ohm", 0, 1e6, "row driver output resistance (default 0)", "ohm")),
        optional(real("sink_ohm", 0, 1e6, "bit line to virtual ground (default 0)", "ohm"))}});
  s.push_back({"dac",
               "row drivers / input DACs",
               "impl",
               {{"row_driver", "1-bit driver: a spike drives its row at the read voltage"},
                {"dac", "n-bit DAC driving analogue input levels"}},
               {only(integer("bits", 2, 16, "DAC resolution"), {"dac"})}});
  s.push_back(
      {"adc",
       "column ADCs behind a column multiplexer",
       "impl",
       {{"sar", "successive approximation: one bit per cycles_per_bit cycles"},
        {"flash", "flash: a whole conversion in latency_cycles"}},
       {integer("bits", 1, 16, "resolution"),
        pow2(integer("columns_per_adc", 1, 4096, "columns sharing one ADC through a multiplexer")),
        only(integer("cycles_per_bit", 1, 64, "SAR cycles per resolved bit"), {"sar"}),
        only(integer("latency_cycles", 1, 1024, "flash conversion latency", "cycles"), {"flash"}),
        optional(real("offset_lsb", -1e6, 1e6, "input-referred offset (default 0)", "LSB")),
        optional(real("gain_error", -1, 1,
                      "gain error, fraction of the ideal transfer slope (default 0)")),
        optional(real("inl_lsb", -1e6, 1e6,
                      "integral non-linearity: peak of a sine bow over the range (default 0)",
                      "LSB"))}});
  s.push_back(
      {"neuron",
       "spiking neuron units",
       "impl",
       {{"if", "integrate-and-fire"}, {"lif", "leaky integrate-and-fire"}},
       {positive("threshold", 1e12, "firing threshold (in units of the normalised weight)", ""),
        only(
            [] {
              KeySpec k = integer("leak", 0, 1, "fraction of the potential lost per timestep");
              k.type = ValueType::Float;
              return k;
            }(),
            {"lif"}),
        choice("reset", {"subtract", "zero"},
               "after a spike: subtract the threshold, or reset to zero"),
        integer("potential_bits", 2, 32, "membrane-potential register width")}});
  s.push_back({"core",
               "a group of crossbars with its peripherals (ISAAC's IMA, RESPARC's mPE)",
               "",
               {},
               {integer("crossbars", 1, 1024, "crossbar arrays per core"),
                integer("shift_adds", 0, 1024, "shift-and-add units per core"),
                integer("input_register_bytes", 0, 1 << 30, "input register", "bytes"),
                integer("output_register_bytes", 0, 1 << 30, "output register", "bytes")}});
  s.push_back(
      {"tile",
       "a tile: cores, neurons, buffers and a network interface",
       "",
       {},
       {integer("cores", 1, 1024, "cores per tile"),
        integer("neurons", 0, 1 << 20, "neuron units per tile"),
        integer("buffer_bytes", 0, 1LL << 32, "shared tile buffer (SRAM/eDRAM)", "bytes"),
        integer("output_register_bytes", 0, 1 << 30, "tile output register", "bytes"),
        integer("shift_adds", 0, 1024, "tile-level shift-and-add units"),
        integer("activation_units", 0, 1024, "non-spiking activation units (e.g. ISAAC's sigmoid)"),
        integer("pooling_units", 0, 1024, "pooling units"),
        integer("bus_wires", 0, 1 << 16, "width of the buffer-to-core bus (0: none)")}});
  s.push_back(
      {"noc",
       "the on-chip network between tiles",
       "impl",
       {{"mesh", "2D mesh, XY routing, input-buffered routers with back-pressure"},
        {"bus", "one shared bus with round-robin arbitration"}},
       {integer("flit_bits", 8, 1024, "flit width", "bits"),
        integer("buffer_depth_flits", 1, 1024, "input buffer depth per port", "flits"),
        only(integer("router_latency_cycles", 1, 64, "router pipeline depth", "cycles"), {"mesh"}),
        only(integer("link_latency_cycles", 1, 64, "link traversal", "cycles"), {"mesh"}),
        only(integer("tiles_per_router", 1, 64, "concentration: tiles sharing one router"),
             {"mesh"}),
        only(integer("bus_latency_cycles", 1, 64, "bus transfer latency", "cycles"), {"bus"})}});
  s.push_back(
      {"chip",
       "the chip: tiles on a grid and off-chip links",
       "",
       {},
       {[] {
          KeySpec k = integer("tiles", 1, 1 << 20,
                              "tiles on the chip, or auto: as many as the network needs");
          k.type = ValueType::IntOrAuto;
          return k;
        }(),
        KeySpec{"grid", ValueType::GridOrAuto, "tile grid [rows, columns], or auto: nearly square"},
        integer("offchip_links", 0, 64, "off-chip links (e.g. ISAAC's HyperTransport)"),
        optional(choice("conv_weights", {"replicated", "time_multiplexed"},
                        "conv layers: a crossbar per group of output positions (replicated, the "
                        "default) or one per kernel tile, read position by position "
                        "(time_multiplexed)"))}});
  return s;
}

std::vector<KeySpec> build_top_level() {
  KeySpec version = integer("version", 1, 1, "schema version; this xbarsim reads version 1");
  KeySpec name{"name", ValueType::String, "short name of this chip"};
  KeySpec description{"description", ValueType::String, "one line about this chip and its sources"};
  description.required = false;
  return {version, name, description};
}

double float_or(const ConfigNode& section, const char* key, double fallback) {
  return section.find(key) ? read_float(section, key) : fallback;
}

// The optional non-ideality keys of device, crossbar and adc (validated already), with the
// relations between them.
void read_nonideal(const ConfigNode& root, ArchSpec& a, std::vector<Diagnostic>& problems) {
  const ConfigNode& d = *root.find("device");
  DeviceEffects& e = a.device.effects;
  e.enabled = a.device.impl == "nonideal";
  if (e.enabled) {
    e.seed = static_cast<std::uint64_t>(read_int(d, "seed"));
    if (const ConfigNode* p = d.find("programming_noise"))
      e.programming = p->scalar == "gaussian"    ? Variation::Gaussian
                      : p->scalar == "lognormal" ? Variation::Lognormal
                                                 : Variation::None;
    e.sigma_c0 = float_or(d, "programming_sigma_c0", 0);
    e.sigma_c1 = float_or(d, "programming_sigma_c1", 0);
    e.sigma_c2 = float_or(d, "programming_sigma_c2", 0);
    e.read_noise_sigma = float_or(d, "read_noise_sigma", 0);
    e.drift_time_s = float_or(d, "drift_time_s", 0);
    e.drift_t0_s = float_or(d, "drift_t0_s", 20);
    e.drift_nu_mean = float_or(d, "drift_nu_mean", 0);
    e.drift_nu_std = float_or(d, "drift_nu_std", 0);
    if (const ConfigNode* c = d.find("drift_compensation"))
      e.drift_compensation = c->scalar == "global";
    e.aging_cycles = float_or(d, "aging_cycles", 0);
    e.aging_narrowing_per_decade = float_or(d, "aging_narrowing_per_decade", 0);
    e.sa0_rate = float_or(d, "sa0_rate", 0);
    e.sa1_rate = float_or(d, "sa1_rate", 0);
    if (const ConfigNode* f = d.find("fault_map")) {
      fs::path p = f->scalar;
      if (p.is_relative() && f->where.file != "--set")
        p = fs::path(f->where.file).parent_path() / p;
      e.fault_map = fs::absolute(p).lexically_normal().string();
      if (!fs::exists(p))
        problems.push_back(
            {f->where, "device.fault_map",
             "fault map '" + f->scalar + "' not found (looked for " + e.fault_map + ")"});
    }
    if (e.sa0_rate + e.sa1_rate > 1)
      problems.push_back({d.find(d.find("sa1_rate") ? "sa1_rate" : "sa0_rate")->where,
                          "device.sa1_rate", "sa0_rate + sa1_rate exceeds 1"});
    if (e.programming != Variation::None && e.sigma_c0 == 0 && e.sigma_c1 == 0 && e.sigma_c2 == 0)
      problems.push_back({d.find("programming_noise")->where, "device.programming_noise",
                          "programming noise '" + d.find("programming_noise")->scalar +
                              "' needs programming_sigma_c0/c1/c2 (all are 0)"});
    if (e.drift_time_s > 0 && !d.find("drift_nu_mean"))
      problems.push_back({d.find("drift_time_s")->where, "device.drift_time_s",
                          "drift at drift_time_s needs drift_nu_mean (the drift exponent)"});
  }
  const ConfigNode& x = *root.find("crossbar");
  Crossbar& c = a.crossbar;
  if (const ConfigNode* m = x.find("ir_drop"))
    c.ir_drop = m->scalar == "exact"         ? IrDrop::Exact
                : m->scalar == "first_order" ? IrDrop::FirstOrder
                                             : IrDrop::None;
  c.wordline_segment_ohm = float_or(x, "wordline_segment_ohm", 0);
  c.bitline_segment_ohm = float_or(x, "bitline_segment_ohm", 0);
  c.source_ohm = float_or(x, "source_ohm", 0);
  c.sink_ohm = float_or(x, "sink_ohm", 0);
  const ConfigNode& adc = *root.find("adc");
  a.adc.offset_lsb = float_or(adc, "offset_lsb", 0);
  a.adc.gain_error = float_or(adc, "gain_error", 0);
  a.adc.inl_lsb = float_or(adc, "inl_lsb", 0);
}

CellType cell_of(const std::string& s) {
  return s == "0t1r" ? CellType::ZeroT1R : CellType::OneT1R;
}

}  // namespace

const std::vector<SectionSpec>& arch_schema() {
  static const std::vector<SectionSpec> schema = build_schema();
  return schema;
}

const std::vector<KeySpec>& arch_top_level_keys() {
  static const std::vector<KeySpec> keys = build_top_level();
  return keys;
}

std::pair<int, int> ArchSpec::grid_for(int tiles) const {
  if (chip.grid) return *chip.grid;
  int rows = static_cast<int>(std::floor(std::sqrt(static_cast<double>(tiles))));
  rows = std::max(rows, 1);
  int cols = (tiles + rows - 1) / rows;
  return {rows, cols};
}

ArchSpec arch_from_tree(const ConfigNode& root, const std::string& source_file) {
  std::vector<Diagnostic> problems;
  if (!root.is_map()) {
    fail(root.where.line ? root.where : Location{source_file, 0, 0}, "",
         "an arch config is a map of sections, got " + root.describe());
  }
  // Top level: version, name, description and one map per section.
  SectionSpec top{"", "", "", {}, arch_top_level_keys()};
  for (const auto& sec : arch_schema()) top.keys.push_back(KeySpec{sec.name, ValueType::Points});
  std::vector<Diagnostic> top_problems;
  for (const auto& [key, value] : root.entries) {
    (void)value;
    bool known = false;
    for (const auto& k : top.keys) known |= k.name == key;
    if (!known) {
      std::vector<std::string> valid;
      for (const auto& k : top.keys) valid.push_back(k.name);
      problems.push_back({value.key_where, key, unknown_key_message(key, valid)});
    }
  }
  for (const auto& k : arch_top_level_keys()) {
    const ConfigNode* v = root.find(k.name);
    if (!v) {
      if (k.required)
        problems.push_back({root.where, k.name, "missing required key '" + k.name + "': " + k.doc});
      continue;
    }
    size_t before = problems.size();
    validate_value(*v, k, k.name, problems);
    if (k.name == "version" && problems.size() > before) {
      problems.back().message =
          "unsupported version " + v->scalar + "; this xbarsim reads version 1";
    }
  }
  for (const auto& sec : arch_schema()) {
    const ConfigNode* v = root.find(sec.name);
    if (!v) {
      problems.push_back(
          {root.where, sec.name, "missing required section '" + sec.name + "': " + sec.doc});
      continue;
    }
    validate_section(*v, sec, sec.name, problems);
  }
  // The library path must exist, relative to the file that named it.
  std::string library;
  if (const ConfigNode* tech = root.find("technology"); tech && tech->is_map()) {
    if (const ConfigNode* lib = tech->find("library");
        lib && lib->kind == ConfigNode::Kind::Scalar) {
      fs::path p = lib->scalar;
      if (p.is_relative() && lib->where.file != "--set")
        p = fs::path(lib->where.file).parent_path() / p;
      library = p.lexically_normal().string();
      if (!fs::exists(p)) {
        problems.push_back(
            {lib->where, "technology.library",
             "component library '" + lib->scalar + "' not found (looked for " + library + ")"});
      }
    }
  }
  if (!problems.empty()) throw ConfigError(std::move(problems));

  ArchSpec a;
  a.source_file = source_file;
  a.resolved = root;
  // The resolved config must load from anywhere: name the library by its absolute path.
  a.resolved.find("technology")->find("library")->scalar =
      fs::absolute(library).lexically_normal().string();
  a.name = read_string(root, "name");
  if (root.find("description")) a.description = read_string(root, "description");
  const ConfigNode& t = *root.find("technology");
  a.technology = {static_cast<int>(read_int(t, "node_nm")), read_float(t, "vdd_v"),
                  read_float(t, "clock_mhz"), library};
  const ConfigNode& d = *root.find("device");
  a.device.impl = read_string(d, "impl");
  a.device.r_on_ohm = read_float(d, "r_on_ohm");
  a.device.r_off_ohm = read_float(d, "r_off_ohm");
  a.device.bits_per_cell = static_cast<int>(read_int(d, "bits_per_cell"));
  a.device.read_voltage_v = read_float(d, "read_voltage_v");
  a.device.read_pulse_ns = read_float(d, "read_pulse_ns");
  read_nonideal(root, a, problems);
  const ConfigNode& x = *root.find("crossbar");
  a.crossbar.rows = static_cast<int>(read_int(x, "rows"));
  a.crossbar.columns = static_cast<int>(read_int(x, "columns"));
  a.crossbar.cell = cell_of(read_string(x, "cell"));
  a.crossbar.signed_encoding = read_string(x, "signed_encoding") == "differential"
                                   ? SignedEncoding::Differential
                                   : SignedEncoding::OffsetColumn;
  a.crossbar.weight_bits = static_cast<int>(read_int(x, "weight_bits"));
  const ConfigNode& dac = *root.find("dac");
  a.dac.impl = read_string(dac, "impl");
  a.dac.bits = a.dac.impl == "dac" ? static_cast<int>(read_int(dac, "bits")) : 1;
  const ConfigNode& adc = *root.find("adc");
  a.adc.impl = read_string(adc, "impl");
  a.adc.bits = static_cast<int>(read_int(adc, "bits"));
  a.adc.columns_per_adc = static_cast<int>(read_int(adc, "columns_per_adc"));
  if (a.adc.impl == "sar") {
    a.adc.cycles_per_bit = static_cast<int>(read_int(adc, "cycles_per_bit"));
    a.adc.latency_cycles = a.adc.bits * a.adc.cycles_per_bit;
  } else {
    a.adc.latency_cycles = static_cast<int>(read_int(adc, "latency_cycles"));
  }
  const ConfigNode& n = *root.find("neuron");
  a.neuron.impl = read_string(n, "impl");
  a.neuron.threshold = read_float(n, "threshold");
  a.neuron.leak = a.neuron.impl == "lif" ? read_float(n, "leak") : 0.0;
  a.neuron.reset = read_string(n, "reset") == "zero" ? ResetMode::Zero : ResetMode::Subtract;
  a.neuron.potential_bits = static_cast<int>(read_int(n, "potential_bits"));
  const ConfigNode& c = *root.find("core");
  a.core = {static_cast<int>(read_int(c, "crossbars")), static_cast<int>(read_int(c, "shift_adds")),
            static_cast<int>(read_int(c, "input_register_bytes")),
            static_cast<int>(read_int(c, "output_register_bytes"))};
  const ConfigNode& tl = *root.find("tile");
  a.tile.cores = static_cast<int>(read_int(tl, "cores"));
  a.tile.neurons = static_cast<int>(read_int(tl, "neurons"));
  a.tile.buffer_bytes = read_int(tl, "buffer_bytes");
  a.tile.output_register_bytes = static_cast<int>(read_int(tl, "output_register_bytes"));
  a.tile.shift_adds = static_cast<int>(read_int(tl, "shift_adds"));
  a.tile.activation_units = static_cast<int>(read_int(tl, "activation_units"));
  a.tile.pooling_units = static_cast<int>(read_int(tl, "pooling_units"));
  a.tile.bus_wires = static_cast<int>(read_int(tl, "bus_wires"));
  const ConfigNode& noc = *root.find("noc");
  a.noc.impl = read_string(noc, "impl");
  a.noc.flit_bits = static_cast<int>(read_int(noc, "flit_bits"));
  a.noc.buffer_depth_flits = static_cast<int>(read_int(noc, "buffer_depth_flits"));
  if (a.noc.impl == "mesh") {
    a.noc.router_latency_cycles = static_cast<int>(read_int(noc, "router_latency_cycles"));
    a.noc.link_latency_cycles = static_cast<int>(read_int(noc, "link_latency_cycles"));
    a.noc.tiles_per_router = static_cast<int>(read_int(noc, "tiles_per_router"));
  } else {
    a.noc.bus_latency_cycles = static_cast<int>(read_int(noc, "bus_latency_cycles"));
  }
  const ConfigNode& ch = *root.find("chip");
  if (auto tiles = read_int_or_auto(ch, "tiles")) a.chip.tiles = static_cast<int>(*tiles);
  if (const ConfigNode* g = ch.find("grid"); g->kind == ConfigNode::Kind::Sequence) {
    a.chip.grid = std::pair{static_cast<int>(*parse_int(g->items[0])),
                            static_cast<int>(*parse_int(g->items[1]))};
  }
  a.chip.offchip_links = static_cast<int>(read_int(ch, "offchip_links"));
  if (ch.find("conv_weights"))
    a.chip.conv_time_multiplexed = read_string(ch, "conv_weights") == "time_multiplexed";

  // Relations between keys, each reported at the key that breaks it.
  auto where = [&](const char* section, const char* key) {
    return root.find(section)->find(key)->where;
  };
  if (a.device.r_on_ohm >= a.device.r_off_ohm) {
    problems.push_back({where("device", "r_on_ohm"), "device.r_on_ohm",
                        "R_on must be below R_off (" + d.find("r_on_ohm")->scalar +
                            " >= " + d.find("r_off_ohm")->scalar + ")"});
  }
  if (a.adc.columns_per_adc > a.crossbar.columns) {
    problems.push_back({where("adc", "columns_per_adc"), "adc.columns_per_adc",
                        "columns_per_adc " + std::to_string(a.adc.columns_per_adc) +
                            " exceeds the crossbar's " + std::to_string(a.crossbar.columns) +
                            " columns"});
  }
  if (a.crossbar.signed_encoding == SignedEncoding::Differential &&
      a.crossbar.columns < 2 * a.crossbar.cells_per_weight(a.device.bits_per_cell)) {
    problems.push_back({where("crossbar", "columns"), "crossbar.columns",
                        "too few columns to hold one differential weight of " +
                            std::to_string(a.crossbar.weight_bits) + " bits"});
  }
  if (a.chip.tiles && a.chip.grid && a.chip.grid->first * a.chip.grid->second < *a.chip.tiles) {
    problems.push_back({where("chip", "grid"), "chip.grid",
                        "a " + std::to_string(a.chip.grid->first) + "x" +
                            std::to_string(a.chip.grid->second) + " grid cannot hold " +
                            std::to_string(*a.chip.tiles) + " tiles"});
  }
  if (!problems.empty()) throw ConfigError(std::move(problems));
  if (!a.chip.tiles && a.chip.grid) a.chip.tiles = a.chip.grid->first * a.chip.grid->second;
  return a;
}

ArchSpec load_arch(const std::string& path, const std::vector<std::string>& overrides) {
  ConfigNode root = load_with_extends(path);
  apply_overrides(root, overrides);
  return arch_from_tree(root, path);
}

}  // namespace xbar::arch
