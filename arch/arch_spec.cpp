#include "arch/arch_spec.hpp"

#include <cmath>
#include <filesystem>

#include "config/binding.hpp"
#include "config/registry.hpp"

namespace fs = std::filesystem;

namespace xbar::arch {

using config::ConfigNode;
using config::Diagnostic;
using config::EnumName;
using config::KeySpec;
using config::SectionBinding;
using config::ValueType;

namespace {
constexpr std::array<EnumName<DeviceModel>, 2> kDeviceModels{{
    {DeviceModel::Ideal, "ideal",
     "linear conductance levels between R_off and R_on, no non-idealities"},
    {DeviceModel::Nonideal, "nonideal",
     "the same levels with device effects: programming variation, read noise, drift, aging, "
     "stuck-at faults (each off until set)"},
}};
constexpr std::array<EnumName<CellType>, 2> kCellTypes{{
    {CellType::ZeroT1R, "0t1r", "passive cell, 4 F^2"},
    {CellType::OneT1R, "1t1r", "cell with an access transistor, 12 F^2"},
}};
constexpr std::array<EnumName<SignedEncoding>, 2> kSignedEncodings{{
    {SignedEncoding::Differential, "differential", "a pair of columns, G+ - G-"},
    {SignedEncoding::OffsetColumn, "offset_column",
     "one column per weight against an offset column"},
}};
constexpr std::array<EnumName<IrDrop>, 3> kIrDrops{{
    {IrDrop::None, "none", "ideal wires"},
    {IrDrop::Exact, "exact", "exact nodal analysis"},
    {IrDrop::FirstOrder, "first_order", "the first-order approximation"},
}};
constexpr std::array<EnumName<Variation>, 3> kVariations{{
    {Variation::None, "none", "no programming variation"},
    {Variation::Gaussian, "gaussian", "G + N(0, sigma)"},
    {Variation::Lognormal, "lognormal", "G exp(N(0, sigma))"},
}};
constexpr std::array<EnumName<DriftCompensation>, 2> kDriftCompensations{{
    {DriftCompensation::None, "none", "no compensation"},
    {DriftCompensation::Global, "global",
     "outputs scaled by the reference / measured total current of the array"},
}};
constexpr std::array<EnumName<DacKind>, 2> kDacKinds{{
    {DacKind::RowDriver, "row_driver", "1-bit driver: a spike drives its row at the read voltage"},
    {DacKind::Dac, "dac", "n-bit DAC driving analogue input levels"},
}};
constexpr std::array<EnumName<AdcKind>, 2> kAdcKinds{{
    {AdcKind::Sar, "sar", "successive approximation: one bit per cycles_per_bit cycles"},
    {AdcKind::Flash, "flash", "flash: a whole conversion in latency_cycles"},
}};
constexpr std::array<EnumName<ConvWeights>, 2> kConvWeights{{
    {ConvWeights::Replicated, "replicated", "a crossbar per group of output positions"},
    {ConvWeights::TimeMultiplexed, "time_multiplexed",
     "one crossbar per kernel tile, read position by position"},
}};
constexpr std::array<EnumName<NocEngine>, 2> kNocEngines{{
    {NocEngine::Fast, "fast",
     "packets whose resources no stepped packet uses are timed whole, the rest flit by flit; "
     "idle cycles skipped"},
    {NocEngine::Flit, "flit", "every flit stepped every cycle (the reference)"},
}};
constexpr std::array<EnumName<SpikeFormat>, 3> kSpikeFormats{{
    {SpikeFormat::AddressEvent, "address_event",
     "each spike as its neuron's index, ceil(log2 N) bits per spike"},
    {SpikeFormat::BitVector, "bit_vector", "one bit per neuron of the sending core"},
    {SpikeFormat::Cheaper, "cheaper",
     "per packet the shorter of address-event and bit vector (a header bit says which)"},
}};
}  // namespace

std::span<const EnumName<DeviceModel>> enum_names(DeviceModel) { return kDeviceModels; }
std::span<const EnumName<CellType>> enum_names(CellType) { return kCellTypes; }
std::span<const EnumName<SignedEncoding>> enum_names(SignedEncoding) { return kSignedEncodings; }
std::span<const EnumName<IrDrop>> enum_names(IrDrop) { return kIrDrops; }
std::span<const EnumName<Variation>> enum_names(Variation) { return kVariations; }
std::span<const EnumName<DriftCompensation>> enum_names(DriftCompensation) {
  return kDriftCompensations;
}
std::span<const EnumName<DacKind>> enum_names(DacKind) { return kDacKinds; }
std::span<const EnumName<AdcKind>> enum_names(AdcKind) { return kAdcKinds; }
std::span<const EnumName<ConvWeights>> enum_names(ConvWeights) { return kConvWeights; }
std::span<const EnumName<NocEngine>> enum_names(NocEngine) { return kNocEngines; }
std::span<const EnumName<SpikeFormat>> enum_names(SpikeFormat) { return kSpikeFormats; }

namespace {

// A path key: relative to the file that sets it (a --set path is taken as given).
fs::path resolve_path(const ConfigNode& n) {
  fs::path p = n.scalar;
  if (p.is_relative() && n.where.file != "--set") p = fs::path(n.where.file).parent_path() / p;
  return p.lexically_normal();
}

KeySpec path_key(std::string name, std::string doc) {
  return KeySpec(std::move(name), ValueType::Path, std::move(doc));
}

// One binding per section: the keys, their documentation, ranges, units and defaults.
struct ArchBindings {
  SectionBinding<TechnologySpec> technology{
      "technology", "process node, supply and clock, and the component library"};
  SectionBinding<DeviceSpec> device{"device", "the memristive cell"};
  SectionBinding<CrossbarSpec> crossbar{"crossbar", "one crossbar array"};
  SectionBinding<DacSpec> dac{"dac", "row drivers / input DACs"};
  SectionBinding<AdcSpec> adc{"adc", "column ADCs behind a column multiplexer"};
  SectionBinding<NeuronSpec> neuron{"neuron", "spiking neuron units"};
  SectionBinding<CoreSpec> core{
      "core", "a group of crossbars with its peripherals (ISAAC's IMA, RESPARC's mPE)"};
  SectionBinding<TileSpec> tile{"tile", "a tile: cores, neurons, buffers and a network interface"};
  SectionBinding<NocSpec> noc{"noc", "the on-chip network between tiles"};
  SectionBinding<ChipSpec> chip{"chip", "the chip: tiles on a grid and off-chip links"};
  std::vector<config::SectionSpec> schema;

