#include "workloads/model_io.hpp"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "workloads/deep.hpp"
#include "workloads/npy.hpp"

namespace xbar::workloads {

namespace fs = std::filesystem;

namespace {

// Array files are numbered per kind (conv0, conv1, ..., bn0, ...) in Network::all_layers() order.
struct FileCounters {
  int dense = 0, conv = 0, bn = 0;
};

// A float as the shortest text that reads back as the same float ("1e-05", not 9.99999975e-06).
std::string short_float(float v) {
  char b[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(b, sizeof b, "%.*g", digits, double(v));
    if (std::strtof(b, nullptr) == v) break;
  }
  return b;
}

void emit_weighted(YAML::Emitter& y, const fs::path& dir, const WeightedLayer& w,
                   const std::string& stem) {
  write_npy(dir / (stem + ".npy"), w.weights());
  y << YAML::Key << "weights" << YAML::Value << stem + ".npy";
  if (w.has_mask()) {
    write_npy(dir / (stem + "_mask.npy"), w.mask());
    y << YAML::Key << "mask" << YAML::Value << stem + "_mask.npy";
  }
  if (w.has_bias()) {
    write_npy(dir / (stem + "_bias.npy"), Eigen::MatrixXf(w.bias()));
    y << YAML::Key << "bias" << YAML::Value << stem + "_bias.npy";
  }
}

void emit_layers(YAML::Emitter& y, const fs::path& dir, const Network& net, FileCounters& n) {
  y << YAML::BeginSeq;
  for (std::size_t i = 0; i < net.size(); ++i) {
    const Layer& l = net.layer(i);
    if (const auto* r = dynamic_cast<const Residual*>(&l)) {
      // A block map with the two branches as nested layer lists (an empty shortcut = identity).
      y << YAML::BeginMap << YAML::Key << "type" << YAML::Value << l.kind();
      y << YAML::Key << "main" << YAML::Value;
      emit_layers(y, dir, r->main(), n);
      y << YAML::Key << "shortcut" << YAML::Value;
      emit_layers(y, dir, r->shortcut(), n);
      y << YAML::EndMap;
      continue;
    }
    y << YAML::Flow << YAML::BeginMap << YAML::Key << "type" << YAML::Value << l.kind();
    if (const auto* d = dynamic_cast<const Dense*>(&l)) {
      y << YAML::Key << "inputs" << YAML::Value << d->inputs() << YAML::Key << "outputs"
        << YAML::Value << d->outputs();
      emit_weighted(y, dir, *d, "dense" + std::to_string(n.dense++));
    } else if (const auto* dr = dynamic_cast<const Dropout*>(&l)) {
      y << YAML::Key << "rate" << YAML::Value << dr->rate();
    } else if (const auto* c = dynamic_cast<const Conv2d*>(&l)) {
      // Weights are out_channels x (in_channels*k*k), (c, ky, kx) order: PyTorch's
      // conv.weight.reshape(C_out, -1).
      y << YAML::Key << "in_channels" << YAML::Value << c->in_channels() << YAML::Key
        << "out_channels" << YAML::Value << c->out_channels() << YAML::Key << "kernel"
        << YAML::Value << c->kernel() << YAML::Key << "stride" << YAML::Value << c->stride()
        << YAML::Key << "padding" << YAML::Value << c->padding();
      emit_weighted(y, dir, *c, "conv" + std::to_string(n.conv++));
    } else if (const auto* p = dynamic_cast<const Pool2d*>(&l)) {
      y << YAML::Key << "kernel" << YAML::Value << p->kernel() << YAML::Key << "stride"
        << YAML::Value << p->stride();
    } else if (const auto* b = dynamic_cast<const BatchNorm2d*>(&l)) {
      // PyTorch's state-dict names: weight (gamma), bias (beta), running_mean, running_var.
      const std::string stem = "bn" + std::to_string(n.bn++);
      y << YAML::Key << "channels" << YAML::Value << b->channels() << YAML::Key << "eps"
        << YAML::Value << short_float(b->eps()) << YAML::Key << "momentum" << YAML::Value
        << short_float(b->momentum());
      const std::pair<const char*, const Eigen::VectorXf*> arrays[] = {
          {"weight", &b->gamma()},
          {"bias", &b->beta()},
          {"running_mean", &b->running_mean()},
          {"running_var", &b->running_var()}};
      for (const auto& [key, v] : arrays) {
        const std::string file = stem + "_" + key + ".npy";
        write_npy(dir / file, Eigen::MatrixXf(*v));
        y << YAML::Key << key << YAML::Value << file;
      }
    }
    y << YAML::EndMap;
  }
  y << YAML::EndSeq;
}

}  // namespace

namespace {

// The model's files into `dir`, which exists and is empty.
void write_model_files(const fs::path& dir, const Network& net, const ModelInfo& info) {
  YAML::Emitter y;
  y << YAML::BeginMap;
  y << YAML::Key << "format" << YAML::Value << "xbarsim-model";
  y << YAML::Key << "version" << YAML::Value << 1;
  y << YAML::Key << "dataset" << YAML::Value << info.dataset;
  const Shape in = net.input_shape();
  y << YAML::Key << "input" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key
    << "channels" << YAML::Value << in.channels << YAML::Key << "height" << YAML::Value << in.height
    << YAML::Key << "width" << YAML::Value << in.width << YAML::EndMap;
  y << YAML::Key << "layers" << YAML::Value;
  FileCounters counters;
  emit_layers(y, dir, net, counters);
  y << YAML::Key << "seed" << YAML::Value << info.seed;
  y << YAML::Key << "epochs" << YAML::Value << info.epochs;
  y << YAML::Key << "accuracy" << YAML::Value << YAML::BeginMap;
  if (info.test_accuracy >= 0) y << YAML::Key << "test" << YAML::Value << info.test_accuracy;
  if (info.train_accuracy >= 0) y << YAML::Key << "train" << YAML::Value << info.train_accuracy;
  y << YAML::EndMap;
  y << YAML::Key << "training" << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : info.training) y << YAML::Key << k << YAML::Value << v;
  y << YAML::EndMap;
  y << YAML::EndMap;
  std::ofstream out(dir / "manifest.yaml");
  out << "# xbarsim model: weights are outputs x inputs float32 (.npy, C order): y = x @ W.T\n"
      << y.c_str() << "\n";
  if (!out) throw DataError((dir / "manifest.yaml").string() + ": write failed");
}

}  // namespace

