// The RESPARC-64 preset with overrides, for the non-ideal crossbar tests: switching device.impl to
// nonideal starts the device section afresh (config/README.md, --set), so its five base keys
// are restated after it.
#pragma once

#include <string>
#include <vector>

#include "arch/arch_spec.hpp"
#include "tests/support/temp_dir.hpp"

namespace xbar::test {

inline arch::ArchSpec resparc(std::vector<std::string> overrides = {}) {
  for (std::size_t i = 0; i < overrides.size(); ++i)
    if (overrides[i] == "device.impl=nonideal") {
      overrides.insert(
          overrides.begin() + std::ptrdiff_t(i) + 1,
          {"device.r_on_ohm=20000", "device.r_off_ohm=200000", "device.bits_per_cell=4",
           "device.read_voltage_v=0.5", "device.read_pulse_ns=5"});
      break;
    }
  return arch::load_arch(source_dir() + "/configs/arch/resparc-64.yaml", overrides);
}

}  // namespace xbar::test
