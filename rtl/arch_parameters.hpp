// The Verilog parameters of the reference RTL (rtl/*.v) for a chip: what each block is verilated
// with to be the hardware an ArchSpec describes. The one mapping from arch keys to RTL parameters
// (docs/rtl-contract.md tabulates it); an arch the RTL cannot express is refused naming the key.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "arch/arch_spec.hpp"

namespace xbar::rtl {

// (name, value) in the order the module declares them.
using Parameters = std::vector<std::pair<std::string, long long>>;

// An arch key whose value the reference RTL cannot express; what() names the key.
class UnsupportedArch : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// rtl/neuron_core.v: a core of tile.neurons neurons with the arch's neuron model, leak and reset
// fixed by parameters (CONFIG_SOURCE 0) and each layer's threshold from the `threshold` input
// (THRESHOLD_SOURCE 1).
Parameters neuron_core_parameters(const arch::ArchSpec& arch);
// rtl/adc_ctrl.v: one crossbar's outputs, encoding, slicing, column multiplexing, converter
// latency and resolution (CONFIG_SOURCE 0: full scale from adc.bits).
Parameters adc_ctrl_parameters(const arch::ArchSpec& arch);
// rtl/mesh.v: the mesh of routers that serves a grid_rows x grid_columns tile grid (as
// models::MeshNoc lays it out) with the arch's noc parameters.
Parameters mesh_parameters(const arch::ArchSpec& arch, int grid_rows, int grid_columns);

// The value of `name` in `p`; throws std::out_of_range naming it when absent.
long long parameter(const Parameters& p, const std::string& name);
// "NAME=value NAME=value ..." (the form rtl/CMakeLists.txt exports verilated configurations in).
std::string to_string(const Parameters& p);
Parameters parse_parameters(const std::string& text);

}  // namespace xbar::rtl
