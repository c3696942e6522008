// Shared pieces of the RTL co-simulation tests: the record of mismatches (cycle, signal, both
// values), sign extension of verilated ports, and the clock both sides run on.
#pragma once

#include <cstdint>
#include <iostream>
#include <sstream>
#include <string>
#include <systemc>
#include <vector>

namespace xbar::test {

// Cycle k is the clock period that starts at rising edge k (sc_clock rises first, at time 0). The
// checkers sample both sides at the falling edge in the middle of the cycle, after every register
// of both has taken its value for cycle k.
constexpr double kClockNs = 10.0;

class MismatchLog {
 public:
  explicit MismatchLog(std::string block) : block_(std::move(block)) {}
  // Records one comparison; prints the first few mismatches as they happen.
  void check(std::uint64_t cycle, const std::string& signal, long long rtl, long long model) {
    ++compared_;
    if (rtl == model) return;
    if (++count_ <= kPrinted) {
      std::ostringstream s;
      s << block_ << ": cycle " << cycle << ": " << signal << ": rtl " << rtl << ", model "
        << model;
      first_.push_back(s.str());
      std::cerr << s.str() << "\n";
    }
  }
  std::uint64_t count() const { return count_; }
  std::uint64_t compared() const { return compared_; }
  const std::vector<std::string>& first() const { return first_; }

 private:
  static constexpr std::uint64_t kPrinted = 10;
  std::string block_;
  std::uint64_t count_ = 0, compared_ = 0;
  std::vector<std::string> first_;
};

// The `bits`-bit two's complement value in the low bits of `raw`.
inline long long sign_extend(std::uint64_t raw, int bits) {
  const std::uint64_t mask = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  raw &= mask;
  if (bits < 64 && (raw >> (bits - 1)) & 1) raw |= ~mask;
  return static_cast<long long>(raw);
}

// Field [lo, lo + bits) of a wide verilated port.
template <int W>
std::uint64_t field(const sc_dt::sc_bv<W>& v, int lo, int bits) {
  return v.range(lo + bits - 1, lo).to_uint64();
}

}  // namespace xbar::test
