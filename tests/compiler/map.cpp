// Crossbar mapping: the hardware count rules on hand-computed examples (dense, compacted, clustered
// plus cover), the column layout of each signed encoding, and the cover of every synapse by exactly
// one crossbar cell.
#include "compiler/map.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <set>

#include "arch/arch_spec.hpp"
#include "tests/compiler/synth.hpp"
#include "tests/support/temp_dir.hpp"

using namespace xbar::compiler;
using xbar::arch::SignedEncoding;
using xbar::test::mask_of;
using xbar::test::synth_layer;

namespace {

// Number of blocks whose rows and columns contain synapse (o, i).
int containing(const std::vector<CrossbarBlock>& blocks, int o, int i) {
  int n = 0;
  for (const auto& b : blocks) {
    n += std::find(b.outputs.begin(), b.outputs.end(), o) != b.outputs.end() &&
         std::find(b.inputs.begin(), b.inputs.end(), i) != b.inputs.end();
  }
  return n;
}

void check_blocks_fit(const LayerMapping& m, const CrossbarGeometry& g) {
  for (const auto& b : m.blocks) {
    BOOST_TEST(static_cast<int>(b.inputs.size()) <= g.rows);
    BOOST_TEST(static_cast<int>(b.outputs.size()) <= g.outputs_per_crossbar);
    BOOST_TEST(g.physical_columns(static_cast<int>(b.outputs.size())) <= g.columns);
    BOOST_TEST(std::set<int>(b.inputs.begin(), b.inputs.end()).size() == b.inputs.size());
    BOOST_TEST(std::set<int>(b.outputs.begin(), b.outputs.end()).size() == b.outputs.size());
  }
}

// Every synapse has exactly one owning cell; the blocks' counts add up to the layer's synapses.
void check_exact_cover(const LayerMapping& m, const Mask& c) {
  std::vector<int> owner = synapse_owners(c, m.blocks);
  BOOST_TEST(static_cast<long long>(owner.size()) == c.nonZeros());
  std::vector<long long> count(m.blocks.size(), 0);
  for (int b : owner) {
    BOOST_REQUIRE(b >= 0);
    ++count[static_cast<std::size_t>(b)];
  }
  long long total = 0;
  for (std::size_t b = 0; b < m.blocks.size(); ++b) {
    BOOST_TEST(m.blocks[b].synapses == count[b]);
    total += m.blocks[b].synapses;
  }
  BOOST_TEST(total == c.nonZeros());
  BOOST_TEST(m.stats.synapses == c.nonZeros());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(map)

BOOST_AUTO_TEST_CASE(column_layout_follows_the_signed_encoding) {
  // differential 64 x 64, one cell per weight: 2 columns per output, 32 outputs.
  CrossbarGeometry d = make_geometry(64, 64, SignedEncoding::Differential, 1);
  BOOST_TEST(d.outputs_per_crossbar == 32);
  BOOST_TEST(d.physical_columns(32) == 64);
  BOOST_TEST(d.physical_column(3, 0, true) == 7);
  // offset column 128 x 128, 16-bit weights in 2-bit cells: 8 columns per output + 1 reference.
  CrossbarGeometry o = make_geometry(128, 128, SignedEncoding::OffsetColumn, 8);
  BOOST_TEST(o.outputs_per_crossbar == 15);
  BOOST_TEST(o.physical_columns(15) == 121);
  BOOST_TEST(o.physical_column(2, 7) == 23);
  // Differential with 4 cells per weight: 8 columns per output.
  BOOST_TEST(make_geometry(32, 32, SignedEncoding::Differential, 4).outputs_per_crossbar == 4);
  BOOST_CHECK_THROW(make_geometry(8, 8, SignedEncoding::Differential, 8), CompileError);
  // From the arch presets.
  auto resparc = xbar::arch::load_arch(xbar::test::source_dir() + "/configs/arch/resparc-64.yaml");
  BOOST_TEST(geometry_for(resparc).outputs_per_crossbar == 32);
  auto isaac = xbar::arch::load_arch(xbar::test::source_dir() + "/configs/arch/isaac.yaml");
  BOOST_TEST(geometry_for(isaac).cells_per_weight == 8);
  BOOST_TEST(geometry_for(isaac).outputs_per_crossbar == 15);
}

BOOST_AUTO_TEST_CASE(dense_count_by_hand) {
  // 100 inputs x 70 outputs on 64 x 64 differential (64 rows x 32 outputs): ceil(100/64) *
  // ceil(70/32) = 2 * 3 = 6 crossbars, whatever the sparsity.
  CrossbarGeometry g = make_geometry(64, 64, SignedEncoding::Differential, 1);
  Mask c = mask_of(70, 100, {{0, 0}, {69, 99}, {33, 64}});
  LayerMapping m = map_dense(0, c, g);
  BOOST_TEST(m.stats.crossbars == 6);
  BOOST_TEST(m.stats.utilization == 3.0 / (6 * 64 * 32));
  BOOST_TEST(m.stats.sparsity == 1.0 - 3.0 / 7000.0);
  check_exact_cover(m, c);
  // Offset column, 16 x 16 with 2 cells per weight: 7 outputs per crossbar -> 7 * 10 = 70.
  LayerMapping o = map_dense(0, c, make_geometry(16, 16, SignedEncoding::OffsetColumn, 2));
  BOOST_TEST(o.stats.crossbars == 7 * 10);
}

BOOST_AUTO_TEST_CASE(compacted_count_by_hand) {
  // Synapses in 40 distinct outputs and 65 distinct inputs of a 100 x 200 layer: after dropping
  // empty rows and columns, ceil(65/64) * ceil(40/32) = 2 * 2 = 4 crossbars (dense: 4 * 4 = 16).
  std::vector<std::pair<int, int>> s;
  for (int k = 0; k < 65; ++k) s.emplace_back((k % 40) * 2, k * 3);
  Mask c = mask_of(100, 200, s);
  CrossbarGeometry g = make_geometry(64, 64, SignedEncoding::Differential, 1);
  LayerMapping m = map_compacted(0, c, g);
  BOOST_TEST(m.stats.crossbars == 4);
  BOOST_TEST(map_dense(0, c, g).stats.crossbars == 16);
  check_exact_cover(m, c);
  for (const auto& b : m.blocks) BOOST_TEST((b.kind == BlockKind::Tile));
}

BOOST_AUTO_TEST_CASE(clustered_count_with_compacted_cover_by_hand) {
  // 4 x 4 differential crossbar: 4 rows x 2 outputs. One cluster, inputs 0..5 x outputs 0..2,
  // fully dense: ceil(6/4) * ceil(3/2) = 4 crossbars. Remainder (5,11) (7,7) (8,7) (9,0):
  // greedy needs 3 windows, compacted tiling of rows {5,7,8,9} x columns {0,7,11} needs 2.
  CrossbarGeometry g = make_geometry(4, 4, SignedEncoding::Differential, 1);
  std::vector<std::pair<int, int>> s{{5, 11}, {7, 7}, {8, 7}, {9, 0}};
  Cluster cl;
  for (int o = 0; o <= 2; ++o) {
    cl.outputs.push_back(o);
    for (int i = 0; i <= 5; ++i) s.emplace_back(o, i);
  }
  for (int i = 0; i <= 5; ++i) cl.inputs.push_back(i);
  cl.synapses = 18;
  cl.quality = 1;
  Mask c = mask_of(10, 12, s);
  LayerMapping m = map_clustered(0, c, {cl}, g);
  BOOST_TEST(m.stats.cluster_crossbars == 4);
  BOOST_TEST(m.stats.greedy_cover_crossbars == 3);
  BOOST_TEST(m.stats.compacted_cover_crossbars == 2);
  BOOST_TEST((m.cover == Cover::Compacted));
  BOOST_TEST(m.stats.crossbars == 6);
  BOOST_TEST(m.stats.unclustered_fraction == 4.0 / 22.0);
  BOOST_TEST(m.stats.utilization == 22.0 / (6 * 4 * 2));
  check_exact_cover(m, c);
  // Forcing the released greedy rule costs one more crossbar.
  LayerMapping greedy = map_clustered(0, c, {cl}, g, Cover::Greedy);
  BOOST_TEST((greedy.cover == Cover::Greedy));
  BOOST_TEST(greedy.stats.crossbars == 7);
  check_exact_cover(greedy, c);
}

BOOST_AUTO_TEST_CASE(greedy_cover_wins_when_compaction_misaligns) {
  // Rows 0,1 x inputs {0,1}; rows 2,3 x inputs {2..5}. Greedy: windows at (0,0) and (2,2) = 2.
  // Compacted: inputs {0..5} split {0..3},{4,5}; rows {0,1},{2,3}: 3 non-empty blocks.
  CrossbarGeometry g = make_geometry(4, 4, SignedEncoding::Differential, 1);
  Mask c = mask_of(
      4, 6, {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 2}, {2, 3}, {2, 4}, {2, 5}, {3, 2}, {3, 5}});
  LayerMapping m = map_clustered(0, c, {}, g);
  BOOST_TEST(m.stats.greedy_cover_crossbars == 2);
  BOOST_TEST(m.stats.compacted_cover_crossbars == 3);
  BOOST_TEST((m.cover == Cover::Greedy));
  BOOST_TEST(m.stats.crossbars == 2);
  BOOST_TEST(m.stats.unclustered_fraction == 1.0);
  check_exact_cover(m, c);
}

BOOST_AUTO_TEST_CASE(every_synapse_on_exactly_one_cell) {
  const std::vector<CrossbarGeometry> geometries{
      make_geometry(64, 64, SignedEncoding::Differential, 1),
      make_geometry(32, 32, SignedEncoding::OffsetColumn, 2),
      make_geometry(17, 23, SignedEncoding::Differential, 1)};
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    auto layer = synth_layer(150, 130, 0.06, 3, 20, 16, 0.9, seed);
    ClusterOptions opt;
    opt.max_size = 40;
    opt.seed = seed;
    auto clusters = cluster_connectivity(layer.mask, opt);
    BOOST_REQUIRE(!clusters.empty());
    for (const auto& g : geometries) {
      for (const LayerMapping& m : {map_dense(0, layer.mask, g), map_compacted(0, layer.mask, g),
                                    map_clustered(0, layer.mask, clusters, g, Cover::Greedy),
                                    map_clustered(0, layer.mask, clusters, g, Cover::Compacted)}) {
        check_blocks_fit(m, g);
        check_exact_cover(m, layer.mask);
        if (m.flow != MappingFlow::Clustered) {
          // Tilings are disjoint: each synapse lies in exactly one block's rectangle.
          for (int o = 0; o < layer.mask.outerSize(); ++o) {
            for (Mask::InnerIterator it(layer.mask, o); it; ++it)
              BOOST_TEST(containing(m.blocks, o, static_cast<int>(it.col())) == 1);
          }
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(cover_never_worse_than_compacted_tiling_of_the_rest) {
  CrossbarGeometry g = make_geometry(16, 16, SignedEncoding::Differential, 1);
  for (std::uint64_t seed : {4u, 5u, 6u}) {
    auto layer = synth_layer(120, 120, 0.03, 3, 14, 10, 0.95, seed);
    ClusterOptions opt;
    opt.max_size = 24;
    opt.min_synapses = 8;
    opt.seed = seed;
    auto clusters = cluster_connectivity(layer.mask, opt);
    BOOST_REQUIRE(!clusters.empty());
    LayerMapping m = map_clustered(0, layer.mask, clusters, g);
    LayerMapping rest = map_compacted(0, unclustered_synapses(layer.mask, clusters), g);
    BOOST_TEST(m.stats.cover_crossbars <= rest.stats.crossbars);
    BOOST_TEST(m.stats.cover_crossbars <= m.stats.greedy_cover_crossbars);
    // Clusters: ceil(n_in/R) * ceil(n_out/C_l) each, at most.
    int rule = 0;
    for (const auto& c : clusters) {
      rule += static_cast<int>((c.inputs.size() + 15) / 16 * ((c.outputs.size() + 7) / 8));
    }
    BOOST_TEST(m.stats.cluster_crossbars <= rule);
  }
}

BOOST_AUTO_TEST_CASE(network_mapping_is_layer_by_layer) {
  CrossbarGeometry g = make_geometry(16, 16, SignedEncoding::Differential, 1);
  auto a = synth_layer(40, 50, 0.1, 1, 12, 8, 0.95, 1), b = synth_layer(10, 40, 0.2, 0, 0, 0, 0, 2);
  ClusterOptions opt;
  opt.max_size = 24;
  opt.min_synapses = 8;
  std::vector<std::vector<Cluster>> cl{cluster_connectivity(a.mask, opt),
                                       cluster_connectivity(b.mask, opt)};
  auto net = map_network(MappingFlow::Clustered, {a.mask, b.mask}, cl, g);
  BOOST_REQUIRE(net.size() == 2u);
  BOOST_TEST((net[1] == map_clustered(1, b.mask, cl[1], g)));
  BOOST_TEST(map_network(MappingFlow::Dense, {a.mask, b.mask}, {}, g)[0].stats.crossbars == 4 * 5);
  for (const auto& blk : net[1].blocks) BOOST_TEST(blk.layer == 1);
  BOOST_CHECK_THROW(map_network(MappingFlow::Clustered, {a.mask, b.mask}, {}, g), CompileError);
}

BOOST_AUTO_TEST_CASE(masks_from_dense_matrices) {
  Eigen::MatrixXf w(2, 3);
  w << 0.5f, 0.0f, -1.0f, 0.0f, 0.0f, 2.0f;
  Mask m = to_mask(w);
  BOOST_TEST(m.nonZeros() == 3);
  BOOST_TEST(m.coeff(0, 2) == 1.0f);
  BOOST_TEST((to_dense(m) == (w.array() != 0.0f).cast<float>().matrix()));
  Eigen::SparseMatrix<float> s = w.sparseView();
  s.coeffRef(1, 0) = 0.0f;  // an explicitly stored zero is not a synapse
  BOOST_TEST(to_mask(s).nonZeros() == 3);
}

BOOST_AUTO_TEST_SUITE_END()
