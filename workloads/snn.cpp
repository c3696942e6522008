#include "workloads/snn.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

#include "workloads/conv.hpp"

namespace xbar::workloads {

namespace {
constexpr std::array<config::EnumName<Encoding>, 2> kEncodings{{
    {Encoding::kPoisson, "poisson", "a spike with probability = intensity each timestep"},
    {Encoding::kDeterministic, "deterministic", "evenly spaced spikes at a rate = intensity"},
}};
constexpr std::array<config::EnumName<Normalisation>, 3> kNormalisations{{
    {Normalisation::kNone, "none", "weights as trained"},
    {Normalisation::kMax, "max", "each layer scaled by its largest activation"},
    {Normalisation::kPercentile, "percentile",
     "each layer scaled by a percentile of its activations"},
}};
}  // namespace

std::span<const config::EnumName<Encoding>> enum_names(Encoding) { return kEncodings; }
std::span<const config::EnumName<Normalisation>> enum_names(Normalisation) {
  return kNormalisations;
}

namespace {

// The statistic of a layer's positive activations that should map to the threshold.
float activation_scale(const RowMatrix& acts, const ConversionConfig& c) {
  std::vector<float> v;
  v.reserve(static_cast<std::size_t>(acts.size() / 4));
  const float* p = acts.data();
  for (Eigen::Index i = 0; i < acts.size(); ++i)
    if (p[i] > 0.0f) v.push_back(p[i]);
  if (v.empty()) return 1.0f;  // a silent layer: nothing to scale
  if (c.normalisation == Normalisation::kMax) return *std::max_element(v.begin(), v.end());
  const double q = std::clamp(c.percentile, 0.0, 100.0) / 100.0;
  const auto k = static_cast<std::size_t>(std::llround(q * double(v.size() - 1)));
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end());
  return v[k];
}

}  // namespace

const char* to_string(LayerStructure::Kind k) {
  switch (k) {
    case LayerStructure::Kind::kConv:
      return "conv";
    case LayerStructure::Kind::kAvgPool:
      return "avgpool";
    default:
      return "dense";
  }
}

int receptive_input(const LayerStructure& s, int r, int p) {
  const int k = s.kernel, kx = r % k, ky = (r / k) % k, c = r / (k * k);
  const int oy = p / s.output.width, ox = p % s.output.width;
  const int iy = oy * s.stride - s.padding + ky, ix = ox * s.stride - s.padding + kx;
  if (iy < 0 || ix < 0 || iy >= s.input.height || ix >= s.input.width) return -1;
  return (c * s.input.height + iy) * s.input.width + ix;
}

SpikingNetwork to_snn(const Network& net, const Dataset& train, const ConversionConfig& c) {
  SpikingNetwork snn;
  snn.inputs = net.input_shape().size();
  std::vector<std::size_t> weighted_at;  // layer index of each Dense, Conv2d and AvgPool2d
  Shape shape = net.input_shape();
  for (std::size_t i = 0; i < net.size(); ++i) {
    const Layer& l = net.layer(i);
    const std::string where = "SNN conversion: layer " + std::to_string(i) + " (" + l.kind() + ")";
    if (const auto* d = dynamic_cast<const Dense*>(&l)) {
      if (d->has_bias()) throw std::invalid_argument(where + " has a bias (unsupported)");
      weighted_at.push_back(i);
    } else if (const auto* cv = dynamic_cast<const Conv2d*>(&l)) {
      if (cv->has_bias()) throw std::invalid_argument(where + " has a bias (unsupported)");
      weighted_at.push_back(i);
    } else if (const auto* p = dynamic_cast<const Pool2d*>(&l)) {
      if (p->mode() == Pool2d::Mode::kMax)
        throw std::invalid_argument(
            where +
            ": max pooling has no exact equivalent with integrate-and-fire neurons and "
            "dense crossbar layers; train with average pooling (e.g. 2s or 2a in the spec)");
      weighted_at.push_back(i);
    } else if (l.kind() != "relu" && l.kind() != "dropout" && l.kind() != "flatten") {
      throw std::invalid_argument(where + ": unsupported layer");
    }
    shape = l.output_shape(shape);
  }
  if (weighted_at.empty())
    throw std::invalid_argument("SNN conversion: the network has no dense or conv layer");
  const Dataset stats = train.head(c.samples);
  float prev = 1.0f;
  for (std::size_t k = 0; k < weighted_at.size(); ++k) {
    const Layer& l = net.layer(weighted_at[k]);
    SpikingLayer sl;
    Eigen::MatrixXf w;
    if (const auto* d = dynamic_cast<const Dense*>(&l)) {
      w = d->weights();
      sl.structure.input = {1, 1, d->inputs()};
      sl.structure.output = {1, 1, d->outputs()};
    } else if (const auto* cv = dynamic_cast<const Conv2d*>(&l)) {
      w = cv->unrolled();
      sl.structure = {LayerStructure::Kind::kConv,
                      cv->input(),
                      cv->output(),
                      cv->kernel(),
                      cv->stride(),
                      cv->padding()};
    } else {
      const auto* p = dynamic_cast<const Pool2d*>(&l);
      w = p->unrolled();
      sl.structure = {
          LayerStructure::Kind::kAvgPool, p->input(), p->output(), p->kernel(), p->stride(), 0};
    }
    float lambda = 1.0f;
    if (c.normalisation != Normalisation::kNone) {
      // The activation the next layer sees: after the ReLU that follows (if any), else the
      // layer's output itself (only its positive part can drive spikes; an average of ReLU
      // outputs is never negative).
      std::size_t upto = weighted_at[k];
      if (upto + 1 < net.size() && net.layer(upto + 1).kind() == "relu") ++upto;
      lambda = activation_scale(net.activations_after(stats.images, upto), c);
      // Weights of 1e38 overflow the activations: say so instead of converting with scale inf.
      if (!std::isfinite(lambda))
        throw DataError("layer " + std::to_string(k) +
                        ": its activations overflow float (normalisation scale " +
                        std::to_string(lambda) + "); the model's weights are out of range");
    }
    sl.weights = w * (prev / lambda);
    sl.threshold = 1.0f;
    sl.scale = lambda;
    snn.layers.push_back(std::move(sl));
    prev = lambda;
  }
  return snn;
}

SpikeTrain encode(const float* x, int n, int timesteps, Encoding encoding, Rng& rng) {
  SpikeTrain s(static_cast<std::size_t>(timesteps));
  if (encoding == Encoding::kPoisson) {
    for (int t = 0; t < timesteps; ++t)
      for (int i = 0; i < n; ++i)
        if (x[i] > 0.0f && rng.uniform() < x[i]) s[std::size_t(t)].push_back(i);
  } else {
    std::vector<float> acc(static_cast<std::size_t>(n), 0.0f);
    for (int t = 0; t < timesteps; ++t)
      for (int i = 0; i < n; ++i) {
        acc[std::size_t(i)] += x[i];
        if (acc[std::size_t(i)] >= 1.0f) {
          acc[std::size_t(i)] -= 1.0f;
          s[std::size_t(t)].push_back(i);
        }
      }
  }
  return s;
}

}  // namespace xbar::workloads
