#include "flow/pipeline.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <thread>

#include "arch/inventory.hpp"
#include "compiler/conv_map.hpp"
#include "compiler/map.hpp"
#include "compiler/place.hpp"
#include "compiler/prune.hpp"
#include "compiler/prunix.hpp"
#include "compiler/trannsformer.hpp"
#include "compiler/wct.hpp"
#include "flow/area_report.hpp"
#include "flow/mitigation.hpp"
#include "models/analog.hpp"
#include "sim/chip.hpp"
#include "sim/energy.hpp"
#include "workloads/conv.hpp"
#include "workloads/model_io.hpp"
#include "workloads/snn.hpp"
#include "workloads/trainer.hpp"

namespace fs = std::filesystem;
namespace wl = xbar::workloads;

namespace xbar::flow {

namespace {

wl::TrainConfig train_config(const Experiment& e) {
  wl::TrainConfig t;
  t.epochs = e.epochs;
  t.batch = e.batch;
  t.optimiser = e.optimiser;
  t.loss = e.loss;
  t.lr = static_cast<float>(e.lr);
  t.momentum = static_cast<float>(e.momentum);
  t.seed = e.train_seed;
  t.threads = e.threads;
  return t;
}

wl::Network obtain_model(const Experiment& e, const wl::DataSplit& data, std::ostream& log) {
  if (fs::exists(fs::path(e.model_dir) / "manifest.yaml")) {
    wl::LoadedModel m = wl::load_model(e.model_dir);
    std::vector<int> sizes = {m.network.input_shape().size()};
    for (const wl::Dense* d : m.network.dense_layers()) sizes.push_back(d->outputs());
    if (sizes != e.layers) {
      throw std::invalid_argument("the model in " + e.model_dir +
                                  " has other layer sizes than workload.layers in " + e.file +
                                  "; delete it or point workload.model elsewhere");
    }
    // A cached CNN needs no workload.net (e.g. one imported from ONNX), but a net asked for
    // must not silently become a cached MLP.
    if (!e.net.empty() && wl::conv_layers(m.network).empty())
      throw std::invalid_argument("the model in " + e.model_dir + " has no conv layer but " +
                                  "workload.net is set in " + e.file +
                                  "; delete it or point workload.model elsewhere");
    log << "model: loaded " << e.model_dir << " (test accuracy " << 100 * m.info.test_accuracy
        << " %)\n";
    return m.network;
  }
  if (e.layers.front() != data.train.features()) {
    throw std::invalid_argument(e.file + ": workload.layers starts with " +
                                std::to_string(e.layers.front()) + " inputs but data set '" +
                                e.dataset + "' has " + std::to_string(data.train.features()) +
                                " features");
  }
  wl::Network net;
  if (!e.net.empty()) {
    // workload.net: a CNN on the data set's image shape; its dense sizes must be workload.layers.
    try {
      net = wl::make_cnn({data.train.channels, data.train.height, data.train.width}, e.net,
                         {.dropout = static_cast<float>(e.dropout)});
    } catch (const std::invalid_argument& err) {
      throw std::invalid_argument(e.file + ": workload.net: " + err.what());
    }
    std::vector<int> sizes = {net.input_shape().size()};
    for (const wl::Dense* d : net.dense_layers()) sizes.push_back(d->outputs());
    if (sizes != e.layers)
      throw std::invalid_argument(e.file +
                                  ": workload.layers must list the input size and the "
                                  "dense layers' outputs of workload.net " +
                                  e.net);
  } else {
    wl::MlpOptions mo;
    mo.dropout = static_cast<float>(e.dropout);
    net = wl::make_mlp(e.layers, mo);
  }
  wl::Rng init(e.train_seed);
  wl::init_weights(net, wl::Init::kHeUniform, 0, init);
  wl::Trainer trainer(train_config(e));
  log << "model: training " << e.dataset << " for " << e.epochs << " epochs (not cached in "
      << e.model_dir << ")\n";
  wl::EpochStats last = trainer.train(net, data.train, &data.test, [&](const wl::EpochStats& s) {
    log << "  epoch " << s.epoch << ": loss " << s.loss << ", test accuracy "
        << 100 * s.test_accuracy << " %, " << s.seconds << " s\n";
    log.flush();
  });
  wl::ModelInfo info;
  info.dataset = e.dataset;
  info.seed = e.train_seed;
  info.epochs = e.epochs;
  info.test_accuracy = last.test_accuracy;
  info.train_accuracy = last.train_accuracy;
  info.training = {{"optimiser", config::to_string(e.optimiser)},
                   {"lr", std::to_string(e.lr)},
                   {"batch", std::to_string(e.batch)},
                   {"loss", config::to_string(e.loss)},
                   {"dropout", std::to_string(e.dropout)}};
  wl::save_model(e.model_dir, net, info);
  log << "model: saved to " << e.model_dir << "\n";
  return net;
}

std::vector<compiler::Mask> masks_of(const wl::Network& net) {
  std::vector<compiler::Mask> masks;
  for (const wl::Dense* d : net.dense_layers()) masks.push_back(compiler::to_mask(d->weights()));
  return masks;
}

nlohmann::json layer_stats_json(const compiler::Placement& p) {
  nlohmann::json layers = nlohmann::json::array();
  for (size_t l = 0; l < p.layers.size(); ++l) {
    const auto& s = p.layers[l].stats;
    layers.push_back({{"layer", l},
                      {"inputs", p.layers[l].inputs},
                      {"outputs", p.layers[l].outputs},
                      {"synapses", s.synapses},
                      {"sparsity", s.sparsity},
                      {"crossbars", s.crossbars},
                      {"utilization", s.utilization},
                      {"clusters", s.clusters},
                      {"unclustered_fraction", s.unclustered_fraction},
                      {"conv_weights", p.layers[l].conv_weights},
                      {"blocks", p.layers[l].blocks.size()}});
  }
  return layers;
}

// `wanted` test images (-1: the experiment's simulate.images, 0: all), evenly spaced over the test
// set (the MNIST test part is ordered by digit).
wl::Dataset test_images(const Experiment& e, const Compiled& c, int wanted) {
  if (wanted < 0) wanted = e.images;
  const int n = wanted > 0 ? std::min(wanted, c.data.test.size()) : c.data.test.size();
  std::vector<int> pick;
  for (int k = 0; k < n; ++k)
    pick.push_back(static_cast<int>(static_cast<long>(k) * c.data.test.size() / n));
  return c.data.test.subset(pick);
}

// What every report starts with: version, experiment, seed, images and accuracies.
nlohmann::json report_head(const Experiment& e, const Compiled& c, int images, int correct) {
  nlohmann::json j;
  j["version"] = XBARSIM_VERSION;
  j["experiment"] = e.name;
  j["seed"] = e.seed;
  j["images"] = images;
  j["accuracy"] = static_cast<double>(correct) / images;
  j["ann_accuracy"] = c.ann_accuracy;
  return j;
}

}  // namespace

Compiled compile(const Experiment& e, std::ostream& log) {
  Compiled c;
  c.data = wl::load_dataset(e.dataset, e.data_dir);
  c.ann = obtain_model(e, c.data, log);
  c.ann_accuracy_before = c.ann.accuracy(c.data.test);
  c.stages = nlohmann::json::array();
  c.stages.push_back({{"stage", "trained"}, {"test_accuracy", c.ann_accuracy_before}});
  const compiler::CrossbarGeometry g = compiler::geometry_for(e.arch);
  std::vector<compiler::LayerMapping> layers;
  const bool cnn = !wl::conv_layers(c.ann).empty();
  if (cnn) {
    // A CNN (model trained by `xbarsim train --net ...` or imported from ONNX, cached in
    // workload.model): the layers of its SNN, conv and pooling kernels replicated over their
    // output positions (compiler/conv_map.hpp). Pruning CNNs is `xbarsim structured`.
    if (e.flow != "dense")
      throw std::invalid_argument(e.file + ": compile.flow " + e.flow +
                                  " is for MLPs; a CNN compiles with flow dense (see xbarsim "
                                  "structured for crossbar-aware pruning of CNNs)");
    const bool multiplexed = e.arch.chip.conv_weights == arch::ConvWeights::TimeMultiplexed;
    layers = compiler::map_cnn(c.ann, g, multiplexed);
    log << "compile: CNN, " << layers.size() << " spiking layers, conv and pooling layers "
        << (multiplexed ? "time-multiplexed (one crossbar per kernel tile, read position by "
                          "position)"
                        : "mapped replicated over their output positions")
        << "\n";
  } else if (e.flow == "dense") {
    auto masks = masks_of(c.ann);
    for (size_t l = 0; l < masks.size(); ++l)
      layers.push_back(compiler::map_dense(static_cast<int>(l), masks[l], g));
  } else if (e.flow == "prune") {
    compiler::PruneOptions po;
    po.sparsity = e.sparsity;
    po.epochs = e.compile_epochs;
    po.retrain = train_config(e);
    po.retrain.seed = e.compile_seed;
    log << "compile: magnitude pruning to " << 100 * e.sparsity << " % over " << e.compile_epochs
        << " epochs\n";
    compiler::prune_and_retrain(c.ann, c.data.train, &c.data.test, po,
                                [&](const compiler::PruneEpoch& p) {
                                  log << "  epoch " << p.epoch << ": sparsity " << 100 * p.sparsity
                                      << " %, test accuracy " << 100 * p.test_accuracy << " %\n";
                                  log.flush();
                                  c.stages.push_back({{"stage", "prune"},
                                                      {"epoch", p.epoch},
                                                      {"sparsity", p.sparsity},
                                                      {"test_accuracy", p.test_accuracy}});
                                });
    auto masks = masks_of(c.ann);
    for (size_t l = 0; l < masks.size(); ++l)
      layers.push_back(compiler::map_compacted(static_cast<int>(l), masks[l], g));
  } else if (e.flow == "prunix") {
    compiler::PrunixOptions po;
    po.sparsity = e.sparsity;
    po.epochs = e.compile_epochs;
    po.group_lasso = static_cast<float>(e.group_lasso);
    po.sawtooth = static_cast<float>(e.sawtooth);
    po.weight_bits = e.arch.crossbar.weight_bits;
    po.retrain = train_config(e);
    po.retrain.seed = e.compile_seed;
    log << "compile: PRUNIX to " << 100 * e.sparsity << " % over " << e.compile_epochs
        << " epochs\n";
    compiler::PrunixResult r =
        compiler::prunix(c.ann, c.data.train, &c.data.test, po, [&](const compiler::PruneEpoch& p) {
          log << "  epoch " << p.epoch << ": sparsity " << 100 * p.sparsity << " %, test accuracy "
              << 100 * p.test_accuracy << " %\n";
          log.flush();
          c.stages.push_back({{"stage", "prunix"},
                              {"epoch", p.epoch},
                              {"sparsity", p.sparsity},
                              {"test_accuracy", p.test_accuracy}});
        });
    log << "compile: APA layer sparsities";
    for (double x : r.layer_sparsity) log << " " << x;
    log << "\n";
    c.stages.push_back({{"stage", "apa"}, {"layer_sparsity", r.layer_sparsity}});
    auto masks = masks_of(c.ann);
    for (size_t l = 0; l < masks.size(); ++l)
      layers.push_back(compiler::map_compacted(static_cast<int>(l), masks[l], g));
  } else {  // trannsformer
    compiler::TrannsformerOptions to;
    to.sparsity = e.sparsity;
    to.epochs = e.compile_epochs;
    to.retrain = train_config(e);
    to.retrain.seed = e.compile_seed;
    compiler::ClusterOptions base;
    base.seed = e.compile_seed;
    to.cluster = compiler::cluster_options_for(e.arch, base);
    to.crossbar_rows = g.rows;
    to.crossbar_outputs = g.outputs_per_crossbar;
    log << "compile: TraNNsformer to " << 100 * e.sparsity << " % sparsity over "
        << e.compile_epochs << " epochs\n";
    compiler::TrannsformerResult r = compiler::trannsformer(
        c.ann, c.data.train, &c.data.test, to, [&](const compiler::TrannsformerEpoch& p) {
          log << "  epoch " << p.epoch << " (" << p.phase << "): sparsity " << 100 * p.sparsity
              << " %, unclustered " << 100 * p.unclustered_fraction << " %, " << p.clusters
              << " clusters, test accuracy " << 100 * p.test_accuracy << " %\n";
          log.flush();
          c.stages.push_back({{"stage", p.phase},
                              {"epoch", p.epoch},
                              {"sparsity", p.sparsity},
                              {"unclustered_fraction", p.unclustered_fraction},
                              {"clusters", p.clusters},
                              {"test_accuracy", p.test_accuracy}});
        });
    auto masks = masks_of(c.ann);
    for (size_t l = 0; l < masks.size(); ++l)
      layers.push_back(compiler::map_clustered(static_cast<int>(l), masks[l], r.clusters[l], g));
  }
  if (e.wct_strength > 0) {
    // Weight-Constrained Training: the mapped structure stays (masks are kept), the weights move
    // toward low conductance.
    log << "compile: Weight-Constrained Training, strength " << e.wct_strength << ", "
        << e.wct_epochs << " epochs\n";
    wl::TrainConfig recipe = train_config(e);
    recipe.seed = e.compile_seed + 1;
    compiler::weight_constrained_training(
        c.ann, c.data.train, &c.data.test, static_cast<float>(e.wct_strength), e.wct_epochs, recipe,
        [&](const compiler::WctEpoch& w) {
          log << "  epoch " << w.epoch << ": mean conductance " << w.mean_relative_conductance
              << " of the window, test accuracy " << 100 * w.test_accuracy << " %\n";
          log.flush();
          c.stages.push_back({{"stage", "wct"},
                              {"epoch", w.epoch},
                              {"mean_relative_conductance", w.mean_relative_conductance},
                              {"test_accuracy", w.test_accuracy}});
        });
  }
  c.ann_accuracy = c.ann.accuracy(c.data.test);
  compiler::PlaceOptions place;
  place.seed = e.compile_seed;
  c.placement = compiler::place(e.arch, std::move(layers), place);
  c.placement.seed = e.compile_seed;
  c.stages.push_back({{"stage", "mapped"},
                      {"flow", e.flow},
                      {"test_accuracy", c.ann_accuracy},
                      {"crossbars", c.placement.crossbars()},
                      {"tiles", c.placement.tiles.size()}});
  return c;
}

wl::GoldenModel program_golden(const Experiment& e, const Compiled& c,
                               const compiler::Placement& placement, bool analog) {
  wl::ConversionConfig cc;
  cc.normalisation = e.normalisation;
  cc.percentile = e.percentile;
  wl::SpikingNetwork snn = wl::to_snn(c.ann, c.data.train, cc);
  wl::SnnConfig sc;
  sc.timesteps = e.timesteps;
  sc.neuron =
      e.arch.neuron.model == arch::NeuronModel::Lif ? wl::NeuronModel::Lif : wl::NeuronModel::If;
  sc.leak = static_cast<float>(1.0 - e.arch.neuron.leak);
  sc.reset =
      e.arch.neuron.reset == arch::ResetMode::Zero ? wl::ResetMode::Zero : wl::ResetMode::Subtract;
  sc.encoding = e.encoding;
  sc.seed = e.seed;
  for (auto& layer : snn.layers) layer.threshold = static_cast<float>(e.arch.neuron.threshold);
  wl::FixedPointConfig fc;
  fc.enabled = true;
  fc.weight_bits = e.arch.crossbar.weight_bits;
  fc.adc_bits = e.arch.adc.bits;
  fc.potential_bits = e.arch.neuron.potential_bits;
  for (const auto& m : placement.layers) {
    wl::LayerPartition part;
    for (const auto& b : m.blocks) part.push_back({b.inputs, b.outputs});
    fc.partitions.push_back(part);
  }
  wl::FixedPointConfig ideal = fc;
  ideal.adc_bits = 0;
  wl::GoldenModel calibration(snn, sc, ideal);
  fc.adc_range = wl::calibrate_adc_range(calibration, c.data.train, e.calibration_images);
  if (!analog || !models::analog_read_enabled(e.arch))
    return wl::GoldenModel(std::move(snn), sc, fc);
  for (const auto& m : placement.layers)
    if (m.conv_weights == "time_multiplexed")
      throw std::invalid_argument(
          e.file +
          ": non-ideal crossbars with time-multiplexed conv weights are not modelled "
          "(the device effects would be drawn per position instead of per array); use "
          "chip.conv_weights: replicated with a non-ideal device");
  // Non-ideal crossbars: the reader is programmed from the quantised layers (the ADC range stays
  // the one calibrated on ideal sums: the chip is calibrated before its devices age or drift).
  const wl::GoldenModel exact(snn, sc, fc);
  fc.analog = models::make_analog_reader(e.arch, exact.quantised(), e.threads, e.fault_aware);
  return wl::GoldenModel(std::move(snn), sc, fc);
}

sim::HardwareNetwork hardware_network(const Experiment& e, const wl::GoldenModel& golden) {
  sim::HardwareNetwork hw;
  hw.timesteps = e.timesteps;
  hw.analog = golden.fixed_config().analog;
  for (const auto& q : golden.quantised()) {
    sim::HardwareLayer l;
    l.levels = q.weights;
    l.adc.step = q.adc_step;
    l.adc.max_code = q.adc_max_code;
    l.adc.bits = q.adc_max_code > 0 ? e.arch.adc.bits : 0;
    l.neuron.threshold = q.threshold;
    l.neuron.potential_min = q.potential_min;
    l.neuron.potential_max = q.potential_max;
    l.neuron.reset_to_zero = e.arch.neuron.reset == arch::ResetMode::Zero;
    l.neuron.leaky = e.arch.neuron.model == arch::NeuronModel::Lif;
    l.neuron.leak_q16 = q.leak_q16;
    hw.layers.push_back(std::move(l));
  }
  return hw;
}

sim::SpikeTrain input_spikes(const Experiment& e, const wl::Dataset& images, int k) {
  wl::Rng rng = wl::Rng::stream(e.seed, static_cast<std::uint64_t>(k));
  return wl::encode(images.images.row(k).data(), images.features(), e.timesteps, e.encoding, rng);
}

nlohmann::json run(const Experiment& e, const Compiled& c, const RunOptions& options,
                   std::ostream& log) {
  const auto t0 = std::chrono::steady_clock::now();
  nlohmann::json mitigations;
  const compiler::Placement placement = programmed_placement(e, c, &mitigations);
  if (!options.placement_file.empty() && !(placement == c.placement))
    compiler::write_placement(placement, options.placement_file);
  wl::GoldenModel golden = program_golden(e, c, placement);
  const sim::HardwareNetwork hw = hardware_network(e, golden);
  const wl::Dataset test = test_images(e, c, options.images);
  const int n = test.size();
  std::vector<sim::SpikeTrain> trains;
  for (int k = 0; k < n; ++k) trains.push_back(input_spikes(e, test, k));
  sim::Chip chip("chip", e.arch, placement, hw);
  chip.enqueue(trains, e.check_golden);
  std::unique_ptr<sim::VcdTrace> vcd;
  if (!options.trace_file.empty()) {
    if (options.trace_image < 0 || options.trace_image >= n)
      throw std::invalid_argument("--trace-image " + std::to_string(options.trace_image) +
                                  " is not one of the " + std::to_string(n) + " images simulated");
    vcd = std::make_unique<sim::VcdTrace>(options.trace_file, e.arch.technology.clock_period_ns(),
                                          options.trace_from, options.trace_to);
    chip.trace(vcd.get(), static_cast<size_t>(options.trace_image), options.trace_layer);
  }
  // A progress line on a terminal: images done, rate, time left; nothing when output is a file.
  if (options.progress) {
    chip.on_image_done([&, start = std::chrono::steady_clock::now()](size_t done) {
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double rate = s > 0 ? done / s : 0;
      log << "\r  simulating: " << done << "/" << n << " images, "
          << static_cast<int>(rate * 10) / 10.0 << " images/s, "
          << static_cast<int>(rate > 0 ? (n - done) / rate : 0) << " s left   ";
      if (static_cast<int>(done) == n) log << "\n";
      log.flush();
    });
  }
  const auto t_sim = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const double sim_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_sim).count();
  const auto& results = chip.results();
  if (static_cast<int>(results.size()) != n)
    throw std::runtime_error("the chip finished " + std::to_string(results.size()) + " of " +
                             std::to_string(n) + " images");

