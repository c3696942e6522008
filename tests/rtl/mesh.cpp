// Co-simulation of a mesh of rtl/mesh_router.v (rtl/mesh.v, verilated) against models::MeshNoc
// driven cycle by cycle on the same clock: the same packets enter both at the same cycles (the
// RTL's tiles hold them in a source queue and offer one flit per cycle, as MeshNoc's do), and the
// packets delivered in every cycle (tail flit ejected, with its destination) must be the same.
// Three meshes (tests/rtl/configs.hpp): 3x3 routers with one tile each (2-flit buffers, 2-cycle
// router, 2-cycle link, 23-bit flits), 2x2 routers with two tiles each (concentration 2, 3-flit
// buffers, 1-cycle router and link, 21-bit flits) and 2x4 routers with four tiles each (2x2 tile
// blocks, 1-flit buffers, 3-cycle router, 16-bit flits).
#include <boost/test/unit_test.hpp>
#include <deque>
#include <map>
#include <random>
#include <set>

#include "arch/arch_spec.hpp"
#include "models/noc_mesh.hpp"
#include "rtl/arch_parameters.hpp"
#include "tests/rtl/configs.hpp"
#include "tests/support/temp_dir.hpp"

using namespace xbar;
using test::MeshA;
using test::MeshB;
using test::MeshC;
using test::MismatchLog;

namespace {

// The tile grid a mesh of C serves: concentration k gives each router a block of tiles as
// models::MeshNoc lays them (k = 2: 1x2, k = 4: 2x2).
template <class C>
std::pair<int, int> tile_grid() {
  const models::MeshLayout block = models::mesh_layout(1, 1, C::local_ports);
  return {C::rows * block.block_rows, C::cols * block.block_columns};
}

// The arch of a config, optionally with the model's router latency altered; unaltered, the
// verilated parameters must be those rtl::mesh_parameters gives for it.
template <class C>
arch::ArchSpec mesh_arch(int router_latency_delta = 0) {
  arch::ArchSpec a =
      arch::load_arch(test::source_dir() + "/configs/arch/resparc-64.yaml",
                      {"noc.buffer_depth_flits=" + std::to_string(C::depth),
                       "noc.router_latency_cycles=" + std::to_string(C::router_latency),
                       "noc.link_latency_cycles=" + std::to_string(C::link_latency),
                       "noc.tiles_per_router=" + std::to_string(C::local_ports),
                       "noc.flit_bits=" + std::to_string(C::flit_bits)});
  const auto [grid_rows, grid_cols] = tile_grid<C>();
  const std::string diff =
      test::verilated_mismatch(C::name, C::params, rtl::mesh_parameters(a, grid_rows, grid_cols));
  BOOST_REQUIRE_MESSAGE(diff.empty(), diff);
  a.noc.router_latency_cycles += router_latency_delta;
  return a;
}

// One packet as the test plans it.
struct Planned {
  std::uint64_t id;
  int src, dst, flits;
};

template <class C>
struct Bench : sc_core::sc_module {
  static constexpr int E = C::endpoints, FW = C::flit_bits;
  static_assert(E <= 32, "the bench drives inject_valid as 32 bits");
  sc_core::sc_clock clk{"clk", test::kClockNs, sc_core::SC_NS};
  sc_core::sc_signal<bool> rst{"rst"};
  sc_core::sc_signal<std::uint32_t> inject_valid{"inject_valid"}, inject_ready{"inject_ready"},
      eject_valid{"eject_valid"};
  sc_core::sc_signal<sc_dt::sc_bv<E * FW>> inject_flit{"inject_flit"}, eject_flit{"eject_flit"};
  typename C::Rtl rtl{"rtl"};
  models::MeshNoc noc;
  const int grid_rows = tile_grid<C>().first, grid_cols = tile_grid<C>().second;
  std::vector<int> endpoint_of;                   // tile -> RTL endpoint (router * k + local port)
  std::vector<std::deque<std::uint64_t>> source;  // per tile: flits (encoded) not yet accepted
  std::map<std::uint64_t, std::set<std::pair<std::uint64_t, int>>> expected;  // cycle -> (id, tile)
  std::function<std::vector<Planned>(std::uint64_t)> plan;
  MismatchLog log{std::string("mesh ") + C::name};
  std::uint64_t cycle = 0, cycles = 0, packets = 0, delivered = 0;
  std::uint64_t max_latency = 0;  // of the model's packets (the RTL's, when nothing mismatches)

