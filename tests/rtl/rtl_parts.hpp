// The verilated reference RTL (rtl/) as parts of the chip (sim::ChipParts): a models::NeuronCore
// whose arithmetic is done by rtl/neuron_core.v and a models::Noc whose flits travel through
// rtl/mesh.v. The chip calls them from its one SC_THREAD; they clock their verilated modules
// themselves, edge by edge, through delta cycles (sc_core::wait(SC_ZERO_TIME)), so SystemC time
// does not move and the chip's own cycle count is untouched. Call step()/reset()/tick() from a
// SystemC thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "arch/arch_spec.hpp"
#include "models/neuron_core.hpp"
#include "models/noc.hpp"
#include "sim/chip.hpp"
#include "tests/rtl/configs.hpp"

namespace xbar::test {

// Clock edges driven into the verilated blocks (over the whole process), for the tests' reports.
struct RtlCounters {
  std::uint64_t neuron_core_cycles = 0;  // summed over the cores (each core has its own clock)
  std::uint64_t neuron_core_items = 0;   // (index, code) items fed
  std::uint64_t mesh_cycles = 0;
  std::uint64_t mesh_flits = 0;  // flits ejected by the RTL mesh
};
RtlCounters& rtl_counters();

// The neurons of one layer on one tile, held by ceil(n / NeuronA::neurons) verilated
// neuron_core instances on one clock. step(sums) feeds each non-zero sum as (index, code) items of
// at most CODE_BITS (a sum larger than one code is split; the RTL's SUM_BITS accumulator adds them
// back exactly), one item per instance and cycle, then one `fire` cycle; the spikes and potentials
// are read from the RTL's outputs after the fire edge. The verilated parameters must hold the
// layer's arithmetic: potential range = POTENTIAL_BITS, threshold in range, |sum| < 2^(SUM_BITS-1)
// (std::invalid_argument / std::range_error otherwise).
class RtlNeuronCore : public models::NeuronCore {
 public:
  // `programmed`: what the RTL's configuration inputs get (normally `params`); a test may program
  // it differently to show that a difference is caught.
  RtlNeuronCore(const models::NeuronParams& params, int neurons,
                const models::NeuronParams& programmed);
  RtlNeuronCore(const models::NeuronParams& params, int neurons)
      : RtlNeuronCore(params, neurons, params) {}
  ~RtlNeuronCore() override;
  void step(const std::vector<long long>& sums, std::vector<int>& spikes) override;
  void reset() override;
  long long potential(int neuron) const override;

 private:
  struct Bank;
  std::unique_ptr<Bank> bank_;
};

// The verilated mesh C as the chip's network, one clock edge per tick(cycle). Tiles sit on the
// grid as in models::MeshNoc (tile t at row t / grid_columns; a router serves a block of
// concentration tiles; ports in tile order). Each tile has a source queue of encoded flits and
// offers its front flit every cycle; the router takes it when its inject_ready was high at the
// start of the cycle. A tail flit on an ejection port after the edge closing cycle c is the
// packet's delivery in cycle c + 1 (MeshNoc: deliver(packet, cycle + 1) at ejection). The flit
// carries a slot number of C::id_bits standing for the chip's 64-bit packet id. NocStats: flits
// counted at injection; per flit ejected after h router-to-router hops, h + 1 buffer writes, buffer
// reads and router traversals and h link hops -- what MeshNoc counts on the way, equal once every
// flit is delivered (XY routes are fixed and nothing is dropped). The arch's mesh parameters and
// the grid must be those C was verilated with, rtl::mesh_parameters (std::invalid_argument naming
// what differs otherwise).
template <class C>
class RtlMeshNoc : public sc_core::sc_module, public models::Noc {
 public:
  RtlMeshNoc(sc_core::sc_module_name name, const arch::ArchSpec& arch, int grid_rows,
             int grid_columns);
  std::string describe() const override;
  Route route_cost(int src_tile, int dst_tile) const override {
    const int h = hops(src_tile, dst_tile);
    return {h + 1, h};
  }
  int hops(int src_tile, int dst_tile) const;

 protected:
  bool step(std::uint64_t cycle) override;
  void inject(models::Packet packet) override;
  void reset_state() override;  // the RTL's own reset, one edge before the next flit

 private:
  static constexpr int E = C::endpoints, FW = C::flit_bits;
  void edge();
  std::uint64_t encode(int slot, int dst_tile, bool head, bool tail) const;

  sc_core::sc_signal<bool> clk_{"clk"}, rst_{"rst"};
  sc_core::sc_signal<std::uint32_t> inject_valid_{"inject_valid"}, inject_ready_{"inject_ready"},
      eject_valid_{"eject_valid"};
  sc_core::sc_signal<sc_dt::sc_bv<E * FW>> inject_flit_{"inject_flit"}, eject_flit_{"eject_flit"};
  typename C::Rtl rtl_{"rtl"};
  bool reset_done_ = false;
  std::vector<int> tile_router_, tile_endpoint_;
  std::vector<std::deque<std::uint64_t>> source_;  // per tile: encoded flits not yet accepted
  std::vector<models::Packet> slots_;              // packets in flight, by the id their flits carry
  std::vector<int> free_slots_;
  std::uint64_t in_flight_ = 0;  // flits injected and not yet ejected
};

// ChipParts with the RTL neuron cores and/or the RTL mesh C (empty members: the models).
sim::ChipParts rtl_neuron_cores(sim::ChipParts parts = {});
template <class C>
sim::ChipParts rtl_mesh(sim::ChipParts parts = {});

}  // namespace xbar::test
