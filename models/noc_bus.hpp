// A single shared bus between all tiles: one packet at a time, granted round-robin over the tiles
// with packets waiting; a packet of n flits holds the bus for n cycles and arrives
// bus_latency_cycles after its last flit left: latency n - 1 + bus_latency when the bus is free.
#pragma once

#include "models/noc.hpp"

namespace xbar::models {

class BusNoc : public Noc {
 public:
  BusNoc(const arch::ArchSpec& arch, int tiles);
  std::string describe() const override {
    return "shared bus, " + std::to_string(tiles()) + " tiles";
  }
  Route route_cost(int, int) const override { return {0, 1}; }

 protected:
  bool step(std::uint64_t cycle) override;
  void inject(Packet packet) override;
  void reset_state() override;

 private:
  int latency_ = 1;
  std::vector<std::deque<Packet>> waiting_;  // per source tile
  int rr_ = 0;
  std::uint64_t busy_until_ = 0;  // first cycle the bus is free again
  std::deque<std::pair<std::uint64_t, Packet>> in_flight_;
  std::uint64_t queued_ = 0;
};

}  // namespace xbar::models
