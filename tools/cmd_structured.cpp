// xbarsim structured MODEL: crossbar-aware structured pruning of a trained CNN (or MLP) side by
// side: dense, C/F, XCS, XRS, crossbar-grain with and without input feature-map reordering,
// column-grain with output recombination, and TraNNsformer on the fully connected layers. For
// each: crossbars (replicated conv mapping), area, weight sparsity, ANN and SNN accuracy.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "arch/arch_spec.hpp"
#include "arch/component_library.hpp"
#include "arch/inventory.hpp"
#include "compiler/cluster.hpp"
#include "compiler/map.hpp"
#include "compiler/structured.hpp"
#include "compiler/place.hpp"
#include "compiler/trannsformer.hpp"
#include "flow/compile.hpp"
#include "tools/commands.hpp"
#include "workloads/blas.hpp"
#include "workloads/conv.hpp"
#include "workloads/golden.hpp"
#include "workloads/model_io.hpp"
#include "workloads/snn.hpp"

namespace xbar::tools {

namespace {

namespace wl = xbar::workloads;
namespace cc = xbar::compiler;

struct StructuredArgs {
  std::string model;
  std::string arch = "configs/arch/resparc-64.yaml";
  std::vector<std::string> sets;
  std::string dataset, data_dir;
  std::string methods = "dense,cf,xcs,xrs,crossbar,crossbar-reorder,column,trannsformer";
  double keep = 0.4;
  double cf_keep = 0.6;
  int epochs = 6;
  float lasso = 5e-4f;
  float lr = 5e-4f;
  double tf_sparsity = 0.8;
  int train_subset = 0;
  int snn_images = 200;
  int timesteps = 64;
  int norm_samples = 1000;
  std::uint64_t seed = 1;
  int threads = 0;
  std::string out;
};

struct Row {
  std::string method;
  int crossbars = 0, kernel_copies = 0;
  double area_mm2 = 0, sparsity = 0, ann = 0, snn = -1, seconds = 0;
  std::vector<int> per_layer;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> v;
  std::stringstream ss(s);
  std::string t;
  while (std::getline(ss, t, ','))
    if (!t.empty()) v.push_back(t);
  return v;
}

// Evenly spaced test images (the MNIST test split is ordered by digit).
wl::Dataset spaced(const wl::Dataset& d, int n) {
  if (n <= 0 || n >= d.size()) return d;
  std::vector<int> idx;
  for (int k = 0; k < n; ++k) idx.push_back(int(static_cast<long long>(k) * d.size() / n));
  return d.subset(idx);
}

int run_structured(const StructuredArgs& a) {
  const int threads =
      a.threads > 0 ? a.threads : int(std::max(1u, std::thread::hardware_concurrency()));
  wl::set_gemm_threads(threads);
  const arch::ArchSpec arch = arch::load_arch(a.arch, a.sets);
  const cc::CrossbarGeometry g = cc::geometry_for(arch);
  wl::LoadedModel m = wl::load_model(a.model);
  const std::string ds = a.dataset.empty() ? m.info.dataset : a.dataset;
  if (ds.empty())
    throw std::invalid_argument(a.model + "/manifest.yaml names no data set; give --dataset");
  wl::DataSplit data = wl::load_dataset(ds, a.data_dir);
  if (data.train.features() != m.network.input_shape().size())
    throw std::invalid_argument("data set '" + ds + "' does not fit the model in " + a.model);
  wl::Dataset train = data.train;
  if (a.train_subset > 0 && a.train_subset < train.size()) {
    // Every k-th sample, so all classes stay represented.
    std::vector<int> idx;
    for (int k = 0; k < a.train_subset; ++k)
      idx.push_back(int(static_cast<long long>(k) * train.size() / a.train_subset));
    train = train.subset(idx);
  }
  const wl::Dataset snn_test = spaced(data.test, a.snn_images);
  std::printf(
      "structured: %s on %s (%d retraining samples, %d test), arch %s: crossbar %d x %d, "
      "%d rows x %d weights per crossbar; area: the network placed on whole tiles\n",
      a.model.c_str(), ds.c_str(), train.size(), data.test.size(), arch.name.c_str(),
      arch.crossbar.rows, arch.crossbar.columns, g.rows, g.outputs_per_crossbar);
  std::printf(
      "budget: keep %.2f of the groups per pruned layer (C/F: %.2f of the filters), %d "
      "epochs, Adam lr %g; TraNNsformer: sparsity %.2f on the dense layers; SNN: %d "
      "images, T = %d, Poisson, IF, reset by subtraction\n",
      a.keep, a.cf_keep, a.epochs, double(a.lr), a.tf_sparsity, snn_test.size(), a.timesteps);
  std::fflush(stdout);

  wl::TrainConfig retrain;
  retrain.lr = a.lr;
  retrain.batch = 100;
  retrain.seed = a.seed;
  retrain.threads = threads;

  std::vector<Row> rows;
  for (const std::string& name : split(a.methods)) {
    const auto t0 = std::chrono::steady_clock::now();
    wl::Network net = m.network;
    std::vector<cc::KernelTiling> tilings;
    std::vector<std::vector<cc::Cluster>> clusters;  // TraNNsformer: per dense layer
    auto log_epoch = [&](int e, double sparsity, double acc) {
      std::printf("  %-16s epoch %d: sparsity %.3f, test accuracy %.2f %%\n", name.c_str(), e,
                  sparsity, 100 * acc);
      std::fflush(stdout);
    };
    if (name == "trannsformer") {
      cc::TrannsformerOptions to;
      to.sparsity = a.tf_sparsity;
      to.epochs = a.epochs;
      to.retrain = retrain;
      to.cluster = cc::cluster_options_for(arch);
      to.crossbar_rows = g.rows;
      to.crossbar_outputs = g.outputs_per_crossbar;
      cc::TrannsformerResult r = cc::trannsformer(
          net, train, &data.test, to,
          [&](const cc::TrannsformerEpoch& e) { log_epoch(e.epoch, e.sparsity, e.test_accuracy); });
      clusters = r.clusters;
      tilings = cc::dense_tilings(net, g);
    } else {
      cc::StructuredOptions so;
      so.method = cc::parse_structured_method(name);
      so.keep = so.method == cc::StructuredMethod::ChannelFilter ? a.cf_keep : a.keep;
      so.epochs = a.epochs;
      so.lasso = a.lasso;
      so.retrain = retrain;
      cc::StructuredResult r = cc::structured_prune(
          net, train, &data.test, g, so,
          [&](const cc::StructuredEpoch& e) { log_epoch(e.epoch, e.sparsity, e.test_accuracy); });
      tilings = r.tilings;
    }
    Row row;
    row.method = name;
    row.ann = net.accuracy(data.test);
    row.sparsity = cc::structured_sparsity(net);
    wl::ConversionConfig conv;
    conv.samples = a.norm_samples;
    const wl::SpikingNetwork snn = wl::to_snn(net, train, conv);
    std::size_t dense_k = 0;
    std::vector<cc::LayerMapping> mappings;
    for (std::size_t l = 0; l < snn.layers.size(); ++l) {
      const wl::SpikingLayer& sl = snn.layers[l];
      const cc::Mask mask = cc::to_mask(sl.weights);
      int n = 0;
      if (!clusters.empty() && sl.structure.kind == wl::LayerStructure::Kind::kDense) {
        mappings.push_back(cc::map_clustered(int(l), mask, clusters[dense_k], g));
        n = mappings.back().stats.crossbars;
        row.kernel_copies += n;
      } else {
        cc::StructuredLayerMapping sm = cc::map_structured(int(l), sl.structure, mask, tilings[l], g);
        n = sm.mapping.stats.crossbars;
        row.kernel_copies += sm.kernel_copies;
        mappings.push_back(std::move(sm.mapping));
      }
      if (sl.structure.kind == wl::LayerStructure::Kind::kDense) ++dense_k;
      row.per_layer.push_back(n);
      row.crossbars += n;
    }
    // The chip's area as a run reports it: the network placed on whole tiles.
    cc::PlaceOptions place;
    place.seed = a.seed;
    row.area_mm2 =
        flow::placed_inventory(arch, cc::place(arch, std::move(mappings), place)).chip.area_mm2;
    if (a.snn_images > 0) {
      wl::SnnConfig sc;
      sc.timesteps = a.timesteps;
      sc.seed = a.seed;
      const wl::GoldenModel golden(snn, sc);
      row.snn = wl::evaluate(golden, snn_test, 0, threads).accuracy;
    }
    row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("  %-16s crossbars %d (", name.c_str(), row.crossbars);
    for (std::size_t l = 0; l < row.per_layer.size(); ++l)
      std::printf("%s%d", l ? " + " : "", row.per_layer[l]);
    char snn_text[32] = "not run";
    if (row.snn >= 0) std::snprintf(snn_text, sizeof snn_text, "%.2f %%", 100 * row.snn);
    std::printf(
        "), %d kernel tiles (crossbars with chip.conv_weights: time_multiplexed); ANN %.2f "
        "%%, SNN %s, %.0f s\n",
        row.kernel_copies, 100 * row.ann, snn_text, row.seconds);
    std::fflush(stdout);
    rows.push_back(row);
  }

  const Row* dense = nullptr;
  for (const Row& r : rows)
    if (r.method == "dense") dense = &r;
  std::ostringstream t;
  t << "| method | crossbars | vs dense | area mm² | weight sparsity | ANN acc % | SNN acc % |\n"
    << "|---|---:|---:|---:|---:|---:|---:|\n";
  for (const Row& r : rows) {
    char vs[32] = "—", snn[32] = "—", b[256];
    if (dense && r.method != "dense")
      std::snprintf(vs, sizeof vs, "%+.1f %%",
                    100.0 * (r.crossbars - dense->crossbars) / dense->crossbars);
    if (r.snn >= 0) std::snprintf(snn, sizeof snn, "%.2f", 100 * r.snn);
    std::snprintf(b, sizeof b, "| %s | %d | %s | %.3f | %.3f | %.2f | %s |\n", r.method.c_str(),
                  r.crossbars, vs, r.area_mm2, r.sparsity, 100 * r.ann, snn);
    t << b;
  }
  std::printf("\n%s", t.str().c_str());
  if (!a.out.empty()) {
    std::ofstream f(a.out);
    f << t.str();
    if (!f) throw std::runtime_error(a.out + ": write failed");
    std::printf("table written to %s\n", a.out.c_str());
  }
  return 0;
}

}  // namespace

static void add_structured_commands(CLI::App& app, int& status) {
  auto a = std::make_shared<StructuredArgs>();
  CLI::App* cmd = app.add_subcommand(
      "structured",
      "compare crossbar-aware structured pruning of a trained CNN: dense, C/F, XCS, XRS, "
      "crossbar-grain (with/without feature-map reordering), column-grain, TraNNsformer on the "
      "FC layers");
  cmd->add_option("model", a->model, "trained model directory (xbarsim train --net ...)")
      ->required();
  cmd->add_option("--arch", a->arch, "arch file: crossbar geometry and area")
      ->capture_default_str();
  cmd->add_option("--set", a->sets, "arch override KEY=VALUE, e.g. crossbar.rows=128");
  cmd->add_option("--dataset", a->dataset, "data set (default: the model's)");
  cmd->add_option("--data-dir", a->data_dir, "data directory (as for xbarsim train)");
  cmd->add_option("--methods", a->methods, "comma-separated methods")->capture_default_str();
  cmd->add_option("--keep", a->keep, "fraction of groups kept per pruned layer")
      ->capture_default_str();
  cmd->add_option("--cf-keep", a->cf_keep, "C/F: fraction of filters kept")->capture_default_str();
  cmd->add_option("--epochs", a->epochs, "pruning + retraining epochs per method")
      ->capture_default_str();
  cmd->add_option("--lasso", a->lasso, "group-lasso strength (C/F, XCS, XRS)")
      ->capture_default_str();
  cmd->add_option("--lr", a->lr, "Adam learning rate of the retraining")->capture_default_str();
  cmd->add_option("--tf-sparsity", a->tf_sparsity, "TraNNsformer: weight sparsity of the FC layers")
      ->capture_default_str();
  cmd->add_option("--train-subset", a->train_subset,
                  "retrain on every k-th training sample, this many (0 = all)")
      ->capture_default_str();
  cmd->add_option("--snn-images", a->snn_images, "test images for the SNN accuracy (0 = skip)")
      ->capture_default_str();
  cmd->add_option("-T,--timesteps", a->timesteps, "SNN timesteps")->capture_default_str();
  cmd->add_option("--norm-samples", a->norm_samples,
                  "training samples for the SNN's data-based normalisation")
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "retraining and Poisson seed")->capture_default_str();
  cmd->add_option("--threads", a->threads, "threads (0 = all)");
  cmd->add_option("--out", a->out, "write the markdown table to this file");
  cmd->callback([&status, a] { status = guarded([&] { return run_structured(*a); }); });
}

XBAR_REGISTER_COMMANDS(35, add_structured_commands);

}  // namespace xbar::tools
