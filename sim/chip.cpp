#include "sim/chip.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

namespace xbar::sim {

namespace {

std::vector<const Eigen::MatrixXi*> layer_levels(const HardwareNetwork& network) {
  std::vector<const Eigen::MatrixXi*> levels;
  for (const auto& l : network.layers) levels.push_back(&l.levels);
  return levels;
}

}  // namespace

Chip::Chip(sc_core::sc_module_name name, const arch::ArchSpec& arch,
           const compiler::Placement& placement, const HardwareNetwork& network,
           const ChipParts& parts)
    : sc_core::sc_module(name),
      arch_(arch),
      period_(arch.technology.clock_period_ns(), sc_core::SC_NS),
      network_(network),
      layout_(build_layout(placement, layer_levels(network))) {
  SC_HAS_PROCESS(Chip);
  SC_THREAD(run);
  const int L = layout_.layers;
  const int T = network_.timesteps;
  if (L > 256 || T >= (1 << 24) || layout_.slots >= (1 << 23))
    throw std::invalid_argument(
        "the chip model handles at most 256 layers, 2^24 timesteps and 2^23 tiles");
  noc_ = parts.noc ? parts.noc(arch, layout_.grid_rows, layout_.grid_columns)
                   : models::make_noc(arch, layout_.grid_rows, layout_.grid_columns);
  // A packet's id is its arrival event: kind | layer << 8 | t << 16 | destination tile << 40.
  noc_->on_deliver([this](const models::Packet& p) {
    if (tracing()) vcd_->add(p.delivered_cycle, sig_packets_, -1);
    at(p.delivered_cycle, static_cast<Ev>(p.id & 0xff), static_cast<int>(p.id >> 40),
       static_cast<int>((p.id >> 8) & 0xff), static_cast<int>((p.id >> 16) & 0xffffff));
  });
  read_cycles_ = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(
             std::ceil(arch.device.read_pulse_ns / arch.technology.clock_period_ns() - 1e-9)));
  const int columns_per_output = placement.crossbar.columns_per_output;
  // The weights move into the crossbars that hold them: the layout keeps the structure only.
  blocks_.resize(layout_.blocks.size());
  for (size_t i = 0; i < blocks_.size(); ++i) {
    blocks_[i].array =
        std::make_unique<models::CrossbarArray>(arch, std::move(layout_.blocks[i].levels));
    layout_.blocks[i].levels = Eigen::MatrixXi();
    blocks_[i].adcs = std::make_unique<models::AdcBank>(arch, columns_per_output);
  }
  crossbar_busy_.assign(static_cast<std::size_t>(layout_.crossbars), 0);
  senders_.resize(layout_.senders.size());
  for (auto& s : senders_) {
    s.done.assign(T, 0);
    s.nonempty.assign(T, 0);
  }
  crossbar_groups_.resize(layout_.crossbar_groups.size());
  for (auto& g : crossbar_groups_) g.arrived.assign(T, 0);
  neuron_groups_.resize(layout_.neuron_groups.size());
  for (size_t i = 0; i < neuron_groups_.size(); ++i) {
    const ChipLayout::NeuronGroup& g = layout_.neuron_groups[i];
    const int n = static_cast<int>(g.neurons.size());
    const models::NeuronParams& params = network_.layers[g.layer].neuron;
    neuron_groups_[i].core = parts.neuron_core ? parts.neuron_core(params, n)
                                               : std::make_unique<models::NeuronCore>(params, n);
    neuron_groups_[i].arrived.assign(T, 0);
  }
  spiking_.resize(L);
  for (int l = 0; l < L; ++l)
    spiking_[l].assign(T, std::vector<char>(placement.layers[l].inputs, 0));
  counters_.assign(static_cast<std::size_t>(layout_.slots) * L, Counters{});
}

