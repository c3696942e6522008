// The chip, elaborated from an ArchSpec and a Placement: every tile's crossbars (with their ADCs)
// and neuron cores, joined by the on-chip network, running a spiking network timestep by timestep
// and image by image. One SystemC module drives all tiles from a calendar of timed events, so idle
// tiles cost no simulation time while every latency stays an exact number of cycles.
//
// Per timestep t and layer l:
//  1. spike packets for layer l reach each tile holding crossbars of l (layer 0's come from the
//     input port at tile slot 0); a tile starts once the packets of all its sources for (l, t) are
//     in;
//  2. each crossbar drives the rows of the inputs that spiked (read_pulse), then its ADCs convert
//     the outputs it feeds, multiplexed (AdcBank::conversion_cycles);
//  3. the digitised partial sums go to the tiles holding those output neurons (a local delivery
//     takes one cycle, a remote one a packet over the NoC);
//  4. once all partial sums of (l, t) are in, a neuron core fires (one cycle) and sends its spikes
//     to the tiles holding crossbars of layer l + 1; the last layer's spikes are counted.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <queue>
#include <systemc>
#include <vector>

#include "arch/arch_spec.hpp"
#include "compiler/placement.hpp"
#include "models/adc.hpp"
#include "models/crossbar.hpp"
#include "models/neuron_core.hpp"
#include "models/noc.hpp"
#include "sim/counters.hpp"
#include "sim/layout.hpp"
#include "sim/vcd.hpp"
#include "workloads/golden.hpp"

namespace xbar::sim {

// One layer of the spiking network in the hardware's integer arithmetic.
struct HardwareLayer {
  Eigen::MatrixXi levels;  // outputs x inputs weight levels
  models::AdcQuantizer adc;
  models::NeuronParams neuron;
};

struct HardwareNetwork {
  std::vector<HardwareLayer> layers;
  int timesteps = 0;
  // Non-ideal crossbars (models/analog.hpp): when set, a read's partial sums are the reader's
  // analog values -- the very code the golden model calls -- converted by the ADC; null: exact
  // integer sums. Read noise is keyed by the image's index in the run (Chip::enqueue).
  std::shared_ptr<const workloads::AnalogReader> analog = nullptr;
};

// Input spikes of one image (spikes[t] = indices of the input neurons that fire at timestep t) and
// the spikes of every layer, as the golden model records them.
using workloads::SpikeTrace;
using workloads::SpikeTrain;

struct ImageResult {
  std::vector<int> output_spike_counts;
  std::vector<long long> output_potentials;  // at the end, to break ties
  std::uint64_t cycles = 0;                  // from the first input to the last output update
  // Per timestep t: cycles from the image's start until the last neuron core of the output layer
  // fired t (the latency of each timestep, cumulative).
  std::vector<std::uint64_t> timestep_cycles;
  SpikeTrace trace;  // filled when tracing is on
};

// Flits sent over the network from one tile (NoC slot) to another, summed over the images run.
struct TileTraffic {
  int src = 0, dst = 0;
  std::uint64_t packets = 0, flits = 0;
};

// Other implementations of the chip's parts, for co-simulation (tests/rtl substitutes the verilated
// reference RTL); empty members mean xbarsim's own models.
struct ChipParts {
  // The network between `grid_rows` x `grid_columns` tiles (default models::make_noc). The chip
  // clocks it, one tick per busy cycle.
  std::function<std::unique_ptr<models::Noc>(const arch::ArchSpec&, int grid_rows,
                                             int grid_columns)>
      noc;
  // The neuron core of `neurons` neurons of one layer on one tile (default models::NeuronCore).
  std::function<std::unique_ptr<models::NeuronCore>(const models::NeuronParams&, int neurons)>
      neuron_core;
};

class Chip : public sc_core::sc_module {
 public:
  Chip(sc_core::sc_module_name name, const arch::ArchSpec& arch,
       const compiler::Placement& placement, const HardwareNetwork& network,
       const ChipParts& parts = {});

