#include "tests/rtl/rtl_parts.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "models/noc_mesh.hpp"
#include "rtl/arch_parameters.hpp"
#include "tests/rtl/cosim.hpp"

namespace xbar::test {

RtlCounters& rtl_counters() {
  static RtlCounters counters;
  return counters;
}

namespace {

constexpr int kNeurons = NeuronA::neurons;
constexpr int kCodeBits = NeuronA::code_bits;
constexpr int kSumBits = NeuronA::sum_bits;
constexpr int kPotentialBits = NeuronA::potential_bits;
static_assert(NeuronA::config_inputs && !NeuronA::threshold_parameter,
              "the chip programs each layer's neuron core through its configuration inputs");
constexpr long long kCodeMax = (1LL << (kCodeBits - 1)) - 1, kCodeMin = -(1LL << (kCodeBits - 1));
constexpr long long kSumMax = (1LL << (kSumBits - 1)) - 1, kSumMin = -(1LL << (kSumBits - 1));
constexpr long long kPotentialMax = (1LL << (kPotentialBits - 1)) - 1,
                    kPotentialMin = -(1LL << (kPotentialBits - 1));

// One delta cycle: the signals written so far take their values and the verilated modules
// sensitive to them evaluate (Verilator's SC_METHOD eval is sensitive to the clock and inputs).
void settle() { sc_core::wait(sc_core::SC_ZERO_TIME); }

// One clock cycle of a verilated block whose inputs for this cycle have been written: the inputs
// settle, the rising edge is evaluated, its outputs (written by the eval method) settle, and the
// clock falls again. Time does not advance; the outputs read afterwards are those of the next
// cycle.
void clock_cycle(sc_core::sc_signal<bool>& clk) {
  settle();
  clk.write(true);
  settle();  // eval sees the rising edge, writes the outputs
  settle();  // the outputs take their values
  clk.write(false);
  settle();
}

std::string indexed(const char* base, int j) { return std::string(base) + std::to_string(j); }

}  // namespace

// ---- Neuron core ----

struct RtlNeuronCore::Bank : sc_core::sc_module {
  struct Slice {  // one verilated neuron_core: neurons [j * kNeurons, (j + 1) * kNeurons)
    sc_core::sc_signal<bool> in_valid, spikes_valid;
    sc_core::sc_signal<std::uint32_t> in_index, in_code, spikes;
    sc_core::sc_signal<sc_dt::sc_bv<kNeurons * kPotentialBits>> potentials;
    NeuronA::Rtl rtl;
    explicit Slice(int j)
        : in_valid(indexed("in_valid", j).c_str()),
          spikes_valid(indexed("spikes_valid", j).c_str()),
          in_index(indexed("in_index", j).c_str()),
          in_code(indexed("in_code", j).c_str()),
          spikes(indexed("spikes", j).c_str()),
          potentials(indexed("potentials", j).c_str()),
          rtl(indexed("rtl", j).c_str()) {}
  };
  sc_core::sc_signal<bool> clk{"clk"}, rst{"rst"}, leaky{"leaky"}, reset_to_zero{"reset_to_zero"},
      fire{"fire"};
  sc_core::sc_signal<std::uint32_t> leak_q16{"leak_q16"}, threshold{"threshold"};
  std::vector<std::unique_ptr<Slice>> slices;

