#include "flow/experiment.hpp"

#include <array>
#include <filesystem>

#include "arch/inventory.hpp"
#include "config/binding.hpp"
#include "config/files.hpp"
#include "config/schema.hpp"
#include "workloads/dataset.hpp"

namespace fs = std::filesystem;

namespace xbar::flow {

using config::ConfigNode;
using config::EnumName;
using config::KeySpec;
using config::SectionBinding;
using config::SectionSpec;
using config::ValueType;

namespace {
constexpr std::array<EnumName<Rearrange>, 4> kRearranges{{
    {Rearrange::None, "none", "programmed as compiled"},
    {Rearrange::Columns, "columns", "high-current columns next to the drivers"},
    {Rearrange::Rows, "rows", "high-current rows next to the sinks"},
    {Rearrange::RowsAndColumns, "rows_and_columns", "both"},
}};
}  // namespace

std::span<const EnumName<Rearrange>> enum_names(Rearrange) { return kRearranges; }

namespace {

// One binding per section, all filling the one Experiment.
struct ExperimentBindings {
  SectionBinding<Experiment> workload{"workload", "the data set and the network"};
  SectionBinding<Experiment> train{"train",
                                   "the training recipe (used when the model is not cached)"};
  SectionBinding<Experiment> snn{"snn", "ANN to SNN conversion and input coding"};
  SectionBinding<Experiment> compile{"compile", "how the network is mapped onto crossbars"};
  SectionBinding<Experiment> simulate{"simulate", "the cycle-level run"};
  std::vector<SectionSpec> schema;