  // Images to run when the simulation starts; results come back in order. `first_image` is the
  // index of the first of them in the whole run (read noise is keyed by it: a worker process that
  // runs images k.. of a run reads as the single process would).
  void enqueue(std::vector<SpikeTrain> images, bool trace = false, std::uint64_t first_image = 0);
  // Records a VCD trace of image `image`: per tile, the crossbars busy and the spikes fired; the
  // packets in flight; per neuron of layer `potential_layer` (-1: the output layer) its membrane
  // potential after every timestep, one value-change record per timestep (also when the value is
  // unchanged), in the cycle its core fired. Written when that image finishes.
  void trace(VcdTrace* vcd, size_t image, int potential_layer = -1);
  // For the traced image, once it has run: per timestep t, the summed ADC codes each neuron of the
  // traced layer integrated (traced_sums()[t][n], n the layer's neuron index): the stimulus that
  // replays that layer's neurons (sim/neuron_stimulus.hpp).
  const std::vector<std::vector<long long>>& traced_sums() const { return traced_sums_; }
  // Called after each image with the number done so far (for progress reports).
  void on_image_done(std::function<void(size_t)> callback) { on_image_done_ = std::move(callback); }
  const std::vector<ImageResult>& results() const { return results_; }
  // The counters of every (layer, tile) that did anything, summed over all images run.
  std::vector<LayerTileCounters> counters() const;
  Counters totals() const;
  std::uint64_t cycles() const {
    return simulated_cycles_;
  }  // simulated, summed over the images run
  const models::Noc& noc() const { return *noc_; }
  // The traffic between every pair of tiles that exchanged packets over the network (packets that
  // stay in their tile are not in it), ordered by (src, dst).
  std::vector<TileTraffic> traffic() const;
  const ChipLayout& layout() const { return layout_; }
  int tiles() const { return static_cast<int>(layout_.tiles.size()); }

 private:
  // What changes while images run, next to the layout's fixed structure (same indices).
  struct BlockState {
    std::unique_ptr<models::CrossbarArray> array;
    std::unique_ptr<models::AdcBank> adcs;
    int next_t = 0;
    std::vector<char> read_empty;  // per t: no row was driven (the packets carry no values)
  };
  struct SenderState {
    std::vector<int> done;       // per t: contributing crossbars finished
    std::vector<char> nonempty;  // per t: some contributing crossbar drove a row
  };
  struct CrossbarGroupState {
    std::vector<int> arrived;  // per t: spike packets in
  };
  struct NeuronGroupState {
    std::unique_ptr<models::NeuronCore> core;
    std::vector<int> arrived;  // per t: partial-sum packets in
    int next_t = 0;
    std::vector<std::vector<long long>> accumulators;  // per t: partial sums waiting for t to fire
    std::vector<std::vector<int>> fired;               // per t: global indices of the spikes
    std::uint64_t busy_until = 0;
  };
  // The calendar holds plain records, not closures: what happens, where and for which timestep.
  // Functional data (spikes, ADC codes) is applied when it is produced -- the receiver reads it
  // only once every message of that timestep has arrived -- so a message carries no payload, only
  // its size (for the network) and its arrival (for the timing).
  enum class Ev : std::uint8_t {
    kInputSpikes,     // a: tile, b: timestep (layer 0's spikes from the input bus)
    kSpikesArrive,    // a: tile, b: layer, c: timestep
    kBlockDone,       // a: block, c: timestep (its ADCs finished: send the partial sums)
    kPartialsArrive,  // a: tile, b: layer, c: timestep
    kFired,           // a: tile, b: layer, c: timestep (send the spikes on; count the core done)
    kTryFire,         // a: tile, b: layer
  };
  struct Scheduled {
    std::uint64_t cycle;
    std::uint64_t seq;
    Ev kind;
    int a, b, c;
    bool operator>(const Scheduled& o) const {
      return cycle != o.cycle ? cycle > o.cycle : seq > o.seq;
    }
  };
  void at(std::uint64_t cycle, Ev kind, int a, int b = 0, int c = 0);
  void dispatch(const Scheduled& e);
  void run();
  void sync_time();
  void start_image();
  void spikes_arrive(int tile, int layer, int t);
  void try_blocks(int tile, int layer);
  void block_done(int block, int t);
  void partials_arrive(int tile, int layer, int t);
  void try_fire(int tile, int layer);
  void fired(int tile, int layer, int t);
  // Sends a message of `flits` from tile src to dst whose arrival is event (kind, dst, layer, t).
  void send(int src, int dst, int layer, int t, int flits, Ev arrival);
  void finish_image();
  std::uint64_t now() const { return cycle_; }
  int payload_flits(int items, int bits_each) const;
  // Flits of a packet carrying `spikes` spikes of a sender of `neurons` neurons (header included),
  // in the arch's noc.spike_packets format; counts a bit-vector packet at (tile, layer).
  int spike_flits(int spikes, int neurons, int tile, int layer);

