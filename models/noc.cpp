#include "models/noc.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "arch/noc_implementation.hpp"

namespace xbar::models {

Noc::Noc(int tiles) : tiles_(tiles) {}

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
}

void Noc::deliver(Packet packet, std::uint64_t cycle) {
  packet.delivered_cycle = cycle;
  const std::uint64_t latency = cycle - packet.sent_cycle;
  ++stats_.packets;
  stats_.total_latency_cycles += latency;
  stats_.max_latency_cycles = std::max(stats_.max_latency_cycles, latency);
  if (deliver_) deliver_(packet);
}

std::uint64_t Noc::next_tick() const {
  std::uint64_t next = std::numeric_limits<std::uint64_t>::max();
  if (!pending_.empty()) next = std::max(pending_.front().sent_cycle, next_step_cycle_);
  if (busy_) next = std::min(next, std::max(next_change_cycle(), next_step_cycle_));
  return next == std::numeric_limits<std::uint64_t>::max() ? next_step_cycle_ : next;
}

void Noc::reset() {
  if (busy())
    throw std::logic_error("the network cannot be reset with packets in flight (" + describe() +
                           ")");
  reset_state();
}

void Noc::tick(std::uint64_t cycle) {
  if (busy_ && cycle > next_step_cycle_) stats_.busy_cycles += cycle - next_step_cycle_;
  ticking_ = cycle;
  while (!pending_.empty() && pending_.front().sent_cycle <= cycle) {
    inject(pending_.front());
    pending_.pop_front();
  }
  next_step_cycle_ = cycle + 1;
  busy_ = step(cycle);
  ++stats_.busy_cycles;
}

NocClock::NocClock(sc_core::sc_module_name name, Noc& noc, double clock_period_ns)
    : sc_core::sc_module(name), noc_(noc), period_(clock_period_ns, sc_core::SC_NS) {
  SC_HAS_PROCESS(NocClock);
  SC_THREAD(run);
  SC_METHOD(fire_deliveries);
  sensitive << due_event_;
  dont_initialize();
  noc_.on_deliver([this](const Packet& p) {
    const std::uint64_t now = cycle_now();
    if (p.delivered_cycle > now) {  // tell the receiver when it really arrives
      due_.push_back(p);
      due_event_.notify(period_ * static_cast<double>(p.delivered_cycle - now));
    } else if (deliver_) {
      deliver_(p);
    }
  });
}

std::uint64_t NocClock::cycle_now() const {
  return static_cast<std::uint64_t>(std::ceil(sc_core::sc_time_stamp() / period_ - 1e-9));
}

void NocClock::send(Packet packet) {
  noc_.send(packet, cycle_now());
  activity_.notify(sc_core::SC_ZERO_TIME);
}

void NocClock::fire_deliveries() {
  const std::uint64_t now = cycle_now();
  while (!due_.empty() && due_.front().delivered_cycle <= now) {
    const Packet p = due_.front();
    due_.pop_front();
    if (deliver_) deliver_(p);
  }
}

void NocClock::run() {
  for (;;) {
    if (!noc_.busy()) {
      sc_core::wait(activity_);
      continue;
    }
    const std::uint64_t cycle = std::max(cycle_now(), noc_.next_tick());
    const sc_core::sc_time edge = period_ * static_cast<double>(cycle);
    if (edge > sc_core::sc_time_stamp()) sc_core::wait(edge - sc_core::sc_time_stamp());
    noc_.tick(cycle);
    if (noc_.busy()) sc_core::wait(period_);
  }
}

std::unique_ptr<Noc> make_noc(const arch::ArchSpec& arch, int grid_rows, int grid_columns) {
  return arch::noc_implementations().at(arch.noc.impl).entry.make(arch, grid_rows, grid_columns);
}

}  // namespace xbar::models
