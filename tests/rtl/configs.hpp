// The configurations rtl/CMakeLists.txt verilates, as compile-time traits for the co-simulation
// benches: the verilated class, the parameters (from RTL_<PREFIX>_PARAMS) and the port widths they
// imply. Adding a configuration there and a line here makes it available to the benches.
#pragma once

#include <Vadc.h>
#include <Vadc_offset.h>
#include <Vmesh_a.h>
#include <Vmesh_b.h>
#include <Vmesh_c.h>
#include <Vneuron.h>
#include <Vneuron_b.h>

#include <initializer_list>
#include <string>

#include "rtl/arch_parameters.hpp"
#include "tests/rtl/cosim.hpp"

namespace xbar::test {

// What differs between the parameters an arch asks for (rtl::*_parameters) and those configuration
// `name` was verilated with ("" when nothing does). Every parameter of `want` must be set there
// with the same value, except those in `programmed` (taken from configuration inputs instead, or
// fixed by a parameter the arch leaves to each layer).
inline std::string verilated_mismatch(std::string_view name, std::string_view params,
                                      const rtl::Parameters& want,
                                      std::initializer_list<std::string_view> programmed = {}) {
  std::string out;
  for (const auto& [key, value] : want) {
    bool skip = false;
    for (std::string_view p : programmed) skip = skip || p == key;
    if (skip) continue;
    const auto have = find_rtl_param(params, key);
    if (!have || *have != value)
      out += std::string(name) + " has " + key + "=" + (have ? std::to_string(*have) : "default") +
             ", the arch asks " + std::to_string(value) + "; ";
  }
  return out;
}

constexpr int bits_for(long long max) {  // an unsigned field holding 0..max (as $clog2(max + 1))
  int b = 1;
  while ((1LL << b) <= max) ++b;
  return b;
}

#define XBAR_RTL_NEURON_CONFIG(NAME, P, UP)                                                 \
  struct NAME {                                                                             \
    using Rtl = V##P;                                                                       \
    static constexpr const char* name = #P;                                                 \
    static constexpr std::string_view params = RTL_##UP##_PARAMS;                           \
    static constexpr int neurons = rtl_param(params, "NEURONS");                            \
    static constexpr int potential_bits = rtl_param(params, "POTENTIAL_BITS");              \
    static constexpr int code_bits = rtl_param(params, "CODE_BITS");                        \
    static constexpr int sum_bits = rtl_param(params, "SUM_BITS");                          \
    static constexpr bool config_inputs = rtl_param(params, "CONFIG_SOURCE") != 0;          \
    static constexpr bool threshold_parameter = rtl_param(params, "THRESHOLD_SOURCE") == 0; \
    static constexpr long long threshold = rtl_param(params, "THRESHOLD", 1);               \
    static constexpr bool leaky = rtl_param(params, "LEAKY", 0) != 0;                       \
    static constexpr long long leak_q16 = rtl_param(params, "LEAK_Q16", 65536);             \
    static constexpr bool reset_to_zero = rtl_param(params, "RESET_TO_ZERO", 0) != 0;       \
  };
XBAR_RTL_NEURON_CONFIG(NeuronA, neuron, NEURON)      // 16 neurons, 12 bits, programmed per layer
XBAR_RTL_NEURON_CONFIG(NeuronB, neuron_b, NEURON_B)  // 128 neurons, 4 bits, fixed LIF

#define XBAR_RTL_ADC_CONFIG(NAME, P, UP)                                           \
  struct NAME {                                                                    \
    using Rtl = V##P;                                                              \
    static constexpr const char* name = #P;                                        \
    static constexpr std::string_view params = RTL_##UP##_PARAMS;                  \
    static constexpr int outputs = rtl_param(params, "OUTPUTS");                   \
    static constexpr bool offset = rtl_param(params, "ENCODING") != 0;             \
    static constexpr int weight_bits = rtl_param(params, "WEIGHT_BITS");           \
    static constexpr int bits_per_cell = rtl_param(params, "BITS_PER_CELL");       \
    static constexpr int cpw = (weight_bits + bits_per_cell - 1) / bits_per_cell;  \
    static constexpr int column_bits = rtl_param(params, "COLUMN_BITS");           \
    static constexpr int code_bits = rtl_param(params, "CODE_BITS");               \
    static constexpr int step_bits = rtl_param(params, "STEP_BITS");               \
    static constexpr int adc_bits = rtl_param(params, "ADC_BITS");                 \
    static constexpr bool config_inputs = rtl_param(params, "CONFIG_SOURCE") != 0; \
    static constexpr int columns = offset ? outputs * cpw + 1 : outputs * 2 * cpw; \
    static constexpr int count_bits = bits_for(outputs);                           \
  };
XBAR_RTL_ADC_CONFIG(AdcDifferential, adc, ADC)          // 8 outputs of 2 slices, G+ - G-
XBAR_RTL_ADC_CONFIG(AdcOffset, adc_offset, ADC_OFFSET)  // 5 outputs of 3 slices, offset column

#define XBAR_RTL_MESH_CONFIG(NAME, P, UP)                                                    \
  struct NAME {                                                                              \
    using Rtl = V##P;                                                                        \
    static constexpr const char* name = #P;                                                  \
    static constexpr std::string_view params = RTL_##UP##_PARAMS;                            \
    static constexpr int rows = rtl_param(params, "ROWS"), cols = rtl_param(params, "COLS"); \
    static constexpr int local_ports = rtl_param(params, "LOCAL_PORTS");                     \
    static constexpr int depth = rtl_param(params, "DEPTH");                                 \
    static constexpr int router_latency = rtl_param(params, "ROUTER_LATENCY");               \
    static constexpr int link_latency = rtl_param(params, "LINK_LATENCY");                   \
    static constexpr int flit_bits = rtl_param(params, "FLIT_BITS");                         \
    static constexpr int row_bits = bits_for(rows - 1), col_bits = bits_for(cols - 1);       \
    static constexpr int port_bits = bits_for(local_ports - 1);                              \
    static constexpr int id_bits = flit_bits - 2 - row_bits - col_bits - port_bits;          \
    static constexpr int endpoints = rows * cols * local_ports;                              \
  };
XBAR_RTL_MESH_CONFIG(MeshA, mesh_a, MESH_A)  // 3x3 routers, 1 tile each
XBAR_RTL_MESH_CONFIG(MeshB, mesh_b, MESH_B)  // 2x2 routers, 2 tiles each
XBAR_RTL_MESH_CONFIG(MeshC, mesh_c, MESH_C)  // 2x4 routers, 4 tiles each (2x2 blocks)

}  // namespace xbar::test
