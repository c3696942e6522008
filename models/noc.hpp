// The on-chip network between tiles: packets of flits from one tile to another, with exact cycle
// counts including contention. One module owns the whole network and steps cycle by cycle only
// while flits are in flight; an idle network costs no simulation time.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <systemc>
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

class Noc : public sc_core::sc_module {
 public:
  using Deliver = std::function<void(const Packet&)>;

  Noc(sc_core::sc_module_name name, double clock_period_ns, int tiles);

  // Hands a packet to the network at the current simulation time; it is injected at the next clock
  // edge at or after now. `deliver` is called (at the delivery time) when its tail flit arrives.
  void send(Packet packet);
  void on_deliver(Deliver deliver) { deliver_ = std::move(deliver); }

  // Driven mode, for an owner that simulates the rest of the chip in its own process: the network
  // then has no process of its own (call before the simulation starts); the owner sends packets
  // with the current cycle, calls tick(c) for every cycle c at which busy() holds, after all its
  // own work of cycle c, and receives each delivery through `deliver` during the tick that ejects
  // it, with delivered_cycle set (one cycle later than the tick). Cycle counts are the same as in
  // the free-running mode.
  void drive_externally() { driven_ = true; }
  void send(Packet packet, std::uint64_t cycle);
  bool busy() const { return busy_ || !pending_.empty(); }
  // The first cycle at which tick() may be called (no earlier than the last tick + 1).
  std::uint64_t next_tick() const { return next_step_cycle_; }
  void tick(std::uint64_t cycle);

  const NocStats& stats() const { return stats_; }
  int tiles() const { return tiles_; }
  sc_core::sc_time period() const { return period_; }
  std::uint64_t cycle_now() const;
  virtual std::string describe() const = 0;
  // What one flit from src to dst goes through: router traversals and link (or bus) traversals.
  struct Route {
    int routers = 0;
    int links = 0;
  };
  virtual Route route_cost(int src_tile, int dst_tile) const = 0;

 protected:
  // Advances the network by one cycle; returns whether anything is still in flight.
  virtual bool step(std::uint64_t cycle) = 0;
  virtual void inject(Packet packet) = 0;
  void deliver(Packet packet, std::uint64_t cycle);

  NocStats stats_;

 private:
  void run();
  void fire_deliveries();

  sc_core::sc_time period_;
  int tiles_;
  bool driven_ = false, busy_ = false;
  Deliver deliver_;
  sc_core::sc_event activity_;
  std::deque<Packet> pending_;  // sent, waiting for the next step
  std::uint64_t next_step_cycle_ = 0;
  std::deque<Packet> due_;  // delivered in a later cycle than the step that finished them
  sc_core::sc_event_queue due_event_;
};

// Builds the network the arch's noc.impl names (mesh | bus) for the tiles of a grid_rows x
// grid_columns chip; tile t sits at row t / grid_columns, column t % grid_columns.
std::unique_ptr<Noc> make_noc(const char* name, const arch::ArchSpec& arch, int grid_rows,
                              int grid_columns);
// The implementations make_noc knows, for `xbarsim list` and a test that the schema and the
// registry agree.
std::vector<std::string> registered_nocs();

}  // namespace xbar::models
