// Network models against cycle counts worked out by hand (one CTest process per case: SystemC
// elaborates once per process). Latencies follow the formulas in models/noc_mesh.hpp and
// models/noc_bus.hpp; the contention and back-pressure cases are traced cycle by cycle below.
#include "models/noc.hpp"

#include <boost/test/unit_test.hpp>
#include <limits>
#include <map>
#include <random>

#include "arch/arch_spec.hpp"
#include "arch/inventory.hpp"
#include "arch/noc_implementation.hpp"
#include "models/noc_bus.hpp"
#include "models/noc_mesh.hpp"
#include "tests/support/temp_dir.hpp"

using namespace xbar;
using models::Packet;

namespace {

arch::ArchSpec chip(std::vector<std::string> sets) {
  return arch::load_arch(test::source_dir() + "/configs/arch/resparc-64.yaml", sets);
}

// Sends packets at given cycles (a 1 ns clock) and records each delivery's latency by packet id.
struct Harness : sc_core::sc_module {
  models::NocClock noc;  // runs the network free, one tick per cycle while it is busy
  std::vector<std::pair<std::uint64_t, Packet>> plan;  // (cycle, packet), in cycle order
  std::map<std::uint64_t, Packet> delivered;

  Harness(sc_core::sc_module_name name, models::Noc& n,
          std::vector<std::pair<std::uint64_t, Packet>> p)
      : sc_core::sc_module(name), noc("clock", n, 1.0), plan(std::move(p)) {
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

// Drives a network as the chip does -- sends in their cycle, then a tick when the network has work
// -- and answers some deliveries with a new packet from the receiver (the chip's spikes answer its
// partial sums), so that the traffic depends on the delivery cycles. Returns every packet's
// delivery cycle by id.
std::map<std::uint64_t, std::uint64_t> drive(models::Noc& noc,
                                             std::vector<std::pair<std::uint64_t, Packet>> plan) {
  std::map<std::uint64_t, std::uint64_t> delivered;
  std::multimap<std::uint64_t, Packet> queue;  // cycle -> packet to send
  for (auto& [c, p] : plan) queue.insert({c, p});
  std::uint64_t next_id = 1u << 20;
  noc.on_deliver([&](const Packet& p) {
    delivered[p.id] = p.delivered_cycle;
    const std::uint64_t h = (p.id * 0x9E3779B97F4A7C15ull) ^ p.delivered_cycle;
    if (h % 3 == 0 && p.id < (1u << 22)) {
      Packet answer = packet(next_id++, p.dst_tile,
                             static_cast<int>((h >> 8) % static_cast<std::uint64_t>(noc.tiles())),
                             1 + static_cast<int>((h >> 16) % 6));
      queue.insert({p.delivered_cycle + (h >> 24) % 3, answer});
    }
  });
  std::uint64_t cycle = 0;
  while (!queue.empty() || noc.busy()) {
    std::uint64_t next =
        queue.empty() ? std::numeric_limits<std::uint64_t>::max() : queue.begin()->first;
    if (noc.busy()) next = std::min(next, std::max(cycle, noc.next_tick()));
    cycle = std::max(cycle, next);
    while (!queue.empty() && queue.begin()->first <= cycle) {
      noc.send(queue.begin()->second, cycle);
      queue.erase(queue.begin());
    }
    if (noc.busy() && noc.next_tick() <= cycle) noc.tick(cycle);
    BOOST_REQUIRE(cycle < 10'000'000u);
  }
  return delivered;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(noc)

BOOST_AUTO_TEST_CASE(fast_engine_delivers_every_packet_in_the_flit_engines_cycle) {
  // Random meshes (grid, concentration, buffer depth, router and link latency) and random packet
  // sets (sources, destinations, sizes, bursts of injections), run by the plain flit-by-flit
  // engine and by the fast one: the same delivery cycle for every packet, the same counts.
  arch::ArchSpec a = chip({});
  std::mt19937_64 rng(20261204);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::uint64_t packets = 0, timed = 0, handed_over = 0;
  for (int set = 0; set < 3000; ++set) {
    const int concentration = std::array{1, 1, 2, 4}[pick(0, 3)];
    const int grid_rows = pick(1, 5), grid_cols = pick(1, 6);
    a.noc.tiles_per_router = concentration;
    a.noc.buffer_depth_flits = pick(1, 5);
    a.noc.router_latency_cycles = pick(1, 3);
    a.noc.link_latency_cycles = pick(1, 3);
    const int tiles = grid_rows * grid_cols;
    const int n = pick(1, 40), burst = pick(0, 3);
    std::vector<std::pair<std::uint64_t, Packet>> plan;
    for (int k = 0; k < n; ++k) {
      const std::uint64_t at = burst == 0 ? 0 : static_cast<std::uint64_t>(pick(0, 60 * burst));
      plan.push_back({at, packet(static_cast<std::uint64_t>(k), pick(0, tiles - 1),
                                 pick(0, tiles - 1), pick(1, 12))});
    }
    std::sort(plan.begin(), plan.end(), [](auto& x, auto& y) { return x.first < y.first; });
    a.noc.engine = arch::NocEngine::Flit;
    models::MeshNoc flit(a, grid_rows, grid_cols);
    a.noc.engine = arch::NocEngine::Fast;
    models::MeshNoc fast(a, grid_rows, grid_cols);
    const auto want = drive(flit, plan);
    const auto got = drive(fast, plan);
    BOOST_REQUIRE_MESSAGE(got == want, "set " << set << ": " << fast.describe() << ", depth "
                                              << a.noc.buffer_depth_flits << ", R "
                                              << a.noc.router_latency_cycles << ", L "
                                              << a.noc.link_latency_cycles << ", " << n
                                              << " packets: a delivery cycle differs");
    const models::NocStats& s = fast.stats();
    const models::NocStats& r = flit.stats();
    BOOST_REQUIRE_EQUAL(s.packets, r.packets);
    BOOST_REQUIRE_EQUAL(s.flits, r.flits);
    BOOST_REQUIRE_EQUAL(s.flit_hops, r.flit_hops);
    BOOST_REQUIRE_EQUAL(s.buffer_writes, r.buffer_writes);
    BOOST_REQUIRE_EQUAL(s.buffer_reads, r.buffer_reads);
    BOOST_REQUIRE_EQUAL(s.router_traversals, r.router_traversals);
    BOOST_REQUIRE_EQUAL(s.total_latency_cycles, r.total_latency_cycles);
    BOOST_REQUIRE_EQUAL(s.busy_cycles, r.busy_cycles);
    packets += want.size();
    timed += fast.packets_timed();
    handed_over += fast.packets_handed_over();
  }
  BOOST_TEST_MESSAGE(packets << " packets: " << timed << " timed as a whole, " << handed_over
                             << " of them handed over to stepping");
  // Both paths of the fast engine were taken, often.
  BOOST_TEST(timed > packets / 10);
  BOOST_TEST(handed_over > packets / 100);
}

// Sends a plan shifted by `offset` cycles, ticking as the chip does; returns each packet's
// delivery cycle minus the offset, and sets `end` to the cycle the network fell idle.
std::map<std::uint64_t, std::uint64_t> run_plan(
    models::Noc& noc, const std::vector<std::pair<std::uint64_t, Packet>>& plan,
    std::uint64_t offset, std::uint64_t& end) {
  std::map<std::uint64_t, std::uint64_t> delivered;
  noc.on_deliver([&](const Packet& p) { delivered[p.id] = p.delivered_cycle - offset; });
  std::uint64_t cycle = offset;
  size_t next = 0;
  while (next < plan.size() || noc.busy()) {
    std::uint64_t at =
        next < plan.size() ? plan[next].first + offset : std::numeric_limits<std::uint64_t>::max();
    if (noc.busy()) at = std::min(at, std::max(cycle, noc.next_tick()));
    cycle = std::max(cycle, at);
    while (next < plan.size() && plan[next].first + offset <= cycle)
      noc.send(plan[next++].second, cycle);
    if (noc.busy() && noc.next_tick() <= cycle) noc.tick(cycle);
  }
  end = cycle + 1;
  return delivered;
}

BOOST_AUTO_TEST_CASE(reset_network_times_packets_as_a_new_one) {
  // After traffic, reset() puts a network back into the state it was built in (the chip resets it
  // before every image): packets sent afterwards are delivered as many cycles after they were
  // sent as on a new network -- random meshes with both engines, and the bus -- and the
  // statistics keep counting. Without the reset the arbiters remember the earlier traffic and
  // some deliveries move, so the comparison has something to find.
  arch::ArchSpec a = chip({});
  std::mt19937_64 rng(20261208);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int moved_without_reset = 0, sets = 0;
  for (int set = 0; set < 400; ++set) {
    a.noc.tiles_per_router = std::array{1, 1, 2, 4}[pick(0, 3)];
    const int grid_rows = pick(1, 4), grid_cols = pick(2, 5), tiles = grid_rows * grid_cols;
    a.noc.buffer_depth_flits = pick(1, 4);
    a.noc.router_latency_cycles = pick(1, 2);
    a.noc.link_latency_cycles = pick(1, 2);
    a.noc.bus_latency_cycles = pick(1, 3);
    std::vector<std::pair<std::uint64_t, Packet>> plans[2];
    for (int k = 0; k < 2; ++k) {
      const int n = pick(2, 30);
      for (int i = 0; i < n; ++i)
        plans[k].push_back({static_cast<std::uint64_t>(pick(0, 20)),
                            packet(static_cast<std::uint64_t>(1000 * k + i), pick(0, tiles - 1),
                                   pick(0, tiles - 1), pick(1, 8))});
      std::sort(plans[k].begin(), plans[k].end(),
                [](auto& x, auto& y) { return x.first < y.first; });
    }
    for (int kind = 0; kind < 3; ++kind) {
      a.noc.engine = kind == 1 ? arch::NocEngine::Fast : arch::NocEngine::Flit;
      auto make = [&]() -> std::unique_ptr<models::Noc> {
        if (kind == 2) return std::make_unique<models::BusNoc>(a, tiles);
        return std::make_unique<models::MeshNoc>(a, grid_rows, grid_cols);
      };
      auto used = make(), fresh = make(), stale = make();
      std::uint64_t end = 0, stale_end = 0, ignored = 0;
      run_plan(*used, plans[0], 0, end);
      run_plan(*stale, plans[0], 0, stale_end);
      used->reset();
      const auto got = run_plan(*used, plans[1], end, ignored);
      const auto want = run_plan(*fresh, plans[1], 0, ignored);
      const auto remembered = run_plan(*stale, plans[1], stale_end, ignored);
      BOOST_REQUIRE_MESSAGE(got == want, "set " << set << ", " << used->describe()
                                                << ": a delivery after reset() differs");
      BOOST_REQUIRE_EQUAL(used->stats().packets, plans[0].size() + plans[1].size());
      moved_without_reset += remembered != want;
      ++sets;
    }
  }
  BOOST_TEST_MESSAGE(moved_without_reset << " of " << sets
                                         << " packet sets time differently without reset()");
  BOOST_TEST(moved_without_reset > 0);
}

BOOST_AUTO_TEST_CASE(reset_refuses_a_busy_network) {
  arch::ArchSpec a = chip({});
  models::MeshNoc mesh(a, 2, 2);
  mesh.send(packet(1, 0, 3, 4), 0);
  mesh.tick(0);
  BOOST_REQUIRE(mesh.busy());
  BOOST_CHECK_THROW(mesh.reset(), std::logic_error);
}

BOOST_AUTO_TEST_CASE(mesh_one_hop_zero_load) {
  auto arch = chip({"noc.router_latency_cycles=2", "noc.link_latency_cycles=1",
                    "noc.tiles_per_router=1", "chip.grid=[1,2]"});
  auto noc = models::make_noc(arch, arch.chip.grid->first, arch.chip.grid->second);
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
  auto noc = models::make_noc(arch, arch.chip.grid->first, arch.chip.grid->second);
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
  auto noc = models::make_noc(arch, arch.chip.grid->first, arch.chip.grid->second);
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
  auto noc = models::make_noc(arch, arch.chip.grid->first, arch.chip.grid->second);
  Harness h("h", *noc, {{0, packet(1, 0, 1, 2)}});
  sc_core::sc_start();
  BOOST_TEST(h.latency(1) == 7u);
}

BOOST_AUTO_TEST_CASE(mesh_deep_buffers_reach_zero_load) {
  auto arch = chip({"noc.router_latency_cycles=1", "noc.link_latency_cycles=1",
                    "noc.tiles_per_router=1", "noc.buffer_depth_flits=4", "chip.grid=[1,2]"});
  auto noc = models::make_noc(arch, arch.chip.grid->first, arch.chip.grid->second);
  Harness h("h", *noc, {{0, packet(1, 0, 1, 2)}});
  sc_core::sc_start();
  BOOST_TEST(h.latency(1) == 5u);
}

BOOST_AUTO_TEST_CASE(mesh_concentration_shares_a_router) {
  // 4 tiles per router on a 2x2 tile grid: one router, no links; latency R + 1 + (n-1).
  auto arch = chip({"noc.router_latency_cycles=2", "noc.link_latency_cycles=1",
                    "noc.tiles_per_router=4", "chip.grid=[2,2]"});
  auto noc = models::make_noc(arch, arch.chip.grid->first, arch.chip.grid->second);
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
  auto noc = models::make_noc(arch, arch.chip.grid->first, arch.chip.grid->second);
  Harness h("h", *noc, {{0, packet(1, 0, 3, 3)}, {0, packet(2, 1, 3, 3)}});
  sc_core::sc_start();
  BOOST_TEST(h.latency(1) == 4u);
  BOOST_TEST(h.latency(2) == 7u);
}

BOOST_AUTO_TEST_CASE(idle_network_costs_no_cycles) {
  auto arch = chip({"noc.router_latency_cycles=1", "noc.link_latency_cycles=1",
                    "noc.tiles_per_router=1", "chip.grid=[1,2]"});
  auto noc = models::make_noc(arch, arch.chip.grid->first, arch.chip.grid->second);
  Harness h("h", *noc, {{0, packet(1, 0, 1, 1)}, {100000, packet(2, 0, 1, 1)}});
  sc_core::sc_start();
  BOOST_TEST(h.latency(1) == h.latency(2));
  BOOST_TEST(h.delivered[2].sent_cycle == 100000u);
  BOOST_TEST(noc->stats().busy_cycles < 20u);  // stepped only while flits were in flight
}

// A network added the way models/noc_bus.cpp adds the bus -- one registration, in a file of its
// own (here, this test) -- is a choice of the schema, reaches the inventory and is what make_noc
// builds, with nothing else edited.
XBAR_REGISTER_IMPLEMENTATION(
    arch::noc_implementations(), test_ring, "a bus by another name, registered by a test", {},
    arch::NocImplementation{
        [](const arch::ArchSpec&, const arch::NocImplementation::AddPart& add) {
          add(arch::Component::NocBus, 3);
        },
        "noc_bus",
        [](const arch::ArchSpec& a, int rows, int columns) -> std::unique_ptr<models::Noc> {
          return std::make_unique<models::BusNoc>(a, rows * columns);
        }});

BOOST_AUTO_TEST_CASE(networks_come_from_the_registry) {
  std::vector<std::string> choices;
  for (const auto& section : arch::arch_schema())
    if (section.name == "noc")
      for (const auto& c : section.choices) choices.push_back(c.name);
  BOOST_TEST(choices == arch::noc_implementations().names(), boost::test_tools::per_element());
  BOOST_TEST((std::find(choices.begin(), choices.end(), "mesh") != choices.end()));
  BOOST_TEST((std::find(choices.begin(), choices.end(), "bus") != choices.end()));

  // (Set on a loaded chip: the strict schema would ask a test network for its own keys.)
  auto a = chip({"chip.grid=[1,2]"});
  a.noc.impl = "test_ring";
  a.noc.bus_latency_cycles = 2;
  const auto inv = arch::build_inventory(a);
  const auto* bus = inv.find(arch::Level::Tile, "noc_bus");
  BOOST_REQUIRE(bus);
  BOOST_TEST(bus->count == 3.0);
  BOOST_TEST(!inv.find(arch::Level::Tile, "router"));
  auto noc = models::make_noc(a, 1, 2);
  BOOST_TEST((dynamic_cast<models::BusNoc*>(noc.get()) != nullptr));

  // An unknown network is the schema's error, naming the registered ones.
  try {
    (void)chip({"noc.impl=torus"});
    BOOST_FAIL("noc.impl=torus was accepted");
  } catch (const std::exception& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("torus") != std::string::npos, what);
    BOOST_TEST(what.find("test_ring") != std::string::npos, what);
  }
}

BOOST_AUTO_TEST_SUITE_END()