  ExperimentBindings() {
    KeySpec dataset("dataset", ValueType::Enum, "data set");
    dataset.choices = workloads::dataset_names();
    // workload.layers: a list of at least two positive integers (checked after validation).
    workload.custom(dataset, [](const ConfigNode& n, Experiment& e) { e.dataset = n.scalar; })
        .text("data_dir", &Experiment::data_dir, "where the data set lives")
        .optional()
        .custom(KeySpec("layers", ValueType::Points,
                        "neurons per layer, inputs first: [784, 500, 500, 10]"),
                [](const ConfigNode& n, Experiment& e) {
                  for (const auto& item : n.items)
                    if (auto v = config::parse_int(item)) e.layers.push_back(static_cast<int>(*v));
                })
        // A CNN (workloads/conv.hpp make_cnn): `layers` then lists the input size and the dense
        // layers' outputs, as a cached model is checked against them.
        .text("net", &Experiment::net,
              "a CNN instead of an MLP, e.g. 12c5-2s-64c5-2s-1200-1200-10 (layers: input size and "
              "the dense layers' outputs, [784, 1200, 1200, 10])")
        .optional()
        .text("model", &Experiment::model_dir,
              "directory of the trained model: loaded if present, else trained and saved there");
    train.choice("optimizer", &Experiment::optimiser, "optimiser")
        .choice("loss", &Experiment::loss, "loss")
        .integer("epochs", &Experiment::epochs, 1, 10000, "epochs")
        .integer("batch", &Experiment::batch, 1, 1 << 20, "mini-batch size")
        .number("lr", &Experiment::lr, 1e-9, 100, "learning rate")
        .number("momentum", &Experiment::momentum, 0, 1, "SGD momentum / Adam beta1")
        .number("dropout", &Experiment::dropout, 0, 0.99, "dropout after each hidden layer")
        .integer("seed", &Experiment::train_seed, 0, 1e15,
                 "initialisation, shuffling and dropout seed");
    snn.integer("timesteps", &Experiment::timesteps, 1, 100000, "timesteps per image")
        .choice("encoding", &Experiment::encoding, "rate coding of the inputs")
        .custom(
            [] {
              KeySpec k("normalization", ValueType::Enum,
                        "data-based weight normalisation (Diehl et al. 2015)");
              k.choices = {"max", "percentile"};
              return k;
            }(),
            [](const ConfigNode& n, Experiment& e) {
              e.normalisation = *config::parse_enum<workloads::Normalisation>(n.scalar);
            })
        .number("percentile", &Experiment::percentile, 50, 100,
                "percentile of the activations for normalization: percentile")
        .integer("calibration_images", &Experiment::calibration_images, 1, 100000,
                 "training images that calibrate the ADC range");
    compile.select_implementation("flow", &Experiment::flow, config::implementations("compile"))
        .number("wct_strength", &Experiment::wct_strength, 0, 1,
                "Weight-Constrained Training after the flow: L1 pull toward low conductance (0: "
                "off)")
        .optional()
        .integer("wct_epochs", &Experiment::wct_epochs, 1, 10000,
                 "Weight-Constrained Training epochs (needed with wct_strength)")
        .optional()
        .choice("rearrange", &Experiment::rearrange,
                "IR-drop mitigation when programming: high-current columns next to the drivers, "
                "high-current rows next to the sinks")
        .optional()
        .flag("fault_aware", &Experiment::fault_aware,
              "fault-aware mapping: rows and columns assigned around the chip's stuck cells, "
              "their pair cells compensating")
        .optional()
        .integer("seed", &Experiment::compile_seed, 0, 1e15,
                 "seed of clustering, retraining and placement");
    KeySpec images("images", ValueType::IntOrAuto,
                   "test images to simulate (auto: the whole test set)");
    images.min = 1;
    simulate
        .custom(images,
                [](const ConfigNode& n, Experiment& e) {
                  auto v = config::parse_int(n);
                  e.images = v ? static_cast<int>(*v) : 0;
                })
        .integer("seed", &Experiment::seed, 0, 1e15, "seed of the input spike trains")
        .flag("check_golden", &Experiment::check_golden,
              "compare every spike with the golden model")
        .integer("threads", &Experiment::threads, 0, 1024,
                 "threads of the golden model and training (0: all)")
        .integer("workers", &Experiment::workers, 0, 1024,
                 "processes the images of one run are split over, each simulating its own chip; "
                 "the report is the same for any number (0: one per core; a --trace run uses one)")
        .optional();
    schema = {workload.spec(), train.spec(), snn.spec(), compile.spec(), simulate.spec()};
  }
};

const ExperimentBindings& bindings() {
  static const ExperimentBindings b;
  return b;
}

const std::vector<SectionSpec>& sections() { return bindings().schema; }

}  // namespace

const std::vector<SectionSpec>& experiment_schema() { return sections(); }

ConfigNode merge_experiment(const std::string& path, const std::vector<std::string>& overrides) {
  ConfigNode root = config::parse_yaml_file(path);
  // `--set arch.extends=CHIP.yaml` chooses another chip preset (a path relative to the experiment
  // file, as in it): it must act before the arch section is merged with its preset.
  std::vector<std::string> chip, rest;
  for (const auto& o : overrides) (o.rfind("arch.extends=", 0) == 0 ? chip : rest).push_back(o);
  if (ConfigNode* a = root.is_map() ? root.find("arch") : nullptr) {
    if (a->kind == ConfigNode::Kind::Scalar) {  // arch: path/to/chip.yaml
      ConfigNode as_map;
      as_map.kind = ConfigNode::Kind::Map;
      as_map.where = a->where;
      ConfigNode ext = *a;
      as_map.set("extends", ext);
      *a = as_map;
    }
    config::apply_overrides(root, chip);
    a = root.find("arch");
    *a = config::resolve_extends(*a, path);
  } else {
    rest = overrides;  // validation reports the missing arch section
  }
  config::apply_overrides(root, rest);
  return root;
}

Experiment experiment_from_tree(const ConfigNode& root, const std::string& origin) {
  std::vector<config::Diagnostic> problems;
  if (!root.is_map()) config::fail(root.where, "", "an experiment is a map of sections");
  // An experiment that extends: a file (itself, or another experiment) gave one unknown-key error
  // per section; the one thing to say is that extends: belongs to the chip.
  if (const ConfigNode* ext = root.find("extends"))
    config::fail(ext->key_where, "extends",
                 "an experiment file does not extend another file; a chip preset goes under the "
                 "arch section (arch: {extends: ../arch/resparc-64.yaml})");
  KeySpec version("version", ValueType::Int, "schema version (1)");
  version.min = version.max = 1;
  config::DocumentSpec document{
      {version, KeySpec("name", ValueType::String, "experiment name")}, {}, {"arch"}};
  for (const auto& s : sections()) document.sections.push_back(&s);
  config::validate_document(root, document, problems);
  // workload.layers: a list of at least two positive integers.
  if (const ConfigNode* w = root.find("workload"); w && w->is_map()) {
    if (const ConfigNode* l = w->find("layers"); l && l->kind == ConfigNode::Kind::Sequence) {
      for (const auto& item : l->items) {
        auto v = config::parse_int(item);
        if (!v || *v < 1)
          problems.push_back({item.where, "workload.layers",
                              "layer sizes are positive integers, got " + item.describe()});
      }
      if (l->items.size() < 2)
        problems.push_back(
            {l->where, "workload.layers", "a network needs at least an input and an output layer"});
    }
  }
  // The arch section, validated as an arch file would be (its own locations point into its files).
  arch::ArchSpec spec;
  if (const ConfigNode* a = root.find("arch")) {
    try {
      spec = arch::arch_from_tree(*a, origin);
      // The chip priced by its library now, not after minutes of training and compiling: a library
      // that lacks a component or cannot price the chip's size (e.g. adc.bits) is bad input too.
      arch::build_inventory(spec);
    } catch (const config::ConfigError& e) {
      for (auto d : e.diagnostics()) {
        // Library entries keep their own paths (components.*); the arch's get its section name.
        if (d.path.rfind("components.", 0) != 0) d.path = "arch." + d.path;
        problems.push_back(d);
      }
    }
  } else {
    problems.push_back(
        {root.where, "arch",
         "missing required section 'arch': the chip (e.g. extends: ../arch/resparc-64.yaml)"});
  }
  if (!problems.empty()) throw config::ConfigError(std::move(problems));

  Experiment e;
  e.file = origin;
  e.resolved = root;
  *e.resolved.find("arch") =
      spec.resolved;  // the library by its absolute path: loads from anywhere
  e.arch = std::move(spec);
  e.name = config::read_string(root, "name");
  if (const auto why = config::bad_run_name(e.name))
    config::fail(root.find("name")->where, "name", *why);
  const ExperimentBindings& b = bindings();
  b.workload.read(*root.find("workload"), e);
  // Found now, not after training ten epochs: a model path that names a file.
  if (std::error_code ec; fs::exists(e.model_dir, ec) && !fs::is_directory(e.model_dir, ec))
    config::fail(root.find("workload")->find("model")->where, "workload.model",
                 "'" + e.model_dir + "' is a file, not a model directory");
  b.train.read(*root.find("train"), e);
  b.snn.read(*root.find("snn"), e);
  b.compile.read(*root.find("compile"), e);
  e.compile_settings = *root.find("compile");
  b.simulate.read(*root.find("simulate"), e);
  if (e.wct_strength > 0 && e.wct_epochs == 0)
    config::fail(root.find("compile")->find("wct_strength")->where, "compile.wct_strength",
                 "Weight-Constrained Training needs compile.wct_epochs as well");
  return e;
}

void set_flow(ConfigNode& root, const std::string& flow) {
  ConfigNode* comp = root.find("compile");
  if (!comp || !comp->is_map()) return;      // validation reports the missing section
  if (ConfigNode* f = comp->find("flow")) {  // keeps where the value came from, for messages
    f->kind = ConfigNode::Kind::Scalar;
    f->scalar = flow;
  } else {
    ConfigNode v;
    v.kind = ConfigNode::Kind::Scalar;
    v.scalar = flow;
    comp->set("flow", std::move(v));
  }
  // Keys of another flow go (dense takes no sparsity or epochs, only prunix its strengths).
  for (const SectionSpec& sec : sections())
    if (sec.name == "compile")
      for (const KeySpec& k : sec.keys)
        if (!k.only_for.empty() &&
            std::find(k.only_for.begin(), k.only_for.end(), flow) == k.only_for.end())
          comp->erase(k.name);
}

Experiment load_experiment(const std::string& path, const std::vector<std::string>& overrides) {
  ConfigNode root = merge_experiment(path, overrides);
  // A flow chosen on the command line leaves out the settings of the file's own flow.
  for (const auto& o : overrides)
    if (o.rfind("compile.flow=", 0) == 0) {
      const ConfigNode* f = root.find("compile") ? root.find("compile")->find("flow") : nullptr;
      if (f && f->kind == ConfigNode::Kind::Scalar) set_flow(root, f->scalar);
    }
  return experiment_from_tree(root, path);
}

}  // namespace xbar::flow
