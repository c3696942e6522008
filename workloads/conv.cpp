#include "workloads/conv.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "workloads/blas.hpp"

namespace xbar::workloads {

namespace {

std::string shape_text(const Shape& s) {
  return std::to_string(s.channels) + "x" + std::to_string(s.height) + "x" +
         std::to_string(s.width);
}

std::string dims(const Eigen::MatrixXf& m) {
  return std::to_string(m.rows()) + "x" + std::to_string(m.cols());
}

}  // namespace

// ---- Conv2d ----

Conv2d::Conv2d(Shape input, int out_channels, int kernel, int stride, int padding, bool bias)
    : in_(input), k_(kernel), stride_(stride), pad_(padding) {
  if (input.size() <= 0 || out_channels <= 0 || kernel <= 0 || stride <= 0 || padding < 0)
    throw std::invalid_argument(
        "conv layer needs a non-empty input, out_channels, kernel and "
        "stride > 0 and padding >= 0 (input " +
        shape_text(input) + ", " + std::to_string(out_channels) + " filters, kernel " +
        std::to_string(kernel) + ", stride " + std::to_string(stride) + ", padding " +
        std::to_string(padding) + ")");
  const int ho = (input.height + 2 * padding - kernel) / stride + 1;
  const int wo = (input.width + 2 * padding - kernel) / stride + 1;
  if (input.height + 2 * padding < kernel || input.width + 2 * padding < kernel)
    throw std::invalid_argument("conv kernel " + std::to_string(kernel) +
                                " larger than its input " + shape_text(input) + " with padding " +
                                std::to_string(padding));
  out_ = {out_channels, ho, wo};
  index_.resize(std::size_t(ho) * std::size_t(wo) * std::size_t(kernel_size()));
  for (int p = 0; p < ho * wo; ++p)
    for (int r = 0; r < kernel_size(); ++r)
      index_[std::size_t(p) * std::size_t(kernel_size()) + std::size_t(r)] =
          input_index(r, p / wo, p % wo);
  weights_ = Eigen::MatrixXf::Zero(out_channels, kernel_size());
  grad_w_ = Eigen::MatrixXf::Zero(out_channels, kernel_size());
  if (bias) {
    bias_ = Eigen::VectorXf::Zero(out_channels);
    grad_b_ = Eigen::VectorXf::Zero(out_channels);
  }
}

Shape Conv2d::output_shape(const Shape& in) const {
  if (in.size() != in_.size())
    throw std::invalid_argument("conv layer expects input " + shape_text(in_) + " (" +
                                std::to_string(in_.size()) + " features), gets " +
                                std::to_string(in.size()));
  return out_;
}

int Conv2d::input_index(int r, int oy, int ox) const {
  const int kx = r % k_, ky = (r / k_) % k_, c = r / (k_ * k_);
  const int iy = oy * stride_ - pad_ + ky, ix = ox * stride_ - pad_ + kx;
  if (iy < 0 || ix < 0 || iy >= in_.height || ix >= in_.width) return -1;
  return (c * in_.height + iy) * in_.width + ix;
}

// cols (samples*P x K, row-major): row b*P + p holds sample b's receptive field at position p.
void Conv2d::im2col(const RowMatrix& in, RowMatrix& cols) const {
  const int b = static_cast<int>(in.rows()), P = out_.height * out_.width, K = kernel_size();
  cols.resize(Eigen::Index(b) * P, K);
  for (int s = 0; s < b; ++s) {
    const float* x = &in(s, 0);
    for (int p = 0; p < P; ++p) {
      float* row = &cols(Eigen::Index(s) * P + p, 0);
      const int* idx = &index_[std::size_t(p) * std::size_t(K)];
      for (int r = 0; r < K; ++r) row[r] = idx[r] < 0 ? 0.0f : x[idx[r]];
    }
  }
}

void Conv2d::forward(const RowMatrix& in, RowMatrix& out, bool, Rng&) {
  if (in.cols() != in_.size())
    throw std::invalid_argument("conv layer expects " + std::to_string(in_.size()) +
                                " features, gets " + std::to_string(in.cols()));
  const int b = static_cast<int>(in.rows()), P = out_.height * out_.width, K = kernel_size(),
            co = out_.channels;
  im2col(in, cols_);
  RowMatrix y(Eigen::Index(b) * P, co);
  // weights_ (co x K, column-major) is W^T as a row-major K x co matrix: Y = cols * W^T.
  gemm(false, false, b * P, co, K, 1.0f, cols_.data(), K, weights_.data(), co, 0.0f, y.data(), co);
  out.resize(b, Eigen::Index(co) * P);
  for (int s = 0; s < b; ++s)
    for (int c = 0; c < co; ++c) {
      const float bias = has_bias() ? bias_(c) : 0.0f;
      for (int p = 0; p < P; ++p)
        out(s, Eigen::Index(c) * P + p) = y(Eigen::Index(s) * P + p, c) + bias;
    }
}

void Conv2d::backward(const RowMatrix& in, const RowMatrix&, const RowMatrix& grad_out,
                      RowMatrix* grad_in) {
  const int b = static_cast<int>(in.rows()), P = out_.height * out_.width, K = kernel_size(),
            co = out_.channels;
  if (cols_.rows() != Eigen::Index(b) * P) im2col(in, cols_);
  RowMatrix g(Eigen::Index(b) * P, co);
  for (int s = 0; s < b; ++s)
    for (int c = 0; c < co; ++c)
      for (int p = 0; p < P; ++p)
        g(Eigen::Index(s) * P + p, c) = grad_out(s, Eigen::Index(c) * P + p);
  // dW^T (K x co) = cols^T G
  gemm(true, false, K, co, b * P, 1.0f, cols_.data(), K, g.data(), co, 0.0f, grad_w_.data(), co);
  if (has_bias()) grad_b_ = g.colwise().sum().transpose();
  if (!grad_in) return;
  RowMatrix dcols(Eigen::Index(b) * P, K);
  gemm(false, true, b * P, K, co, 1.0f, g.data(), co, weights_.data(), co, 0.0f, dcols.data(), K);
  grad_in->setZero(b, in_.size());
  for (int s = 0; s < b; ++s) {
    float* gx = &(*grad_in)(s, 0);
    for (int p = 0; p < P; ++p) {
      const float* row = &dcols(Eigen::Index(s) * P + p, 0);
      const int* idx = &index_[std::size_t(p) * std::size_t(K)];
      for (int r = 0; r < K; ++r)
        if (idx[r] >= 0) gx[idx[r]] += row[r];
    }
  }
}

std::vector<Parameter> Conv2d::parameters() {
  std::vector<Parameter> p{{weights_.data(), grad_w_.data(), has_mask() ? mask_.data() : nullptr,
                            static_cast<std::size_t>(weights_.size())}};
  if (has_bias()) p.push_back({bias_.data(), grad_b_.data(), nullptr, std::size_t(bias_.size())});
  return p;
}

void Conv2d::set_weights(const Eigen::MatrixXf& w) {
  if (w.rows() != weights_.rows() || w.cols() != weights_.cols())
    throw std::invalid_argument("weights of shape " + dims(w) + " for a conv layer of " +
                                dims(weights_) + " (out_channels x in_channels*k*k)");
  weights_ = w;
  apply_mask();
}

void Conv2d::set_bias(const Eigen::VectorXf& b) {
  if (!has_bias()) throw std::invalid_argument("this conv layer has no bias");
  if (b.size() != bias_.size())
    throw std::invalid_argument("bias of " + std::to_string(b.size()) + " values for " +
                                std::to_string(bias_.size()) + " filters");
  bias_ = b;
}

void Conv2d::set_mask(const Eigen::MatrixXf& mask) {
  if (mask.rows() != weights_.rows() || mask.cols() != weights_.cols())
    throw std::invalid_argument("mask of shape " + dims(mask) + " for a conv layer of " +
                                dims(weights_) + " (out_channels x in_channels*k*k)");
  mask_ = (mask.array() != 0.0f).cast<float>();
  apply_mask();
}

void Conv2d::apply_mask() {
  if (!has_mask()) return;
  weights_ = (mask_.array() != 0.0f).select(weights_, 0.0f);
}

Eigen::MatrixXf Conv2d::unrolled() const {
  const int P = out_.height * out_.width;
  Eigen::MatrixXf m = Eigen::MatrixXf::Zero(out_.size(), in_.size());
  for (int p = 0; p < P; ++p)
    for (int r = 0; r < kernel_size(); ++r) {
      const int idx = input_index(r, p / out_.width, p % out_.width);
      if (idx < 0) continue;
      for (int c = 0; c < out_.channels; ++c) m(c * P + p, idx) = weights_(c, r);
    }
  return m;
}

// ---- Pooling ----

Pool2d::Pool2d(Mode mode, Shape input, int kernel, int stride)
    : mode_(mode), in_(input), k_(kernel), stride_(stride > 0 ? stride : kernel) {
  if (kernel <= 0 || input.height < kernel || input.width < kernel)
    throw std::invalid_argument("pooling window " + std::to_string(kernel) +
                                " does not fit its input " + shape_text(input));
  out_ = {input.channels, (input.height - kernel) / stride_ + 1,
          (input.width - kernel) / stride_ + 1};
}

Shape Pool2d::output_shape(const Shape& in) const {
  if (in.size() != in_.size())
    throw std::invalid_argument(kind() + " layer expects input " + shape_text(in_) + ", gets " +
                                std::to_string(in.size()) + " features");
  return out_;
}

void Pool2d::forward(const RowMatrix& in, RowMatrix& out, bool, Rng&) {
  if (in.cols() != in_.size())
    throw std::invalid_argument(kind() + " layer expects " + std::to_string(in_.size()) +
                                " features, gets " + std::to_string(in.cols()));
  const Eigen::Index b = in.rows();
  out.resize(b, out_.size());
  if (mode_ == Mode::kMax) argmax_.assign(std::size_t(b * out_.size()), 0);
  const float inv = 1.0f / float(k_ * k_);
  for (Eigen::Index s = 0; s < b; ++s)
    for (int c = 0; c < out_.channels; ++c)
      for (int oy = 0; oy < out_.height; ++oy)
        for (int ox = 0; ox < out_.width; ++ox) {
          const int o = (c * out_.height + oy) * out_.width + ox;
          float acc = mode_ == Mode::kMax ? -std::numeric_limits<float>::infinity() : 0.0f;
          int best = -1;
          for (int ky = 0; ky < k_; ++ky)
            for (int kx = 0; kx < k_; ++kx) {
              const int i = (c * in_.height + oy * stride_ + ky) * in_.width + ox * stride_ + kx;
              const float v = in(s, i);
              if (mode_ == Mode::kAverage) {
                acc += v;
              } else if (v > acc) {  // ties keep the first (row-major) window element
                acc = v;
                best = i;
              }
            }
          if (mode_ == Mode::kAverage) {
            out(s, o) = acc * inv;
          } else {
            out(s, o) = acc;
            argmax_[std::size_t(s * out_.size() + o)] = best;
          }
        }
}

void Pool2d::backward(const RowMatrix& in, const RowMatrix&, const RowMatrix& grad_out,
                      RowMatrix* grad_in) {
  if (!grad_in) return;
  const Eigen::Index b = in.rows();
  grad_in->setZero(b, in_.size());
  const float inv = 1.0f / float(k_ * k_);
  for (Eigen::Index s = 0; s < b; ++s)
    for (int c = 0; c < out_.channels; ++c)
      for (int oy = 0; oy < out_.height; ++oy)
        for (int ox = 0; ox < out_.width; ++ox) {
          const int o = (c * out_.height + oy) * out_.width + ox;
          const float g = grad_out(s, o);
          if (mode_ == Mode::kMax) {
            (*grad_in)(s, argmax_[std::size_t(s * out_.size() + o)]) += g;
            continue;
          }
          for (int ky = 0; ky < k_; ++ky)
            for (int kx = 0; kx < k_; ++kx)
              (*grad_in)(s, (c * in_.height + oy * stride_ + ky) * in_.width + ox * stride_ + kx) +=
                  g * inv;
        }
}

Eigen::MatrixXf Pool2d::unrolled() const {
  if (mode_ != Mode::kAverage)
    throw std::invalid_argument("max pooling has no linear (dense) equivalent");
  Eigen::MatrixXf m = Eigen::MatrixXf::Zero(out_.size(), in_.size());
  const float inv = 1.0f / float(k_ * k_);
  for (int c = 0; c < out_.channels; ++c)
    for (int oy = 0; oy < out_.height; ++oy)
      for (int ox = 0; ox < out_.width; ++ox)
        for (int ky = 0; ky < k_; ++ky)
          for (int kx = 0; kx < k_; ++kx)
            m((c * out_.height + oy) * out_.width + ox,
              (c * in_.height + oy * stride_ + ky) * in_.width + ox * stride_ + kx) += inv;
  return m;
}

// ---- builders ----

bool is_cnn_spec(const std::string& spec) {
  return spec.find_first_of("csamCSAM") != std::string::npos;
}

Network make_cnn(Shape input, const std::string& spec, const CnnOptions& o) {
  std::vector<std::string> tokens;
  {
    std::stringstream ss(spec);
    std::string t;
    while (std::getline(ss, t, '-')) tokens.push_back(t);
  }
  if (tokens.empty()) throw std::invalid_argument("network spec '" + spec + "' is empty");
  auto bad = [&](const std::string& t, const std::string& why) {
    return std::invalid_argument("network spec '" + spec + "', token '" + t + "': " + why +
                                 " (e.g. 12c5-2s-64c5-2s-1200-1200-10: Nc K = N filters K x K, "
                                 "Ks/Ka = average pooling, Km = max pooling, N = dense)");
  };
  auto number = [&](const std::string& t, const std::string& s) {
    std::size_t used = 0;
    int v = 0;
    try {
      v = std::stoi(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (s.empty() || used != s.size() || v <= 0) throw bad(t, "expected a positive integer");
    return v;
  };
  Network net(input);
  // The first token may repeat the input size of an MLP-style spec ("784-..."): skip it when it
  // equals the input's feature count and is followed by more tokens.
  std::size_t first = 0;
  if (tokens.size() > 1 && tokens[0].find_first_not_of("0123456789") == std::string::npos &&
      !tokens[0].empty() && std::stoi(tokens[0]) == input.size())
    first = 1;
  // Index of the last dense token: it gets no ReLU/dropout (unless relu_output).
  std::size_t last_dense = tokens.size();
  for (std::size_t i = first; i < tokens.size(); ++i)
    if (tokens[i].find_first_not_of("0123456789") == std::string::npos) last_dense = i;
  if (last_dense != tokens.size() - 1)
    throw bad(tokens.back(), "the last layer must be dense (a plain number of outputs)");
  bool flat = false;
  for (std::size_t i = first; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    const Shape s = net.output_shape();
    const std::size_t letter = t.find_first_not_of("0123456789");
    if (letter == std::string::npos) {
      if (!flat && (s.channels > 1 || s.height > 1)) net.add(std::make_unique<Flatten>());
      flat = true;
      net.add(std::make_unique<Dense>(s.size(), number(t, t)));
      const bool last = i == last_dense;
      if (!last || o.relu_output) net.add(std::make_unique<Relu>());
      if (!last && o.dropout > 0.0f) net.add(std::make_unique<Dropout>(o.dropout));
      continue;
    }
    if (flat) throw bad(t, "conv and pooling must come before the dense layers");
    const char c = char(std::tolower(static_cast<unsigned char>(t[letter])));
    const int a = number(t, t.substr(0, letter));
    const std::string rest = t.substr(letter + 1);
    try {
      if (c == 'c') {
        net.add(std::make_unique<Conv2d>(s, a, number(t, rest)));
        net.add(std::make_unique<Relu>());
      } else if (c == 's' || c == 'a' || c == 'm') {
        if (!rest.empty()) throw bad(t, "a pooling token is K followed by s, a or m");
        if (c == 'm')
          net.add(std::make_unique<MaxPool2d>(s, a));
        else
          net.add(std::make_unique<AvgPool2d>(s, a));
      } else {
        throw bad(t, std::string("unknown layer letter '") + t[letter] + "'");
      }
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      if (what.rfind("network spec", 0) == 0) throw;
      throw bad(t, what);
    }
  }
  return net;
}

void init_conv_weights(Network& net, Init init, float scale, Rng& rng) {
  for (Conv2d* c : conv_layers(net)) {
    const float a =
        init == Init::kHeUniform ? std::sqrt(6.0f / static_cast<float>(c->kernel_size())) : scale;
    Eigen::MatrixXf w(c->out_channels(), c->kernel_size());
    float* p = w.data();
    for (Eigen::Index i = 0; i < w.size(); ++i) p[i] = rng.uniform(-a, a);
    c->set_weights(w);
    if (c->has_bias()) c->set_bias(Eigen::VectorXf::Zero(c->out_channels()));
  }
}

std::vector<Conv2d*> conv_layers(Network& net) {
  std::vector<Conv2d*> v;
  for (std::size_t i = 0; i < net.size(); ++i)
    if (auto* c = dynamic_cast<Conv2d*>(&net.layer(i))) v.push_back(c);
  return v;
}

std::vector<const Conv2d*> conv_layers(const Network& net) {
  std::vector<const Conv2d*> v;
  for (std::size_t i = 0; i < net.size(); ++i)
    if (const auto* c = dynamic_cast<const Conv2d*>(&net.layer(i))) v.push_back(c);
  return v;
}

}  // namespace xbar::workloads
