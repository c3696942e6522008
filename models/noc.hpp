// The on-chip network between tiles: packets of flits from one tile to another, with exact cycle
// counts including contention. A plain C++ model that its owner clocks: the chip ticks it in the
// cycles where flits are in flight, so an idle network costs no simulation time; NocClock (below)
// runs it free in a SystemC simulation of its own, for tests.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <utility>
#include <vector>

#include "arch/arch_spec.hpp"

namespace xbar::models {

struct Packet {
  std::uint64_t id = 0;  // the sender's handle for the payload; the network never looks inside
  int src_tile = 0;
  int dst_tile = 0;
  int flits = 1;
  std::uint64_t sent_cycle = 0;       // set by the network
  std::uint64_t delivered_cycle = 0;  // set by the network
};

// Counters of network events, for energy accounting and the report.
struct NocStats {
  std::uint64_t packets = 0;
  std::uint64_t flits = 0;
  std::uint64_t flit_hops = 0;      // flits carried over router-to-router links (mesh) or the bus
  std::uint64_t buffer_writes = 0;  // flits written into router input buffers
  std::uint64_t buffer_reads = 0;
  std::uint64_t router_traversals = 0;  // flits through a router's crossbar
  std::uint64_t total_latency_cycles = 0;
  std::uint64_t max_latency_cycles = 0;
  std::uint64_t busy_cycles = 0;  // cycles with at least one flit in flight
  double average_latency_cycles() const {
    return packets ? static_cast<double>(total_latency_cycles) / packets : 0.0;
  }
};

class Noc {
 public:
  using Deliver = std::function<void(const Packet&)>;

  explicit Noc(int tiles);
  virtual ~Noc() = default;
  Noc(const Noc&) = delete;
  Noc& operator=(const Noc&) = delete;

  // Hands a packet to the network in `cycle`; it is injected by the tick of that cycle (or of
  // next_tick() when that is later). The owner calls tick(c) for every cycle c at which busy()
  // holds, after all its own work of cycle c, and receives each delivery through `deliver` during
  // the tick that completes it, with delivered_cycle set (mesh: one cycle after the tick).
  void send(Packet packet, std::uint64_t cycle);
  void on_deliver(Deliver deliver) { deliver_ = std::move(deliver); }
  bool busy() const { return busy_ || !pending_.empty(); }
  // The first cycle at which a tick has anything to do (never before the last tick + 1). Ticking
  // earlier is allowed and changes nothing; the cycles skipped while busy count as busy cycles.
  std::uint64_t next_tick() const;
  void tick(std::uint64_t cycle);

  // Puts an idle network back into the state it was built in -- empty buffers, full credits,
  // arbiters at their first input -- keeping its statistics. The chip resets it before every
  // image, so an image's timing does not depend on the images run before it (which is what lets a
  // run split its images over worker processes). Throws std::logic_error while packets are in
  // flight.
  void reset();

  const NocStats& stats() const { return stats_; }
  int tiles() const { return tiles_; }
  virtual std::string describe() const = 0;
  // What one flit from src to dst goes through: router traversals and link (or bus) traversals.
  struct Route {
    int routers = 0;
    int links = 0;
  };
  virtual Route route_cost(int src_tile, int dst_tile) const = 0;
  // Where flits go, for the report's floorplan: the router a tile is attached to (-1: the network
  // has no routers, like the bus), and the router-to-router links (from, to) a flit from src to
  // dst crosses, in order (empty without routers). Together with the flits sent between each pair
  // of tiles they give the flits each link carried; their sum over a run is NocStats::flit_hops.
  virtual int router_of_tile(int /*tile*/) const { return -1; }
  virtual std::vector<std::pair<int, int>> route_links(int /*src_tile*/, int /*dst_tile*/) const {
    return {};
  }

 protected:
  // Advances the network by one cycle; returns whether anything is still in flight.
  virtual bool step(std::uint64_t cycle) = 0;
  virtual void inject(Packet packet) = 0;
  // reset()'s work for the implementation's own state (called only when nothing is in flight).
  virtual void reset_state() = 0;
  // The first cycle at which step() can change anything, given what is in flight; 0 when the
  // model cannot tell (it is then stepped every cycle while busy).
  virtual std::uint64_t next_change_cycle() const { return 0; }
  void deliver(Packet packet, std::uint64_t cycle);
  std::uint64_t ticking_cycle() const { return ticking_; }  // the cycle of the tick under way

  NocStats stats_;

 private:
  int tiles_;
  bool busy_ = false;
  Deliver deliver_;
  std::deque<Packet> pending_;  // sent, waiting for the next step
  std::uint64_t next_step_cycle_ = 0;
  std::uint64_t ticking_ = 0;
};

// A network running free in a SystemC simulation: one process ticks it every cycle while it is
// busy and sleeps while it is idle; send() hands a packet over at the current simulation time and
// each delivery reaches `on_deliver` at its delivery time. For the network's own tests.
class NocClock : public sc_core::sc_module {
 public:
  NocClock(sc_core::sc_module_name name, Noc& noc, double clock_period_ns);
  void send(Packet packet);
  void on_deliver(Noc::Deliver deliver) { deliver_ = std::move(deliver); }
  std::uint64_t cycle_now() const;
  sc_core::sc_time period() const { return period_; }
  Noc& noc() { return noc_; }

 private:
  void run();
  void fire_deliveries();

  Noc& noc_;
  sc_core::sc_time period_;
  Noc::Deliver deliver_;
  sc_core::sc_event activity_;
  std::deque<Packet> due_;  // delivered in a later cycle than the tick that finished them
  sc_core::sc_event_queue due_event_;
};

// Builds the network the arch's noc.impl names (arch::noc_implementations()) for the tiles of a
// grid_rows x grid_columns chip; tile t sits at row t / grid_columns, column t % grid_columns.
std::unique_ptr<Noc> make_noc(const arch::ArchSpec& arch, int grid_rows, int grid_columns);

}  // namespace xbar::models