  int correct = 0, golden_correct = 0, mismatched_images = 0;
  std::uint64_t cycles = 0, worst = 0;
  for (int k = 0; k < n; ++k) {
    const sim::ImageResult& r = results[k];
    int best = 0;  // most spikes; ties: larger potential, then lower index (as the golden model)
    for (int j = 1; j < static_cast<int>(r.output_spike_counts.size()); ++j) {
      if (r.output_spike_counts[j] > r.output_spike_counts[best] ||
          (r.output_spike_counts[j] == r.output_spike_counts[best] &&
           r.output_potentials[j] > r.output_potentials[best]))
        best = j;
    }
    correct += best == test.labels[k];
    cycles += r.cycles;
    worst = std::max(worst, r.cycles);
    if (e.check_golden) {
      wl::SpikeTrace trace;
      wl::GoldenResult g = golden.run(trains[k], &trace, static_cast<std::uint64_t>(k));
      golden_correct += g.predicted == test.labels[k];
      bool same = g.predicted == best;
      for (size_t l = 0; l < r.trace.size() && same; ++l)
        for (int t = 0; t < e.timesteps && same; ++t)
          same = trace.layers[l + 1][t] == r.trace[l][t];
      mismatched_images += !same;
    }
  }
  // Cost: the inventory of the chip as placed, the energy of what it did.
  arch::ArchSpec placed = e.arch;
  placed.chip.tiles = static_cast<int>(c.placement.tiles.size());
  const arch::Inventory inv = arch::build_inventory(placed);
  const sim::ChipStats stats = chip.stats();
  const sim::EnergyReport energy = sim::account_energy(chip.activity(), inv, placed, stats.cycles,
                                                       c.placement.crossbar.columns_per_output);
  const double period_ns = e.arch.technology.clock_period_ns();
  const double cycles_per_image = static_cast<double>(cycles) / n;

