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

AdcEstimate accelergy_adc(double bits, double rate_hz, double node_nm) {
  double fom_s =
      std::min(213.7807 - 2.87190 * std::log(rate_hz), 128.3068 + 3.22051 * std::ceil(bits));
  double sndr = 6.02 * bits + 1.76;
  double e0 = 1.0 / (2.0 * std::pow(10.0, (fom_s - sndr) / 10.0));
  double energy_pj =
      e0 * std::exp(26.04962 + 1.880037 * std::log(node_nm) - 2.829126 * std::log(bits) - 1.470202);
  double area_um2 = std::exp(1.346192 + 0.993279 * std::log(node_nm) +
                             0.180715 * std::log(rate_hz) + 0.299124 * std::log(energy_pj));
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
