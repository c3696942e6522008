// xbarsim train | snn: the workload side of the command line (data sets, training, ANN -> SNN
// conversion and the golden spiking model).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "tools/commands.hpp"
#include "workloads/blas.hpp"
#include "workloads/deep.hpp"
#include "workloads/golden.hpp"
#include "workloads/model_io.hpp"
#include "workloads/trainer.hpp"

namespace xbar::tools {

namespace {

namespace wl = xbar::workloads;

std::string fmt_g(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

int default_threads() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

struct TrainArgs {
  std::string dataset = "mnist";
  std::string data_dir;
  std::string layers = "784-500-500-10";
  int epochs = 20;
  int batch = 100;
  std::string optimiser = "adam";
  float lr = 1e-3f;
  float momentum = 0.9f;
  float lr_decay = 1.0f;
  std::string lr_schedule = "step";
  float weight_decay = 0.0f;
  int augment_shift = 0;
  bool flip = false;
  double width = 0.0;  // > 0: appended to a named network as "@WIDTH"
  bool keep_batchnorm = false;
  std::string loss = "cross-entropy";
  float dropout = 0.5f;
  float input_dropout = 0.0f;
  bool relu_output = false;
  bool bias = false;
  std::string init = "he";
  float init_scale = 0.01f;
  bool trannsformer = false;
  std::uint64_t seed = 1;
  int threads = 0;
  std::string out;
};

int run_train(TrainArgs a, bool batch_set, bool lr_set, bool momentum_set, bool dropout_set,
              bool optimiser_set, bool loss_set) {
  if (a.trannsformer) {
    // The released recipe; flags given explicitly still win.
    wl::TrainConfig r = wl::trannsformer_recipe(a.epochs);
    if (!batch_set) a.batch = r.batch;
    if (!lr_set) a.lr = r.lr;
    if (!momentum_set) a.momentum = r.momentum;
    if (!optimiser_set) a.optimiser = "sgd";
    if (!loss_set) a.loss = "mse";
    if (!dropout_set) a.dropout = 0.5f;
    a.relu_output = true;
    a.init = "uniform";
    a.init_scale = 0.01f;
  }
  wl::TrainConfig cfg;
  cfg.epochs = a.epochs;
  cfg.batch = a.batch;
  cfg.optimiser = config::parse_enum<wl::Optimiser>(a.optimiser, "optimiser");
  cfg.lr = a.lr;
  cfg.momentum = a.momentum;
  cfg.lr_decay = a.lr_decay;
  cfg.schedule = config::parse_enum<wl::LrSchedule>(a.lr_schedule, "learning-rate schedule");
  cfg.weight_decay = a.weight_decay;
  cfg.augment = {a.augment_shift, a.flip};
  cfg.loss = config::parse_enum<wl::Loss>(a.loss, "loss");
  cfg.seed = a.seed;
  cfg.threads = a.threads > 0 ? a.threads : default_threads();
  if (a.init != "he" && a.init != "uniform")
    throw std::invalid_argument("unknown --init '" + a.init + "' (he, uniform)");

  if (a.width > 0) {
    if (!wl::is_net_preset(a.layers) || a.layers.find('@') != std::string::npos)
      throw std::invalid_argument("--width applies to a named network without a width (" +
                                  join(wl::net_preset_names()) + "), not to '" + a.layers + "'");
    a.layers += "@" + fmt_g(a.width);
  }
  wl::DataSplit data = wl::load_dataset(a.dataset, a.data_dir);
  wl::Network net;
  if (wl::is_cnn_spec(a.layers)) {
    // A CNN spec (12c5-2s-64c5-2s-1200-1200-10): the input is the data set's image shape.
    const wl::Shape in{data.train.channels, data.train.height, data.train.width};
    if (in.size() != data.train.features())
      throw std::invalid_argument("data set '" + a.dataset + "' has no image shape for a CNN");
    net = wl::make_cnn(in, a.layers, {.dropout = a.dropout, .relu_output = a.relu_output});
    if (net.output_shape().size() < data.train.classes)
      throw std::invalid_argument("--layers ends with " +
                                  std::to_string(net.output_shape().size()) +
                                  " outputs but data set '" + a.dataset + "' has " +
                                  std::to_string(data.train.classes) + " classes");
  } else {
    const std::vector<int> sizes = wl::parse_layer_sizes(a.layers);
    if (sizes.front() != data.train.features())
      throw std::invalid_argument("--layers starts with " + std::to_string(sizes.front()) +
                                  " inputs but data set '" + a.dataset + "' has " +
                                  std::to_string(data.train.features()) + " features per sample");
    if (sizes.back() < data.train.classes)
      throw std::invalid_argument("--layers ends with " + std::to_string(sizes.back()) +
                                  " outputs but data set '" + a.dataset + "' has " +
                                  std::to_string(data.train.classes) + " classes");
    wl::MlpOptions mo;
    mo.dropout = a.dropout;
    mo.input_dropout = a.input_dropout;
    mo.relu_output = a.relu_output;
    mo.bias = a.bias;
    net = wl::make_mlp(sizes, mo);
  }
  wl::Rng init_rng(a.seed);
  wl::init_weights(net, a.init == "he" ? wl::Init::kHeUniform : wl::Init::kUniform, a.init_scale,
                   init_rng);

  std::printf(
      "train: %s, %d train / %d test samples, network %s, %s lr %g%s, batch %d, loss %s, "
      "dropout %g, seed %llu, %d thread(s), gemm %s\n",
      a.dataset.c_str(), data.train.size(), data.test.size(), a.layers.c_str(), a.optimiser.c_str(),
      double(a.lr), a.optimiser == "sgd" ? (" momentum " + fmt_g(a.momentum)).c_str() : "", a.batch,
      a.loss.c_str(), double(a.dropout), static_cast<unsigned long long>(a.seed), cfg.threads,
      wl::gemm_backend());
  if (wl::is_net_preset(a.layers))
    std::printf("  %s = %s\n", a.layers.c_str(), wl::expand_net_preset(a.layers).c_str());
  std::size_t n_params = 0;
  for (const wl::Parameter& p : net.parameters()) n_params += p.size;
  std::printf("  %zu layers (%zu with those in residual blocks), %zu parameters\n", net.size(),
              net.all_layers().size(), n_params);
  if (cfg.schedule == wl::LrSchedule::kCosine || cfg.weight_decay > 0 || cfg.augment.enabled())
    std::printf("  lr schedule %s, weight decay %g, augmentation: shift %d, flip %s\n",
                config::to_string(cfg.schedule).c_str(), double(cfg.weight_decay),
                cfg.augment.shift, cfg.augment.flip ? "yes" : "no");
  wl::Trainer trainer(cfg);
  double total_s = 0, total_cpu_s = 0;
  wl::EpochStats last = trainer.train(net, data.train, &data.test, [&](const wl::EpochStats& s) {
    total_s += s.seconds;
    total_cpu_s += s.cpu_seconds;
    std::printf(
        "epoch %3d  loss %.4f  train acc %6.2f %%  test acc %6.2f %%  %.2f s (%.2f s CPU)\n",
        s.epoch, s.loss, 100 * s.train_accuracy, 100 * s.test_accuracy, s.seconds, s.cpu_seconds);
    std::fflush(stdout);
  });
  double test_acc = cfg.epochs > 0 ? last.test_accuracy : net.accuracy(data.test);
  std::printf(
      "final test accuracy %.2f %% (%d images); training time %.1f s (%.2f s/epoch, %.2f s CPU "
      "per epoch)\n",
      100 * test_acc, data.test.size(), total_s, cfg.epochs ? total_s / cfg.epochs : 0.0,
      cfg.epochs ? total_cpu_s / cfg.epochs : 0.0);
  if (!a.keep_batchnorm) {
    // The model file holds the inference function: conv + bias + ReLU (workloads/deep.hpp).
    if (const int folded = wl::fold_batchnorm(net); folded > 0) {
      test_acc = net.accuracy(data.test);
      std::printf("folded %d batch norm layers into their convolutions: test accuracy %.2f %%\n",
                  folded, 100 * test_acc);
    }
  }
  if (!a.out.empty()) {
    wl::ModelInfo info;
    info.dataset = a.dataset;
    info.seed = a.seed;
    info.epochs = a.epochs;
    info.test_accuracy = test_acc;
    info.train_accuracy = last.train_accuracy;
    info.training = {{"optimiser", a.optimiser},
                     {"lr", fmt_g(a.lr)},
                     {"momentum", fmt_g(a.momentum)},
                     {"batch", std::to_string(a.batch)},
                     {"loss", a.loss},
                     {"dropout", fmt_g(a.dropout)},
                     {"init", a.init},
                     {"lr_decay", fmt_g(a.lr_decay)},
                     {"lr_schedule", a.lr_schedule},
                     {"weight_decay", fmt_g(a.weight_decay)},
                     {"augment_shift", std::to_string(a.augment_shift)},
                     {"flip", a.flip ? "true" : "false"},
                     {"net", a.layers},
                     {"input_dropout", fmt_g(a.input_dropout)},
                     {"relu_output", a.relu_output ? "true" : "false"},
                     {"threads", std::to_string(cfg.threads)}};
    wl::save_model(a.out, net, info);
    std::printf("model written to %s\n", a.out.c_str());
  }
  return 0;
}

struct SnnArgs {
  std::string model;
  std::string dataset;  // default: the manifest's
  std::string data_dir;
  int timesteps = 64;
  std::string neuron = "if";
  float leak = 1.0f;
  std::string reset = "subtract";
  std::string norm = "percentile";
  double percentile = 99.9;
  int norm_samples = 10000;
  std::string encoding = "poisson";
  std::uint64_t seed = 1;
  int images = 0;
  int threads = 0;
  int weight_bits = 0;
  int adc_bits = 0;
  std::vector<long> adc_range;
  double adc_percentile = 99.99;
  int calibration_images = 100;
  int potential_bits = 16;
  int rows = 64, cols = 64;
};

int run_snn(const SnnArgs& a) {
  wl::LoadedModel m = wl::load_model(a.model);
  const std::string ds = a.dataset.empty() ? m.info.dataset : a.dataset;
  if (ds.empty())
    throw std::invalid_argument(a.model + "/manifest.yaml names no data set; give --dataset");
  wl::DataSplit data = wl::load_dataset(ds, a.data_dir);
  if (data.test.features() != m.network.input_shape().size())
    throw std::invalid_argument("data set '" + ds + "' has " +
                                std::to_string(data.test.features()) + " features; the model in " +
                                a.model + " expects " +
                                std::to_string(m.network.input_shape().size()));
  const int threads = a.threads > 0 ? a.threads : default_threads();
  wl::set_gemm_threads(threads);
  wl::ConversionConfig cc;
  cc.normalisation = config::parse_enum<wl::Normalisation>(a.norm, "normalisation");
  cc.percentile = a.percentile;
  cc.samples = a.norm_samples;
  wl::SnnConfig sc;
  sc.timesteps = a.timesteps;
  sc.neuron = config::parse_enum<wl::NeuronModel>(a.neuron, "neuron model");
  sc.leak = a.leak;
  sc.reset = config::parse_enum<wl::ResetMode>(a.reset, "reset");
  sc.encoding = config::parse_enum<wl::Encoding>(a.encoding, "encoding");
  sc.seed = a.seed;
  wl::FixedPointConfig fc;
  fc.enabled = a.weight_bits > 0;
  fc.weight_bits = a.weight_bits > 0 ? a.weight_bits : 4;
  fc.adc_bits = a.adc_bits;
  fc.adc_range = a.adc_range;
  fc.potential_bits = a.potential_bits;
  fc.crossbar_rows = a.rows;
  fc.crossbar_cols = a.cols;
  if (!fc.enabled && a.adc_bits > 0)
    throw std::invalid_argument("--adc-bits needs --weight-bits (fixed-point mode)");

  // Evenly spaced test images: the MNIST test part is ordered by digit.
  wl::Dataset test = data.test;
  if (a.images > 0 && a.images < data.test.size()) {
    std::vector<int> pick;
    for (int k = 0; k < a.images; ++k)
      pick.push_back(int(static_cast<long>(k) * data.test.size() / a.images));
    test = data.test.subset(pick);
  }
  const double ann_acc = m.network.accuracy(test);
  wl::SpikingNetwork snn = wl::to_snn(m.network, data.train, cc);
  if (fc.enabled && fc.adc_bits > 0 && fc.adc_range.empty()) {
    // Calibrate the ADC's full scale on training images (ideal-ADC partial sums).
    wl::FixedPointConfig ideal = fc;
    ideal.adc_bits = 0;
    // An ideal ADC needs no potential headroom check here: use a wide register for calibration.
    ideal.potential_bits = 62;
    fc.adc_range = wl::calibrate_adc_range(wl::GoldenModel(snn, sc, ideal), data.train,
                                           a.calibration_images, a.adc_percentile);
  }
  wl::GoldenModel golden(snn, sc, fc);
  const auto t0 = std::chrono::steady_clock::now();
  wl::SnnEvaluation ev = wl::evaluate(golden, test, 0, threads);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "snn: %s on %s, %d test images, T=%d, %s%s, reset %s, %s normalisation%s, %s inputs, "
      "seed %llu\n",
      a.model.c_str(), ds.c_str(), ev.images, a.timesteps, a.neuron.c_str(),
      sc.neuron == wl::NeuronModel::Lif ? (" leak " + fmt_g(a.leak)).c_str() : "", a.reset.c_str(),
      a.norm.c_str(),
      cc.normalisation == wl::Normalisation::kPercentile
          ? (" (" + fmt_g(a.percentile) + ")").c_str()
          : "",
      a.encoding.c_str(), static_cast<unsigned long long>(a.seed));
  if (fc.enabled) {
    std::printf("fixed point: %d-bit weights per sign, %s ADC, %d-bit potential, %dx%d crossbars\n",
                fc.weight_bits,
                fc.adc_bits ? (std::to_string(fc.adc_bits) + "-bit").c_str() : "ideal",
                fc.potential_bits, a.rows, a.cols);
    for (std::size_t l = 0; l < golden.quantised().size(); ++l) {
      const auto& q = golden.quantised()[l];
      std::printf(
          "  layer %zu fixed point: weight LSB %.4g, ADC step %ld LSB (max code %ld), threshold "
          "%ld "
          "codes, %zu blocks\n",
          l, q.weight_step, q.adc_step, q.adc_max_code, q.threshold, q.blocks.size());
    }
  } else {
    std::printf("float mode (no quantisation)\n");
  }
  for (std::size_t l = 0; l < snn.layers.size(); ++l)
    std::printf("  layer %zu: %ld x %ld, normalisation scale %.4g\n", l,
                long(snn.layers[l].weights.rows()), long(snn.layers[l].weights.cols()),
                double(snn.layers[l].scale));
  std::printf("ANN accuracy %.2f %%   SNN accuracy %.2f %%   (difference %+.2f points)\n",
              100 * ann_acc, 100 * ev.accuracy, 100 * (ev.accuracy - ann_acc));
  std::printf("spikes per image: %.0f input, %.0f in the network; %.1f s (%.1f images/s)\n",
              ev.input_spikes_per_image, ev.spikes_per_image, secs, ev.images / secs);
  return 0;
}

}  // namespace

static void add_workload_commands(CLI::App& app, int& status) {
  auto t = std::make_shared<TrainArgs>();
  CLI::App* train =
      app.add_subcommand("train", "train an MLP or a CNN on a data set and write the model");
  train->add_option("--dataset", t->dataset, "data set: " + join(wl::dataset_names(), " | "))
      ->capture_default_str();
  train->add_option("--data-dir", t->data_dir,
                    "data directory (default: $XBARSIM_DATA_DIR, else data/ for mnist and "
                    "/usr/share/datasets/fashion-mnist for fashion-mnist)");
  train
      ->add_option("--layers,--net", t->layers,
                   "layer sizes, inputs first: 784-1200-1200-10; a CNN: "
                   "12c5-2s-64c5-2s-1200-1200-10 (Nc K[sS][pP][b] conv with stride, padding, batch "
                   "norm; Nr[sS][b] residual block; Ks avg / Km max pooling; gap); or a named "
                   "network: vgg11, vgg16, resnet20, optionally @WIDTH (vgg11@0.25)")
      ->capture_default_str();
  train->add_option("--width", t->width,
                    "width multiplier of a named network (same as NAME@WIDTH), e.g. 0.25");
  train->add_option("--epochs", t->epochs, "epochs")->capture_default_str();
  auto* o_batch = train->add_option("--batch", t->batch, "mini-batch size")->capture_default_str();
  auto* o_opt = train->add_option("--optimiser", t->optimiser, "sgd | adam")->capture_default_str();
  auto* o_lr = train->add_option("--lr", t->lr, "learning rate")->capture_default_str();
  auto* o_mom = train->add_option("--momentum", t->momentum, "SGD momentum / Adam beta1")
                    ->capture_default_str();
  train->add_option("--lr-decay", t->lr_decay, "learning-rate factor applied after each epoch")
      ->capture_default_str();
  train
      ->add_option("--lr-schedule", t->lr_schedule,
                   "step (times --lr-decay per epoch) | cosine (lr (1 + cos(pi s/S))/2 at step s "
                   "of S)")
      ->capture_default_str();
  train
      ->add_option("--weight-decay", t->weight_decay,
                   "decoupled weight decay of the weight matrices (AdamW): w -= lr*wd*w per step")
      ->capture_default_str();
  train
      ->add_option("--augment-shift", t->augment_shift,
                   "random shift of each training image by up to this many pixels, zero-filled "
                   "(random crop with padding)")
      ->capture_default_str();
  train->add_flag("--flip", t->flip, "mirror training images left-right with probability 1/2");
  train->add_flag("--keep-batchnorm", t->keep_batchnorm,
                  "save batch norm layers as they are (default: fold them into the convolutions "
                  "before saving, which the SNN conversion needs)");
  auto* o_loss =
      train->add_option("--loss", t->loss, "cross-entropy (softmax) | mse (on the outputs)")
          ->capture_default_str();
  auto* o_drop = train->add_option("--dropout", t->dropout, "dropout rate after each hidden layer")
                     ->capture_default_str();
  train->add_option("--input-dropout", t->input_dropout, "dropout rate on the inputs")
      ->capture_default_str();
  train->add_flag("--relu-output", t->relu_output,
                  "ReLU on the output layer (use with --loss mse)");
  train->add_flag("--bias", t->bias, "give dense layers a bias (the SNN conversion refuses it)");
  train->add_option("--init", t->init, "he (uniform +-sqrt(6/fan_in)) | uniform (+-init-scale)")
      ->capture_default_str();
  train->add_option("--init-scale", t->init_scale, "half-width of the uniform init")
      ->capture_default_str();
  train->add_flag("--trannsformer", t->trannsformer,
                  "TraNNsformer's released recipe: SGD lr 0.5 momentum 0.5, batch 400, MSE on "
                  "ReLU outputs, dropout 0.5, uniform init +-0.01 (explicit flags still win)");
  train->add_option("--seed", t->seed, "seed of init, shuffling and dropout")
      ->capture_default_str();
  train->add_option("--threads", t->threads, "threads for the matrix products (0 = all cores)")
      ->capture_default_str();
  train->add_option("--out,-o", t->out,
                    "model directory to write (manifest.yaml + .npy), "
                    "e.g. out/models/mnist-500");
  train->callback([&status, t, o_batch, o_lr, o_mom, o_drop, o_opt, o_loss] {
    status = guarded([&] {
      return run_train(*t, o_batch->count() > 0, o_lr->count() > 0, o_mom->count() > 0,
                       o_drop->count() > 0, o_opt->count() > 0, o_loss->count() > 0);
    });
  });

  auto s = std::make_shared<SnnArgs>();
  CLI::App* snn = app.add_subcommand(
      "snn",
      "convert a trained model to a spiking network and run the golden model on test images");
  snn->add_option("model", s->model, "model directory written by xbarsim train")->required();
  snn->add_option("--dataset", s->dataset, "data set (default: the one in the manifest)");
  snn->add_option("--data-dir", s->data_dir, "data directory (as for train)");
  snn->add_option("--timesteps,-T", s->timesteps, "timesteps per image")->capture_default_str();
  snn->add_option("--neuron", s->neuron, "if | lif")->capture_default_str();
  snn->add_option("--leak", s->leak, "LIF: factor applied to the potential every timestep (0, 1]")
      ->capture_default_str();
  snn->add_option("--reset", s->reset, "subtract | zero")->capture_default_str();
  snn->add_option("--norm", s->norm, "normalisation: max | percentile | none")
      ->capture_default_str();
  snn->add_option("--percentile", s->percentile,
                  "percentile of non-zero activations (--norm percentile)")
      ->capture_default_str();
  snn->add_option("--norm-samples", s->norm_samples, "training images used for normalisation")
      ->capture_default_str();
  snn->add_option("--encoding", s->encoding, "poisson | deterministic")->capture_default_str();
  snn->add_option("--seed", s->seed, "seed of the Poisson input spikes")->capture_default_str();
  snn->add_option("--images,-n", s->images, "test images to run (0 = all)")->capture_default_str();
  snn->add_option("--threads", s->threads, "threads (0 = all cores); results do not depend on it")
      ->capture_default_str();
  snn->add_option("--weight-bits", s->weight_bits,
                  "fixed-point mode: bits per weight sign (2^b levels per sign); 0 = float mode")
      ->capture_default_str();
  snn->add_option("--adc-bits", s->adc_bits, "ADC bits (signed); 0 = ideal ADC")
      ->capture_default_str();
  snn->add_option(
      "--adc-range", s->adc_range,
      "ADC full scale per layer in weight LSBs (default: calibrated on training images)");
  snn->add_option("--adc-percentile", s->adc_percentile,
                  "calibration: percentile of non-zero |partial sums| mapped to full scale")
      ->capture_default_str();
  snn->add_option("--calibration-images", s->calibration_images,
                  "training images for ADC calibration")
      ->capture_default_str();
  snn->add_option("--potential-bits", s->potential_bits,
                  "membrane potential register bits (saturating)")
      ->capture_default_str();
  snn->add_option("--crossbar-rows", s->rows, "crossbar rows: inputs per partial-sum block")
      ->capture_default_str();
  snn->add_option("--crossbar-cols", s->cols, "crossbar columns: outputs per block")
      ->capture_default_str();
  snn->callback([&status, s] { status = guarded([&] { return run_snn(*s); }); });
}

XBAR_REGISTER_COMMANDS(20, add_workload_commands);

}  // namespace xbar::tools