  Bank(sc_core::sc_module_name name, int neurons, const models::NeuronParams& programmed)
      : sc_core::sc_module(name) {
    for (int j = 0; j * kNeurons < neurons; ++j) {
      slices.push_back(std::make_unique<Slice>(j));
      Slice& s = *slices.back();
      s.rtl.clk(clk);
      s.rtl.rst(rst);
      s.rtl.leaky(leaky);
      s.rtl.reset_to_zero(reset_to_zero);
      s.rtl.leak_q16(leak_q16);
      s.rtl.threshold(threshold);
      s.rtl.in_valid(s.in_valid);
      s.rtl.in_index(s.in_index);
      s.rtl.in_code(s.in_code);
      s.rtl.fire(fire);
      s.rtl.spikes_valid(s.spikes_valid);
      s.rtl.spikes(s.spikes);
      s.rtl.potentials(s.potentials);
    }
    // The configuration inputs: the layer's programming, constant during the run.
    leaky.write(programmed.leaky());
    reset_to_zero.write(programmed.resets_to_zero());
    leak_q16.write(static_cast<std::uint32_t>(programmed.leaky() ? programmed.leak_q16 : 65536));
    threshold.write(static_cast<std::uint32_t>(programmed.threshold) &
                    ((1u << kPotentialBits) - 1));
  }
  void cycle() {
    clock_cycle(clk);
    ++rtl_counters().neuron_core_cycles;
  }
};

RtlNeuronCore::RtlNeuronCore(const models::NeuronParams& params, int neurons,
                             const models::NeuronParams& programmed)
    : models::NeuronCore(params, neurons) {
  const std::string verilated =
      "the RTL neuron core (rtl/neuron_core.v) was verilated with POTENTIAL_BITS=" +
      std::to_string(kPotentialBits);
  if (params.potential_min != kPotentialMin || params.potential_max != kPotentialMax) {
    throw std::invalid_argument(
        verilated + " (potentials " + std::to_string(kPotentialMin) + ".." +
        std::to_string(kPotentialMax) +
        "); the layer's neurons "
        "hold " +
        std::to_string(params.potential_min) + ".." + std::to_string(params.potential_max) +
        " (set neuron.potential_bits=" + std::to_string(kPotentialBits) + ")");
  }
  for (const auto* p : {&params, &programmed}) {
    if (p->threshold < 1 || p->threshold > kPotentialMax)
      throw std::invalid_argument(verilated + ": a threshold of " + std::to_string(p->threshold) +
                                  " codes is outside 1.." + std::to_string(kPotentialMax));
    if (p->leaky() && (p->leak_q16 < 0 || p->leak_q16 > 65536))
      throw std::invalid_argument("the RTL neuron core's leak_q16 is 0..65536, the layer asks " +
                                  std::to_string(p->leak_q16));
  }
  bank_ =
      std::make_unique<Bank>(sc_core::sc_gen_unique_name("rtl_neuron_core"), neurons, programmed);
}

RtlNeuronCore::~RtlNeuronCore() = default;

long long RtlNeuronCore::potential(int neuron) const {
  const Bank::Slice& s = *bank_->slices[static_cast<size_t>(neuron / kNeurons)];
  return sign_extend(
      field(s.potentials.read(), (neuron % kNeurons) * kPotentialBits, kPotentialBits),
      kPotentialBits);
}

void RtlNeuronCore::reset() {
  Bank& b = *bank_;
  b.rst.write(true);
  for (auto& s : b.slices) s->in_valid.write(false);
  b.fire.write(false);
  b.cycle();
  b.rst.write(false);
  for (int n = 0; n < size(); ++n) v_[n] = potential(n);
}

void RtlNeuronCore::step(const std::vector<long long>& sums, std::vector<int>& spikes) {
  Bank& b = *bank_;
  const int n = size();
  // Each slice's items: (local index, code), every code within CODE_BITS.
  std::vector<std::vector<std::pair<int, long long>>> items(b.slices.size());
  for (int i = 0; i < n; ++i) {
    long long s = sums.empty() ? 0 : sums[i];
    if (s < kSumMin || s > kSumMax)
      throw std::range_error(
          "neuron " + std::to_string(i) + " of an RTL neuron core receives " + std::to_string(s) +
          " in one timestep, beyond its SUM_BITS=" + std::to_string(kSumBits) + " accumulator");
    // The RTL has no saturation output; the count comes from its own potential before the step,
    // with the arithmetic of rtl/neuron_core.v steps (a) and (b).
    const long long v = v_[i];
    const long long raw = (p_.leaky() ? v * p_.leak_q16 / 65536 : v) + s;
    if (raw > p_.potential_max || raw < p_.potential_min) ++stats_.saturations;
    while (s != 0) {
      const long long code = std::clamp(s, kCodeMin, kCodeMax);
      items[static_cast<size_t>(i / kNeurons)].push_back({i % kNeurons, code});
      s -= code;
    }
  }
  size_t cycles = 0;
  for (const auto& it : items) cycles = std::max(cycles, it.size());
  for (size_t k = 0; k < cycles; ++k) {
    for (size_t j = 0; j < b.slices.size(); ++j) {
      Bank::Slice& s = *b.slices[j];
      const bool valid = k < items[j].size();
      s.in_valid.write(valid);
      if (!valid) continue;
      s.in_index.write(static_cast<std::uint32_t>(items[j][k].first));
      s.in_code.write(static_cast<std::uint32_t>(items[j][k].second) & ((1u << kCodeBits) - 1));
      ++rtl_counters().neuron_core_items;
    }
    b.cycle();
  }
  for (auto& s : b.slices) s->in_valid.write(false);
  b.fire.write(true);
  b.cycle();
  b.fire.write(false);
  for (size_t j = 0; j < b.slices.size(); ++j) {
    const Bank::Slice& s = *b.slices[j];
    if (!s.spikes_valid.read())
      throw std::logic_error("the RTL neuron core did not raise spikes_valid after fire");
    const std::uint32_t bits = s.spikes.read();
    for (int k = 0; k < kNeurons; ++k) {
      const int i = static_cast<int>(j) * kNeurons + k;
      if (i < n && ((bits >> k) & 1)) {
        spikes.push_back(i);
        ++stats_.spikes;
      }
    }
  }
  stats_.updates += static_cast<std::uint64_t>(n);
  for (int i = 0; i < n; ++i) v_[i] = potential(i);
}

// ---- Mesh ----

template <class C>
RtlMeshNoc<C>::RtlMeshNoc(sc_core::sc_module_name name, const arch::ArchSpec& arch, int grid_rows,
                          int grid_columns)
    : sc_core::sc_module(name), models::Noc(grid_rows * grid_columns) {
  // The tile -> router map of models::MeshNoc: a router serves a kr x kc block of tiles.
  const models::MeshLayout layout =
      models::mesh_layout(grid_rows, grid_columns, arch.noc.tiles_per_router);
  const int kr = layout.block_rows, kc = layout.block_columns, cols = layout.columns;
  std::string differs;
  try {
    differs =
        verilated_mismatch(C::name, C::params, rtl::mesh_parameters(arch, grid_rows, grid_columns));
  } catch (const rtl::UnsupportedArch& e) {
    differs = e.what();
  }
  if (!differs.empty())
    throw std::invalid_argument("the verilated mesh (rtl/CMakeLists.txt) cannot be the chip's " +
                                arch.noc.impl + " of " + std::to_string(grid_rows) + "x" +
                                std::to_string(grid_columns) + " tiles: " + differs);
  const int tiles = grid_rows * grid_columns;
  tile_router_.resize(tiles);
  tile_endpoint_.resize(tiles);
  std::vector<int> used(C::rows * C::cols, 0);
  for (int t = 0; t < tiles; ++t) {
    const int r = t / grid_columns, c = t % grid_columns;
    tile_router_[t] = (r / kr) * cols + c / kc;
    tile_endpoint_[t] = tile_router_[t] * C::local_ports + used[tile_router_[t]]++;
  }
  source_.resize(tiles);
  rtl_.clk(clk_);
  rtl_.rst(rst_);
  rtl_.inject_valid(inject_valid_);
  rtl_.inject_flit(inject_flit_);
  rtl_.inject_ready(inject_ready_);
  rtl_.eject_valid(eject_valid_);
  rtl_.eject_flit(eject_flit_);
}

template <class C>
std::string RtlMeshNoc<C>::describe() const {
  return std::string("RTL mesh ") + C::name + " (rtl/mesh.v, verilated) " +
         std::to_string(C::rows) + "x" + std::to_string(C::cols) + " routers, " +
         std::to_string(C::local_ports) + " tile(s) per router";
}

template <class C>
int RtlMeshNoc<C>::hops(int src_tile, int dst_tile) const {
  const int a = tile_router_[src_tile], b = tile_router_[dst_tile];
  return std::abs(a / C::cols - b / C::cols) + std::abs(a % C::cols - b % C::cols);
}

template <class C>
std::uint64_t RtlMeshNoc<C>::encode(int slot, int dst_tile, bool head, bool tail) const {
  const int router = tile_router_[dst_tile];
  const int port = tile_endpoint_[dst_tile] - router * C::local_ports;
  std::uint64_t f = head;
  f = (f << 1) | tail;
  f = (f << C::row_bits) | static_cast<std::uint64_t>(router / C::cols);
  f = (f << C::col_bits) | static_cast<std::uint64_t>(router % C::cols);
  f = (f << C::port_bits) | static_cast<std::uint64_t>(port);
  f = (f << C::id_bits) | static_cast<std::uint64_t>(slot);
  return f;
}

template <class C>
void RtlMeshNoc<C>::inject(models::Packet packet) {
  int slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    slots_[static_cast<size_t>(slot)] = packet;
  } else {
    if (slots_.size() >= (size_t{1} << C::id_bits))
      throw std::runtime_error(std::string("more than 2^") + std::to_string(C::id_bits) +
                               " packets in flight in the RTL mesh (its flits carry " +
                               std::to_string(C::id_bits) + "-bit ids)");
    slot = static_cast<int>(slots_.size());
    slots_.push_back(packet);
  }
  for (int f = 0; f < packet.flits; ++f)
    source_[packet.src_tile].push_back(
        encode(slot, packet.dst_tile, f == 0, f == packet.flits - 1));
  stats_.flits += static_cast<std::uint64_t>(packet.flits);
  in_flight_ += static_cast<std::uint64_t>(packet.flits);
}

