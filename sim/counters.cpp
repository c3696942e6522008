// Sums and the report of the chip's event counters (sim/counters.hpp).
#include "sim/counters.hpp"

namespace xbar::sim {

bool Counters::priced_activity() const {
  if (cell_energy_aj != 0 || (*this)[Event::CrossbarRead] != 0) return true;
  for (const EventInfo& e : kEvents)
    if (!e.priced[0].component.empty() && (*this)[e.event] != 0) return true;
  return false;
}

Counters total(std::span<const LayerTileCounters> sets) {
  Counters sum;
  for (const auto& s : sets) sum += s.counters;
  return sum;
}

nlohmann::json counters_json(const Counters& totals) {
  nlohmann::json j = nlohmann::json::object();
  for (const EventInfo& e : kEvents)
    if (!e.section.empty()) j[std::string(e.section)][std::string(e.name)] = totals[e.event];
  return j;
}

}  // namespace xbar::sim
