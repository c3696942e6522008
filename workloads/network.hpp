// Layers and networks trained on batches (one sample per row). A layer maps a batch to a batch and
// back-propagates through it; Dense holds the weights (outputs x inputs, PyTorch's convention) and
// an optional 0/1 mask that every update respects. Conv2d/pooling fit the same interface: a layer
// knows its output Shape from its input Shape, and batches stay samples x (channels*height*width).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "workloads/dataset.hpp"
#include "workloads/rng.hpp"

namespace xbar::workloads {

// A sample's shape; a flat vector is {1, 1, n}. Features are stored channel-major (c, h, w).
struct Shape {
  int channels = 1, height = 1, width = 1;
  int size() const { return channels * height * width; }
  bool operator==(const Shape&) const = default;
};

// A trainable array (weights, bias, batch-norm scale/shift) as the optimiser sees it.
struct Parameter {
  float* value;
  float* grad;
  const float* mask;  // nullptr: unmasked; else 0/1 per element, 0 keeps the value at exactly 0
  std::size_t size;
  bool decay = false;  // a weight matrix: weight decay applies (not to biases or batch norm)
};

class Network;

// A buffer a layer keeps between calls (im2col matrices, normalised inputs) so that training steps
// do not reallocate; a copy of the layer (clone, Network copies) starts without it.
struct Scratch {
  RowMatrix m;
  Scratch() = default;
  Scratch(const Scratch&) {}
  Scratch& operator=(const Scratch&) { return *this; }
  Scratch(Scratch&&) = default;
  Scratch& operator=(Scratch&&) = default;
};

class Layer {
 public:
  virtual ~Layer() = default;
  virtual std::string kind() const = 0;  // "dense", "conv", "relu", "residual", ...
  virtual Shape output_shape(const Shape& in) const = 0;
  // out = f(in) for a batch. `train` switches on training-only behaviour (dropout, batch
  // statistics).
  virtual void forward(const RowMatrix& in, RowMatrix& out, bool train, Rng& rng) = 0;
  // Given in, out (of the last forward) and dL/dout: accumulates nothing, sets the parameters'
  // gradients to dL/dparam and, if grad_in is not null, sets *grad_in = dL/din.
  virtual void backward(const RowMatrix& in, const RowMatrix& out, const RowMatrix& grad_out,
                        RowMatrix* grad_in) = 0;
  virtual std::vector<Parameter> parameters() { return {}; }
  virtual std::unique_ptr<Layer> clone() const = 0;
  // The networks nested in this layer (a residual block's two branches), else none.
  virtual std::vector<Network*> branches() { return {}; }
  std::vector<const Network*> branches() const;
  // Floats a forward pass keeps per sample (outputs, im2col rows): sizes inference chunks.
  virtual std::size_t floats_per_sample(const Shape& in) const {
    return static_cast<std::size_t>(output_shape(in).size());
  }
};

// A layer with a weight matrix (outputs x fan-in), an optional bias per output and an optional 0/1
// mask: Dense (outputs x inputs) and Conv2d (filters x C_in*k*k), one definition of the weight,
// bias and mask plumbing for both. The trainer re-applies the mask after every update.
class WeightedLayer : public Layer {
 public:
  std::vector<Parameter> parameters() override;

  int fan_in() const { return static_cast<int>(weights_.cols()); }
  int fan_out() const { return static_cast<int>(weights_.rows()); }
  bool has_bias() const { return bias_.size() > 0; }

  const Eigen::MatrixXf& weights() const { return weights_; }
  // Replaces the weights (same shape, else std::invalid_argument); masked entries become 0.
  void set_weights(const Eigen::MatrixXf& w);
  const Eigen::VectorXf& bias() const { return bias_; }
  void set_bias(const Eigen::VectorXf& b);  // std::invalid_argument without a bias
  // Gives a bias-free layer a zero bias (fold_batchnorm moves a batch norm's shift into it).
  void enable_bias();
  // The 0/1 mask (the weights' shape), empty when the layer is unmasked.
  const Eigen::MatrixXf& mask() const { return mask_; }
  bool has_mask() const { return mask_.size() > 0; }
  // Sets the mask (any non-zero entry counts as 1) and zeroes the masked weights at once.
  void set_mask(const Eigen::MatrixXf& mask);
  void clear_mask() { mask_.resize(0, 0); }
  // W <- W .* mask (a no-op without a mask).
  void apply_mask();
  const Eigen::MatrixXf& weight_grad() const { return grad_w_; }