void Chip::trace(VcdTrace* vcd, size_t image, int potential_layer) {
  vcd_ = vcd;
  vcd_image_ = image;
  const int L = static_cast<int>(network_.layers.size());
  potential_layer_ = potential_layer < 0 ? L - 1 : potential_layer;
  if (potential_layer_ >= L)
    throw std::invalid_argument("no layer " + std::to_string(potential_layer) +
                                " to trace (the "
                                "network has " +
                                std::to_string(L) + ")");
  sig_busy_.assign(static_cast<std::size_t>(layout_.slots), -1);
  sig_spikes_.assign(static_cast<std::size_t>(layout_.slots), -1);
  for (int slot : layout_.tiles) {
    const std::string scope = "tile" + std::to_string(slot);
    sig_busy_[slot] = vcd->signal(scope, "crossbars_busy");
    sig_spikes_[slot] = vcd->signal(scope, "spikes_fired");
  }
  sig_packets_ = vcd->signal("noc", "packets_in_flight");
  const int n = static_cast<int>(network_.layers[potential_layer_].levels.rows());
  sig_potential_.assign(n, -1);
  for (int i = 0; i < n; ++i)
    sig_potential_[i] =
        vcd->signal("layer" + std::to_string(potential_layer_), "v" + std::to_string(i));
  traced_sums_.assign(static_cast<size_t>(network_.timesteps),
                      std::vector<long long>(static_cast<size_t>(n), 0));
}

void Chip::enqueue(std::vector<SpikeTrain> images, bool trace, std::uint64_t first_image) {
  for (auto& image : images) images_.push_back(std::move(image));
  trace_ = trace;
  first_image_ = first_image;
}

void Chip::at(std::uint64_t cycle, Ev kind, int a, int b, int c) {
  calendar_.push({cycle, seq_++, kind, a, b, c});
}

int Chip::payload_flits(int items, int bits_each) const {
  const long long bits = static_cast<long long>(items) * bits_each;
  return static_cast<int>((bits + arch_.noc.flit_bits - 1) / arch_.noc.flit_bits);
}

int Chip::spike_flits(int spikes, int neurons, int tile, int layer) {
  const long long address_event = static_cast<long long>(spikes) * layout_.index_bits;
  bool bit_vector = false;
  switch (arch_.noc.spike_packets) {
    case arch::SpikeFormat::AddressEvent:
      break;
    case arch::SpikeFormat::BitVector:
      bit_vector = true;
      break;
    case arch::SpikeFormat::Cheaper:
      bit_vector = neurons < address_event;  // a tie stays address-event
      break;
  }
  if (bit_vector) ++counters_at(tile, layer)[Event::BitVectorPacket];
  return 1 + (bit_vector ? payload_flits(neurons, 1) : payload_flits(spikes, layout_.index_bits));
}

void Chip::send(int src, int dst, int layer, int t, int flits, Ev arrival) {
  Counters& a = counters_at(src, layer);
  ++a[arrival == Ev::kSpikesArrive ? Event::SpikePacket : Event::PartialSumPacket];
  // out of the sender's buffer, into the receiver's
  a[Event::BufferAccess] += 2 * static_cast<std::uint64_t>(flits);
  if (src == dst) {  // stays in the tile: one cycle through its buffer
    ++a[Event::LocalPacket];
    at(now() + 1, arrival, dst, arrival == Ev::kSpikesArrive ? layer + 1 : layer, t);
    return;
  }
  const models::Noc::Route route = noc_->route_cost(src, dst);
  TileTraffic& pair = traffic_[{src, dst}];
  ++pair.packets;
  pair.flits += static_cast<std::uint64_t>(flits);
  a[Event::FlitSent] += flits;
  a[Event::RouterTraversal] += static_cast<std::uint64_t>(flits) * route.routers;
  a[Event::LinkTraversal] += static_cast<std::uint64_t>(flits) * route.links;
  if (tracing()) vcd_->add(now(), sig_packets_, +1);
  const int arrival_layer = arrival == Ev::kSpikesArrive ? layer + 1 : layer;
  models::Packet p;
  p.id = static_cast<std::uint64_t>(arrival) | static_cast<std::uint64_t>(arrival_layer) << 8 |
         static_cast<std::uint64_t>(t) << 16 | static_cast<std::uint64_t>(dst) << 40;
  p.src_tile = src;
  p.dst_tile = dst;
  p.flits = flits;
  noc_->send(p, now());
}

