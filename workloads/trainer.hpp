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

struct TrainConfig {
  int epochs = 20;
  int batch = 100;
  Optimiser optimiser = Optimiser::kAdam;
  float lr = 1e-3f;
  float momentum = 0.9f;  // SGD momentum; Adam's beta1
  float beta2 = 0.999f;   // Adam
  float epsilon = 1e-8f;  // Adam
  float lr_decay = 1.0f;  // lr is multiplied by this after every epoch
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

struct EpochStats {
  int epoch = 0;              // 1-based
  double loss = 0;            // mean training loss over the epoch's batches
  double train_accuracy = 0;  // on the training batches, in training mode (with dropout)
  double test_accuracy = -1;  // after the epoch, when a test set was given
  double seconds = 0;         // wall time of the epoch's training (not of the evaluation)
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
  std::vector<std::vector<float>> m_, v_;  // momentum / Adam moments, one per parameter
  RowMatrix grad_;
};

}  // namespace xbar::workloads
