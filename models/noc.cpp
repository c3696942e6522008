#include "models/noc.hpp"

#include <cmath>
#include <stdexcept>

#include "models/noc_bus.hpp"
#include "models/noc_mesh.hpp"

namespace xbar::models {

Noc::Noc(sc_core::sc_module_name name, double clock_period_ns, int tiles)
    : sc_core::sc_module(name), period_(clock_period_ns, sc_core::SC_NS), tiles_(tiles) {
  SC_HAS_PROCESS(Noc);
  SC_THREAD(run);
  SC_METHOD(fire_deliveries);
  sensitive << due_event_;
  dont_initialize();
}

std::uint64_t Noc::cycle_now() const {
  return static_cast<std::uint64_t>(std::ceil(sc_core::sc_time_stamp() / period_ - 1e-9));
}

void Noc::send(Packet packet) { send(packet, cycle_now()); }

void Noc::send(Packet packet, std::uint64_t cycle) {
  if (packet.src_tile < 0 || packet.src_tile >= tiles_ || packet.dst_tile < 0 ||
      packet.dst_tile >= tiles_) {
    throw std::out_of_range("packet between tiles " + std::to_string(packet.src_tile) + " and " +
                            std::to_string(packet.dst_tile) + " on a network of " +
                            std::to_string(tiles_) + " tiles");
  }
  if (packet.flits < 1) throw std::invalid_argument("a packet has at least one flit");
  packet.sent_cycle = std::max(cycle, next_step_cycle_);
  pending_.push_back(packet);
  if (!driven_) activity_.notify(sc_core::SC_ZERO_TIME);
}

void Noc::deliver(Packet packet, std::uint64_t cycle) {
  packet.delivered_cycle = cycle;
  std::uint64_t now = driven_ ? cycle : cycle_now();
  if (cycle > now) {  // tell the receiver when it really arrives
    due_.push_back(packet);
    due_event_.notify(period_ * static_cast<double>(cycle - now));
    return;
  }
  std::uint64_t latency = cycle - packet.sent_cycle;
  ++stats_.packets;
  stats_.total_latency_cycles += latency;
  stats_.max_latency_cycles = std::max(stats_.max_latency_cycles, latency);
  if (deliver_) deliver_(packet);
}

void Noc::fire_deliveries() {
  std::uint64_t now = cycle_now();
  while (!due_.empty() && due_.front().delivered_cycle <= now) {
    Packet p = due_.front();
    due_.pop_front();
    deliver(p, p.delivered_cycle);
  }
}

void Noc::tick(std::uint64_t cycle) {
  while (!pending_.empty() && pending_.front().sent_cycle <= cycle) {
    inject(pending_.front());
    pending_.pop_front();
  }
  next_step_cycle_ = cycle + 1;
  busy_ = step(cycle);
  ++stats_.busy_cycles;
}

void Noc::run() {
  if (driven_) return;  // the owner steps the network from its own process
  bool busy = false;
  for (;;) {
    if (!busy && pending_.empty()) {
      sc_core::wait(activity_);
      continue;
    }
    std::uint64_t cycle = cycle_now();
    sc_core::sc_time edge = period_ * static_cast<double>(cycle);
    if (edge > sc_core::sc_time_stamp()) sc_core::wait(edge - sc_core::sc_time_stamp());
    while (!pending_.empty() && pending_.front().sent_cycle <= cycle) {
      inject(pending_.front());
      pending_.pop_front();
    }
    next_step_cycle_ = cycle + 1;
    busy = step(cycle);
    ++stats_.busy_cycles;
    if (busy || !pending_.empty()) sc_core::wait(period_);
  }
}

std::unique_ptr<Noc> make_noc(const char* name, const arch::ArchSpec& arch, int grid_rows,
                              int grid_columns) {
  if (arch.noc.impl == "mesh")
    return std::make_unique<MeshNoc>(name, arch, grid_rows, grid_columns);
  if (arch.noc.impl == "bus") return std::make_unique<BusNoc>(name, arch, grid_rows * grid_columns);
  throw std::invalid_argument("no network model named '" + arch.noc.impl + "'");
}

std::vector<std::string> registered_nocs() { return {"mesh", "bus"}; }

}  // namespace xbar::models