  ArchBindings() {
    technology.integer("node_nm", &TechnologySpec::node_nm, 5, 180, "process node", "nm")
        .number("vdd_v", &TechnologySpec::vdd_v, 0, 5, "supply voltage", "V")
        .exclusive_min()
        .number("clock_mhz", &TechnologySpec::clock_mhz, 0, 10000,
                "chip clock; every latency is a whole number of its cycles", "MHz")
        .exclusive_min()
        .custom(
            path_key("library", "component library YAML (configs/tech/), relative to this file"),
            [](const ConfigNode& n, TechnologySpec& t) { t.library = resolve_path(n).string(); });

    const std::vector<std::string> ni{"nonideal"};
    auto effect = [](auto member) {
      return [member](DeviceSpec & d) -> auto& { return d.effects.*member; };
    };
    device.select("impl", &DeviceSpec::model)
        .number("r_on_ohm", &DeviceSpec::r_on_ohm, 0, 1e9, "low-resistance state", "ohm")
        .exclusive_min()
        .number("r_off_ohm", &DeviceSpec::r_off_ohm, 0, 1e12, "high-resistance state", "ohm")
        .exclusive_min()
        .integer("bits_per_cell", &DeviceSpec::bits_per_cell, 1, 8,
                 "bits stored per cell (2^b conductance levels)")
        .number("read_voltage_v", &DeviceSpec::read_voltage_v, 0, 5,
                "read voltage applied by a driven row", "V")
        .exclusive_min()
        .number("read_pulse_ns", &DeviceSpec::read_pulse_ns, 0, 1e6,
                "duration of one crossbar read", "ns")
        .exclusive_min()
        // Non-ideal device keys: all optional except the seed; each effect is off until its key
        // is set (docs/references.md §10).
        .integer("seed", effect(&DeviceEffects::seed), 0, 9.0e15,
                 "seed of every random device effect")
        .only(ni)
        .choice("programming_noise", effect(&DeviceEffects::programming),
                "programming variation: G + N(0, sigma) or G exp(N(0, sigma))")
        .optional()
        .only(ni);
    const char* sigma_doc =
        "programming sigma = c0 + c1 g + c2 g^2, g = G/G_on; gaussian: in units of G_on, "
        "lognormal: of ln G";
    device.number("programming_sigma_c0", effect(&DeviceEffects::sigma_c0), -10, 10, sigma_doc)
        .optional()
        .only(ni)
        .number("programming_sigma_c1", effect(&DeviceEffects::sigma_c1), -10, 10, sigma_doc)
        .optional()
        .only(ni)
        .number("programming_sigma_c2", effect(&DeviceEffects::sigma_c2), -10, 10, sigma_doc)
        .optional()
        .only(ni)
        .number("read_noise_sigma", effect(&DeviceEffects::read_noise_sigma), 0, 10,
                "cycle-to-cycle read noise, sigma of G per read relative to G")
        .optional()
        .only(ni)
        .number("drift_time_s", effect(&DeviceEffects::drift_time_s), 0, 1e12,
                "read time after programming for drift G0 (t/t0)^-nu (0: no drift)", "s")
        .optional()
        .only(ni)
        .number("drift_t0_s", effect(&DeviceEffects::drift_t0_s), 0, 1e12, "drift reference time",
                "s")
        .exclusive_min()
        .optional()
        .only(ni)
        .number("drift_nu_mean", effect(&DeviceEffects::drift_nu_mean), -1, 1,
                "drift exponent nu, mean over devices")
        .optional()
        .only(ni)
        .number("drift_nu_std", effect(&DeviceEffects::drift_nu_std), 0, 1,
                "drift exponent nu, spread (sigma) between devices")
        .optional()
        .only(ni)
        .choice("drift_compensation", effect(&DeviceEffects::drift_compensation),
                "drift compensation of the outputs")
        .optional()
        .only(ni)
        .number("aging_cycles", effect(&DeviceEffects::aging_cycles), 0, 1e15,
                "programming cycles the array has seen", "cycles")
        .optional()
        .only(ni)
        .number("aging_narrowing_per_decade", effect(&DeviceEffects::aging_narrowing_per_decade), 0,
                1, "conductance window lost per decade of cycles, as a fraction of G_on - G_off")
        .optional()
        .only(ni)
        .number("sa0_rate", effect(&DeviceEffects::sa0_rate), 0, 1,
                "probability of a cell stuck at G_off (HRS)")
        .optional()
        .only(ni)
        .number("sa1_rate", effect(&DeviceEffects::sa1_rate), 0, 1,
                "probability of a cell stuck at G_on (LRS)")
        .optional()
        .only(ni)
        .custom(
            path_key("fault_map",
                     "stuck cells from a file (lines: layer block row column sa0|sa1), relative "
                     "to this file"),
            [](const ConfigNode& n, DeviceSpec& d) {
              d.effects.fault_map = fs::absolute(resolve_path(n)).lexically_normal().string();
            })
        .optional()
        .only(ni);

    crossbar.integer("rows", &CrossbarSpec::rows, 2, 4096, "word lines (inputs)")
        .power_of_two()
        .integer("columns", &CrossbarSpec::columns, 2, 4096, "bit lines (outputs)")
        .power_of_two()
        .choice("cell", &CrossbarSpec::cell,
                "cell type: passive (4 F^2) or with an access transistor (12 F^2)")
        .choice("signed_encoding", &CrossbarSpec::signed_encoding,
                "signed weights as a pair of columns (G+ - G-) or against one offset column per "
                "array")
        .integer("weight_bits", &CrossbarSpec::weight_bits, 1, 32,
                 "bits of a stored weight magnitude; sliced over ceil(w/b) cells")
        .choice("ir_drop", &CrossbarSpec::ir_drop, "IR drop on the wires")
        .optional()
        .number("wordline_segment_ohm", &CrossbarSpec::wordline_segment_ohm, 0, 1e6,
                "word-line wire between neighbouring cells", "ohm")
        .optional()
        .number("bitline_segment_ohm", &CrossbarSpec::bitline_segment_ohm, 0, 1e6,
                "bit-line wire between neighbouring cells", "ohm")
        .optional()
        .number("source_ohm", &CrossbarSpec::source_ohm, 0, 1e6, "row driver output resistance",
                "ohm")
        .optional()
        .number("sink_ohm", &CrossbarSpec::sink_ohm, 0, 1e6, "bit line to virtual ground", "ohm")
        .optional();

    dac.select("impl", &DacSpec::kind)
        .integer("bits", &DacSpec::bits, 2, 16, "DAC resolution")
        .only({"dac"});

    adc.select("impl", &AdcSpec::kind)
        .integer("bits", &AdcSpec::bits, 1, 16, "resolution")
        .integer("columns_per_adc", &AdcSpec::columns_per_adc, 1, 4096,
                 "columns sharing one ADC through a multiplexer")
        .power_of_two()
        .integer("cycles_per_bit", &AdcSpec::cycles_per_bit, 1, 64, "SAR cycles per resolved bit")
        .only({"sar"})
        .integer("latency_cycles", &AdcSpec::latency_cycles, 1, 1024, "flash conversion latency",
                 "cycles")
        .only({"flash"})
        .number("offset_lsb", &AdcSpec::offset_lsb, -1e6, 1e6, "input-referred offset", "LSB")
        .optional()
        .number("gain_error", &AdcSpec::gain_error, -1, 1,
                "gain error, fraction of the ideal transfer slope")
        .optional()
        .number("inl_lsb", &AdcSpec::inl_lsb, -1e6, 1e6,
                "integral non-linearity: peak of a sine bow over the range", "LSB")
        .optional();

    neuron.select("impl", &NeuronSpec::model)
        .number("threshold", &NeuronSpec::threshold, 0, 1e12,
                "firing threshold (in units of the normalised weight)")
        .exclusive_min()
        .number("leak", &NeuronSpec::leak, 0, 1, "fraction of the potential lost per timestep")
        .only({"lif"})
        .choice("reset", &NeuronSpec::reset,
                "after a spike: subtract the threshold, or reset to zero")
        .integer("potential_bits", &NeuronSpec::potential_bits, 2, 32,
                 "membrane-potential register width");

    core.integer("crossbars", &CoreSpec::crossbars, 1, 1024, "crossbar arrays per core")
        .integer("shift_adds", &CoreSpec::shift_adds, 0, 1024, "shift-and-add units per core")
        .integer("input_register_bytes", &CoreSpec::input_register_bytes, 0, 1 << 30,
                 "input register", "bytes")
        .integer("output_register_bytes", &CoreSpec::output_register_bytes, 0, 1 << 30,
                 "output register", "bytes");

    tile.integer("cores", &TileSpec::cores, 1, 1024, "cores per tile")
        .integer("neurons", &TileSpec::neurons, 0, 1 << 20, "neuron units per tile")
        .integer("buffer_bytes", &TileSpec::buffer_bytes, 0, 4294967296.0,
                 "shared tile buffer (SRAM/eDRAM)", "bytes")
        .integer("output_register_bytes", &TileSpec::output_register_bytes, 0, 1 << 30,
                 "tile output register", "bytes")
        .integer("shift_adds", &TileSpec::shift_adds, 0, 1024, "tile-level shift-and-add units")
        .integer("activation_units", &TileSpec::activation_units, 0, 1024,
                 "non-spiking activation units (e.g. ISAAC's sigmoid)")
        .integer("pooling_units", &TileSpec::pooling_units, 0, 1024, "pooling units")
        .integer("bus_wires", &TileSpec::bus_wires, 0, 1 << 16,
                 "width of the buffer-to-core bus (0: none)");

    // The choices are the registered networks (arch/noc_implementation.hpp); the parameters are
    // NocSpec's fields, each marked with the networks that read it.
    noc.select_implementation("impl", &NocSpec::impl, config::implementations("noc"))
        .integer("flit_bits", &NocSpec::flit_bits, 8, 1024, "flit width", "bits")
        .integer("buffer_depth_flits", &NocSpec::buffer_depth_flits, 1, 1024,
                 "input buffer depth per port", "flits")
        .integer("router_latency_cycles", &NocSpec::router_latency_cycles, 1, 64,
                 "router pipeline depth", "cycles")
        .only({"mesh"})
        .integer("link_latency_cycles", &NocSpec::link_latency_cycles, 1, 64, "link traversal",
                 "cycles")
        .only({"mesh"})
        .integer("tiles_per_router", &NocSpec::tiles_per_router, 1, 64,
                 "concentration: tiles sharing one router")
        .only({"mesh"})
        .integer("bus_latency_cycles", &NocSpec::bus_latency_cycles, 1, 64, "bus transfer latency",
                 "cycles")
        .only({"bus"})
        .choice("engine", &NocSpec::engine,
                "how the mesh is simulated; both give the same cycle for every delivery")
        .optional()
        .only({"mesh"})
        .choice("spike_packets", &NocSpec::spike_packets,
                "how spike packets (and the input port's broadcasts) encode their spikes")
        .optional();

    KeySpec tiles("tiles", ValueType::IntOrAuto,
                  "tiles on the chip, or auto: as many as the network needs");
    tiles.min = 1;
    tiles.max = 1 << 20;
    chip.custom(tiles,
                [](const ConfigNode& n, ChipSpec& c) {
                  if (auto v = config::parse_int(n)) c.tiles = static_cast<int>(*v);
                })
        .custom(KeySpec("grid", ValueType::GridOrAuto,
                        "tile grid [rows, columns], or auto: nearly square"),
                [](const ConfigNode& n, ChipSpec& c) {
                  if (n.kind == ConfigNode::Kind::Sequence)
                    c.grid = std::pair{static_cast<int>(*config::parse_int(n.items[0])),
                                       static_cast<int>(*config::parse_int(n.items[1]))};
                })
        .integer("offchip_links", &ChipSpec::offchip_links, 0, 64,
                 "off-chip links (e.g. ISAAC's HyperTransport)")
        .choice("conv_weights", &ChipSpec::conv_weights,
                "conv layers: a crossbar per group of output positions, or one per kernel tile "
                "read position by position")
        .optional();

    schema = {technology.spec(), device.spec(), crossbar.spec(), dac.spec(), adc.spec(),
              neuron.spec(),     core.spec(),   tile.spec(),     noc.spec(), chip.spec()};
  }
};

const ArchBindings& bindings() {
  static const ArchBindings b;
  return b;
}

std::vector<KeySpec> top_level_keys() {
  KeySpec version("version", ValueType::Int, "schema version; this xbarsim reads version 1");
  version.min = version.max = 1;
  KeySpec name("name", ValueType::String, "short name of this chip");
  KeySpec description("description", ValueType::String, "one line about this chip and its sources");
  description.required = false;
  return {version, name, description};
}

// Relations between keys, each reported at the key that breaks it.
void check_relations(const ConfigNode& root, const ArchSpec& a, std::vector<Diagnostic>& problems) {
  auto at = [&](const char* section, const char* key) {
    return root.find(section)->find(key)->where;
  };
  const ConfigNode& d = *root.find("device");
  if (a.device.r_on_ohm >= a.device.r_off_ohm)
    problems.push_back({at("device", "r_on_ohm"), "device.r_on_ohm",
                        "R_on must be below R_off (" + d.find("r_on_ohm")->scalar +
                            " >= " + d.find("r_off_ohm")->scalar + ")"});
  const DeviceEffects& e = a.device.effects;
  if (e.enabled) {
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
    if (const ConfigNode* f = d.find("fault_map"); f && !fs::exists(e.fault_map))
      problems.push_back(
          {f->where, "device.fault_map",
           "fault map '" + f->scalar + "' not found (looked for " + e.fault_map + ")"});
  }
  if (const ConfigNode* lib = root.find("technology")->find("library");
      !fs::exists(a.technology.library))
    problems.push_back({lib->where, "technology.library",
                        "component library '" + lib->scalar + "' not found (looked for " +
                            a.technology.library + ")"});
  if (a.adc.columns_per_adc > a.crossbar.columns)
    problems.push_back({at("adc", "columns_per_adc"), "adc.columns_per_adc",
                        "columns_per_adc " + std::to_string(a.adc.columns_per_adc) +
                            " exceeds the crossbar's " + std::to_string(a.crossbar.columns) +
                            " columns"});
  if (a.crossbar.signed_encoding == SignedEncoding::Differential &&
      a.crossbar.columns < 2 * a.crossbar.cells_per_weight(a.device.bits_per_cell))
    problems.push_back({at("crossbar", "columns"), "crossbar.columns",
                        "too few columns to hold one differential weight of " +
                            std::to_string(a.crossbar.weight_bits) + " bits"});
  if (a.chip.tiles && a.chip.grid && a.chip.grid->first * a.chip.grid->second < *a.chip.tiles)
    problems.push_back({at("chip", "grid"), "chip.grid",
                        "a " + std::to_string(a.chip.grid->first) + "x" +
                            std::to_string(a.chip.grid->second) + " grid cannot hold " +
                            std::to_string(*a.chip.tiles) + " tiles"});
}

}  // namespace

const std::vector<config::SectionSpec>& arch_schema() { return bindings().schema; }

long long NeuronSpec::leak_q16() const {
  if (model != NeuronModel::Lif) return 65536;
  return std::lround((1.0 - leak) * 65536.0);
}

float NeuronSpec::leak_factor() const { return static_cast<float>(leak_q16()) / 65536.0f; }

std::pair<int, int> ArchSpec::grid_for(int tiles) const {
  if (chip.grid) return *chip.grid;
  int rows = static_cast<int>(std::floor(std::sqrt(static_cast<double>(tiles))));
  rows = std::max(rows, 1);
  int cols = (tiles + rows - 1) / rows;
  return {rows, cols};
}

ArchSpec arch_from_tree(const ConfigNode& root, const std::string& source_file) {
  if (!root.is_map())
    config::fail(root.where.line ? root.where : config::Location{source_file, 0, 0}, "",
                 "an arch config is a map of sections, got " + root.describe());
  std::vector<Diagnostic> problems;
  config::DocumentSpec document{top_level_keys(), {}, {}};
  for (const auto& s : arch_schema()) document.sections.push_back(&s);
  config::validate_document(root, document, problems);
  if (!problems.empty()) throw config::ConfigError(std::move(problems));

  const ArchBindings& b = bindings();
  ArchSpec a;
  a.source_file = source_file;
  a.name = config::read_string(root, "name");
  if (root.find("description")) a.description = config::read_string(root, "description");
  b.technology.read(*root.find("technology"), a.technology);
  b.device.read(*root.find("device"), a.device);
  a.device.effects.enabled = a.device.model == DeviceModel::Nonideal;
  b.crossbar.read(*root.find("crossbar"), a.crossbar);
  b.dac.read(*root.find("dac"), a.dac);
  b.adc.read(*root.find("adc"), a.adc);
  if (a.adc.kind == AdcKind::Sar) a.adc.latency_cycles = a.adc.bits * a.adc.cycles_per_bit;
  b.neuron.read(*root.find("neuron"), a.neuron);
  b.core.read(*root.find("core"), a.core);
  b.tile.read(*root.find("tile"), a.tile);
  b.noc.read(*root.find("noc"), a.noc);
  b.chip.read(*root.find("chip"), a.chip);
  check_relations(root, a, problems);
  if (!problems.empty()) throw config::ConfigError(std::move(problems));
  if (!a.chip.tiles && a.chip.grid) a.chip.tiles = a.chip.grid->first * a.chip.grid->second;
  // The resolved config must load from anywhere: name the library by its absolute path.
  a.resolved = root;
  a.resolved.find("technology")->find("library")->scalar =
      fs::absolute(a.technology.library).lexically_normal().string();
  return a;
}

ArchSpec load_arch(const std::string& path, const std::vector<std::string>& overrides) {
  ConfigNode root = config::load_with_extends(path);
  config::apply_overrides(root, overrides);
  return arch_from_tree(root, path);
}

}  // namespace xbar::arch
