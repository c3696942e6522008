// The neurons of one layer held by one tile: membrane potentials in a saturating register of
// `potential_bits`, integrating digitised partial sums and firing against an integer threshold.
#pragma once

#include <cstdint>
#include <vector>

#include "arch/arch_spec.hpp"

namespace xbar::models {

// Integer neuron arithmetic of one layer, in units of one ADC code (workloads/README.md,
// golden model, fixed-point step 5): per timestep, LIF leak V <- trunc(V * leak_q16 / 2^16), then
// V <- clamp(V + S, min, max) with S the sum of the timestep's codes, then a spike if V >=
// threshold and V <- V - threshold (subtract) or 0 (zero).
struct NeuronParams {
  long long threshold = 1;
  long long potential_min = -32768, potential_max = 32767;
  arch::ResetMode reset = arch::ResetMode::Subtract;
  arch::NeuronModel model = arch::NeuronModel::If;
  long long leak_q16 = 65536;  // LIF only: the Q16 multiplier, arch::NeuronSpec::leak_q16()
  bool leaky() const { return model == arch::NeuronModel::Lif; }
  bool resets_to_zero() const { return reset == arch::ResetMode::Zero; }
};

// A layer's neuron arithmetic on the chip `neuron` describes (potential range from potential_bits,
// reset mode, IF/LIF and arch::NeuronSpec::leak_q16()), with the layer's threshold in ADC codes.
NeuronParams neuron_params(const arch::NeuronSpec& neuron, long long threshold);

struct NeuronStats {
  std::uint64_t updates = 0;  // neuron-timesteps evaluated
  std::uint64_t spikes = 0;
  std::uint64_t saturations = 0;
};

// Virtual so that another implementation of the same arithmetic -- the verilated reference RTL
// (rtl/neuron_core.v) in the co-simulation -- can stand in for it inside the chip.
class NeuronCore {
 public:
  NeuronCore(NeuronParams params, int neurons);
  virtual ~NeuronCore() = default;
  int size() const { return static_cast<int>(v_.size()); }
  // One timestep: `sums[i]` is neuron i's summed codes (empty: all zero); appends the indices that
  // spiked to `spikes`.
  virtual void step(const std::vector<long long>& sums, std::vector<int>& spikes);
  virtual void reset();
  virtual long long potential(int neuron) const { return v_[neuron]; }
  const NeuronStats& stats() const { return stats_; }
  const NeuronParams& params() const { return p_; }

 protected:
  NeuronParams p_;
  std::vector<long long> v_;
  NeuronStats stats_;
};

}  // namespace xbar::models
