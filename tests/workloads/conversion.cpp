// ANN -> SNN conversion: data-based normalisation, rate coding, and the converted network keeping
// the ReLU network's decisions.
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "workloads/golden.hpp"
#include "workloads/trainer.hpp"

namespace wl = xbar::workloads;

namespace {

wl::Dataset toy_data(int n, std::uint64_t seed) {
  wl::Dataset d;
  d.name = "toy";
  d.classes = 3;
  d.images.resize(n, 8);
  wl::Rng rng(seed);
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < 8; ++k) d.images(i, k) = rng.uniform();
    const float a = d.images.row(i).head(3).sum(), b = d.images.row(i).segment(3, 3).sum(),
                c = d.images.row(i).tail(2).sum() * 1.5f;
    d.labels.push_back(a >= b && a >= c ? 0 : (b >= c ? 1 : 2));
  }
  return d;
}

wl::Network trained_toy_net() {
  wl::Network net = wl::make_mlp({8, 24, 3}, {.dropout = 0.0f});
  wl::Rng init(4);
  wl::init_weights(net, wl::Init::kHeUniform, 0, init);
  wl::TrainConfig c;
  c.epochs = 30;
  c.threads = 1;
  c.batch = 20;
  wl::Trainer(c).train(net, toy_data(600, 1));
  return net;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(workloads_conversion)

BOOST_AUTO_TEST_CASE(max_normalisation_scales_by_largest_activation) {
  wl::Network net = trained_toy_net();
  const wl::Dataset train = toy_data(200, 1);
  wl::SpikingNetwork snn = wl::to_snn(net, train, {.normalisation = wl::Normalisation::kMax});
  BOOST_REQUIRE(snn.layers.size() == 2u);
  const float l1 = net.activations_after(train.images, 1).maxCoeff();  // after the hidden ReLU
  const float l2 = net.activations_after(train.images, 2).maxCoeff();  // output (positive part)
  BOOST_TEST(snn.layers[0].scale == l1);
  BOOST_TEST(snn.layers[1].scale == l2);
  const Eigen::MatrixXf w0 = net.dense_layers()[0]->weights() * (1.0f / l1);
  const Eigen::MatrixXf w1 = net.dense_layers()[1]->weights() * (l1 / l2);
  BOOST_TEST(snn.layers[0].weights.isApprox(w0, 1e-6f));
  BOOST_TEST(snn.layers[1].weights.isApprox(w1, 1e-6f));
  // The 99.9th percentile is never above the maximum.
  wl::SpikingNetwork p = wl::to_snn(net, train, {.normalisation = wl::Normalisation::kPercentile});
  BOOST_TEST(p.layers[0].scale <= l1);
  BOOST_TEST(p.layers[0].scale > 0.5f * l1);
}

BOOST_AUTO_TEST_CASE(conversion_refuses_bias) {
  wl::Network net = wl::make_mlp({4, 3}, {.bias = true});
  BOOST_CHECK_THROW(wl::to_snn(net, toy_data(10, 1).head(0)), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(snn_keeps_the_relu_networks_ranking) {
  wl::Network net = trained_toy_net();
  const wl::Dataset train = toy_data(600, 1), test = toy_data(100, 9);
  wl::SpikingNetwork snn = wl::to_snn(net, train, {.normalisation = wl::Normalisation::kMax});
  wl::SnnConfig sc;
  sc.timesteps = 256;
  sc.encoding = wl::Encoding::kDeterministic;
  wl::GoldenModel golden(snn, sc);
  const wl::RowMatrix out = net.predict(test.images);
  int agree = 0, confident = 0, confident_agree = 0;
  for (int k = 0; k < test.size(); ++k) {
    wl::GoldenResult r = golden.classify(test.images.row(k).data(), std::uint64_t(k));
    Eigen::Index best;
    const float top = out.row(k).maxCoeff(&best);
    agree += r.predicted == best;
    // Clear ANN decisions (runner-up below 80 % of the winner) must be kept.
    std::vector<float> v(out.row(k).data(), out.row(k).data() + 3);
    std::sort(v.begin(), v.end());
    if (top > 0 && v[1] < 0.8f * top) {
      ++confident;
      confident_agree += r.predicted == best;
    }
    // Output rates follow the (normalised) activations.
    for (int j = 0; j < 3; ++j) {
      const double rate = double(r.counts[std::size_t(j)]) / sc.timesteps;
      const double expect = std::clamp(double(out(k, j)) / snn.layers[1].scale, 0.0, 1.0);
      BOOST_TEST(std::abs(rate - expect) < 0.1,
                 "sample " << k << " output " << j << ": rate " << rate << " vs " << expect);
    }
  }
  BOOST_TEST_MESSAGE("agreement " << agree << "/" << test.size() << ", confident "
                                  << confident_agree << "/" << confident);
  BOOST_TEST(agree >= 95);
  BOOST_TEST(confident > 50);
  BOOST_TEST(confident_agree == confident);
}

BOOST_AUTO_TEST_CASE(deterministic_encoding_counts) {
  const float x[4] = {0.0f, 0.25f, 0.5f, 1.0f};
  wl::Rng rng(1);
  wl::SpikeTrain s = wl::encode(x, 4, 16, wl::Encoding::kDeterministic, rng);
  std::vector<int> count(4, 0);
  for (const auto& step : s)
    for (int i : step) ++count[std::size_t(i)];
  BOOST_TEST((count == std::vector<int>{0, 4, 8, 16}));
  BOOST_TEST((s[3] == std::vector<int>{1, 2, 3}));  // 0.25 first fires at the 4th step
}

BOOST_AUTO_TEST_CASE(poisson_encoding_is_seeded_and_has_the_right_rate) {
  std::vector<float> x(200, 0.3f);
  x[0] = 0.0f;
  x[1] = 1.0f;
  wl::Rng a = wl::Rng::stream(5, 3), b = wl::Rng::stream(5, 3), c = wl::Rng::stream(5, 4);
  wl::SpikeTrain sa = wl::encode(x.data(), 200, 100, wl::Encoding::kPoisson, a);
  BOOST_TEST((sa == wl::encode(x.data(), 200, 100, wl::Encoding::kPoisson, b)));
  BOOST_TEST(!(sa == wl::encode(x.data(), 200, 100, wl::Encoding::kPoisson, c)));
  long total = 0, zero = 0, one = 0;
  for (const auto& step : sa) {
    total += long(step.size());
    for (int i : step) {
      zero += i == 0;
      one += i == 1;
    }
  }
  BOOST_TEST(zero == 0);
  BOOST_TEST(one == 100);
  const double rate = double(total - one) / (198.0 * 100.0);  // expected 0.3, sd ~0.0033
  BOOST_TEST(std::abs(rate - 0.3) < 0.015);
}

// Weights of 1e38 are finite but their activations are not: the conversion says so instead of
// printing "normalisation scale inf" and converting to nonsense.
BOOST_AUTO_TEST_CASE(overflowing_activations_are_refused) {
  wl::Network net = wl::make_mlp({8, 24, 3}, {.dropout = 0.0f});
  wl::Rng init(4);
  wl::init_weights(net, wl::Init::kHeUniform, 0, init);
  net.dense_layers()[0]->set_weights(Eigen::MatrixXf::Constant(24, 8, 1e38f));
  BOOST_CHECK_EXCEPTION(
      wl::to_snn(net, toy_data(50, 1), {.normalisation = wl::Normalisation::kMax}), wl::DataError,
      [](const wl::DataError& e) {
        BOOST_TEST_MESSAGE(e.what());
        return std::string(e.what()).find("layer 0: its activations overflow") != std::string::npos;
      });
}

BOOST_AUTO_TEST_SUITE_END()
