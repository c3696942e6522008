// ArchSpec: the chip, as a validated, typed value. Loaded from a version-1 arch YAML (with its
// extends: chain and --set overrides); every model and pass gets its parameters from here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arch/config_tree.hpp"
#include "arch/schema.hpp"

namespace xbar::arch {

enum class CellType { ZeroT1R, OneT1R };
enum class SignedEncoding { Differential, OffsetColumn };
enum class ResetMode { Subtract, Zero };

struct Technology {
  int node_nm = 0;
  double vdd_v = 0;
  double clock_mhz = 0;
  std::string library;  // resolved path of the component library
  double clock_period_ns() const { return 1000.0 / clock_mhz; }
};

// Device non-idealities (device.impl: nonideal; models/device.hpp implements each). All off by
// default; units and sources in docs/references.md §10 and docs/architecture.md "Non-ideal
// crossbars".
enum class Variation { None, Gaussian, Lognormal };
struct DeviceEffects {
  bool enabled = false;    // device.impl == nonideal
  std::uint64_t seed = 0;  // every random effect is a stateless function of this seed
  Variation programming = Variation::None;
  double sigma_c0 = 0, sigma_c1 = 0, sigma_c2 = 0;  // sigma = c0 + c1 g + c2 g^2, g = G/G_on
  double read_noise_sigma = 0;                      // per read, relative to G
  double drift_time_s = 0;                          // 0: no drift
  double drift_t0_s = 20, drift_nu_mean = 0, drift_nu_std = 0;
  bool drift_compensation = false;  // global: outputs scaled by reference / measured
  double aging_cycles = 0, aging_narrowing_per_decade = 0;
  double sa0_rate = 0, sa1_rate = 0;  // stuck at G_off / G_on, per cell
  std::string fault_map;              // resolved path of a fault-map file ("" = none)
};

struct Device {
  std::string impl;
  double r_on_ohm = 0, r_off_ohm = 0;
  int bits_per_cell = 0;
  double read_voltage_v = 0;
  double read_pulse_ns = 0;
  DeviceEffects effects;
};

enum class IrDrop { None, Exact, FirstOrder };

struct Crossbar {
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

struct Dac {
  std::string impl;  // row_driver (1-bit) | dac (n-bit)
  int bits = 1;
};

struct Adc {
  std::string impl;  // sar | flash
  int bits = 0;
  int columns_per_adc = 0;
  int cycles_per_bit = 0;  // sar
  int latency_cycles = 0;  // resolved conversion latency for every impl
  // Converter non-idealities besides quantisation (0: ideal): offset and INL in LSB, gain as a
  // fraction (models/analog.hpp).
  double offset_lsb = 0, gain_error = 0, inl_lsb = 0;
};

struct Neuron {
  std::string impl;  // if | lif
  double threshold = 0;
  double leak = 0;  // lif: fraction of the potential lost per timestep
  ResetMode reset = ResetMode::Subtract;
  int potential_bits = 0;
};

struct Core {
  int crossbars = 0;
  int shift_adds = 0;
  int input_register_bytes = 0;
  int output_register_bytes = 0;
};

struct Tile {
  int cores = 0;
  int neurons = 0;
  long long buffer_bytes = 0;
  int output_register_bytes = 0;
  int shift_adds = 0;
  int activation_units = 0;
  int pooling_units = 0;
  int bus_wires = 0;
  int crossbars(const Core& core) const { return cores * core.crossbars; }
};

struct Noc {
  std::string impl;  // mesh | bus
  int flit_bits = 0;
  int buffer_depth_flits = 0;
  int router_latency_cycles = 0;  // mesh
  int link_latency_cycles = 0;    // mesh
  int tiles_per_router = 1;       // mesh (concentration)
  int bus_latency_cycles = 0;     // bus
};

struct Chip {
  std::optional<int> tiles;                 // nullopt: auto, sized by the compiled network
  std::optional<std::pair<int, int>> grid;  // nullopt: auto
  int offchip_links = 0;
  // Conv and pooling layers time-multiplexed over their output positions (one crossbar per kernel
  // tile) instead of replicated (compiler/conv_map.hpp).
  bool conv_time_multiplexed = false;
};

struct ArchSpec {
  int version = 1;
  std::string name;
  std::string description;
  std::string source_file;
  Technology technology;
  Device device;
  Crossbar crossbar;
  Dac dac;
  Adc adc;
  Neuron neuron;
  Core core;
  Tile tile;
  Noc noc;
  Chip chip;
  ConfigNode resolved;  // the fully merged tree, written next to results

  // Grid for a given tile count: the configured one, or the most nearly square that holds them.
  std::pair<int, int> grid_for(int tiles) const;
};

// The schema of an arch file, section by section (also what `xbarsim list` prints).
const std::vector<SectionSpec>& arch_schema();
const std::vector<KeySpec>& arch_top_level_keys();

// Loads, merges, overrides and validates; throws ConfigError listing every problem.
ArchSpec load_arch(const std::string& path, const std::vector<std::string>& overrides = {});
// Validates an already-merged tree (used by experiment files that embed an arch).
ArchSpec arch_from_tree(const ConfigNode& root, const std::string& source_file);

}  // namespace xbar::arch