void Chip::start_image() {
  const int T = network_.timesteps;
  // Every image starts from the chip at rest: nothing scheduled, the network idle and reset, the
  // cores and counters per timestep cleared below. So an image's cycles depend on it alone, and
  // the images of a run can be split over worker processes with the same result.
  if (!calendar_.empty())
    throw std::logic_error("the chip starts image " + std::to_string(image_) + " with " +
                           std::to_string(calendar_.size()) + " events of the last one pending");
  noc_->reset();
  image_start_ = now();
  current_ = ImageResult{};
  current_.output_spike_counts.assign(network_.layers.back().levels.rows(), 0);
  current_.timestep_cycles.assign(static_cast<std::size_t>(T), 0);
  if (trace_) {
    current_.trace.input = images_[image_];
    current_.trace.layers.assign(layout_.layers, SpikeTrain(T));
  }
  cores_done_ = 0;
  for (auto& c : neuron_groups_) {
    c.core->reset();
    std::fill(c.arrived.begin(), c.arrived.end(), 0);
    c.next_t = 0;
    c.busy_until = image_start_;
    c.accumulators.assign(T, {});
    c.fired.assign(T, {});
  }
  for (auto& g : crossbar_groups_) std::fill(g.arrived.begin(), g.arrived.end(), 0);
  for (auto& layer : spiking_)
    for (auto& v : layer) std::fill(v.begin(), v.end(), 0);
  for (auto& b : blocks_) {
    b.next_t = 0;
    b.read_empty.assign(T, 1);
  }
  std::fill(crossbar_busy_.begin(), crossbar_busy_.end(), image_start_);
  for (auto& snd : senders_) {
    std::fill(snd.done.begin(), snd.done.end(), 0);
    std::fill(snd.nonempty.begin(), snd.nonempty.end(), 0);
  }
  // The input port broadcasts each timestep's input spikes to every tile holding layer-0 crossbars
  // over a dedicated input bus, one flit per cycle, timestep after timestep.
  const SpikeTrain& spikes = images_[image_];
  std::uint64_t port_free = image_start_;
  for (int t = 0; t < T; ++t) {
    const int count = t < static_cast<int>(spikes.size()) ? static_cast<int>(spikes[t].size()) : 0;
    const int flits = spike_flits(count, static_cast<int>(network_.layers[0].levels.cols()), 0, 0);
    port_free += flits;
    ++counters_[0][Event::InputBroadcast];
    if (count > 0)
      for (int n : spikes[t]) spiking_[0][t][n] = 1;
    for (const auto& g : layout_.crossbar_groups) {
      if (g.layer != 0) continue;
      counters_at(g.tile, 0)[Event::BufferAccess] +=
          2 * static_cast<std::uint64_t>(flits);  // written, then read
      at(port_free, Ev::kInputSpikes, g.tile, t);
    }
  }
  // Cores fed by no crossbar never integrate anything: they fire (silently) on their own.
  for (const auto& g : layout_.neuron_groups)
    if (g.expected == 0) at(now(), Ev::kTryFire, g.tile, g.layer);
}

void Chip::spikes_arrive(int tile, int layer, int t) {
  const int g = layout_.crossbar_group(tile, layer);
  if (++crossbar_groups_[g].arrived[t] == layout_.crossbar_groups[g].sources)
    try_blocks(tile, layer);
}

