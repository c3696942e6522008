#include "rtl/arch_parameters.hpp"

#include <sstream>

#include "compiler/placement.hpp"
#include "models/noc_mesh.hpp"

namespace xbar::rtl {

namespace {

// Bits of an unsigned field that holds 0..max.
long long bits_for(long long max) {
  long long b = 1;
  while (b < 62 && (1LL << b) <= max) ++b;
  return b;
}

}  // namespace

Parameters neuron_core_parameters(const arch::ArchSpec& a) {
  if (a.tile.neurons < 1)
    throw UnsupportedArch("tile.neurons: the RTL neuron core needs a fixed number of neurons");
  return {{"NEURONS", a.tile.neurons},
          {"POTENTIAL_BITS", a.neuron.potential_bits},
          {"CODE_BITS", a.adc.bits},
          {"LEAKY", a.neuron.model == arch::NeuronModel::Lif ? 1 : 0},
          {"LEAK_Q16", a.neuron.leak_q16()},
          {"RESET_TO_ZERO", a.neuron.reset == arch::ResetMode::Zero ? 1 : 0},
          {"THRESHOLD_SOURCE", 1},
          {"CONFIG_SOURCE", 0}};
}

Parameters adc_ctrl_parameters(const arch::ArchSpec& a) {
  const compiler::CrossbarGeometry g = compiler::geometry_for(a);
  const long long top_level = (1LL << a.device.bits_per_cell) - 1;
  const long long largest_weight = (1LL << a.crossbar.weight_bits) - 1;
  return {{"OUTPUTS", g.outputs_per_crossbar},
          {"ENCODING", a.crossbar.signed_encoding == arch::SignedEncoding::OffsetColumn ? 1 : 0},
          {"WEIGHT_BITS", a.crossbar.weight_bits},
          {"BITS_PER_CELL", a.device.bits_per_cell},
          {"COLUMN_BITS", bits_for(a.crossbar.rows * top_level)},
          {"COLUMNS_PER_ADC", a.adc.columns_per_adc},
          {"LATENCY_CYCLES", a.adc.latency_cycles},
          {"ADC_BITS", a.adc.bits},
          {"CONFIG_SOURCE", 0},
          {"CODE_BITS", a.adc.bits},
          // A layer's step is at most its largest block sum over one code.
          {"STEP_BITS", bits_for(a.crossbar.rows * largest_weight)}};
}

Parameters mesh_parameters(const arch::ArchSpec& a, int grid_rows, int grid_columns) {
  if (a.noc.impl != "mesh")
    throw UnsupportedArch("noc.impl: the reference RTL has a mesh, not a " + a.noc.impl);
  const models::MeshLayout m = models::mesh_layout(grid_rows, grid_columns, a.noc.tiles_per_router);
  const long long header =
      2 + bits_for(m.rows - 1) + bits_for(m.columns - 1) + bits_for(a.noc.tiles_per_router - 1);
  if (a.noc.flit_bits <= header)
    throw UnsupportedArch("noc.flit_bits: a flit of the RTL mesh of " + std::to_string(m.rows) +
                          "x" + std::to_string(m.columns) + " routers carries a " +
                          std::to_string(header) + "-bit header and an id; " +
                          std::to_string(a.noc.flit_bits) + " bits leave no id");
  return {{"ROWS", m.rows},
          {"COLS", m.columns},
          {"LOCAL_PORTS", a.noc.tiles_per_router},
          {"DEPTH", a.noc.buffer_depth_flits},
          {"ROUTER_LATENCY", a.noc.router_latency_cycles},
          {"LINK_LATENCY", a.noc.link_latency_cycles},
          {"FLIT_BITS", a.noc.flit_bits}};
}

long long parameter(const Parameters& p, const std::string& name) {
  for (const auto& [n, v] : p)
    if (n == name) return v;
  throw std::out_of_range("no RTL parameter " + name);
}

std::string to_string(const Parameters& p) {
  std::string s;
  for (const auto& [n, v] : p) s += (s.empty() ? "" : " ") + n + "=" + std::to_string(v);
  return s;
}

Parameters parse_parameters(const std::string& text) {
  Parameters p;
  std::istringstream in(text);
  for (std::string item; in >> item;) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::invalid_argument("RTL parameters: expected NAME=value, got '" + item + "'");
    p.emplace_back(item.substr(0, eq), std::stoll(item.substr(eq + 1)));
  }
  return p;
}

}  // namespace xbar::rtl
