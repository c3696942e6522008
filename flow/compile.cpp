#include "flow/compile.hpp"

#include <filesystem>
#include <fstream>
#include <ostream>

#include "compiler/place.hpp"
#include "compiler/wct.hpp"
#include "config/files.hpp"
#include "flow/compile_flow.hpp"
#include "workloads/conv.hpp"
#include "workloads/model_io.hpp"
#include "workloads/trainer.hpp"

namespace fs = std::filesystem;
namespace wl = xbar::workloads;

namespace xbar::flow {

namespace {

// A model records the data set it was trained on (manifest.yaml, dataset:); run on another one it
// would score chance, silently. An imported model without a data set is taken as it is.
void check_dataset(const wl::ModelInfo& info, const Experiment& e, const fs::path& model_dir) {
  if (!info.dataset.empty() && info.dataset != e.dataset)
    throw config::InputError((model_dir / "manifest.yaml").string() +
                             ": dataset: the model was "
                             "trained on '" +
                             info.dataset + "' but " + e.file + " runs it on '" + e.dataset +
                             "'; set workload.dataset to match or point workload.model elsewhere");
}

wl::Network obtain_model(const Experiment& e, const wl::DataSplit& data, std::ostream& log) {
  if (fs::exists(fs::path(e.model_dir) / "manifest.yaml")) {
    wl::LoadedModel m = wl::load_model(e.model_dir);
    check_dataset(m.info, e, e.model_dir);
    if (m.network.layer_sizes() != e.layers) {
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
    if (net.layer_sizes() != e.layers)
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

}  // namespace

Compiled compile(const Experiment& e, std::ostream& log) {
  Compiled c;
  c.data = wl::load_dataset(e.dataset, e.data_dir);
  c.ann = obtain_model(e, c.data, log);
  c.ann_accuracy_before = c.ann.accuracy(c.data.test);
  c.stages = nlohmann::json::array();
  c.stages.push_back({{"stage", "trained"}, {"test_accuracy", c.ann_accuracy_before}});
  // The experiment's flow (flow/flows/): prunes and retrains c.ann as it goes, then maps it.
  FlowRun run{e, e.compile_settings, c.ann, c.data, compiler::geometry_for(e.arch), c.stages, log};
  std::vector<compiler::LayerMapping> layers = compile_flows().at(e.flow).entry(run);
  c.retrain_epochs = run.retrain_epochs;
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

void save_compiled(const Experiment& e, const Compiled& c, const std::string& dir) {
  fs::create_directories(dir);
  compiler::write_placement(c.placement, (fs::path(dir) / "placement.json").string());
  wl::ModelInfo info;
  info.dataset = e.dataset;
  info.seed = e.compile_seed;
  info.epochs = c.retrain_epochs;
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
  if (c.placement.neurons_per_tile != e.arch.tile.neurons ||
      c.placement.crossbars_per_tile != e.arch.tile.crossbars(e.arch.core))
    throw mismatch("tile");
  if (!(c.placement.crossbar == g))
    throw mismatch("crossbar geometry (rows, columns, encoding, bits)");
  const std::string conv = e.arch.chip.conv_weights == arch::ConvWeights::TimeMultiplexed
                               ? "time_multiplexed"
                               : "replicated";
  for (const auto& m : c.placement.layers)
    if (!m.conv_weights.empty() && m.conv_weights != conv)
      throw mismatch("mapping of conv weights (chip.conv_weights: " + m.conv_weights + ")");
  wl::LoadedModel m = wl::load_model(d / "model");
  check_dataset(m.info, e, d / "model");
  c.data = wl::load_dataset(e.dataset, e.data_dir);
  c.ann = std::move(m.network);
  if (c.ann.layer_sizes() != e.layers)
    throw std::invalid_argument(dir +
                                ": the compiled network has other layer sizes than "
                                "workload.layers in " +
                                e.file);
  c.ann_accuracy = c.ann.accuracy(c.data.test);
  c.ann_accuracy_before = c.ann_accuracy;
  c.stages = nlohmann::json::array();
  if (fs::is_regular_file(d / "compile.json")) {
    const nlohmann::json j = nlohmann::json::parse(
        config::read_file(d / "compile.json", config::limits::kJsonBytes, "compile.json"), nullptr,
        false);
    if (j.is_object()) {
      c.ann_accuracy_before = j.value("ann_accuracy_before", c.ann_accuracy);
      if (j.contains("stages")) c.stages = j["stages"];
    }
  }
  log << "compiled: loaded " << dir << " (" << c.placement.crossbars() << " crossbars, ANN test "
      << "accuracy " << 100 * c.ann_accuracy << " %)\n";
  return c;
}

arch::Inventory placed_inventory(const arch::ArchSpec& arch, const compiler::Placement& placement) {
  arch::ArchSpec placed = arch;
  placed.chip.tiles = static_cast<int>(placement.tiles.size());
  return arch::build_inventory(placed);
}

}  // namespace xbar::flow
