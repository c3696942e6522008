#include "models/adc.hpp"

#include <algorithm>

namespace xbar::models {

int AdcQuantizer::convert(long long p) const {
  if (bits <= 0) return static_cast<int>(p);
  const long long half = step / 2;
  long long code = p >= 0 ? (p + half) / step : -((-p + half) / step);
  const long long hi = (1LL << (bits - 1)) - 1, lo = -(1LL << (bits - 1));
  return static_cast<int>(std::clamp(code, lo, hi) * step);
}

AdcBank::AdcBank(const arch::ArchSpec& arch, int columns_per_output)
    : outputs_per_converter_(
          std::max(1, arch.adc.columns_per_adc / std::max(1, columns_per_output))),
      latency_cycles_(arch.adc.latency_cycles) {}

// A logical output's columns (a differential pair) are combined before one conversion.
std::uint64_t AdcBank::conversion_cycles(int outputs) const {
  if (outputs <= 0) return 0;
  return static_cast<std::uint64_t>(std::min(outputs, outputs_per_converter_)) * latency_cycles_;
}

int AdcBank::convert(const AdcQuantizer& q, long long partial_sum) {
  ++stats_.conversions;
  int v = q.convert(partial_sum);
  if (q.bits > 0) {
    const long long full = ((1LL << (q.bits - 1)) - 1) * q.step;
    if (partial_sum > full || partial_sum < -(full + q.step)) ++stats_.saturations;
  }
  return v;
}

}  // namespace xbar::models
