// Convolutional layers on batches of channel-major samples (one sample per row, features ordered
// (channel, row, column)): Conv2d, AvgPool2d, MaxPool2d and Flatten. Conv2d runs as im2col + one
// GEMM per chunk of samples (workloads/blas.hpp), so training a LeNet-sized CNN costs about what
// the dense layers cost. Each layer knows its input Shape (given at construction), because a batch
// row is only a flat vector.
#pragma once

#include "workloads/network.hpp"

namespace xbar::workloads {

// 2-D convolution (cross-correlation, as PyTorch and ONNX define it), square kernel, the same
// stride and zero padding in both directions, no bias unless asked (crossbars and the SNN
// conversion want none). Weights are out_channels x (in_channels * k * k), the unrolled kernel in
// (c, ky, kx) order: PyTorch's weight.reshape(C_out, -1), and exactly the crossbar view (a kernel
// column of k^2*C_in rows). An optional 0/1 mask of the same shape is kept as Dense keeps its mask.
class Conv2d : public WeightedLayer {
 public:
  Conv2d(Shape input, int out_channels, int kernel, int stride = 1, int padding = 0,
         bool bias = false);
  std::string kind() const override { return "conv"; }
  Shape output_shape(const Shape& in) const override;
  void forward(const RowMatrix& in, RowMatrix& out, bool train, Rng& rng) override;
  void backward(const RowMatrix& in, const RowMatrix& out, const RowMatrix& grad_out,
                RowMatrix* grad_in) override;
  std::unique_ptr<Layer> clone() const override { return std::make_unique<Conv2d>(*this); }
  std::size_t floats_per_sample(const Shape& in) const override;

  Shape input() const { return in_; }
  Shape output() const { return out_; }
  int kernel() const { return k_; }
  int stride() const { return stride_; }
  int padding() const { return pad_; }
  int in_channels() const { return in_.channels; }
  int out_channels() const { return out_.channels; }
  int kernel_size() const { return in_.channels * k_ * k_; }  // rows of the unrolled kernel

  // The exact dense equivalent: an out_.size() x in_.size() matrix (outputs x inputs) with the
  // kernel weights at each output position's receptive field (the Toeplitz / unrolled form).
  Eigen::MatrixXf unrolled() const;
  // Input feature index (c, y, x) of kernel row r at output position (oy, ox), or -1 in padding.
  int input_index(int r, int oy, int ox) const;

 protected:
  std::string weights_layout() const override {
    return "conv layer of out_channels x in_channels*k*k";
  }

 private:
  int chunk_samples(int batch) const;
  void im2col(const RowMatrix& in, int first, int n, RowMatrix& cols);
  void col2im(const RowMatrix& dcols, int first, int n, RowMatrix& grad_in);
  Shape in_, out_;
  int k_, stride_, pad_;
  // Start, in the zero-padded input (C x (H+2pad) x (W+2pad)), of the k values that kernel rows
  // (c, ky, 0..k-1) read at position p: [p*C*k + c*k + ky].
  std::vector<int> run_;
  Scratch cols_;         // one chunk's im2col matrix (samples*positions x kernel_size), or dcols
  Scratch by_position_;  // one chunk's outputs or their gradients, (positions x out_channels)
  Scratch padded_;       // one zero-padded sample (or its gradient)
};

// Pooling over k x k windows with stride s (default s = k), no padding; windows must fit exactly
// or the trailing rows/columns are dropped, as PyTorch's floor mode does.
class Pool2d : public Layer {
 public:
  enum class Mode { kAverage, kMax };
  Pool2d(Mode mode, Shape input, int kernel, int stride = 0);
  std::string kind() const override { return mode_ == Mode::kAverage ? "avgpool" : "maxpool"; }
  Shape output_shape(const Shape& in) const override;
  void forward(const RowMatrix& in, RowMatrix& out, bool train, Rng& rng) override;
  void backward(const RowMatrix& in, const RowMatrix& out, const RowMatrix& grad_out,
                RowMatrix* grad_in) override;
  std::unique_ptr<Layer> clone() const override { return std::make_unique<Pool2d>(*this); }

