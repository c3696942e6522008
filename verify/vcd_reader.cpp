#include "verify/vcd_reader.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace xbar::verify {

namespace {

// The value as `width` characters of 0 1 x z: IEEE 1364 §18.2.1 extends a shorter vector on the
// left with 0, or with x / z when its leftmost bit is x / z; a longer one (sim/vcd.cpp writes a
// negative integer as 64 bits) keeps its low `width` bits.
std::string normalise(std::string bits, int width) {
  for (char& c : bits) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (static_cast<int>(bits.size()) > width) return bits.substr(bits.size() - width);
  const char pad = bits.empty() || bits[0] == '1' ? '0' : bits[0];
  return std::string(width - bits.size(), pad) + bits;
}

std::uint64_t unit_fs(const std::string& unit) {
  static const std::map<std::string, std::uint64_t> units = {{"s", 1'000'000'000'000'000ULL},
                                                             {"ms", 1'000'000'000'000ULL},
                                                             {"us", 1'000'000'000ULL},
                                                             {"ns", 1'000'000ULL},
                                                             {"ps", 1'000ULL},
                                                             {"fs", 1ULL}};
  auto it = units.find(unit);
  return it == units.end() ? 0 : it->second;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

const VcdVariable* VcdFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &variables[it->second];
}

std::vector<std::string> VcdFile::nearest(const std::string& name, int n) const {
  // A name given without its top scopes ("dut.spikes" for "tb.dut.spikes") is the likeliest slip.
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& v : variables) {
    const bool suffix = v.name.size() > name.size() &&
                        v.name.compare(v.name.size() - name.size(), name.size(), name) == 0 &&
                        v.name[v.name.size() - name.size() - 1] == '.';
    scored.emplace_back(suffix ? 0 : 1 + edit_distance(name, v.name), v.name);
  }
  std::sort(scored.begin(), scored.end());
  scored.erase(std::unique(scored.begin(), scored.end()), scored.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && static_cast<int>(out.size()) < n; ++i)
    out.push_back(scored[i].second);
  return out;
}

std::string VcdFile::value_at(const VcdVariable& v, std::uint64_t t, bool inclusive) const {
  const auto& ch = changes[v.code];
  auto it =
      inclusive
          ? std::upper_bound(ch.begin(), ch.end(), t,
                             [](std::uint64_t x, const VcdChange& c) { return x < c.time_fs; })
          : std::lower_bound(ch.begin(), ch.end(), t,
                             [](const VcdChange& c, std::uint64_t x) { return c.time_fs < x; });
  if (it == ch.begin()) return std::string(v.width, 'x');
  return std::prev(it)->value;
}

VcdFile read_vcd(const std::string& path) {
  std::istringstream in;
  try {
    in.str(config::read_file(path, config::limits::kTraceBytes, "VCD"));
  } catch (const config::InputError& e) {
    throw VcdError(e.what());
  }
  VcdFile f;
  f.path = path;
  std::map<std::string, int> codes;  // identifier -> index into f.changes
  std::vector<int> code_width;
  std::vector<std::string> scopes;
  bool definitions = true, have_time = false;
  std::uint64_t now = 0;
  int line_no = 0;
  std::string line;
  auto fail = [&](const std::string& what) -> VcdError {
    return VcdError(path + ":" + std::to_string(line_no) + ": " + what);
  };
  // Declarations span lines ("$var wire 1 ! clk $end" may be split): collect tokens up to $end.
  std::vector<std::string> pending;
  std::string pending_kw;
  int pending_line = 0;
  std::string vector_value;  // "b1010" waiting for its identifier on the next token
  auto change = [&](const std::string& code, std::string value) {
    auto it = codes.find(code);
    if (it == codes.end()) throw fail("value change for undeclared identifier '" + code + "'");
    const int c = it->second;
    if (value[0] != 'r') value = normalise(value, code_width[c]);
    f.changes[c].push_back({now, std::move(value)});
  };
  auto declaration = [&]() {
    const auto& t = pending;
    const int saved = line_no;
    line_no = pending_line;
    if (pending_kw == "$timescale") {
      std::string s;
      for (const auto& x : t) s += x;
      size_t k = 0;
      while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) ++k;
      const std::uint64_t unit = unit_fs(s.substr(k));
      if (k == 0 || unit == 0) throw fail("bad $timescale '" + s + "'");
      f.timescale_fs = std::stoull(s.substr(0, k)) * unit;
    } else if (pending_kw == "$scope") {
      if (t.size() != 2) throw fail("$scope needs a type and a name");
      scopes.push_back(t[1]);
    } else if (pending_kw == "$upscope") {
      if (scopes.empty()) throw fail("$upscope without an open $scope");
      scopes.pop_back();
    } else if (pending_kw == "$var") {
      if (t.size() < 4) throw fail("$var needs a type, a width, an identifier and a name");
      VcdVariable v;
      v.type = t[0];
      try {
        v.width = std::stoi(t[1]);
      } catch (const std::exception&) {
        throw fail("bad $var width '" + t[1] + "'");
      }
      if (v.width < 1 || v.width > (1 << 16))
        throw fail("bad $var width '" + t[1] + "' (1 to 65536)");
      for (const auto& s : scopes) v.name += s + ".";
      v.name += t[3];  // a bit range after the name ("data [7:0]") is not part of it
      auto [it, fresh] = codes.emplace(t[2], static_cast<int>(f.changes.size()));
      if (fresh) {
        f.changes.emplace_back();
        code_width.push_back(v.type == "real" ? 64 : v.width);
      }
      v.code = it->second;
      f.index_[v.name] = static_cast<int>(f.variables.size());
      f.variables.push_back(v);
    } else if (pending_kw == "$enddefinitions") {
      definitions = false;
    }
    line_no = saved;
    pending.clear();
    pending_kw.clear();
  };
  while (std::getline(in, line)) {
    ++line_no;
    std::istringstream words(line);
    std::string w;
    while (words >> w) {
      if (!pending_kw.empty()) {
        if (w == "$end")
          declaration();
        else
          pending.push_back(w);
        continue;
      }
      if (!vector_value.empty()) {
        change(w, vector_value);
        vector_value.clear();
        continue;
      }
      if (w[0] == '$') {
        if (w == "$end" || w == "$dumpvars" || w == "$dumpall" || w == "$dumpon" || w == "$dumpoff")
          continue;  // the changes inside these blocks are ordinary changes
        if (w == "$comment" || w == "$date" || w == "$version" || w == "$timescale" ||
            w == "$scope" || w == "$upscope" || w == "$var" || w == "$enddefinitions") {
          pending_kw = w;
          pending_line = line_no;
          continue;
        }
        throw fail("unknown keyword '" + w + "'");
      }
      if (definitions) throw fail("'" + w + "' before $enddefinitions");
      const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(w[0])));
      if (c == '#') {
        std::uint64_t t = 0;
        try {
          size_t used = 0;
          t = std::stoull(w.substr(1), &used);
          if (used + 1 != w.size()) throw std::invalid_argument(w);
        } catch (const std::exception&) {
          throw fail("bad timestamp '" + w + "'");
        }
        t *= f.timescale_fs;
        if (have_time && t < now) throw fail("time goes backwards at '" + w + "'");
        now = t;
        have_time = true;
        f.end_time_fs = std::max(f.end_time_fs, now);
      } else if (c == 'b' || c == 'r') {
        if (w.size() < 2) throw fail("value '" + w + "' without digits");
        if (c == 'b' && w.find_first_not_of("01xXzZ", 1) != std::string::npos)
          throw fail("bad binary value '" + w + "'");
        vector_value = c == 'b' ? w.substr(1) : "r" + w.substr(1);
      } else if (c == '0' || c == '1' || c == 'x' || c == 'z') {
        if (w.size() < 2) throw fail("scalar value '" + w + "' without an identifier");
        change(w.substr(1), std::string(1, c));
      } else {
        throw fail("unexpected '" + w + "'");
      }
    }
  }
  if (!pending_kw.empty()) {
    line_no = pending_line;
    throw fail(pending_kw + " without $end");
  }
  if (!vector_value.empty()) throw fail("value without an identifier at the end of the file");
  if (definitions) throw fail("no $enddefinitions: not a VCD file, or cut short");
  return f;
}

}  // namespace xbar::verify
