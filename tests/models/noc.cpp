// Network models against cycle counts worked out by hand (one CTest process per case: SystemC
// elaborates once per process). Latencies follow the formulas in models/noc_mesh.hpp and
// models/noc_bus.hpp; the contention and back-pressure cases are traced cycle by cycle below.
#include "models/noc.hpp"

#include <boost/test/unit_test.hpp>
#include <map>

#include "arch/arch_spec.hpp"
#include "tests/support/temp_dir.hpp"

using namespace xbar;
using models::Packet;

namespace {

arch::ArchSpec chip(std::vector<std::string> sets) {
  return arch::load_arch(test::source_dir() + "/configs/arch/resparc-64.yaml", sets);
}

// Sends packets at given cycles and records each delivery's latency by packet id.
struct Harness : sc_core::sc_module {
  models::Noc& noc;
  std::vector<std::pair<std::uint64_t, Packet>> plan;  // (cycle, packet), in cycle order
  std::map<std::uint64_t, Packet> delivered;

  Harness(sc_core::sc_module_name name, models::Noc& n,
          std::vector<std::pair<std::uint64_t, Packet>> p)
      : sc_core::sc_module(name), noc(n), plan(std::move(p)) {
    SC_HAS_PROCESS(Harness);
    SC_THREAD(drive);
    noc.on_deliver([this](const Packet& pk) {
      BOOST_TEST(pk.delivered_cycle == noc.cycle_now());  // delivered when it says it is
      delivered[pk.id] = pk;
    });
  }
  void drive() {
    for (auto& [cycle, packet] : plan) {
      sc_core::sc_time at = noc.period() * static_cast<double>(cycle);
      if (at > sc_core::sc_time_stamp()) wait(at - sc_core::sc_time_stamp());
      noc.send(packet);
    }
  }
  std::uint64_t latency(std::uint64_t id) {
    BOOST_REQUIRE(delivered.count(id));
    return delivered[id].delivered_cycle - delivered[id].sent_cycle;
  }
};

Packet packet(std::uint64_t id, int src, int dst, int flits) {
  Packet p;
  p.id = id;
  p.src_tile = src;
  p.dst_tile = dst;
  p.flits = flits;
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(noc)

BOOST_AUTO_TEST_CASE(mesh_one_hop_zero_load) {
  auto arch = chip({"noc.router_latency_cycles=2", "noc.link_latency_cycles=1",
                    "noc.tiles_per_router=1", "chip.grid=[1,2]"});
  auto noc = models::make_noc("noc", arch, arch.chip.grid->first, arch.chip.grid->second);
  Harness h("h", *noc, {{0, packet(1, 0, 1, 1)}});
  sc_core::sc_start();
  // (h+1) R + h L + 1 + (n-1) = 2*2 + 1 + 1 + 0
  BOOST_TEST(h.latency(1) == 6u);
  BOOST_TEST(noc->stats().flit_hops == 1u);
  BOOST_TEST(noc->stats().router_traversals == 2u);
}

BOOST_AUTO_TEST_CASE(mesh_multi_hop_multi_flit_zero_load) {
  auto arch = chip({"noc.router_latency_cycles=2", "noc.link_latency_cycles=1",
                    "noc.tiles_per_router=1", "chip.grid=[3,3]"});
  auto noc = models::make_noc("noc", arch, arch.chip.grid->first, arch.chip.grid->second);
  Harness h("h", *noc, {{5, packet(1, 0, 8, 4)}});
  sc_core::sc_start();
  // corner to corner: h = 4; 5*2 + 4*1 + 1 + 3 = 18
  BOOST_TEST(h.latency(1) == 18u);
  BOOST_TEST(h.delivered[1].sent_cycle == 5u);
  BOOST_TEST(noc->stats().flit_hops == 16u);
}

BOOST_AUTO_TEST_CASE(mesh_contention_serialises_at_the_shared_output) {
  // Tiles 0 and 2 both send 4 flits to tile 1 (1x3 mesh, R = L = 1). Both heads reach router 1 at
  // cycle 3; round-robin grants the east input first (flits out at 3..6, delivered at 7); the
  // west packet waits for that tail and leaves at 7..10, delivered at 11.
  auto arch = chip({"noc.router_latency_cycles=1", "noc.link_latency_cycles=1",
                    "noc.tiles_per_router=1", "chip.grid=[1,3]"});
  auto noc = models::make_noc("noc", arch, arch.chip.grid->first, arch.chip.grid->second);
  Harness h("h", *noc, {{0, packet(1, 0, 1, 4)}, {0, packet(2, 2, 1, 4)}});
  sc_core::sc_start();
  BOOST_TEST(h.latency(2) == 7u);
  BOOST_TEST(h.latency(1) == 11u);
  BOOST_TEST(noc->stats().max_latency_cycles == 11u);
  BOOST_TEST(noc->stats().average_latency_cycles() == 9.0);
}

BOOST_AUTO_TEST_CASE(mesh_back_pressure_from_shallow_buffers) {
  // 2 flits, one hop, R = L = 1. Depth 4: zero-load 2 + 1 + 1 + 1 = 5. Depth 1: the second flit
  // waits for the credit of the first (freed at cycle 3, usable at 4): delivered at 7.
  auto arch = chip({"noc.router_latency_cycles=1", "noc.link_latency_cycles=1",
                    "noc.tiles_per_router=1", "noc.buffer_depth_flits=1", "chip.grid=[1,2]"});
  auto noc = models::make_noc("noc", arch, arch.chip.grid->first, arch.chip.grid->second);
  Harness h("h", *noc, {{0, packet(1, 0, 1, 2)}});
  sc_core::sc_start();
  BOOST_TEST(h.latency(1) == 7u);
}

BOOST_AUTO_TEST_CASE(mesh_deep_buffers_reach_zero_load) {
  auto arch = chip({"noc.router_latency_cycles=1", "noc.link_latency_cycles=1",
                    "noc.tiles_per_router=1", "noc.buffer_depth_flits=4", "chip.grid=[1,2]"});
  auto noc = models::make_noc("noc", arch, arch.chip.grid->first, arch.chip.grid->second);
  Harness h("h", *noc, {{0, packet(1, 0, 1, 2)}});
  sc_core::sc_start();
  BOOST_TEST(h.latency(1) == 5u);
}

BOOST_AUTO_TEST_CASE(mesh_concentration_shares_a_router) {
  // 4 tiles per router on a 2x2 tile grid: one router, no links; latency R + 1 + (n-1).
  auto arch = chip({"noc.router_latency_cycles=2", "noc.link_latency_cycles=1",
                    "noc.tiles_per_router=4", "chip.grid=[2,2]"});
  auto noc = models::make_noc("noc", arch, arch.chip.grid->first, arch.chip.grid->second);
  Harness h("h", *noc, {{0, packet(1, 0, 3, 3)}});
  sc_core::sc_start();
  BOOST_TEST(h.latency(1) == 5u);
  BOOST_TEST(noc->stats().flit_hops == 0u);
}

BOOST_AUTO_TEST_CASE(bus_grants_round_robin) {
  // n = 3 flits, bus latency 2: the first packet holds the bus for cycles 0..2 and arrives at
  // 2 + 2 = 4; the second is granted at 3 and arrives at 3 + 2 + 2 = 7.
  auto arch = chip({"noc.impl=bus", "noc.flit_bits=16", "noc.buffer_depth_flits=4",
                    "noc.bus_latency_cycles=2", "chip.grid=[1,4]"});
  auto noc = models::make_noc("noc", arch, arch.chip.grid->first, arch.chip.grid->second);
  Harness h("h", *noc, {{0, packet(1, 0, 3, 3)}, {0, packet(2, 1, 3, 3)}});
  sc_core::sc_start();
  BOOST_TEST(h.latency(1) == 4u);
  BOOST_TEST(h.latency(2) == 7u);
}

BOOST_AUTO_TEST_CASE(idle_network_costs_no_cycles) {
  auto arch = chip({"noc.router_latency_cycles=1", "noc.link_latency_cycles=1",
                    "noc.tiles_per_router=1", "chip.grid=[1,2]"});
  auto noc = models::make_noc("noc", arch, arch.chip.grid->first, arch.chip.grid->second);
  Harness h("h", *noc, {{0, packet(1, 0, 1, 1)}, {100000, packet(2, 0, 1, 1)}});
  sc_core::sc_start();
  BOOST_TEST(h.latency(1) == h.latency(2));
  BOOST_TEST(h.delivered[2].sent_cycle == 100000u);
  BOOST_TEST(noc->stats().busy_cycles < 20u);  // stepped only while flits were in flight
}

BOOST_AUTO_TEST_CASE(registry_covers_every_schema_impl) {
  for (const auto& section : arch::arch_schema()) {
    if (section.name != "noc") continue;
    auto known = models::registered_nocs();
    for (const auto& choice : section.choices)
      BOOST_TEST((std::find(known.begin(), known.end(), choice.name) != known.end()), choice.name);
  }
}

BOOST_AUTO_TEST_SUITE_END()
