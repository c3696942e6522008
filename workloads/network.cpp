#include "workloads/network.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "workloads/blas.hpp"
#include "workloads/conv.hpp"

namespace xbar::workloads {

// ---- Dense ----

Dense::Dense(int inputs, int outputs, bool bias)
    : weights_(Eigen::MatrixXf::Zero(outputs, inputs)),
      grad_w_(Eigen::MatrixXf::Zero(outputs, inputs)) {
  if (inputs <= 0 || outputs <= 0)
    throw std::invalid_argument("dense layer needs positive sizes, got " + std::to_string(inputs) +
                                " -> " + std::to_string(outputs));
  if (bias) {
    bias_ = Eigen::VectorXf::Zero(outputs);
    grad_b_ = Eigen::VectorXf::Zero(outputs);
  }
}

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

std::vector<Parameter> Dense::parameters() {
  std::vector<Parameter> p{{weights_.data(), grad_w_.data(), has_mask() ? mask_.data() : nullptr,
                            static_cast<std::size_t>(weights_.size())}};
  if (has_bias()) p.push_back({bias_.data(), grad_b_.data(), nullptr, std::size_t(bias_.size())});
  return p;
}

static std::string shape_of(const Eigen::MatrixXf& m) {
  return std::to_string(m.rows()) + "x" + std::to_string(m.cols());
}

void Dense::set_weights(const Eigen::MatrixXf& w) {
  if (w.rows() != weights_.rows() || w.cols() != weights_.cols())
    throw std::invalid_argument("weights of shape " + shape_of(w) + " for a dense layer of " +
                                shape_of(weights_) + " (outputs x inputs)");
  weights_ = w;
  apply_mask();
}

void Dense::set_bias(const Eigen::VectorXf& b) {
  if (!has_bias()) throw std::invalid_argument("this dense layer has no bias");
  if (b.size() != bias_.size())
    throw std::invalid_argument("bias of " + std::to_string(b.size()) + " values for " +
                                std::to_string(bias_.size()) + " outputs");
  bias_ = b;
}

void Dense::set_mask(const Eigen::MatrixXf& mask) {
  if (mask.rows() != weights_.rows() || mask.cols() != weights_.cols())
    throw std::invalid_argument("mask of shape " + shape_of(mask) + " for a dense layer of " +
                                shape_of(weights_) + " (outputs x inputs)");
  mask_ = (mask.array() != 0.0f).cast<float>();
  apply_mask();
}

void Dense::apply_mask() {
  if (!has_mask()) return;
  // select() rather than a product, so that a masked weight is +0, never -0.
  weights_ = (mask_.array() != 0.0f).select(weights_, 0.0f);
}

// ---- ReLU, Dropout ----

void Relu::forward(const RowMatrix& in, RowMatrix& out, bool, Rng&) { out = in.cwiseMax(0.0f); }

void Relu::backward(const RowMatrix&, const RowMatrix& out, const RowMatrix& grad_out,
                    RowMatrix* grad_in) {
  if (grad_in) *grad_in = (out.array() > 0.0f).select(grad_out, 0.0f);
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

Network::Network(const Network& other) : input_(other.input_) {
  for (const auto& l : other.layers_) layers_.push_back(l->clone());
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
  return *layers_.back();
}

Shape Network::output_shape() const {
  Shape s = input_;
  for (const auto& l : layers_) s = l->output_shape(s);
  return s;
}

std::vector<Dense*> Network::dense_layers() {
  std::vector<Dense*> d;
  for (auto& l : layers_)
    if (auto* p = dynamic_cast<Dense*>(l.get())) d.push_back(p);
  return d;
}

std::vector<const Dense*> Network::dense_layers() const {
  std::vector<const Dense*> d;
  for (const auto& l : layers_)
    if (const auto* p = dynamic_cast<const Dense*>(l.get())) d.push_back(p);
  return d;
}

const RowMatrix& Network::forward(const RowMatrix& batch, bool train, Rng& rng) {
  if (batch.cols() != input_.size())
    throw std::invalid_argument("network expects " + std::to_string(input_.size()) +
                                " input features, gets " + std::to_string(batch.cols()));
  acts_.resize(layers_.size() + 1);
  acts_[0] = batch;
  for (std::size_t i = 0; i < layers_.size(); ++i)
    layers_[i]->forward(acts_[i], acts_[i + 1], train, rng);
  return acts_.back();
}

void Network::backward(const RowMatrix& grad_output) {
  RowMatrix g = grad_output, next;
  for (std::size_t i = layers_.size(); i-- > 0;) {
    layers_[i]->backward(acts_[i], acts_[i + 1], g, i > 0 ? &next : nullptr);
    if (i > 0) std::swap(g, next);
  }
}

RowMatrix Network::activations_after(const RowMatrix& samples, std::size_t layer_index) const {
  if (layer_index >= layers_.size()) throw std::out_of_range("layer index out of range");
  Network copy(*this);  // forward() keeps state; inference on a copy keeps this method const
  Rng rng(0);
  const Eigen::Index chunk = 1000;
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