 protected:
  WeightedLayer(int rows, int cols, bool bias);
  // What a row and a column of the weights are, for error messages: "outputs x inputs".
  virtual std::string weights_layout() const = 0;

  Eigen::MatrixXf weights_, grad_w_, mask_;
  Eigen::VectorXf bias_, grad_b_;
};

// y = x W^T (+ b). Weights are outputs x inputs; no bias unless asked (the SNN conversion and the
// crossbars want none).
class Dense : public WeightedLayer {
 public:
  Dense(int inputs, int outputs, bool bias = false);
  std::string kind() const override { return "dense"; }
  Shape output_shape(const Shape& in) const override;
  void forward(const RowMatrix& in, RowMatrix& out, bool train, Rng& rng) override;
  void backward(const RowMatrix& in, const RowMatrix& out, const RowMatrix& grad_out,
                RowMatrix* grad_in) override;
  std::unique_ptr<Layer> clone() const override { return std::make_unique<Dense>(*this); }

  int inputs() const { return fan_in(); }
  int outputs() const { return fan_out(); }

 protected:
  std::string weights_layout() const override { return "dense layer of outputs x inputs"; }
};

class Relu : public Layer {
 public:
  std::string kind() const override { return "relu"; }
  Shape output_shape(const Shape& in) const override { return in; }
  void forward(const RowMatrix& in, RowMatrix& out, bool train, Rng& rng) override;
  void backward(const RowMatrix& in, const RowMatrix& out, const RowMatrix& grad_out,
                RowMatrix* grad_in) override;
  std::unique_ptr<Layer> clone() const override { return std::make_unique<Relu>(*this); }
};

// Inverted dropout: in training, zero each unit with probability `rate` and scale the survivors by
// 1/(1-rate); at inference the identity (so the converted SNN needs no extra scaling).
class Dropout : public Layer {
 public:
  explicit Dropout(float rate);
  std::string kind() const override { return "dropout"; }
  Shape output_shape(const Shape& in) const override { return in; }
  void forward(const RowMatrix& in, RowMatrix& out, bool train, Rng& rng) override;
  void backward(const RowMatrix& in, const RowMatrix& out, const RowMatrix& grad_out,
                RowMatrix* grad_in) override;
  std::unique_ptr<Layer> clone() const override { return std::make_unique<Dropout>(*this); }
  float rate() const { return rate_; }

 private:
  float rate_;
  RowMatrix keep_;  // the last training pass's scale per element (0 or 1/(1-rate))
};

// A chain of layers. A residual block is one layer of the chain that holds two chains of its own
// (workloads/deep.hpp Residual), so every traversal below descends into them.
class Network {
 public:
  explicit Network(Shape input = {}) : input_shape_(input) {}
  Network(const Network& other);
  Network& operator=(const Network& other);
  // Moves and copies carry the layers, not the state of the last forward pass.
  Network(Network&& other) noexcept
      : input_shape_(other.input_shape_), layers_(std::move(other.layers_)) {}
  Network& operator=(Network&& other) noexcept;

  // Appends a layer; returns it for convenience.
  Layer& add(std::unique_ptr<Layer> layer);
  // Removes layer i of this chain (fold_batchnorm); the shapes must still chain.
  void erase(std::size_t i);
  std::size_t size() const { return layers_.size(); }
  Layer& layer(std::size_t i) { return *layers_[i]; }
  const Layer& layer(std::size_t i) const { return *layers_[i]; }
  Shape input_shape() const { return input_shape_; }
  Shape output_shape() const;