  Mode mode() const { return mode_; }
  Shape input() const { return in_; }
  Shape output() const { return out_; }
  int kernel() const { return k_; }
  int stride() const { return stride_; }
  // Average pooling as its exact dense equivalent (out_.size() x in_.size(), weights 1/k^2).
  Eigen::MatrixXf unrolled() const;

 private:
  Mode mode_;
  Shape in_, out_;
  int k_, stride_;
  std::vector<int> argmax_;  // max pooling: the winning input of each output of the last forward
};

class AvgPool2d : public Pool2d {
 public:
  AvgPool2d(Shape input, int kernel, int stride = 0)
      : Pool2d(Mode::kAverage, input, kernel, stride) {}
};
class MaxPool2d : public Pool2d {
 public:
  MaxPool2d(Shape input, int kernel, int stride = 0) : Pool2d(Mode::kMax, input, kernel, stride) {}
};

// Global average pooling: average pooling whose window is the whole (square) feature map, C x H x H
// -> C x 1 x 1. An AvgPool2d, so model files, the SNN conversion and the compiler treat it as the
// average pooling they already know. std::invalid_argument for a non-square map.
std::unique_ptr<Pool2d> make_global_avg_pool(Shape input);

// Channel-major features are already flat: Flatten only changes the Shape to {1, 1, C*H*W}.
class Flatten : public Layer {
 public:
  std::string kind() const override { return "flatten"; }
  Shape output_shape(const Shape& in) const override { return {1, 1, in.size()}; }
  void forward(const RowMatrix& in, RowMatrix& out, bool, Rng&) override { out = in; }
  void backward(const RowMatrix&, const RowMatrix&, const RowMatrix& grad_out,
                RowMatrix* grad_in) override {
    if (grad_in) *grad_in = grad_out;
  }
  std::unique_ptr<Layer> clone() const override { return std::make_unique<Flatten>(*this); }
};

// A CNN from a spec in the TraNNsformer/DeepLearnToolbox style, e.g. "12c5-2s-64c5-2s-1200-1200-10"
// on a 1x28x28 input, tokens joined by '-':
//   "Nc K[sS][pP][b]"  conv with N filters of K x K, stride S (default 1), zero padding P (default
//                      0), b = batch norm (BatchNorm2d) after it; then a ReLU. No bias.
//   "Nr[sS][b]"        ResNet's basic block with N output channels (workloads/deep.hpp Residual):
//                      conv3x3 stride S padding 1 [BN] ReLU conv3x3 padding 1 [BN], plus the
//                      identity, or a 1x1 stride-S conv [BN] when S != 1 or the channels change;
//                      then a ReLU.
//   "Ks" / "Ka"        K x K average pooling (stride K); "Km" = max pooling (refused by the SNN
//                      conversion: prefer average pooling).
//   "gap"              global average pooling.
//   a plain number     a dense layer of that many outputs (+ ReLU and dropout unless last); a
//                      Flatten is put before the first one.
// A named network ("vgg11", "vgg16", "resnet20", optionally "@WIDTH", workloads/deep.hpp
// expand_net_preset) stands for its spec. std::invalid_argument names the token that is wrong.
struct CnnOptions {
  float dropout = 0.5f;  // after each hidden dense ReLU (not after conv layers)
  bool relu_output = false;
};
Network make_cnn(Shape input, const std::string& spec, const CnnOptions& options = {});
// True when the spec names a network or has a conv, pooling or residual token (else it is an
// MLP's "784-500-10").
bool is_cnn_spec(const std::string& spec);

// He-uniform / uniform initialisation of the conv layers (fan_in = C_in k^2); init_weights() does
// the dense layers and calls this.
void init_conv_weights(Network& net, Init init, float scale, Rng& rng);

// The conv layers in order.
std::vector<Conv2d*> conv_layers(Network& net);
std::vector<const Conv2d*> conv_layers(const Network& net);

}  // namespace xbar::workloads