void save_model(const fs::path& dir, const Network& net, const ModelInfo& info) {
  // Written whole into a new directory beside `dir`, which then replaces `dir`: a model directory
  // is never half written, never mixes the files of two models, and a failure leaves the old one.
  std::error_code ec;
  const fs::path target = dir.has_filename() ? dir : dir.parent_path();
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  if (ec)
    throw DataError(target.string() + ": cannot create its parent directory: " + ec.message());
  // Only a model directory (or an empty one) is replaced: anything else there is the user's.
  if (fs::is_directory(target, ec) && !fs::is_empty(target, ec) &&
      !fs::exists(target / "manifest.yaml", ec))
    throw DataError(target.string() +
                    ": exists and is not a model directory (no manifest.yaml); not replacing it");
  if (fs::exists(target, ec) && !fs::is_directory(target, ec))
    throw DataError(target.string() + ": exists and is not a directory");
  const std::string suffix = "." + std::to_string(::getpid());
  fs::path tmp = target, old = target;
  tmp += ".new" + suffix;
  old += ".old" + suffix;
  fs::remove_all(tmp, ec);
  fs::create_directory(tmp, ec);
  if (ec) throw DataError(tmp.string() + ": cannot create the model directory: " + ec.message());
  try {
    write_model_files(tmp, net, info);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  const bool had = fs::exists(target, ec);
  if (had) fs::rename(target, old, ec);
  if (ec)
    throw DataError(target.string() + ": cannot replace the model directory: " + ec.message());
  fs::rename(tmp, target, ec);
  if (ec) {
    std::error_code ignore;
    if (had) fs::rename(old, target, ignore);
    throw DataError(target.string() + ": cannot write the model directory: " + ec.message());
  }
  if (had) fs::remove_all(old, ec);
}

namespace {

template <class T>
T get(const YAML::Node& n, const char* key, const std::string& where) {
  if (!n[key]) throw DataError(where + ": missing key '" + key + "'");
  try {
    return n[key].as<T>();
  } catch (const YAML::Exception&) {
    throw DataError(where + ": key '" + key + "' has the wrong type");
  }
}

// An integer key within [lo, hi]: a size that cannot overflow what is computed from it.
int get_int(const YAML::Node& n, const char* key, const std::string& where, int lo, int hi) {
  const auto v = get<long long>(n, key, where);
  if (v < lo || v > hi)
    throw DataError(where + ": key '" + key + "' is " + std::to_string(v) + ", outside [" +
                    std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<int>(v);
}
constexpr int kMaxWidth = 1 << 24;  // neurons of a dense layer, channels or pixels of a dimension

// Appends the layers of the list `layers` to `net`; `prefix` + index names a layer in errors
// ("manifest.yaml: layer 4", "manifest.yaml: layer 4 main 2").
void read_layers(const YAML::Node& layers, const fs::path& dir, const std::string& prefix,
                 Network& net) {
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string lw = prefix + std::to_string(i);
    const YAML::Node l = layers[i];
    const std::string type = get<std::string>(l, "type", lw);
    if (type == "dense") {
      const int n_in = get_int(l, "inputs", lw, 1, kMaxWidth),
                n_out = get_int(l, "outputs", lw, 1, kMaxWidth);
      const int have = net.output_shape().size();
      if (n_in != have)
        throw DataError(lw + " (dense " + std::to_string(n_in) + " -> " + std::to_string(n_out) +
                        ") expects " + std::to_string(n_in) + " inputs but the layer before " +
                        "gives " + std::to_string(have));
      auto d = std::make_unique<Dense>(n_in, n_out, bool(l["bias"]));
      d->set_weights(read_npy_matrix(dir / get<std::string>(l, "weights", lw), n_out, n_in));
      if (l["mask"])
        d->set_mask(read_npy_matrix(dir / get<std::string>(l, "mask", lw), n_out, n_in));
      if (l["bias"])
        d->set_bias(read_npy_matrix(dir / get<std::string>(l, "bias", lw), n_out, 1).col(0));
      net.add(std::move(d));
    } else if (type == "conv") {
      const Shape have = net.output_shape();
      const int c_in = get_int(l, "in_channels", lw, 1, kMaxWidth),
                c_out = get_int(l, "out_channels", lw, 1, kMaxWidth),
                k = get_int(l, "kernel", lw, 1, 1 << 10);
      if (!config::checked_product(static_cast<std::int64_t>(c_in) * k * k, c_out) ||
          static_cast<std::uint64_t>(c_in) * k * k * static_cast<std::uint64_t>(c_out) >
              config::limits::kTensorElements)
        throw DataError(lw + ": a conv of " + std::to_string(c_in) + " -> " +
                        std::to_string(c_out) + " channels with a " + std::to_string(k) + "x" +
                        std::to_string(k) + " kernel has more weights than a tensor may have");
      if (c_in != have.channels)
        throw DataError(lw + " (conv " + std::to_string(c_in) + " -> " + std::to_string(c_out) +
                        " channels) expects " + std::to_string(c_in) +
                        " input channels but the layer before gives " +
                        std::to_string(have.channels) + " (" + std::to_string(have.size()) +
                        " features)");
      const int stride = get_int(l, "stride", lw, 1, 1 << 10);
      const int padding = get_int(l, "padding", lw, 0, 1 << 10);
      const std::int64_t oh = (std::int64_t{have.height} + 2 * padding - k) / stride + 1,
                         ow = (std::int64_t{have.width} + 2 * padding - k) / stride + 1;
      if (oh > 0 && ow > 0 &&
          static_cast<std::uint64_t>(c_out) * static_cast<std::uint64_t>(oh) *
                  static_cast<std::uint64_t>(ow) >
              config::limits::kTensorElements)
        throw DataError(lw + ": a conv output of " + std::to_string(c_out) + " x " +
                        std::to_string(oh) + " x " + std::to_string(ow) +
                        " is more than a tensor may have");
      std::unique_ptr<Conv2d> c;
      try {
        c = std::make_unique<Conv2d>(have, c_out, k, stride, padding, bool(l["bias"]));
      } catch (const std::invalid_argument& e) {
        throw DataError(lw + ": " + e.what());
      }
      const int kk = c->kernel_size();
      c->set_weights(read_npy_matrix(dir / get<std::string>(l, "weights", lw), c_out, kk));
      if (l["mask"]) c->set_mask(read_npy_matrix(dir / get<std::string>(l, "mask", lw), c_out, kk));
      if (l["bias"])
        c->set_bias(read_npy_matrix(dir / get<std::string>(l, "bias", lw), c_out, 1).col(0));
      net.add(std::move(c));
    } else if (type == "avgpool" || type == "maxpool") {
      try {
        net.add(std::make_unique<Pool2d>(
            type == "avgpool" ? Pool2d::Mode::kAverage : Pool2d::Mode::kMax, net.output_shape(),
            get_int(l, "kernel", lw, 1, 1 << 10), get_int(l, "stride", lw, 1, 1 << 10)));
      } catch (const std::invalid_argument& e) {
        throw DataError(lw + ": " + e.what());
      }
    } else if (type == "batchnorm") {
      const int ch = get_int(l, "channels", lw, 1, kMaxWidth);
      const Shape have = net.output_shape();
      if (ch != have.channels)
        throw DataError(lw + " (batchnorm of " + std::to_string(ch) +
                        " channels): the layer before gives " + std::to_string(have.channels) +
                        " channels");
      try {
        auto b = std::make_unique<BatchNorm2d>(ch, get<float>(l, "eps", lw),
                                               get<float>(l, "momentum", lw));
        auto vec = [&](const char* key) {
          return Eigen::VectorXf(read_npy_matrix(dir / get<std::string>(l, key, lw), ch, 1).col(0));
        };
        b->set_state(vec("weight"), vec("bias"), vec("running_mean"), vec("running_var"));
        net.add(std::move(b));
      } catch (const std::invalid_argument& e) {
        throw DataError(lw + ": " + e.what());
      }
    } else if (type == "residual") {
      const YAML::Node main = l["main"], shortcut = l["shortcut"];
      if (!main || !main.IsSequence() || !shortcut || !shortcut.IsSequence())
        throw DataError(lw + ": a residual block needs the lists 'main' and 'shortcut' (an " +
                        "empty shortcut, [], is the identity)");
      Network m(net.output_shape()), s(net.output_shape());
      read_layers(main, dir, lw + " main ", m);
      read_layers(shortcut, dir, lw + " shortcut ", s);
      try {
        net.add(std::make_unique<Residual>(std::move(m), std::move(s)));
      } catch (const std::invalid_argument& e) {
        throw DataError(lw + ": " + e.what());
      }
    } else if (type == "flatten") {
      net.add(std::make_unique<Flatten>());
    } else if (type == "relu") {
      net.add(std::make_unique<Relu>());
    } else if (type == "dropout") {
      net.add(std::make_unique<Dropout>(get<float>(l, "rate", lw)));
    } else {
      throw DataError(lw + ": unknown layer type '" + type +
                      "' (dense, conv, avgpool, maxpool, batchnorm, residual, flatten, relu, "
                      "dropout)");
    }
  }
}

}  // namespace

LoadedModel load_model(const fs::path& dir) {
  const fs::path mpath = dir / "manifest.yaml";
  if (!fs::exists(mpath))
    throw DataError(mpath.string() + ": file not found (not a model directory)");
  YAML::Node root;
  try {
    root = YAML::Load(config::read_file(mpath, config::limits::kConfigBytes, "model manifest"));
  } catch (const config::InputError& e) {
    throw DataError(e.what());
  } catch (const YAML::Exception& e) {
    throw DataError(mpath.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  const std::string where = mpath.string();
  if (!root.IsMap() || get<std::string>(root, "format", where) != "xbarsim-model")
    throw DataError(where + ": not an xbarsim model manifest (format: xbarsim-model)");
  if (get<int>(root, "version", where) != 1)
    throw DataError(where + ": unsupported manifest version");
  LoadedModel m{Network(), {}};
  const YAML::Node in = root["input"];
  if (!in) throw DataError(where + ": missing key 'input'");
  Shape shape{get_int(in, "channels", where + " input", 1, kMaxWidth),
              get_int(in, "height", where + " input", 1, kMaxWidth),
              get_int(in, "width", where + " input", 1, kMaxWidth)};
  if (static_cast<std::uint64_t>(shape.channels) * static_cast<std::uint64_t>(shape.height) *
          static_cast<std::uint64_t>(shape.width) >
      config::limits::kTensorElements)
    throw DataError(where + ": input: " + std::to_string(shape.channels) + " x " +
                    std::to_string(shape.height) + " x " + std::to_string(shape.width) +
                    " features are more than a tensor may have");
  m.network = Network(shape);
  const YAML::Node layers = root["layers"];
  if (!layers || !layers.IsSequence()) throw DataError(where + ": 'layers' must be a list");
  read_layers(layers, dir, where + ": layer ", m.network);
  m.info.dataset = root["dataset"] ? root["dataset"].as<std::string>() : "";
  m.info.seed = root["seed"] ? root["seed"].as<std::uint64_t>() : 0;
  m.info.epochs = root["epochs"] ? root["epochs"].as<int>() : 0;
  if (const YAML::Node a = root["accuracy"]) {
    if (a["test"]) m.info.test_accuracy = a["test"].as<double>();
    if (a["train"]) m.info.train_accuracy = a["train"].as<double>();
  }
  if (const YAML::Node t = root["training"])
    for (const auto& kv : t)
      m.info.training[kv.first.as<std::string>()] = kv.second.as<std::string>();
  return m;
}

}  // namespace xbar::workloads
