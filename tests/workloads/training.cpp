// Layers and the trainer: gradients against finite differences, masks, determinism, learning.
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "workloads/trainer.hpp"

namespace wl = xbar::workloads;

namespace {

// A linearly separable toy problem: class = argmax of 3 fixed projections of 8 inputs in [0, 1].
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

double batch_loss(wl::Network& net, const wl::RowMatrix& x, const std::vector<int>& y,
                  wl::Loss loss) {
  wl::Rng rng(5);  // the same dropout mask on every call
  wl::RowMatrix g;
  return wl::loss_and_gradient(net.forward(x, true, rng), y, loss, g);
}

void check_gradients(wl::Loss loss, bool relu_output, bool bias) {
  wl::Network net =
      wl::make_mlp({5, 7, 6, 3}, {.dropout = 0.3f, .relu_output = relu_output, .bias = bias});
  wl::Rng init(11);
  wl::init_weights(net, wl::Init::kHeUniform, 0, init);
  for (auto* d : net.dense_layers())
    if (d->has_bias()) d->set_bias(Eigen::VectorXf::Constant(d->outputs(), 0.1f));
  wl::RowMatrix x(4, 5);
  wl::Rng data(3);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = data.uniform(0.1f, 1.0f);
  std::vector<int> y = {0, 2, 1, 2};
  // Analytic gradients.
  {
    wl::Rng rng(5);
    wl::RowMatrix g;
    wl::loss_and_gradient(net.forward(x, true, rng), y, loss, g);
    net.backward(g);
  }
  std::vector<std::vector<float>> analytic;
  for (auto& p : net.parameters()) analytic.emplace_back(p.grad, p.grad + p.size);
  int checked = 0;
  auto params = net.parameters();
  for (std::size_t k = 0; k < params.size(); ++k)
    for (std::size_t i = 0; i < params[k].size; ++i) {
      float& w = params[k].value[i];
      const float saved = w, eps = 1e-3f;
      w = saved + eps;
      const double up = batch_loss(net, x, y, loss);
      w = saved - eps;
      const double down = batch_loss(net, x, y, loss);
      w = saved;
      const double numeric = (up - down) / (2 * eps);
      const double a = analytic[k][i];
      BOOST_TEST(std::abs(numeric - a) <= 2e-3 + 0.02 * std::abs(a),
                 "param " << k << "[" << i << "]: numeric " << numeric << " analytic " << a);
      ++checked;
    }
  BOOST_TEST(checked > 80);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(workloads_training)

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences_cross_entropy) {
  check_gradients(wl::Loss::kCrossEntropy, false, false);
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences_mse_relu_output_bias) {
  check_gradients(wl::Loss::kSquaredError, true, true);
}

BOOST_AUTO_TEST_CASE(layer_sizes_parse_and_reject) {
  BOOST_TEST((wl::parse_layer_sizes("784-500-10") == std::vector<int>{784, 500, 10}));
  BOOST_CHECK_THROW(wl::parse_layer_sizes("784"), std::invalid_argument);
  BOOST_CHECK_THROW(wl::parse_layer_sizes("784-x-10"), std::invalid_argument);
  BOOST_CHECK_THROW(wl::parse_layer_sizes("784--10"), std::invalid_argument);
  BOOST_CHECK_THROW(wl::parse_layer_sizes("784-0-10"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(masked_synapses_stay_zero_through_training) {
  for (auto opt : {wl::Optimiser::kSgd, wl::Optimiser::kAdam}) {
    wl::Network net = wl::make_mlp({8, 16, 3}, {.dropout = 0.2f});
    wl::Rng init(1);
    wl::init_weights(net, wl::Init::kHeUniform, 0, init);
    std::vector<Eigen::MatrixXf> masks;
    wl::Rng mr(9);
    for (auto* d : net.dense_layers()) {
      Eigen::MatrixXf m(d->outputs(), d->inputs());
      for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = mr.uniform() < 0.5f ? 0.0f : 1.0f;
      d->set_mask(m);
      masks.push_back(m);
    }
    wl::TrainConfig c;
    c.epochs = 3;
    c.batch = 16;
    c.optimiser = opt;
    c.lr = opt == wl::Optimiser::kSgd ? 0.1f : 0.01f;
    c.threads = 1;
    wl::Trainer(c).train(net, toy_data(200, 2));
    for (std::size_t l = 0; l < masks.size(); ++l) {
      const Eigen::MatrixXf& w = net.dense_layers()[l]->weights();
      int zero_ok = 0, moved = 0;
      for (Eigen::Index i = 0; i < w.size(); ++i) {
        if (masks[l].data()[i] == 0.0f)
          zero_ok += (w.data()[i] == 0.0f && !std::signbit(w.data()[i]));
        else
          moved += (w.data()[i] != 0.0f);
      }
      BOOST_TEST(zero_ok == (masks[l].array() == 0.0f).count());
      BOOST_TEST(moved == (masks[l].array() != 0.0f).count());
    }
  }
}

BOOST_AUTO_TEST_CASE(same_seed_gives_identical_weights) {
  auto run = [](std::uint64_t seed, int threads) {
    wl::Network net = wl::make_mlp({8, 32, 32, 3}, {.dropout = 0.5f});
    wl::Rng init(seed);
    wl::init_weights(net, wl::Init::kHeUniform, 0, init);
    wl::TrainConfig c;
    c.epochs = 2;
    c.batch = 20;
    c.seed = seed;
    c.threads = threads;
    wl::Trainer(c).train(net, toy_data(300, 4));
    return net;
  };
  wl::Network a = run(7, 2), b = run(7, 2), c = run(8, 2);
  for (std::size_t l = 0; l < 3; ++l) {
    BOOST_TEST((a.dense_layers()[l]->weights() == b.dense_layers()[l]->weights()));
    BOOST_TEST(!(a.dense_layers()[l]->weights() == c.dense_layers()[l]->weights()));
  }
}

BOOST_AUTO_TEST_CASE(trainer_learns_a_separable_problem) {
  for (bool recipe : {false, true}) {
    wl::Network net = wl::make_mlp({8, 32, 3}, {.dropout = 0.0f, .relu_output = recipe});
    wl::Rng init(2);
    wl::init_weights(net, recipe ? wl::Init::kUniform : wl::Init::kHeUniform, 0.1f, init);
    wl::TrainConfig c = recipe ? wl::trannsformer_recipe(30) : wl::TrainConfig{};
    if (recipe)
      c.batch = 20;
    else {
      c.epochs = 30;
      c.lr = 0.01f;
    }
    c.threads = 1;
    const wl::Dataset train = toy_data(600, 5), test = toy_data(300, 6);
    const double before = net.accuracy(test);
    wl::EpochStats s = wl::Trainer(c).train(net, train, &test);
    BOOST_TEST_MESSAGE((recipe ? "trannsformer recipe" : "adam + cross-entropy")
                       << ": test accuracy " << before << " -> " << s.test_accuracy);
    BOOST_TEST(s.test_accuracy >= 0.9);
    BOOST_TEST(s.test_accuracy == net.accuracy(test));
  }
}

BOOST_AUTO_TEST_CASE(dropout_is_identity_at_inference_and_scales_in_training) {
  wl::Dropout d(0.5f);
  wl::RowMatrix x = wl::RowMatrix::Constant(50, 40, 2.0f), y;
  wl::Rng rng(1);
  d.forward(x, y, false, rng);
  BOOST_TEST((y == x));
  d.forward(x, y, true, rng);
  const long kept = (y.array() != 0.0f).count();
  BOOST_TEST(((y.array() == 0.0f) || (y.array() == 4.0f)).all());
  BOOST_TEST(std::abs(kept - 1000L) < 100);
}

BOOST_AUTO_TEST_SUITE_END()
