// ArchSpec: the chip, as a validated, typed value. Loaded from a version-1 arch YAML (with its
// extends: chain and --set overrides); every model and pass gets its parameters from here.
#pragma once

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

struct Device {
  std::string impl;
  double r_on_ohm = 0, r_off_ohm = 0;
  int bits_per_cell = 0;
  double read_voltage_v = 0;
  double read_pulse_ns = 0;
};

struct Crossbar {
  int rows = 0, columns = 0;
  CellType cell = CellType::OneT1R;
  SignedEncoding signed_encoding = SignedEncoding::Differential;
  int weight_bits = 0;
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
