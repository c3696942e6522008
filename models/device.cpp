#include "models/device.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numbers>
#include <sstream>
#include <stdexcept>

#include "config/files.hpp"

namespace xbar::models {

double level_conductance_s(const arch::DeviceSpec& device, int level) {
  const double g_on = 1.0 / device.r_on_ohm, g_off = 1.0 / device.r_off_ohm;
  const int top = (1 << device.bits_per_cell) - 1;
  return g_off + (g_on - g_off) * static_cast<double>(level) / top;
}

CellLayout cell_layout(const arch::ArchSpec& arch, int outputs) {
  CellLayout c;
  c.bits_per_cell = arch.device.bits_per_cell;
  c.cells_per_weight = arch.crossbar.cells_per_weight(c.bits_per_cell);
  c.differential = arch.crossbar.signed_encoding == arch::SignedEncoding::Differential;
  // Offset column: as models/crossbar.cpp stores it, w + 2^(weight_bits-1), clipped to the cells.
  c.offset = 1 << (arch.crossbar.weight_bits - 1);
  c.largest = (1 << arch.crossbar.weight_bits) - 1;
  c.outputs = outputs;
  const int used = c.differential ? 2 * c.cells_per_weight * outputs
                                  : c.cells_per_weight * (outputs + (outputs > 0 ? 1 : 0));
  c.physical_columns = std::max(arch.crossbar.columns, used);
  return c;
}

Eigen::MatrixXi cell_levels(const arch::ArchSpec& arch, const Eigen::MatrixXi& levels) {
  if (levels.rows() > arch.crossbar.rows)
    throw std::invalid_argument("a block of " + std::to_string(levels.rows()) +
                                " rows does not fit a crossbar of " +
                                std::to_string(arch.crossbar.rows) + " rows");
  const CellLayout c = cell_layout(arch, int(levels.cols()));
  Eigen::MatrixXi cells = Eigen::MatrixXi::Zero(arch.crossbar.rows, c.physical_columns);
  for (Eigen::Index r = 0; r < levels.rows(); ++r) {
    for (int k = 0; k < c.outputs; ++k)
      for (int s = 0; s < c.cells_per_weight; ++s) {
        const auto [pos, neg] = c.pair_levels(levels(r, k), s);
        cells(r, c.positive_column(k, s)) = pos;
        if (c.differential) cells(r, c.negative_column(k, s)) = neg;
      }
    if (!c.differential && c.outputs > 0)
      for (int s = 0; s < c.cells_per_weight; ++s)
        cells(r, c.negative_column(0, s)) = c.slice_level(c.offset, s);
  }
  return cells;
}

workloads::Rng keyed_rng(std::initializer_list<std::uint64_t> key) {
  std::uint64_t h = 0x243F6A8885A308D3ull;  // digits of pi: any fixed start will do
  for (std::uint64_t k : key) {
    h ^= k + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
    h ^= h >> 31;
  }
  return workloads::Rng(h);
}

double standard_normal(workloads::Rng& rng) {
  const double u1 = (double(rng.next() >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
  const double u2 = double(rng.next() >> 11) * 0x1.0p-53;          // [0, 1)
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::pair<double, double> standard_normal_pair(workloads::Rng& rng) {
  const double u1 = (double(rng.next() >> 11) + 1.0) * 0x1.0p-53;
  const double u2 = double(rng.next() >> 11) * 0x1.0p-53;
  const double r = std::sqrt(-2.0 * std::log(u1)), a = 2.0 * std::numbers::pi * u2;
  return {r * std::cos(a), r * std::sin(a)};
}

FaultMap load_fault_map(const std::string& path) {
  std::istringstream f(config::read_file(path, config::limits::kConfigBytes, "fault map"));
  FaultMap map;
  std::string line;
  for (int n = 1; std::getline(f, line); ++n) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream in(line);
    int layer, block, row, col;
    std::string kind, extra;
    if (!(in >> layer)) continue;  // blank or comment
    if (!(in >> block >> row >> col >> kind) || (in >> extra) || layer < 0 || block < 0 ||
        row < 0 || col < 0 || (kind != "sa0" && kind != "sa1"))
      throw std::runtime_error(path + ":" + std::to_string(n) +
                               ": expected 'layer block row column sa0|sa1' (non-negative "
                               "integers), got '" +
                               line + "'");
    map[{layer, block}].emplace_back(row, col, kind == "sa0" ? 1 : 2);
  }
  return map;
}

StuckMap stuck_cells(const arch::ArchSpec& arch, const ArrayKey& key, int rows, int columns,
                     std::shared_ptr<const FaultMap> faults) {
  CellArray cells;
  cells.g.setZero(rows, columns);
  cells.stuck.setZero(rows, columns);
  const arch::DeviceEffects& e = arch.device.effects;
  if (e.enabled && (e.sa0_rate > 0 || e.sa1_rate > 0 || faults))
    StuckAtFaults(arch.device, e.sa0_rate, e.sa1_rate, std::move(faults)).apply(cells, key);
  return cells.stuck;
}

std::pair<int, int> stuck_pair(int p, int n, std::uint8_t sp, std::uint8_t sn, int top,
                               bool compensate) {
  const int rail_p = sp == 1 ? 0 : top, rail_n = sn == 1 ? 0 : top;
  if (sp && sn) return {rail_p, rail_n};
  if (sp) return {rail_p, compensate ? std::clamp(rail_p - (p - n), 0, top) : n};
  if (sn) return {compensate ? std::clamp(rail_n + (p - n), 0, top) : p, rail_n};
  return {p, n};
}

double stuck_weight_error(int w, const StuckMap& stuck, int row, int slot, const CellLayout& lay,
                          bool compensate) {
  double err = 0;
  for (int s = 0; s < lay.cells_per_weight; ++s) {
    const auto [p, n] = lay.pair_levels(w, s);
    const auto [p2, n2] = stuck_pair(p, n, stuck(row, lay.positive_column(slot, s)),
                                     stuck(row, lay.negative_column(slot, s)), lay.top_level(),
                                     compensate && lay.differential);
    err += lay.slice_weight(s) * double((p2 - n2) - (p - n));
  }
  return std::fabs(err);
}

void compensate_stuck_pairs(Eigen::MatrixXi& cells, const StuckMap& stuck, const CellLayout& lay) {
  if (!lay.differential) return;
  for (Eigen::Index r = 0; r < cells.rows(); ++r)
    for (int k = 0; k < lay.outputs; ++k)
      for (int s = 0; s < lay.cells_per_weight; ++s) {
        const int cp = lay.positive_column(k, s), cn = lay.negative_column(k, s);
        const auto [p, n] = stuck_pair(cells(r, cp), cells(r, cn), stuck(r, cp), stuck(r, cn),
                                       lay.top_level(), true);
        cells(r, cp) = p;  // a stuck cell's level is overridden by the fault anyway
        cells(r, cn) = n;
      }
}

AgingEffect::AgingEffect(const arch::DeviceSpec& d, double cycles, double narrowing_per_decade) {
  g_mid_ = 0.5 * (1.0 / d.r_on_ohm + 1.0 / d.r_off_ohm);
  rho_ = cycles > 1 ? std::min(1.0, narrowing_per_decade * std::log10(cycles)) : 0.0;
}

void AgingEffect::apply(CellArray& cells, const ArrayKey&) const {
  cells.g = (cells.g.array() - g_mid_) * (1.0 - rho_) + g_mid_;
}

ProgrammingVariation::ProgrammingVariation(const arch::DeviceSpec& d, arch::Variation kind, double c0,
                                           double c1, double c2)
    : kind_(kind), g_on_(1.0 / d.r_on_ohm), c0_(c0), c1_(c1), c2_(c2) {}

void ProgrammingVariation::apply(CellArray& cells, const ArrayKey& key) const {
  workloads::Rng rng = keyed_rng({key.seed, 1, std::uint64_t(key.layer), std::uint64_t(key.block)});
  for (Eigen::Index c = 0; c < cells.g.cols(); ++c)
    for (Eigen::Index r = 0; r < cells.g.rows(); ++r) {
      const double z = standard_normal(rng);  // drawn for every cell: streams stay aligned
      if (cells.stuck(r, c)) continue;
      double& g = cells.g(r, c);
      const double x = g / g_on_;
      const double sigma = std::max(0.0, c0_ + c1_ * x + c2_ * x * x);
      g = kind_ == arch::Variation::Lognormal ? g * std::exp(sigma * z)
                                              : std::max(0.0, g + g_on_ * sigma * z);
    }
}

StuckAtFaults::StuckAtFaults(const arch::DeviceSpec& d, double sa0, double sa1,
                             std::shared_ptr<const FaultMap> map)
    : g_on_(1.0 / d.r_on_ohm),
      g_off_(1.0 / d.r_off_ohm),
      sa0_(sa0),
      sa1_(sa1),
      map_(std::move(map)) {}

void StuckAtFaults::apply(CellArray& cells, const ArrayKey& key) const {
  workloads::Rng rng = keyed_rng({key.seed, 2, std::uint64_t(key.layer), std::uint64_t(key.block)});
  auto stick = [&](Eigen::Index r, Eigen::Index c, std::uint8_t kind) {
    cells.stuck(r, c) = kind;
    cells.g(r, c) = kind == 1 ? g_off_ : g_on_;
  };
  if (sa0_ > 0 || sa1_ > 0)
    for (Eigen::Index c = 0; c < cells.g.cols(); ++c)
      for (Eigen::Index r = 0; r < cells.g.rows(); ++r) {
        const double u = double(rng.next() >> 11) * 0x1.0p-53;
        if (u < sa0_)
          stick(r, c, 1);
        else if (u < sa0_ + sa1_)
          stick(r, c, 2);
      }
  if (!map_) return;
  auto it = map_->find({key.layer, key.block});
  if (it == map_->end()) return;
  for (auto [r, c, kind] : it->second) {
    if (r >= cells.g.rows() || c >= cells.g.cols())
      throw std::runtime_error(
          "fault map: cell (" + std::to_string(r) + ", " + std::to_string(c) + ") of layer " +
          std::to_string(key.layer) + " block " + std::to_string(key.block) + " is outside its " +
          std::to_string(cells.g.rows()) + "x" + std::to_string(cells.g.cols()) + " array");
    stick(r, c, kind);
  }
}

Drift::Drift(double t_s, double t0_s, double nu_mean, double nu_std)
    : log_ratio_(std::log(t_s / t0_s)), nu_mean_(nu_mean), nu_std_(nu_std) {}

void Drift::apply(CellArray& cells, const ArrayKey& key) const {
  if (nu_std_ == 0) {  // one factor for every device: exactly G0 (t/t0)^-nu
    const double f = std::exp(-nu_mean_ * log_ratio_);
    for (Eigen::Index c = 0; c < cells.g.cols(); ++c)
      for (Eigen::Index r = 0; r < cells.g.rows(); ++r)
        if (!cells.stuck(r, c)) cells.g(r, c) *= f;
    return;
  }
  workloads::Rng rng = keyed_rng({key.seed, 3, std::uint64_t(key.layer), std::uint64_t(key.block)});
  for (Eigen::Index c = 0; c < cells.g.cols(); ++c)
    for (Eigen::Index r = 0; r < cells.g.rows(); ++r) {
      // nu below 0 would make a device gain conductance over time: clipped, as aihwkit does.
      const double nu = std::max(0.0, nu_mean_ + nu_std_ * standard_normal(rng));
      if (!cells.stuck(r, c)) cells.g(r, c) *= std::exp(-nu * log_ratio_);
    }
}

std::vector<std::unique_ptr<DeviceEffect>> device_effects(const arch::ArchSpec& arch,
                                                          std::shared_ptr<const FaultMap> faults) {
  std::vector<std::unique_ptr<DeviceEffect>> fx;
  const arch::DeviceEffects& e = arch.device.effects;
  if (!e.enabled) return fx;
  if (e.aging_cycles > 1 && e.aging_narrowing_per_decade > 0)
    fx.push_back(
        std::make_unique<AgingEffect>(arch.device, e.aging_cycles, e.aging_narrowing_per_decade));
  if (e.programming != arch::Variation::None)
    fx.push_back(std::make_unique<ProgrammingVariation>(arch.device, e.programming, e.sigma_c0,
                                                        e.sigma_c1, e.sigma_c2));
  if (e.sa0_rate > 0 || e.sa1_rate > 0 || faults)
    fx.push_back(std::make_unique<StuckAtFaults>(arch.device, e.sa0_rate, e.sa1_rate, faults));
  if (e.drift_time_s > 0 && (e.drift_nu_mean != 0 || e.drift_nu_std > 0))
    fx.push_back(
        std::make_unique<Drift>(e.drift_time_s, e.drift_t0_s, e.drift_nu_mean, e.drift_nu_std));
  return fx;
}

}  // namespace xbar::models
