#include "workloads/onnx_import.hpp"

#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "workloads/conv.hpp"

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

// A Dense or Conv2d whose bias may still arrive in a following Add node.
struct Pending {
  bool conv = false;
  Eigen::MatrixXf weights;  // outputs x inputs (dense) or C_out x C_in*k*k (conv)
  std::optional<Eigen::VectorXf> bias;
  int kernel = 0, stride = 1, padding = 0;
  std::string node;
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

  static long long elements(const onnx::TensorProto& t) {
    long long n = 1;
    for (auto d : t.dims()) n *= d;
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

  Shape current_shape() const {
    Shape s = net_.output_shape();
    if (pending_) {
      if (pending_->conv) {
        const Conv2d c(s, int(pending_->weights.rows()), pending_->kernel, pending_->stride,
                       pending_->padding);
        return c.output();
      }
      return {1, 1, int(pending_->weights.rows())};
    }
    return s;
  }

  void flush() {
    if (!pending_) return;
    Pending p = std::move(*pending_);
    pending_.reset();
    const bool bias = p.bias.has_value();
    if (p.conv) {
      auto c = std::make_unique<Conv2d>(net_.output_shape(), int(p.weights.rows()), p.kernel,
                                        p.stride, p.padding, bias);
      if (c->kernel_size() != p.weights.cols())
        throw error("node '" + p.node + "': kernel of " + std::to_string(p.weights.cols()) +
                    " values per filter for an input of " +
                    std::to_string(net_.output_shape().channels) + " channels");
      c->set_weights(p.weights);
      if (bias) c->set_bias(*p.bias);
      net_.add(std::move(c));
    } else {
      const int have = net_.output_shape().size();
      if (p.weights.cols() != have)
        throw error("node '" + p.node + "': weights expect " + std::to_string(p.weights.cols()) +
                    " inputs but the layer before gives " + std::to_string(have));
      auto d = std::make_unique<Dense>(int(p.weights.cols()), int(p.weights.rows()), bias);
      d->set_weights(p.weights);
      if (bias) d->set_bias(*p.bias);
      net_.add(std::move(d));
    }
  }

  void add_bias(const onnx::NodeProto& n, const std::vector<float>& b) {
    const long outputs = long(pending_->weights.rows());  // filters or dense outputs
    if (long(b.size()) != outputs)
      throw node_error(n, "bias of " + std::to_string(b.size()) + " values for " +
                              std::to_string(outputs) + " outputs");
    Eigen::VectorXf v = Eigen::Map<const Eigen::VectorXf>(b.data(), Eigen::Index(b.size()));
    if (pending_->bias)
      *pending_->bias += v;
    else
      pending_->bias = v;
  }

  OnnxImport run() {
    onnx::ModelProto model;
    {
      std::ifstream in(file_, std::ios::binary);
      if (!in) throw error("cannot open the file");
      if (!model.ParseFromIstream(&in)) throw error("not an ONNX model (protobuf parse failed)");
    }
    const onnx::GraphProto& g = model.graph();
    OnnxImport result;
    result.producer = model.producer_name() + " " + model.producer_version();

    // Every unsupported operator first, with node names, so one run lists all there is to change.
    static const std::set<std::string> kSupported = {
        "Gemm",    "MatMul",  "Add",     "Conv",     "Relu",    "AveragePool",
        "MaxPool", "Flatten", "Reshape", "Identity", "Dropout", "Constant"};
    std::vector<std::string> bad;
    for (const auto& n : g.node())
      if (!kSupported.count(n.op_type()) || (!n.domain().empty() && n.domain() != "ai.onnx"))
        bad.push_back(n.op_type() + " (node '" + n.name() + "')");
    if (!bad.empty()) {
      std::string msg = "unsupported ONNX operator(s): ";
      for (std::size_t i = 0; i < bad.size(); ++i) msg += (i ? ", " : "") + bad[i];
      throw error(msg +
                  "; supported: Gemm, MatMul, Add (bias), Conv, Relu, AveragePool, "
                  "MaxPool, Flatten, Reshape, Identity, Dropout, Constant");
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
    if (dims.size() == 4)
      net_ = Network(Shape{int(dims[1]), int(dims[2]), int(dims[3])});
    else if (dims.size() == 2)
      net_ = Network(Shape{1, 1, int(dims[1])});
    else
      throw error("input '" + input->name() + "' must be [N, features] or [N, C, H, W], has " +
                  std::to_string(dims.size()) + " dimensions");

    std::string cur = input->name();
    for (const auto& n : g.node()) {
      if (n.op_type() == "Constant") continue;
      // A chain: each node reads the previous node's output (Add may take it second).
      int data_in = -1;
      for (int i = 0; i < n.input_size(); ++i)
        if (n.input(i) == cur) data_in = i;
      if (data_in < 0 || (data_in != 0 && n.op_type() != "Add"))
        throw node_error(n, "does not read the output of the node before ('" + cur +
                                "'): only a single chain of layers can be imported");
      if (n.output_size() < 1) throw node_error(n, "has no output");
      const std::string& op = n.op_type();
      std::string what;
      if (op == "Gemm" || op == "MatMul") {
        flush();
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
        pending_ = std::move(p);
        if (op == "Gemm" && n.input_size() > 2 && !n.input(2).empty()) {
          auto c = floats(constant(n, 2), "node '" + n.name() + "'");
          for (float& x : c) x *= attr_float(n, "beta", 1.0f);
          add_bias(n, c);
        }
        what = "dense " + std::to_string(pending_->weights.cols()) + " -> " +
               std::to_string(pending_->weights.rows()) + (pending_->bias ? " with bias" : "");
      } else if (op == "Add") {
        if (!pending_ || n.input_size() != 2)
          throw node_error(n,
                           "only an Add of a constant bias right after Gemm, MatMul or Conv "
                           "is supported");
        add_bias(n, floats(constant(n, 1 - data_in), "node '" + n.name() + "'"));
        what = "bias of the layer before";
      } else if (op == "Conv") {
        flush();
        const onnx::TensorProto& w = constant(n, 1);
        if (w.dims_size() != 4 || w.dims(2) != w.dims(3))
          throw node_error(n, "weights must be [C_out, C_in, k, k], are " + dims_text(w));
        if (attr_int(n, "group", 1) != 1) throw node_error(n, "group != 1 is not supported");
        if (uniform(n, "dilations", 1) != 1)
          throw node_error(n, "dilations != 1 are not supported");
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
        if (net_.output_shape().channels != w.dims(1))
          throw node_error(n, "weights for " + std::to_string(w.dims(1)) +
                                  " input channels, the input has " +
                                  std::to_string(net_.output_shape().channels));
        pending_ = std::move(p);
        if (n.input_size() > 2 && !n.input(2).empty())
          add_bias(n, floats(constant(n, 2), "node '" + n.name() + "'"));
        const Shape o = current_shape();
        const Pending& q = *pending_;
        what = "conv " + std::to_string(o.channels) + " filters " + std::to_string(q.kernel) + "x" +
               std::to_string(q.kernel) + " stride " + std::to_string(q.stride) + " padding " +
               std::to_string(q.padding) + (q.bias ? " with bias" : "") + " -> " +
               std::to_string(o.channels) + "x" + std::to_string(o.height) + "x" +
               std::to_string(o.width);
      } else if (op == "Relu") {
        flush();
        net_.add(std::make_unique<Relu>());
        what = "relu";
      } else if (op == "AveragePool" || op == "MaxPool") {
        flush();
        const int k = uniform(n, "kernel_shape", 0);
        if (k <= 0) throw node_error(n, "needs kernel_shape");
        if (uniform(n, "pads", 0) != 0) throw node_error(n, "padding is not supported");
        if (attr_int(n, "ceil_mode", 0) != 0) throw node_error(n, "ceil_mode is not supported");
        if (uniform(n, "dilations", 1) != 1) throw node_error(n, "dilations are not supported");
        const int s = uniform(n, "strides", 1);  // ONNX's default stride is 1
        try {
          net_.add(std::make_unique<Pool2d>(
              op == "AveragePool" ? Pool2d::Mode::kAverage : Pool2d::Mode::kMax,
              net_.output_shape(), k, s));
        } catch (const std::invalid_argument& e) {
          throw node_error(n, e.what());
        }
        what = net_.layer(net_.size() - 1).kind() + " " + std::to_string(k) + "x" +
               std::to_string(k) + " stride " + std::to_string(s);
      } else if (op == "Flatten") {
        flush();
        if (attr_int(n, "axis", 1) != 1) throw node_error(n, "only axis = 1 is supported");
        net_.add(std::make_unique<Flatten>());
        what = "flatten";
      } else if (op == "Reshape") {
        flush();
        const auto shape = int64s(constant(n, 1), "node '" + n.name() + "'");
        const long long f = net_.output_shape().size();
        const bool ok = shape.size() == 2 && (shape[1] == f || (shape[1] == -1 && shape[0] != -1));
        if (!ok)
          throw node_error(n, "only a reshape to [batch, " + std::to_string(f) +
                                  "] (samples x features) is supported");
        net_.add(std::make_unique<Flatten>());
        what = "flatten (reshape)";
      } else {  // Identity, Dropout: the identity at inference
        what = "skipped (identity at inference)";
      }
      result.log.push_back(n.name() + " (" + op + "): " + what);
      cur = n.output(0);
    }
    flush();
    bool reaches_output = false;
    for (const auto& o : g.output()) reaches_output |= o.name() == cur;
    if (!reaches_output)
      throw error("the chain ends in '" + cur + "', which is not a graph output");
    if (net_.size() == 0) throw error("the graph has no layers");
    result.network = std::move(net_);
    return result;
  }

 private:
  std::string file_;
  std::map<std::string, const onnx::TensorProto*> tensors_;
  Network net_;
  std::optional<Pending> pending_;
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
