// Device effects on a programmed crossbar's conductances, one implementation each
// (docs/references.md §10): window narrowing with aging, programming variation, stuck-at faults,
// drift with per-device exponents, and cycle-to-cycle read noise. Every random draw is a stateless
// function of a key (seed, layer, block[, image, timestep]), so the golden model and the chip, on
// any thread and in any order, see the same devices.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "arch/arch_spec.hpp"
#include "workloads/rng.hpp"

namespace xbar::models {

// Conductance (S) of a cell holding `level` of 2^bits_per_cell levels, linear between
// G_off = 1/R_off and G_on = 1/R_on: the finite levels and the on/off ratio. Same mapping as
// models::cell_conductance_s (crossbar.hpp), repeated here so this library needs no SystemC.
double level_conductance_s(const arch::DeviceSpec& device, int level);

// Where a block's weights sit in its physical array (compiler/placement.hpp CrossbarGeometry):
// differential: output k's positive slices in columns 2 k cpw + s, its negative slices after them;
// offset column: output k's slices in columns k cpw + s, one reference weight (cpw slices holding
// the offset) after the last output. Slice 0 is the most significant.
struct CellLayout {
  int cells_per_weight = 1;
  int bits_per_cell = 1;
  bool differential = true;
  int offset = 0;   // offset_column: stored value = weight + offset
  int largest = 0;  // offset_column: largest storable value
  int outputs = 0;
  int physical_columns = 0;
  int positive_column(int k, int s) const {
    return differential ? 2 * cells_per_weight * k + s : cells_per_weight * k + s;
  }
  // The column subtracted from positive_column(k, s): the G- slice or the reference slice.
  int negative_column(int k, int s) const {
    return differential ? 2 * cells_per_weight * k + cells_per_weight + s
                        : cells_per_weight * outputs + s;
  }
  // Weight-LSB value of slice s.
  double slice_weight(int s) const {
    return std::ldexp(1.0, bits_per_cell * (cells_per_weight - 1 - s));
  }
  // Level of slice s of a non-negative stored value.
  int slice_level(int value, int s) const {
    return (value >> (bits_per_cell * (cells_per_weight - 1 - s))) & ((1 << bits_per_cell) - 1);
  }
  // Levels of slice s of weight w on its positive column and on its negative (differential) or
  // reference (offset) column.
  std::pair<int, int> pair_levels(int w, int s) const {
    if (differential) return {slice_level(w > 0 ? w : 0, s), slice_level(w < 0 ? -w : 0, s)};
    return {slice_level(std::clamp(w + offset, 0, largest), s), slice_level(offset, s)};
  }
  int top_level() const { return (1 << bits_per_cell) - 1; }
};
CellLayout cell_layout(const arch::ArchSpec& arch, int outputs);

// Integer cell levels (physical rows x columns) storing `levels` (rows x outputs signed weights),
// sized to the arch's crossbar (unused cells at level 0, i.e. G_off); throws std::invalid_argument
// if the block does not fit.
Eigen::MatrixXi cell_levels(const arch::ArchSpec& arch, const Eigen::MatrixXi& levels);

// Which cells of an array are stuck: 0 free, 1 = SA0 (held at G_off), 2 = SA1 (held at G_on).
using StuckMap = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic>;

// One programmed array: its conductances and which cells are stuck (they neither vary nor drift).
struct CellArray {
  Eigen::MatrixXd g;  // siemens, rows x physical columns
  StuckMap stuck;
};

// Identifies one programmed array for the stateless random streams.
struct ArrayKey {
  std::uint64_t seed = 0;
  int layer = 0, block = 0;
};

// A generator for a key of several integers (splitmix64 over each, then xoshiro256**): the
// counter-based stream behind every random device effect.
workloads::Rng keyed_rng(std::initializer_list<std::uint64_t> key);
// Standard normal from two 53-bit uniforms (Box-Muller, one value per call).
double standard_normal(workloads::Rng& rng);
// Both values of one Box-Muller draw (independent standard normals): half the transcendental cost.
std::pair<double, double> standard_normal_pair(workloads::Rng& rng);

// Stuck cells read from a fault-map file: per (layer, block), (row, column, 1 = SA0 | 2 = SA1).
using FaultMap = std::map<std::pair<int, int>, std::vector<std::tuple<int, int, std::uint8_t>>>;
// Lines "layer block row column sa0|sa1" ('#' starts a comment); throws std::runtime_error naming
// file:line for a malformed line.
FaultMap load_fault_map(const std::string& path);

// One programming-time effect on an array's conductances.
class DeviceEffect {
 public:
  virtual ~DeviceEffect() = default;
  virtual const char* name() const = 0;
  virtual void apply(CellArray& cells, const ArrayKey& key) const = 0;
};

// Aging: the window [G_off, G_on] narrows symmetrically toward its middle by a fraction
// rho = min(1, narrowing_per_decade * log10(cycles)) (MemTorch's endurance models narrow the
// window with cycles; ours is the simplest one-parameter form, fit per device).
class AgingEffect : public DeviceEffect {
 public:
  AgingEffect(const arch::DeviceSpec& d, double cycles, double narrowing_per_decade);
  const char* name() const override { return "aging"; }
  void apply(CellArray& cells, const ArrayKey& key) const override;
  double narrowing() const { return rho_; }

