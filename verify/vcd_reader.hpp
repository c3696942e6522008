// A reader of VCD (value change dump, IEEE 1364 §18) files as xbarsim (sim/vcd.cpp), Verilator and
// Icarus Verilog write them: nested scopes, $var of any width (several names may share one
// identifier code), $dumpvars/$dumpall/$dumpon/$dumpoff blocks, scalar (0 1 x z), vector
// (b1010 !) and real (r1.5 !) changes. For vcd-diff (verify/vcd_diff.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/files.hpp"

namespace xbar::verify {

// A malformed or unreadable VCD; the message starts with "file:line:" (or "file:" when the file
// cannot be opened).
class VcdError : public std::runtime_error, public config::BadInput {
 public:
  using std::runtime_error::runtime_error;
};

struct VcdChange {
  std::uint64_t time_fs;
  std::string value;  // vectors: width characters of 0 1 x z, MSB first; reals: "r" + text
};

struct VcdVariable {
  std::string name;  // scopes and reference joined by '.', e.g. "tb.dut.spikes"
  std::string type;  // wire, reg, integer, real, ...
  int width = 1;
  int code = 0;  // index into VcdFile::changes: variables that share an identifier share it
};

struct VcdFile {
  std::string path;
  std::uint64_t timescale_fs = 1;
  std::uint64_t end_time_fs = 0;  // the last timestamp in the file
  std::vector<VcdVariable> variables;
  std::vector<std::vector<VcdChange>> changes;  // per identifier code, in time order

  // The variable with this full name, or nullptr.
  const VcdVariable* find(const std::string& name) const;
  // Up to `n` full names closest to `name` (suffix matches first, then by edit distance).
  std::vector<std::string> nearest(const std::string& name, int n = 3) const;
  // The value of a variable just before `time_fs` (changes at earlier times only) or, with
  // `inclusive`, after every change at `time_fs`; all x before the first change.
  std::string value_at(const VcdVariable& v, std::uint64_t time_fs, bool inclusive) const;

 private:
  friend VcdFile read_vcd(const std::string& path);
  std::map<std::string, int> index_;
};

// Reads a whole VCD file. Throws VcdError naming the file and line of the first problem.
VcdFile read_vcd(const std::string& path);

}  // namespace xbar::verify
