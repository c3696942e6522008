// Shared pieces of the RTL co-simulation tests: the record of mismatches (cycle, signal, both
// values), sign extension of verilated ports, and the clock both sides run on.
#pragma once

#include <cstdint>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <systemc>
#include <type_traits>
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
  // The same for a signal whose name is built only when it mismatches (many signals per cycle).
  template <class Name>
  requires std::is_invocable_r_v<std::string, Name>
  void check(std::uint64_t cycle, Name&& name, long long rtl, long long model) {
    if (rtl == model) {
      ++compared_;
      return;
    }
    check(cycle, std::string(name()), rtl, model);
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

// The C++ type Verilator gives a SystemC port of W bits: bool, uint32_t up to 32 bits, uint64_t
// up to 64, sc_bv<W> beyond.
template <int W>
using Port = std::conditional_t<
    W == 1, bool,
    std::conditional_t<W <= 32, std::uint32_t,
                       std::conditional_t<W <= 64, std::uint64_t, sc_dt::sc_bv<W>>>>;

// Field [lo, lo + bits) (bits <= 64) of a verilated port's value.
template <int W>
std::uint64_t field(const sc_dt::sc_bv<W>& v, int lo, int bits) {
  return v.range(lo + bits - 1, lo).to_uint64();
}
inline std::uint64_t field(std::uint64_t v, int lo, int bits) {
  const std::uint64_t mask = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  return (v >> lo) & mask;
}
inline std::uint64_t field(std::uint32_t v, int lo, int bits) {
  return field(static_cast<std::uint64_t>(v), lo, bits);
}

// Sets field [lo, lo + bits) (bits <= 64) of a port's value to the low bits of `value`.
template <int W>
void set_field(sc_dt::sc_bv<W>& v, int lo, int bits, std::uint64_t value) {
  v.range(lo + bits - 1, lo) = value;
}
template <class T>
requires std::is_unsigned_v<T>
void set_field(T& v, int lo, int bits, std::uint64_t value) {
  const std::uint64_t mask = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
  v = static_cast<T>((v & ~(mask << lo)) | ((value & mask) << lo));
}

// A parameter of a verilated configuration from its RTL_<PREFIX>_PARAMS string ("NAME=value ..."),
// at compile time; `otherwise` when the configuration leaves it at its default.
constexpr std::optional<long long> find_rtl_param(std::string_view params, std::string_view name) {
  size_t i = 0;
  while (i < params.size()) {
    while (i < params.size() && params[i] == ' ') ++i;
    size_t j = i;
    while (j < params.size() && params[j] != ' ') ++j;
    const std::string_view item = params.substr(i, j - i);
    const size_t eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == name) {
      long long v = 0;
      size_t k = eq + 1;
      const bool negative = k < item.size() && item[k] == '-';
      for (k += negative ? 1 : 0; k < item.size(); ++k) v = v * 10 + (item[k] - '0');
      return negative ? -v : v;
    }
    i = j;
  }
  return std::nullopt;
}
// A name the configuration does not set does not compile.
constexpr long long rtl_param(std::string_view params, std::string_view name) {
  const auto v = find_rtl_param(params, name);
  if (!v) throw std::logic_error("the configuration was not verilated with this parameter");
  return *v;
}
constexpr long long rtl_param(std::string_view params, std::string_view name, long long otherwise) {
  return find_rtl_param(params, name).value_or(otherwise);
}

}  // namespace xbar::test
