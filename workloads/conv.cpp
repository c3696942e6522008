#include "workloads/conv.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "config/files.hpp"
#include "workloads/blas.hpp"
#include "workloads/deep.hpp"

namespace xbar::workloads {

namespace {

std::string shape_text(const Shape& s) {
  return std::to_string(s.channels) + "x" + std::to_string(s.height) + "x" +
         std::to_string(s.width);
}

// The fan-in of a conv layer, after checking in 64 bits that neither its weights, its padded input,
// its output nor its read plan has more elements than a tensor may have (config::limits): a
// manifest or an ONNX file with pads of 10^6 asked for 400 TB, huge channel counts overflowed int.
int checked_conv_fan_in(const Shape& in, int out_channels, int kernel, int stride, int padding) {
  if (in.channels <= 0 || in.height <= 0 || in.width <= 0 || out_channels <= 0 || kernel <= 0 ||
      stride <= 0 || padding < 0)
    return 0;  // the constructor says what is wrong
  const std::uint64_t limit = config::limits::kTensorElements;
  const std::uint64_t c = in.channels, k = kernel, hp = std::uint64_t(in.height) + 2 * padding,
                      wp = std::uint64_t(in.width) + 2 * padding;
  const std::uint64_t ho = hp >= k ? (hp - k) / stride + 1 : 0,
                      wo = wp >= k ? (wp - k) / stride + 1 : 0;
  const auto over = [&](std::uint64_t a, std::uint64_t b, std::uint64_t d) {
    return a > limit || b > limit || d > limit || a * b > limit || a * b * d > limit;
  };
  if (over(c, k, k) || over(c * k * k, out_channels, 1) || over(c, hp, wp) ||
      over(out_channels, ho, wo) || over(ho * wo, c, k))
    throw std::invalid_argument(
        "conv layer of " + std::to_string(out_channels) + " filters of " + std::to_string(kernel) +
        "x" + std::to_string(kernel) + ", stride " + std::to_string(stride) + ", padding " +
        std::to_string(padding) + " on input " + shape_text(in) + " has more than the " +
        std::to_string(limit) + " elements a tensor may have");
  return static_cast<int>(c * k * k);
}

}  // namespace

// ---- Conv2d ----

Conv2d::Conv2d(Shape input, int out_channels, int kernel, int stride, int padding, bool bias)
    : WeightedLayer(std::max(out_channels, 0),
                    checked_conv_fan_in(input, out_channels, kernel, stride, padding), bias),
      in_(input),
      k_(kernel),
      stride_(stride),
      pad_(padding) {
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
  // Kernel row (c, ky, kx) at position (oy, ox) reads the zero-padded input at
  // (c, oy*stride + ky, ox*stride + kx): for each (c, ky) a run of k contiguous values.
  const int hp = input.height + 2 * padding, wp = input.width + 2 * padding;
  const std::size_t runs = std::size_t(input.channels) * std::size_t(kernel);
  run_.resize(std::size_t(ho) * std::size_t(wo) * runs);
  for (int p = 0; p < ho * wo; ++p)
    for (int c = 0; c < input.channels; ++c)
      for (int ky = 0; ky < kernel; ++ky)
        run_[std::size_t(p) * runs + std::size_t(c * kernel + ky)] =
            (c * hp + (p / wo) * stride + ky) * wp + (p % wo) * stride;
}

std::size_t Conv2d::floats_per_sample(const Shape&) const {
  return std::size_t(out_.size()) * 2;  // the output and its position-major copy
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

// Samples per im2col chunk: the chunk's matrix (samples*P x K floats) stays near 1 MB, so it is
// written and read back by the GEMM in cache. Whole-batch im2col matrices of small-channel layers
// (ResNet's first stage: 128 x 1024 x 72 floats, 38 MB per conv) made a step memory-bound.
int Conv2d::chunk_samples(int batch) const {
  const long per_sample = long(out_.height) * out_.width * kernel_size();
  return int(std::clamp<long>((1L << 18) / std::max(1L, per_sample), 1, std::max(1, batch)));
}

// cols (n*P x K, row-major): row t*P + p holds sample first+t's receptive field at position p,
// copied run by run from a zero-padded copy of the sample (no per-element index or branch).
void Conv2d::im2col(const RowMatrix& in, int first, int n, RowMatrix& cols) {
  const int P = out_.height * out_.width, K = kernel_size(), runs = in_.channels * k_;
  const int H = in_.height, W = in_.width, Hp = H + 2 * pad_, Wp = W + 2 * pad_;
  cols.resize(Eigen::Index(n) * P, K);
  RowMatrix& xp = padded_.m;
  if (xp.size() != Eigen::Index(in_.channels) * Hp * Wp)
    xp.setZero(1, Eigen::Index(in_.channels) * Hp * Wp);  // the border stays zero from here on
  for (int t = 0; t < n; ++t) {
    const float* x = &in(first + t, 0);
    float* xs = xp.data();
    for (int c = 0; c < in_.channels; ++c)
      for (int y = 0; y < H; ++y)
        std::copy(x + (c * H + y) * W, x + (c * H + y + 1) * W,
                  xs + (c * Hp + y + pad_) * Wp + pad_);
    for (int p = 0; p < P; ++p) {
      float* row = &cols(Eigen::Index(t) * P + p, 0);
      const int* run = &run_[std::size_t(p) * std::size_t(runs)];
      if (k_ == 3) {
        for (int j = 0; j < runs; ++j, row += 3) {
          const float* src = xs + run[j];
          row[0] = src[0];
          row[1] = src[1];
          row[2] = src[2];
        }
      } else {
        for (int j = 0; j < runs; ++j, row += k_) std::copy(xs + run[j], xs + run[j] + k_, row);
      }
    }
  }
}

// grad_in rows first..first+n-1 from dcols (the layout of im2col), through a padded buffer.
void Conv2d::col2im(const RowMatrix& dcols, int first, int n, RowMatrix& grad_in) {
  const int P = out_.height * out_.width, runs = in_.channels * k_;
  const int H = in_.height, W = in_.width, Hp = H + 2 * pad_, Wp = W + 2 * pad_;
  RowMatrix& gp = padded_.m;
  for (int t = 0; t < n; ++t) {
    gp.setZero(1, Eigen::Index(in_.channels) * Hp * Wp);
    float* gs = gp.data();
    for (int p = 0; p < P; ++p) {
      const float* row = &dcols(Eigen::Index(t) * P + p, 0);
      const int* run = &run_[std::size_t(p) * std::size_t(runs)];
      for (int j = 0; j < runs; ++j, row += k_) {
        float* dst = gs + run[j];
        for (int kx = 0; kx < k_; ++kx) dst[kx] += row[kx];
      }
    }
    float* gx = &grad_in(first + t, 0);
    for (int c = 0; c < in_.channels; ++c)
      for (int y = 0; y < H; ++y)
        std::copy(gs + (c * Hp + y + pad_) * Wp + pad_, gs + (c * Hp + y + pad_) * Wp + pad_ + W,
                  gx + (c * H + y) * W);
  }
  gp.setZero();  // im2col relies on a zero border
}

void Conv2d::forward(const RowMatrix& in, RowMatrix& out, bool, Rng&) {
  if (in.cols() != in_.size())
    throw std::invalid_argument("conv layer expects " + std::to_string(in_.size()) +
                                " features, gets " + std::to_string(in.cols()));
  const int b = static_cast<int>(in.rows()), P = out_.height * out_.width, K = kernel_size(),
            co = out_.channels, chunk = chunk_samples(b);
  RowMatrix &cols = cols_.m, &y = by_position_.m;
  out.resize(b, Eigen::Index(co) * P);
  for (int first = 0; first < b; first += chunk) {
    const int n = std::min(chunk, b - first);
    im2col(in, first, n, cols);
    y.resize(Eigen::Index(n) * P, co);
    // weights_ (co x K, column-major) is W^T as a row-major K x co matrix: Y = cols * W^T.
    gemm(false, false, n * P, co, K, 1.0f, cols.data(), K, weights_.data(), co, 0.0f, y.data(), co);
    for (int t = 0; t < n; ++t) {
      const float* ys = y.data() + std::size_t(t) * std::size_t(P) * std::size_t(co);
      float* os = &out(first + t, 0);
      for (int c = 0; c < co; ++c) {
        const float bias = has_bias() ? bias_(c) : 0.0f;
        float* oc = os + std::size_t(c) * std::size_t(P);
        for (int p = 0; p < P; ++p)
          oc[p] = ys[std::size_t(p) * std::size_t(co) + std::size_t(c)] + bias;
      }
    }
  }
}

void Conv2d::backward(const RowMatrix& in, const RowMatrix&, const RowMatrix& grad_out,
                      RowMatrix* grad_in) {
  const int b = static_cast<int>(in.rows()), P = out_.height * out_.width, K = kernel_size(),
            co = out_.channels, chunk = chunk_samples(b);
  RowMatrix &cols = cols_.m, &g = by_position_.m;
  if (has_bias()) grad_b_.setZero();
  if (grad_in) grad_in->resize(b, in_.size());
  for (int first = 0; first < b; first += chunk) {
    const int n = std::min(chunk, b - first);
    g.resize(Eigen::Index(n) * P, co);
    for (int t = 0; t < n; ++t) {
      const float* gs = &grad_out(first + t, 0);
      float* ps = g.data() + std::size_t(t) * std::size_t(P) * std::size_t(co);
      for (int c = 0; c < co; ++c) {
        const float* gc = gs + std::size_t(c) * std::size_t(P);
        for (int p = 0; p < P; ++p) ps[std::size_t(p) * std::size_t(co) + std::size_t(c)] = gc[p];
      }
    }
    // dW^T (K x co) += cols^T G, the chunks summed in order (the result does not depend on
    // threads).
    im2col(in, first, n, cols);
    gemm(true, false, K, co, n * P, 1.0f, cols.data(), K, g.data(), co, first == 0 ? 0.0f : 1.0f,
         grad_w_.data(), co);
    if (has_bias()) grad_b_ += g.colwise().sum().transpose();
    if (!grad_in) continue;
    // dcols = G W, written over the chunk's im2col matrix, then scattered back (col2im).
    gemm(false, true, n * P, K, co, 1.0f, g.data(), co, weights_.data(), co, 0.0f, cols.data(), K);
    col2im(cols, first, n, *grad_in);
  }
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
  if (kernel <= 0 || input.height < kernel || input.width < kernel || input.channels <= 0 ||
      stride_ <= 0)
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
  const Eigen::Index b = in.rows(), F = in_.size(), O = out_.size();
  out.resize(b, O);
  if (mode_ == Mode::kMax) argmax_.assign(std::size_t(b * O), 0);
  const float inv = 1.0f / float(k_ * k_);
  for (Eigen::Index s = 0; s < b; ++s) {
    const float* x = in.data() + s * F;
    float* y = out.data() + s * O;
    for (int c = 0; c < out_.channels; ++c)
      for (int oy = 0; oy < out_.height; ++oy)
        for (int ox = 0; ox < out_.width; ++ox) {
          const int o = (c * out_.height + oy) * out_.width + ox;
          const int corner = (c * in_.height + oy * stride_) * in_.width + ox * stride_;
          if (mode_ == Mode::kAverage) {
            float acc = 0.0f;
            for (int ky = 0; ky < k_; ++ky)
              for (int kx = 0; kx < k_; ++kx) acc += x[corner + ky * in_.width + kx];
            y[o] = acc * inv;
            continue;
          }
          float acc = -std::numeric_limits<float>::infinity();
          int best = -1;
          for (int ky = 0; ky < k_; ++ky)
            for (int kx = 0; kx < k_; ++kx) {
              const int i = corner + ky * in_.width + kx;
              if (x[i] > acc) {  // ties keep the first (row-major) window element
                acc = x[i];
                best = i;
              }
            }
          y[o] = acc;
          argmax_[std::size_t(s * O + o)] = best;
        }
  }
}

void Pool2d::backward(const RowMatrix& in, const RowMatrix&, const RowMatrix& grad_out,
                      RowMatrix* grad_in) {
  if (!grad_in) return;
  const Eigen::Index b = in.rows(), F = in_.size(), O = out_.size();
  grad_in->setZero(b, F);
  const float inv = 1.0f / float(k_ * k_);
  for (Eigen::Index s = 0; s < b; ++s) {
    const float* g = grad_out.data() + s * O;
    float* gx = grad_in->data() + s * F;
    if (mode_ == Mode::kMax) {
      for (Eigen::Index o = 0; o < O; ++o) gx[argmax_[std::size_t(s * O + o)]] += g[o];
      continue;
    }
    for (int c = 0; c < out_.channels; ++c)
      for (int oy = 0; oy < out_.height; ++oy)
        for (int ox = 0; ox < out_.width; ++ox) {
          const float v = g[(c * out_.height + oy) * out_.width + ox] * inv;
          const int corner = (c * in_.height + oy * stride_) * in_.width + ox * stride_;
          for (int ky = 0; ky < k_; ++ky)
            for (int kx = 0; kx < k_; ++kx) gx[corner + ky * in_.width + kx] += v;
        }
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

std::unique_ptr<Pool2d> make_global_avg_pool(Shape input) {
  if (input.height != input.width)
    throw std::invalid_argument("global average pooling needs a square feature map, gets " +
                                shape_text(input));
  return std::make_unique<AvgPool2d>(input, input.height);
}

bool is_cnn_spec(const std::string& spec) {
  if (is_net_preset(spec)) return true;
  for (char c : spec)
    if (std::isalpha(static_cast<unsigned char>(c))) return true;
  return false;
}

namespace {

bool all_digits(const std::string& t) {
  return !t.empty() && t.find_first_not_of("0123456789") == std::string::npos;
}

// The suffixes of a conv or residual token after its numbers: sS = stride, pP = padding, b = batch
// norm before the ReLU.
struct Suffixes {
  int stride = 1, padding = 0;
  bool batchnorm = false;
};

}  // namespace

Network make_cnn(Shape input, const std::string& spec_in, const CnnOptions& o) {
  const std::string spec = expand_net_preset(spec_in);
  const std::string named = spec == spec_in ? "'" + spec + "'" : "'" + spec_in + "' (" + spec + ")";
  std::vector<std::string> tokens;
  {
    std::stringstream ss(spec);
    std::string t;
    while (std::getline(ss, t, '-')) tokens.push_back(t);
  }
  if (tokens.empty()) throw std::invalid_argument("network spec '" + spec + "' is empty");
  auto bad = [&](const std::string& t, const std::string& why) {
    return std::invalid_argument(
        "network spec " + named + ", token '" + t + "': " + why +
        " (e.g. 12c5-2s-64c5-2s-1200-1200-10 or vgg11@0.25: Nc K[sS][pP][b] = N filters K x K, "
        "stride S, padding P, b = batch norm; Nr[sS][b] = residual block of N channels; Ks/Ka "
        "= average pooling, Km = max pooling, gap = global average pooling, N = dense)");
  };
  auto number = [&](const std::string& t, const std::string& s, bool zero_ok = false) {
    std::size_t used = 0;
    int v = 0;
    try {
      v = std::stoi(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (s.empty() || used != s.size() || v < 0 || (v == 0 && !zero_ok))
      throw bad(t, "expected a positive integer");
    return v;
  };
  // "s2p1b" after the numbers of a conv or residual token.
  auto suffixes = [&](const std::string& t, const std::string& rest, bool padding_ok) {
    Suffixes x;
    std::size_t i = 0;
    while (i < rest.size()) {
      const char c = rest[i++];
      if (c == 'b') {
        x.batchnorm = true;
        continue;
      }
      if (c != 's' && !(c == 'p' && padding_ok))
        throw bad(t, std::string("unknown suffix '") + c + "'");
      const std::size_t end = rest.find_first_not_of("0123456789", i);
      const std::string digits = rest.substr(i, end == std::string::npos ? end : end - i);
      if (c == 's')
        x.stride = number(t, digits);
      else
        x.padding = number(t, digits, true);
      i = end == std::string::npos ? rest.size() : end;
    }
    return x;
  };
  Network net(input);
  // The first token may repeat the input size of an MLP-style spec ("784-..."): skip it when it
  // equals the input's feature count and is followed by more tokens.
  std::size_t first = 0;
  if (tokens.size() > 1 && all_digits(tokens[0]) && std::stoi(tokens[0]) == input.size()) first = 1;
  // Index of the last dense token: it gets no ReLU/dropout (unless relu_output).
  std::size_t last_dense = tokens.size();
  for (std::size_t i = first; i < tokens.size(); ++i)
    if (all_digits(tokens[i])) last_dense = i;
  if (last_dense != tokens.size() - 1)
    throw bad(tokens.back(), "the last layer must be dense (a plain number of outputs)");
  bool flat = false;
  for (std::size_t i = first; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    const Shape s = net.output_shape();
    if (all_digits(t)) {
      if (!flat && (s.channels > 1 || s.height > 1)) net.add(std::make_unique<Flatten>());
      flat = true;
      net.add(std::make_unique<Dense>(s.size(), number(t, t)));
      const bool last = i == last_dense;
      if (!last || o.relu_output) net.add(std::make_unique<Relu>());
      if (!last && o.dropout > 0.0f) net.add(std::make_unique<Dropout>(o.dropout));
      continue;
    }
    if (flat) throw bad(t, "conv and pooling must come before the dense layers");
    try {
      if (t == "gap") {
        net.add(make_global_avg_pool(s));
        continue;
      }
      const std::size_t letter = t.find_first_not_of("0123456789");
      const char c = char(std::tolower(static_cast<unsigned char>(t[letter])));
      const int a = number(t, t.substr(0, letter));
      const std::string rest = t.substr(letter + 1);
      if (c == 'c') {
        const std::size_t k_end = rest.find_first_not_of("0123456789");
        const int k = number(t, rest.substr(0, k_end));
        const Suffixes x =
            suffixes(t, k_end == std::string::npos ? std::string() : rest.substr(k_end), true);
        net.add(std::make_unique<Conv2d>(s, a, k, x.stride, x.padding));
        if (x.batchnorm) net.add(std::make_unique<BatchNorm2d>(a));
        net.add(std::make_unique<Relu>());
      } else if (c == 'r') {
        // ResNet's basic block; a projection shortcut where the shape changes.
        const Suffixes x = suffixes(t, rest, false);
        Network main(s), shortcut(s);
        main.add(std::make_unique<Conv2d>(s, a, 3, x.stride, 1));
        if (x.batchnorm) main.add(std::make_unique<BatchNorm2d>(a));
        main.add(std::make_unique<Relu>());
        main.add(std::make_unique<Conv2d>(main.output_shape(), a, 3, 1, 1));
        if (x.batchnorm) main.add(std::make_unique<BatchNorm2d>(a));
        if (x.stride != 1 || s.channels != a) {
          shortcut.add(std::make_unique<Conv2d>(s, a, 1, x.stride, 0));
          if (x.batchnorm) shortcut.add(std::make_unique<BatchNorm2d>(a));
        }
        net.add(std::make_unique<Residual>(std::move(main), std::move(shortcut)));
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

std::vector<Conv2d*> conv_layers(Network& net) { return net.layers_of<Conv2d>(); }

std::vector<const Conv2d*> conv_layers(const Network& net) { return net.layers_of<Conv2d>(); }

}  // namespace xbar::workloads
