// The golden functional SNN model: the converted network run timestep by timestep with no timing,
// event-driven (only the weight rows of inputs that spiked are accumulated). In fixed-point mode it
// does the integer arithmetic the hardware does -- weights quantised to 2^b levels per sign,
// partial sums per crossbar block digitised by an ADC, a saturating n-bit potential -- exactly as
// workloads/README.md ("The golden model") gives, so the SystemC chip must reproduce its spikes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "workloads/block.hpp"
#include "workloads/snn.hpp"

namespace xbar::workloads {


// Dense tiling: blocks of `rows` consecutive inputs x `cols` consecutive outputs.
LayerPartition tile_partition(int inputs, int outputs, int rows, int cols);

struct SnnConfig {
  int timesteps = 64;
  NeuronModel neuron = NeuronModel::If;
  float leak = 1.0f;  // LIF: potential multiplied by this each timestep before integrating
  ResetMode reset = ResetMode::Subtract;
  Encoding encoding = Encoding::kPoisson;
  std::uint64_t seed = 1;  // image k's input spikes use Rng::stream(seed, k)
};

// The non-ideal (analog) read of a programmed crossbar block: the hook through which device and
// circuit effects reach the golden model without it depending on them (models/analog.hpp
// implements it from the arch). Given the block's driven local rows (indices into
// Block::inputs), it returns one analog partial sum per block output in weight LSBs, after the
// ADC's own non-idealities and before its quantisation. It must be a pure function of its
// arguments: noise is keyed by (layer, block, image, timestep), never by call order.
class AnalogReader {
 public:
  virtual ~AnalogReader() = default;
  virtual void read(int layer, int block, const std::vector<int>& rows, std::uint64_t image,
                    int timestep, std::vector<double>& analog) const = 0;
};

// The ADC's rounding of an analog partial sum p (weight LSBs): half away from zero by `step`, then
// saturated at +-max_code (0: no clipping). For an integer p it equals the integer rule of step 4
// (workloads/README.md), and models::AdcQuantizer::convert_analog computes the same.
long adc_code_analog(double p, long step, long max_code);

struct FixedPointConfig {
  bool enabled = false;  // false: float mode, no quantisation anywhere
  int weight_bits = 4;   // |q| <= 2^b - 1: 2^b levels per sign (one b-bit cell per sign)
  int adc_bits = 0;      // signed ADC, codes in [-(2^(a-1)-1), 2^(a-1)-1]; 0 = ideal (exact)
  // Full-scale |partial sum| per layer in weight LSBs; 0 or missing = the layer's largest possible
  // block sum (rows of the block x (2^b - 1)), i.e. never clipping.
  std::vector<long> adc_range;
  int potential_bits = 16;                     // two's complement, saturating
  int crossbar_rows = 64, crossbar_cols = 64;  // default partition: tile_partition
  std::vector<LayerPartition> partitions;      // per layer; empty = tile by crossbar rows x cols
  // Non-ideal crossbars: when set, every block's partial sums come from this reader (analog) and
  // are rounded by adc_code_analog; null (the default) keeps the exact integer path.
  std::shared_ptr<const AnalogReader> analog;
};

// A layer's integer parameters (what the chip is programmed with).
struct QuantisedLayer {
  Eigen::MatrixXi weights;  // outputs x inputs, in [-(2^b-1), 2^b-1]
  double weight_step = 1;   // float weight of one LSB (Delta)
  long adc_step = 1;        // weight LSBs per ADC code (s)
  long adc_max_code = 0;    // 0 = ideal ADC (no clipping)
  long threshold = 1;       // in ADC codes
  long potential_min = 0, potential_max = 0;
  long leak_q16 = 65536;  // LIF leak as a Q16 multiplier
  LayerPartition blocks;
};

// Spikes of every layer and timestep, as the golden model and the chip record them: `input` the
// input spikes, layers[l] those of SNN layer l; each a SpikeTrain (indices ascending per timestep).
struct SpikeTrace {
  SpikeTrain input;
  std::vector<SpikeTrain> layers;
  // What layer l reads: the input for layer 0, else layer l - 1's spikes.
  const SpikeTrain& input_of(std::size_t layer) const { return layer ? layers[layer - 1] : input; }
  bool operator==(const SpikeTrace&) const = default;
};

// The class a spiking network predicts: the output neuron with the most spikes; ties go to the
// larger final potential, then to the lower index. The golden model and the chip both use it.
int predicted_class(const std::vector<int>& spike_counts, const std::vector<double>& potentials);

struct GoldenResult {
  std::vector<int> counts;  // output spikes per output neuron
  std::vector<double>
      potentials;      // final output potentials (float mode: float value; fixed: register)
  int predicted = -1;  // most spikes; ties: larger potential, then lower index
  long input_spikes = 0, spikes = 0;  // spikes in, and spikes of all SNN layers
};

// How often each value occurred, for integers in [1, max]: an exact order statistic of any number
// of samples in memory that grows with the largest value only.
struct SumHistogram {
  std::vector<std::uint64_t> count;  // [value]
  std::uint64_t total = 0;
  void add(long value) {
    const auto v = static_cast<std::size_t>(value);
    if (v >= count.size()) count.resize(std::max(v + 1, count.size() * 2), 0);
    ++count[v];
    ++total;
  }
  // The value at 0-based rank `rank` of the samples sorted ascending (rank < total).
  long at_rank(std::uint64_t rank) const {
    for (std::size_t v = 0; v < count.size(); ++v) {
      if (rank < count[v]) return static_cast<long>(v);
      rank -= count[v];
    }
    return count.empty() ? 0 : static_cast<long>(count.size() - 1);
  }
};

class GoldenModel {
 public:
  // Blocks may overlap: a synapse belongs to the first block containing it (the compiler's rule).
  // Throws std::invalid_argument for a bad configuration or partition (a
  // non-zero weight outside every block, indices out of range, threshold beyond the register).
  GoldenModel(SpikingNetwork net, SnnConfig snn, FixedPointConfig fixed = {});

