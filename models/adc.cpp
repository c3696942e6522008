#include "models/adc.hpp"

#include <algorithm>
#include <cmath>

namespace xbar::models {

long long AdcQuantizer::convert(long long p) const {
  if (max_code <= 0) return p;
  const long long magnitude = (2 * (p < 0 ? -p : p) + step) / (2 * step);
  return std::clamp(p < 0 ? -magnitude : magnitude, -max_code, max_code);
}

long long AdcQuantizer::convert_analog(double p) const {
  // Exact in double for |p| < 2^51: for an integer p this is convert()'s integer division.
  // q >= 1/2: truncation is the floor; saturate before converting (a NaN saturates too).
  const double s = static_cast<double>(step);
  const double q = (2.0 * std::fabs(p) + s) / (2.0 * s);
  const double limit = max_code > 0 ? static_cast<double>(max_code) : 0x1.0p62;
  const long long magnitude = q < limit ? static_cast<long long>(q) : static_cast<long long>(limit);
  return p < 0 ? -magnitude : magnitude;
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

namespace xbar::models {

long long AdcBank::convert_analog(const AdcQuantizer& q, double partial_sum) {
  ++stats_.conversions;
  const long long code = q.convert_analog(partial_sum);
  if (q.max_code > 0 && (code == q.max_code || code == -q.max_code) &&
      std::fabs(partial_sum) > static_cast<double>(q.max_code * q.step))
    ++stats_.saturations;
  return code;
}

}  // namespace xbar::models
