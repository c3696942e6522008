#include "flow/mitigation.hpp"

#include <algorithm>
#include <numeric>

#include "compiler/assignment.hpp"
#include "models/analog.hpp"
#include "models/device.hpp"

namespace wl = xbar::workloads;

namespace xbar::flow {

namespace {

// Reorders a block's inputs (and the rows of its levels) so that physical row p holds old row
// row_at[p]; likewise outputs with out_at.
void permute(compiler::CrossbarBlock& b, Eigen::MatrixXi& levels, const std::vector<int>& row_at,
             const std::vector<int>& out_at) {
  std::vector<int> inputs(b.inputs.size()), outputs(b.outputs.size());
  Eigen::MatrixXi lv(levels.rows(), levels.cols());
  for (std::size_t p = 0; p < row_at.size(); ++p) inputs[p] = b.inputs[std::size_t(row_at[p])];
  for (std::size_t q = 0; q < out_at.size(); ++q) outputs[q] = b.outputs[std::size_t(out_at[q])];
  for (Eigen::Index p = 0; p < lv.rows(); ++p)
    for (Eigen::Index q = 0; q < lv.cols(); ++q)
      lv(p, q) = levels(row_at[std::size_t(p)], out_at[std::size_t(q)]);
  b.inputs = std::move(inputs);
  b.outputs = std::move(outputs);
  levels = std::move(lv);
}

std::vector<int> identity(std::size_t n) {
  std::vector<int> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

// Order of indices by `key`, ascending or descending, ties by index (stable).
std::vector<int> order_by(const std::vector<double>& key, bool descending) {
  std::vector<int> o = identity(key.size());
  std::stable_sort(o.begin(), o.end(), [&](int a, int b) {
    return descending ? key[std::size_t(a)] > key[std::size_t(b)]
                      : key[std::size_t(a)] < key[std::size_t(b)];
  });
  return o;
}

// The logical index each physical position takes under the minimum-cost assignment of
// cost(logical, position).
std::vector<int> positions_by_cost(const Eigen::MatrixXd& cost) {
  const std::vector<int> to = compiler::min_cost_assignment(cost);
  std::vector<int> at(to.size());
  for (std::size_t i = 0; i < to.size(); ++i) at[std::size_t(to[i])] = int(i);
  return at;
}

double stuck_error(const Eigen::MatrixXi& levels, const models::StuckMap& stuck,
                   const models::CellLayout& lay, bool compensate) {
  double e = 0;
  for (Eigen::Index r = 0; r < levels.rows(); ++r)
    for (Eigen::Index k = 0; k < levels.cols(); ++k)
      e += models::stuck_weight_error(levels(r, k), stuck, int(r), int(k), lay, compensate);
  return e;
}

}  // namespace

std::vector<std::vector<double>> input_spike_rates(const wl::GoldenModel& golden,
                                                   const wl::Dataset& data, int images) {
  const int n = std::max(1, std::min(images, data.size()));
  const auto& q = golden.quantised();
  std::vector<std::vector<double>> rate(q.size());
  for (std::size_t l = 0; l < q.size(); ++l) rate[l].assign(std::size_t(q[l].weights.cols()), 0.0);
  double steps = 0;
  for (int k = 0; k < n; ++k) {
    const int index = int(static_cast<long>(k) * data.size() / n);
    wl::SpikeTrace trace;
    golden.classify(data.images.row(index).data(), std::uint64_t(index), &trace);
    for (std::size_t l = 0; l < q.size(); ++l)
      for (const auto& spikes : trace.layers[l])
        for (int i : spikes) rate[l][std::size_t(i)] += 1;
    steps += double(trace.layers[0].size());
  }
  for (auto& layer : rate)
    for (double& r : layer) r /= steps;
  return rate;
}

compiler::Placement programmed_placement(const Experiment& e, const Compiled& c,
                                         nlohmann::json* stats) {
  compiler::Placement p = c.placement;
  const bool rows = e.rearrange == Rearrange::Rows || e.rearrange == Rearrange::RowsAndColumns;
  const bool columns =
      e.rearrange == Rearrange::Columns || e.rearrange == Rearrange::RowsAndColumns;
  nlohmann::json j = {{"rearrange", config::to_string(e.rearrange)},
                      {"fault_aware", e.fault_aware}};
  if (!rows && !columns && !e.fault_aware) {
    if (stats) *stats = j;
    return p;
  }
  // The levels every block is programmed with, and (for rearrange) the measured input rates.
  const wl::GoldenModel ideal = program_golden(e, c, p, /*analog=*/false);
  const auto& q = ideal.quantised();
  std::vector<std::vector<double>> rate;
  if (rows || columns) rate = input_spike_rates(ideal, c.data.train, 100);
  const std::shared_ptr<const models::FaultMap> faults = models::arch_fault_map(e.arch);
  long long rows_moved = 0, outputs_moved = 0;
  double error_before = 0, error_after = 0;
  for (std::size_t l = 0; l < p.layers.size(); ++l) {
    std::vector<Eigen::MatrixXi> levels = models::block_levels(q[l]);
    for (std::size_t k = 0; k < p.layers[l].blocks.size(); ++k) {
      compiler::CrossbarBlock& b = p.layers[l].blocks[k];
      Eigen::MatrixXi& lv = levels[k];
      const std::vector<int> before_in = b.inputs, before_out = b.outputs;
      if (rows || columns) {
        std::vector<double> row_current(b.inputs.size(), 0.0), out_current(b.outputs.size(), 0.0);
        for (Eigen::Index r = 0; r < lv.rows(); ++r)
          for (Eigen::Index o = 0; o < lv.cols(); ++o) {
            const double i = rate[l][std::size_t(b.inputs[std::size_t(r)])] * std::abs(lv(r, o));
            row_current[std::size_t(r)] += i;
            out_current[std::size_t(o)] += i;
          }
        // Outputs from the drivers' end (column 0) by falling current; rows toward the sinks
        // (the last row) by rising current.
        permute(b, lv, rows ? order_by(row_current, false) : identity(b.inputs.size()),
                columns ? order_by(out_current, true) : identity(b.outputs.size()));
      }
      if (e.fault_aware) {
        const models::CellLayout lay = models::cell_layout(e.arch, int(lv.cols()));
        const models::StuckMap stuck =
            models::stuck_cells(e.arch, {e.arch.device.effects.seed, int(l), int(k)},
                                e.arch.crossbar.rows, lay.physical_columns, faults);
        error_before += stuck_error(lv, stuck, lay, false);  // as compiled, no compensation
        const Eigen::Index n = lv.rows(), m = lv.cols();
        auto error = [&](Eigen::Index r, Eigen::Index o, Eigen::Index row, Eigen::Index slot) {
          return models::stuck_weight_error(lv(r, o), stuck, int(row), int(slot), lay, true);
        };
        for (int round = 0; round < 2; ++round) {
          // Rows: cost of logical row r on physical row pos, with the outputs where they are.
          Eigen::MatrixXd cost = Eigen::MatrixXd::Zero(n, n);
          for (Eigen::Index r = 0; r < n; ++r)
            for (Eigen::Index pos = 0; pos < n; ++pos)
              for (Eigen::Index o = 0; o < m; ++o) cost(r, pos) += error(r, o, pos, o);
          permute(b, lv, positions_by_cost(cost), identity(std::size_t(m)));
          // Outputs: cost of logical output o in slot s, with the rows where they now are.
          Eigen::MatrixXd ocost = Eigen::MatrixXd::Zero(m, m);
          for (Eigen::Index o = 0; o < m; ++o)
            for (Eigen::Index slot = 0; slot < m; ++slot)
              for (Eigen::Index r = 0; r < n; ++r) ocost(o, slot) += error(r, o, r, slot);
          permute(b, lv, identity(std::size_t(n)), positions_by_cost(ocost));
        }
        error_after += stuck_error(lv, stuck, lay, true);
      }
      for (std::size_t r = 0; r < b.inputs.size(); ++r) rows_moved += b.inputs[r] != before_in[r];
      for (std::size_t o = 0; o < b.outputs.size(); ++o)
        outputs_moved += b.outputs[o] != before_out[o];
    }
  }
  j["rows_moved"] = rows_moved;
  j["outputs_moved"] = outputs_moved;
  if (e.fault_aware) {
    j["stuck_error_lsb_before"] = error_before;
    j["stuck_error_lsb_after"] = error_after;
  }
  if (stats) *stats = j;
  return p;
}

}  // namespace xbar::flow
