#include "flow/experiment.hpp"

#include "arch/inventory.hpp"
#include "config/schema.hpp"
#include "workloads/dataset.hpp"

namespace xbar::flow {

using config::ConfigNode;
using config::KeySpec;
using config::SectionSpec;
using config::ValueType;

namespace {

KeySpec integer(std::string name, double min, double max, std::string doc) {
  KeySpec k(std::move(name), ValueType::Int, std::move(doc));
  k.min = min;
  k.max = max;
  return k;
}
KeySpec number(std::string name, double min, double max, std::string doc) {
  KeySpec k(std::move(name), ValueType::Float, std::move(doc));
  k.min = min;
  k.max = max;
  return k;
}
KeySpec choice(std::string name, std::vector<std::string> choices, std::string doc) {
  KeySpec k(std::move(name), ValueType::Enum, std::move(doc));
  k.choices = std::move(choices);
  return k;
}
KeySpec only(KeySpec k, std::vector<std::string> for_) {
  k.only_for = std::move(for_);
  return k;
}
KeySpec optional(KeySpec k) {
  k.required = false;
  return k;
}

std::vector<SectionSpec> sections() {
  KeySpec layers("layers", ValueType::Points,
                 "neurons per layer, inputs first: [784, 500, 500, 10]");
  KeySpec data_dir("data_dir", ValueType::String,
                   "where the data set lives (default: its usual place)");
  data_dir.required = false;
  // A CNN (workloads/conv.hpp make_cnn): `layers` then lists the input size and the dense layers'
  // outputs, as a cached model is checked against them.
  KeySpec net("net", ValueType::String,
              "a CNN instead of an MLP, e.g. 12c5-2s-64c5-2s-1200-1200-10 (layers: input size and "
              "the dense layers' outputs, [784, 1200, 1200, 10])");
  net.required = false;
  KeySpec images("images", ValueType::IntOrAuto,
                 "test images to simulate (auto: the whole test set)");
  images.min = 1;
  return {
      SectionSpec(
          "workload", "the data set and the network", "", {},
          {choice("dataset", workloads::dataset_names(), "data set"), data_dir, layers, net,
           KeySpec(
               "model", ValueType::String,
               "directory of the trained model: loaded if present, else trained and saved there")}),
      SectionSpec(
          "train", "the training recipe (used when the model is not cached)", "", {},
          {choice("optimizer", {"sgd", "adam"}, "optimiser"),
           choice("loss", {"cross-entropy", "mse"}, "loss"), integer("epochs", 1, 10000, "epochs"),
           integer("batch", 1, 1 << 20, "mini-batch size"),
           number("lr", 1e-9, 100, "learning rate"),
           number("momentum", 0, 1, "SGD momentum / Adam beta1"),
           number("dropout", 0, 0.99, "dropout after each hidden layer"),
           integer("seed", 0, 1e15, "initialisation, shuffling and dropout seed")}),
      SectionSpec("snn", "ANN to SNN conversion and input coding", "", {},
                  {integer("timesteps", 1, 100000, "timesteps per image"),
                   choice("encoding", {"poisson", "deterministic"}, "rate coding of the inputs"),
                   choice("normalization", {"max", "percentile"},
                          "data-based weight normalisation (Diehl et al. 2015)"),
                   number("percentile", 50, 100,
                          "percentile of the activations for normalization: percentile"),
                   integer("calibration_images", 1, 100000,
                           "training images that calibrate the ADC range")}),
      SectionSpec(
          "compile", "how the network is mapped onto crossbars", "flow",
          {{"dense", "every weight, dense tiling (the original network)"},
           {"prune",
            "magnitude pruning with retraining, then compacted tiling (the pruning baseline)"},
           {"trannsformer", "prune, cluster and retrain (TraNNsformer), then clustered mapping"},
           {"prunix",
            "PRUNIX: per-layer pruning ratios from measured sensitivity (APA) and group sawtooth "
            "regularisation while retraining, then compacted tiling"}},
          {only(number("sparsity", 0, 0.999, "fraction of the weights pruned"),
                {"prune", "trannsformer", "prunix"}),
           only(integer("epochs", 1, 10000, "retraining epochs"),
                {"prune", "trannsformer", "prunix"}),
           only(optional(number("group_lasso", 0, 1,
                                "PRUNIX group sparsity over each input's fan-out (default 2e-5)")),
                {"prunix"}),
           only(optional(number("sawtooth", 0, 1,
                                "PRUNIX pull toward the conductance levels (default 1e-3)")),
                {"prunix"}),
           optional(number("wct_strength", 0, 1,
                           "Weight-Constrained Training after the flow: L1 pull toward low "
                           "conductance (default 0: off)")),
           optional(integer("wct_epochs", 1, 10000,
                            "Weight-Constrained Training epochs (needed with wct_strength)")),
           optional(choice("rearrange", {"none", "columns", "rows", "rows_and_columns"},
                           "IR-drop mitigation when programming: high-current columns next to "
                           "the drivers, high-current rows next to the sinks (default none)")),
           optional(choice("fault_aware", {"true", "false"},
                           "fault-aware mapping: rows and columns assigned around the chip's "
                           "stuck cells, their pair cells compensating (default false)")),
           integer("seed", 0, 1e15, "seed of clustering, retraining and placement")}),
      SectionSpec(
          "simulate", "the cycle-level run", "", {},
          {images, integer("seed", 0, 1e15, "seed of the input spike trains"),
           choice("check_golden", {"true", "false"}, "compare every spike with the golden model"),
           integer("threads", 0, 1024, "threads of the golden model and training (0: all)")}),
  };
}

}  // namespace

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
  SectionSpec top("", "experiment");
  KeySpec version("version", ValueType::Int, "schema version (1)");
  version.min = version.max = 1;
  top.keys = {version, KeySpec("name", ValueType::String, "experiment name")};
  const auto secs = sections();
  std::vector<std::string> valid = {"version", "name", "arch"};
  for (const auto& s : secs) valid.push_back(s.name);
  ConfigNode scalars;
  scalars.kind = ConfigNode::Kind::Map;
  scalars.where = root.where;
  for (const auto& [k, v] : root.entries) {
    if (k == "version" || k == "name") {
      scalars.entries.emplace_back(k, v);
    } else if (std::find(valid.begin(), valid.end(), k) == valid.end()) {
      problems.push_back({v.key_where, k, config::unknown_key_message(k, valid)});
    }
  }
  config::validate_section(scalars, top, "", problems);
  for (const auto& s : secs) {
    const ConfigNode* n = root.find(s.name);
    if (!n) {
      problems.push_back(
          {root.where, s.name, "missing required section '" + s.name + "': " + s.doc});
      continue;
    }
    config::validate_section(*n, s, s.name, problems);
  }
  // workload.layers: a list of at least two positive integers.
  std::vector<int> layers;
  if (const ConfigNode* w = root.find("workload"); w && w->is_map()) {
    if (const ConfigNode* l = w->find("layers"); l && l->kind == ConfigNode::Kind::Sequence) {
      for (const auto& item : l->items) {
        auto v = config::parse_int(item);
        if (!v || *v < 1)
          problems.push_back({item.where, "workload.layers",
                              "layer sizes are positive integers, got " + item.describe()});
        else
          layers.push_back(static_cast<int>(*v));
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
  const ConfigNode& w = *root.find("workload");
  e.dataset = config::read_string(w, "dataset");
  if (w.find("data_dir")) e.data_dir = config::read_string(w, "data_dir");
  if (w.find("net")) e.net = config::read_string(w, "net");
  e.layers = layers;
  e.model_dir = config::read_string(w, "model");
  const ConfigNode& t = *root.find("train");
  e.optimiser = config::read_string(t, "optimizer");
  e.loss = config::read_string(t, "loss");
  e.epochs = static_cast<int>(config::read_int(t, "epochs"));
  e.batch = static_cast<int>(config::read_int(t, "batch"));
  e.lr = config::read_float(t, "lr");
  e.momentum = config::read_float(t, "momentum");
  e.dropout = config::read_float(t, "dropout");
  e.train_seed = static_cast<std::uint64_t>(config::read_int(t, "seed"));
  const ConfigNode& s = *root.find("snn");
  e.timesteps = static_cast<int>(config::read_int(s, "timesteps"));
  e.encoding = config::read_string(s, "encoding");
  e.normalisation = config::read_string(s, "normalization");
  e.percentile = config::read_float(s, "percentile");
  e.calibration_images = static_cast<int>(config::read_int(s, "calibration_images"));
  const ConfigNode& c = *root.find("compile");
  e.flow = config::read_string(c, "flow");
  if (e.flow != "dense") {
    e.sparsity = config::read_float(c, "sparsity");
    e.compile_epochs = static_cast<int>(config::read_int(c, "epochs"));
  }
  e.compile_seed = static_cast<std::uint64_t>(config::read_int(c, "seed"));
  if (c.find("group_lasso")) e.group_lasso = config::read_float(c, "group_lasso");
  if (c.find("sawtooth")) e.sawtooth = config::read_float(c, "sawtooth");
  if (c.find("wct_strength")) e.wct_strength = config::read_float(c, "wct_strength");
  if (c.find("wct_epochs")) e.wct_epochs = static_cast<int>(config::read_int(c, "wct_epochs"));
  if (c.find("rearrange")) e.rearrange = config::read_string(c, "rearrange");
  if (c.find("fault_aware")) e.fault_aware = config::read_string(c, "fault_aware") == "true";
  if (e.wct_strength > 0 && e.wct_epochs == 0)
    config::fail(c.find("wct_strength")->where, "compile.wct_strength",
                 "Weight-Constrained Training needs compile.wct_epochs as well");
  const ConfigNode& m = *root.find("simulate");
  auto images = config::read_int_or_auto(m, "images");
  e.images = images ? static_cast<int>(*images) : 0;
  e.seed = static_cast<std::uint64_t>(config::read_int(m, "seed"));
  e.check_golden = config::read_string(m, "check_golden") == "true";
  e.threads = static_cast<int>(config::read_int(m, "threads"));
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
