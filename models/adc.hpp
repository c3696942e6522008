// Column ADCs behind a column multiplexer: which conversions a crossbar read needs, how long they
// take when `columns_per_adc` outputs share one converter, and the quantisation of a partial sum.
#pragma once

#include <cstdint>

#include "arch/arch_spec.hpp"

namespace xbar::models {

// Quantiser of one layer's partial sums (workloads/README.md, golden model, step 4):
// code = clamp(sign(P) * floor((2|P| + step) / (2 step)), -max_code, max_code), i.e. rounded half
// away from zero, then saturated; max_code = 0 means an ideal converter (code = P).
struct AdcQuantizer {
  long long step = 1;      // weight LSBs per code
  long long max_code = 0;  // 2^(bits-1) - 1; 0: ideal
  int bits = 0;            // resolution, for the packet size (0: ideal, sent as 32 bits)
  long long convert(long long partial_sum) const;
  // An analog partial sum (weight LSBs, non-ideal crossbars): rounded half away from zero by step,
  // then saturated (max_code 0: not clipped); equals convert() for an integer input, and
  // workloads::adc_code_analog (the golden model's rule) for every input.
  long long convert_analog(double partial_sum) const;
  bool saturates(long long partial_sum) const;
};

struct AdcStats {
  std::uint64_t conversions = 0;
  std::uint64_t saturations = 0;  // conversions clipped at full scale
};

class AdcBank {
 public:
  // `columns_per_output`: physical columns of one logical output (2 for a differential pair).
  AdcBank(const arch::ArchSpec& arch, int columns_per_output);
  // Cycles to convert the first `outputs` logical outputs of a crossbar (outputs are packed from
  // column 0): the converters work in parallel, each stepping its multiplexer over the outputs
  // whose columns it serves, so the first converter, the busiest, sets the time.
  std::uint64_t conversion_cycles(int outputs) const;
  int outputs_per_converter() const { return outputs_per_converter_; }
  long long convert(const AdcQuantizer& q, long long partial_sum);
  // The same for an analog partial sum (a non-ideal crossbar's read, in weight LSBs).
  long long convert_analog(const AdcQuantizer& q, double partial_sum);
  const AdcStats& stats() const { return stats_; }

 private:
  int outputs_per_converter_ = 1;
  int latency_cycles_ = 1;
  AdcStats stats_;
};

}  // namespace xbar::models
