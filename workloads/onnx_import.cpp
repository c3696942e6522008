#include "workloads/onnx_import.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "workloads/deep.hpp"

#ifdef XBAR_HAVE_ONNX
#include <onnx/onnx_pb.h>
#endif

namespace xbar::workloads {

#ifndef XBAR_HAVE_ONNX

bool onnx_supported() { return false; }

OnnxImport import_onnx(const std::filesystem::path& file) {
  throw DataError(file.string() +
                  ": this xbarsim was built without ONNX support (install Debian libonnx-dev "
                  "and libprotobuf-dev, then re-run cmake)");
}

#else

bool onnx_supported() { return true; }

namespace {

// A Dense or Conv2d whose bias may still arrive in a following Add node, or whose batch norm may
// still follow (folded into its weights and bias).
struct Pending {
  bool conv = false;
  Eigen::MatrixXf weights;  // outputs x inputs (dense) or C_out x C_in*k*k (conv)
  std::optional<Eigen::VectorXf> bias;
  int kernel = 0, stride = 1, padding = 0;
  std::string node;
};

// A chain being imported (the main graph, or one branch of a residual block) and its pending
// weighted layer.
struct Chain {
  Network net;
  std::optional<Pending> pending;
};

// Where walking a chain stopped: at a residual join (the Add node, reached from `tensor`) or at a
// tensor no node reads (join = nullptr).
struct End {
  std::string tensor;
  const onnx::NodeProto* join = nullptr;
};

class Importer {
 public:
  explicit Importer(std::string file) : file_(std::move(file)) {}

  DataError error(const std::string& msg) const { return DataError(file_ + ": " + msg); }
  DataError node_error(const onnx::NodeProto& n, const std::string& msg) const {
    return error("node '" + n.name() + "' (" + n.op_type() + "): " + msg);
  }

  std::vector<float> floats(const onnx::TensorProto& t, const std::string& what) const {
    if (t.data_location() == onnx::TensorProto::EXTERNAL)
      throw error(what + ": tensor '" + t.name() + "' uses external data (unsupported)");
    if (t.data_type() != onnx::TensorProto::FLOAT)
      throw error(what + ": tensor '" + t.name() + "' is not float32 (data type " +
                  std::to_string(t.data_type()) + ")");
    std::vector<float> v;
    if (!t.raw_data().empty()) {
      // raw_data is little-endian (ONNX's rule); so is every platform we build on.
      v.resize(t.raw_data().size() / sizeof(float));
      std::memcpy(v.data(), t.raw_data().data(), v.size() * sizeof(float));
    } else {
      v.assign(t.float_data().begin(), t.float_data().end());
    }
    if (static_cast<long long>(v.size()) != elements(t))
      throw error(what + ": tensor '" + t.name() + "' holds " + std::to_string(v.size()) +
                  " values for dims " + dims_text(t));
    for (std::size_t k = 0; k < v.size(); ++k)
      if (!std::isfinite(v[k]))
        throw error(what + ": tensor '" + t.name() + "' element " + std::to_string(k) + " is " +
                    std::to_string(v[k]) + " (weights must be finite)");
    return v;
  }

  std::vector<long long> int64s(const onnx::TensorProto& t, const std::string& what) const {
    if (t.data_type() != onnx::TensorProto::INT64)
      throw error(what + ": tensor '" + t.name() + "' is not int64");
    std::vector<long long> v;
    if (!t.raw_data().empty()) {
      v.resize(t.raw_data().size() / sizeof(std::int64_t));
      std::memcpy(v.data(), t.raw_data().data(), v.size() * sizeof(std::int64_t));
    } else {
      v.assign(t.int64_data().begin(), t.int64_data().end());
    }
    return v;
  }

