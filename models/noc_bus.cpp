#include "models/noc_bus.hpp"

#include "arch/noc_implementation.hpp"

namespace xbar::models {

BusNoc::BusNoc(const arch::ArchSpec& arch, int tiles)
    : Noc(tiles), latency_(arch.noc.bus_latency_cycles), waiting_(tiles) {}

void BusNoc::reset_state() {
  rr_ = 0;
  busy_until_ = 0;
}

void BusNoc::inject(Packet packet) {
  waiting_[packet.src_tile].push_back(packet);
  stats_.flits += packet.flits;
  ++queued_;
}

bool BusNoc::step(std::uint64_t cycle) {
  while (!in_flight_.empty() && in_flight_.front().first <= cycle) {
    deliver(in_flight_.front().second, in_flight_.front().first);
    in_flight_.pop_front();
    --queued_;
  }
  if (cycle >= busy_until_) {
    const int n = tiles();
    for (int k = 0; k < n; ++k) {
      int t = (rr_ + k) % n;
      if (waiting_[t].empty()) continue;
      Packet p = waiting_[t].front();
      waiting_[t].pop_front();
      rr_ = (t + 1) % n;
      busy_until_ = cycle + p.flits;
      stats_.flit_hops += p.flits;
      in_flight_.push_back({cycle + p.flits - 1 + latency_, p});
      break;
    }
  }
  return queued_ > 0;
}

XBAR_REGISTER_IMPLEMENTATION(
    arch::noc_implementations(), bus, "one shared bus with round-robin arbitration", {},
    arch::NocImplementation{
        [](const arch::ArchSpec&, const arch::NocImplementation::AddPart& add) {
          add(arch::Component::NocBus, 1);
        },
        "noc_bus",
        [](const arch::ArchSpec& a, int rows, int columns) -> std::unique_ptr<Noc> {
          return std::make_unique<BusNoc>(a, rows * columns);
        }});

}  // namespace xbar::models