  nlohmann::json j = report_head(e, c, n, correct);
  j["ann_accuracy_before_compile"] = c.ann_accuracy_before;
  if (e.check_golden) {
    j["golden"] = {{"accuracy", static_cast<double>(golden_correct) / n},
                   {"images_with_spike_mismatch", mismatched_images},
                   {"spike_exact", mismatched_images == 0}};
  }
  j["latency"] = {{"cycles_per_image", cycles_per_image},
                  {"worst_cycles", worst},
                  {"ns_per_image", cycles_per_image * period_ns},
                  {"images_per_s", 1e9 / (cycles_per_image * period_ns)}};
  j["energy"] = energy.to_json(n);
  j["energy"]["per_image_pj"] = energy.total_pj() / n;
  j["area"] = area_json(inv);
  j["area"]["chip_mm2"] = inv.chip.area_mm2;
  j["mapping"] = {{"flow", e.flow},
                  {"crossbars", c.placement.crossbars()},
                  {"tiles", c.placement.tiles.size()},
                  {"grid", {c.placement.grid_rows, c.placement.grid_columns}},
                  {"layers", layer_stats_json(c.placement)},
                  {"stages", c.stages},
                  {"mitigations", mitigations}};
  const auto& ns = chip.noc().stats();
  j["noc"] = {{"impl", e.arch.noc.impl},
              {"packets", ns.packets},
              {"flits", ns.flits},
              {"flit_hops", ns.flit_hops},
              {"average_latency_cycles", ns.average_latency_cycles()},
              {"worst_latency_cycles", ns.max_latency_cycles},
              {"local_packets", stats.packets_local}};
  j["activity"] = {{"crossbar_reads", stats.crossbar_reads},
                   {"row_activations", stats.row_activations},
                   {"adc_conversions", stats.adc_conversions},
                   {"adc_saturations", stats.adc_saturations},
                   {"neuron_updates", stats.neuron_updates},
                   {"spikes", stats.spikes},
                   {"potential_saturations", stats.potential_saturations}};
  j["simulation"] = {{"wall_seconds", sim_s},
                     {"total_seconds",
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()},
                     {"cycles_per_second", sim_s > 0 ? stats.cycles / sim_s : 0.0}};
  j["config"] = config::to_yaml(e.resolved);
  log << "run: " << n << " images, accuracy " << 100.0 * correct / n << " %";
  if (e.check_golden)
    log << " (golden " << 100.0 * golden_correct / n << " %, " << mismatched_images
        << " images differ)";
  log << "\n";
  return j;
}

