// The neurons of one layer held by one tile: membrane potentials in a saturating register of
// `potential_bits`, integrating digitised partial sums and firing against an integer threshold.
#pragma once

#include <cstdint>
#include <vector>

#include "arch/arch_spec.hpp"

namespace xbar::models {

// Integer neuron arithmetic of one layer (all values in units of one weight level x ADC step 1).
struct NeuronParams {
  long long threshold = 1;
  int potential_bits = 16;  // 0: unbounded
  bool reset_to_zero = false;
  double leak = 0;  // LIF: v -= trunc(v * leak) before integrating
};

struct NeuronStats {
  std::uint64_t updates = 0;  // neuron-timesteps evaluated
  std::uint64_t spikes = 0;
  std::uint64_t saturations = 0;
};

class NeuronCore {
 public:
  NeuronCore(NeuronParams params, int neurons);
  int size() const { return static_cast<int>(v_.size()); }
  void integrate(int neuron, long long value);  // adds into the potential, saturating
  // Leaks, fires and resets every neuron; appends the indices that spiked to `spikes`.
  void fire(std::vector<int>& spikes);
  void reset();
  long long potential(int neuron) const { return v_[neuron]; }
  const NeuronStats& stats() const { return stats_; }

 private:
  long long saturate(long long v);
  NeuronParams p_;
  long long lo_, hi_;
  std::vector<long long> v_;
  NeuronStats stats_;
};

}  // namespace xbar::models
