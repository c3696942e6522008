#include "sim/chip.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

namespace xbar::sim {

Chip::Chip(sc_core::sc_module_name name, const arch::ArchSpec& arch,
           const compiler::Placement& placement, const HardwareNetwork& network,
           const ChipParts& parts)
    : sc_core::sc_module(name), arch_(arch), network_(network) {
  SC_HAS_PROCESS(Chip);
  SC_THREAD(run);
  const int L = static_cast<int>(placement.layers.size());
  if (L != static_cast<int>(network_.layers.size())) {
    throw std::invalid_argument("the placement has " + std::to_string(L) + " layers, the network " +
                                std::to_string(network_.layers.size()));
  }
  const int T = network_.timesteps;
  const int grid_cols = std::max(1, placement.grid_columns);
  const int slots = std::max(1, placement.grid_rows) * grid_cols;
  std::vector<int> slot_of(placement.tiles.size());
  for (const auto& t : placement.tiles) slot_of[t.id] = t.row * grid_cols + t.column;
  noc_ = parts.noc ? parts.noc(arch, std::max(1, placement.grid_rows), grid_cols)
                   : models::make_noc("noc", arch, std::max(1, placement.grid_rows), grid_cols);
  noc_->drive_externally();
  // A packet's id is its arrival event: kind | layer << 8 | t << 16 | destination tile << 40.
  noc_->on_deliver([this](const models::Packet& p) {
    if (tracing()) vcd_->add(p.delivered_cycle, sig_packets_, -1);
    at(p.delivered_cycle, static_cast<Ev>(p.id & 0xff), static_cast<int>(p.id >> 40),
       static_cast<int>((p.id >> 8) & 0xff), static_cast<int>((p.id >> 16) & 0xffffff));
  });
  if (L > 256 || network_.timesteps >= (1 << 24) || slots >= (1 << 23))
    throw std::invalid_argument(
        "the chip model handles at most 256 layers, 2^24 timesteps and "
        "2^23 tiles");
  read_cycles_ = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(
             std::ceil(arch.device.read_pulse_ns / arch.technology.clock_period_ns() - 1e-9)));
  layer_on_tile_.assign(slots, std::vector<LayerOnTile>(L));
  traffic_.assign(slots, std::vector<Activity>(L));
  core_on_tile_.resize(slots);
  for (auto& per_tile : core_on_tile_) per_tile.resize(L);
  std::set<int> used;
  const int columns_per_output = placement.crossbar.columns_per_output;

