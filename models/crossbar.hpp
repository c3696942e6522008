// One programmed crossbar: integer weight levels on its rows x logical outputs, the conductances
// they are stored as, and a read that drives the rows of the inputs that spiked. The read returns
// the exact integer partial sum of each output (what the column currents encode) and counts the
// energy sum(V^2 G t) of the cells actually driven.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "arch/arch_spec.hpp"

namespace xbar::models {

struct CrossbarStats {
  std::uint64_t reads = 0;
  std::uint64_t row_activations = 0;  // rows driven, summed over reads
  // Sum over reads of V^2 * G * t over the driven cells, in attojoules (1e-6 pJ), rounded per
  // read: an integer, so sums over tiles, images and worker processes are exact in any order.
  std::uint64_t cell_energy_aj = 0;
  double cell_energy_pj() const { return static_cast<double>(cell_energy_aj) * 1e-6; }
};

class CrossbarArray {
 public:
  // `levels`: rows x outputs signed integer weights in [-(2^b - 1), 2^b - 1], b = weight_bits;
  // each magnitude is stored as cells of bits_per_cell, positive and negative parts in a
  // differential pair (or against an offset column): the conductances follow from the device.
  CrossbarArray(const arch::ArchSpec& arch, Eigen::MatrixXi levels);

  int rows() const { return static_cast<int>(levels_.rows()); }
  int outputs() const { return static_cast<int>(levels_.cols()); }
  const Eigen::MatrixXi& levels() const { return levels_; }

  // Partial sums of every output for the rows listed in `driven` (indices into rows()).
  // `out` is resized to outputs().
  void read(const std::vector<int>& driven, Eigen::VectorXi& out);
  const CrossbarStats& stats() const { return stats_; }

  // Conductance (siemens) of all physical cells of row r, summed: the row's read energy is
  // V^2 * t * this.
  double row_conductance_s(int r) const { return row_conductance_s_[r]; }

 private:
  Eigen::MatrixXi levels_;
  std::vector<double> row_conductance_s_;
  double v2t_ = 0;  // V^2 * t in V^2 * s
  CrossbarStats stats_;
};

// Conductance of one cell holding `level` of 2^bits_per_cell levels, linear between G_off and G_on.
double cell_conductance_s(const arch::DeviceSpec& device, int level);

}  // namespace xbar::models
