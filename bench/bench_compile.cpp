// Compile-time benchmark (issue 4): the cluster, map and place passes on one 4096 x 4096 layer at
// 90 % sparsity (uniform background plus planted dense blocks), 64 x 64 crossbars (resparc-64).
// Prints wall time per pass and the peak resident set (getrusage ru_maxrss); target: cluster +
// place under 60 s and under 2 GB. Usage: bench_compile [arch.yaml] [--set key=value ...]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "arch/arch_spec.hpp"
#include "compiler/cluster.hpp"
#include "compiler/map.hpp"
#include "compiler/place.hpp"

using namespace xbar;
using Clock = std::chrono::steady_clock;

namespace {

double peak_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// n x n, background density chosen so that the whole layer is ~10 % dense, plus `blocks` planted
// blocks of 48 inputs x 24 outputs at 90 % on scattered indices.
compiler::Mask make_layer(int n, int blocks, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  std::vector<int> perm_in(static_cast<std::size_t>(n)), perm_out(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k)
    perm_in[static_cast<std::size_t>(k)] = perm_out[static_cast<std::size_t>(k)] = k;
  for (std::size_t k = perm_in.size(); k > 1; --k) std::swap(perm_in[k - 1], perm_in[rng() % k]);
  for (std::size_t k = perm_out.size(); k > 1; --k) std::swap(perm_out[k - 1], perm_out[rng() % k]);
  const int bi = 48, bo = 24;
  const double planted = blocks * bi * bo * 0.9;
  const double p = (0.10 * n * n - planted) / (static_cast<double>(n) * n);
  std::vector<Eigen::Triplet<float, int>> entries;
  entries.reserve(static_cast<std::size_t>(0.11 * n * n));
  for (int o = 0; o < n; ++o) {
    for (int i = 0; i < n; ++i) {
      if (uniform() < p) entries.emplace_back(o, i, 1.0f);
    }
  }
  for (int b = 0; b < blocks; ++b) {
    for (int o = 0; o < bo; ++o) {
      for (int i = 0; i < bi; ++i) {
        if (uniform() < 0.9)
          entries.emplace_back(perm_out[static_cast<std::size_t>(b * bo + o)],
                               perm_in[static_cast<std::size_t>(b * bi + i)], 1.0f);
      }
    }
  }
  compiler::Mask m(n, n);
  m.setFromTriplets(entries.begin(), entries.end(), [](float, float) { return 1.0f; });
  return m;
}

}  // namespace

// sc_main: loading an arch takes the network choices from the registered NoC models
// (arch/noc_implementation.hpp), whose library brings SystemC, and SystemC's main calls this.
extern "C" int sc_main(int argc, char** argv) {
  std::string arch_path = std::string(XBARSIM_SOURCE_DIR) + "/configs/arch/resparc-64.yaml";
  std::vector<std::string> overrides;
  for (int k = 1; k < argc; ++k) {
    std::string a = argv[k];
    if (a == "--set" && k + 1 < argc) {
      overrides.push_back(argv[++k]);
    } else {
      arch_path = a;
    }
  }
  arch::ArchSpec spec = arch::load_arch(arch_path, overrides);
  const int n = 4096;
  compiler::Mask mask = make_layer(n, 32, 2017);
  std::printf("layer %d x %d, %lld synapses (sparsity %.4f), arch %s: crossbar %d x %d\n", n, n,
              static_cast<long long>(mask.nonZeros()),
              1.0 - static_cast<double>(mask.nonZeros()) / (double(n) * n), spec.name.c_str(),
              spec.crossbar.rows, spec.crossbar.columns);
  std::printf("setup: peak RSS %.0f MB\n", peak_mb());

  auto t0 = Clock::now();
  compiler::ClusterOptions copt = compiler::cluster_options_for(spec);
  copt.seed = 1;
  std::vector<compiler::Cluster> clusters = compiler::cluster_connectivity(mask, copt);
  double t_cluster = seconds_since(t0);
  long long clustered = 0;
  for (const auto& c : clusters) clustered += c.synapses;
  std::printf("cluster: %.2f s, %zu clusters holding %lld synapses, peak RSS %.0f MB\n", t_cluster,
              clusters.size(), clustered, peak_mb());

  compiler::CrossbarGeometry g = compiler::geometry_for(spec);
  t0 = Clock::now();
  compiler::LayerMapping dense = compiler::map_dense(0, mask, g);
  compiler::LayerMapping compacted = compiler::map_compacted(0, mask, g);
  compiler::LayerMapping mapped = compiler::map_clustered(0, mask, clusters, g);
  double t_map = seconds_since(t0);
  std::printf(
      "map (all three flows): %.2f s; crossbars dense %d, compacted %d, clustered %d (%d cluster + "
      "%d %s cover; "
      "greedy would need %d), utilization %.3f, peak RSS %.0f MB\n",
      t_map, dense.stats.crossbars, compacted.stats.crossbars, mapped.stats.crossbars,
      mapped.stats.cluster_crossbars, mapped.stats.cover_crossbars,
      compiler::to_string(mapped.cover), mapped.stats.greedy_cover_crossbars,
      mapped.stats.utilization, peak_mb());

  t0 = Clock::now();
  compiler::Placement placement = compiler::place(spec, {mapped});
  double t_place = seconds_since(t0);
  std::printf(
      "place: %.2f s, %d tiles on a %d x %d grid, %lld of %lld links between tiles, %lld link "
      "hops, peak RSS %.0f MB\n",
      t_place, placement.stats.tiles_used, placement.grid_rows, placement.grid_columns,
      placement.stats.links_between_tiles, placement.stats.links, placement.stats.link_hops,
      peak_mb());

  t0 = Clock::now();
  std::string path =
      (std::filesystem::temp_directory_path() / "bench_compile_placement.json").string();
  compiler::write_placement(placement, path);
  double t_write = seconds_since(t0);
  std::printf("write Placement JSON: %.2f s, %.1f MB\n", t_write,
              static_cast<double>(std::filesystem::file_size(path)) / 1e6);
  std::filesystem::remove(path);

  const double total = t_cluster + t_place, peak = peak_mb();
  std::printf("cluster + place: %.2f s (target < 60 s), peak RSS %.0f MB (target < 2048 MB): %s\n",
              total, peak, total < 60 && peak < 2048 ? "within target" : "OVER TARGET");
  return total < 60 && peak < 2048 ? 0 : 1;
}