  for (int l = 0; l < L; ++l) {
    const compiler::LayerMapping& m = placement.layers[l];
    const Eigen::MatrixXi& W = network_.layers[l].levels;
    if (W.rows() != m.outputs || W.cols() != m.inputs) {
      throw std::invalid_argument("layer " + std::to_string(l) + ": weights are " +
                                  std::to_string(W.rows()) + "x" + std::to_string(W.cols()) +
                                  ", the placement maps " + std::to_string(m.outputs) + "x" +
                                  std::to_string(m.inputs));
    }
    // "First block owns": a synapse is stored by the first block that contains it.
    Eigen::MatrixXi owner = Eigen::MatrixXi::Constant(m.outputs, m.inputs, -1);
    for (const auto& b : m.blocks) {
      const int index = static_cast<int>(blocks_.size());
      Block block;
      block.layer = l;
      block.index = static_cast<int>(&b - m.blocks.data());
      // A time-multiplexed array is one crossbar for all of its blocks: their reads take turns.
      if (b.array >= 0 && b.array != block.index) {
        const int first = index - block.index + b.array;  // the array's first block, already built
        block.crossbar = blocks_[static_cast<std::size_t>(first)].crossbar;
      } else {
        block.crossbar = static_cast<int>(crossbar_busy_.size());
        crossbar_busy_.push_back(0);
      }
      block.tile = slot_of.at(b.tile);
      block.inputs = b.inputs;
      block.outputs = b.outputs;
      Eigen::MatrixXi levels = Eigen::MatrixXi::Zero(b.inputs.size(), b.outputs.size());
      for (size_t k = 0; k < b.outputs.size(); ++k)
        for (size_t r = 0; r < b.inputs.size(); ++r) {
          int& o = owner(b.outputs[k], b.inputs[r]);
          if (o < 0) {
            o = index;
            levels(r, k) = W(b.outputs[k], b.inputs[r]);
          }
        }
      block.array = std::make_unique<models::CrossbarArray>(arch, std::move(levels));
      block.adcs = std::make_unique<models::AdcBank>(arch, columns_per_output);
      for (size_t k = 0; k < b.outputs.size(); ++k) {
        int dest = slot_of.at(m.output_tiles.at(b.outputs[k]));
        auto it = std::find(block.dest_tiles.begin(), block.dest_tiles.end(), dest);
        if (it == block.dest_tiles.end()) {
          block.dest_tiles.push_back(dest);
          block.dest_outputs.emplace_back();
          it = block.dest_tiles.end() - 1;
        }
        block.dest_outputs[it - block.dest_tiles.begin()].push_back(static_cast<int>(k));
      }
      layer_on_tile_[block.tile][l].blocks.push_back(index);
      used.insert(block.tile);
      blocks_.push_back(std::move(block));
    }
    for (int o = 0; o < m.outputs; ++o)
      for (int i = 0; i < m.inputs; ++i)
        if (W(o, i) != 0 && owner(o, i) < 0) {
          throw std::invalid_argument("layer " + std::to_string(l) + ": synapse " +
                                      std::to_string(i) + "->" + std::to_string(o) +
                                      " has a weight but no crossbar in the placement");
        }
    // Neuron cores: the outputs of layer l, grouped by tile.
    for (int o = 0; o < m.outputs; ++o) {
      int slot = slot_of.at(m.output_tiles.at(o));
      core_on_tile_[slot][l].neurons.push_back(o);
      used.insert(slot);
    }
  }
  for (int s = 0; s < slots; ++s)
    for (int l = 0; l < L; ++l) {
      CoreOnTile& c = core_on_tile_[s][l];
      c.local_index.assign(placement.layers[l].outputs, -1);
      for (size_t i = 0; i < c.neurons.size(); ++i)
        c.local_index[c.neurons[i]] = static_cast<int>(i);
      const int n = static_cast<int>(c.neurons.size());
      c.core = parts.neuron_core && n > 0
                   ? parts.neuron_core(network_.layers[l].neuron, n)
                   : std::make_unique<models::NeuronCore>(network_.layers[l].neuron, n);
      c.arrived.assign(T, 0);
      LayerOnTile& lt = layer_on_tile_[s][l];
      lt.arrived.assign(T, 0);
      lt.spiking.assign(T, std::vector<char>(placement.layers[l].inputs, 0));
    }
  // One Sender per (tile, layer, destination tile); the destination's core expects one packet from
  // each per timestep.
  std::map<std::tuple<int, int, int>, int> sender_of;
  std::vector<std::set<int>> sender_outputs;
  for (auto& b : blocks_) {
    b.senders.clear();
    for (size_t d = 0; d < b.dest_tiles.size(); ++d) {
      auto [it, fresh] = sender_of.try_emplace({b.tile, b.layer, b.dest_tiles[d]},
                                               static_cast<int>(senders_.size()));
      if (fresh) {
        Sender snd;
        snd.tile = b.tile;
        snd.layer = b.layer;
        snd.dest = b.dest_tiles[d];
        senders_.push_back(std::move(snd));
        sender_outputs.emplace_back();
        ++core_on_tile_[b.dest_tiles[d]][b.layer].expected;
      }
      Sender& snd = senders_[it->second];
      ++snd.blocks;
      for (int k : b.dest_outputs[d]) sender_outputs[it->second].insert(b.outputs[k]);
      b.senders.push_back(it->second);
    }
  }
  for (size_t i = 0; i < senders_.size(); ++i) {
    senders_[i].values = static_cast<int>(sender_outputs[i].size());
    senders_[i].done.assign(T, 0);
    senders_[i].nonempty.assign(T, 0);
  }
  // Spike streams: a tile holding crossbars of layer l hears from every tile holding a neuron
  // (of layer l - 1) that drives one of its rows; layer 0 hears from the input port (slot 0).
  for (int s = 0; s < slots; ++s)
    for (int l = 0; l < L; ++l) {
      LayerOnTile& lt = layer_on_tile_[s][l];
      if (lt.blocks.empty()) continue;
      if (l == 0) {
        lt.sources = 1;
        continue;
      }
      std::set<int> sources;
      for (int b : lt.blocks)
        for (int n : blocks_[b].inputs)
          sources.insert(slot_of.at(placement.layers[l - 1].output_tiles.at(n)));
      lt.sources = static_cast<int>(sources.size());
      for (int src : sources) core_on_tile_[src][l - 1].spike_dests.push_back(s);
    }
  tiles_.assign(used.begin(), used.end());
  int max_neurons = 1;
  for (const auto& m : placement.layers) max_neurons = std::max({max_neurons, m.inputs, m.outputs});
  index_bits_ = std::max(1, static_cast<int>(std::ceil(std::log2(max_neurons))));
  for (int s = 0; s < slots; ++s)
    for (int l = 0; l < L; ++l)
      if (!core_on_tile_[s][l].neurons.empty()) ++cores_total_;
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
  sig_busy_.assign(layer_on_tile_.size(), -1);
  sig_spikes_.assign(layer_on_tile_.size(), -1);
  for (int slot : tiles_) {
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
}

void Chip::enqueue(std::vector<SpikeTrain> images, bool trace) {
  for (auto& image : images) images_.push_back(std::move(image));
  trace_ = trace;
}

void Chip::at(std::uint64_t cycle, Ev kind, int a, int b, int c) {
  calendar_.push({cycle, seq_++, kind, a, b, c});
}

int Chip::payload_flits(int items, int bits_each) const {
  const long long bits = static_cast<long long>(items) * bits_each;
  return static_cast<int>((bits + arch_.noc.flit_bits - 1) / arch_.noc.flit_bits);
}

void Chip::send(int src, int dst, int layer, int t, int flits, Ev arrival) {
  (arrival == Ev::kSpikesArrive ? stats_.spike_packets : stats_.partial_sum_packets)++;
  Activity& a = traffic_[src][layer];
  a.buffer_accesses +=
      2 * static_cast<std::uint64_t>(flits);  // out of the sender's buffer, into the receiver's
  if (src == dst) {                           // stays in the tile: one cycle through its buffer
    ++stats_.packets_local;
    at(now() + 1, arrival, dst, arrival == Ev::kSpikesArrive ? layer + 1 : layer, t);
    return;
  }
  const models::Noc::Route route = noc_->route_cost(src, dst);
  a.flits_sent += flits;
  a.router_traversals += static_cast<std::uint64_t>(flits) * route.routers;
  a.link_traversals += static_cast<std::uint64_t>(flits) * route.links;
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
  const int L = static_cast<int>(network_.layers.size());
  const int T = network_.timesteps;
  image_start_ = now();
  current_ = ImageResult{};
  current_.output_spike_counts.assign(network_.layers.back().levels.rows(), 0);
  if (trace_) current_.trace.assign(L, std::vector<std::vector<int>>(T));
  cores_done_ = 0;
  for (auto& per_tile : core_on_tile_)
    for (auto& c : per_tile) {
      if (c.neurons.empty()) continue;
      c.core->reset();
      std::fill(c.arrived.begin(), c.arrived.end(), 0);
      c.next_t = 0;
      c.busy_until = image_start_;
      c.accumulators.assign(T, {});
      c.fired.assign(T, {});
    }
  for (auto& per_tile : layer_on_tile_)
    for (auto& lt : per_tile) {
      if (lt.blocks.empty()) continue;
      std::fill(lt.arrived.begin(), lt.arrived.end(), 0);
      for (auto& v : lt.spiking) std::fill(v.begin(), v.end(), 0);
    }
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
    const int flits = 1 + payload_flits(count, index_bits_);
    port_free += flits;
    ++stats_.input_broadcasts;
    for (int slot = 0; slot < static_cast<int>(layer_on_tile_.size()); ++slot) {
      LayerOnTile& lt = layer_on_tile_[slot][0];
      if (lt.blocks.empty()) continue;
      traffic_[slot][0].buffer_accesses +=
          2 * static_cast<std::uint64_t>(flits);  // written, then read
      if (count > 0)
        for (int n : spikes[t]) lt.spiking[t][n] = 1;
      at(port_free, Ev::kInputSpikes, slot, t);
    }
  }
  // Cores fed by no crossbar never integrate anything: they fire (silently) on their own.
  for (int slot = 0; slot < static_cast<int>(core_on_tile_.size()); ++slot)
    for (int l = 0; l < L; ++l)
      if (!core_on_tile_[slot][l].neurons.empty() && core_on_tile_[slot][l].expected == 0)
        at(now(), Ev::kTryFire, slot, l);
}

