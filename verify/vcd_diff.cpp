#include "verify/vcd_diff.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>
#include <sstream>

namespace xbar::verify {

namespace {

std::string where(const std::string& path, const YAML::Node& n) {
  return path + ":" + std::to_string(n.Mark().line + 1) + ": ";
}

// One comparable text per value: a number in decimal when every bit is known (two's complement
// when signed), else the bits with leading zeros dropped; reals as written.
std::string canonical(const std::string& v, bool is_signed) {
  if (!v.empty() && v[0] == 'r') return v.substr(1);
  const bool known = v.find_first_not_of("01") == std::string::npos;
  if (known && v.size() <= 64) {
    std::uint64_t u = 0;
    for (char c : v) u = (u << 1) | static_cast<std::uint64_t>(c == '1');
    if (is_signed && v[0] == '1' && v.size() < 64) u |= ~std::uint64_t{0} << v.size();
    return is_signed ? std::to_string(static_cast<long long>(u)) : std::to_string(u);
  }
  const size_t first = v.find_first_not_of('0');
  return (known ? "0b" : "b") + (first == std::string::npos ? std::string("0") : v.substr(first));
}

const VcdVariable& lookup(const VcdFile& f, const std::string& name, const std::string& context) {
  if (const VcdVariable* v = f.find(name)) return *v;
  std::string msg = context + "unknown signal '" + name + "' in " + f.path;
  const auto near = f.nearest(name);
  if (!near.empty()) {
    msg += "; nearest:";
    for (size_t i = 0; i < near.size(); ++i) msg += (i ? ", " : " ") + near[i];
  }
  throw VcdError(msg);
}

// The value of a signal at a sample time after the last timestamp of its trace.
const std::string kEnded = "(trace ended)";

std::string time_text(std::uint64_t fs) {
  std::ostringstream s;
  s << static_cast<double>(fs) / 1e6 << " ns";
  return s.str();
}

}  // namespace

VcdMap read_vcd_map(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::Load(config::read_file(path, config::limits::kConfigBytes, "map"));
  } catch (const config::InputError& e) {
    throw VcdError(e.what());
  } catch (const YAML::Exception& e) {
    throw VcdError(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  VcdMap m;
  m.path = path;
  if (!root.IsMap()) throw VcdError(path + ": expected a map with 'signals' (and 'clock')");
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (key == "clock") {
      if (!kv.second.IsScalar()) throw VcdError(where(path, kv.second) + "clock: expected a name");
      m.clock = kv.second.as<std::string>();
    } else if (key != "signals") {
      throw VcdError(where(path, kv.first) + "unknown key '" + key + "' (valid: clock, signals)");
    }
  }
  const YAML::Node sig = root["signals"];
  if (!sig || !sig.IsSequence() || sig.size() == 0)
    throw VcdError(path + ": 'signals' must be a non-empty list of {a: NAME, b: NAME}");
  for (const auto& e : sig) {
    if (!e.IsMap()) throw VcdError(where(path, e) + "a signal pair is {a: NAME, b: NAME}");
    VcdPair p;
    p.line = static_cast<int>(e.Mark().line) + 1;
    for (const auto& kv : e) {
      const std::string key = kv.first.as<std::string>();
      if (key == "a")
        p.a = kv.second.as<std::string>();
      else if (key == "b")
        p.b = kv.second.as<std::string>();
      else if (key == "signed") {
        try {
          p.is_signed = kv.second.as<bool>();
        } catch (const YAML::Exception&) {
          throw VcdError(where(path, kv.second) + "signed: expected true or false");
        }
      } else {
        throw VcdError(where(path, kv.first) + "unknown key '" + key + "' (valid: a, b, signed)");
      }
    }
    if (p.a.empty() || p.b.empty()) throw VcdError(where(path, e) + "a signal pair needs a and b");
    m.pairs.push_back(p);
  }
  return m;
}

bool VcdDiffResult::equal() const {
  return std::all_of(signals.begin(), signals.end(), [](const SignalDiff& s) { return s.equal; });
}

VcdDiffResult vcd_diff(const VcdFile& a, const VcdFile& b, const VcdMap& map,
                       const VcdDiffOptions& options) {
  VcdDiffResult r;
  r.clock = options.clock.empty() ? map.clock : options.clock;
  r.tolerance_cycles = options.tolerance_cycles;
  if (options.tolerance_cycles < 0) throw VcdError("--tolerance: must be 0 or more cycles");
  if (r.clock.empty() && options.tolerance_cycles > 0)
    throw VcdError("--tolerance counts clock cycles: give --clock (or clock: in the map)");
  // Resolve every name first, so all problems of the map show before any comparison.
  std::vector<std::pair<const VcdVariable*, const VcdVariable*>> vars;
  for (const VcdPair& p : map.pairs) {
    const std::string ctx = map.path + ":" + std::to_string(p.line) + ": ";
    vars.emplace_back(&lookup(a, p.a, ctx), &lookup(b, p.b, ctx));
  }
  // Sample times: the clock's rising edges (the clock from A, else from B), values just before
  // each edge, as a flip-flop would take them.
  std::vector<std::uint64_t> edges;
  if (!r.clock.empty()) {
    const VcdFile& cf = a.find(r.clock) || !b.find(r.clock) ? a : b;
    const VcdVariable& clk = lookup(cf, r.clock, "--clock: ");
    std::string prev = "x";
    for (const VcdChange& c : cf.changes[clk.code]) {
      if (c.value.back() == '1' && prev != "1") edges.push_back(c.time_fs);
      prev = c.value.substr(c.value.size() - 1);
    }
    r.samples = edges.size();
  }
  for (size_t i = 0; i < map.pairs.size(); ++i) {
    const VcdPair& p = map.pairs[i];
    const VcdVariable& va = *vars[i].first;
    const VcdVariable& vb = *vars[i].second;
    std::vector<std::uint64_t> times = edges;
    const bool inclusive = r.clock.empty();
    if (inclusive) {  // every time either side changes
      std::set<std::uint64_t> t = {0};
      for (const auto& c : a.changes[va.code]) t.insert(c.time_fs);
      for (const auto& c : b.changes[vb.code]) t.insert(c.time_fs);
      times.assign(t.begin(), t.end());
      r.samples = times.size();
    }
    // A trace that ends before a sample time has no value there: one cut short differs from the
    // other from its end on, instead of holding its last values as if they went on.
    std::vector<std::string> sa, sb;
    for (std::uint64_t t : times) {
      sa.push_back(t > a.end_time_fs ? kEnded
                                     : canonical(a.value_at(va, t, inclusive), p.is_signed));
      sb.push_back(t > b.end_time_fs ? kEnded
                                     : canonical(b.value_at(vb, t, inclusive), p.is_signed));
    }
    SignalDiff d;
    d.pair = p;
    const long long n = static_cast<long long>(times.size());
    const long long tol = options.tolerance_cycles;
    // Sample k is fine when each side's value appears on the other side within +-tol samples.
    auto within = [&](const std::vector<std::string>& x, long long k, const std::string& v) {
      for (long long j = std::max(0LL, k - tol); j <= std::min(n - 1, k + tol); ++j)
        if (x[j] == v) return true;
      return false;
    };
    for (long long k = 0; k < n; ++k) {
      if (sa[k] == sb[k] || (tol > 0 && within(sb, k, sa[k]) && within(sa, k, sb[k]))) continue;
      d.equal = false;
      d.time_fs = times[k];
      d.cycle = r.clock.empty() ? -1 : k;
      d.value_a = sa[k];
      d.value_b = sb[k];
      for (long long j = k - 1; j >= 0; --j)
        if (sa[j] == sb[j]) {
          d.agreed_before = true;
          d.last_agree_fs = times[j];
          d.last_agree_cycle = r.clock.empty() ? -1 : j;
          break;
        }
      break;
    }
    r.signals.push_back(d);
  }
  return r;
}

std::string format_report(const VcdDiffResult& r) {
  std::ostringstream s;
  size_t differ = 0;
  for (const SignalDiff& d : r.signals) {
    if (d.equal) {
      s << "  equal    " << d.pair.a << "  <->  " << d.pair.b << "\n";
      continue;
    }
    ++differ;
    s << "  DIFFERS  " << d.pair.a << "  <->  " << d.pair.b << "\n";
    s << "           first divergence at " << time_text(d.time_fs);
    if (d.cycle >= 0) s << " (clock edge " << d.cycle << ")";
    s << ": A = " << d.value_a << ", B = " << d.value_b << "\n";
    if (d.agreed_before) {
      s << "           last agreement at " << time_text(d.last_agree_fs);
      if (d.last_agree_cycle >= 0) s << " (clock edge " << d.last_agree_cycle << ")";
      s << "\n";
    } else {
      s << "           never agreed before\n";
    }
  }
  s << r.signals.size() << " signal pair" << (r.signals.size() == 1 ? "" : "s") << " compared";
  if (!r.clock.empty())
    s << " at " << r.samples << " rising edges of " << r.clock << ", tolerance "
      << r.tolerance_cycles << " cycle" << (r.tolerance_cycles == 1 ? "" : "s");
  else
    s << " at every change";
  s << ": " << r.signals.size() - differ << " equal, " << differ << " differ\n";
  return s.str();
}

}  // namespace xbar::verify
