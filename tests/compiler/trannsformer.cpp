// Pruning and TraNNsformer's prune -> cluster -> retrain loop on a tiny synthetic problem with
// planted structure: masks hold, clusters respect the size constraint, same seed gives the same
// result, and the clustered mapping needs fewer crossbars than the pruning baseline's.
#include "compiler/trannsformer.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>

#include "compiler/map.hpp"
#include "compiler/mask.hpp"
#include "compiler/prune.hpp"
#include "workloads/network.hpp"
#include "workloads/rng.hpp"

using namespace xbar::compiler;
namespace wl = xbar::workloads;

namespace {

constexpr int kGroups = 4, kGroupIn = 8, kGroupHidden = 8;
constexpr int kInputs = kGroups * kGroupIn, kHidden = kGroups * kGroupHidden;

float uniform(wl::Rng& rng) { return static_cast<float>(rng.next() >> 40) * 0x1.0p-24f; }

// Class k lights input group k (inputs interleaved: input i belongs to group i % 4, so the
// structure is not a contiguous block that compacted tiling could exploit).
wl::Dataset planted_data(int n, std::uint64_t seed) {
  wl::Rng rng(seed);
  wl::Dataset d;
  d.name = "planted";
  d.images.resize(n, kInputs);
  d.width = kInputs;
  d.height = 1;
  d.classes = kGroups;
  for (int s = 0; s < n; ++s) {
    const int k = s % kGroups;
    d.labels.push_back(k);
    for (int i = 0; i < kInputs; ++i)
      d.images(s, i) = i % kGroups == k ? 0.5f + 0.5f * uniform(rng) : 0.3f * uniform(rng);
  }
  return d;
}

// 32-32-4 MLP whose weights carry the planted blocks (hidden h belongs to group h % 4) over a weak
// random background.
wl::Network planted_net(std::uint64_t seed) {
  wl::MlpOptions mo;
  mo.dropout = 0;
  wl::Network net = wl::make_mlp({kInputs, kHidden, kGroups}, mo);
  wl::Rng rng(seed);
  auto dense = net.dense_layers();
  Eigen::MatrixXf w0(kHidden, kInputs), w1(kGroups, kHidden);
  for (int h = 0; h < kHidden; ++h)
    for (int i = 0; i < kInputs; ++i)
      w0(h, i) =
          h % kGroups == i % kGroups ? 0.3f + 0.3f * uniform(rng) : 0.02f * (uniform(rng) - 0.5f);
  for (int o = 0; o < kGroups; ++o)
    for (int h = 0; h < kHidden; ++h)
      w1(o, h) = h % kGroups == o ? 0.3f + 0.3f * uniform(rng) : 0.02f * (uniform(rng) - 0.5f);
  dense[0]->set_weights(w0);
  dense[1]->set_weights(w1);
  return net;
}

// 8 x 16 differential crossbars: 8 rows x 8 logical outputs.
CrossbarGeometry tiny_geometry() {
  return make_geometry(8, 16, xbar::arch::SignedEncoding::Differential, 1);
}

TrannsformerOptions tiny_options() {
  TrannsformerOptions o;
  o.sparsity = 0.75;
  o.epochs = 10;
  o.retrain.batch = 20;
  o.retrain.lr = 1e-2f;
  o.retrain.seed = 7;
  o.retrain.threads = 1;
  o.cluster.max_size = 16;  // rows + outputs
  o.cluster.min_synapses = 2;
  o.cluster.seed = 3;
  o.crossbar_rows = 8;
  o.crossbar_outputs = 8;
  o.first_cluster = 0.5;  // cluster once the budget is down to about the planted blocks
  return o;
}

int crossbars(const std::vector<LayerMapping>& layers) {
  int n = 0;
  for (const auto& l : layers) n += static_cast<int>(l.blocks.size());
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(trannsformer_flow)

BOOST_AUTO_TEST_CASE(magnitude_mask_keeps_the_largest) {
  Eigen::MatrixXf w(2, 4);
  w << 0.1f, -0.8f, 0.0f, 0.3f,  //
      -0.2f, 0.05f, 0.9f, -0.4f;
  const Eigen::MatrixXf half = magnitude_mask(w, 0.5);
  Eigen::MatrixXf expect(2, 4);
  expect << 0, 1, 0, 0,  //
      0, 0, 1, 1;
  expect(0, 3) = 1;  // 0.3 is the 4th largest: 0.9, 0.8, 0.4, 0.3
  BOOST_TEST((half.array() == expect.array()).all());
  BOOST_TEST(magnitude_mask(w, 0.0).sum() == 7.0f);  // the zero weight is never kept
  BOOST_TEST(magnitude_mask(w, 1.0).sum() == 0.0f);
  BOOST_TEST(magnitude_mask(w, 0.75).sum() == 2.0f);
}

BOOST_AUTO_TEST_CASE(scheduled_sparsity_ramps_then_holds) {
  BOOST_TEST(scheduled_sparsity(0.9, 0, 20) == 0.0);
  BOOST_TEST(scheduled_sparsity(0.9, 15, 20) == 0.9, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(scheduled_sparsity(0.9, 20, 20) == 0.9, boost::test_tools::tolerance(1e-12));
  // 0.9 * (1 - (1 - 5/15)^3) = 0.9 * 19/27
  BOOST_TEST(scheduled_sparsity(0.9, 5, 20) == 0.9 * 19.0 / 27.0,
             boost::test_tools::tolerance(1e-12));
  double last = 0;
  for (int e = 1; e <= 20; ++e) {
    const double s = scheduled_sparsity(0.8, e, 20);
    BOOST_TEST(s >= last);
    BOOST_TEST(s <= 0.8 + 1e-12);
    last = s;
  }
}

BOOST_AUTO_TEST_CASE(fill_cluster_grows_within_its_crossbars) {
  Eigen::MatrixXf w = Eigen::MatrixXf::Zero(10, 12);
  for (int o = 0; o < 10; ++o)
    for (int i = 0; i < 12; ++i) w(o, i) = 0.01f * static_cast<float>(i + o);
  Cluster c;
  c.inputs = {0, 1};
  c.outputs = {2};
  fill_cluster(c, w, 4, 2, 6);
  // Inputs up to 4 (one crossbar's rows), the strongest first (11, 10); then outputs up to 2.
  BOOST_TEST(c.inputs == (std::vector<int>{0, 1, 10, 11}), boost::test_tools::per_element());
  BOOST_TEST(c.outputs == (std::vector<int>{2, 9}), boost::test_tools::per_element());
  BOOST_TEST(c.size() <= 6);
  Cluster d;
  d.inputs = {3};
  d.outputs = {4};
  fill_cluster(d, w, 4, 2, 4);  // the size bound stops it first
  BOOST_TEST(d.size() == 4);
  BOOST_TEST(d.outputs.size() == 1u);
}

BOOST_AUTO_TEST_CASE(prune_and_retrain_reaches_its_sparsity_and_keeps_zeros) {
  const wl::Dataset train = planted_data(200, 1);
  wl::Network net = planted_net(2);
  PruneOptions po;
  po.sparsity = 0.75;
  po.epochs = 4;
  po.retrain = tiny_options().retrain;
  auto log = prune_and_retrain(net, train, nullptr, po);
  BOOST_TEST(log.size() == 4u);
  BOOST_TEST(network_sparsity(net) >= 0.75 - 1e-9);
  for (const wl::Dense* d : net.dense_layers()) {
    BOOST_TEST(((d->mask().array() == 0.0f).select(d->weights().array(), 0.0f) == 0.0f).all());
  }
}

BOOST_AUTO_TEST_CASE(flow_keeps_masks_and_size_and_beats_pruning) {
  const wl::Dataset train = planted_data(400, 1), test = planted_data(200, 9);
  const TrannsformerOptions to = tiny_options();

  wl::Network net = planted_net(2);
  const double before = net.accuracy(test);
  TrannsformerResult r = trannsformer(net, train, &test, to);
  BOOST_TEST(r.epochs.size() == static_cast<std::size_t>(to.epochs));
  auto dense = net.dense_layers();
  int clusters = 0;
  for (std::size_t l = 0; l < dense.size(); ++l) {
    const Eigen::MatrixXf& w = dense[l]->weights();
    const Eigen::MatrixXf& m = dense[l]->mask();
    BOOST_REQUIRE(m.rows() == w.rows());
    // Pruned weights are exactly zero; every synapse of every cluster is in the mask.
    BOOST_TEST(((m.array() == 0.0f).select(w.array(), 0.0f) == 0.0f).all());
    BOOST_TEST((m.array() == 0.0f || m.array() == 1.0f).all());
    for (const Cluster& c : r.clusters[l]) {
      BOOST_TEST(c.size() <= to.cluster.max_size);
      BOOST_TEST(std::is_sorted(c.inputs.begin(), c.inputs.end()));
      for (int o : c.outputs)
        for (int i : c.inputs) BOOST_TEST(m(o, i) == 1.0f);
    }
    clusters += static_cast<int>(r.clusters[l].size());
    // In a hidden layer every surviving synapse sits in a cluster (the remainder is pruned away at
    // the end); the output layer keeps its remainder.
    if (l + 1 < dense.size()) BOOST_TEST(unclustered_fraction(to_mask(w), r.clusters[l]) == 0.0);
  }
  BOOST_TEST(clusters >= kGroups);
  BOOST_TEST(net.accuracy(test) >= before - 0.02);

  // The pruning baseline with the same budget and epochs.
  wl::Network base = planted_net(2);
  PruneOptions po;
  po.sparsity = to.sparsity;
  po.epochs = to.epochs;
  po.retrain = to.retrain;
  prune_and_retrain(base, train, &test, po);
  BOOST_TEST(base.accuracy(test) >= before - 0.02);

  const CrossbarGeometry g = tiny_geometry();
  std::vector<LayerMapping> tf, pr;
  for (std::size_t l = 0; l < dense.size(); ++l) {
    const int layer = static_cast<int>(l);
    tf.push_back(map_clustered(layer, to_mask(dense[l]->weights()), r.clusters[l], g));
    pr.push_back(map_compacted(layer, to_mask(base.dense_layers()[l]->weights()), g));
  }
  BOOST_TEST_MESSAGE("crossbars: trannsformer " << crossbars(tf) << ", pruning " << crossbars(pr));
  BOOST_TEST(crossbars(tf) < crossbars(pr));
  // The planted blocks of the hidden layer are found: one 8 x 8 crossbar each.
  BOOST_TEST(tf[0].blocks.size() == static_cast<std::size_t>(kGroups));
}

BOOST_AUTO_TEST_CASE(flow_is_deterministic_for_a_seed) {
  const wl::Dataset train = planted_data(200, 1);
  TrannsformerOptions to = tiny_options();
  to.epochs = 6;
  wl::Network a = planted_net(2), b = planted_net(2);
  TrannsformerResult ra = trannsformer(a, train, nullptr, to);
  TrannsformerResult rb = trannsformer(b, train, nullptr, to);
  BOOST_TEST(ra.clusters == rb.clusters);
  for (std::size_t l = 0; l < a.dense_layers().size(); ++l) {
    BOOST_TEST(
        (a.dense_layers()[l]->weights().array() == b.dense_layers()[l]->weights().array()).all());
  }
}

BOOST_AUTO_TEST_SUITE_END()
