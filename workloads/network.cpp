#include "workloads/network.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "config/files.hpp"
#include "workloads/blas.hpp"
#include "workloads/conv.hpp"

namespace xbar::workloads {

std::vector<const Network*> Layer::branches() const {
  std::vector<const Network*> v;
  for (Network* n : const_cast<Layer*>(this)->branches()) v.push_back(n);
  return v;
}

// ---- WeightedLayer ----

namespace {

std::string shape_of(const Eigen::MatrixXf& m) {
  return std::to_string(m.rows()) + "x" + std::to_string(m.cols());
}

}  // namespace

WeightedLayer::WeightedLayer(int rows, int cols, bool bias)
    : weights_(Eigen::MatrixXf::Zero(rows, cols)), grad_w_(Eigen::MatrixXf::Zero(rows, cols)) {
  if (bias) enable_bias();
}

std::vector<Parameter> WeightedLayer::parameters() {
  std::vector<Parameter> p{{weights_.data(), grad_w_.data(), has_mask() ? mask_.data() : nullptr,
                            static_cast<std::size_t>(weights_.size()), true}};
  if (has_bias()) p.push_back({bias_.data(), grad_b_.data(), nullptr, std::size_t(bias_.size())});
  return p;
}

void WeightedLayer::set_weights(const Eigen::MatrixXf& w) {
  if (w.rows() != weights_.rows() || w.cols() != weights_.cols())
    throw std::invalid_argument("weights of shape " + shape_of(w) + " for a " + weights_layout() +
                                " " + shape_of(weights_));
  weights_ = w;
  apply_mask();
}

void WeightedLayer::set_bias(const Eigen::VectorXf& b) {
  if (!has_bias()) throw std::invalid_argument("this " + kind() + " layer has no bias");
  if (b.size() != bias_.size())
    throw std::invalid_argument("bias of " + std::to_string(b.size()) + " values for " +
                                std::to_string(bias_.size()) + " outputs");
  bias_ = b;
}

void WeightedLayer::enable_bias() {
  if (has_bias()) return;
  bias_ = Eigen::VectorXf::Zero(weights_.rows());
  grad_b_ = Eigen::VectorXf::Zero(weights_.rows());
}

void WeightedLayer::set_mask(const Eigen::MatrixXf& mask) {
  if (mask.rows() != weights_.rows() || mask.cols() != weights_.cols())
    throw std::invalid_argument("mask of shape " + shape_of(mask) + " for a " + weights_layout() +
                                " " + shape_of(weights_));
  mask_ = (mask.array() != 0.0f).cast<float>();
  apply_mask();
}

void WeightedLayer::apply_mask() {
  if (!has_mask()) return;
  // select() rather than a product, so that a masked weight is +0, never -0.
  weights_ = (mask_.array() != 0.0f).select(weights_, 0.0f);
}

// ---- Dense ----

namespace {
// Checked before the weights are allocated: more than a tensor may hold is refused.
int checked_dense_outputs(int inputs, int outputs) {
  if (inputs <= 0 || outputs <= 0)
    throw std::invalid_argument("dense layer needs positive sizes, got " + std::to_string(inputs) +
                                " -> " + std::to_string(outputs));
  if (static_cast<std::uint64_t>(inputs) * static_cast<std::uint64_t>(outputs) >
      config::limits::kTensorElements)
    throw std::invalid_argument("dense layer " + std::to_string(inputs) + " -> " +
                                std::to_string(outputs) + " has more than the " +
                                std::to_string(config::limits::kTensorElements) +
                                " weights a tensor may have");
  return outputs;
}
}  // namespace

Dense::Dense(int inputs, int outputs, bool bias)
    : WeightedLayer(checked_dense_outputs(inputs, outputs), inputs, bias) {}

Shape Dense::output_shape(const Shape& in) const {
  if (in.size() != inputs())
    throw std::invalid_argument("dense layer expects " + std::to_string(inputs()) +
                                " inputs, gets " + std::to_string(in.size()));
  return {1, 1, outputs()};
}

// The weights (outputs x inputs, column-major) are, in memory, W^T as a row-major inputs x outputs
// matrix: y (batch x outputs) = x (batch x inputs) * W^T with leading dimension `outputs`.
void Dense::forward(const RowMatrix& in, RowMatrix& out, bool, Rng&) {
  const int b = static_cast<int>(in.rows()), n_in = inputs(), n_out = outputs();
  if (in.cols() != n_in)
    throw std::invalid_argument("dense layer expects " + std::to_string(n_in) + " inputs, gets " +
                                std::to_string(in.cols()));
  out.resize(b, n_out);
  gemm(false, false, b, n_out, n_in, 1.0f, in.data(), n_in, weights_.data(), n_out, 0.0f,
       out.data(), n_out);
  if (has_bias()) out.rowwise() += bias_.transpose();
}

void Dense::backward(const RowMatrix& in, const RowMatrix&, const RowMatrix& grad_out,
                     RowMatrix* grad_in) {
  const int b = static_cast<int>(in.rows()), n_in = inputs(), n_out = outputs();
  // dW^T (inputs x outputs) = x^T g
  gemm(true, false, n_in, n_out, b, 1.0f, in.data(), n_in, grad_out.data(), n_out, 0.0f,
       grad_w_.data(), n_out);
  if (has_bias()) grad_b_ = grad_out.colwise().sum().transpose();
  if (grad_in) {
    grad_in->resize(b, n_in);
    gemm(false, true, b, n_in, n_out, 1.0f, grad_out.data(), n_out, weights_.data(), n_out, 0.0f,
         grad_in->data(), n_in);
  }
}

// ---- ReLU, Dropout ----

void Relu::forward(const RowMatrix& in, RowMatrix& out, bool, Rng&) {
  out.resize(in.rows(), in.cols());
  const float* x = in.data();
  float* y = out.data();
  for (Eigen::Index i = 0, n = in.size(); i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void Relu::backward(const RowMatrix&, const RowMatrix& out, const RowMatrix& grad_out,
                    RowMatrix* grad_in) {
  if (!grad_in) return;
  grad_in->resize(out.rows(), out.cols());
  const float* y = out.data();
  const float* g = grad_out.data();
  float* gi = grad_in->data();
  // A product with a 0/1 factor rather than a select: GCC vectorises this form (compare + and)
  // where the select became a branch that mispredicts on half of the units.
  for (Eigen::Index i = 0, n = out.size(); i < n; ++i) {
    const float open = y[i] > 0.0f ? 1.0f : 0.0f;
    gi[i] = g[i] * open;
  }
}

Dropout::Dropout(float rate) : rate_(rate) {
  if (!(rate >= 0.0f && rate < 1.0f))
    throw std::invalid_argument("dropout rate must be in [0, 1), got " + std::to_string(rate));
}

void Dropout::forward(const RowMatrix& in, RowMatrix& out, bool train, Rng& rng) {
  if (!train || rate_ == 0.0f) {
    out = in;
    keep_.resize(0, 0);
    return;
  }
  keep_.resize(in.rows(), in.cols());
  const float scale = 1.0f / (1.0f - rate_);
  // Four 16-bit draws per 64-bit random number: dropout draws are a visible share of an epoch.
  const auto cut = static_cast<std::uint32_t>(std::lround(rate_ * 65536.0f));
  float* k = keep_.data();
  const Eigen::Index n = keep_.size();
  Eigen::Index i = 0;
  while (i < n) {
    std::uint64_t r = rng.next();
    for (int j = 0; j < 4 && i < n; ++j, ++i, r >>= 16)
      k[i] = (static_cast<std::uint32_t>(r & 0xffff) >= cut) ? scale : 0.0f;
  }
  out = in.cwiseProduct(keep_);
}

void Dropout::backward(const RowMatrix&, const RowMatrix&, const RowMatrix& grad_out,
                       RowMatrix* grad_in) {
  if (!grad_in) return;
  if (keep_.size() == 0)
    *grad_in = grad_out;
  else
    *grad_in = grad_out.cwiseProduct(keep_);
}

// ---- Network ----

Network::Network(const Network& other) : input_shape_(other.input_shape_) {
  for (const auto& l : other.layers_) layers_.push_back(l->clone());
}

Network& Network::operator=(Network&& other) noexcept {
  input_shape_ = other.input_shape_;
  layers_ = std::move(other.layers_);
  input_copy_.resize(0, 0);
  input_ = nullptr;
  acts_.clear();
  grads_.clear();
  return *this;
}

Network& Network::operator=(const Network& other) {
  if (this != &other) {
    Network copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Layer& Network::add(std::unique_ptr<Layer> layer) {
  layer->output_shape(output_shape());  // throws when the shapes do not chain
  layers_.push_back(std::move(layer));
  acts_.clear();
  grads_.clear();
  return *layers_.back();
}

void Network::erase(std::size_t i) {
  if (i >= layers_.size()) throw std::out_of_range("layer index out of range");
  auto removed = std::move(layers_[i]);
  layers_.erase(layers_.begin() + std::ptrdiff_t(i));
  acts_.clear();
  grads_.clear();
  try {
    output_shape();
  } catch (const std::invalid_argument&) {
    layers_.insert(layers_.begin() + std::ptrdiff_t(i), std::move(removed));
    throw;
  }
}

Shape Network::output_shape() const {
  Shape s = input_shape_;
  for (const auto& l : layers_) s = l->output_shape(s);
  return s;
}

std::vector<Layer*> Network::all_layers() {
  std::vector<Layer*> v;
  for (auto& l : layers_) {
    v.push_back(l.get());
    for (Network* b : l->branches())
      for (Layer* inner : b->all_layers()) v.push_back(inner);
  }
  return v;
}

std::vector<const Layer*> Network::all_layers() const {
  std::vector<const Layer*> v;
  for (Layer* l : const_cast<Network*>(this)->all_layers()) v.push_back(l);
  return v;
}

std::vector<int> Network::layer_sizes() const {
  std::vector<int> sizes = {input_shape_.size()};
  for (const Dense* d : dense_layers()) sizes.push_back(d->outputs());
  return sizes;
}

const RowMatrix& Network::forward(const RowMatrix& batch, bool train, Rng& rng) {
  input_copy_ = batch;
  return forward_view(input_copy_, train, rng);
}

const RowMatrix& Network::forward_view(const RowMatrix& batch, bool train, Rng& rng) {
  if (batch.cols() != input_shape_.size())
    throw std::invalid_argument("network expects " + std::to_string(input_shape_.size()) +
                                " input features, gets " + std::to_string(batch.cols()));
  input_ = &batch;
  acts_.resize(layers_.size());
  for (std::size_t i = 0; i < layers_.size(); ++i)
    layers_[i]->forward(i == 0 ? batch : acts_[i - 1], acts_[i], train, rng);
  return layers_.empty() ? batch : acts_.back();
}

void Network::backward(const RowMatrix& grad_output, RowMatrix* grad_input) {
  if (!input_ || acts_.size() != layers_.size())
    throw std::logic_error("Network::backward without a forward pass");
  if (layers_.empty()) {
    if (grad_input) *grad_input = grad_output;
    return;
  }
  // grads_[i] = dL/d(input of layer i), kept between steps so that no buffer is reallocated.
  grads_.resize(layers_.size());
  for (std::size_t i = layers_.size(); i-- > 0;) {
    const RowMatrix& in = i == 0 ? *input_ : acts_[i - 1];
    const RowMatrix& g = i + 1 == layers_.size() ? grad_output : grads_[i + 1];
    layers_[i]->backward(in, acts_[i], g, i > 0 ? &grads_[i] : grad_input);
  }
}

std::size_t Network::floats_per_sample() const {
  std::size_t n = std::size_t(input_shape_.size());
  Shape s = input_shape_;
  for (const auto& l : layers_) {
    n += l->floats_per_sample(s);
    s = l->output_shape(s);
  }
  return n;
}

RowMatrix Network::activations_after(const RowMatrix& samples, std::size_t layer_index) const {
  if (layer_index >= layers_.size()) throw std::out_of_range("layer index out of range");
  Network copy(*this);  // forward() keeps state; inference on a copy keeps this method const
  Rng rng(0);
  // Chunks of up to 1000 samples, fewer when a sample's forward pass keeps much (deep CNNs keep
  // every branch output and im2col matrix): about 256 MB of floats per chunk.
  const Eigen::Index chunk = std::clamp<Eigen::Index>(
      Eigen::Index((std::size_t(1) << 26) / std::max<std::size_t>(1, floats_per_sample())), 16,
      1000);
  RowMatrix out;
  for (Eigen::Index r = 0; r < samples.rows(); r += chunk) {
    const Eigen::Index n = std::min(chunk, samples.rows() - r);
    RowMatrix x = samples.middleRows(r, n), y;
    for (std::size_t i = 0; i <= layer_index; ++i) {
      copy.layers_[i]->forward(x, y, false, rng);
      std::swap(x, y);
    }
    if (r == 0) out.resize(samples.rows(), x.cols());
    out.middleRows(r, n) = x;
  }
  return out;
}

RowMatrix Network::predict(const RowMatrix& samples) const {
  if (layers_.empty()) return samples;
  return activations_after(samples, layers_.size() - 1);
}

double Network::accuracy(const Dataset& data) const {
  if (data.size() == 0) return 0.0;
  RowMatrix out = predict(data.images);
  int correct = 0;
  for (int i = 0; i < data.size(); ++i) {
    Eigen::Index arg;
    out.row(i).maxCoeff(&arg);
    correct += (arg == data.labels[static_cast<std::size_t>(i)]);
  }
  return static_cast<double>(correct) / data.size();
}

std::vector<Parameter> Network::parameters() {
  std::vector<Parameter> p;
  for (auto& l : layers_)
    for (auto& q : l->parameters()) p.push_back(q);
  return p;
}

Network make_mlp(const std::vector<int>& sizes, const MlpOptions& o) {
  if (sizes.size() < 2) throw std::invalid_argument("an MLP needs at least inputs and outputs");
  Network net(Shape{1, 1, sizes[0]});
  if (o.input_dropout > 0.0f) net.add(std::make_unique<Dropout>(o.input_dropout));
  for (std::size_t i = 1; i < sizes.size(); ++i) {
    net.add(std::make_unique<Dense>(sizes[i - 1], sizes[i], o.bias));
    const bool last = i + 1 == sizes.size();
    if (!last || o.relu_output) net.add(std::make_unique<Relu>());
    if (!last && o.dropout > 0.0f) net.add(std::make_unique<Dropout>(o.dropout));
  }
  return net;
}

std::vector<int> parse_layer_sizes(const std::string& text) {
  std::vector<int> sizes;
  std::stringstream ss(text);
  std::string tok;
  while (std::getline(ss, tok, '-')) {
    std::size_t used = 0;
    int v = 0;
    try {
      v = std::stoi(tok, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != tok.size() || tok.empty() || v <= 0)
      throw std::invalid_argument("layer sizes '" + text +
                                  "': expected positive integers joined by '-', e.g. 784-500-10");
    sizes.push_back(v);
  }
  if (sizes.size() < 2)
    throw std::invalid_argument("layer sizes '" + text + "': need at least inputs-outputs");
  return sizes;
}

void init_weights(Network& net, Init init, float scale, Rng& rng) {
  for (Dense* d : net.dense_layers()) {
    const float a =
        init == Init::kHeUniform ? std::sqrt(6.0f / static_cast<float>(d->inputs())) : scale;
    Eigen::MatrixXf w(d->outputs(), d->inputs());
    // Filled in memory order so that a seed gives the same weights whatever Eigen's version.
    float* p = w.data();
    for (Eigen::Index i = 0; i < w.size(); ++i) p[i] = rng.uniform(-a, a);
    d->set_weights(w);
    if (d->has_bias()) d->set_bias(Eigen::VectorXf::Zero(d->outputs()));
  }
  init_conv_weights(net, init, scale, rng);  // after the dense layers: MLP seeds are unchanged
}

}  // namespace xbar::workloads
