#include "sim/energy.hpp"

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

EnergyReport account_energy(const std::vector<Activity>& activity, const arch::Inventory& inv,
                            const arch::ArchSpec& arch, std::uint64_t cycles,
                            int columns_per_output) {
  EnergyReport e;
  const bool mesh = arch.noc.impl == "mesh";
  const std::map<std::string, Price> prices = {
      {"row_driver", price(inv, "row_driver")}, {"sample_hold", price(inv, "sample_hold")},
      {"column_mux", price(inv, "column_mux")}, {"adc", price(inv, "adc")},
      {"neuron", price(inv, "neuron")},         {"buffer", price(inv, "buffer")},
      {"router", price(inv, "router")},         {"link", price(inv, mesh ? "link" : "noc_bus")}};
  for (const auto& [k, p] : prices) e.provenance[k] = p.provenance;
  e.provenance["cell_array"] =
      "device model: V^2 * G * t of every driven cell (" + config::to_string(arch.device.model) + ")";
  e.provenance["leakage"] =
      "sum of the library's leakage_mw over the chip's inventory x simulated time";

  for (const Activity& a : activity) {
    const std::map<std::string, double> parts = {
        {"cell_array", a.cell_energy_pj},
        {"row_driver", a.row_activations * prices.at("row_driver").energy_pj},
        {"sample_hold", static_cast<double>(a.adc_conversions) * columns_per_output *
                            prices.at("sample_hold").energy_pj},
        {"column_mux", a.adc_conversions * prices.at("column_mux").energy_pj},
        {"adc", a.adc_conversions * prices.at("adc").energy_pj},
        {"neuron", a.neuron_updates * prices.at("neuron").energy_pj},
        {"buffer", a.buffer_accesses * prices.at("buffer").energy_pj},
        {"router", a.router_traversals * prices.at("router").energy_pj},
        {"link", a.link_traversals * prices.at("link").energy_pj}};
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
