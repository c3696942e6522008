#include "models/analog.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <thread>

#include "models/irdrop.hpp"

namespace xbar::models {

bool analog_read_enabled(const arch::ArchSpec& arch) {
  return arch.device.effects.enabled || arch.crossbar.ir_drop != arch::IrDrop::None ||
         arch.adc.offset_lsb != 0 || arch.adc.gain_error != 0 || arch.adc.inl_lsb != 0;
}

double AdcNonideality::apply(double x, long step, long max_code) const {
  const double s = double(step);
  double y = (1.0 + gain_error) * x + offset_lsb * s;
  if (inl_lsb != 0 && max_code > 0) {
    const double u = std::clamp(x / (double(max_code) * s), -1.0, 1.0);
    y += inl_lsb * s * std::sin(std::numbers::pi * u);
  }
  return y;
}

AnalogCrossbar::AnalogCrossbar(const arch::ArchSpec& arch, const Eigen::MatrixXi& levels, int layer,
                               int block, std::shared_ptr<const FaultMap> faults, bool fault_aware)
    : seed_(arch.device.effects.seed), layer_(layer), block_(block) {
  const CellLayout lay = cell_layout(arch, int(levels.cols()));
  const Eigen::MatrixXi lv = cell_levels(arch, levels);
  const ArrayKey key{seed_, layer, block};
  // The nominal conductances are those of the intended levels; fault-aware programming writes
  // other levels into the partners of stuck cells, and the deviation below measures the result
  // against the intended weights.
  Eigen::MatrixXi programmed = lv;
  if (fault_aware)
    compensate_stuck_pairs(programmed,
                           stuck_cells(arch, key, int(lv.rows()), int(lv.cols()), faults), lay);
  Eigen::MatrixXd g_nominal(lv.rows(), lv.cols());
  cells_.g.resize(lv.rows(), lv.cols());
  for (Eigen::Index c = 0; c < lv.cols(); ++c)
    for (Eigen::Index r = 0; r < lv.rows(); ++r) {
      g_nominal(r, c) = level_conductance_s(arch.device, lv(r, c));
      cells_.g(r, c) = level_conductance_s(arch.device, programmed(r, c));
    }
  cells_.stuck.setZero(lv.rows(), lv.cols());
  double before_drift = 0;
  bool drifted = false;
  for (const auto& fx : device_effects(arch, std::move(faults))) {
    if (dynamic_cast<const Drift*>(fx.get())) {
      before_drift = cells_.g.sum();  // the reference read, right after programming
      drifted = true;
    }
    fx->apply(cells_, key);
  }
  const arch::DeviceEffects& e = arch.device.effects;
  // Global drift compensation (aihwkit): one factor per array from a reference read with every row
  // driven, reference / now; without IR drop that read is V times the sum of all conductances.
  if (drifted && e.drift_compensation == arch::DriftCompensation::Global) alpha_ = before_drift / cells_.g.sum();
  read_sigma_ = e.enabled ? e.read_noise_sigma : 0.0;

  // Per-row currents per unit read voltage, physical rows x columns: G itself, or with IR drop the
  // transfer matrix (row r's column is the array's response to row r alone at 1 V).
  Eigen::MatrixXd response;
  const arch::CrossbarSpec& x = arch.crossbar;
  const WireResistances wires{x.wordline_segment_ohm, x.bitline_segment_ohm, x.source_ohm,
                              x.sink_ohm};
  switch (x.ir_drop) {
    case arch::IrDrop::None:
      response = cells_.g;
      break;
    case arch::IrDrop::Exact:
      response = irdrop_transfer_exact(cells_.g, wires).transpose();
      break;
    case arch::IrDrop::FirstOrder:
      response = irdrop_transfer_first_order(cells_.g, wires).transpose();
      break;
  }
  // Deviation from the ideal currents, so that no effect at all leaves the integer levels exact
  // (G_off cancels in the pair only up to rounding otherwise).
  const Eigen::MatrixXd deviation = alpha_ * response - g_nominal;
  const double dg = (1.0 / arch.device.r_on_ohm - 1.0 / arch.device.r_off_ohm) /
                    double((1 << arch.device.bits_per_cell) - 1);
  effective_.resize(levels.rows(), levels.cols());
  noise_var_.setZero(levels.rows(), read_sigma_ > 0 ? levels.cols() : 0);
  for (Eigen::Index r = 0; r < levels.rows(); ++r)
    for (int k = 0; k < lay.outputs; ++k) {
      double dev = 0, var = 0;
      for (int s = 0; s < lay.cells_per_weight; ++s) {
        const int p = lay.positive_column(k, s), n = lay.negative_column(k, s);
        const double w = lay.slice_weight(s);
        dev += w * (deviation(r, p) - deviation(r, n));
        if (read_sigma_ > 0) {
          const double gp = alpha_ * cells_.g(r, p), gn = alpha_ * cells_.g(r, n);
          var += w * w * (gp * gp + gn * gn);
        }
      }
      effective_(r, k) = double(levels(r, k)) + dev / dg;
      if (read_sigma_ > 0) noise_var_(r, k) = var / (dg * dg);
    }
}

void AnalogCrossbar::read(const std::vector<int>& rows, std::uint64_t image, int timestep,
                          std::vector<double>& out) const {
  const std::vector<int>* order = &rows;
  std::vector<int> sorted;
  if (!std::is_sorted(rows.begin(), rows.end())) {
    sorted = rows;
    std::sort(sorted.begin(), sorted.end());
    order = &sorted;
  }
  const std::size_t n = std::size_t(effective_.cols());
  out.assign(n, 0.0);
  for (int r : *order) {
    if (r < 0 || r >= effective_.rows())
      throw std::out_of_range("analog read: row " + std::to_string(r) + " of a block of " +
                              std::to_string(effective_.rows()) + " rows");
    const double* row = effective_.data() + std::size_t(r) * n;
    for (std::size_t k = 0; k < n; ++k) out[k] += row[k];
  }
  if (read_sigma_ <= 0) return;
  // Cycle-to-cycle read noise: every driven cell's conductance gets an independent N(0, sigma G)
  // per read, so a column's current gets N(0, sigma^2 sum G^2 V^2) -- drawn once per output from
  // that summed variance (the same distribution, one normal instead of one per cell). IR drop's
  // attenuation of the noise is neglected (second order).
  workloads::Rng rng = keyed_rng(
      {seed_, 4, std::uint64_t(layer_), std::uint64_t(block_), image, std::uint64_t(timestep)});
  thread_local std::vector<double> var;
  var.assign(n, 0.0);
  for (int r : *order) {
    const double* row = noise_var_.data() + std::size_t(r) * n;
    for (std::size_t k = 0; k < n; ++k) var[k] += row[k];
  }
  for (std::size_t k = 0; k < n; k += 2) {
    const auto [z0, z1] = standard_normal_pair(rng);
    out[k] += read_sigma_ * std::sqrt(var[k]) * z0;
    if (k + 1 < n) out[k + 1] += read_sigma_ * std::sqrt(var[k + 1]) * z1;
  }
}

std::vector<Eigen::MatrixXi> block_levels(const workloads::QuantisedLayer& layer) {
  const Eigen::Index n_out = layer.weights.rows(), n_in = layer.weights.cols();
  std::vector<std::uint8_t> cover(std::size_t(n_out * n_in), 0);
  std::vector<Eigen::MatrixXi> out;
  for (const workloads::Block& b : layer.blocks) {
    Eigen::MatrixXi m(Eigen::Index(b.inputs.size()), Eigen::Index(b.outputs.size()));
    for (std::size_t r = 0; r < b.inputs.size(); ++r)
      for (std::size_t c = 0; c < b.outputs.size(); ++c) {
        const int i = b.inputs[r], j = b.outputs[c];
        auto& cv = cover[std::size_t(j) * std::size_t(n_in) + std::size_t(i)];
        m(Eigen::Index(r), Eigen::Index(c)) = cv ? 0 : layer.weights(j, i);
        cv = 1;
      }
    out.push_back(std::move(m));
  }
  return out;
}

CrossbarAnalogReader::CrossbarAnalogReader(const arch::ArchSpec& arch,
                                           const std::vector<workloads::QuantisedLayer>& layers,
                                           int threads, bool fault_aware)
    : adc_{arch.adc.offset_lsb, arch.adc.gain_error, arch.adc.inl_lsb} {
  const std::shared_ptr<const FaultMap> faults = arch_fault_map(arch);
  struct Task {
    int layer, block;
    Eigen::MatrixXi levels;
  };
  std::vector<Task> tasks;
  blocks_.resize(layers.size());
  for (std::size_t l = 0; l < layers.size(); ++l) {
    step_.push_back(layers[l].adc_step);
    max_code_.push_back(layers[l].adc_max_code);
    auto lv = block_levels(layers[l]);
    blocks_[l].resize(lv.size());
    for (std::size_t k = 0; k < lv.size(); ++k) tasks.push_back({int(l), int(k), std::move(lv[k])});
  }
  // Blocks are independent (each random stream is keyed by its block), so any thread may build any.
  if (threads <= 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::max(1, std::min(threads, int(tasks.size())));
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (std::size_t t; (t = next++) < tasks.size() && !failed;) {
      try {
        const Task& task = tasks[t];
        blocks_[std::size_t(task.layer)][std::size_t(task.block)] =
            std::make_unique<AnalogCrossbar>(arch, task.levels, task.layer, task.block, faults,
                                             fault_aware);
      } catch (...) {
        if (!failed.exchange(true)) error = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int w = 1; w < threads; ++w) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

void CrossbarAnalogReader::read(int layer, int block, const std::vector<int>& rows,
                                std::uint64_t image, int timestep,
                                std::vector<double>& analog) const {
  crossbar(layer, block).read(rows, image, timestep, analog);
  if (adc_.ideal()) return;
  for (double& x : analog)
    x = adc_.apply(x, step_[std::size_t(layer)], max_code_[std::size_t(layer)]);
}

std::shared_ptr<const workloads::AnalogReader> make_analog_reader(
    const arch::ArchSpec& arch, const std::vector<workloads::QuantisedLayer>& layers, int threads,
    bool fault_aware) {
  if (!analog_read_enabled(arch)) return nullptr;
  return std::make_shared<const CrossbarAnalogReader>(arch, layers, threads, fault_aware);
}

std::shared_ptr<const FaultMap> arch_fault_map(const arch::ArchSpec& arch) {
  if (!arch.device.effects.enabled || arch.device.effects.fault_map.empty()) return nullptr;
  return std::make_shared<const FaultMap>(load_fault_map(arch.device.effects.fault_map));
}

}  // namespace xbar::models
