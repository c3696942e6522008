// 2D mesh: XY routing, wormhole switching, input-buffered routers with credit-based back-pressure,
// a router pipeline of `router_latency_cycles` and links of `link_latency_cycles`; with
// concentration k (noc.tiles_per_router) k tiles share one router through k local ports.
//
// Zero-load latency of a packet of n flits over h router-to-router hops:
//   (h + 1) * router_latency + h * link_latency + 1 (ejection) + (n - 1) (serialisation).
//
// Two engines give the same delivery cycle for every packet (noc.engine; tests/models/noc.cpp
// compares them on random traffic):
// - flit: every flit stepped every cycle through the routers' buffers, arbiters and credits;
// - fast (default): a packet whose resources (its tile's injection port, every output port on its
//   path with the buffer behind it) are used by no flit-stepped packet, and that never asks for an
//   output while another packet is still waiting for it, is timed as a whole when it is injected:
//   each flit's entry into and departure from each buffer follows in closed form from the previous
//   flits of the same stream (one flit per cycle, the router pipeline, the link, the credits of
//   the downstream buffer, returned in the same cycle when the upstream router is stepped later).
//   Packets queued behind each other on a shared resource are timed in that order. When a packet
//   that must be stepped arrives on a resource such a packet holds, the timed packets that share
//   resources with it are put back into the routers' buffers, links and arbiters exactly as
//   stepping them would have left them at that cycle, and everything goes on flit by flit.
//   Cycles in which no stepped flit can move are skipped.
#pragma once

#include <queue>

#include "models/noc.hpp"

namespace xbar::models {

// How concentration k lays tiles on routers: a router serves a block of kr x kc tiles of the chip
// grid (kr the largest power of two with kr * kr <= k dividing k, kc = k / kr), so a grid of
// grid_rows x grid_columns tiles needs ceil(grid_rows / kr) x ceil(grid_columns / kc) routers.
struct MeshLayout {
  int block_rows = 1, block_columns = 1;  // kr, kc
  int rows = 0, columns = 0;              // routers
};
MeshLayout mesh_layout(int grid_rows, int grid_columns, int concentration);

class MeshNoc : public Noc {
 public:
  MeshNoc(const arch::ArchSpec& arch, int grid_rows, int grid_columns);
  std::string describe() const override;
  Route route_cost(int src_tile, int dst_tile) const override {
    const int h = hops(src_tile, dst_tile);
    return {h + 1, h};
  }

  int router_of(int tile) const { return tile_router_[tile]; }
  int router_of_tile(int tile) const override { return router_of(tile); }
  // XY routing: along the row to the destination's column, then along the column.
  std::vector<std::pair<int, int>> route_links(int src_tile, int dst_tile) const override;
  std::pair<int, int> router_position(int router) const { return {router / cols_, router % cols_}; }
  int hops(int src_tile, int dst_tile) const;
  // The fast engine's share so far: packets timed as a whole when injected, those of them handed
  // over to stepping later (a stepped packet came their way), and packets stepped from the start.
  std::uint64_t packets_timed() const { return packets_timed_; }
  std::uint64_t packets_handed_over() const { return packets_handed_over_; }
  std::uint64_t packets_stepped() const { return packets_stepped_; }

 protected:
  bool step(std::uint64_t cycle) override;
  void inject(Packet packet) override;
  std::uint64_t next_change_cycle() const override;
  void reset_state() override;

 private:
  enum Port {
    North = 0,
    East = 1,
    South = 2,
    West = 3,
    Local = 4
  };  // Local + k for the k-th local port
  struct Flit {
    int packet;  // index into packets_
    int dst;     // its destination tile (routing a head needs nothing else)
    bool head, tail;
    std::uint64_t ready_cycle;  // may leave the router from this cycle on
  };
  // A router input buffer: a ring of `depth` flits (credits and the injection check keep it from
  // overflowing).
  class FlitRing {
   public:
    void reserve(int depth) { slots_.resize(static_cast<size_t>(depth)); }
    bool empty() const { return count_ == 0; }
    size_t size() const { return count_; }
    const Flit& front() const { return slots_[head_]; }
    void pop_front() {
      head_ = head_ + 1 == slots_.size() ? 0 : head_ + 1;
      --count_;
    }
    void push_back(const Flit& f) {
      size_t i = head_ + count_;
      if (i >= slots_.size()) i -= slots_.size();
      slots_[i] = f;
      ++count_;
    }

   private:
    std::vector<Flit> slots_;
    size_t head_ = 0, count_ = 0;
  };
  struct InputPort {
    FlitRing buffer;
    int out = -1;  // output port held by the packet at the head (wormhole), -1 when none
  };
  struct OutputPort {
    int held_by = -1;            // input port whose packet owns this output until its tail passes
    int credits = 0;             // free slots in the downstream input buffer
    int rr = 0;                  // round-robin pointer over inputs
    std::uint64_t rr_cycle = 0;  // cycle of the grant that set rr
  };
  struct Router {
    std::vector<InputPort> in;
    std::vector<OutputPort> out;
    int buffered = 0;            // flits in its input buffers: a router with none has nothing to do
    std::uint64_t occupied = 0;  // bit i: input port i holds a flit
  };
  struct InFlight {
    std::uint64_t arrival_cycle;
    int router, port;
    Flit flit;
  };
  struct Hop {
    int router, in, out;
  };