void Chip::try_blocks(int tile, int layer) {
  const int g = layout_.crossbar_group(tile, layer);
  const ChipLayout::CrossbarGroup& group = layout_.crossbar_groups[g];
  const std::vector<int>& arrived = crossbar_groups_[g].arrived;
  const int T = network_.timesteps;
  const models::AdcQuantizer& adc = network_.layers[layer].adc;
  for (int bi : group.blocks) {
    const ChipLayout::MappedBlock& b = layout_.blocks[bi];
    BlockState& bs = blocks_[bi];
    while (bs.next_t < T && arrived[bs.next_t] == group.sources) {
      const int t = bs.next_t++;
      const std::vector<char>& spiking = spiking_[layer][t];
      driven_.clear();
      for (size_t r = 0; r < b.inputs.size(); ++r)
        if (spiking[b.inputs[r]]) driven_.push_back(static_cast<int>(r));
      std::uint64_t& busy_until = crossbar_busy_[static_cast<std::size_t>(b.crossbar)];
      const std::uint64_t start = std::max(now(), busy_until);
      std::uint64_t done = start + 1;  // nothing to read: the controller passes on an empty result
      if (!driven_.empty()) {
        bs.array->read(driven_, partial_);  // the energy of the driven cells, and the exact sums
        bs.read_empty[t] = 0;
        if (network_.analog)
          network_.analog->read(layer, b.index, driven_, first_image_ + image_, t, analog_);
        // The codes go straight into the receiving cores' accumulators: a core reads them only
        // once every partial-sum packet of timestep t has arrived (see partials_arrive).
        for (size_t d = 0; d < b.dest_tiles.size(); ++d) {
          const int ng = layout_.neuron_group(b.dest_tiles[d], layer);
          std::vector<long long>& acc = neuron_groups_[ng].accumulators[t];
          if (acc.empty()) acc.assign(layout_.neuron_groups[ng].neurons.size(), 0);
          const std::vector<int>& local = layout_.local_index[layer];
          for (int k : b.dest_outputs[d])
            acc[local[b.outputs[k]]] += network_.analog ? bs.adcs->convert_analog(adc, analog_[k])
                                                        : bs.adcs->convert(adc, partial_[k]);
        }
        done =
            start + read_cycles_ + bs.adcs->conversion_cycles(static_cast<int>(b.outputs.size()));
      }
      busy_until = done;
      counters_at(b.tile, layer)[Event::CrossbarBusy] += done - start;
      if (tracing()) {
        vcd_->add(start, sig_busy_[b.tile], +1);
        vcd_->add(done, sig_busy_[b.tile], -1);
      }
      at(done, Ev::kBlockDone, bi, layer, t);
    }
  }
}

void Chip::block_done(int bi, int t) {
  const ChipLayout::MappedBlock& b = layout_.blocks[bi];
  const int layer = b.layer;
  const int value_bits = network_.layers[layer].adc.bits > 0 ? network_.layers[layer].adc.bits : 32;
  for (int si : b.senders) {
    SenderState& snd = senders_[si];
    const ChipLayout::PartialSumSender& sender = layout_.senders[si];
    if (!blocks_[bi].read_empty[t]) snd.nonempty[t] = 1;
    if (++snd.done[t] < sender.blocks) continue;
    const int values = snd.nonempty[t] ? sender.values : 0;
    send(b.tile, sender.dest, layer, t, 1 + payload_flits(values, value_bits), Ev::kPartialsArrive);
  }
}

void Chip::partials_arrive(int tile, int layer, int t) {
  const int g = layout_.neuron_group(tile, layer);
  if (++neuron_groups_[g].arrived[t] == layout_.neuron_groups[g].expected) try_fire(tile, layer);
}

