#include "models/neuron_core.hpp"

#include <algorithm>

namespace xbar::models {

NeuronParams neuron_params(const arch::NeuronSpec& neuron, long long threshold) {
  NeuronParams p;
  p.threshold = threshold;
  p.potential_min = -(1LL << (neuron.potential_bits - 1));
  p.potential_max = (1LL << (neuron.potential_bits - 1)) - 1;
  p.reset = neuron.reset;
  p.model = neuron.model;
  p.leak_q16 = neuron.leak_q16();
  return p;
}

NeuronCore::NeuronCore(NeuronParams params, int neurons) : p_(params), v_(neurons, 0) {}

void NeuronCore::step(const std::vector<long long>& sums, std::vector<int>& spikes) {
  for (int n = 0; n < size(); ++n) {
    long long& v = v_[n];
    ++stats_.updates;
    if (p_.leaky()) v = (v * p_.leak_q16) / 65536;
    const long long raw = v + (sums.empty() ? 0 : sums[n]);
    if (raw > p_.potential_max || raw < p_.potential_min) ++stats_.saturations;
    v = std::clamp(raw, p_.potential_min, p_.potential_max);
    if (v >= p_.threshold) {
      spikes.push_back(n);
      ++stats_.spikes;
      v = p_.resets_to_zero() ? 0 : v - p_.threshold;
    }
  }
}

void NeuronCore::reset() { std::fill(v_.begin(), v_.end(), 0); }

}  // namespace xbar::models
