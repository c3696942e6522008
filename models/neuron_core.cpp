#include "models/neuron_core.hpp"

#include <algorithm>
#include <limits>

namespace xbar::models {

NeuronCore::NeuronCore(NeuronParams params, int neurons) : p_(params), v_(neurons, 0) {
  if (p_.potential_bits > 0 && p_.potential_bits < 63) {
    hi_ = (1LL << (p_.potential_bits - 1)) - 1;
    lo_ = -(1LL << (p_.potential_bits - 1));
  } else {
    hi_ = std::numeric_limits<long long>::max() / 4;
    lo_ = -hi_;
  }
}

long long NeuronCore::saturate(long long v) {
  if (v > hi_ || v < lo_) ++stats_.saturations;
  return std::clamp(v, lo_, hi_);
}

void NeuronCore::integrate(int neuron, long long value) {
  v_[neuron] = saturate(v_[neuron] + value);
}

void NeuronCore::fire(std::vector<int>& spikes) {
  for (int n = 0; n < size(); ++n) {
    long long& v = v_[n];
    ++stats_.updates;
    if (v >= p_.threshold) {
      spikes.push_back(n);
      ++stats_.spikes;
      v = p_.reset_to_zero ? 0 : v - p_.threshold;
    }
    if (p_.leak > 0) v -= static_cast<long long>(static_cast<double>(v) * p_.leak);
  }
}

void NeuronCore::reset() { std::fill(v_.begin(), v_.end(), 0); }

}  // namespace xbar::models
