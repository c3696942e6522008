#include "sim/chip.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

namespace xbar::sim {

Chip::Chip(sc_core::sc_module_name name, const arch::ArchSpec& arch,
           const compiler::Placement& placement, const HardwareNetwork& network)
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
  noc_ = models::make_noc("noc", arch, std::max(1, placement.grid_rows), grid_cols);
  noc_->on_deliver([this](const models::Packet& p) {
    auto it = in_flight_.find(p.id);
    auto action = std::move(it->second);
    in_flight_.erase(it);
    action();
  });
  read_cycles_ = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(
             std::ceil(arch.device.read_pulse_ns / arch.technology.clock_period_ns() - 1e-9)));
  layer_on_tile_.assign(slots, std::vector<LayerOnTile>(L));
  traffic_.assign(slots, std::vector<Activity>(L));
  core_on_tile_.assign(slots, std::vector<CoreOnTile>(L));
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
      c.core = models::NeuronCore(network_.layers[l].neuron, static_cast<int>(c.neurons.size()));
      c.arrived.assign(T, 0);
      LayerOnTile& lt = layer_on_tile_[s][l];
      lt.arrived.assign(T, 0);
      lt.spiking.assign(T, std::vector<char>(placement.layers[l].inputs, 0));
    }
  for (const auto& b : blocks_)
    for (int dest : b.dest_tiles) ++core_on_tile_[dest][b.layer].expected;
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

void Chip::trace(VcdTrace* vcd, size_t image) {
  vcd_ = vcd;
  vcd_image_ = image;
  sig_busy_.assign(layer_on_tile_.size(), -1);
  sig_spikes_.assign(layer_on_tile_.size(), -1);
  for (int slot : tiles_) {
    const std::string scope = "tile" + std::to_string(slot);
    sig_busy_[slot] = vcd->signal(scope, "crossbars_busy");
    sig_spikes_[slot] = vcd->signal(scope, "spikes_fired");
  }
  sig_packets_ = vcd->signal("noc", "packets_in_flight");
}

void Chip::enqueue(std::vector<SpikeTrain> images, bool trace) {
  for (auto& image : images) images_.push_back(std::move(image));
  trace_ = trace;
}

std::uint64_t Chip::now() const {
  return static_cast<std::uint64_t>(std::llround(sc_core::sc_time_stamp() / noc_->period()));
}

void Chip::at(std::uint64_t cycle, std::function<void()> action) {
  calendar_.push({cycle, seq_++, std::move(action)});
  wake_.notify(sc_core::SC_ZERO_TIME);
}

int Chip::payload_flits(int items, int bits_each) const {
  const long long bits = static_cast<long long>(items) * bits_each;
  return static_cast<int>((bits + arch_.noc.flit_bits - 1) / arch_.noc.flit_bits);
}

