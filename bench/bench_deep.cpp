// Time of a training step of a deep CNN (default VGG-11 at quarter width on 1x32x32 inputs, batch
// 128) on random images, split by top-level layer (forward and backward; a residual block counts
// as one layer), with the CPU time of the process beside the wall time, so a run on a shared
// machine still says what the work costs. The seconds per epoch of Fashion-MNIST-32 (60,000
// images) follow from the step time.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <string>

#include "workloads/blas.hpp"
#include "workloads/deep.hpp"
#include "workloads/trainer.hpp"

namespace wl = xbar::workloads;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double cpu_s() { return double(std::clock()) / CLOCKS_PER_SEC; }

}  // namespace

int main(int argc, char** argv) {
  std::string net_spec = "vgg11@0.25";
  int channels = 1, batch = 128, steps = 10, threads = 2;
  for (int i = 1; i < argc; ++i) {
    auto next = [&](const char* flag) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_deep: %s needs a value\n", flag);
        std::exit(2);
      }
      return argv[++i];
    };
    const std::string a = argv[i];
    if (a == "--net")
      net_spec = next("--net");
    else if (a == "--channels")
      channels = std::atoi(next("--channels").c_str());
    else if (a == "--batch")
      batch = std::atoi(next("--batch").c_str());
    else if (a == "--steps")
      steps = std::atoi(next("--steps").c_str());
    else if (a == "--threads")
      threads = std::atoi(next("--threads").c_str());
    else {
      std::fprintf(stderr,
                   "usage: bench_deep [--net vgg11@0.25] [--channels 1] [--batch 128] "
                   "[--steps 10] [--threads 2]\n");
      return 2;
    }
  }
  try {
    wl::Network net = wl::make_cnn({channels, 32, 32}, net_spec);
    wl::Rng rng(1);
    wl::init_weights(net, wl::Init::kHeUniform, 0, rng);
    wl::set_gemm_threads(threads);
    wl::RowMatrix x(batch, net.input_shape().size());
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform();
    std::vector<int> labels;
    for (int i = 0; i < batch; ++i) labels.push_back(i % 10);
    // The layers' own forward/backward, timed one by one (what Network::forward/backward do).
    const std::size_t n = net.size();
    std::vector<wl::RowMatrix> acts(n + 1), grads(n + 1);
    std::vector<double> fwd(n, 0.0), bwd(n, 0.0);
    wl::TrainConfig cfg;
    cfg.threads = threads;
    wl::Trainer trainer(cfg);
    double wall = 0, cpu = 0;
    for (int s = 0; s <= steps; ++s) {  // step 0 warms up (allocations) and is not counted
      const double w0 = now_s(), c0 = cpu_s();
      acts[0] = x;
      for (std::size_t l = 0; l < n; ++l) {
        const double t = now_s();
        net.layer(l).forward(acts[l], acts[l + 1], true, rng);
        if (s > 0) fwd[l] += now_s() - t;
      }
      wl::loss_and_gradient(acts[n], labels, wl::Loss::kCrossEntropy, grads[n]);
      for (std::size_t l = n; l-- > 0;) {
        const double t = now_s();
        net.layer(l).backward(acts[l], acts[l + 1], grads[l + 1], l > 0 ? &grads[l] : nullptr);
        if (s > 0) bwd[l] += now_s() - t;
      }
      if (s > 0) {
        wall += now_s() - w0;
        cpu += cpu_s() - c0;
      }
    }
    // The whole step as the trainer runs it (forward, backward, Adam update).
    double step_wall = 0;
    for (int s = 0; s < steps; ++s) {
      const double t = now_s();
      trainer.step(net, x, labels);
      step_wall += now_s() - t;
    }
    std::map<std::string, std::pair<double, double>> by_kind;
    std::printf("%s on %dx32x32, batch %d, %d thread(s), gemm %s, %d steps\n", net_spec.c_str(),
                channels, batch, threads, wl::gemm_backend(), steps);
    std::printf("%4s %-10s %-12s %10s %10s\n", "k", "layer", "output", "fwd ms", "bwd ms");
    wl::Shape shape = net.input_shape();
    for (std::size_t l = 0; l < n; ++l) {
      shape = net.layer(l).output_shape(shape);
      const std::string out = std::to_string(shape.channels) + "x" + std::to_string(shape.height) +
                              "x" + std::to_string(shape.width);
      std::printf("%4zu %-10s %-12s %10.2f %10.2f\n", l, net.layer(l).kind().c_str(), out.c_str(),
                  1e3 * fwd[l] / steps, 1e3 * bwd[l] / steps);
      by_kind[net.layer(l).kind()].first += fwd[l] / steps;
      by_kind[net.layer(l).kind()].second += bwd[l] / steps;
    }
    for (const auto& [k, t] : by_kind)
      std::printf("  %-10s fwd %8.1f ms  bwd %8.1f ms\n", k.c_str(), 1e3 * t.first, 1e3 * t.second);
    const double steps_per_epoch = 60000.0 / batch;
    std::printf(
        "layers: %.1f ms wall, %.1f ms CPU per step; trainer step (with Adam): %.1f ms wall; "
        "Fashion-MNIST-32 epoch (60,000 images): %.0f s wall, %.0f s CPU\n",
        1e3 * wall / steps, 1e3 * cpu / steps, 1e3 * step_wall / steps,
        steps_per_epoch * step_wall / steps, steps_per_epoch * cpu / steps);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_deep: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
