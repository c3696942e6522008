#include "sim/energy.hpp"

#include "arch/noc_implementation.hpp"

namespace xbar::sim {

namespace {

// Energy per action of a component class in this chip, 0 when the chip has none.
struct Price {
  double energy_pj = 0;
  std::string provenance;
};

Price price(const arch::Inventory& inv, const std::string& role) {
  for (const auto& item : inv.items)
    if (item.role == role) return {item.unit.energy_pj, item.unit.provenance};
  return {0.0, "not in this chip"};
}

}  // namespace

nlohmann::json EnergyReport::to_json(double per) const {
  nlohmann::json j;
  j["total_pj"] = total_pj() / per;
  j["dynamic_pj"] = dynamic_pj / per;
  j["leakage_pj"] = leakage_pj / per;
  for (const auto& [k, v] : by_component_pj) j["by_component_pj"][k] = v / per;
  for (const auto& [k, v] : by_layer_pj) j["by_layer_pj"][std::to_string(k)] = v / per;
  for (const auto& [k, v] : by_tile_pj) j["by_tile_pj"][std::to_string(k)] = v / per;
  for (const auto& [k, v] : provenance) j["provenance"][k] = v;
  return j;
}

EnergyReport account_energy(const std::vector<LayerTileCounters>& counters,
                            const arch::Inventory& inv, const arch::ArchSpec& arch,
                            std::uint64_t cycles, int columns_per_output) {
  EnergyReport e;
  // A hop is priced by whatever the chip's network is built of (a mesh link, a shared bus).
  const auto role_of = [&](std::string_view role) -> std::string {
    if (role == "link") return arch::noc_implementations().at(arch.noc.impl).entry.hop_role;
    return std::string(role);
  };
  struct Rule {
    Event event;
    double per;
    Price price;
  };
  std::map<std::string, std::vector<Rule>> rules;  // component class -> what it is priced by
  for (const EventInfo& ev : kEvents)
    for (const Priced& p : ev.priced) {
      if (p.component.empty()) continue;
      const double per = p.per == PerEvent::ColumnsPerOutput ? columns_per_output : 1;
      rules[std::string(p.component)].push_back({ev.event, per, price(inv, role_of(p.role))});
    }
  for (const auto& [k, r] : rules) e.provenance[k] = r.front().price.provenance;
  e.provenance["cell_array"] = "device model: V^2 * G * t of every driven cell (" +
                               config::to_string(arch.device.model) + ")";
  e.provenance["leakage"] =
      "sum of the library's leakage_mw over the chip's inventory x simulated time";

  for (const LayerTileCounters& a : counters) {
    if (!a.counters.priced_activity()) continue;
    std::map<std::string, double> parts = {{"cell_array", a.counters.cell_energy_pj()}};
    for (const auto& [k, r] : rules) {
      double pj = 0;
      for (const Rule& rule : r) {
        const double n = static_cast<double>(a.counters[rule.event]);
        pj += (rule.per == 1 ? n : n * rule.per) * rule.price.energy_pj;
      }
      parts[k] = pj;
    }
    for (const auto& [k, v] : parts) {
      e.by_component_pj[k] += v;
      e.by_layer_pj[a.layer] += v;
      e.by_tile_pj[a.tile] += v;
      e.dynamic_pj += v;
    }
  }
  // Leakage: every instance of the chip, for the whole simulated time (mW x ns = pJ).
  double leak_mw = 0;
  for (const auto& item : inv.items) {
    const double per_level = item.count * item.unit.leakage_mw;
    if (item.level == arch::Level::Core)
      leak_mw += per_level * inv.cores_per_tile * inv.tiles.value_or(1);
    if (item.level == arch::Level::Tile) leak_mw += per_level * inv.tiles.value_or(1);
    if (item.level == arch::Level::Chip) leak_mw += per_level;
  }
  e.leakage_pj = leak_mw * static_cast<double>(cycles) * arch.technology.clock_period_ns();
  return e;
}

}  // namespace xbar::sim
