// Spectral co-clustering (TraNNsformer, docs/references.md §1.4): planted dense blocks are found,
// the size constraint holds, indices are the original neurons', the result depends only on the
// seed.
#include "compiler/cluster.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>

#include "compiler/placement.hpp"
#include "tests/compiler/synth.hpp"

using namespace xbar::compiler;
using xbar::test::mask_of;
using xbar::test::synth_layer;

namespace {

long long synapses_in(const Mask& m, const std::vector<int>& outs, const std::vector<int>& ins) {
  long long n = 0;
  for (int o : outs) {
    for (Mask::InnerIterator it(m, o); it; ++it)
      n += std::binary_search(ins.begin(), ins.end(), static_cast<int>(it.col()));
  }
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cluster)

BOOST_AUTO_TEST_CASE(recovers_planted_dense_blocks) {
  // 4 blocks of 24 inputs x 20 outputs at 95 % density on scattered indices, 3 % background.
  auto layer = synth_layer(200, 240, 0.03, 4, 24, 20, 0.95, 7);
  ClusterOptions opt;
  opt.max_size = 64;
  opt.seed = 3;
  auto clusters = cluster_connectivity(layer.mask, opt);
  BOOST_REQUIRE(!clusters.empty());
  for (const auto& pb : layer.blocks) {
    long long planted = synapses_in(layer.mask, pb.outputs, pb.inputs);
    long long caught = 0;
    for (const auto& c : clusters) {
      std::vector<int> outs, ins;
      std::set_intersection(c.outputs.begin(), c.outputs.end(), pb.outputs.begin(),
                            pb.outputs.end(), std::back_inserter(outs));
      std::set_intersection(c.inputs.begin(), c.inputs.end(), pb.inputs.begin(), pb.inputs.end(),
                            std::back_inserter(ins));
      caught = std::max(caught, synapses_in(layer.mask, outs, ins));
    }
    // One cluster holds at least 90 % of each planted block.
    BOOST_TEST(caught >= 0.9 * static_cast<double>(planted),
               "caught " << caught << " of " << planted);
  }
  for (const auto& c : clusters) BOOST_TEST(c.quality > opt.base_quality);
}

BOOST_AUTO_TEST_CASE(random_walk_embedding_finds_a_planted_block_too) {
  // TraNNsformer's own embedding (L_rw eigenvectors) on the same layer: weaker, but it finds one.
  auto layer = synth_layer(200, 240, 0.03, 4, 24, 20, 0.95, 7);
  ClusterOptions opt;
  opt.max_size = 64;
  opt.seed = 3;
  opt.embedding = Embedding::RandomWalk;
  auto clusters = cluster_connectivity(layer.mask, opt);
  BOOST_REQUIRE(!clusters.empty());
  long long best = 0;
  for (const auto& pb : layer.blocks) {
    for (const auto& c : clusters) {
      std::vector<int> outs, ins;
      std::set_intersection(c.outputs.begin(), c.outputs.end(), pb.outputs.begin(),
                            pb.outputs.end(), std::back_inserter(outs));
      std::set_intersection(c.inputs.begin(), c.inputs.end(), pb.inputs.begin(), pb.inputs.end(),
                            std::back_inserter(ins));
      best = std::max(best, synapses_in(layer.mask, outs, ins));
    }
  }
  BOOST_TEST(best >= 0.9 * 24 * 20 * 0.95);
}

BOOST_AUTO_TEST_CASE(size_constraint_always_holds) {
  // Blocks larger than the limit must be split until every cluster fits.
  for (int limit : {16, 40}) {
    for (std::uint64_t seed : {1u, 2u}) {
      auto layer = synth_layer(100, 110, 0.05, 2, 36, 30, 0.9, seed);
      ClusterOptions opt;
      opt.max_size = limit;
      opt.seed = seed;
      auto clusters = cluster_connectivity(layer.mask, opt);
      BOOST_TEST(!clusters.empty());
      for (const auto& c : clusters)
        BOOST_TEST(c.size() <= limit, "cluster of " << c.size() << " > " << limit);
    }
  }
}

BOOST_AUTO_TEST_CASE(clusters_name_original_neurons_and_own_disjoint_synapses) {
  auto layer = synth_layer(120, 100, 0.04, 3, 16, 14, 0.95, 11);
  ClusterOptions opt;
  opt.max_size = 40;
  auto clusters = cluster_connectivity(layer.mask, opt);
  BOOST_REQUIRE(!clusters.empty());
  long long total = 0;
  for (const auto& c : clusters) {
    BOOST_TEST(std::is_sorted(c.inputs.begin(), c.inputs.end()));
    BOOST_TEST(std::is_sorted(c.outputs.begin(), c.outputs.end()));
    // Counted on the original matrix, the rectangle holds at least the synapses the cluster claims.
    BOOST_TEST(synapses_in(layer.mask, c.outputs, c.inputs) >= c.synapses);
    BOOST_TEST(c.quality == static_cast<double>(c.synapses) / (c.inputs.size() * c.outputs.size()));
    total += c.synapses;
  }
  BOOST_TEST(total <= layer.mask.nonZeros());
}

BOOST_AUTO_TEST_CASE(same_seed_same_clusters) {
  auto layer = synth_layer(150, 150, 0.05, 3, 20, 20, 0.9, 5);
  ClusterOptions opt;
  opt.max_size = 48;
  opt.seed = 42;
  auto a = cluster_connectivity(layer.mask, opt);
  auto b = cluster_connectivity(layer.mask, opt);
  BOOST_TEST(!a.empty());
  BOOST_TEST((a == b));
}

BOOST_AUTO_TEST_CASE(unclustered_entry_lowers_the_quality_until_clusters_appear) {
  // Blocks at 60 % density: nothing passes 0.7, the schedule's second step finds them at 0.5.
  auto layer = synth_layer(160, 160, 0.01, 3, 20, 20, 0.6, 9);
  ClusterOptions opt;
  opt.max_size = 48;
  BOOST_TEST(cluster_connectivity(layer.mask, opt).empty());
  auto found = cluster_unclustered(layer.mask, {}, opt);
  BOOST_REQUIRE(!found.empty());
  double lowest = 1;
  for (const auto& c : found) {
    BOOST_TEST(c.quality > 0.3);
    lowest = std::min(lowest, c.quality);
  }
  BOOST_TEST(lowest <= 0.7);  // a lower threshold than the base quality was used
  // Given one existing cluster, only the synapses outside its rectangle are clustered again: every
  // new cluster's synapses are counted among those (clustering all of `mask` would find the
  // existing block again, with its synapses).
  std::vector<Cluster> existing{found[0]};
  Mask rest = unclustered_synapses(layer.mask, existing);
  auto again = cluster_unclustered(layer.mask, existing, opt);
  BOOST_REQUIRE(!again.empty());
  for (const auto& c : again) BOOST_TEST(c.synapses <= synapses_in(rest, c.outputs, c.inputs));
}

BOOST_AUTO_TEST_CASE(cluster_mask_and_unclustered_fraction_by_hand) {
  // 4 outputs x 5 inputs; one cluster {outputs 0,1} x {inputs 1,2}.
  Mask c = mask_of(4, 5, {{0, 1}, {0, 2}, {1, 1}, {3, 4}, {2, 0}});
  std::vector<Cluster> cl{{{1, 2}, {0, 1}, 3, 0.75}};
  BOOST_TEST(unclustered_fraction(c, cl) == 2.0 / 5.0);
  Mask cmap = cluster_mask(4, 5, cl);
  BOOST_TEST(cmap.nonZeros() == 4);
  BOOST_TEST(cmap.coeff(1, 2) == 1.0f);
  Mask rest = unclustered_synapses(c, cl);
  BOOST_TEST(rest.nonZeros() == 2);
  BOOST_TEST(rest.coeff(3, 4) == 1.0f);
  BOOST_TEST(rest.coeff(2, 0) == 1.0f);
}

BOOST_AUTO_TEST_CASE(cluster_pruning_drops_weak_clusters) {
  // Two clusters; magnitude pruning left 4 synapses in the first and 1 in the second.
  Mask pmap = mask_of(4, 4, {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 2}, {3, 3}});
  std::vector<Cluster> cl{{{0, 1}, {0, 1}, 4, 1.0}, {{2, 3}, {2, 3}, 3, 0.75}};
  auto score = cluster_scores(pmap, cl);
  BOOST_TEST(score[0] == 4.0);
  BOOST_TEST(score[1] == 0.75 * 2);
  BOOST_TEST(keep_strong_clusters(pmap, cl, 0.3).size() == 2u);
  auto kept = keep_strong_clusters(pmap, cl, 0.5);
  BOOST_REQUIRE(kept.size() == 1u);
  BOOST_TEST((kept[0] == cl[0]));
}

BOOST_AUTO_TEST_CASE(empty_and_tiny_layers_give_no_clusters) {
  ClusterOptions opt;
  BOOST_TEST(cluster_connectivity(Mask(30, 20), opt).empty());
  BOOST_TEST(
      cluster_connectivity(mask_of(30, 20, {{3, 4}}), opt).empty());  // 1 synapse < min_synapses
  opt.min_synapses = 1;
  auto one = cluster_connectivity(mask_of(30, 20, {{3, 4}}), opt);
  BOOST_REQUIRE(one.size() == 1u);
  BOOST_TEST(one[0].inputs == std::vector<int>{4});
  BOOST_TEST(one[0].outputs == std::vector<int>{3});
  opt.max_size = 1;
  BOOST_CHECK_THROW(cluster_connectivity(mask_of(30, 20, {{3, 4}}), opt), CompileError);
}

BOOST_AUTO_TEST_SUITE_END()
