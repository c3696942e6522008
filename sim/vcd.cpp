#include "sim/vcd.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <stdexcept>

namespace xbar::sim {

VcdTrace::VcdTrace(std::string path, double period_ns, std::uint64_t from, std::uint64_t to)
    : path_(std::move(path)), period_ns_(period_ns), from_(from), to_(to) {}

int VcdTrace::signal(const std::string& scope, const std::string& name) {
  signals_.emplace_back(scope, name);
  return static_cast<int>(signals_.size()) - 1;
}

void VcdTrace::set(std::uint64_t cycle, int id, long long value) {
  changes_.push_back({cycle, id, value, false});
}
void VcdTrace::add(std::uint64_t cycle, int id, long long delta) {
  changes_.push_back({cycle, id, delta, true});
}

static std::string code(int id) {  // VCD identifiers: printable characters ! .. ~
  std::string s;
  do {
    s += static_cast<char>('!' + id % 94);
    id /= 94;
  } while (id > 0);
  return s;
}

// The value as the declared 32-bit integer variable: two's complement, leading zeros dropped
// (VCD extends a shorter vector with zeros, so a negative value needs all 32 bits).
static std::string binary(long long v) {
  if (v == 0) return "0";
  std::string s;
  unsigned long long u = static_cast<unsigned long long>(v) & 0xffffffffULL;
  while (u) {
    s += static_cast<char>('0' + (u & 1));
    u >>= 1;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

void VcdTrace::write(std::uint64_t image_start) const {
  std::vector<Change> c = changes_;
  std::stable_sort(c.begin(), c.end(),
                   [](const Change& a, const Change& b) { return a.cycle < b.cycle; });
  std::ofstream out(path_);
  if (!out) throw std::runtime_error(path_ + ": cannot write the VCD trace");
  out << "$comment xbarsim trace, cycles " << from_ << ".." << to_ << " of the traced image $end\n";
  out << "$timescale 1 ps $end\n";
  std::map<std::string, std::vector<int>> scopes;
  for (size_t i = 0; i < signals_.size(); ++i)
    scopes[signals_[i].first].push_back(static_cast<int>(i));
  for (const auto& [scope, ids] : scopes) {
    out << "$scope module " << scope << " $end\n";
    for (int id : ids)
      out << "$var integer 32 " << code(id) << " " << signals_[id].second << " $end\n";
    out << "$upscope $end\n";
  }
  out << "$enddefinitions $end\n#0\n$dumpvars\n";
  for (size_t i = 0; i < signals_.size(); ++i) out << "b0 " << code(static_cast<int>(i)) << "\n";
  out << "$end\n";
  std::vector<long long> value(signals_.size(), 0);
  std::uint64_t last = ~std::uint64_t{0};
  for (const Change& ch : c) {
    const long long v = ch.delta ? value[ch.id] + ch.value : ch.value;
    value[ch.id] = v;
    const std::uint64_t rel = ch.cycle - std::min(ch.cycle, image_start);
    if (!in_window(rel)) continue;
    if (rel != last) {
      out << "#" << static_cast<unsigned long long>(std::llround(rel * period_ns_ * 1000.0))
          << "\n";
      last = rel;
    }
    out << "b" << binary(v) << " " << code(ch.id) << "\n";
  }
  if (!out) throw std::runtime_error(path_ + ": error while writing the VCD trace");
}

}  // namespace xbar::sim