void Chip::try_fire(int tile, int layer) {
  const int g = layout_.neuron_group(tile, layer);
  const ChipLayout::NeuronGroup& group = layout_.neuron_groups[g];
  NeuronGroupState& c = neuron_groups_[g];
  const int T = network_.timesteps;
  const int L = layout_.layers;
  while (c.next_t < T && c.arrived[c.next_t] == group.expected) {
    const int t = c.next_t++;
    std::vector<int>& spikes = c.fired[t];
    if (tracing() && layer == potential_layer_ && !c.accumulators[t].empty())
      for (size_t i = 0; i < group.neurons.size(); ++i)
        traced_sums_[static_cast<size_t>(t)][static_cast<size_t>(group.neurons[i])] =
            c.accumulators[t][i];
    c.core->step(c.accumulators[t], spikes);
    std::vector<long long>().swap(c.accumulators[t]);
    for (int& i : spikes) i = group.neurons[i];                    // local -> global index
    const std::uint64_t when = std::max(now(), c.busy_until) + 1;  // one cycle to update
    c.busy_until = when;
    if (tracing()) {
      vcd_->set(when, sig_spikes_[tile], static_cast<long long>(spikes.size()));
      vcd_->set(when + 1, sig_spikes_[tile], 0);
      if (layer == potential_layer_)
        for (size_t i = 0; i < group.neurons.size(); ++i)
          vcd_->set(when, sig_potential_[group.neurons[i]], c.core->potential(static_cast<int>(i)));
    }
    if (trace_)
      current_.trace.layers[layer][t].insert(current_.trace.layers[layer][t].end(), spikes.begin(),
                                             spikes.end());
    if (layer == L - 1) {
      for (int n : spikes) ++current_.output_spike_counts[n];
    } else {
      // Mark the spikes as inputs of the next layer now; its tiles use them only once every spike
      // packet of timestep t has arrived.
      std::vector<char>& spiking = spiking_[layer + 1][t];
      for (int n : spikes) spiking[n] = 1;
    }
    at(when, Ev::kFired, tile, layer, t);
  }
}

void Chip::fired(int tile, int layer, int t) {
  const int g = layout_.neuron_group(tile, layer);
  const ChipLayout::NeuronGroup& group = layout_.neuron_groups[g];
  if (layer < layout_.layers - 1) {
    const int flits = spike_flits(static_cast<int>(neuron_groups_[g].fired[t].size()),
                                  static_cast<int>(group.neurons.size()), tile, layer);
    for (int dest : group.spike_dests) send(tile, dest, layer, t, flits, Ev::kSpikesArrive);
  } else {
    std::uint64_t& done = current_.timestep_cycles[static_cast<std::size_t>(t)];
    done = std::max(done, now() - image_start_);
  }
  if (t == network_.timesteps - 1 &&
      ++cores_done_ == static_cast<int>(layout_.neuron_groups.size()))
    finish_image();
}

void Chip::finish_image() {
  const int L = layout_.layers;
  current_.cycles = now() - image_start_;
  current_.output_potentials.assign(current_.output_spike_counts.size(), 0);
  for (size_t g = 0; g < neuron_groups_.size(); ++g) {
    const ChipLayout::NeuronGroup& group = layout_.neuron_groups[g];
    if (group.layer != L - 1) continue;
    for (size_t i = 0; i < group.neurons.size(); ++i)
      current_.output_potentials[group.neurons[i]] =
          neuron_groups_[g].core->potential(static_cast<int>(i));
  }
  for (auto& layer : current_.trace.layers)
    for (auto& t : layer) std::sort(t.begin(), t.end());
  simulated_cycles_ += current_.cycles;
  if (tracing()) vcd_->write(image_start_);
  results_.push_back(std::move(current_));
  ++image_;
  if (on_image_done_) on_image_done_(image_);
}

void Chip::dispatch(const Scheduled& e) {
  switch (e.kind) {
    case Ev::kInputSpikes:
      spikes_arrive(e.a, 0, e.b);
      break;
    case Ev::kSpikesArrive:
      spikes_arrive(e.a, e.b, e.c);
      break;
    case Ev::kBlockDone:
      block_done(e.a, e.c);
      break;
    case Ev::kPartialsArrive:
      partials_arrive(e.a, e.b, e.c);
      break;
    case Ev::kFired:
      fired(e.a, e.b, e.c);
      break;
    case Ev::kTryFire:
      try_fire(e.a, e.b);
      break;
  }
}

// SystemC time follows the chip's clock in steps of at least this many cycles (temporal
// decoupling, as a TLM-2 quantum keeper does): every model of the chip lives in this one process
// and the network is stepped from it, so no other process can observe the difference, and the
// simulation does not pay a context switch per simulated cycle.
constexpr std::uint64_t kSyncQuantumCycles = 4096;

void Chip::sync_time() {
  if (cycle_ <= synced_cycle_) return;
  sc_core::wait(period_ * static_cast<double>(cycle_ - synced_cycle_));
  synced_cycle_ = cycle_;
}