template <class C>
void RtlMeshNoc<C>::edge() {
  clock_cycle(clk_);
  ++rtl_counters().mesh_cycles;
}

template <class C>
void RtlMeshNoc<C>::reset_state() {
  reset_done_ = false;
  slots_.clear();
  free_slots_.clear();
}

template <class C>
bool RtlMeshNoc<C>::step(std::uint64_t cycle) {
  if (!reset_done_) {  // one reset cycle before the first flit (not a chip cycle)
    rst_.write(true);
    edge();
    rst_.write(false);
    reset_done_ = true;
  }
  // Each tile offers its front flit; the router takes it at this cycle's closing edge when its
  // local FIFO had room at the start of the cycle (inject_ready depends on the state only).
  const std::uint32_t ready = inject_ready_.read();
  std::uint32_t valid = 0;
  sc_dt::sc_bv<E * FW> flits;
  for (size_t t = 0; t < source_.size(); ++t) {
    if (source_[t].empty()) continue;
    const int e = tile_endpoint_[t];
    valid |= 1u << e;
    flits.range(e * FW + FW - 1, e * FW) = source_[t].front();
    if ((ready >> e) & 1) source_[t].pop_front();
  }
  inject_valid_.write(valid);
  inject_flit_.write(flits);
  edge();
  // Flits on the ejection ports now are the deliveries of cycle + 1.
  const std::uint32_t ejected = eject_valid_.read();
  if (ejected == 0) return in_flight_ > 0;
  const sc_dt::sc_bv<E* FW> out = eject_flit_.read();
  for (size_t t = 0; t < source_.size(); ++t) {
    const int e = tile_endpoint_[t];
    if (!((ejected >> e) & 1)) continue;
    const std::uint64_t f = field(out, e * FW, FW);
    const size_t slot = f & ((std::uint64_t{1} << C::id_bits) - 1);
    if (slot >= slots_.size() || slots_[slot].dst_tile != static_cast<int>(t))
      throw std::logic_error("the RTL mesh ejected a flit of packet slot " + std::to_string(slot) +
                             " at tile " + std::to_string(t) + " in cycle " +
                             std::to_string(cycle + 1) + ", which is not its destination");
    const models::Packet& p = slots_[slot];
    const auto h = static_cast<std::uint64_t>(hops(p.src_tile, p.dst_tile));
    stats_.buffer_writes += h + 1;
    stats_.buffer_reads += h + 1;
    stats_.router_traversals += h + 1;
    stats_.flit_hops += h;
    --in_flight_;
    ++rtl_counters().mesh_flits;
    if ((f >> (FW - 2)) & 1) {  // tail
      free_slots_.push_back(static_cast<int>(slot));
      deliver(p, cycle + 1);
    }
  }
  return in_flight_ > 0;
}

template class RtlMeshNoc<MeshA>;
template class RtlMeshNoc<MeshB>;

sim::ChipParts rtl_neuron_cores(sim::ChipParts parts) {
  parts.neuron_core = [](const models::NeuronParams& p, int n) {
    return std::make_unique<RtlNeuronCore>(p, n);
  };
  return parts;
}

template <class C>
sim::ChipParts rtl_mesh(sim::ChipParts parts) {
  parts.noc = [](const arch::ArchSpec& a, int rows, int cols) -> std::unique_ptr<models::Noc> {
    return std::make_unique<RtlMeshNoc<C>>("rtl_noc", a, rows, cols);
  };
  return parts;
}
template sim::ChipParts rtl_mesh<MeshA>(sim::ChipParts);
template sim::ChipParts rtl_mesh<MeshB>(sim::ChipParts);

}  // namespace xbar::test