void Chip::send(int src, int dst, int layer, int flits, std::function<void()> on_arrival,
                bool spike) {
  (spike ? stats_.spike_packets : stats_.partial_sum_packets)++;
  Activity& a = traffic_[src][layer];
  a.buffer_accesses +=
      2 * static_cast<std::uint64_t>(flits);  // out of the sender's buffer, into the receiver's
  if (src != dst) {
    const models::Noc::Route route = noc_->route_cost(src, dst);
    a.flits_sent += flits;
    a.router_traversals += static_cast<std::uint64_t>(flits) * route.routers;
    a.link_traversals += static_cast<std::uint64_t>(flits) * route.links;
  }
  if (src == dst) {  // stays in the tile: one cycle through its buffer
    ++stats_.packets_local;
    at(now() + 1, std::move(on_arrival));
    return;
  }
  if (tracing()) {
    vcd_->add(now(), sig_packets_, +1);
    on_arrival = [this, inner = std::move(on_arrival)] {
      vcd_->add(now(), sig_packets_, -1);
      inner();
    };
  }
  models::Packet p;
  p.id = next_packet_++;
  p.src_tile = src;
  p.dst_tile = dst;
  p.flits = flits;
  in_flight_.emplace(p.id, std::move(on_arrival));
  noc_->send(p);
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
      c.core.reset();
      std::fill(c.arrived.begin(), c.arrived.end(), 0);
      c.next_t = 0;
      c.busy_until = image_start_;
      c.accumulators.clear();
    }
  for (auto& per_tile : layer_on_tile_)
    for (auto& lt : per_tile) {
      std::fill(lt.arrived.begin(), lt.arrived.end(), 0);
      for (auto& v : lt.spiking) std::fill(v.begin(), v.end(), 0);
    }
  for (auto& b : blocks_) {
    b.next_t = 0;
    b.busy_until = image_start_;
  }
  // The input port broadcasts each timestep's input spikes to every tile holding layer-0 crossbars
  // over a dedicated input bus, one flit per cycle, timestep after timestep.
  const SpikeTrain& spikes = images_[image_];
  std::uint64_t port_free = image_start_;
  for (int t = 0; t < T; ++t) {
    const std::vector<int> s = t < static_cast<int>(spikes.size()) ? spikes[t] : std::vector<int>{};
    const int flits = 1 + payload_flits(static_cast<int>(s.size()), index_bits_);
    port_free += flits;
    ++stats_.input_broadcasts;
    for (int slot = 0; slot < static_cast<int>(layer_on_tile_.size()); ++slot) {
      if (layer_on_tile_[slot][0].blocks.empty()) continue;
      traffic_[slot][0].buffer_accesses +=
          2 * static_cast<std::uint64_t>(flits);  // written, then read
      at(port_free, [this, slot, t, s] { spikes_arrive(slot, 0, t, s); });
    }
  }
  // Cores fed by no crossbar never integrate anything: they fire (silently) on their own.
  for (int slot = 0; slot < static_cast<int>(core_on_tile_.size()); ++slot)
    for (int l = 0; l < L; ++l)
      if (!core_on_tile_[slot][l].neurons.empty() && core_on_tile_[slot][l].expected == 0)
        at(now(), [this, slot, l] { try_fire(slot, l); });
}

void Chip::spikes_arrive(int tile, int layer, int t, const std::vector<int>& spikes) {
  LayerOnTile& lt = layer_on_tile_[tile][layer];
  for (int n : spikes) lt.spiking[t][n] = 1;
  if (++lt.arrived[t] == lt.sources) try_blocks(tile, layer);
}

void Chip::try_blocks(int tile, int layer) {
  LayerOnTile& lt = layer_on_tile_[tile][layer];
  const int T = network_.timesteps;
  for (int bi : lt.blocks) {
    Block& b = blocks_[bi];
    while (b.next_t < T && lt.arrived[b.next_t] == lt.sources) {
      const int t = b.next_t++;
      std::vector<int> driven;
      for (size_t r = 0; r < b.inputs.size(); ++r)
        if (lt.spiking[t][b.inputs[r]]) driven.push_back(static_cast<int>(r));
      const std::uint64_t start = std::max(now(), b.busy_until);
      std::vector<long long> digital(b.outputs.size(), 0);  // ADC codes
      std::uint64_t done = start + 1;  // nothing to read: the controller passes on an empty result
      if (!driven.empty()) {
        Eigen::VectorXi partial;
        b.array->read(driven, partial);
        for (size_t k = 0; k < b.outputs.size(); ++k)
          digital[k] = b.adcs->convert(network_.layers[layer].adc, partial[k]);
        done = start + read_cycles_ + b.adcs->conversion_cycles(static_cast<int>(b.outputs.size()));
      }
      b.busy_until = done;
      if (tracing()) {
        vcd_->add(start, sig_busy_[b.tile], +1);
        vcd_->add(done, sig_busy_[b.tile], -1);
      }
      at(done, [this, bi, layer, t, digital = std::move(digital), empty = driven.empty()] {
        Block& blk = blocks_[bi];
        const int value_bits =
            network_.layers[layer].adc.bits > 0 ? network_.layers[layer].adc.bits : 32;
        for (size_t d = 0; d < blk.dest_tiles.size(); ++d) {
          std::vector<std::pair<int, long long>> values;
          if (!empty)
            for (int k : blk.dest_outputs[d]) values.emplace_back(blk.outputs[k], digital[k]);
          const int dest = blk.dest_tiles[d];
          // Size the packet before `values` moves into its arrival action.
          const int flits = 1 + payload_flits(static_cast<int>(values.size()), value_bits);
          send(
              blk.tile, dest, layer, flits,
              [this, dest, layer, t, values = std::move(values)] {
                partials_arrive(dest, layer, t, values);
              },
              false);
        }
      });
    }
  }
}

