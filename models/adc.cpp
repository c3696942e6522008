#include "models/adc.hpp"

#include <algorithm>

namespace xbar::models {

long long AdcQuantizer::convert(long long p) const {
  if (max_code <= 0) return p;
  const long long magnitude = (2 * (p < 0 ? -p : p) + step) / (2 * step);
  return std::clamp(p < 0 ? -magnitude : magnitude, -max_code, max_code);
}

bool AdcQuantizer::saturates(long long p) const {
  if (max_code <= 0) return false;
  const long long magnitude = (2 * (p < 0 ? -p : p) + step) / (2 * step);
  return magnitude > max_code;
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

long long AdcBank::convert(const AdcQuantizer& q, long long partial_sum) {
  ++stats_.conversions;
  if (q.saturates(partial_sum)) ++stats_.saturations;
  return q.convert(partial_sum);
}

}  // namespace xbar::models
