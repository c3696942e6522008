#include "models/crossbar.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace xbar::models {

double cell_conductance_s(const arch::DeviceSpec& device, int level) {
  const double g_on = 1.0 / device.r_on_ohm, g_off = 1.0 / device.r_off_ohm;
  const int top = (1 << device.bits_per_cell) - 1;
  return g_off + (g_on - g_off) * static_cast<double>(level) / top;
}

CrossbarArray::CrossbarArray(const arch::ArchSpec& arch, Eigen::MatrixXi levels)
    : levels_(std::move(levels)) {
  const arch::DeviceSpec& d = arch.device;
  const int b = d.bits_per_cell;
  const int cpw = arch.crossbar.cells_per_weight(b);
  const bool differential = arch.crossbar.signed_encoding == arch::SignedEncoding::Differential;
  const int slice_mask = (1 << b) - 1;
  // With an offset column, a weight w is stored as w + offset (offset = 2^(weight_bits-1), clipped
  // to what the cells hold) in one column; the offset column holds `offset` in every row.
  const int offset = 1 << (arch.crossbar.weight_bits - 1);
  const int largest = (1 << arch.crossbar.weight_bits) - 1;
  auto stored = [&](int magnitude) {  // conductance of the cpw cells of one stored magnitude
    double g = 0;
    for (int s = 0; s < cpw; ++s) g += cell_conductance_s(d, (magnitude >> (b * s)) & slice_mask);
    return g;
  };
  row_conductance_s_.assign(levels_.rows(), 0.0);
  for (Eigen::Index r = 0; r < levels_.rows(); ++r) {
    double g = 0;
    for (Eigen::Index k = 0; k < levels_.cols(); ++k) {
      const int w = levels_(r, k);
      g += differential ? stored(w > 0 ? w : 0) + stored(w < 0 ? -w : 0)
                        : stored(std::clamp(w + offset, 0, largest));
    }
    if (!differential && levels_.cols() > 0) g += stored(offset);
    row_conductance_s_[r] = g;
  }
  v2t_ = d.read_voltage_v * d.read_voltage_v * d.read_pulse_ns * 1e-9;
}

void CrossbarArray::read(const std::vector<int>& driven, Eigen::VectorXi& out) {
  out.setZero(levels_.cols());
  double g = 0;
  for (int r : driven) {
    out += levels_.row(r).transpose();
    g += row_conductance_s_[r];
  }
  ++stats_.reads;
  stats_.row_activations += driven.size();
  stats_.cell_energy_aj += static_cast<std::uint64_t>(std::llround(v2t_ * g * 1e18));
}

}  // namespace xbar::models
