#include "arch/scaling.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace xbar::arch::scaling {

double linear(double ref_value, double ref_size, double size) {
  return ref_value * size / ref_size;
}

double exp2_bits(double ref_value, double ref_bits, double bits) {
  return ref_value * std::exp2(bits - ref_bits);
}

double cacti_energy(double ref_energy, double ref_bytes, double bytes) {
  return ref_energy * std::pow(bytes / ref_bytes, 0.78);
}

double cacti_area(double ref_area, double ref_bytes, double bytes) {
  return ref_area * bytes / ref_bytes;
}

double table(const std::vector<Point>& points, double size) {
  if (points.empty()) throw std::invalid_argument("scaling table has no points");
  if (points.size() == 1) return points[0].value;
  size_t hi = 1;
  while (hi + 1 < points.size() && points[hi].size < size) ++hi;
  const Point& a = points[hi - 1];
  const Point& b = points[hi];
  if (size == a.size) return a.value;
  if (size == b.size) return b.value;
  double t = std::log(size / a.size) / std::log(b.size / a.size);
  return std::exp(std::log(a.value) + t * (std::log(b.value) - std::log(a.value)));
}

// Coefficients of adc_data/model.yaml as of the plug-in's commit ff0fb48a4e55 (the file last
// changed in 6851cb8, 2024-04-04; hwcomponents-adc, its successor, ships the same file). Logs are
// natural; rates in Hz, nodes in nm, energies in pJ, areas in um^2.
namespace accelergy_adc_model {
// Schreier figure of merit bounded by the conversion rate: intercept + slope x ln(f).
constexpr double kFomRateIntercept = 213.7806687348118;
constexpr double kFomRateSlope = -2.8719030399529957;
// ... and by the resolution: the model file's max_by_enob list, entry i = intercept + slope x i for
// i = 0..20, looked up at ceil(bits) clamped to that range.
constexpr double kFomBitsIntercept = 128.3068287398817;
constexpr double kFomBitsSlope = 3.220511510977559;
constexpr int kFomBitsLastIndex = 20;
// Fit of ln(energy_pJ / E0) over node and resolution, plus the residual quantile the plug-in adds
// (E0 is the energy in J that the figure of merit implies).
constexpr double kEnergyIntercept = 26.0496215686518;
constexpr double kEnergyNodeSlope = 1.8800369206815004;
constexpr double kEnergyLogBitsSlope = -2.8291256050594527;
constexpr double kEnergyResidual = -1.4702022133784405;
// ln(area_um2) = intercept + a ln(node) + b ln(f) + c ln(energy_pJ).
constexpr double kAreaIntercept = 1.3461916439910742;
constexpr double kAreaNodeSlope = 0.9932794744745022;
constexpr double kAreaRateSlope = 0.18071538424508238;
constexpr double kAreaEnergySlope = 0.29912426192653485;
}  // namespace accelergy_adc_model

AdcEstimate accelergy_adc(double bits, double rate_hz, double node_nm) {
  namespace m = accelergy_adc_model;
  if (!(bits >= kAccelergyAdcMinBits))
    throw std::domain_error("the Accelergy ADC model is defined for 4 bits and more");
  if (!(rate_hz > 0) || !(node_nm > 0))
    throw std::invalid_argument("the Accelergy ADC model needs a positive rate and node");
  const double fom_rate_db = m::kFomRateIntercept + m::kFomRateSlope * std::log(rate_hz);
  const int bits_index = std::clamp(static_cast<int>(std::ceil(bits)), 0, m::kFomBitsLastIndex);
  const double fom_bits_db = m::kFomBitsIntercept + m::kFomBitsSlope * bits_index;
  const double fom_s_db = std::min(fom_rate_db, fom_bits_db);
  // The ideal SNDR of a b-bit quantiser of a full-scale sine: 20 log10(2) b + 10 log10(1.5) dB.
  const double sndr_db = 20.0 * std::log10(2.0) * bits + 10.0 * std::log10(1.5);
  // Schreier: FOM_S = SNDR + 10 log10(f/2 / P), so one conversion costs P/f = this, in J.
  const double e0_j = 1.0 / (2.0 * std::pow(10.0, (fom_s_db - sndr_db) / 10.0));
  const double energy_pj =
      e0_j * std::exp(m::kEnergyIntercept + m::kEnergyNodeSlope * std::log(node_nm) +
                      m::kEnergyLogBitsSlope * std::log(bits) + m::kEnergyResidual);
  const double area_um2 =
      std::exp(m::kAreaIntercept + m::kAreaNodeSlope * std::log(node_nm) +
               m::kAreaRateSlope * std::log(rate_hz) + m::kAreaEnergySlope * std::log(energy_pj));
  return {energy_pj, area_um2};
}

double array_read_energy_pj(double cells, double read_voltage_v, double r_on_ohm, double r_off_ohm,
                            double read_pulse_ns) {
  double g_avg = 0.5 * (1.0 / r_on_ohm + 1.0 / r_off_ohm);
  return cells * read_voltage_v * read_voltage_v * g_avg * read_pulse_ns * 1e-9 * 1e12;
}

double array_area_um2(double cells, double cell_f2, double node_nm) {
  double f_um = node_nm * 1e-3;
  return cells * cell_f2 * f_um * f_um;
}

}  // namespace xbar::arch::scaling