// Cycle by cycle, in order: every event of the cycle (including those the cycle's events schedule
// for the same cycle), then one network step if flits are in flight. Cycles where nothing happens
// are skipped.
void Chip::run() {
  const auto period_cycles = [this](sc_core::sc_time t) {
    return static_cast<std::uint64_t>(std::llround(t / period_));
  };
  cycle_ = synced_cycle_ = period_cycles(sc_core::sc_time_stamp());
  while (image_ < images_.size()) {
    start_image();
    const size_t image = image_;
    while (image_ == image) {
      std::uint64_t next = calendar_.empty() ? UINT64_MAX : calendar_.top().cycle;
      if (noc_->busy()) next = std::min(next, std::max(cycle_, noc_->next_tick()));
      if (next == UINT64_MAX)
        throw std::logic_error("the chip stalled: image " + std::to_string(image_) +
                               " never finished (a placement that feeds a core from nowhere?)");
      cycle_ = std::max(cycle_, next);
      while (!calendar_.empty() && calendar_.top().cycle <= cycle_) {
        const Scheduled e = calendar_.top();
        calendar_.pop();
        dispatch(e);
      }
      if (noc_->busy() && noc_->next_tick() <= cycle_) noc_->tick(cycle_);
      if (cycle_ - synced_cycle_ >= kSyncQuantumCycles) sync_time();
    }
    sync_time();
  }
}

std::vector<LayerTileCounters> Chip::counters() const {
  std::vector<Counters> c = counters_;
  const int L = layout_.layers;
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const ChipLayout::MappedBlock& b = layout_.blocks[i];
    Counters& x = c[static_cast<std::size_t>(b.tile) * L + b.layer];
    const models::CrossbarStats& xs = blocks_[i].array->stats();
    x[Event::CrossbarRead] += xs.reads;
    x[Event::RowActivation] += xs.row_activations;
    x.cell_energy_aj += xs.cell_energy_aj;
    x[Event::AdcConversion] += blocks_[i].adcs->stats().conversions;
    x[Event::AdcSaturation] += blocks_[i].adcs->stats().saturations;
  }
  for (size_t i = 0; i < neuron_groups_.size(); ++i) {
    const ChipLayout::NeuronGroup& g = layout_.neuron_groups[i];
    Counters& x = c[static_cast<std::size_t>(g.tile) * L + g.layer];
    const models::NeuronStats& ns = neuron_groups_[i].core->stats();
    x[Event::NeuronUpdate] += ns.updates;
    x[Event::Spike] += ns.spikes;
    x[Event::PotentialSaturation] += ns.saturations;
  }
  std::vector<LayerTileCounters> out;
  for (int s = 0; s < layout_.slots; ++s)
    for (int l = 0; l < L; ++l) {
      const Counters& x = c[static_cast<std::size_t>(s) * L + l];
      if (x.count != Counters{}.count || x.cell_energy_aj != 0) out.push_back({l, s, x});
    }
  return out;
}

Counters Chip::totals() const {
  const std::vector<LayerTileCounters> sets = counters();
  return total(sets);
}

std::vector<TileTraffic> Chip::traffic() const {
  std::vector<TileTraffic> out;
  out.reserve(traffic_.size());
  for (const auto& [pair, t] : traffic_) {
    out.push_back(t);
    out.back().src = pair.first;
    out.back().dst = pair.second;
  }
  return out;
}

nlohmann::json activity_json(const Counters& totals, const models::NocStats& ns,
                             const std::string& noc_impl) {
  nlohmann::json j = counters_json(totals);
  j["noc"]["impl"] = noc_impl;
  j["noc"]["packets"] = ns.packets;
  j["noc"]["flits"] = ns.flits;
  j["noc"]["flit_hops"] = ns.flit_hops;
  j["noc"]["average_latency_cycles"] = ns.average_latency_cycles();
  j["noc"]["worst_latency_cycles"] = ns.max_latency_cycles;
  return j;
}

}  // namespace xbar::sim