  // Every layer, depth first: a residual block, then its main branch's layers, then its
  // shortcut's. The order in which model files number their arrays and init_weights draws.
  std::vector<Layer*> all_layers();
  std::vector<const Layer*> all_layers() const;
  // The layers of type T among all_layers().
  template <class T>
  std::vector<T*> layers_of() {
    std::vector<T*> v;
    for (Layer* l : all_layers())
      if (auto* t = dynamic_cast<T*>(l)) v.push_back(t);
    return v;
  }
  template <class T>
  std::vector<const T*> layers_of() const {
    std::vector<const T*> v;
    for (const Layer* l : all_layers())
      if (const auto* t = dynamic_cast<const T*>(l)) v.push_back(t);
    return v;
  }
  // The dense layers in order (what the compiler maps onto crossbars).
  std::vector<Dense*> dense_layers() { return layers_of<Dense>(); }
  std::vector<const Dense*> dense_layers() const { return layers_of<Dense>(); }
  // The input size, then each dense layer's outputs: the form of an experiment's
  // workload.layers, which a cached or compiled model is checked against.
  std::vector<int> layer_sizes() const;

  // Forward over a batch, keeping every layer's output for backward(); returns the last one.
  const RowMatrix& forward(const RowMatrix& batch, bool train, Rng& rng);
  // Back-propagates dL/d(output) of the last forward(); fills every parameter's gradient and, if
  // grad_input is not null, sets it to dL/d(input).
  void backward(const RowMatrix& grad_output, RowMatrix* grad_input = nullptr);
  // Inference outputs for many samples (no dropout), computed in chunks.
  RowMatrix predict(const RowMatrix& samples) const;
  // The activations after layer `layer_index` for the samples (inference mode).
  RowMatrix activations_after(const RowMatrix& samples, std::size_t layer_index) const;
  // Fraction of samples whose largest output is the label.
  double accuracy(const Dataset& data) const;

  std::vector<Parameter> parameters();
  // Floats one sample's forward pass keeps (every layer's output, im2col rows).
  std::size_t floats_per_sample() const;

 private:
  friend class Residual;
  // forward() without copying the batch: `batch` must live until backward() (a residual branch
  // reads the block's input, which the enclosing chain keeps).
  const RowMatrix& forward_view(const RowMatrix& batch, bool train, Rng& rng);

  Shape input_shape_;
  std::vector<std::unique_ptr<Layer>> layers_;
  RowMatrix input_copy_;              // forward()'s copy of the batch
  const RowMatrix* input_ = nullptr;  // the last forward's input
  std::vector<RowMatrix> acts_;       // acts_[i] = output of layer i
  std::vector<RowMatrix> grads_;      // grads_[i] = dL/d(input of layer i), i > 0
};

// How an MLP is built: Dense, ReLU, [Dropout] per hidden layer, then the output Dense, followed by
// a ReLU when relu_output (TraNNsformer: ReLU output layer trained with a squared error).
struct MlpOptions {
  float dropout = 0.5f;        // after each hidden ReLU; 0 = none
  float input_dropout = 0.0f;  // on the input; 0 = none
  bool relu_output = false;
  bool bias = false;
};

// sizes = {inputs, hidden..., outputs}. Weights start at zero; see init_weights().
Network make_mlp(const std::vector<int>& sizes, const MlpOptions& options = {});

// "784-500-500-10" -> {784, 500, 500, 10}; std::invalid_argument on anything else.
std::vector<int> parse_layer_sizes(const std::string& text);

// Weight initialisation. kHeUniform: U(+-sqrt(6/fan_in)); kUniform: U(+-scale) (TraNNsformer:
// 0.01). Biases start at 0. Masks are applied afterwards. Dense layers draw first, then conv
// layers, each in all_layers() order (so MLP and LeNet seeds give the weights they always did).
enum class Init { kHeUniform, kUniform };
void init_weights(Network& net, Init init, float scale, Rng& rng);

}  // namespace xbar::workloads
