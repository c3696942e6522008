// The non-ideal (analog) read of programmed crossbar blocks: device effects (models/device.hpp),
// IR drop (models/irdrop.hpp) and ADC non-idealities combined into one analog partial sum per
// output, in weight LSBs. Programming-time effects are folded into one matrix per block, so a read
// costs a sum of matrix rows like the ideal integer read (plus read noise when it is on).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <vector>

#include "arch/arch_spec.hpp"
#include "models/device.hpp"
#include "workloads/golden.hpp"

namespace xbar::models {

// True when the arch asks for any non-ideality (device.impl nonideal, crossbar.ir_drop, or an ADC
// offset, gain error or INL): then reads go through the analog path.
bool analog_read_enabled(const arch::ArchSpec& arch);

// The converter's non-idealities before its quantiser, on x in weight LSBs with step s (weight LSBs
// per code) and full scale M s (M = max code; 0 = ideal converter, no INL):
// x' = (1 + gain_error) x + offset_lsb s + inl_lsb s sin(pi x / (M s)): a sine bow that is zero at
// 0 and at both ends of the range and peaks at inl_lsb LSB half-way (an endpoint-fit INL).
struct AdcNonideality {
  double offset_lsb = 0, gain_error = 0, inl_lsb = 0;
  bool ideal() const { return offset_lsb == 0 && gain_error == 0 && inl_lsb == 0; }
  double apply(double x, long step, long max_code) const;
};

// One programmed block, read the analog way.
class AnalogCrossbar {
 public:
  // `levels`: rows x outputs signed weights (the block as the golden model stores it).
  // `faults`: stuck cells from a fault map (may be null). `fault_aware`: the stuck cells are known
  // when programming (stuck_cells) and the free cell of each differential pair with one stuck
  // cell compensates it (compensate_stuck_pairs).
  AnalogCrossbar(const arch::ArchSpec& arch, const Eigen::MatrixXi& levels, int layer, int block,
                 std::shared_ptr<const FaultMap> faults = nullptr, bool fault_aware = false);

  int rows() const { return int(effective_.rows()); }
  int outputs() const { return int(effective_.cols()); }
  // Analog partial sums (weight LSBs, before the ADC) with `rows` driven at the read voltage and
  // every other row at 0 V. Sums rows in ascending order whatever the order given, so the result
  // does not depend on the caller. Read noise keyed by (seed, layer, block, image, timestep).
  void read(const std::vector<int>& rows, std::uint64_t image, int timestep,
            std::vector<double>& out) const;

  // Programmed conductances (S) of the physical array, after every programming-time effect.
  const CellArray& cells() const { return cells_; }
  // Analog partial sum contributed by each row when driven alone (rows x outputs, weight LSBs):
  // the ideal integer levels plus the deviation of the non-ideal currents.
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& effective() const {
    return effective_;
  }
  // Global drift compensation factor (1 when off).
  double compensation() const { return alpha_; }

 private:
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> effective_;
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> noise_var_;  // per row
  CellArray cells_;
  double alpha_ = 1, read_sigma_ = 0;
  std::uint64_t seed_ = 0;
  int layer_ = 0, block_ = 0;
};

// The golden model's hook (workloads::AnalogReader) for a whole network: one AnalogCrossbar per
// (layer, block) of the quantised layers, built on `threads` threads (0 = hardware concurrency),
// then the ADC non-idealities of the arch with each layer's step and range. `fault_aware`: every
// array is programmed around its stuck cells (AnalogCrossbar).
class CrossbarAnalogReader : public workloads::AnalogReader {
 public:
  CrossbarAnalogReader(const arch::ArchSpec& arch,
                       const std::vector<workloads::QuantisedLayer>& layers, int threads = 0,
                       bool fault_aware = false);
  void read(int layer, int block, const std::vector<int>& rows, std::uint64_t image, int timestep,
            std::vector<double>& analog) const override;
  const AnalogCrossbar& crossbar(int layer, int block) const {
    return *blocks_[std::size_t(layer)][std::size_t(block)];
  }

 private:
  std::vector<std::vector<std::unique_ptr<AnalogCrossbar>>> blocks_;
  std::vector<long> step_, max_code_;
  AdcNonideality adc_;
};

// A block's levels (rows = Block::inputs, columns = Block::outputs) under the first-block-owns
// rule, as the golden model and the chip store them.
std::vector<Eigen::MatrixXi> block_levels(const workloads::QuantisedLayer& layer);

// The reader for `layers` when analog_read_enabled(arch), else null (the exact integer path).
std::shared_ptr<const workloads::AnalogReader> make_analog_reader(
    const arch::ArchSpec& arch, const std::vector<workloads::QuantisedLayer>& layers,
    int threads = 0, bool fault_aware = false);

// The fault map the arch names (device.fault_map), or null.
std::shared_ptr<const FaultMap> arch_fault_map(const arch::ArchSpec& arch);

}  // namespace xbar::models