void save_compiled(const Experiment& e, const Compiled& c, const std::string& dir) {
  fs::create_directories(dir);
  compiler::write_placement(c.placement, (fs::path(dir) / "placement.json").string());
  wl::ModelInfo info;
  info.dataset = e.dataset;
  info.seed = e.compile_seed;
  info.epochs = e.compile_epochs;
  info.test_accuracy = c.ann_accuracy;
  info.training = {{"flow", e.flow}, {"experiment", e.file}};
  wl::save_model(fs::path(dir) / "model", c.ann, info);
}

Compiled load_compiled(const Experiment& e, const std::string& dir, std::ostream& log) {
  const fs::path d(dir);
  const fs::path placement = d / "placement.json", model = d / "model" / "manifest.yaml";
  if (!fs::exists(placement) || !fs::exists(model))
    throw std::invalid_argument(dir + ": not a compiled network (expected placement.json and " +
                                "model/manifest.yaml, as xbarsim compile or run write them)");
  Compiled c;
  c.placement = compiler::read_placement(placement.string());
  // The placement fixes the crossbar geometry and the tiles: the chip must be the same there (its
  // devices, ADC resolution, NoC and the rest may differ).
  const compiler::CrossbarGeometry g = compiler::geometry_for(e.arch);
  auto mismatch = [&](const std::string& what) {
    return std::invalid_argument(placement.string() + " was compiled for another " + what +
                                 " than the arch of " + e.file + "; compile it again");
  };
  if (c.placement.crossbars_per_core != e.arch.core.crossbars) throw mismatch("core");
  if (c.placement.neurons_per_tile != e.arch.tile.neurons) throw mismatch("tile");
  if (!(c.placement.crossbar == g))
    throw mismatch("crossbar geometry (rows, columns, encoding, bits)");
  const std::string conv = e.arch.chip.conv_weights == arch::ConvWeights::TimeMultiplexed
                               ? "time_multiplexed"
                               : "replicated";
  for (const auto& m : c.placement.layers)
    if (!m.conv_weights.empty() && m.conv_weights != conv)
      throw mismatch("mapping of conv weights (chip.conv_weights: " + m.conv_weights + ")");
  c.data = wl::load_dataset(e.dataset, e.data_dir);
  wl::LoadedModel m = wl::load_model(d / "model");
  c.ann = std::move(m.network);
  std::vector<int> sizes = {c.ann.input_shape().size()};
  for (const wl::Dense* dl : c.ann.dense_layers()) sizes.push_back(dl->outputs());
  if (sizes != e.layers)
    throw std::invalid_argument(dir +
                                ": the compiled network has other layer sizes than "
                                "workload.layers in " +
                                e.file);
  c.ann_accuracy = c.ann.accuracy(c.data.test);
  c.ann_accuracy_before = c.ann_accuracy;
  c.stages = nlohmann::json::array();
  if (std::ifstream in(d / "compile.json"); in) {
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_object()) {
      c.ann_accuracy_before = j.value("ann_accuracy_before", c.ann_accuracy);
      if (j.contains("stages")) c.stages = j["stages"];
    }
  }
  log << "compiled: loaded " << dir << " (" << c.placement.crossbars() << " crossbars, ANN test "
      << "accuracy " << 100 * c.ann_accuracy << " %)\n";
  return c;
}

