// IR drop: the exact nodal solver and the first-order approximation against ngspice on large
// crossbars. Per size: factorisation + transfer-matrix time, ngspice's solve time for one read,
// their agreement, the per-read cost against the ideal matrix-vector product, and the error of the
// approximation (and of ignoring IR drop) against the exact solve.
//   build/bench/bench_irdrop [SIZE ...] [--no-spice]      (default sizes 64 128)
// Conductances uniform between 1/200k and 1/20k S, wire segments 2.5 ohm, source and sink 10 ohm,
// half of the rows driven at 0.5 V.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "models/irdrop.hpp"
#include "tools/spice/ngspice.hpp"
#include "workloads/rng.hpp"

using Clock = std::chrono::steady_clock;
namespace m = xbar::models;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double max_rel(const Eigen::VectorXd& a, const Eigen::VectorXd& ref) {
  return (a - ref).cwiseAbs().maxCoeff() / ref.cwiseAbs().maxCoeff();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes;
  bool spice = true;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--no-spice"))
      spice = false;
    else
      sizes.push_back(std::atoi(argv[i]));
  }
  if (sizes.empty()) sizes = {64, 128};
  const m::WireResistances w{2.5, 2.5, 10, 10};
  std::printf("wires: segment %.1f ohm, source %.0f ohm, sink %.0f ohm; G in [1/200k, 1/20k] S\n",
              w.wordline_segment_ohm, w.source_ohm, w.sink_ohm);
  std::printf("%6s %12s %12s %12s %12s %12s %12s %12s %12s\n", "size", "factor+T s", "1st-order s",
              "ngspice s", "exact/spice", "read T.V us", "ideal G'V us", "no-IR err",
              "1st-ord err");
  for (int n : sizes) {
    xbar::workloads::Rng rng{static_cast<std::uint64_t>(n)};
    Eigen::MatrixXd g(n, n);
    for (Eigen::Index i = 0; i < g.size(); ++i)
      g.data()[i] = 1 / 200e3 + (1 / 20e3 - 1 / 200e3) * rng.uniform();
    Eigen::VectorXd v = Eigen::VectorXd::Zero(n);
    for (int i = 0; i < n; i += 2) v[i] = 0.5;

    auto t0 = Clock::now();
    const Eigen::MatrixXd t = m::irdrop_transfer_exact(g, w);
    const double factor_s = seconds_since(t0);
    t0 = Clock::now();
    const Eigen::MatrixXd t1 = m::irdrop_transfer_first_order(g, w);
    const double approx_s = seconds_since(t0);

    // Per read: T V against the ideal G^T V, both dense products of the same shape.
    const Eigen::MatrixXd gt = g.transpose();
    Eigen::VectorXd out(n);
    const int reads = 20000;
    double sink = 0;
    t0 = Clock::now();
    for (int r = 0; r < reads; ++r) {
      v[r % n] += 1e-9;
      out.noalias() = t * v;
      sink += out[0];
    }
    const double read_us = seconds_since(t0) / reads * 1e6;
    t0 = Clock::now();
    for (int r = 0; r < reads; ++r) {
      v[r % n] += 1e-9;
      out.noalias() = gt * v;
      sink += out[0];
    }
    const double ideal_us = seconds_since(t0) / reads * 1e6;
    for (int i = 0; i < n; ++i) v[i] = i % 2 == 0 ? 0.5 : 0.0;

    const Eigen::VectorXd exact = t * v;
    const double no_ir = max_rel(gt * v, exact), first = max_rel(t1 * v, exact);
    double spice_s = -1, agree = -1;
    if (spice) {
      const auto dir = std::filesystem::temp_directory_path() / "xbarsim-bench-irdrop";
      std::filesystem::create_directories(dir);
      const auto r = xbar::spice::run_ngspice(m::irdrop_spice_netlist(g, w, v), dir.string(),
                                              "crossbar" + std::to_string(n));
      spice_s = r.seconds;
      Eigen::VectorXd ref(n);
      for (int j = 0; j < n; ++j) ref[j] = r.values.at(std::size_t(j)).second / w.sink_ohm;
      agree = max_rel(exact, ref);
      std::filesystem::remove_all(dir);
    }
    std::printf("%6d %12.4f %12.4f %12.2f %12.2e %12.3f %12.3f %12.4f %12.2e%s\n", n, factor_s,
                approx_s, spice_s, agree, read_us, ideal_us, no_ir, first, sink == 0 ? " " : "");
    // All rows driven: the worst case for the approximation.
    const Eigen::VectorXd all = Eigen::VectorXd::Constant(n, 0.5);
    const Eigen::VectorXd ex_all = t * all;
    std::printf("%6s all rows driven: no-IR err %.4f, first-order err %.2e\n", "",
                max_rel(gt * all, ex_all), max_rel(t1 * all, ex_all));
  }
  return 0;
}