  // The element count of the dims, or -1 when a dim is negative or the count overflows.
  static long long elements(const onnx::TensorProto& t) {
    long long n = 1;
    for (auto d : t.dims())
      if (d < 0 || __builtin_mul_overflow(n, static_cast<long long>(d), &n)) return -1;
    return n;
  }
  static std::string dims_text(const onnx::TensorProto& t) {
    std::string s = "[";
    for (int i = 0; i < t.dims_size(); ++i) s += (i ? ", " : "") + std::to_string(t.dims(i));
    return s + "]";
  }

  const onnx::TensorProto& constant(const onnx::NodeProto& n, int input) const {
    if (n.input_size() <= input) throw node_error(n, "missing input " + std::to_string(input));
    auto it = tensors_.find(n.input(input));
    if (it == tensors_.end())
      throw node_error(n, "input '" + n.input(input) +
                              "' must be an initialiser (weights computed at run time are "
                              "not supported)");
    return *it->second;
  }

  static const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) {
    for (const auto& a : n.attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  long long attr_int(const onnx::NodeProto& n, const std::string& name, long long def) const {
    const auto* a = attr(n, name);
    return a ? a->i() : def;
  }
  float attr_float(const onnx::NodeProto& n, const std::string& name, float def) const {
    const auto* a = attr(n, name);
    return a ? a->f() : def;
  }
  std::vector<long long> attr_ints(const onnx::NodeProto& n, const std::string& name) const {
    const auto* a = attr(n, name);
    if (!a) return {};
    return {a->ints().begin(), a->ints().end()};
  }
  // All values equal (square kernels, the same stride and padding on both axes), else an error.
  int uniform(const onnx::NodeProto& n, const std::string& name, long long def) const {
    const auto v = attr_ints(n, name);
    if (v.empty()) return int(def);
    for (auto x : v)
      if (x != v[0])
        throw node_error(n, "attribute " + name + " must have equal values on all axes");
    return int(v[0]);
  }

  static Shape shape_of(const Chain& ch) {
    Shape s = ch.net.output_shape();
    if (ch.pending) {
      if (ch.pending->conv) {
        try {
          const Conv2d c(s, int(ch.pending->weights.rows()), ch.pending->kernel, ch.pending->stride,
                         ch.pending->padding);
          return c.output();
        } catch (const std::invalid_argument& e) {
          throw std::invalid_argument("node '" + ch.pending->node + "': " + e.what());
        }
      }
      return {1, 1, int(ch.pending->weights.rows())};
    }
    return s;
  }

  void flush(Chain& ch) const {
    if (!ch.pending) return;
    Pending p = std::move(*ch.pending);
    ch.pending.reset();
    const bool bias = p.bias.has_value();
    if (p.conv) {
      std::unique_ptr<Conv2d> c;
      try {
        c = std::make_unique<Conv2d>(ch.net.output_shape(), int(p.weights.rows()), p.kernel,
                                     p.stride, p.padding, bias);
      } catch (const std::invalid_argument& e) {
        throw error("node '" + p.node + "': " + e.what());
      }
      if (c->kernel_size() != p.weights.cols())
        throw error("node '" + p.node + "': kernel of " + std::to_string(p.weights.cols()) +
                    " values per filter for an input of " +
                    std::to_string(ch.net.output_shape().channels) + " channels");
      c->set_weights(p.weights);
      if (bias) c->set_bias(*p.bias);
      ch.net.add(std::move(c));
    } else {
      const int have = ch.net.output_shape().size();
      if (p.weights.cols() != have)
        throw error("node '" + p.node + "': weights expect " + std::to_string(p.weights.cols()) +
                    " inputs but the layer before gives " + std::to_string(have));
      auto d = std::make_unique<Dense>(int(p.weights.cols()), int(p.weights.rows()), bias);
      d->set_weights(p.weights);
      if (bias) d->set_bias(*p.bias);
      ch.net.add(std::move(d));
    }
  }

  void add_bias(Chain& ch, const onnx::NodeProto& n, const std::vector<float>& b) const {
    const long outputs = long(ch.pending->weights.rows());  // filters or dense outputs
    if (long(b.size()) != outputs)
      throw node_error(n, "bias of " + std::to_string(b.size()) + " values for " +
                              std::to_string(outputs) + " outputs");
    Eigen::VectorXf v = Eigen::Map<const Eigen::VectorXf>(b.data(), Eigen::Index(b.size()));
    if (ch.pending->bias)
      *ch.pending->bias += v;
    else
      ch.pending->bias = v;
  }

  // An Add of two computed tensors: the join of a residual block (an Add with a constant is a
  // bias).
  bool is_join(const onnx::NodeProto& n) const {
    return n.op_type() == "Add" && n.input_size() == 2 && !tensors_.count(n.input(0)) &&
           !tensors_.count(n.input(1));
  }

  // The nodes that read tensor `t` (Constants have no inputs and never appear).
  std::vector<const onnx::NodeProto*> readers(const std::string& t) const {
    auto it = readers_.find(t);
    return it == readers_.end() ? std::vector<const onnx::NodeProto*>{} : it->second;
  }

  // Follows the graph from tensor `cur` into `ch` until a residual join or a tensor nobody reads.
  End walk(Chain& ch, std::string cur) {
    for (;;) {
      const std::vector<const onnx::NodeProto*> rs = readers(cur);
      if (rs.empty()) {
        flush(ch);
        return {cur, nullptr};
      }
      if (rs.size() == 1) {
        if (is_join(*rs[0])) {
          flush(ch);
          return {cur, rs[0]};
        }
        cur = import_node(ch, *rs[0], cur);
        continue;
      }
      if (rs.size() != 2)
        throw error("tensor '" + cur + "' is read by " + std::to_string(rs.size()) +
                    " nodes; only a chain, or a residual block's two branches joined by one "
                    "Add, can be imported");
      cur = import_residual(ch, cur, *rs[0], *rs[1]);
    }
  }

  // A branch starting with node `first` (which reads `cur`); an Add right away is the identity.
  End branch(Chain& ch, const onnx::NodeProto& first, const std::string& cur) {
    if (is_join(first)) return {cur, &first};
    return walk(ch, import_node(ch, first, cur));
  }

  // The fork at `cur`: both branches are imported and must meet at one Add; the block joins the
  // chain and the Add's output is returned. The shortcut is the identity branch, else the shorter
  // one (torchvision's 1x1 conv + BN downsample), else the Add's second input (out += identity).
  std::string import_residual(Chain& ch, const std::string& cur, const onnx::NodeProto& a,
                              const onnx::NodeProto& b) {
    flush(ch);
    const Shape in = ch.net.output_shape();
    Chain ca{Network(in), {}}, cb{Network(in), {}};
    const std::size_t log_at = log_->size();
    const End ea = branch(ca, a, cur), eb = branch(cb, b, cur);
    if (!ea.join || !eb.join || ea.join != eb.join)
      throw error("the two branches that read '" + cur + "' (nodes '" + a.name() + "' and '" +
                  b.name() + "') do not meet at one Add: only residual blocks can branch");
    const onnx::NodeProto& add = *ea.join;
    const bool a_first = add.input(0) == ea.tensor;
    bool a_main = ca.net.size() != cb.net.size() ? ca.net.size() > cb.net.size() : a_first;
    Chain& main = a_main ? ca : cb;
    Chain& shortcut = a_main ? cb : ca;
    const std::size_t main_layers = main.net.size(), shortcut_layers = shortcut.net.size();
    try {
      ch.net.add(std::make_unique<Residual>(std::move(main.net), std::move(shortcut.net)));
    } catch (const std::invalid_argument& e) {
      throw node_error(add, e.what());
    }
    for (std::size_t i = log_at; i < log_->size(); ++i) (*log_)[i] = "  " + (*log_)[i];
    log_->push_back(add.name() + " (Add): residual join of a main branch of " +
                    std::to_string(main_layers) + " layer(s) and " +
                    (shortcut_layers
                         ? "a shortcut of " + std::to_string(shortcut_layers) + " layer(s)"
                         : std::string("the identity")));
    visited_.insert(&add);
    if (add.output_size() < 1) throw node_error(add, "has no output");
    return add.output(0);
  }

  // Imports one node that reads `cur` (as its data input) into `ch`; returns its output tensor.
  std::string import_node(Chain& ch, const onnx::NodeProto& n, const std::string& cur) {
    visited_.insert(&n);
    int data_in = -1;
    for (int i = 0; i < n.input_size(); ++i)
      if (n.input(i) == cur) data_in = i;
    if (data_in < 0 || (data_in != 0 && n.op_type() != "Add"))
      throw node_error(n, "does not read '" + cur + "' as its data input");
    if (n.output_size() < 1) throw node_error(n, "has no output");
    const std::string& op = n.op_type();
    std::string what;
    if (op == "Gemm" || op == "MatMul") {
      flush(ch);
      const onnx::TensorProto& b = constant(n, 1);
      if (b.dims_size() != 2) throw node_error(n, "weights must be 2-D, are " + dims_text(b));
      const auto v = floats(b, "node '" + n.name() + "'");
      const bool trans_b = op == "Gemm" && attr_int(n, "transB", 0) != 0;
      if (op == "Gemm" && attr_int(n, "transA", 0) != 0)
        throw node_error(n, "transA = 1 is not supported");
      using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
      Eigen::Map<const RowMat> m(v.data(), b.dims(0), b.dims(1));
      Pending p;
      p.node = n.name();
      // Our weights are outputs x inputs: B itself when transB (PyTorch nn.Linear), else B^T.
      p.weights = trans_b ? Eigen::MatrixXf(m) : Eigen::MatrixXf(m.transpose());
      p.weights *= op == "Gemm" ? attr_float(n, "alpha", 1.0f) : 1.0f;
      ch.pending = std::move(p);
      if (op == "Gemm" && n.input_size() > 2 && !n.input(2).empty()) {
        auto c = floats(constant(n, 2), "node '" + n.name() + "'");
        for (float& x : c) x *= attr_float(n, "beta", 1.0f);
        add_bias(ch, n, c);
      }
      what = "dense " + std::to_string(ch.pending->weights.cols()) + " -> " +
             std::to_string(ch.pending->weights.rows()) + (ch.pending->bias ? " with bias" : "");
    } else if (op == "Add") {
      if (!ch.pending || n.input_size() != 2)
        throw node_error(n,
                         "only an Add of a constant bias right after Gemm, MatMul or Conv, or "
                         "the join of a residual block, is supported");
      add_bias(ch, n, floats(constant(n, 1 - data_in), "node '" + n.name() + "'"));
      what = "bias of the layer before";
    } else if (op == "BatchNormalization") {
      // Inference mode: y = (x - mean) / sqrt(var + eps) * scale + B per channel, folded into the
      // conv or dense layer before it: W <- diag(s) W, b <- s (b - mean) + B, s = scale/sqrt(.).
      if (!ch.pending)
        throw node_error(n,
                         "BatchNormalization must directly follow a Conv or Gemm (it is folded "
                         "into that layer's weights)");
      if (attr_int(n, "training_mode", 0) != 0)
        throw node_error(n, "training_mode = 1 is not supported (export in eval mode)");
      if (n.output_size() > 1)
        for (int i = 1; i < n.output_size(); ++i)
          if (!n.output(i).empty())
            throw node_error(n, "running-statistics outputs (training mode) are not supported");
      const long c = long(ch.pending->weights.rows());
      std::vector<float> arr[4];
      const char* names[4] = {"scale", "B", "mean", "var"};
      for (int i = 0; i < 4; ++i) {
        arr[i] = floats(constant(n, i + 1), "node '" + n.name() + "'");
        if (long(arr[i].size()) != c)
          throw node_error(n, std::string(names[i]) + " has " + std::to_string(arr[i].size()) +
                                  " values for " + std::to_string(c) + " channels");
      }
      const double eps = attr_float(n, "epsilon", 1e-5f);
      Eigen::VectorXf scale(c), shift(c);
      for (long k = 0; k < c; ++k) {
        if (arr[3][std::size_t(k)] < 0)
          throw node_error(n, "negative variance in channel " + std::to_string(k));
        scale(k) =
            float(double(arr[0][std::size_t(k)]) / std::sqrt(double(arr[3][std::size_t(k)]) + eps));
        shift(k) = arr[1][std::size_t(k)] - arr[2][std::size_t(k)] * scale(k);
      }
      Pending& p = *ch.pending;
      p.weights = scale.asDiagonal() * p.weights;
      p.bias = p.bias ? Eigen::VectorXf(scale.cwiseProduct(*p.bias) + shift) : shift;
      what = "batch norm folded into '" + p.node + "'";
    } else if (op == "Conv") {
      flush(ch);
      const onnx::TensorProto& w = constant(n, 1);
      if (w.dims_size() != 4 || w.dims(2) != w.dims(3))
        throw node_error(n, "weights must be [C_out, C_in, k, k], are " + dims_text(w));
      if (attr_int(n, "group", 1) != 1) throw node_error(n, "group != 1 is not supported");
      if (uniform(n, "dilations", 1) != 1) throw node_error(n, "dilations != 1 are not supported");
      if (const auto* ap = attr(n, "auto_pad"); ap && ap->s() != "NOTSET")
        throw node_error(n, "auto_pad " + ap->s() + " is not supported (give explicit pads)");
      if (uniform(n, "kernel_shape", w.dims(2)) != w.dims(2))
        throw node_error(n, "kernel_shape does not match the weights " + dims_text(w));
      const auto v = floats(w, "node '" + n.name() + "'");
      using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
      // [C_out, C_in, k, k] in C order is C_out rows of (c, ky, kx): our unrolled kernel.
      Eigen::Map<const RowMat> m(v.data(), w.dims(0), w.dims(1) * w.dims(2) * w.dims(3));
      Pending p;
      p.conv = true;
      p.node = n.name();
      p.weights = m;
      p.kernel = int(w.dims(2));
      p.stride = uniform(n, "strides", 1);
      p.padding = uniform(n, "pads", 0);
      if (ch.net.output_shape().channels != w.dims(1))
        throw node_error(n, "weights for " + std::to_string(w.dims(1)) +
                                " input channels, the input has " +
                                std::to_string(ch.net.output_shape().channels));
      ch.pending = std::move(p);
      if (n.input_size() > 2 && !n.input(2).empty())
        add_bias(ch, n, floats(constant(n, 2), "node '" + n.name() + "'"));
      const Shape o = shape_of(ch);
      const Pending& q = *ch.pending;
      what = "conv " + std::to_string(o.channels) + " filters " + std::to_string(q.kernel) + "x" +
             std::to_string(q.kernel) + " stride " + std::to_string(q.stride) + " padding " +
             std::to_string(q.padding) + (q.bias ? " with bias" : "") + " -> " +
             std::to_string(o.channels) + "x" + std::to_string(o.height) + "x" +
             std::to_string(o.width);
    } else if (op == "Relu") {
      flush(ch);
      ch.net.add(std::make_unique<Relu>());
      what = "relu";
    } else if (op == "AveragePool" || op == "MaxPool") {
      flush(ch);
      const int k = uniform(n, "kernel_shape", 0);
      if (k <= 0) throw node_error(n, "needs kernel_shape");
      if (uniform(n, "pads", 0) != 0) throw node_error(n, "padding is not supported");
      if (attr_int(n, "ceil_mode", 0) != 0) throw node_error(n, "ceil_mode is not supported");
      if (uniform(n, "dilations", 1) != 1) throw node_error(n, "dilations are not supported");
      const int s = uniform(n, "strides", 1);  // ONNX's default stride is 1
      try {
        ch.net.add(std::make_unique<Pool2d>(
            op == "AveragePool" ? Pool2d::Mode::kAverage : Pool2d::Mode::kMax,
            ch.net.output_shape(), k, s));
      } catch (const std::invalid_argument& e) {
        throw node_error(n, e.what());
      }
      what = ch.net.layer(ch.net.size() - 1).kind() + " " + std::to_string(k) + "x" +
             std::to_string(k) + " stride " + std::to_string(s);
    } else if (op == "GlobalAveragePool") {
      flush(ch);
      try {
        ch.net.add(make_global_avg_pool(ch.net.output_shape()));
      } catch (const std::invalid_argument& e) {
        throw node_error(n, e.what());
      }
      const Shape o = ch.net.output_shape();
      what = "global average pooling (avgpool " +
             std::to_string(ch.net.layers_of<Pool2d>().back()->kernel()) + "x" +
             std::to_string(ch.net.layers_of<Pool2d>().back()->kernel()) + ") -> " +
             std::to_string(o.channels) + "x1x1";
    } else if (op == "Flatten") {
      flush(ch);
      if (attr_int(n, "axis", 1) != 1) throw node_error(n, "only axis = 1 is supported");
      ch.net.add(std::make_unique<Flatten>());
      what = "flatten";
    } else if (op == "Reshape") {
      flush(ch);
      const auto shape = int64s(constant(n, 1), "node '" + n.name() + "'");
      const long long f = ch.net.output_shape().size();
      const bool ok = shape.size() == 2 && (shape[1] == f || (shape[1] == -1 && shape[0] != -1));
      if (!ok)
        throw node_error(n, "only a reshape to [batch, " + std::to_string(f) +
                                "] (samples x features) is supported");
      ch.net.add(std::make_unique<Flatten>());
      what = "flatten (reshape)";
    } else {  // Identity, Dropout: the identity at inference
      what = "skipped (identity at inference)";
    }
    log_->push_back(n.name() + " (" + op + "): " + what);
    return n.output(0);
  }

  OnnxImport run() {
    onnx::ModelProto model;
    {
      std::string bytes;
      try {
        bytes = config::read_file(file_, config::limits::kModelBytes, "ONNX");
      } catch (const config::InputError& e) {
        throw DataError(e.what());
      }
      if (bytes.empty()) throw error("empty file: not an ONNX model");
      if (!model.ParseFromString(bytes)) throw error("not an ONNX model (protobuf parse failed)");
      if (model.graph().node_size() == 0) throw error("not an ONNX model: its graph has no nodes");
    }
    const onnx::GraphProto& g = model.graph();
    OnnxImport result;
    result.producer = model.producer_name() + " " + model.producer_version();
    log_ = &result.log;

    // Every unsupported operator first, with node names, so one run lists all there is to change.
    static const std::set<std::string> kSupported = {"Gemm",
                                                     "MatMul",
                                                     "Add",
                                                     "Conv",
                                                     "BatchNormalization",
                                                     "Relu",
                                                     "AveragePool",
                                                     "MaxPool",
                                                     "GlobalAveragePool",
                                                     "Flatten",
                                                     "Reshape",
                                                     "Identity",
                                                     "Dropout",
                                                     "Constant"};
    std::vector<std::string> bad;
    for (const auto& n : g.node())
      if (!kSupported.count(n.op_type()) || (!n.domain().empty() && n.domain() != "ai.onnx"))
        bad.push_back(n.op_type() + " (node '" + n.name() + "')");
    if (!bad.empty()) {
      std::string msg = "unsupported ONNX operator(s): ";
      for (std::size_t i = 0; i < bad.size(); ++i) msg += (i ? ", " : "") + bad[i];
      throw UnsupportedModel(
          file_ + ": " + msg +
          "; supported: Gemm, MatMul, Add (bias or residual join), Conv, "
          "BatchNormalization, Relu, AveragePool, MaxPool, GlobalAveragePool, Flatten, "
          "Reshape, Identity, Dropout, Constant");
    }

    for (const auto& t : g.initializer()) tensors_[t.name()] = &t;
    for (const auto& n : g.node())
      if (n.op_type() == "Constant") {
        const auto* v = attr(n, "value");
        if (!v || !v->has_t())
          throw node_error(n, "only the 'value' form of Constant is supported");
        if (n.output_size() != 1) throw node_error(n, "expected one output");
        tensors_[n.output(0)] = &v->t();
      }
    std::size_t computing_nodes = 0;
    for (const auto& n : g.node()) {
      if (n.op_type() == "Constant") continue;
      ++computing_nodes;
      std::set<std::string> seen;  // a node reading a tensor twice reads it once here
      for (const auto& i : n.input())
        if (!i.empty() && !tensors_.count(i) && seen.insert(i).second) readers_[i].push_back(&n);
    }

    // The one graph input that is not an initialiser: its dims after the batch give the Shape.
    const onnx::ValueInfoProto* input = nullptr;
    for (const auto& i : g.input())
      if (!tensors_.count(i.name())) {
        if (input)
          throw error("the graph has more than one data input ('" + input->name() + "', '" +
                      i.name() + "')");
        input = &i;
      }
    if (!input) throw error("the graph has no data input");
    std::vector<long long> dims;
    for (const auto& d : input->type().tensor_type().shape().dim())
      dims.push_back(d.has_dim_value() ? d.dim_value() : -1);  // the batch may be symbolic
    for (std::size_t i = 1; i < dims.size(); ++i)
      if (dims[i] <= 0)
        throw error("input '" + input->name() + "': dimension " + std::to_string(i) +
                    " is not a fixed positive number");
    Chain top;
    if (dims.size() == 4)
      top.net = Network(Shape{int(dims[1]), int(dims[2]), int(dims[3])});
    else if (dims.size() == 2)
      top.net = Network(Shape{1, 1, int(dims[1])});
    else
      throw error("input '" + input->name() + "' must be [N, features] or [N, C, H, W], has " +
                  std::to_string(dims.size()) + " dimensions");

    const End end = walk(top, input->name());
    if (end.join)
      throw node_error(*end.join, "joins a branch that does not start at a fork of the chain");
    bool reaches_output = false;
    for (const auto& o : g.output()) reaches_output |= o.name() == end.tensor;
    if (!reaches_output)
      throw error("the chain ends in '" + end.tensor + "', which is not a graph output");
    if (visited_.size() != computing_nodes) {
      std::string off;
      for (const auto& n : g.node())
        if (n.op_type() != "Constant" && !visited_.count(&n))
          off += (off.empty() ? "'" : ", '") + n.name() + "'";
      throw error("node(s) " + off + " are not on the path from the input to the output");
    }
    if (top.net.size() == 0) throw error("the graph has no layers");
    result.network = std::move(top.net);
    return result;
  }

 private:
  std::string file_;
  std::map<std::string, const onnx::TensorProto*> tensors_;
  std::map<std::string, std::vector<const onnx::NodeProto*> > readers_;  // tensor -> its readers
  std::set<const onnx::NodeProto*> visited_;
  std::vector<std::string>* log_ = nullptr;
};

}  // namespace

OnnxImport import_onnx(const std::filesystem::path& file) {
  try {
    return Importer(file.string()).run();
  } catch (const std::invalid_argument& e) {  // a layer refused its shapes
    throw DataError(file.string() + ": " + e.what());
  }
}

#endif

}  // namespace xbar::workloads