nlohmann::json evaluate(const Experiment& e, const Compiled& c, int images, std::ostream& log) {
  const auto t0 = std::chrono::steady_clock::now();
  nlohmann::json mitigations;
  const compiler::Placement placement = programmed_placement(e, c, &mitigations);
  const wl::GoldenModel golden = program_golden(e, c, placement);
  const wl::Dataset test = test_images(e, c, images);
  const int n = test.size();
  // Images are independent (their spikes and read noise are keyed by the image's index), and
  // wl::evaluate encodes image k as input_spikes(e, test, k) does.
  const int threads = e.threads > 0
                          ? e.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const wl::SnnEvaluation r = wl::evaluate(golden, test, n, threads);
  const int correct = static_cast<int>(std::lround(r.accuracy * n));
  nlohmann::json j = report_head(e, c, n, correct);
  j["engine"] = "golden";
  j["nonideal"] = models::analog_read_enabled(e.arch);
  j["mapping"] = {{"flow", e.flow},
                  {"crossbars", c.placement.crossbars()},
                  {"tiles", c.placement.tiles.size()},
                  {"mitigations", mitigations}};
  j["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  j["config"] = config::to_yaml(e.resolved);
  log << "accuracy: " << n << " images, " << 100.0 * correct / n << " % (golden model)\n";
  return j;
}

}  // namespace xbar::flow
