// Energy of a run: the chip's event counts times the component library's energy per action (the
// component classes each event is priced as come from sim/counters.hpp), plus leakage over the
// simulated time. Broken down by component class, by layer and by tile, every class naming the
// library entry (or the device model) that priced it.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "arch/arch_spec.hpp"
#include "arch/inventory.hpp"
#include "sim/counters.hpp"

namespace xbar::sim {

struct EnergyReport {
  double dynamic_pj = 0;
  double leakage_pj = 0;
  double total_pj() const { return dynamic_pj + leakage_pj; }
  std::map<std::string, double> by_component_pj;   // dynamic energy per component class
  std::map<int, double> by_layer_pj;               // dynamic
  std::map<int, double> by_tile_pj;                // dynamic, NoC slot -> energy
  std::map<std::string, std::string> provenance;   // component class -> how it was priced
  nlohmann::json to_json(double per = 1.0) const;  // divided by `per` (e.g. images)
};

// `inventory` must describe the chip that ran (its tile count = the tiles in use).
EnergyReport account_energy(const std::vector<LayerTileCounters>& counters,
                            const arch::Inventory& inventory, const arch::ArchSpec& arch,
                            std::uint64_t cycles, int columns_per_output);

}  // namespace xbar::sim