  Bench(sc_core::sc_module_name name, const arch::ArchSpec& a,
        std::function<std::vector<Planned>(std::uint64_t)> p, std::uint64_t n)
      : sc_core::sc_module(name),
        noc(a, tile_grid<C>().first, tile_grid<C>().second),
        plan(std::move(p)),
        cycles(n) {
    SC_HAS_PROCESS(Bench);
    rtl.clk(clk);
    rtl.rst(rst);
    rtl.inject_valid(inject_valid);
    rtl.inject_flit(inject_flit);
    rtl.inject_ready(inject_ready);
    rtl.eject_valid(eject_valid);
    rtl.eject_flit(eject_flit);
    noc.on_deliver([this](const models::Packet& pk) {
      expected[pk.delivered_cycle].insert({pk.id, pk.dst_tile});
      max_latency = std::max(max_latency, pk.delivered_cycle - pk.sent_cycle);
    });
    // MeshNoc's tile -> (router, local port): tiles in index order take their router's ports.
    const int tiles = grid_rows * grid_cols;
    BOOST_REQUIRE_EQUAL(tiles, E);
    std::vector<int> used(C::rows * C::cols, 0);
    for (int t = 0; t < tiles; ++t) {
      const int r = noc.router_of(t);
      endpoint_of.push_back(r * C::local_ports + used[r]++);
    }
    source.resize(tiles);
    rst.write(true);
    SC_METHOD(check_and_drive);
    sensitive << clk.negedge_event();
    dont_initialize();
  }

  std::uint64_t encode(const Planned& p, bool head, bool tail) const {
    const int router = noc.router_of(p.dst);
    const auto [row, col] = noc.router_position(router);
    const int port = endpoint_of[p.dst] - router * C::local_ports;
    std::uint64_t f = head;
    f = (f << 1) | tail;
    f = (f << C::row_bits) | static_cast<std::uint64_t>(row);
    f = (f << C::col_bits) | static_cast<std::uint64_t>(col);
    f = (f << C::port_bits) | static_cast<std::uint64_t>(port);
    f = (f << C::id_bits) | (p.id & ((std::uint64_t{1} << C::id_bits) - 1));
    return f;
  }

