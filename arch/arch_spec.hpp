// ArchSpec: the chip, as a validated, typed value. Loaded from a version-1 arch YAML (with its
// extends: chain and --set overrides); every model and pass gets its parameters from here. Each
// section's keys are declared once, in arch_spec.cpp, bound to the fields below: an optional key's
// default is the field's initial value here.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/config_tree.hpp"
#include "config/schema.hpp"
#include "config/vocabulary.hpp"

namespace xbar::arch {

using config::NeuronModel;
using config::ResetMode;

enum class DeviceModel { Ideal, Nonideal };
enum class CellType { ZeroT1R, OneT1R };
enum class SignedEncoding { Differential, OffsetColumn };
enum class IrDrop { None, Exact, FirstOrder };
enum class Variation { None, Gaussian, Lognormal };
enum class DriftCompensation { None, Global };
enum class DacKind { RowDriver, Dac };
enum class AdcKind { Sar, Flash };
// Conv and pooling layers: a crossbar per group of output positions (replicated) or one per
// kernel tile read position by position (time-multiplexed; compiler/conv_map.hpp).
enum class ConvWeights { Replicated, TimeMultiplexed };
// How the mesh is simulated: both give the same cycle for every delivery (tests/models/noc.cpp
// compares them on random traffic); flit is the plain reference, stepping every flit every cycle.
enum class NocEngine { Fast, Flit };
// How a spike packet names the spikes it carries: each spike as its neuron's index (address-event,
// ceil(log2 N) bits per spike), one bit per neuron of the sending core (bit vector), or per packet
// the shorter of the two, as spiking chips do (a header bit says which).
enum class SpikeFormat { AddressEvent, BitVector, Cheaper };

std::span<const config::EnumName<DeviceModel>> enum_names(DeviceModel);
std::span<const config::EnumName<CellType>> enum_names(CellType);
std::span<const config::EnumName<SignedEncoding>> enum_names(SignedEncoding);
std::span<const config::EnumName<IrDrop>> enum_names(IrDrop);
std::span<const config::EnumName<Variation>> enum_names(Variation);
std::span<const config::EnumName<DriftCompensation>> enum_names(DriftCompensation);
std::span<const config::EnumName<DacKind>> enum_names(DacKind);
std::span<const config::EnumName<AdcKind>> enum_names(AdcKind);
std::span<const config::EnumName<ConvWeights>> enum_names(ConvWeights);
std::span<const config::EnumName<NocEngine>> enum_names(NocEngine);
std::span<const config::EnumName<SpikeFormat>> enum_names(SpikeFormat);

struct TechnologySpec {
  int node_nm = 0;
  double vdd_v = 0;
  double clock_mhz = 0;
  std::string library;  // resolved path of the component library
  double clock_period_ns() const { return 1000.0 / clock_mhz; }
};

// Device non-idealities (device.impl: nonideal; models/device.hpp implements each). Each is off
// until its key is set; docs/references.md §10 has the sources, models/README.md "Non-ideal
// crossbars" the models.
struct DeviceEffects {
  bool enabled = false;    // device.impl == nonideal
  std::uint64_t seed = 0;  // every random effect is a stateless function of this seed
  Variation programming = Variation::None;
  double sigma_c0 = 0, sigma_c1 = 0, sigma_c2 = 0;  // sigma = c0 + c1 g + c2 g^2, g = G/G_on
  double read_noise_sigma = 0;                      // per read, relative to G
  double drift_time_s = 0;                          // 0: no drift
  double drift_t0_s = 20, drift_nu_mean = 0, drift_nu_std = 0;
  DriftCompensation drift_compensation = DriftCompensation::None;
  double aging_cycles = 0, aging_narrowing_per_decade = 0;
  double sa0_rate = 0, sa1_rate = 0;  // stuck at G_off / G_on, per cell
  std::string fault_map;              // resolved path of a fault-map file ("" = none)
};

struct DeviceSpec {
  DeviceModel model = DeviceModel::Ideal;
  double r_on_ohm = 0, r_off_ohm = 0;
  int bits_per_cell = 0;
  double read_voltage_v = 0;
  double read_pulse_ns = 0;
  DeviceEffects effects;
};

struct CrossbarSpec {
  int rows = 0, columns = 0;
  CellType cell = CellType::OneT1R;
  SignedEncoding signed_encoding = SignedEncoding::Differential;
  int weight_bits = 0;
  // IR drop (models/irdrop.hpp): parasitic resistances in ohm, used when ir_drop != None.
  IrDrop ir_drop = IrDrop::None;
  double wordline_segment_ohm = 0, bitline_segment_ohm = 0, source_ohm = 0, sink_ohm = 0;
  // Cells that store one weight's magnitude (bit slicing across columns).
  int cells_per_weight(int bits_per_cell) const {
    return (weight_bits + bits_per_cell - 1) / bits_per_cell;
  }
};

struct DacSpec {
  DacKind kind = DacKind::RowDriver;
  int bits = 1;  // a row driver is a 1-bit DAC
};

struct AdcSpec {
  AdcKind kind = AdcKind::Sar;
  int bits = 0;
  int columns_per_adc = 0;
  int cycles_per_bit = 0;  // sar
  int latency_cycles = 0;  // conversion latency: flash's key, bits x cycles_per_bit for sar
  // Converter non-idealities besides quantisation (0: ideal): offset and INL in LSB, gain as a
  // fraction (models/analog.hpp).
  double offset_lsb = 0, gain_error = 0, inl_lsb = 0;
};

struct NeuronSpec {
  NeuronModel model = NeuronModel::If;
  double threshold = 0;
  double leak = 0;  // lif: the fraction of the potential lost per timestep
  ResetMode reset = ResetMode::Subtract;
  int potential_bits = 0;
  // The leak as the hardware applies it, V <- trunc(V * leak_q16() / 2^16) once per timestep:
  // lround((1 - leak) * 2^16) for lif, 2^16 (nothing lost) for if. The one place `leak` becomes a
  // number the chip, the golden model, neuron-trace and the RTL use.
  long long leak_q16() const;
  // The same multiplier as a factor, leak_q16() / 2^16: exact in float (17 significant bits), so
  // a model that rounds factor * 2^16 back gets leak_q16() whatever its precision.
  float leak_factor() const;
};

struct CoreSpec {
  int crossbars = 0;
  int shift_adds = 0;
  int input_register_bytes = 0;
  int output_register_bytes = 0;
};

struct TileSpec {
  int cores = 0;
  int neurons = 0;
  long long buffer_bytes = 0;
  int output_register_bytes = 0;
  int shift_adds = 0;
  int activation_units = 0;
  int pooling_units = 0;
  int bus_wires = 0;
  int crossbars(const CoreSpec& core) const { return cores * core.crossbars; }
};

struct NocSpec {
  std::string impl;  // mesh | bus
  int flit_bits = 0;
  int buffer_depth_flits = 0;
  int router_latency_cycles = 0;  // mesh
  int link_latency_cycles = 0;    // mesh
  int tiles_per_router = 1;       // mesh (concentration)
  int bus_latency_cycles = 0;     // bus
  NocEngine engine = NocEngine::Fast;  // mesh
  SpikeFormat spike_packets = SpikeFormat::AddressEvent;
};

struct ChipSpec {
  std::optional<int> tiles;                 // nullopt: auto, sized by the compiled network
  std::optional<std::pair<int, int>> grid;  // nullopt: auto
  int offchip_links = 0;
  ConvWeights conv_weights = ConvWeights::Replicated;
};

struct ArchSpec {
  int version = 1;
  std::string name;
  std::string description;
  std::string source_file;
  TechnologySpec technology;
  DeviceSpec device;
  CrossbarSpec crossbar;
  DacSpec dac;
  AdcSpec adc;
  NeuronSpec neuron;
  CoreSpec core;
  TileSpec tile;
  NocSpec noc;
  ChipSpec chip;
  config::ConfigNode resolved;  // the fully merged tree, written next to results

  // Grid for a given tile count: the configured one, or the most nearly square that holds them.
  std::pair<int, int> grid_for(int tiles) const;
};

// The schema of an arch file, section by section (also what `xbarsim list` prints).
const std::vector<config::SectionSpec>& arch_schema();

// Loads, merges, overrides and validates; throws config::ConfigError listing every problem.
ArchSpec load_arch(const std::string& path, const std::vector<std::string>& overrides = {});
// Validates an already-merged tree (used by experiment files that embed an arch).
ArchSpec arch_from_tree(const config::ConfigNode& root, const std::string& source_file);

}  // namespace xbar::arch
