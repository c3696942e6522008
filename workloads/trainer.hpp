// Mini-batch training of a Network: SGD with momentum or Adam, softmax cross-entropy or the
// TraNNsformer recipe's squared error on ReLU outputs; masks respected after every update; a seed
// fixes initialisation, shuffling and dropout, so a seed and a thread count give identical weights.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "config/enum_names.hpp"
#include "workloads/network.hpp"

namespace xbar::workloads {

enum class Optimiser { kSgd, kAdam };
enum class Loss { kCrossEntropy, kSquaredError };
std::span<const config::EnumName<Optimiser>> enum_names(Optimiser);
std::span<const config::EnumName<Loss>> enum_names(Loss);
// kStep: lr times lr_decay after every epoch. kCosine: lr * (1 + cos(pi * s / S)) / 2 at step s of
// S (all epochs' batches), falling smoothly to 0 (Loshchilov & Hutter's SGDR without restarts).
enum class LrSchedule { kStep, kCosine };
std::span<const config::EnumName<LrSchedule>> enum_names(LrSchedule);

// Training-time augmentation of image batches (the network's input Shape): each sample is shifted
// by a random (dy, dx) in [-shift, shift]^2 with zeros filling in (the usual "random crop with
// padding"), then mirrored left-right with probability 1/2 when flip is set.
struct Augmentation {
  int shift = 0;
  bool flip = false;
  bool enabled() const { return shift > 0 || flip; }
};

struct TrainConfig {
  int epochs = 20;
  int batch = 100;
  Optimiser optimiser = Optimiser::kAdam;
  float lr = 1e-3f;
  float momentum = 0.9f;  // SGD momentum; Adam's beta1
  float beta2 = 0.999f;   // Adam
  float epsilon = 1e-8f;  // Adam
  float lr_decay = 1.0f;  // kStep: lr is multiplied by this after every epoch
  LrSchedule schedule = LrSchedule::kStep;
  // Decoupled weight decay (Loshchilov & Hutter's AdamW; for SGD the same step): after each update
  // w <- w - lr_t * weight_decay * w for weight matrices (not biases or batch norm).
  float weight_decay = 0.0f;
  Augmentation augment;
  Loss loss = Loss::kCrossEntropy;
  std::uint64_t seed = 1;
  int threads = 0;  // gemm threads; 0 = all hardware threads
  // Called after every backward pass, before the update: may add a penalty's gradient to the
  // parameters' gradients (compiler/structured.hpp's group lasso over crossbar segments).
  std::function<void(Network&)> regulariser;
};

// The TraNNsformer recipe (docs/references.md §1.2, the authors' released code): SGD lr 0.5,
// momentum 0.5, batch 400, squared error on ReLU outputs. Pair it with
// make_mlp(..., {.dropout = 0.5, .relu_output = true}) and Init::kUniform 0.01.
TrainConfig trannsformer_recipe(int epochs);

// Applies `a` in place to a batch of images of shape `shape` (one sample per row), drawing from
// rng in sample order: dy, dx (when shift > 0), then the flip.
void augment_batch(RowMatrix& batch, const Shape& shape, const Augmentation& a, Rng& rng);

struct EpochStats {
  int epoch = 0;              // 1-based
  double loss = 0;            // mean training loss over the epoch's batches
  double train_accuracy = 0;  // on the training batches, in training mode (with dropout)
  double test_accuracy = -1;  // after the epoch, when a test set was given
  double seconds = 0;         // wall time of the epoch's training (not of the evaluation)
  double cpu_seconds = 0;     // CPU time of the process (all threads) over the same span
};

// Loss and its gradient dL/d(outputs) for a batch; the loss is averaged over the batch.
double loss_and_gradient(const RowMatrix& outputs, const std::vector<int>& labels, Loss loss,
                         RowMatrix& grad);

class Trainer {
 public:
  explicit Trainer(TrainConfig config);
  // Trains for config.epochs, calling on_epoch after each one; returns the last epoch's stats.
  EpochStats train(Network& net, const Dataset& train, const Dataset* test = nullptr,
                   const std::function<void(const EpochStats&)>& on_epoch = {});
  // One optimiser step on one batch; returns the batch loss.
  double step(Network& net, const RowMatrix& batch, const std::vector<int>& labels);

 private:
  void update(Network& net);
  TrainConfig cfg_;
  Rng rng_;
  float lr_;
  long steps_ = 0;
  long total_steps_ = 0;  // of the schedule (cosine); 0 when unknown (step() alone)
  std::vector<std::vector<float>> m_, v_;  // momentum / Adam moments, one per parameter
  RowMatrix grad_;
};

}  // namespace xbar::workloads
