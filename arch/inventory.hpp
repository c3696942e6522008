// The bill of materials of a chip: every component instance per core, per tile and per chip, with
// its cost from the component library. Area adds up; peak power is each component acting back to
// back at the rate the architecture allows (energy x rate) plus its leakage.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "arch/arch_spec.hpp"
#include "arch/component_library.hpp"

namespace xbar::arch {

enum class Level { Core, Tile, Chip };
const char* to_string(Level level);

struct InventoryItem {
  Level level;
  Component component;
  std::string role;  // what this instance is for, e.g. input_register / output_register
  double count =
      0;  // per core, per tile or per chip; a router shared by k tiles counts 1/k per tile
  double size = 0;  // what the cost was scaled to (bits, bytes, cells...), 0 if fixed
  ComponentCost unit;
  double actions_per_s = 0;  // peak action rate of one instance
  double area_mm2() const { return count * unit.area_um2 * 1e-6; }
  double peak_power_mw() const {
    return count * (unit.energy_pj * actions_per_s * 1e-9 + unit.leakage_mw);
  }
};

struct Totals {
  double area_mm2 = 0;
  double peak_power_mw = 0;
};

struct Inventory {
  std::string arch_name, library_name, library_file;
  int cores_per_tile = 0;
  long long cells_per_core = 0;  // memristive cells: crossbars x rows x columns
  std::optional<int> tiles;      // nullopt while the chip is sized automatically
  std::vector<InventoryItem> items;
  Totals core, tile, chip;  // tile includes its cores; chip includes its tiles (when known)

  const InventoryItem* find(Level level, const std::string& role) const;
};

// Costs of the components of `arch`, scaled and with provenance; throws ConfigError when the
// library lacks a component the chip uses or is for another technology node.
Inventory build_inventory(const ArchSpec& arch, const ComponentLibrary& lib);
// The same with the library the arch names (technology.library), loaded from its file.
Inventory build_inventory(const ArchSpec& arch);

ScalingContext scaling_context(const ArchSpec& arch);

}  // namespace xbar::arch