  void check_and_drive() {
    // 1. This cycle's deliveries: tail flits on the RTL's local outputs against the model's.
    if (cycle >= 1) {
      std::set<std::pair<std::uint64_t, int>> got;
      const std::uint32_t valid = eject_valid.read();
      const auto flits = eject_flit.read();
      for (int t = 0; t < E; ++t) {
        const int e = endpoint_of[t];
        if (!((valid >> e) & 1)) continue;
        const std::uint64_t f = test::field(flits, e * FW, FW);
        if ((f >> (FW - 2)) & 1) got.insert({f & ((std::uint64_t{1} << C::id_bits) - 1), t});
      }
      std::set<std::pair<std::uint64_t, int>> want;
      if (auto it = expected.find(cycle); it != expected.end()) {
        for (auto [id, t] : it->second)
          want.insert({id & ((std::uint64_t{1} << C::id_bits) - 1), t});
        expected.erase(it);
      }
      log.check(cycle, "packets delivered", static_cast<long long>(got.size()),
                static_cast<long long>(want.size()));
      for (auto& d : got)
        if (!want.count(d))
          log.check(cycle,
                    "packet " + std::to_string(d.first) + " at tile " + std::to_string(d.second) +
                        " delivered",
                    1, 0);
      for (auto& d : want)
        if (!got.count(d))
          log.check(cycle,
                    "packet " + std::to_string(d.first) + " at tile " + std::to_string(d.second) +
                        " delivered",
                    0, 1);
      delivered += got.size();
    }
    if (cycle + 1 >= cycles) {
      sc_core::sc_stop();
      return;
    }
    rst.write(cycle == 0);
    // 2. New packets of this cycle, into the model and the RTL tiles' source queues.
    if (cycle >= 1) {
      for (const Planned& p : plan(cycle)) {
        models::Packet m;
        m.id = p.id;
        m.src_tile = p.src;
        m.dst_tile = p.dst;
        m.flits = p.flits;
        noc.send(m, cycle);
        for (int f = 0; f < p.flits; ++f)
          source[p.src].push_back(encode(p, f == 0, f == p.flits - 1));
        ++packets;
      }
      // 3. The model steps cycle `cycle` after everything the chip does in it, when it has work
      //    then (as the chip drives it).
      if (noc.busy() && noc.next_tick() <= cycle) noc.tick(cycle);
    }
    // 4. Each tile offers its next flit; one the router is ready for is taken at the edge.
    std::uint32_t valid = 0;
    sc_dt::sc_bv<E * FW> flits;
    const std::uint32_t ready = inject_ready.read();
    for (int t = 0; t < E; ++t) {
      if (source[t].empty() || cycle == 0) continue;
      const int e = endpoint_of[t];
      valid |= 1u << e;
      flits.range(e * FW + FW - 1, e * FW) = source[t].front();
      if ((ready >> e) & 1) source[t].pop_front();
    }
    inject_valid.write(valid);
    inject_flit.write(flits);
    ++cycle;
  }
};

// Random traffic in phases of 5,000 cycles: light uniform, heavy uniform (beyond saturation:
// buffers full, back-pressure everywhere), a hotspot (every tile to tile 0), then a quiet phase
// that drains the queues. Packets of 1..4 flits, sources and destinations uniform. The rates are
// per tile for up to 9 tiles and shrink beyond, so that the hotspot phase offers a network of any
// size the same load (under one flit per cycle into tile 0), times `load` for a network that moves
// fewer flits per cycle (single-flit buffers), so that the quiet phase can drain it.
std::function<std::vector<Planned>(std::uint64_t)> random_traffic(unsigned seed, int tiles,
                                                                  double load) {
  auto rng = std::make_shared<std::mt19937_64>(seed);
  auto next_id = std::make_shared<std::uint64_t>(0);
  return [rng, next_id, tiles, load](std::uint64_t cycle) {
    std::uniform_real_distribution<double> u(0, 1);
    const int phase = static_cast<int>((cycle / 5000) % 4);
    const double scale = load * std::min(1.0, 9.0 / tiles);
    const double rate = scale * (phase == 0 ? 0.03 : phase == 1 ? 0.2 : phase == 2 ? 0.04 : 0.0);
    std::vector<Planned> out;
    for (int src = 0; src < tiles; ++src) {
      if (u(*rng) >= rate) continue;
      Planned p;
      p.id = (*next_id)++;
      p.src = src;
      p.dst = phase == 2 ? 0 : static_cast<int>((*rng)() % tiles);
      p.flits = 1 + static_cast<int>((*rng)() % 4);
      out.push_back(p);
    }
    return out;
  };
}

struct Outcome {
  std::uint64_t mismatches, packets, delivered, max_latency;
};

template <class C>
Outcome run(const arch::ArchSpec& a, std::uint64_t cycles, unsigned seed, double load = 1.0) {
  Bench<C> bench("bench", a, random_traffic(seed, C::endpoints, load), cycles);
  sc_core::sc_start();
  BOOST_TEST_MESSAGE(C::name << ": " << bench.cycle << " cycles, " << bench.packets
                             << " packets sent, " << bench.delivered
                             << " delivered, longest latency " << bench.max_latency << " cycles, "
                             << bench.log.count() << " mismatches");
  return {bench.log.count(), bench.packets, bench.delivered, bench.max_latency};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rtl_mesh)

BOOST_AUTO_TEST_CASE(mesh_3x3_random_traffic_100k_cycles) {
  const Outcome o = run<MeshA>(mesh_arch<MeshA>(), 100'000, 4);
  BOOST_TEST(o.mismatches == 0u);
  BOOST_TEST(o.packets > 20'000u);
  BOOST_TEST(o.delivered + 200 > o.packets);  // all but those still in flight at the end
  BOOST_TEST(o.max_latency > 200u);           // the heavy phases saturated the network
}

BOOST_AUTO_TEST_CASE(concentrated_2x2_random_traffic_100k_cycles) {
  const Outcome o = run<MeshB>(mesh_arch<MeshB>(), 100'000, 5);
  BOOST_TEST(o.mismatches == 0u);
  BOOST_TEST(o.packets > 20'000u);
  BOOST_TEST(o.delivered + 200 > o.packets);
  BOOST_TEST(o.max_latency > 100u);
}

// 2x4 routers serving 2x2 blocks of a 4x8 tile grid (concentration 4), single-flit buffers (every
// hop waits for its credit), a 3-cycle router and 16-bit flits with 9-bit ids.
BOOST_AUTO_TEST_CASE(concentrated_2x4_16bit_flits_random_traffic_100k_cycles) {
  const Outcome o = run<MeshC>(mesh_arch<MeshC>(), 100'000, 6, 0.25);
  BOOST_TEST(o.mismatches == 0u);
  BOOST_TEST(o.packets > 10'000u);
  BOOST_TEST(o.delivered + 200 > o.packets);
  BOOST_TEST(o.max_latency > 100u);
}

// The harness can fail: a model whose routers take one cycle more than the RTL's is caught.
BOOST_AUTO_TEST_CASE(altered_router_latency_is_detected) {
  const Outcome o = run<MeshA>(mesh_arch<MeshA>(+1), 5'000, 4);
  BOOST_TEST(o.mismatches > 0u);
}

BOOST_AUTO_TEST_SUITE_END()
