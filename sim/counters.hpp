// What the chip counts: one set of event counters per (layer, tile), indexed by the kind of event.
// The table below is the only place a counter is declared: its name in reports, its documentation,
// the report section that lists it and the component classes whose per-action energy prices it.
// Totals are sums of the sets, energy is sum(count x price) over them (sim/energy.cpp), and the
// report loops over the table (counters_json).
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string_view>
#include <vector>

#include "config/enum_names.hpp"

namespace xbar::sim {

enum class Event : std::uint8_t {
  CrossbarRead,
  RowActivation,
  AdcConversion,
  AdcSaturation,
  NeuronUpdate,
  Spike,
  PotentialSaturation,
  FlitSent,
  RouterTraversal,
  LinkTraversal,
  BufferAccess,
  LocalPacket,
  SpikePacket,
  PartialSumPacket,
  InputBroadcast,
  BitVectorPacket,
  CrossbarBusy,
};

// How many actions of a component one event costs.
enum class PerEvent : std::uint8_t {
  One,
  ColumnsPerOutput,  // one per physical column of a logical output (sample-and-hold)
};

// One component class an event is priced as: `component` names it in the energy report, `role`
// is the inventory role whose energy per action is the price ("link" means the NoC's links: the
// mesh's links or the shared bus).
struct Priced {
  std::string_view component, role;
  PerEvent per = PerEvent::One;
};

struct EventInfo {
  Event event;
  std::string_view name;  // key in reports
  std::string_view doc;
  std::string_view section;        // report.json section listing it ("" = not reported)
  std::array<Priced, 3> priced{};  // empty component = none
};

// clang-format off
inline constexpr std::array<EventInfo, 17> kEvents = {{
    {Event::CrossbarRead, "crossbar_reads", "crossbar reads that drove at least one row", "activity"},
    {Event::RowActivation, "row_activations", "rows driven, summed over reads", "activity",
     {{{"row_driver", "row_driver"}}}},
    {Event::AdcConversion, "adc_conversions", "ADC conversions (one per output per read)", "activity",
     {{{"adc", "adc"}, {"column_mux", "column_mux"},
       {"sample_hold", "sample_hold", PerEvent::ColumnsPerOutput}}}},
    {Event::AdcSaturation, "adc_saturations", "conversions clipped at the ADC's full scale", "activity"},
    {Event::NeuronUpdate, "neuron_updates", "neuron potentials updated", "activity",
     {{{"neuron", "neuron"}}}},
    {Event::Spike, "spikes", "spikes fired by neuron cores", "activity"},
    {Event::PotentialSaturation, "potential_saturations", "potentials clipped at their range",
     "activity"},
    {Event::FlitSent, "flits_sent", "flits sent into the NoC from this tile", ""},
    {Event::RouterTraversal, "router_traversals", "flits through a router, from this tile", "",
     {{{"router", "router"}}}},
    {Event::LinkTraversal, "link_traversals", "flits over a link or the bus, from this tile", "",
     {{{"link", "link"}}}},
    {Event::BufferAccess, "buffer_accesses", "flits written to or read from a tile buffer", "",
     {{{"buffer", "buffer"}}}},
    {Event::LocalPacket, "local_packets", "packets that stayed in their tile", "noc"},
    {Event::SpikePacket, "spike_packets", "spike packets (local or over the NoC)", ""},
    {Event::PartialSumPacket, "partial_sum_packets", "partial-sum packets (local or over the NoC)",
     ""},
    {Event::InputBroadcast, "input_broadcasts", "timesteps broadcast by the input port", ""},
    {Event::BitVectorPacket, "bit_vector_packets",
     "spike packets and input broadcasts sent as bit vectors (noc.spike_packets)", "noc"},
    {Event::CrossbarBusy, "crossbar_busy_cycles",
     "cycles crossbars spent reading and converting, summed over crossbars", "activity"},
}};
// clang-format on

constexpr std::size_t kEventKinds = kEvents.size();
static_assert(
    [] {
      for (std::size_t i = 0; i < kEventKinds; ++i)
        if (static_cast<std::size_t>(kEvents[i].event) != i) return false;
      return true;
    }(),
    "kEvents lists the events in enumeration order");

constexpr const EventInfo& info(Event e) { return kEvents[static_cast<std::size_t>(e)]; }

// The name table in config/enum_names.hpp style (to_string, parse_enum), drawn from kEvents.
inline constexpr auto kEventNames = [] {
  std::array<config::EnumName<Event>, kEventKinds> names{};
  for (std::size_t i = 0; i < kEventKinds; ++i)
    names[i] = {kEvents[i].event, kEvents[i].name, kEvents[i].doc};
  return names;
}();
constexpr std::span<const config::EnumName<Event>> enum_names(Event) { return kEventNames; }

// The counts of one (layer, tile), or their sum over the chip.
struct Counters {
  std::array<std::uint64_t, kEventKinds> count{};
  // V^2 G t of the driven cells from the device model, in attojoules (models::CrossbarStats): an
  // integer like the counts, so merging counter sets never depends on their order.
  std::uint64_t cell_energy_aj = 0;
  double cell_energy_pj() const { return static_cast<double>(cell_energy_aj) * 1e-6; }

  std::uint64_t& operator[](Event e) { return count[static_cast<std::size_t>(e)]; }
  std::uint64_t operator[](Event e) const { return count[static_cast<std::size_t>(e)]; }
  Counters& operator+=(const Counters& o) {
    for (std::size_t i = 0; i < kEventKinds; ++i) count[i] += o.count[i];
    cell_energy_aj += o.cell_energy_aj;
    return *this;
  }
  // Whether any priced event happened (such a set gets an energy entry).
  bool priced_activity() const;
};

// The counters of one layer on one tile (NoC slot).
struct LayerTileCounters {
  int layer = 0;
  int tile = 0;
  Counters counters;
};

Counters total(std::span<const LayerTileCounters> sets);

// {section: {name: count}} for every reported counter of `totals`.
nlohmann::json counters_json(const Counters& totals);

}  // namespace xbar::sim
