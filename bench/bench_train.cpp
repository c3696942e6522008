// Seconds per training epoch of an MLP (default 784-1200-1200-10, no bias, dropout 0.5) on
// Fashion-MNIST (60,000 images) with the workloads trainer. bench/train_vs_torch.sh runs the same
// network, batch and optimiser in PyTorch and prints both side by side.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "workloads/blas.hpp"
#include "workloads/trainer.hpp"

namespace wl = xbar::workloads;

int main(int argc, char** argv) {
  std::string layers = "784-1200-1200-10", optimiser = "adam", data_dir, dataset = "fashion-mnist";
  int epochs = 2, batch = 100, threads = 2;
  for (int i = 1; i < argc; ++i) {
    auto next = [&](const char* flag) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_train: %s needs a value\n", flag);
        std::exit(2);
      }
      return argv[++i];
    };
    const std::string a = argv[i];
    if (a == "--layers")
      layers = next("--layers");
    else if (a == "--optimiser")
      optimiser = next("--optimiser");
    else if (a == "--epochs")
      epochs = std::atoi(next("--epochs").c_str());
    else if (a == "--batch")
      batch = std::atoi(next("--batch").c_str());
    else if (a == "--threads")
      threads = std::atoi(next("--threads").c_str());
    else if (a == "--data-dir")
      data_dir = next("--data-dir");
    else if (a == "--dataset")
      dataset = next("--dataset");
    else {
      std::fprintf(stderr,
                   "usage: bench_train [--layers 784-1200-1200-10] [--optimiser adam|sgd] "
                   "[--epochs 2] [--batch 100] [--threads 2] [--dataset fashion-mnist] "
                   "[--data-dir DIR]\n");
      return 2;
    }
  }
  try {
    wl::DataSplit data = wl::load_dataset(dataset, data_dir);
    wl::Network net = wl::make_mlp(wl::parse_layer_sizes(layers), {.dropout = 0.5f});
    wl::Rng rng(1);
    wl::init_weights(net, wl::Init::kHeUniform, 0, rng);
    wl::TrainConfig c;
    c.epochs = epochs;
    c.batch = batch;
    c.optimiser = xbar::config::parse_enum<wl::Optimiser>(optimiser, "optimiser");
    c.lr = c.optimiser == wl::Optimiser::kAdam ? 1e-3f : 0.05f;
    c.threads = threads;
    double total = 0, best = 1e30;
    wl::Trainer(c).train(net, data.train, nullptr, [&](const wl::EpochStats& s) {
      total += s.seconds;
      best = std::min(best, s.seconds);
      std::printf("epoch %d: %.3f s (loss %.4f)\n", s.epoch, s.seconds, s.loss);
    });
    std::printf(
        "xbarsim: %s %s batch %d, %d threads, gemm %s: %.3f s/epoch (mean of %d), best "
        "%.3f s, %d images\n",
        dataset.c_str(), layers.c_str(), batch, threads, wl::gemm_backend(), total / epochs, epochs,
        best, data.train.size());
    std::printf("test accuracy after %d epochs: %.2f %%\n", epochs, 100 * net.accuracy(data.test));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_train: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
