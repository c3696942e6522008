// Convolutional layers on batches of channel-major samples (one sample per row, features ordered
// (channel, row, column)): Conv2d, AvgPool2d, MaxPool2d and Flatten. Conv2d runs as im2col + one
// GEMM over the whole batch (workloads/blas.hpp), so training a LeNet-sized CNN costs about what
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
class Conv2d : public Layer {
 public:
  Conv2d(Shape input, int out_channels, int kernel, int stride = 1, int padding = 0,
         bool bias = false);
  std::string kind() const override { return "conv"; }
  Shape output_shape(const Shape& in) const override;
  void forward(const RowMatrix& in, RowMatrix& out, bool train, Rng& rng) override;
  void backward(const RowMatrix& in, const RowMatrix& out, const RowMatrix& grad_out,
                RowMatrix* grad_in) override;
  std::vector<Parameter> parameters() override;
  std::unique_ptr<Layer> clone() const override { return std::make_unique<Conv2d>(*this); }

  Shape input() const { return in_; }
  Shape output() const { return out_; }
  int kernel() const { return k_; }
  int stride() const { return stride_; }
  int padding() const { return pad_; }
  int in_channels() const { return in_.channels; }
  int out_channels() const { return out_.channels; }
  int kernel_size() const { return in_.channels * k_ * k_; }  // rows of the unrolled kernel
  bool has_bias() const { return bias_.size() > 0; }

  const Eigen::MatrixXf& weights() const { return weights_; }  // out_channels x kernel_size()
  void set_weights(const Eigen::MatrixXf& w);
  const Eigen::VectorXf& bias() const { return bias_; }
  void set_bias(const Eigen::VectorXf& b);
  const Eigen::MatrixXf& mask() const { return mask_; }
  bool has_mask() const { return mask_.size() > 0; }
  void set_mask(const Eigen::MatrixXf& mask);
  void clear_mask() { mask_.resize(0, 0); }
  void apply_mask();
  const Eigen::MatrixXf& weight_grad() const { return grad_w_; }

  // The exact dense equivalent: an out_.size() x in_.size() matrix (outputs x inputs) with the
  // kernel weights at each output position's receptive field (the Toeplitz / unrolled form).
  Eigen::MatrixXf unrolled() const;
  // Input feature index (c, y, x) of kernel row r at output position (oy, ox), or -1 in padding.
  int input_index(int r, int oy, int ox) const;

 private:
  void im2col(const RowMatrix& in, RowMatrix& cols) const;
  Shape in_, out_;
  int k_, stride_, pad_;
  Eigen::MatrixXf weights_, grad_w_, mask_;
  Eigen::VectorXf bias_, grad_b_;
  std::vector<int> index_;  // input feature of kernel row r at position p: [p*K + r], -1 = padding
  RowMatrix cols_;          // the last forward's im2col matrix (samples*positions x kernel_size)
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
// on a 1x28x28 input: "Nc K" = conv with N filters of K x K (stride 1, no padding) + ReLU;
// "Ks" or "Ka" = K x K average pooling (stride K); "Km" = K x K max pooling; a plain number = a
// dense layer of that many outputs (+ ReLU and dropout unless last). A Flatten is put before the
// first dense layer. std::invalid_argument names the token that is wrong.
struct CnnOptions {
  float dropout = 0.5f;  // after each hidden dense ReLU (not after conv layers)
  bool relu_output = false;
};
Network make_cnn(Shape input, const std::string& spec, const CnnOptions& options = {});
// True when the spec has a conv or pooling token (else it is an MLP's "784-500-10").
bool is_cnn_spec(const std::string& spec);

// He-uniform / uniform initialisation of the conv layers (fan_in = C_in k^2); init_weights() does
// the dense layers and calls this.
void init_conv_weights(Network& net, Init init, float scale, Rng& rng);

// The conv layers in order.
std::vector<Conv2d*> conv_layers(Network& net);
std::vector<const Conv2d*> conv_layers(const Network& net);

}  // namespace xbar::workloads
