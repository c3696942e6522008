// Layers and presets of deep CNNs: batch normalisation (for training; folded into the convolution
// before inference and conversion), the residual join, and the named networks VGG-11, VGG-16 and
// ResNet-20 with a width multiplier, expanded into make_cnn's spec language.
#pragma once

#include <string>

#include "workloads/conv.hpp"

namespace xbar::workloads {

// Batch normalisation over the channels of a (C, H, W) batch, PyTorch's BatchNorm2d: in training,
// y = gamma (x - mean_B) / sqrt(var_B + eps) + beta with the batch's mean and biased variance per
// channel (over samples and positions), and running estimates updated as
// r <- (1 - momentum) r + momentum * stat (unbiased variance, as PyTorch); at inference the running
// estimates replace the batch's, which makes the layer the affine map y = scale x + shift per
// channel that fold_batchnorm moves into the convolution before it.
class BatchNorm2d : public Layer {
 public:
  explicit BatchNorm2d(int channels, float eps = 1e-5f, float momentum = 0.1f);
  std::string kind() const override { return "batchnorm"; }
  Shape output_shape(const Shape& in) const override;
  void forward(const RowMatrix& in, RowMatrix& out, bool train, Rng& rng) override;
  void backward(const RowMatrix& in, const RowMatrix& out, const RowMatrix& grad_out,
                RowMatrix* grad_in) override;
  std::vector<Parameter> parameters() override;
  std::unique_ptr<Layer> clone() const override { return std::make_unique<BatchNorm2d>(*this); }

  int channels() const { return int(gamma_.size()); }
  float eps() const { return eps_; }
  float momentum() const { return momentum_; }
  const Eigen::VectorXf& gamma() const { return gamma_; }
  const Eigen::VectorXf& beta() const { return beta_; }
  const Eigen::VectorXf& running_mean() const { return mean_; }
  const Eigen::VectorXf& running_var() const { return var_; }
  // std::invalid_argument unless each has channels() values (variances must be >= 0).
  void set_state(const Eigen::VectorXf& gamma, const Eigen::VectorXf& beta,
                 const Eigen::VectorXf& running_mean, const Eigen::VectorXf& running_var);
  // The inference map per channel: y = scale * x + shift.
  Eigen::VectorXf scale() const;
  Eigen::VectorXf shift() const;

 private:
  float eps_, momentum_;
  Eigen::VectorXf gamma_, beta_, mean_, var_, grad_gamma_, grad_beta_;
  // The last forward: normalised inputs and 1/sqrt(var + eps) per channel, and whether the batch's
  // statistics were used (training) or the running ones.
  Scratch xhat_;
  Eigen::VectorXf inv_std_;
  bool batch_stats_ = false;
};

// A residual join: y = main(x) + shortcut(x), both branches chains on the block's input shape with
// equal output shapes. An empty shortcut is the identity. The ReLU after the join is the next layer
// of the enclosing chain, not part of the block. ResNet's basic block (make_cnn's "Nr" token) is
// main = conv3x3 (stride s, padding 1) [BN] ReLU conv3x3 (padding 1) [BN], shortcut = identity,
// or conv1x1 (stride s) [BN] where the shape changes (He et al.'s projection shortcut, option B).
class Residual : public Layer {
 public:
  Residual(Network main, Network shortcut);
  std::string kind() const override { return "residual"; }
  Shape output_shape(const Shape& in) const override;
  void forward(const RowMatrix& in, RowMatrix& out, bool train, Rng& rng) override;
  void backward(const RowMatrix& in, const RowMatrix& out, const RowMatrix& grad_out,
                RowMatrix* grad_in) override;
  std::vector<Parameter> parameters() override;
  std::unique_ptr<Layer> clone() const override { return std::make_unique<Residual>(*this); }
  using Layer::branches;
  std::vector<Network*> branches() override { return {&main_, &shortcut_}; }
  std::size_t floats_per_sample(const Shape& in) const override;

  Network& main() { return main_; }
  const Network& main() const { return main_; }
  Network& shortcut() { return shortcut_; }
  const Network& shortcut() const { return shortcut_; }
  bool identity_shortcut() const { return shortcut_.size() == 0; }

 private:
  Network main_, shortcut_;
  Scratch grad_main_, grad_shortcut_;  // dL/d(input) through each branch
};

// Folds every BatchNorm2d (in residual branches too) into the Conv2d or Dense right before it:
// W <- diag(scale) W, b <- scale * b + shift (the layer gains a bias), and removes it, so the
// network's inference function is unchanged (up to float rounding) and is conv + bias + ReLU,
// what the SNN conversion needs. Returns how many were folded. std::invalid_argument names a batch
// norm that does not follow a conv or dense layer of as many outputs.
int fold_batchnorm(Network& net);

// Named networks: "vgg11", "vgg16", "resnet20", optionally with a width multiplier "@W" (e.g.
// "vgg11@0.25": every channel count times W, rounded, at least 1). Returns the make_cnn spec the
// name stands for, or the text unchanged when it names no preset. For 32x32 inputs (any number of
// channels), 10 classes:
//   VGG-11: 64 M 128 M 256 256 M 512 512 M 512 512 M (conv3x3 padding 1 + BN + ReLU, M = 2x2
//           average pooling), then a dense layer 512 -> 10 (the usual CIFAR classifier);
//   VGG-16: 64 64 M 128 128 M 256 256 256 M 512 512 512 M 512 512 512 M, then 512 -> 10;
//   ResNet-20: conv3x3 16 + BN + ReLU, 3 stages x 3 basic blocks of 16, 32, 64 channels (stride 2
//           at the first block of stages 2 and 3), global average pooling, dense 64 -> 10.
// std::invalid_argument for a malformed width.
std::string expand_net_preset(const std::string& spec);
// True when the spec names a preset (with or without a width).
bool is_net_preset(const std::string& spec);
// The preset names, for help texts.
std::vector<std::string> net_preset_names();

}  // namespace xbar::workloads
