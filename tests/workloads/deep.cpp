// Deep CNNs: the VGG / ResNet presets (shapes, parameter counts against the published ones), the
// spec language's padding, stride and residual tokens, gradients of the residual join, global
// average pooling, batch norm and padded/strided convolutions against finite differences,
// fold_batchnorm, model files of a residual network, augmentation and a small residual network
// that learns.
#include "workloads/deep.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <fstream>
#include <functional>

#include "tests/support/temp_dir.hpp"
#include "workloads/model_io.hpp"
#include "workloads/trainer.hpp"

namespace wl = xbar::workloads;

namespace {

std::size_t parameter_count(wl::Network& net) {
  std::size_t n = 0;
  for (const wl::Parameter& p : net.parameters()) n += p.size;
  return n;
}

wl::RowMatrix random_batch(int n, int features, std::uint64_t seed, float lo = 0.0f) {
  wl::RowMatrix x(n, features);
  wl::Rng r(seed);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = r.uniform(lo, 1.0f);
  return x;
}

// Random weights, and batch norms with non-trivial scale, shift and running statistics.
void randomise(wl::Network& net, std::uint64_t seed) {
  wl::Rng rng(seed);
  wl::init_weights(net, wl::Init::kHeUniform, 0, rng);
  for (wl::WeightedLayer* w : net.layers_of<wl::WeightedLayer>())
    if (w->has_bias()) {
      Eigen::VectorXf b(w->fan_out());
      for (Eigen::Index i = 0; i < b.size(); ++i) b(i) = rng.uniform(-0.2f, 0.2f);
      w->set_bias(b);
    }
  for (wl::BatchNorm2d* bn : net.layers_of<wl::BatchNorm2d>()) {
    const int c = bn->channels();
    Eigen::VectorXf g(c), b(c), m(c), v(c);
    for (int i = 0; i < c; ++i) {
      g(i) = rng.uniform(0.5f, 1.5f);
      b(i) = rng.uniform(-0.3f, 0.3f);
      m(i) = rng.uniform(-0.2f, 0.4f);
      v(i) = rng.uniform(0.3f, 2.0f);
    }
    bn->set_state(g, b, m, v);
  }
}

double loss_of(wl::Network& net, const wl::RowMatrix& x, const std::vector<int>& y) {
  wl::Rng rng(5);
  wl::RowMatrix g;
  return wl::loss_and_gradient(net.forward(x, true, rng), y, wl::Loss::kCrossEntropy, g);
}

// Every parameter's gradient (a sample of each array) and the gradient with respect to the input
// against central differences of the batch loss (training mode: batch norms use the batch's
// statistics, whose dependence on the input is part of the gradient).
void check_gradients(wl::Network& net, int n, int min_checks) {
  const wl::RowMatrix x0 = random_batch(n, net.input_shape().size(), 3);
  std::vector<int> y;
  for (int i = 0; i < n; ++i) y.push_back(i % net.output_shape().size());
  wl::RowMatrix grad_x;
  {
    wl::Rng rng(5);
    wl::RowMatrix g;
    wl::loss_and_gradient(net.forward(x0, true, rng), y, wl::Loss::kCrossEntropy, g);
    net.backward(g, &grad_x);
  }
  BOOST_REQUIRE(grad_x.rows() == x0.rows());
  BOOST_REQUIRE(grad_x.cols() == x0.cols());
  std::vector<std::vector<float>> analytic;
  for (auto& p : net.parameters()) analytic.emplace_back(p.grad, p.grad + p.size);
  auto params = net.parameters();
  int checked = 0;
  // A central difference that straddles a ReLU's kink disagrees with the (one-sided) derivative;
  // a smaller step moves off the kink, so either step agreeing passes, and a wrong gradient fails
  // both.
  auto close = [](double numeric, double a) {
    return std::abs(numeric - a) <= 3e-3 + 0.03 * std::abs(a);
  };
  auto compare = [&](const std::function<double(float)>& loss_at, double a,
                     const std::string& what) {
    double numeric = 0;
    bool ok = false;
    for (float eps : {1e-3f, 2.5e-4f}) {
      numeric = (loss_at(eps) - loss_at(-eps)) / (2 * double(eps));
      ok = ok || close(numeric, a);
    }
    BOOST_TEST(ok, what << ": numeric " << numeric << " analytic " << a);
    ++checked;
  };
  for (std::size_t k = 0; k < params.size(); ++k)
    for (std::size_t i = 0; i < params[k].size; i += 1 + params[k].size / 25) {
      float& w = params[k].value[i];
      const float saved = w;
      auto at = [&](float eps) {
        w = saved + eps;
        const double l = loss_of(net, x0, y);
        w = saved;
        return l;
      };
      compare(at, analytic[k][i], "param " + std::to_string(k) + "[" + std::to_string(i) + "]");
    }
  for (Eigen::Index i = 0; i < x0.size(); i += 1 + x0.size() / 40) {
    auto at = [&](float eps) {
      wl::RowMatrix x = x0;
      x.data()[i] += eps;
      return loss_of(net, x, y);
    };
    compare(at, grad_x.data()[i], "input " + std::to_string(i));
  }
  BOOST_TEST(checked >= min_checks);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(workloads_deep)

BOOST_AUTO_TEST_CASE(vgg_parameter_counts_match_the_published_ones) {
  // kuangliu/pytorch-cifar's VGG (conv with bias + BN + ReLU, Linear(512, 10) with bias) has
  // 9,231,114 (VGG-11) and 14,728,266 (VGG-16) parameters. Ours leaves out the conv biases (the
  // batch norm's shift makes them redundant: 2,752 and 4,224 values) and the classifier's bias
  // (10): 9,228,352 and 14,724,032.
  wl::Network vgg11 = wl::make_cnn({3, 32, 32}, "vgg11");
  BOOST_TEST(parameter_count(vgg11) == 9231114u - 2752u - 10u);
  BOOST_TEST(wl::conv_layers(vgg11).size() == 8u);
  BOOST_TEST(vgg11.layers_of<wl::BatchNorm2d>().size() == 8u);
  BOOST_TEST((vgg11.output_shape() == wl::Shape{1, 1, 10}));
  wl::Network vgg16 = wl::make_cnn({3, 32, 32}, "vgg16");
  BOOST_TEST(parameter_count(vgg16) == 14728266u - 4224u - 10u);
  BOOST_TEST(wl::conv_layers(vgg16).size() == 13u);
  // Every conv is 3x3, stride 1, padding 1; pooling is average pooling (the SNN side refuses max).
  for (const wl::Conv2d* c : wl::conv_layers(vgg16)) {
    BOOST_TEST(c->kernel() == 3);
    BOOST_TEST(c->stride() == 1);
    BOOST_TEST(c->padding() == 1);
    BOOST_TEST(!c->has_bias());
  }
  int pools = 0;
  for (const wl::Pool2d* p : vgg16.layers_of<wl::Pool2d>()) {
    BOOST_TEST((p->mode() == wl::Pool2d::Mode::kAverage));
    ++pools;
  }
  BOOST_TEST(pools == 5);
  // Quarter width on one channel: 16-32-64-64-128-128-128-128, classifier 128 -> 10.
  wl::Network quarter = wl::make_cnn({1, 32, 32}, "vgg11@0.25");
  std::vector<int> channels;
  for (const wl::Conv2d* c : wl::conv_layers(quarter)) channels.push_back(c->out_channels());
  const std::vector<int> want = {16, 32, 64, 64, 128, 128, 128, 128};
  BOOST_TEST(channels == want, boost::test_tools::per_element());
  BOOST_TEST(quarter.dense_layers().back()->inputs() == 128);
  BOOST_TEST((quarter.layer_sizes() == std::vector<int>{1024, 10}));
}

BOOST_AUTO_TEST_CASE(resnet20_structure_and_parameter_count) {
  // He et al.'s CIFAR ResNet-20 with identity (option A) shortcuts has 269,722 parameters
  // (0.27M in the paper); with the 1x1 projection shortcuts (option B) where the shape changes
  // it gains 16*32 + 32*64 = 2,560 weights and 2 * (32 + 64) = 192 batch-norm values, and ours
  // has no classifier bias (10): 272,464.
  wl::Network net = wl::make_cnn({3, 32, 32}, "resnet20");
  BOOST_TEST(parameter_count(net) == 269722u + 2560u + 192u - 10u);
  BOOST_TEST((net.output_shape() == wl::Shape{1, 1, 10}));
  const std::vector<wl::Residual*> blocks = net.layers_of<wl::Residual>();
  BOOST_REQUIRE(blocks.size() == 9u);
  // 19 convolutions on the main path (1 + 9 x 2) and 2 projections: ResNet-20's 20 weighted
  // layers are the 19 convs and the dense classifier.
  BOOST_TEST(wl::conv_layers(net).size() == 21u);
  const wl::Shape stage_out[3] = {{16, 32, 32}, {32, 16, 16}, {64, 8, 8}};
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const wl::Residual& r = *blocks[b];
    BOOST_TEST((r.main().output_shape() == stage_out[b / 3]));
    const bool projection = b == 3 || b == 6;
    BOOST_TEST(r.identity_shortcut() == !projection);
    if (projection) {
      const auto* c = dynamic_cast<const wl::Conv2d*>(&r.shortcut().layer(0));
      BOOST_REQUIRE(c);
      BOOST_TEST(c->kernel() == 1);
      BOOST_TEST(c->stride() == 2);
      BOOST_TEST(r.shortcut().layer(1).kind() == "batchnorm");
      const auto* first = dynamic_cast<const wl::Conv2d*>(&r.main().layer(0));
      BOOST_TEST(first->stride() == 2);
      BOOST_TEST(first->padding() == 1);
    }
    // main = conv BN ReLU conv BN; the ReLU after the join follows the block in the chain.
    std::vector<std::string> kinds;
    for (std::size_t i = 0; i < r.main().size(); ++i) kinds.push_back(r.main().layer(i).kind());
    const std::vector<std::string> want = {"conv", "batchnorm", "relu", "conv", "batchnorm"};
    BOOST_TEST(kinds == want, boost::test_tools::per_element());
  }
  // The end: global average pooling (an 8x8 average pool), flatten, dense 64 -> 10.
  const std::size_t n = net.size();
  const auto* gap = dynamic_cast<const wl::Pool2d*>(&net.layer(n - 3));
  BOOST_REQUIRE(gap);
  BOOST_TEST(gap->kernel() == 8);
  BOOST_TEST((gap->output() == wl::Shape{64, 1, 1}));
  BOOST_TEST(net.dense_layers().back()->inputs() == 64);
  // Half width on one channel: 8/16/32 channels.
  wl::Network half = wl::make_cnn({1, 32, 32}, "resnet20@0.5");
  BOOST_TEST(half.dense_layers().back()->inputs() == 32);
  BOOST_TEST(wl::conv_layers(half).front()->kernel_size() == 9);
}

BOOST_AUTO_TEST_CASE(spec_tokens_and_errors) {
  BOOST_TEST(wl::expand_net_preset("resnet20@0.25") ==
             "4c3p1b-4rb-4rb-4rb-8rs2b-8rb-8rb-16rs2b-16rb-16rb-gap-10");
  BOOST_TEST(wl::expand_net_preset("vgg11@0.125") ==
             "8c3p1b-2a-16c3p1b-2a-32c3p1b-32c3p1b-2a-64c3p1b-64c3p1b-2a-64c3p1b-64c3p1b-2a-10");
  BOOST_TEST(wl::expand_net_preset("12c5-2s-10") == "12c5-2s-10");
  BOOST_TEST(wl::is_cnn_spec("vgg11"));
  BOOST_TEST(wl::is_cnn_spec("resnet20@0.5"));
  BOOST_TEST(!wl::is_cnn_spec("784-500-10"));
  // Stride and padding suffixes in any order; b = batch norm before the ReLU.
  wl::Network net = wl::make_cnn({2, 9, 9}, "4c3s2p1b-6c3p0s1-10");
  const auto convs = wl::conv_layers(net);
  BOOST_TEST(convs[0]->stride() == 2);
  BOOST_TEST(convs[0]->padding() == 1);
  BOOST_TEST((convs[0]->output() == wl::Shape{4, 5, 5}));
  BOOST_TEST(net.layer(1).kind() == "batchnorm");
  BOOST_TEST(net.layer(2).kind() == "relu");
  BOOST_TEST((convs[1]->output() == wl::Shape{6, 3, 3}));
  BOOST_TEST(net.layer(4).kind() == "relu");  // no batch norm without b
  // A residual token without b has no batch norm; an odd map with stride 2 still adds up.
  wl::Network res = wl::make_cnn({3, 7, 7}, "5rs2-gap-10");
  const auto* block = dynamic_cast<const wl::Residual*>(&res.layer(0));
  BOOST_REQUIRE(block);
  BOOST_TEST(block->main().size() == 3u);
  BOOST_TEST(block->shortcut().size() == 1u);
  BOOST_TEST((block->main().output_shape() == wl::Shape{5, 4, 4}));
  auto fails = [](const std::string& spec, wl::Shape in, const std::string& part) {
    try {
      wl::make_cnn(in, spec);
      BOOST_ERROR("no error for " << spec);
    } catch (const std::invalid_argument& e) {
      BOOST_TEST_MESSAGE(e.what());
      BOOST_TEST(std::string(e.what()).find(part) != std::string::npos, e.what());
    }
  };
  fails("4c3q1-10", {1, 8, 8}, "token '4c3q1': unknown suffix 'q'");
  fails("4c3s-10", {1, 8, 8}, "token '4c3s'");
  fails("4rp1-10", {1, 8, 8}, "unknown suffix 'p'");
  fails("vgg11@0", {1, 32, 32}, "positive number");
  fails("vgg12@0.5", {1, 32, 32}, "not a named network");
  // VGG needs 32x32: on 28x28 the fifth pooling does not fit, and the error says where.
  fails("vgg11", {1, 28, 28}, "'vgg11' (");
  fails("4c3-gap-10", {1, 8, 9}, "square");
}

BOOST_AUTO_TEST_CASE(gradients_of_residual_blocks_batchnorm_and_global_pooling) {
  // Padded and strided conv + BN + ReLU, an identity block, a projection block with stride 2, a
  // block without batch norm, global average pooling and a dense layer with bias.
  wl::Network net = wl::make_cnn({2, 6, 6}, "3c3p1b-3rb-4rs2b-4r-gap-5");
  randomise(net, 7);
  net.dense_layers().back()->enable_bias();
  check_gradients(net, 3, 150);
}

BOOST_AUTO_TEST_CASE(batchnorm_gradient_at_inference_and_running_statistics) {
  // A batch norm alone: its running estimates follow PyTorch's update (unbiased variance).
  wl::BatchNorm2d bn(2, 1e-5f, 0.1f);
  wl::RowMatrix x(2, 6);  // 2 samples x 2 channels x 3 positions
  x << 1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60;
  wl::RowMatrix y;
  wl::Rng rng(0);
  bn.forward(x, y, true, rng);
  // Channel 0: values 1..6, mean 3.5, biased variance 35/12, unbiased 3.5.
  BOOST_TEST(std::abs(bn.running_mean()(0) - 0.35f) < 1e-6f);
  BOOST_TEST(std::abs(bn.running_var()(0) - (0.9f + 0.1f * 3.5f)) < 1e-6f);
  BOOST_TEST(std::abs(y(0, 0) - (1 - 3.5f) / std::sqrt(35.0f / 12.0f + 1e-5f)) < 1e-5f);
  // At inference the layer is the affine map scale * x + shift.
  bn.forward(x, y, false, rng);
  for (int c = 0; c < 2; ++c)
    for (int p = 0; p < 3; ++p)
      BOOST_TEST(std::abs(y(1, c * 3 + p) - (bn.scale()(c) * x(1, c * 3 + p) + bn.shift()(c))) <
                 1e-5f);
  wl::RowMatrix g = wl::RowMatrix::Ones(2, 6), gx;
  bn.backward(x, y, g, &gx);
  BOOST_TEST(std::abs(gx(0, 4) - bn.scale()(1)) < 1e-6f);
  // Weights decay, biases and batch-norm parameters do not.
  wl::Network net = wl::make_cnn({1, 4, 4}, "2c3p1b-3");
  net.dense_layers()[0]->enable_bias();
  std::vector<bool> decay;
  for (const wl::Parameter& p : net.parameters()) decay.push_back(p.decay);
  const std::vector<bool> want = {true, false, false, true, false};
  BOOST_TEST(decay == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(fold_batchnorm_keeps_the_inference_function) {
  for (const std::string spec : {"resnet20@0.25", "vgg11@0.125"}) {
    wl::Network net = wl::make_cnn({3, 32, 32}, spec);
    randomise(net, 11);
    const wl::RowMatrix x = random_batch(6, net.input_shape().size(), 4);
    const wl::RowMatrix before = net.predict(x);
    const std::size_t bns = net.layers_of<wl::BatchNorm2d>().size();
    BOOST_TEST(wl::fold_batchnorm(net) == int(bns));
    BOOST_TEST(net.layers_of<wl::BatchNorm2d>().empty());
    for (const wl::Conv2d* c : wl::conv_layers(net)) BOOST_TEST(c->has_bias());
    const wl::RowMatrix after = net.predict(x);
    const float scale = before.cwiseAbs().maxCoeff(), err = (after - before).cwiseAbs().maxCoeff();
    BOOST_TEST_MESSAGE(spec << ": outputs up to " << scale << ", largest change " << err);
    BOOST_TEST(scale > 0.1f);
    BOOST_TEST(err <= 1e-5f * scale + 1e-6f);
    BOOST_TEST(wl::fold_batchnorm(net) == 0);
  }
  // A batch norm that follows no conv cannot be folded, and the error says which.
  wl::Network bad({2, 3, 3});
  bad.add(std::make_unique<wl::BatchNorm2d>(2));
  BOOST_CHECK_EXCEPTION(wl::fold_batchnorm(bad), std::invalid_argument,
                        [](const std::invalid_argument& e) {
                          return std::string(e.what()).find("layer 0") != std::string::npos;
                        });
}

BOOST_AUTO_TEST_CASE(residual_network_model_files_round_trip) {
  xbar::test::TempDir dir;
  wl::Network net = wl::make_cnn({1, 8, 8}, "4c3p1b-4rb-6rs2b-gap-3");
  randomise(net, 3);
  // A mask on a conv inside a residual branch survives too.
  auto* inner = wl::conv_layers(net)[2];
  Eigen::MatrixXf mask = Eigen::MatrixXf::Ones(inner->fan_out(), inner->fan_in());
  mask(1, 3) = 0;
  inner->set_mask(mask);
  wl::ModelInfo info;
  info.dataset = "test";
  wl::save_model(dir.path(), net, info);
  wl::LoadedModel m = wl::load_model(dir.path());
  const wl::RowMatrix x = random_batch(4, 64, 9);
  BOOST_TEST((m.network.predict(x) - net.predict(x)).cwiseAbs().maxCoeff() == 0.0f);
  BOOST_TEST(m.network.layers_of<wl::Residual>().size() == 2u);
  BOOST_TEST(wl::conv_layers(m.network)[2]->has_mask());
  BOOST_TEST(wl::conv_layers(m.network)[2]->weights()(1, 3) == 0.0f);
  // The manifest shows the structure: a residual entry with its two branches.
  const YAML::Node root = YAML::LoadFile((dir.path() / "manifest.yaml").string());
  const YAML::Node block = root["layers"][3];
  BOOST_TEST(block["type"].as<std::string>() == "residual");
  BOOST_TEST(block["main"].size() == 5u);
  BOOST_TEST(block["shortcut"].size() == 0u);
  BOOST_TEST(root["layers"][5]["shortcut"][0]["kernel"].as<int>() == 1);
  // Folded and saved again: no batch norm, the same outputs within float rounding.
  wl::Network folded = net;
  wl::fold_batchnorm(folded);
  wl::save_model(dir.path() / "folded", folded, info);
  wl::LoadedModel f = wl::load_model(dir.path() / "folded");
  BOOST_TEST(f.network.layers_of<wl::BatchNorm2d>().empty());
  BOOST_TEST((f.network.predict(x) - net.predict(x)).cwiseAbs().maxCoeff() < 1e-5f);
  // A broken branch is named: a shortcut whose output does not match the main branch.
  std::string text;
  {
    std::ifstream in(dir.path() / "manifest.yaml");
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::size_t at = text.find("[]", text.find("shortcut:"));
  BOOST_REQUIRE(at != std::string::npos);
  text.replace(at, 2, "[{type: avgpool, kernel: 2, stride: 2}]");
  std::ofstream(dir.path() / "manifest.yaml") << text;
  BOOST_CHECK_EXCEPTION(wl::load_model(dir.path()), wl::DataError, [](const wl::DataError& e) {
    const std::string w = e.what();
    BOOST_TEST_MESSAGE(w);
    return w.find("layer 3") != std::string::npos && w.find("shortcut") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(augmentation_shifts_and_mirrors_images) {
  // One 1x3x3 image 1..9; the draws for a shift of 1 are reproduced here with the same Rng.
  wl::RowMatrix img(1, 9);
  img << 1, 2, 3, 4, 5, 6, 7, 8, 9;
  int seen_shifted = 0, seen_flipped = 0;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    wl::RowMatrix x = img;
    wl::Rng rng(seed), ref(seed);
    wl::augment_batch(x, {1, 3, 3}, {1, true}, rng);
    const int dy = int(ref.below(3)) - 1, dx = int(ref.below(3)) - 1;
    const bool flip = (ref.next() >> 63) != 0;
    for (int y = 0; y < 3; ++y)
      for (int c = 0; c < 3; ++c) {
        const int iy = y + dy, ix = (flip ? 2 - c : c) + dx;
        const float want = (iy < 0 || iy > 2 || ix < 0 || ix > 2) ? 0.0f : img(0, iy * 3 + ix);
        BOOST_TEST(x(0, y * 3 + c) == want);
      }
    seen_shifted += (dy != 0 || dx != 0);
    seen_flipped += flip;
  }
  BOOST_TEST(seen_shifted > 20);
  BOOST_TEST(seen_flipped > 10);
}

BOOST_AUTO_TEST_CASE(small_residual_network_learns) {
  // Four classes: which quadrant of an 8x8 image is bright. A residual network with batch norm,
  // Adam, cosine schedule and weight decay learns it (one epoch over 256 images is not enough for
  // chance-level networks: 25 %).
  auto make = [](int n, std::uint64_t seed) {
    wl::Dataset d;
    d.name = "quadrants";
    d.classes = 4;
    d.channels = 1;
    d.height = d.width = 8;
    d.images = random_batch(n, 64, seed, 0.0f) * 0.3f;
    wl::Rng r(seed + 1);
    for (int i = 0; i < n; ++i) {
      const int q = int(r.below(4)), y0 = (q / 2) * 4, x0 = (q % 2) * 4;
      for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) d.images(i, (y0 + y) * 8 + x0 + x) += 0.6f;
      d.labels.push_back(q);
    }
    return d;
  };
  const wl::Dataset train = make(256, 1), test = make(200, 2);
  wl::Network net = wl::make_cnn({1, 8, 8}, "4c3p1b-4rb-8rs2b-gap-4");
  wl::Rng init(1);
  wl::init_weights(net, wl::Init::kHeUniform, 0, init);
  wl::TrainConfig cfg;
  cfg.epochs = 8;
  cfg.batch = 32;
  cfg.lr = 1e-2f;
  cfg.schedule = wl::LrSchedule::kCosine;
  cfg.weight_decay = 1e-4f;
  cfg.threads = 1;
  wl::Trainer(cfg).train(net, train);
  const double acc = net.accuracy(test);
  BOOST_TEST_MESSAGE("quadrants: test accuracy " << acc);
  BOOST_TEST(acc > 0.9);
  wl::fold_batchnorm(net);
  BOOST_TEST(std::abs(net.accuracy(test) - acc) < 0.011);
}

BOOST_AUTO_TEST_SUITE_END()
