#include "models/noc_mesh.hpp"

#include <bit>
#include <cmath>
#include <stdexcept>

namespace xbar::models {

MeshLayout mesh_layout(int grid_rows, int grid_columns, int concentration) {
  MeshLayout m;
  while ((m.block_rows * 2) * (m.block_rows * 2) <= concentration &&
         concentration % (m.block_rows * 2) == 0)
    m.block_rows *= 2;
  m.block_columns = concentration / m.block_rows;
  m.rows = (grid_rows + m.block_rows - 1) / m.block_rows;
  m.columns = (grid_columns + m.block_columns - 1) / m.block_columns;
  return m;
}

MeshNoc::MeshNoc(sc_core::sc_module_name name, const arch::ArchSpec& arch, int grid_rows,
                 int grid_cols)
    : Noc(name, arch.technology.clock_period_ns(), grid_rows * grid_cols),
      concentration_(arch.noc.tiles_per_router),
      depth_(arch.noc.buffer_depth_flits),
      router_latency_(arch.noc.router_latency_cycles),
      link_latency_(arch.noc.link_latency_cycles) {
  // Tiles sit on the chip grid; a router serves a kr x kc block of them.
  const int tiles = grid_rows * grid_cols;
  const MeshLayout layout = mesh_layout(grid_rows, grid_cols, concentration_);
  const int kr = layout.block_rows, kc = layout.block_columns;
  rows_ = layout.rows;
  cols_ = layout.columns;
  tile_router_.resize(tiles);
  tile_port_.resize(tiles);
  std::vector<int> used(rows_ * cols_, 0);
  for (int t = 0; t < tiles; ++t) {
    int r = t / grid_cols, c = t % grid_cols;
    tile_router_[t] = (r / kr) * cols_ + c / kc;
    tile_port_[t] = Local + used[tile_router_[t]]++;
  }
  if (concentration_ > 60) throw std::invalid_argument("a mesh router serves at most 60 tiles");
  routers_.resize(rows_ * cols_);
  for (auto& router : routers_) {
    router.in.resize(Local + concentration_);
    router.out.resize(Local + concentration_);
    for (auto& o : router.out) o.credits = depth_;
    for (auto& i : router.in) i.buffer.reserve(depth_);
  }
  route_.resize(routers_.size() * static_cast<size_t>(tiles));
  for (int r = 0; r < static_cast<int>(routers_.size()); ++r)
    for (int t = 0; t < tiles; ++t)
      route_[static_cast<size_t>(r) * tiles + t] = static_cast<std::uint8_t>(route(r, t));
  source_.resize(tiles);
}

std::string MeshNoc::describe() const {
  return "mesh " + std::to_string(rows_) + "x" + std::to_string(cols_) + " routers, " +
         std::to_string(concentration_) + " tile(s) per router";
}

int MeshNoc::hops(int src_tile, int dst_tile) const {
  auto [r1, c1] = router_position(tile_router_[src_tile]);
  auto [r2, c2] = router_position(tile_router_[dst_tile]);
  return std::abs(r1 - r2) + std::abs(c1 - c2);
}

int MeshNoc::route(int router, int dst_tile) const {
  int dst = tile_router_[dst_tile];
  auto [r, c] = router_position(router);
  auto [dr, dc] = router_position(dst);
  if (dc > c) return East;
  if (dc < c) return West;
  if (dr > r) return South;
  if (dr < r) return North;
  return tile_port_[dst_tile];
}

int MeshNoc::neighbour(int router, int port) const {
  auto [r, c] = router_position(router);
  switch (port) {
    case North:
      return (r - 1) * cols_ + c;
    case South:
      return (r + 1) * cols_ + c;
    case East:
      return r * cols_ + c + 1;
    case West:
      return r * cols_ + c - 1;
  }
  return -1;
}

void MeshNoc::inject(Packet packet) {
  int index;
  if (!free_packets_.empty()) {
    index = free_packets_.back();
    free_packets_.pop_back();
    packets_[index] = packet;
  } else {
    index = static_cast<int>(packets_.size());
    packets_.push_back(packet);
  }
  if (source_[packet.src_tile].empty()) sources_waiting_.push_back(packet.src_tile);
  for (int f = 0; f < packet.flits; ++f) {
    source_[packet.src_tile].push_back({index, f == 0, f == packet.flits - 1, 0});
  }
  stats_.flits += packet.flits;
  flits_in_network_ += packet.flits;
}

bool MeshNoc::step(std::uint64_t cycle) {
  // 1. Flits whose link traversal ends now enter their input buffer (space was reserved by credit).
  while (!links_.empty() && links_.front().arrival_cycle <= cycle) {
    InFlight& f = links_.front();
    f.flit.ready_cycle = cycle + router_latency_;
    Router& router = routers_[f.router];
    router.in[f.port].buffer.push_back(f.flit);
    router.occupied |= std::uint64_t{1} << f.port;
    ++router.buffered;
    ++stats_.buffer_writes;
    links_.pop_front();
  }
  // 2. Each tile's local port takes one flit per cycle from its source queue when there is room
  //    (tiles never share a local port, so the order over tiles does not matter).
  for (size_t k = 0; k < sources_waiting_.size();) {
    const int t = sources_waiting_[k];
    Router& router = routers_[tile_router_[t]];
    InputPort& in = router.in[tile_port_[t]];
    if (static_cast<int>(in.buffer.size()) < depth_) {
      Flit flit = source_[t].front();
      source_[t].pop_front();
      flit.ready_cycle = cycle + router_latency_;
      in.buffer.push_back(flit);
      router.occupied |= std::uint64_t{1} << tile_port_[t];
      ++router.buffered;
      ++stats_.buffer_writes;
      if (source_[t].empty()) {
        sources_waiting_[k] = sources_waiting_.back();
        sources_waiting_.pop_back();
        continue;
      }
    }
    ++k;
  }
  // 3. Switch traversal, router by router in index order (a credit returned upstream is seen by a
  //    later router in the same cycle): each output forwards at most one flit; wormhole keeps an
  //    output with a packet until its tail; free outputs are granted round-robin among ready head
  //    flits.
  for (int r = 0; r < static_cast<int>(routers_.size()); ++r) {
    Router& router = routers_[r];
    if (router.buffered == 0) continue;
    const int ports = static_cast<int>(router.in.size());
    // Which inputs ask for which free output this cycle (a ready head flit routed there), and the
    // outputs that may move a flit: requested ones and ones held by a packet.
    std::uint64_t requests[64 + Local];
    std::uint64_t outputs = 0;
    for (std::uint64_t bits = router.occupied; bits; bits &= bits - 1) {
      const int i = std::countr_zero(bits);
      InputPort& in = router.in[i];
      const Flit& head = in.buffer.front();
      if (in.out < 0 && head.head)
        in.out = route_[static_cast<size_t>(r) * tiles() + packets_[head.packet].dst_tile];
      if (in.out < 0) continue;
      const std::uint64_t bit = std::uint64_t{1} << in.out;
      if (!(outputs & bit)) requests[in.out] = 0;
      outputs |= bit;
      if (head.head && head.ready_cycle <= cycle) requests[in.out] |= std::uint64_t{1} << i;
    }
    for (std::uint64_t bits = outputs; bits; bits &= bits - 1) {
      const int o = std::countr_zero(bits);
      OutputPort& out = router.out[o];
      int chosen = out.held_by;
      if (chosen < 0) {
        const std::uint64_t req = requests[o];
        if (req == 0) continue;
        // Round robin: the first requesting input at or after the pointer.
        const std::uint64_t from_rr = out.rr < 64 ? req & (~std::uint64_t{0} << out.rr) : 0;
        chosen = std::countr_zero(from_rr ? from_rr : req);
        out.rr = (chosen + 1) % ports;
        out.held_by = chosen;
      }
      InputPort& in = router.in[chosen];
      if (in.buffer.empty() || in.buffer.front().ready_cycle > cycle) continue;
      bool local = o >= Local;
      if (!local && out.credits == 0) continue;  // back-pressure: no room downstream
      Flit flit = in.buffer.front();
      in.buffer.pop_front();
      if (in.buffer.empty()) router.occupied &= ~(std::uint64_t{1} << chosen);
      --router.buffered;
      ++stats_.buffer_reads;
      ++stats_.router_traversals;
      // The slot just freed is a credit for whoever feeds this input.
      if (chosen < Local) {
        int up = neighbour(r, chosen);
        ++routers_[up].out[opposite(chosen)].credits;
      }
      if (flit.tail) {
        out.held_by = -1;
        in.out = -1;
      }
      if (local) {
        --flits_in_network_;
        if (flit.tail) {
          Packet p = packets_[flit.packet];
          free_packets_.push_back(flit.packet);
          deliver(p, cycle + 1);
        }
      } else {
        --out.credits;
        ++stats_.flit_hops;
        links_.push_back({cycle + link_latency_, neighbour(r, o), opposite(o), flit});
      }
    }
  }
  return flits_in_network_ > 0;
}

}  // namespace xbar::models