void Chip::partials_arrive(int tile, int layer, int t,
                           const std::vector<std::pair<int, long long>>& values) {
  CoreOnTile& c = core_on_tile_[tile][layer];
  // Partial sums of timestep t wait in the core's accumulator until t fires.
  if (c.accumulators.size() < static_cast<size_t>(network_.timesteps))
    c.accumulators.resize(network_.timesteps);
  auto& acc = c.accumulators[t];
  if (acc.empty()) acc.assign(c.neurons.size(), 0);
  for (auto& [neuron, value] : values) acc[c.local_index[neuron]] += value;
  if (++c.arrived[t] == c.expected) try_fire(tile, layer);
}

void Chip::try_fire(int tile, int layer) {
  CoreOnTile& c = core_on_tile_[tile][layer];
  const int T = network_.timesteps;
  const int L = static_cast<int>(network_.layers.size());
  while (c.next_t < T && c.arrived[c.next_t] == c.expected) {
    const int t = c.next_t++;
    std::vector<long long> sums;
    if (c.accumulators.size() > static_cast<size_t>(t)) sums.swap(c.accumulators[t]);
    std::vector<int> local;
    c.core.step(sums, local);
    std::vector<int> spikes;
    for (int i : local) spikes.push_back(c.neurons[i]);
    const std::uint64_t fired =
        std::max(now(), c.busy_until) + 1;  // one cycle to update the neurons
    c.busy_until = fired;
    if (tracing()) {
      vcd_->set(fired, sig_spikes_[tile], static_cast<long long>(spikes.size()));
      vcd_->set(fired + 1, sig_spikes_[tile], 0);
    }
    if (trace_)
      current_.trace[layer][t].insert(current_.trace[layer][t].end(), spikes.begin(), spikes.end());
    if (layer == L - 1) {
      for (int n : spikes) ++current_.output_spike_counts[n];
    } else {
      for (int dest : c.spike_dests) {
        at(fired, [this, tile, dest, layer, t, spikes] {
          send(
              tile, dest, layer + 1,
              1 + payload_flits(static_cast<int>(spikes.size()), index_bits_),
              [this, dest, layer, t, spikes] { spikes_arrive(dest, layer + 1, t, spikes); }, true);
        });
      }
    }
    if (t == T - 1) {
      at(fired, [this] {
        if (++cores_done_ < cores_total_) return;
        finish_image();
      });
    }
  }
}

void Chip::finish_image() {
  const int L = static_cast<int>(network_.layers.size());
  current_.cycles = now() - image_start_;
  current_.output_potentials.assign(current_.output_spike_counts.size(), 0);
  for (auto& per_tile : core_on_tile_) {
    const CoreOnTile& c = per_tile[L - 1];
    for (size_t i = 0; i < c.neurons.size(); ++i)
      current_.output_potentials[c.neurons[i]] = c.core.potential(static_cast<int>(i));
  }
  for (auto& layer : current_.trace)
    for (auto& t : layer) std::sort(t.begin(), t.end());
  stats_.cycles += current_.cycles;
  if (tracing()) vcd_->write(image_start_);
  results_.push_back(std::move(current_));
  ++image_;
  if (on_image_done_) on_image_done_(image_);
  image_running_ = false;
  wake_.notify(sc_core::SC_ZERO_TIME);
}

void Chip::run() {
  for (;;) {
    if (calendar_.empty()) {
      if (!image_running_ && image_ < images_.size()) {
        image_running_ = true;
        start_image();
        continue;
      }
      if (!image_running_) return;  // all images done: let the simulation end
      sc_core::wait(wake_);
      continue;
    }
    const std::uint64_t next = calendar_.top().cycle;
    const std::uint64_t current = now();
    if (next > current) {
      sc_core::wait(noc_->period() * static_cast<double>(next - current), wake_);
      continue;
    }
    Event e = calendar_.top();
    calendar_.pop();
    e.action();
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
      a[s][l].neuron_updates += core_on_tile_[s][l].core.stats().updates;
      a[s][l].spikes += core_on_tile_[s][l].core.stats().spikes;
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
      s.neuron_updates += c.core.stats().updates;
      s.spikes += c.core.stats().spikes;
      s.potential_saturations += c.core.stats().saturations;
    }
  return s;
}

}  // namespace xbar::sim
