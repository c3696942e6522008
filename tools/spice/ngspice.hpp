// Runs a netlist through ngspice in batch mode (Debian package `ngspice`) and reads back the values
// it prints as `name = value` lines: the outside reference the IR-drop solver is validated against.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace xbar::spice {

struct NgspiceResult {
  std::vector<std::pair<std::string, double>> values;  // in print order
  double seconds = 0;                                  // wall time of the ngspice process
};

// Writes `netlist` to `work_dir`/name.cir, runs `ngspice -b` on it and parses the printed values.
// Throws std::runtime_error naming the netlist file when ngspice is missing, fails, or prints an
// error.
NgspiceResult run_ngspice(const std::string& netlist, const std::string& work_dir,
                          const std::string& name = "crossbar");

}  // namespace xbar::spice
