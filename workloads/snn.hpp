// ANN -> SNN conversion (Diehl et al. 2015; Rueckauer et al. 2017; docs/references.md §5): the
// dense layers of a ReLU network, each scaled by data-based normalisation so that a threshold of 1
// matches the layer's largest (or 99.9th percentile) activation; plus the rate coding of input
// images into spike trains.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "config/enum_names.hpp"
#include "config/vocabulary.hpp"
#include "workloads/network.hpp"

namespace xbar::workloads {

using config::NeuronModel;
using config::ResetMode;
enum class Encoding { kPoisson, kDeterministic };
enum class Normalisation { kNone, kMax, kPercentile };
std::span<const config::EnumName<Encoding>> enum_names(Encoding);
std::span<const config::EnumName<Normalisation>> enum_names(Normalisation);

// Where a spiking layer came from, so the compiler can map a convolution as kernels rather than as
// an unstructured matrix. For kConv and kAvgPool, output neuron (c, oy, ox) = c*P + oy*W_out + ox
// (P = H_out*W_out) and kernel row r = (c_in*k + ky)*k + kx reads input (c_in, oy*stride - padding
// + ky, ox*stride - padding + kx) (see receptive_input). Average pooling is the depthwise case:
// output channel c reads input channel c only, each weight 1/k^2 before normalisation.
struct LayerStructure {
  enum class Kind { kDense, kConv, kAvgPool };
  Kind kind = Kind::kDense;
  Shape input, output;  // (C, H, W); a dense layer: {1, 1, n}
  int kernel = 0, stride = 1, padding = 0;
  int kernel_rows() const { return input.channels * kernel * kernel; }
  int positions() const { return output.height * output.width; }
};
const char* to_string(LayerStructure::Kind k);

// Input index of kernel row r at output position p (= oy*W_out + ox), or -1 in the padding.
int receptive_input(const LayerStructure& s, int r, int p);

struct SpikingLayer {
  Eigen::MatrixXf weights;  // outputs x inputs, normalised
  float threshold = 1.0f;
  float scale = 1.0f;  // lambda of this layer (the activation that maps to one spike per step)
  LayerStructure structure;  // kDense for a dense layer; conv/pool layers keep their geometry
};

struct SpikingNetwork {
  int inputs = 0;
  std::vector<SpikingLayer> layers;
  int outputs() const { return layers.empty() ? inputs : int(layers.back().weights.rows()); }
};

struct ConversionConfig {
  Normalisation normalisation = Normalisation::kPercentile;
  double percentile = 99.9;  // of the non-zero activations, per layer
  int samples = 10000;       // training samples the statistics are taken on (first n)
};

// Needs a network of bias-free Dense and Conv2d layers, average pooling, Flatten, ReLU and Dropout
// (std::invalid_argument naming the layer otherwise; max pooling has no exact IF-neuron equivalent
// in this scheme and is refused). Each Conv2d and AvgPool2d becomes its exact dense equivalent
// (Conv2d::unrolled, Pool2d::unrolled) with its LayerStructure kept; average pooling is its own
// spiking layer (weights 1/k^2) rather than folded into the next layer, because folding a 2x2
// pool into a 5x5 conv makes a 10x10 stride-2 kernel of 4x the crossbar rows. W_l <- W_l *
// lambda_{l-1} / lambda_l, lambda_0 = 1 (inputs in [0, 1]), threshold 1.
SpikingNetwork to_snn(const Network& net, const Dataset& train,
                      const ConversionConfig& config = {});

// Input spike trains: spikes[t] = indices (ascending) of the inputs that spike at timestep t.
using SpikeTrain = std::vector<std::vector<int>>;

// Rate coding over `timesteps` of intensities in [0, 1]. Poisson: input i spikes at t when a
// uniform draw u < x_i (one draw per input with x_i > 0, in order t, then i, from `rng`).
// Deterministic: an accumulator a_i += x_i each step, spike when a_i >= 1, then a_i -= 1 (floats).
SpikeTrain encode(const float* x, int n, int timesteps, Encoding encoding, Rng& rng);

}  // namespace xbar::workloads
