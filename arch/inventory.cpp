#include "arch/inventory.hpp"

#include <algorithm>
#include <limits>

#include "arch/noc_implementation.hpp"

namespace xbar::arch {

const char* to_string(Level level) {
  switch (level) {
    case Level::Core:
      return "core";
    case Level::Tile:
      return "tile";
    case Level::Chip:
      return "chip";
  }
  return "?";
}

const InventoryItem* Inventory::find(Level level, const std::string& role) const {
  for (const auto& i : items)
    if (i.level == level && i.role == role) return &i;
  return nullptr;
}

ScalingContext scaling_context(const ArchSpec& a) {
  ScalingContext ctx;
  ctx.node_nm = a.technology.node_nm;
  ctx.read_voltage_v = a.device.read_voltage_v;
  ctx.r_on_ohm = a.device.r_on_ohm;
  ctx.r_off_ohm = a.device.r_off_ohm;
  ctx.read_pulse_ns = a.device.read_pulse_ns;
  // Cell footprints as the field counts them: 4 F^2 passive, 12 F^2 with an access transistor.
  ctx.cell_f2 = a.crossbar.cell == CellType::ZeroT1R ? 4.0 : 12.0;
  ctx.adc_rate_hz = 1e9 / (a.adc.latency_cycles * a.technology.clock_period_ns());
  return ctx;
}

Inventory build_inventory(const ArchSpec& a, const ComponentLibrary& lib) {
  if (lib.node_nm != a.technology.node_nm) {
    fail(a.resolved.find("technology")->find("node_nm")->where, "technology.node_nm",
         "the chip is at " + std::to_string(a.technology.node_nm) + " nm but library '" + lib.name +
             "' (" + lib.file + ") is for " + std::to_string(lib.node_nm) + " nm");
  }
  Inventory inv;
  inv.arch_name = a.name;
  inv.library_name = lib.name;
  inv.library_file = lib.file;
  inv.cores_per_tile = a.tile.cores;
  inv.cells_per_core =
      static_cast<long long>(a.core.crossbars) * a.crossbar.rows * a.crossbar.columns;
  inv.tiles = a.chip.tiles;
  ScalingContext ctx = scaling_context(a);
  const double clock_hz = a.technology.clock_mhz * 1e6;
  const double read_hz = 1e9 / a.device.read_pulse_ns;
  std::vector<config::Diagnostic> missing;

  auto add = [&](Level level, Component c, double count, double size, double arch_rate_hz,
                 const char* role = nullptr) {
    if (count <= 0) return;
    if (!lib.has(c)) {
      missing.push_back({{lib.file, 0, 0},
                         std::string("components.") + info(c).name,
                         "library '" + lib.name + "' has no entry for '" + info(c).name +
                             "', which chip '" + a.name + "' uses (" + std::to_string(count) +
                             " per " + to_string(level) + ")"});
      return;
    }
    InventoryItem item{level, c, role ? role : info(c).name, count, size, lib.cost(c, size, ctx),
                       0};
    // A component cannot act faster than its own latency allows, nor than the chip asks it to.
    item.actions_per_s = std::min(arch_rate_hz, 1e9 / item.unit.latency_ns);
    inv.items.push_back(item);
  };

  const int xbars = a.core.crossbars;
  const int cells = a.crossbar.rows * a.crossbar.columns;
  const int adcs_per_xbar = a.crossbar.columns / a.adc.columns_per_adc;
  const double adc_rate = ctx.adc_rate_hz;
  add(Level::Core, Component::CellArray, xbars, cells, read_hz);
  add(Level::Core, Component::RowDriver, xbars * a.crossbar.rows, a.dac.bits, read_hz);
  add(Level::Core, Component::SampleHold, xbars * a.crossbar.columns, 0, read_hz);
  add(Level::Core, Component::ColumnMux, xbars * adcs_per_xbar, a.adc.columns_per_adc, adc_rate);
  add(Level::Core, Component::Adc, xbars * adcs_per_xbar, a.adc.bits, adc_rate);
  add(Level::Core, Component::ShiftAdd, a.core.shift_adds, 0, clock_hz);
  add(Level::Core, Component::Register, a.core.input_register_bytes > 0 ? 1 : 0,
      a.core.input_register_bytes, clock_hz, "input_register");
  add(Level::Core, Component::Register, a.core.output_register_bytes > 0 ? 1 : 0,
      a.core.output_register_bytes, clock_hz, "output_register");

  add(Level::Tile, Component::Buffer, a.tile.buffer_bytes > 0 ? 1 : 0,
      static_cast<double>(a.tile.buffer_bytes), clock_hz);
  add(Level::Tile, Component::TileBus, a.tile.bus_wires > 0 ? 1 : 0, 0, clock_hz);
  noc_implementations().at(a.noc.impl).entry.tile_parts(a, [&](Component c, double count) {
    add(Level::Tile, c, count, 0, clock_hz);
  });
  add(Level::Tile, Component::Activation, a.tile.activation_units, 0, clock_hz);
  add(Level::Tile, Component::ShiftAdd, a.tile.shift_adds, 0, clock_hz);
  add(Level::Tile, Component::Pooling, a.tile.pooling_units, 0, clock_hz);
  add(Level::Tile, Component::Register, a.tile.output_register_bytes > 0 ? 1 : 0,
      a.tile.output_register_bytes, clock_hz, "output_register");
  add(Level::Tile, Component::Neuron, a.tile.neurons, a.neuron.potential_bits, clock_hz);
  // Off-chip links run on their own clock: their rate is their own.
  add(Level::Chip, Component::OffchipLink, a.chip.offchip_links, 0,
      std::numeric_limits<double>::infinity());
  if (!missing.empty()) throw config::ConfigError(std::move(missing));

  for (const auto& i : inv.items) {
    Totals* t = i.level == Level::Core ? &inv.core : i.level == Level::Tile ? &inv.tile : &inv.chip;
    t->area_mm2 += i.area_mm2();
    t->peak_power_mw += i.peak_power_mw();
  }
  inv.tile.area_mm2 += a.tile.cores * inv.core.area_mm2;
  inv.tile.peak_power_mw += a.tile.cores * inv.core.peak_power_mw;
  if (inv.tiles) {
    inv.chip.area_mm2 += *inv.tiles * inv.tile.area_mm2;
    inv.chip.peak_power_mw += *inv.tiles * inv.tile.peak_power_mw;
  }
  return inv;
}

Inventory build_inventory(const ArchSpec& a) {
  return build_inventory(a, ComponentLibrary::load(a.technology.library));
}

}  // namespace xbar::arch
