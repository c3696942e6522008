#include "flow/area_report.hpp"

#include <cstdio>
#include <sstream>

namespace xbar::flow {

using arch::Inventory;
using arch::InventoryItem;
using arch::Level;

static nlohmann::json item_json(const InventoryItem& i) {
  return {{"component", arch::info(i.component).name},
          {"role", i.role},
          {"count", i.count},
          {"size", i.size},
          {"size_unit", arch::info(i.component).size_name},
          {"area_um2_each", i.unit.area_um2},
          {"area_mm2", i.area_mm2()},
          {"energy_pj_per_action", i.unit.energy_pj},
          {"latency_ns_per_action", i.unit.latency_ns},
          {"leakage_mw_each", i.unit.leakage_mw},
          {"peak_actions_per_s", i.actions_per_s},
          {"peak_power_mw", i.peak_power_mw()},
          {"provenance", i.unit.provenance}};
}

nlohmann::json area_json(const Inventory& inv) {
  nlohmann::json j;
  j["arch"] = inv.arch_name;
  j["library"] = {{"name", inv.library_name}, {"file", inv.library_file}};
  auto level = [&](Level l, const arch::Totals& t) {
    nlohmann::json out = {{"area_mm2", t.area_mm2}, {"peak_power_mw", t.peak_power_mw}};
    out["components"] = nlohmann::json::array();
    for (const auto& i : inv.items)
      if (i.level == l) out["components"].push_back(item_json(i));
    return out;
  };
  j["core"] = level(Level::Core, inv.core);
  j["tile"] = level(Level::Tile, inv.tile);
  j["tile"]["cores"] = inv.cores_per_tile;
  // Per memristive cell: what a design point costs for the weights it can hold.
  const double cells = static_cast<double>(inv.cells_per_core) * inv.cores_per_tile;
  j["tile"]["cells"] = cells;
  j["tile"]["area_um2_per_cell"] = inv.tile.area_mm2 * 1e6 / cells;
  j["tile"]["peak_power_uw_per_cell"] = inv.tile.peak_power_mw * 1e3 / cells;
  if (inv.tiles) {
    j["chip"] = level(Level::Chip, inv.chip);
    j["chip"]["tiles"] = *inv.tiles;
  } else {
    j["chip"] = nullptr;
  }
  return j;
}

static std::string line(const char* level, const std::string& what, const std::string& count,
                        const std::string& each, double area_mm2, double power_mw) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "  %-5s %-16s %8s %16s %12.6f %12.4f\n", level, what.c_str(),
                count.c_str(), each.c_str(), area_mm2, power_mw);
  return buf;
}

static std::string num(double v, const char* unit = "") {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g%s", v, unit);
  return buf;
}

std::string area_table(const Inventory& inv) {
  std::ostringstream s;
  s << "chip '" << inv.arch_name << "', component library '" << inv.library_name << "' ("
    << inv.library_file << ")\n";
  char head[200];
  std::snprintf(head, sizeof head, "  %-5s %-16s %8s %16s %12s %12s\n", "level", "component",
                "count", "area each um2", "area mm2", "peak mW");
  s << head;
  for (Level l : {Level::Core, Level::Tile, Level::Chip}) {
    if (l == Level::Chip && !inv.tiles) continue;
    if (l == Level::Tile) {
      s << line("tile", "cores", num(inv.cores_per_tile), "",
                inv.cores_per_tile * inv.core.area_mm2,
                inv.cores_per_tile * inv.core.peak_power_mw);
    }
    if (l == Level::Chip) {
      s << line("chip", "tiles", num(*inv.tiles), "", *inv.tiles * inv.tile.area_mm2,
                *inv.tiles * inv.tile.peak_power_mw);
    }
    for (const auto& i : inv.items) {
      if (i.level != l) continue;
      s << line(arch::to_string(l), i.role, num(i.count), num(i.unit.area_um2), i.area_mm2(),
                i.peak_power_mw());
    }
    const arch::Totals& t = l == Level::Core ? inv.core : l == Level::Tile ? inv.tile : inv.chip;
    s << line(arch::to_string(l), "= total", "", "", t.area_mm2, t.peak_power_mw);
  }
  if (!inv.tiles)
    s << "  chip: tiles: auto -- the chip is sized when a network is compiled onto it\n";
  s << "sources:\n";
  for (const auto& i : inv.items)
    s << "  " << arch::to_string(i.level) << "." << i.role << ": " << i.unit.provenance << "\n";
  return s.str();
}

}  // namespace xbar::flow