  // ---- the fast engine ----
  // A resource is a tile's injection (its source queue and local input buffer: id = tile) or an
  // output port with the input buffer it feeds (id = tiles + router * ports + port).
  struct Resource {
    int stepped = 0;         // stepped packets in flight that use it
    std::vector<int> timed;  // timed packets in flight that use it, in the order timed
    // The stream of flits through it, while timed packets use it: for an output port, when each
    // of its last `depth` flits left the buffer it feeds (its credits) and the last grant and
    // tail; for an injection, when its last `depth` flits left the local input buffer and when
    // the last one entered it.
    std::vector<std::uint64_t> recent;  // oldest first, at most depth
    std::uint64_t last_grant = 0, last_tail = 0, last_entry = 0;
    bool has_stream = false;
  };
  struct Timed {
    Packet packet;
    std::uint64_t order = 0;
    std::vector<Hop> path;
    std::vector<int> resources;  // injection, then the output port of each hop
    // [hop * flits + f]: cycle flit f enters hop's input buffer / leaves it through its output.
    std::vector<std::uint64_t> enter, leave;
    std::vector<std::uint64_t> grant;  // per hop
    bool in_flight = false;
  };
  struct Due {  // a timed packet's delivery, in the step of `cycle`
    std::uint64_t cycle;
    int router, port, timed;
    std::uint64_t order;  // the timed packet's, to tell it from a later one in the same slot
    bool operator>(const Due& o) const {  // by cycle, then in the order stepping delivers
      return cycle != o.cycle ? cycle > o.cycle
                              : (router != o.router ? router > o.router : port > o.port);
    }
  };

  int route(int router, int dst_tile) const;  // output port by XY routing
  int neighbour(int router, int port) const;
  static int opposite(int port) { return port < 4 ? (port + 2) % 4 : port; }
  std::vector<Hop> path(int src_tile, int dst_tile) const;
  int port_resource(int router, int port) const { return tiles() + router * ports_ + port; }
  void inject_stepped(const Packet& packet);
  // Adds `delta` to the stepped-packet count of every resource the packet uses.
  void count_stepped(const Packet& packet, int delta);
  // Calls f(router, in, out, resource) for each hop of the route from src to dst.
  template <class F>
  void for_each_port(int src_tile, int dst_tile, F&& f) const {
    int router = tile_router_[src_tile], in = tile_port_[src_tile];
    for (;;) {
      const int out = route_[static_cast<size_t>(router) * tiles() + dst_tile];
      f(router, in, out, port_resource(router, out));
      if (out >= Local) return;
      router = neighbour(router, out);
      in = opposite(out);
    }
  }
  bool try_time(const Packet& packet, std::uint64_t cycle, Timed& t);
  void commit(Timed&& t);
  void step_all_timed_sharing(const std::vector<int>& resources, std::uint64_t cycle);
  void to_flits(int timed, std::uint64_t cycle);
  void release(int timed);
  void set_rr(OutputPort& out, int input, std::uint64_t grant_cycle) const;
  bool timed(const Due& d) const {
    return timed_[d.timed].in_flight && timed_[d.timed].order == d.order;
  }
  void mark_active(int router) { active_[router >> 6] |= std::uint64_t{1} << (router & 63); }

  bool fast_ = true;
  int rows_ = 0, cols_ = 0, concentration_ = 1, ports_ = 0;
  int depth_ = 0, router_latency_ = 0, link_latency_ = 0;
  std::vector<int> tile_router_, tile_port_;
  std::vector<std::uint8_t> route_;  // [router * tiles + destination tile]: output port (XY)
  std::vector<Router> routers_;
  std::vector<std::uint64_t> active_;  // bit r: router r holds a flit
  std::vector<Packet> packets_;
  std::vector<int> free_packets_;
  std::vector<std::deque<Flit>> source_;  // per tile: flits waiting to enter its local port
  std::vector<int> sources_waiting_;      // tiles whose source_ is not empty (any order)
  std::deque<InFlight> links_;            // ordered by arrival cycle
  std::uint64_t flits_in_network_ = 0;    // injected and not yet ejected, stepped or timed
  std::uint64_t flits_stepped_ = 0;       // in source queues, buffers and links
  std::uint64_t wake_ = 0;                // no stepped flit can move before this cycle

  std::vector<Resource> resources_;
  std::vector<Timed> timed_;
  std::vector<int> free_timed_;
  mutable std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
  std::vector<std::uint32_t> seen_;  // scratch: resources visited (by stamp)
  std::uint32_t stamp_ = 0;
  std::uint64_t order_ = 0;
  std::uint64_t packets_timed_ = 0, packets_handed_over_ = 0, packets_stepped_ = 0;
  struct Delivery {
    int router, port;
    Packet packet;
  };
  std::vector<Delivery> deliveries_;  // scratch: one step's deliveries
};

}  // namespace xbar::models