void Chip::spikes_arrive(int tile, int layer, int t) {
  LayerOnTile& lt = layer_on_tile_[tile][layer];
  if (++lt.arrived[t] == lt.sources) try_blocks(tile, layer);
}

void Chip::try_blocks(int tile, int layer) {
  LayerOnTile& lt = layer_on_tile_[tile][layer];
  const int T = network_.timesteps;
  const models::AdcQuantizer& adc = network_.layers[layer].adc;
  for (int bi : lt.blocks) {
    Block& b = blocks_[bi];
    while (b.next_t < T && lt.arrived[b.next_t] == lt.sources) {
      const int t = b.next_t++;
      const std::vector<char>& spiking = lt.spiking[t];
      driven_.clear();
      for (size_t r = 0; r < b.inputs.size(); ++r)
        if (spiking[b.inputs[r]]) driven_.push_back(static_cast<int>(r));
      std::uint64_t& busy_until = crossbar_busy_[static_cast<std::size_t>(b.crossbar)];
      const std::uint64_t start = std::max(now(), busy_until);
      std::uint64_t done = start + 1;  // nothing to read: the controller passes on an empty result
      if (!driven_.empty()) {
        b.array->read(driven_, partial_);  // the energy of the driven cells, and the exact sums
        b.read_empty[t] = 0;
        if (network_.analog) network_.analog->read(layer, b.index, driven_, image_, t, analog_);
        // The codes go straight into the receiving cores' accumulators: a core reads them only
        // once every partial-sum packet of timestep t has arrived (see partials_arrive).
        for (size_t d = 0; d < b.dest_tiles.size(); ++d) {
          CoreOnTile& c = core_on_tile_[b.dest_tiles[d]][layer];
          std::vector<long long>& acc = c.accumulators[t];
          if (acc.empty()) acc.assign(c.neurons.size(), 0);
          for (int k : b.dest_outputs[d])
            acc[c.local_index[b.outputs[k]]] += network_.analog
                                                    ? b.adcs->convert_analog(adc, analog_[k])
                                                    : b.adcs->convert(adc, partial_[k]);
        }
        done = start + read_cycles_ + b.adcs->conversion_cycles(static_cast<int>(b.outputs.size()));
      }
      busy_until = done;
      if (tracing()) {
        vcd_->add(start, sig_busy_[b.tile], +1);
        vcd_->add(done, sig_busy_[b.tile], -1);
      }
      at(done, Ev::kBlockDone, bi, layer, t);
    }
  }
}