  Counters& counters_at(int tile, int layer) {
    return counters_[static_cast<std::size_t>(tile) * layout_.layers + layer];
  }

  const arch::ArchSpec& arch_;
  sc_core::sc_time period_;  // one clock cycle
  HardwareNetwork network_;
  ChipLayout layout_;
  std::unique_ptr<models::Noc> noc_;
  std::vector<BlockState> blocks_;
  std::vector<std::uint64_t> crossbar_busy_;  // per physical crossbar: busy until this cycle
  std::vector<SenderState> senders_;
  std::vector<CrossbarGroupState> crossbar_groups_;
  std::vector<NeuronGroupState> neuron_groups_;
  // [layer][t]: the layer's input neurons that spiked at t. Shared by the tiles: one reads its
  // inputs of t only once the packets of all its sources for t are in.
  std::vector<std::vector<std::vector<char>>> spiking_;
  std::uint64_t read_cycles_ = 1;

  std::priority_queue<Scheduled, std::vector<Scheduled>, std::greater<>> calendar_;
  std::uint64_t seq_ = 0;
  std::uint64_t cycle_ = 0;         // the chip's own clock (temporal decoupling, see run())
  std::uint64_t synced_cycle_ = 0;  // the cycle SystemC time has been advanced to
  Eigen::VectorXi partial_;         // scratch: one crossbar read
  std::vector<double> analog_;      // scratch: one non-ideal crossbar read
  std::vector<int> driven_;         // scratch: the rows driven by one read

  std::vector<SpikeTrain> images_;
  bool trace_ = false;
  std::uint64_t first_image_ = 0;
  size_t image_ = 0;
  std::uint64_t image_start_ = 0;
  int cores_done_ = 0;
  ImageResult current_;
  std::vector<ImageResult> results_;
  std::function<void(size_t)> on_image_done_;
  bool tracing() const { return vcd_ && image_ == vcd_image_; }
  VcdTrace* vcd_ = nullptr;
  size_t vcd_image_ = 0;
  int potential_layer_ = -1;
  std::vector<int> sig_busy_, sig_spikes_, sig_potential_;
  std::vector<std::vector<long long>> traced_sums_;  // [t][neuron of potential_layer_]
  int sig_packets_ = -1;
  std::uint64_t simulated_cycles_ = 0;
  std::vector<Counters> counters_;  // [tile * layers + layer]: what the chip itself counts
  std::map<std::pair<int, int>, TileTraffic> traffic_;  // (src, dst) -> packets and flits
};

// The report's sections on what a chip did from its summed counters and network statistics (those
// of one chip, or merged over worker processes): {"activity": {...}, "noc": {...}}.
nlohmann::json activity_json(const Counters& totals, const models::NocStats& noc,
                             const std::string& noc_impl);

}  // namespace xbar::sim
