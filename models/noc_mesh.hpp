// 2D mesh: XY routing, wormhole switching, input-buffered routers with credit-based back-pressure,
// a router pipeline of `router_latency_cycles` and links of `link_latency_cycles`; with
// concentration k (noc.tiles_per_router) k tiles share one router through k local ports.
//
// Zero-load latency of a packet of n flits over h router-to-router hops:
//   (h + 1) * router_latency + h * link_latency + 1 (ejection) + (n - 1) (serialisation).
#pragma once

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
  MeshNoc(sc_core::sc_module_name name, const arch::ArchSpec& arch, int grid_rows,
          int grid_columns);
  std::string describe() const override;
  Route route_cost(int src_tile, int dst_tile) const override {
    const int h = hops(src_tile, dst_tile);
    return {h + 1, h};
  }

  int router_of(int tile) const { return tile_router_[tile]; }
  std::pair<int, int> router_position(int router) const { return {router / cols_, router % cols_}; }
  int hops(int src_tile, int dst_tile) const;

 protected:
  bool step(std::uint64_t cycle) override;
  void inject(Packet packet) override;

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
    int held_by = -1;  // input port whose packet owns this output until its tail passes
    int credits = 0;   // free slots in the downstream input buffer
    int rr = 0;        // round-robin pointer over inputs
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

  int route(int router, int dst_tile) const;  // output port by XY routing
  int neighbour(int router, int port) const;
  static int opposite(int port) { return port < 4 ? (port + 2) % 4 : port; }

  int rows_ = 0, cols_ = 0, concentration_ = 1;
  int depth_ = 0, router_latency_ = 0, link_latency_ = 0;
  std::vector<int> tile_router_, tile_port_;
  std::vector<std::uint8_t> route_;  // [router * tiles + destination tile]: output port (XY)
  std::vector<Router> routers_;
  std::vector<Packet> packets_;
  std::vector<int> free_packets_;
  std::vector<std::deque<Flit>> source_;  // per tile: flits waiting to enter its local port
  std::vector<int> sources_waiting_;      // tiles whose source_ is not empty (any order)
  std::deque<InFlight> links_;            // ordered by arrival cycle
  std::uint64_t flits_in_network_ = 0;
};

}  // namespace xbar::models
