// Scaling rules of the component library: small pure functions that carry a published figure from
// its reference size (bits, bytes, cells, inputs) to the size a chip uses. Each is unit-tested.
#pragma once

#include <vector>

namespace xbar::arch::scaling {

// Proportional to size (registers, multiplexer inputs, cells of an array).
double linear(double ref_value, double ref_size, double size);

// Doubles per extra bit (ISAAC's ADC and DAC rule: value x 2^(bits - ref_bits)).
double exp2_bits(double ref_value, double ref_bits, double bits);

// CACTI-derived buffer scaling as Accelergy applies it for a depth ratio d (width unchanged):
// energy per access x d^0.78; area and leakage x d.
double cacti_energy(double ref_energy, double ref_bytes, double bytes);
double cacti_area(double ref_area, double ref_bytes, double bytes);

// Piecewise log-log interpolation through published (size, value) points, extrapolating along the
// nearest segment; exact at the points themselves. Points must be sorted by size, sizes > 0.
struct Point {
  double size;
  double value;
};
double table(const std::vector<Point>& points, double size);

// The Accelergy ADC plug-in's model (Accelergy-Project/accelergy-adc-plug-in, model.py and
// adc_data/model.yaml; fitted to Murmann's ADC survey): the best ADC the survey supports for the
// given resolution, conversion rate of one converter (Hz) and node (nm); arch/README.md gives
// the equations, docs/references.md §9.1 the sources. Defined from 4 bits up, as the plug-in is:
// std::domain_error below that; std::invalid_argument for a rate or node that is not positive.
struct AdcEstimate {
  double energy_pj;  // per conversion
  double area_um2;   // one converter
};
constexpr double kAccelergyAdcMinBits = 4;
AdcEstimate accelergy_adc(double bits, double rate_hz, double node_nm);

// A crossbar read with every row driven: cells x V^2 x G_avg x t, G_avg the mean of the two states;
// area: cells x cell_f2 x F^2.
double array_read_energy_pj(double cells, double read_voltage_v, double r_on_ohm, double r_off_ohm,
                            double read_pulse_ns);
double array_area_um2(double cells, double cell_f2, double node_nm);

}  // namespace xbar::arch::scaling