void Chip::block_done(int bi, int t) {
  const Block& b = blocks_[bi];
  const int layer = b.layer;
  const int value_bits = network_.layers[layer].adc.bits > 0 ? network_.layers[layer].adc.bits : 32;
  for (int si : b.senders) {
    Sender& snd = senders_[si];
    if (!b.read_empty[t]) snd.nonempty[t] = 1;
    if (++snd.done[t] < snd.blocks) continue;
    const int values = snd.nonempty[t] ? snd.values : 0;
    send(b.tile, snd.dest, layer, t, 1 + payload_flits(values, value_bits), Ev::kPartialsArrive);
  }
}

void Chip::partials_arrive(int tile, int layer, int t) {
  CoreOnTile& c = core_on_tile_[tile][layer];
  if (++c.arrived[t] == c.expected) try_fire(tile, layer);
}

void Chip::try_fire(int tile, int layer) {
  CoreOnTile& c = core_on_tile_[tile][layer];
  const int T = network_.timesteps;
  const int L = static_cast<int>(network_.layers.size());
  while (c.next_t < T && c.arrived[c.next_t] == c.expected) {
    const int t = c.next_t++;
    std::vector<int>& spikes = c.fired[t];
    c.core->step(c.accumulators[t], spikes);
    std::vector<long long>().swap(c.accumulators[t]);
    for (int& i : spikes) i = c.neurons[i];                        // local -> global index
    const std::uint64_t when = std::max(now(), c.busy_until) + 1;  // one cycle to update
    c.busy_until = when;
    if (tracing()) {
      vcd_->set(when, sig_spikes_[tile], static_cast<long long>(spikes.size()));
      vcd_->set(when + 1, sig_spikes_[tile], 0);
      if (layer == potential_layer_)
        for (size_t i = 0; i < c.neurons.size(); ++i)
          vcd_->set(when, sig_potential_[c.neurons[i]], c.core->potential(static_cast<int>(i)));
    }
    if (trace_)
      current_.trace[layer][t].insert(current_.trace[layer][t].end(), spikes.begin(), spikes.end());
    if (layer == L - 1) {
      for (int n : spikes) ++current_.output_spike_counts[n];
    } else {
      // Mark the spikes as inputs of the next layer's tiles now; they use them only once every
      // spike packet of timestep t has arrived.
      for (int dest : c.spike_dests) {
        std::vector<char>& spiking = layer_on_tile_[dest][layer + 1].spiking[t];
        for (int n : spikes) spiking[n] = 1;
      }
    }
    at(when, Ev::kFired, tile, layer, t);
  }
}