  // Runs the given input spike train (its length sets the timesteps).
  // `image` keys the analog reader's read noise (classify passes its index).
  GoldenResult run(const SpikeTrain& input, SpikeTrace* trace = nullptr,
                   std::uint64_t image = 0) const;
  // Encodes image `index` (config encoding, Rng::stream(seed, index)) and runs it.
  GoldenResult classify(const float* image, std::uint64_t index, SpikeTrace* trace = nullptr) const;

  const SpikingNetwork& network() const { return net_; }
  const SnnConfig& snn_config() const { return snn_; }
  const FixedPointConfig& fixed_config() const { return fixed_; }
  const std::vector<QuantisedLayer>& quantised() const { return q_; }

 private:
  struct BlockData {
    std::vector<int> outputs;
    Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> q;  // ins x outs
  };
  struct LayerData {
    RowMatrix wt;  // float mode: inputs x outputs
    std::vector<BlockData> blocks;
    std::vector<std::vector<std::pair<int, int>>> rows_of_input;  // input -> (block, local row)
  };
  GoldenResult run_float(const SpikeTrain& input, SpikeTrace* trace) const;
  GoldenResult run_fixed(const SpikeTrain& input, SpikeTrace* trace,
                         std::vector<SumHistogram>* partial_sums, std::uint64_t image = 0) const;
  friend std::vector<long> calibrate_adc_range(const GoldenModel&, const Dataset&, int, double);

  SpikingNetwork net_;
  SnnConfig snn_;
  FixedPointConfig fixed_;
  std::vector<QuantisedLayer> q_;
  std::vector<LayerData> data_;
};

// Full-scale ADC range per layer (weight LSBs) from the ideal-ADC partial sums of the first
// `images` samples: the given percentile of the non-zero |partial sums| (100 = max), exact, from
// a count per value (its memory grows with the largest sum, not with images x timesteps).
std::vector<long> calibrate_adc_range(const GoldenModel& ideal, const Dataset& data, int images,
                                      double percentile = 99.99);

struct SnnEvaluation {
  int images = 0;
  double accuracy = 0;
  double input_spikes_per_image = 0, spikes_per_image = 0;  // hidden + output spikes
};
// Classifies the first `images` samples (all if <= 0) on `threads` threads; the result does not
// depend on the thread count.
SnnEvaluation evaluate(const GoldenModel& model, const Dataset& data, int images, int threads);

}  // namespace xbar::workloads
