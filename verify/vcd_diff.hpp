// vcd-diff: compares the signals of two VCD traces pair by pair (a map names which signal of A goes
// with which of B), sampled at the rising edges of a clock or at every change, with a tolerance
// window in cycles, and reports each pair's first divergence. Used by `xbarsim vcd-diff` to check
// someone's RTL against xbarsim (README, "Validating your RTL against xbarsim").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "verify/vcd_reader.hpp"

namespace xbar::verify {

// The map file (YAML):
//   clock: tb.clk                 # optional: sample at its rising edges (--clock overrides)
//   signals:
//     - {a: tb.dut.spikes, b: neuron_core.spikes}
//     - {a: tb.v0, b: neuron_core.potential_0, signed: true}
// Names are full hierarchical names: scopes joined by '.', then the variable. `signed: true`
// compares the two as two's complement numbers (a 12-bit register against a 32-bit integer);
// otherwise as unsigned numbers, so widths may differ. Problems throw VcdError "file:line: ...".
struct VcdPair {
  std::string a, b;
  bool is_signed = false;
  int line = 0;  // in the map file
};
struct VcdMap {
  std::string path;
  std::string clock;
  std::vector<VcdPair> pairs;
};
VcdMap read_vcd_map(const std::string& path);

struct VcdDiffOptions {
  std::string clock;  // empty: the map's, else compare at every change
  int tolerance_cycles = 0;
};

struct SignalDiff {
  VcdPair pair;
  bool equal = true;
  // First divergence (when !equal): sample time, cycle (clock edges only, else -1) and values.
  std::uint64_t time_fs = 0;
  long long cycle = -1;
  std::string value_a, value_b;
  bool agreed_before = false;  // some earlier sample had equal values
  std::uint64_t last_agree_fs = 0;
  long long last_agree_cycle = -1;
};

struct VcdDiffResult {
  std::string clock;          // the clock used, or empty
  std::uint64_t samples = 0;  // clock edges, or change times of the last pair without a clock
  int tolerance_cycles = 0;
  std::vector<SignalDiff> signals;
  bool equal() const;
};

// Throws VcdError for a name of the map (or the clock) that is in neither file, naming the map
// line and the nearest names, and for a tolerance without a clock.
VcdDiffResult vcd_diff(const VcdFile& a, const VcdFile& b, const VcdMap& map,
                       const VcdDiffOptions& options);
std::string format_report(const VcdDiffResult& result);

}  // namespace xbar::verify