void Chip::fired(int tile, int layer, int t) {
  CoreOnTile& c = core_on_tile_[tile][layer];
  const int L = static_cast<int>(network_.layers.size());
  if (layer < L - 1) {
    const int flits = 1 + payload_flits(static_cast<int>(c.fired[t].size()), index_bits_);
    for (int dest : c.spike_dests) send(tile, dest, layer, t, flits, Ev::kSpikesArrive);
  }
  if (t == network_.timesteps - 1 && ++cores_done_ == cores_total_) finish_image();
}

void Chip::finish_image() {
  const int L = static_cast<int>(network_.layers.size());
  current_.cycles = now() - image_start_;
  current_.output_potentials.assign(current_.output_spike_counts.size(), 0);
  for (auto& per_tile : core_on_tile_) {
    const CoreOnTile& c = per_tile[L - 1];
    for (size_t i = 0; i < c.neurons.size(); ++i)
      current_.output_potentials[c.neurons[i]] = c.core->potential(static_cast<int>(i));
  }
  for (auto& layer : current_.trace)
    for (auto& t : layer) std::sort(t.begin(), t.end());
  stats_.cycles += current_.cycles;
  if (tracing()) vcd_->write(image_start_);
  results_.push_back(std::move(current_));
  ++image_;
  if (on_image_done_) on_image_done_(image_);
}

void Chip::dispatch(const Event& e) {
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
  sc_core::wait(noc_->period() * static_cast<double>(cycle_ - synced_cycle_));
  synced_cycle_ = cycle_;
}

// Cycle by cycle, in order: every event of the cycle (including those the cycle's events schedule
// for the same cycle), then one network step if flits are in flight. Cycles where nothing happens
// are skipped.
void Chip::run() {
  const auto period_cycles = [this](sc_core::sc_time t) {
    return static_cast<std::uint64_t>(std::llround(t / noc_->period()));
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
        const Event e = calendar_.top();
        calendar_.pop();
        dispatch(e);
      }
      if (noc_->busy() && noc_->next_tick() <= cycle_) noc_->tick(cycle_);
      if (cycle_ - synced_cycle_ >= kSyncQuantumCycles) sync_time();
    }
    sync_time();
  }
}

std::vector<Activity> Chip::activity() const {
  std::vector<std::vector<Activity>> a = traffic_;
  for (int s = 0; s < static_cast<int>(a.size()); ++s)
    for (int l = 0; l < static_cast<int>(a[s].size()); ++l) {
      a[s][l].tile = s;
      a[s][l].layer = l;
    }
  for (const auto& b : blocks_) {
    Activity& x = a[b.tile][b.layer];
    x.crossbar_reads += b.array->stats().reads;
    x.row_activations += b.array->stats().row_activations;
    x.cell_energy_pj += b.array->stats().cell_energy_pj;
    x.adc_conversions += b.adcs->stats().conversions;
  }
  for (int s = 0; s < static_cast<int>(a.size()); ++s)
    for (int l = 0; l < static_cast<int>(a[s].size()); ++l) {
      a[s][l].neuron_updates += core_on_tile_[s][l].core->stats().updates;
      a[s][l].spikes += core_on_tile_[s][l].core->stats().spikes;
    }
  std::vector<Activity> out;
  for (auto& per_tile : a)
    for (auto& x : per_tile)
      if (x.crossbar_reads || x.neuron_updates || x.buffer_accesses) out.push_back(x);
  return out;
}

ChipStats Chip::stats() const {
  ChipStats s = stats_;
  for (const auto& b : blocks_) {
    s.crossbar_reads += b.array->stats().reads;
    s.row_activations += b.array->stats().row_activations;
    s.cell_energy_pj += b.array->stats().cell_energy_pj;
    s.adc_conversions += b.adcs->stats().conversions;
    s.adc_saturations += b.adcs->stats().saturations;
  }
  for (const auto& per_tile : core_on_tile_)
    for (const auto& c : per_tile) {
      s.neuron_updates += c.core->stats().updates;
      s.spikes += c.core->stats().spikes;
      s.potential_saturations += c.core->stats().saturations;
    }
  return s;
}

}  // namespace xbar::sim
