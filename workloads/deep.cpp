// Batch normalisation, the residual join, batch-norm folding and the VGG / ResNet presets.
#include "workloads/deep.hpp"

#include <cmath>
#include <stdexcept>

namespace xbar::workloads {

namespace {

std::string shape_text(const Shape& s) {
  return std::to_string(s.channels) + "x" + std::to_string(s.height) + "x" +
         std::to_string(s.width);
}

}  // namespace

// ---- BatchNorm2d ----

BatchNorm2d::BatchNorm2d(int channels, float eps, float momentum) : eps_(eps), momentum_(momentum) {
  if (channels <= 0 || !(eps > 0.0f) || !(momentum >= 0.0f && momentum <= 1.0f))
    throw std::invalid_argument("batch norm needs channels > 0, eps > 0 and momentum in [0, 1] (" +
                                std::to_string(channels) + " channels, eps " + std::to_string(eps) +
                                ", momentum " + std::to_string(momentum) + ")");
  gamma_ = Eigen::VectorXf::Ones(channels);
  beta_ = Eigen::VectorXf::Zero(channels);
  mean_ = Eigen::VectorXf::Zero(channels);
  var_ = Eigen::VectorXf::Ones(channels);
  grad_gamma_ = Eigen::VectorXf::Zero(channels);
  grad_beta_ = Eigen::VectorXf::Zero(channels);
}

Shape BatchNorm2d::output_shape(const Shape& in) const {
  if (in.channels != channels())
    throw std::invalid_argument("batch norm of " + std::to_string(channels()) +
                                " channels gets an input of " + shape_text(in));
  return in;
}

void BatchNorm2d::set_state(const Eigen::VectorXf& gamma, const Eigen::VectorXf& beta,
                            const Eigen::VectorXf& running_mean,
                            const Eigen::VectorXf& running_var) {
  const Eigen::Index c = channels();
  if (gamma.size() != c || beta.size() != c || running_mean.size() != c || running_var.size() != c)
    throw std::invalid_argument("batch norm of " + std::to_string(c) +
                                " channels needs that many values of gamma, beta, running mean "
                                "and running variance");
  if ((running_var.array() < 0.0f).any())
    throw std::invalid_argument("batch norm: a running variance is negative");
  gamma_ = gamma;
  beta_ = beta;
  mean_ = running_mean;
  var_ = running_var;
}

Eigen::VectorXf BatchNorm2d::scale() const {
  return (gamma_.array() / (var_.array() + eps_).sqrt()).matrix();
}

Eigen::VectorXf BatchNorm2d::shift() const {
  return (beta_.array() - mean_.array() * scale().array()).matrix();
}

// Channel c of sample s is the contiguous segment [c*P, (c+1)*P) of row s. Sums run in float
// over a segment (vectorised) and in double across samples.
void BatchNorm2d::forward(const RowMatrix& in, RowMatrix& out, bool train, Rng&) {
  const Eigen::Index b = in.rows(), C = channels();
  if (in.cols() % C != 0)
    throw std::invalid_argument("batch norm of " + std::to_string(C) + " channels gets " +
                                std::to_string(in.cols()) + " features per sample");
  const Eigen::Index P = in.cols() / C, F = in.cols();
  using Segment = Eigen::Map<const Eigen::ArrayXf>;
  using Out = Eigen::Map<Eigen::ArrayXf>;
  batch_stats_ = train;
  inv_std_.resize(C);
  RowMatrix& xhat = xhat_.m;
  xhat.resize(b, F);
  out.resize(b, F);
  const double n = double(b * P);
  for (Eigen::Index c = 0; c < C; ++c) {
    float mean = mean_(c), var = var_(c);
    if (train) {
      double sum = 0;
      for (Eigen::Index s = 0; s < b; ++s) sum += Segment(in.data() + s * F + c * P, P).sum();
      const float m = float(sum / n);
      double sq = 0;
      for (Eigen::Index s = 0; s < b; ++s)
        sq += (Segment(in.data() + s * F + c * P, P) - m).square().sum();
      mean = m;
      var = float(sq / n);
      mean_(c) = (1.0f - momentum_) * mean_(c) + momentum_ * mean;
      const float unbiased = n > 1 ? float(sq / (n - 1)) : var;
      var_(c) = (1.0f - momentum_) * var_(c) + momentum_ * unbiased;
    }
    const float inv = 1.0f / std::sqrt(var + eps_);
    inv_std_(c) = inv;
    for (Eigen::Index s = 0; s < b; ++s) {
      Out x(xhat.data() + s * F + c * P, P);
      x = (Segment(in.data() + s * F + c * P, P) - mean) * inv;
      Out(out.data() + s * F + c * P, P) = x * gamma_(c) + beta_(c);
    }
  }
}

void BatchNorm2d::backward(const RowMatrix& in, const RowMatrix&, const RowMatrix& grad_out,
                           RowMatrix* grad_in) {
  const Eigen::Index b = in.rows(), C = channels(), P = in.cols() / C, F = in.cols();
  using Segment = Eigen::Map<const Eigen::ArrayXf>;
  using Out = Eigen::Map<Eigen::ArrayXf>;
  const RowMatrix& xhat = xhat_.m;
  const float n = float(b * P);
  if (grad_in) grad_in->resize(b, F);
  for (Eigen::Index c = 0; c < C; ++c) {
    double dbeta = 0, dgamma = 0;
    for (Eigen::Index s = 0; s < b; ++s) {
      const Segment g(grad_out.data() + s * F + c * P, P);
      dbeta += g.sum();
      dgamma += (g * Segment(xhat.data() + s * F + c * P, P)).sum();
    }
    grad_beta_(c) = float(dbeta);
    grad_gamma_(c) = float(dgamma);
    if (!grad_in) continue;
    const float k = gamma_(c) * inv_std_(c);
    for (Eigen::Index s = 0; s < b; ++s) {
      const Segment g(grad_out.data() + s * F + c * P, P);
      Out gi(grad_in->data() + s * F + c * P, P);
      if (batch_stats_) {
        // d/dx of gamma (x - mean_B) / sqrt(var_B + eps): the batch statistics depend on x too.
        const Segment xh(xhat.data() + s * F + c * P, P);
        gi = (k / n) * (n * g - float(dbeta) - xh * float(dgamma));
      } else {
        gi = k * g;
      }
    }
  }
}

std::vector<Parameter> BatchNorm2d::parameters() {
  return {{gamma_.data(), grad_gamma_.data(), nullptr, std::size_t(gamma_.size())},
          {beta_.data(), grad_beta_.data(), nullptr, std::size_t(beta_.size())}};
}

// ---- Residual ----

Residual::Residual(Network main, Network shortcut)
    : main_(std::move(main)), shortcut_(std::move(shortcut)) {
  if (main_.size() == 0) throw std::invalid_argument("a residual block needs a main branch");
  if (!(main_.input_shape() == shortcut_.input_shape()))
    throw std::invalid_argument("residual block: the main branch reads " +
                                shape_text(main_.input_shape()) + " but the shortcut reads " +
                                shape_text(shortcut_.input_shape()));
  const Shape m = main_.output_shape(), s = shortcut_.output_shape();
  if (!(m == s))
    throw std::invalid_argument(
        "residual block: the main branch gives " + shape_text(m) + " but the " +
        (identity_shortcut() ? std::string("identity shortcut") : std::string("shortcut")) +
        " gives " + shape_text(s) + "; they must be equal to be added");
}

Shape Residual::output_shape(const Shape& in) const {
  if (in.size() != main_.input_shape().size())
    throw std::invalid_argument("residual block expects input " + shape_text(main_.input_shape()) +
                                ", gets " + std::to_string(in.size()) + " features");
  return main_.output_shape();
}

void Residual::forward(const RowMatrix& in, RowMatrix& out, bool train, Rng& rng) {
  const RowMatrix& m = main_.forward_view(in, train, rng);
  if (identity_shortcut())
    out = m + in;
  else
    out = m + shortcut_.forward_view(in, train, rng);
}

void Residual::backward(const RowMatrix&, const RowMatrix&, const RowMatrix& grad_out,
                        RowMatrix* grad_in) {
  // dL/dx = dL/dx through the main branch + through the shortcut (the identity passes grad_out).
  RowMatrix &gm = grad_main_.m, &gs = grad_shortcut_.m;
  main_.backward(grad_out, grad_in ? &gm : nullptr);
  if (!identity_shortcut()) shortcut_.backward(grad_out, grad_in ? &gs : nullptr);
  if (!grad_in) return;
  if (identity_shortcut())
    *grad_in = gm + grad_out;
  else
    *grad_in = gm + gs;
}

std::vector<Parameter> Residual::parameters() {
  std::vector<Parameter> p = main_.parameters();
  for (const Parameter& q : shortcut_.parameters()) p.push_back(q);
  return p;
}

std::size_t Residual::floats_per_sample(const Shape& in) const {
  return main_.floats_per_sample() + shortcut_.floats_per_sample() +
         std::size_t(output_shape(in).size());
}

// ---- fold_batchnorm ----

int fold_batchnorm(Network& net) {
  int folded = 0;
  for (std::size_t i = 0; i < net.size();) {
    for (Network* b : net.layer(i).branches()) folded += fold_batchnorm(*b);
    const auto* bn = dynamic_cast<const BatchNorm2d*>(&net.layer(i));
    if (!bn) {
      ++i;
      continue;
    }
    auto* conv = i > 0 ? dynamic_cast<Conv2d*>(&net.layer(i - 1)) : nullptr;
    if (!conv || conv->out_channels() != bn->channels())
      throw std::invalid_argument("fold_batchnorm: the batch norm at layer " + std::to_string(i) +
                                  " does not follow a conv layer of " +
                                  std::to_string(bn->channels()) + " filters");
    const Eigen::VectorXf scale = bn->scale(), shift = bn->shift();
    conv->set_weights(scale.asDiagonal() * conv->weights());
    conv->enable_bias();
    conv->set_bias(scale.cwiseProduct(conv->bias()) + shift);
    net.erase(i);
    ++folded;
  }
  return folded;
}

// ---- presets ----

namespace {

struct Preset {
  const char* name;
  // VGG: channel counts and 0 = a 2x2 average pooling; ResNet-20: empty.
  std::vector<int> vgg;
};

const std::vector<Preset>& presets() {
  static const std::vector<Preset> p = {
      {"vgg11", {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0}},
      {"vgg16", {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0}},
      {"resnet20", {}}};
  return p;
}

const Preset* find_preset(const std::string& name) {
  for (const Preset& p : presets())
    if (name == p.name) return &p;
  return nullptr;
}

}  // namespace

std::vector<std::string> net_preset_names() {
  std::vector<std::string> v;
  for (const Preset& p : presets()) v.push_back(p.name);
  return v;
}

bool is_net_preset(const std::string& spec) {
  return find_preset(spec.substr(0, spec.find('@'))) != nullptr;
}

std::string expand_net_preset(const std::string& spec) {
  const std::size_t at = spec.find('@');
  const std::string name = spec.substr(0, at);
  const Preset* p = find_preset(name);
  if (!p) {
    if (at == std::string::npos) return spec;
    std::string known;
    for (const auto& n : net_preset_names()) known += (known.empty() ? "" : ", ") + n;
    throw std::invalid_argument("network '" + spec + "': '" + name + "' is not a named network (" +
                                known + "; NAME@WIDTH)");
  }
  double width = 1.0;
  if (at != std::string::npos) {
    const std::string w = spec.substr(at + 1);
    std::size_t used = 0;
    try {
      width = std::stod(w, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (w.empty() || used != w.size() || !(width > 0.0) || !std::isfinite(width))
      throw std::invalid_argument("network '" + spec + "': the width after '@' must be a " +
                                  "positive number, e.g. " + name + "@0.25");
  }
  auto ch = [&](int c) { return std::to_string(std::max(1L, std::lround(double(c) * width))); };
  std::string out;
  auto put = [&](const std::string& t) { out += (out.empty() ? "" : "-") + t; };
  if (!p->vgg.empty()) {
    for (int c : p->vgg) put(c == 0 ? "2a" : ch(c) + "c3p1b");
  } else {
    put(ch(16) + "c3p1b");
    const int stage_channels[3] = {16, 32, 64};
    for (int s = 0; s < 3; ++s)
      for (int b = 0; b < 3; ++b)
        put(ch(stage_channels[s]) + "r" + (s > 0 && b == 0 ? "s2" : "") + "b");
    put("gap");
  }
  put("10");
  return out;
}

}  // namespace xbar::workloads