 private:
  double g_mid_ = 0, rho_ = 0;
};

// Programming variation, state-dependent: sigma = c0 + c1 g + c2 g^2 with g = G/G_on (aihwkit's PCM
// programming-noise polynomial, docs/references.md §10.2). Gaussian: G + G_on sigma N(0,1), clipped
// at 0; lognormal: G exp(sigma N(0,1)) (median-preserving).
class ProgrammingVariation : public DeviceEffect {
 public:
  ProgrammingVariation(const arch::DeviceSpec& d, arch::Variation kind, double c0, double c1,
                       double c2);
  const char* name() const override { return "programming variation"; }
  void apply(CellArray& cells, const ArrayKey& key) const override;

 private:
  arch::Variation kind_;
  double g_on_, c0_, c1_, c2_;
};

// Stuck-at faults: each cell independently SA0 (G_off) with probability sa0, SA1 (G_on) with sa1
// (Chen et al. 2015 measured 1.75 % / 9.04 % on RRAM), plus any cells a fault map lists.
class StuckAtFaults : public DeviceEffect {
 public:
  StuckAtFaults(const arch::DeviceSpec& d, double sa0, double sa1, std::shared_ptr<const FaultMap> map);
  const char* name() const override { return "stuck-at faults"; }
  void apply(CellArray& cells, const ArrayKey& key) const override;

 private:
  double g_on_, g_off_, sa0_, sa1_;
  std::shared_ptr<const FaultMap> map_;
};

// Drift G(t) = G0 (t/t0)^-nu with nu ~ N(mean, std) per device, evaluated at t (aihwkit, MemTorch).
class Drift : public DeviceEffect {
 public:
  Drift(double t_s, double t0_s, double nu_mean, double nu_std);
  const char* name() const override { return "drift"; }
  void apply(CellArray& cells, const ArrayKey& key) const override;

 private:
  double log_ratio_, nu_mean_, nu_std_;
};

// The stuck cells of array `key` (rows x columns of the arch's crossbar, as cell_levels sizes it),
// exactly as StuckAtFaults draws them when the array is programmed: a function of the seed, the
// array and the fault map only, so they are known before programming, as a tested chip's are.
// All free when the arch has no stuck-at faults.
StuckMap stuck_cells(const arch::ArchSpec& arch, const ArrayKey& key, int rows, int columns,
                     std::shared_ptr<const FaultMap> faults);

// What one slice pair (levels P on the positive column, N on the negative or reference column)
// reads as when its cells are stuck as `sp`, `sn` (StuckMap codes; `top` = the highest level). A
// stuck cell reads its rail. With `compensate` (fault-aware programming of a differential pair),
// the free cell of a pair with one stuck cell is programmed to keep the difference P - N, as far
// as its levels reach: an SA1 on G+ is cancelled by raising G- by as much. Returns the levels
// (P', N') the pair then holds.
std::pair<int, int> stuck_pair(int p, int n, std::uint8_t sp, std::uint8_t sn, int top,
                               bool compensate);

// The error (weight LSBs) of storing weight `w` in output slot `slot` of physical row `row`:
// |read value - w| under the stuck cells `stuck`, summed over the weight's slices.
double stuck_weight_error(int w, const StuckMap& stuck, int row, int slot, const CellLayout& lay,
                          bool compensate);

// Fault-aware programming: cell levels (cell_levels) with every differential pair that has one
// stuck cell compensated as stuck_pair does. Offset-column layouts are left as they are (the
// reference column is shared by the whole row).
void compensate_stuck_pairs(Eigen::MatrixXi& cells, const StuckMap& stuck, const CellLayout& lay);

// The programming-time effects the arch switches on, in physical order: aging sets the window,
// programming variation scatters the written states, faults override cells, drift acts last.
std::vector<std::unique_ptr<DeviceEffect>> device_effects(const arch::ArchSpec& arch,
                                                          std::shared_ptr<const FaultMap> faults);

}  // namespace xbar::models
