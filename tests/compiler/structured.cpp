// Kernel mapping of conv layers (replicated over output positions) and crossbar-aware structured
// pruning: group budgets, recombination, reordering, C/F propagation and the group lasso.
#include "compiler/structured.hpp"

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <set>

#include "compiler/conv_map.hpp"
#include "compiler/map.hpp"
#include "compiler/place.hpp"
#include "compiler/placement.hpp"
#include "tests/support/temp_dir.hpp"
#include "workloads/conv.hpp"
#include "workloads/snn.hpp"

namespace wl = xbar::workloads;
namespace cc = xbar::compiler;

namespace {

// 1x8x8 images whose class is the brighter of three regions: learnable by a tiny CNN.
wl::Dataset toy_images(int n, std::uint64_t seed) {
  wl::Dataset d;
  d.name = "toy";
  d.classes = 3;
  d.channels = 1;
  d.height = d.width = 8;
  d.images.resize(n, 64);
  wl::Rng r(seed);
  for (int i = 0; i < n; ++i) {
    const int label = int(r.next() % 3);
    for (int p = 0; p < 64; ++p) {
      const int region = (p % 8) < 3 ? 0 : ((p % 8) < 6 ? 1 : 2);
      d.images(i, p) = r.uniform(0.0f, 0.5f) + (region == label ? 0.5f : 0.0f);
    }
    d.labels.push_back(label);
  }
  return d;
}

wl::Network toy_cnn() {
  wl::Network net = wl::make_cnn({1, 8, 8}, "4c3-2s-40-3", {.dropout = 0});
  wl::Rng init(2);
  wl::init_weights(net, wl::Init::kHeUniform, 0, init);
  return net;
}

int nonzero_tiles(const Eigen::MatrixXf& w, const cc::CrossbarGeometry& g) {
  int n = 0;  // kernel matrix = W^T: rows = w.cols(), columns = w.rows()
  for (int j = 0; j < w.rows(); j += g.outputs_per_crossbar)
    for (int r = 0; r < w.cols(); r += g.rows) {
      const int nj = std::min<int>(g.outputs_per_crossbar, int(w.rows()) - j),
                nr = std::min<int>(g.rows, int(w.cols()) - r);
      n += (w.block(j, r, nj, nr).array() != 0.0f).any();
    }
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(compiler_structured)

BOOST_AUTO_TEST_CASE(conv_layer_maps_replicated_with_grouped_positions) {
  // 1x6x6 input, 2 filters 3x3: 16 positions, kernel rows 9. Crossbar 16 rows x 4 outputs.
  wl::Conv2d conv({1, 6, 6}, 2, 3);
  Eigen::MatrixXf w = Eigen::MatrixXf::Constant(2, 9, 0.5f);
  conv.set_weights(w);
  wl::LayerStructure s{wl::LayerStructure::Kind::kConv, conv.input(), conv.output(), 3, 1, 0};
  const cc::CrossbarGeometry g =
      cc::make_geometry(16, 8, xbar::arch::SignedEncoding::Differential, 1);
  BOOST_REQUIRE(g.outputs_per_crossbar == 4);
  const cc::Mask c = cc::to_mask(conv.unrolled());
  const cc::StructuredLayerMapping m = cc::map_structured(0, s, c, cc::dense_tiling(9, 2, g), g);
  // Two neighbouring positions share 6 of their 9 inputs: 12 rows and 4 outputs fit, a third
  // position's 2 more outputs do not. 16 positions -> 8 blocks, one kernel copy.
  BOOST_TEST(std::string(m.scheme) == "replicated");
  BOOST_TEST(m.kernel_copies == 1);
  BOOST_TEST(m.mapping.stats.crossbars == 8);
  BOOST_TEST(m.mapping.stats.synapses == c.nonZeros());
  for (const auto& b : m.mapping.blocks) {
    BOOST_TEST(int(b.inputs.size()) <= g.rows);
    BOOST_TEST(int(b.outputs.size()) <= g.outputs_per_crossbar);
  }
  // Every synapse is owned by exactly one block (first-block-owns), none left over.
  for (int o : cc::synapse_owners(c, m.mapping.blocks)) BOOST_TEST(o >= 0);
  // With 9-row crossbars no two positions fit: one block per position.
  const cc::CrossbarGeometry g9 =
      cc::make_geometry(9, 8, xbar::arch::SignedEncoding::Differential, 1);
  BOOST_TEST(cc::map_structured(0, s, c, cc::dense_tiling(9, 2, g9), g9).mapping.stats.crossbars ==
             16);
  // A tiling of the wrong size is refused.
  BOOST_CHECK_THROW(cc::map_structured(0, s, c, cc::dense_tiling(8, 2, g), g), cc::CompileError);
}

BOOST_AUTO_TEST_CASE(map_cnn_maps_every_spiking_layer_and_owns_every_synapse) {
  wl::Network net = toy_cnn();  // conv 4c3 -> avgpool 2 -> dense 40 -> dense 3
  const cc::CrossbarGeometry g =
      cc::make_geometry(16, 8, xbar::arch::SignedEncoding::Differential, 1);
  const std::vector<cc::LayerMapping> m = cc::map_cnn(net, g);
  BOOST_REQUIRE(m.size() == 4u);
  const wl::SpikingNetwork snn =
      wl::to_snn(net, wl::Dataset{}, {.normalisation = wl::Normalisation::kNone});
  for (std::size_t l = 0; l < m.size(); ++l) {
    BOOST_TEST(m[l].inputs == snn.layers[l].weights.cols());
    BOOST_TEST(m[l].outputs == snn.layers[l].weights.rows());
    BOOST_TEST(m[l].stats.synapses == (snn.layers[l].weights.array() != 0.0f).count());
  }
  // conv: 9 rows x 4 filters per position, 36 positions; two neighbours share 6 inputs (12 rows)
  // but their 8 outputs exceed 4 per crossbar: one position per block. Pooling: 16 rows x 4
  // outputs per position (depthwise), 9 positions, one per block.
  BOOST_TEST(m[0].stats.crossbars == 36);
  BOOST_TEST(m[1].stats.crossbars == 9);
  // dense 36 -> 40 at 16 x 4: 3 x 10 tiles; 40 -> 3: 3 x 1.
  BOOST_TEST(m[2].stats.crossbars == 30);
  BOOST_TEST(m[3].stats.crossbars == 3);
}

BOOST_AUTO_TEST_CASE(reorder_inputs_sorts_feature_maps_by_norm) {
  Eigen::MatrixXf w = Eigen::MatrixXf::Zero(2, 6);  // 3 channels of 2 inputs
  w.col(0).setConstant(0.1f);                       // channel 0: weak
  w.col(2).setConstant(1.0f);                       // channel 1: strong
  w.col(5).setConstant(0.5f);                       // channel 2: middle
  BOOST_TEST((cc::reorder_inputs(w, 3) == std::vector<int>{2, 3, 4, 5, 0, 1}));
  BOOST_TEST((cc::reorder_inputs(w, 6) == std::vector<int>{2, 5, 0, 1, 3, 4}));
}

BOOST_AUTO_TEST_CASE(crossbar_grain_keeps_the_budget_of_whole_tiles) {
  const wl::Dataset d = toy_images(300, 1);
  // Pruning starts from a trained network, as in use.
  wl::Network trained = toy_cnn();
  {
    wl::TrainConfig c;
    c.epochs = 4;
    c.batch = 10;
    c.threads = 1;
    wl::Trainer(c).train(trained, d);
  }
  BOOST_TEST_MESSAGE("trained accuracy " << trained.accuracy(d));
  for (auto method :
       {cc::StructuredMethod::CrossbarGrain, cc::StructuredMethod::CrossbarGrainReordered}) {
    wl::Network net = trained;
    const cc::CrossbarGeometry g =
        cc::make_geometry(8, 8, xbar::arch::SignedEncoding::Differential, 1);
    cc::StructuredOptions o;
    o.method = method;
    o.keep = 0.5;
    o.epochs = 4;
    o.retrain.threads = 1;
    o.retrain.batch = 10;
    const cc::StructuredResult r = cc::structured_prune(net, d, &d, g, o);
    BOOST_TEST(r.epochs.size() == 4u);
    // The first layer is left dense; the dense layers (36 -> 40, 40 -> 3) keep half their tiles.
    auto dense = net.dense_layers();
    // 36 inputs x 40 outputs at 8 x 4: 5 row chunks x 10 column chunks = 50 tiles -> 25.
    // 40 x 3: 5 x 1 = 5 tiles -> 3.
    if (method == cc::StructuredMethod::CrossbarGrain) {
      BOOST_TEST(nonzero_tiles(dense[0]->weights(), g) == 25);
      BOOST_TEST(nonzero_tiles(dense[1]->weights(), g) == 3);
    }
    // Mapped through the SNN: pruned tiles cost no crossbar.
    const wl::SpikingNetwork snn = wl::to_snn(net, d, {.normalisation = wl::Normalisation::kNone});
    BOOST_REQUIRE(snn.layers.size() == r.tilings.size());
    wl::Network original = toy_cnn();
    const auto full = cc::map_spiking_network(
        wl::to_snn(original, d, {.normalisation = wl::Normalisation::kNone}), g);
    int pruned_xbars = 0, dense_xbars = 0;
    for (std::size_t l = 0; l < snn.layers.size(); ++l) {
      pruned_xbars += cc::map_structured(int(l), snn.layers[l].structure,
                                         cc::to_mask(snn.layers[l].weights), r.tilings[l], g)
                          .mapping.stats.crossbars;
      dense_xbars += full[l].mapping.stats.crossbars;
    }
    BOOST_TEST_MESSAGE(cc::to_string(method) << ": crossbars " << dense_xbars << " -> "
                                             << pruned_xbars << ", accuracy " << net.accuracy(d));
    BOOST_TEST(dense_xbars - pruned_xbars == 25 + 2);
    BOOST_TEST(net.accuracy(d) > 0.8);
  }
}

BOOST_AUTO_TEST_CASE(column_grain_recombines_surviving_columns) {
  const wl::Dataset d = toy_images(200, 3);
  wl::Network net = toy_cnn();
  const cc::CrossbarGeometry g =
      cc::make_geometry(8, 8, xbar::arch::SignedEncoding::Differential, 1);
  cc::StructuredOptions o;
  o.method = cc::StructuredMethod::ColumnGrain;
  o.keep = 0.3;
  o.epochs = 2;
  o.retrain.threads = 1;
  const cc::StructuredResult r = cc::structured_prune(net, d, nullptr, g, o);
  // Dense layer 36 -> 40: per row chunk of 8 rows, the surviving columns packed by 4.
  const Eigen::MatrixXf& w = net.dense_layers()[0]->weights();
  int expect = 0, survivors = 0;
  for (int r0 = 0; r0 < 36; r0 += 8) {
    int alive = 0;
    for (int j = 0; j < 40; ++j)
      alive += (w.block(j, r0, 1, std::min(8, 36 - r0)).array() != 0.0f).any();
    survivors += alive;
    expect += (alive + 3) / 4;
  }
  BOOST_TEST(survivors == int(std::ceil(0.3 * 5 * 40)));
  const std::size_t fc = r.tilings.size() - 2;
  BOOST_TEST(int(r.tilings[fc].tiles.size()) == expect);
  BOOST_TEST(expect < 50);  // fewer than the 50 tiles of the dense layer
}

BOOST_AUTO_TEST_CASE(channel_filter_pruning_removes_the_rows_of_dead_filters) {
  const wl::Dataset d = toy_images(200, 4);
  wl::Network net = wl::make_cnn({1, 8, 8}, "4c3-2s-6c2-2s-10-3", {.dropout = 0});
  wl::Rng init(5);
  wl::init_weights(net, wl::Init::kHeUniform, 0, init);
  const cc::CrossbarGeometry g =
      cc::make_geometry(8, 8, xbar::arch::SignedEncoding::Differential, 1);
  cc::StructuredOptions o;
  o.method = cc::StructuredMethod::ChannelFilter;
  o.keep = 0.5;
  o.epochs = 2;
  o.retrain.threads = 1;
  cc::structured_prune(net, d, nullptr, g, o);
  // Second conv (pruned): 3 of its 6 filters survive; the dense layer after it (6 channels of
  // 1x1 after pooling) reads nothing from the dead ones.
  const Eigen::MatrixXf& w2 = wl::conv_layers(net)[1]->weights();
  const Eigen::MatrixXf& f1 = net.dense_layers()[0]->weights();
  int dead = 0;
  for (int c = 0; c < 6; ++c)
    if ((w2.row(c).array() == 0.0f).all()) {
      ++dead;
      BOOST_TEST((f1.col(c).array() == 0.0f).all());
    }
  BOOST_TEST(dead == 3);
  // The output layer keeps all its filters (classes).
  const Eigen::MatrixXf& out = net.dense_layers()[1]->weights();
  for (int j = 0; j < 3; ++j) BOOST_TEST((out.row(j).array() != 0.0f).any());
}

BOOST_AUTO_TEST_CASE(group_lasso_shrinks_the_weak_groups) {
  // Train the same network with and without the XCS group lasso (no pruning: keep = 1): the
  // lasso must leave a smaller sum of group norms.
  const wl::Dataset d = toy_images(300, 6);
  auto norms = [&](float lasso) {
    wl::Network net = toy_cnn();
    const cc::CrossbarGeometry g =
        cc::make_geometry(8, 8, xbar::arch::SignedEncoding::Differential, 1);
    cc::StructuredOptions o;
    o.method = cc::StructuredMethod::Xcs;
    o.keep = 1.0;
    o.epochs = 3;
    o.lasso = lasso;
    o.retrain.threads = 1;
    o.retrain.batch = 10;
    cc::structured_prune(net, d, nullptr, g, o);
    return net.dense_layers()[0]->weights().cwiseAbs().sum();
  };
  const double without = norms(0.0f), with = norms(0.02f);
  BOOST_TEST_MESSAGE("sum |w| of the first dense layer: lasso 0 -> " << without << ", 0.02 -> "
                                                                     << with);
  BOOST_TEST(with < 0.8 * without);
}

BOOST_AUTO_TEST_CASE(time_multiplexed_conv_is_one_crossbar_per_kernel_tile) {
  // The same 1x6x6, 2-filter 3x3 conv: one block per output position (9 kernel rows, 2 filters),
  // all 16 on one array, so one physical crossbar instead of 8.
  wl::Conv2d conv({1, 6, 6}, 2, 3);
  conv.set_weights(Eigen::MatrixXf::Constant(2, 9, 0.5f));
  wl::LayerStructure s{wl::LayerStructure::Kind::kConv, conv.input(), conv.output(), 3, 1, 0};
  const cc::CrossbarGeometry g =
      cc::make_geometry(16, 8, xbar::arch::SignedEncoding::Differential, 1);
  const cc::Mask c = cc::to_mask(conv.unrolled());
  const cc::StructuredLayerMapping m =
      cc::map_structured(0, s, c, cc::dense_tiling(9, 2, g), g, /*time_multiplexed=*/true);
  BOOST_TEST(std::string(m.scheme) == "time_multiplexed");
  BOOST_TEST(m.mapping.conv_weights == "time_multiplexed");
  BOOST_TEST(m.position_groups == 16);  // reads of the array per timestep
  BOOST_TEST(m.mapping.blocks.size() == 16u);
  BOOST_TEST(m.mapping.stats.crossbars == 1);
  BOOST_TEST(m.mapping.stats.synapses == c.nonZeros());
  // The array stores one kernel tile: 9 x 2 weights of its 16 x 4 slots.
  BOOST_TEST(m.mapping.stats.utilization == 18.0 / 64.0, boost::test_tools::tolerance(1e-12));
  for (std::size_t k = 0; k < m.mapping.blocks.size(); ++k) {
    const cc::CrossbarBlock& b = m.mapping.blocks[k];
    BOOST_TEST(b.array == 0);
    BOOST_TEST(b.inputs.size() == 9u);  // kernel rows in kernel order
    BOOST_TEST(b.outputs == (std::vector<int>{int(k), 16 + int(k)}));
  }
  for (int o : cc::synapse_owners(c, m.mapping.blocks)) BOOST_TEST(o >= 0);
}

BOOST_AUTO_TEST_CASE(time_multiplexed_arrays_stay_on_one_crossbar_when_placed) {
  wl::Network net = toy_cnn();  // conv 4c3 -> avgpool 2 -> dense 40 -> dense 3
  const xbar::arch::ArchSpec arch =
      xbar::arch::load_arch(xbar::test::source_dir() + "/configs/arch/resparc-64.yaml",
                            {"chip.conv_weights=time_multiplexed", "tile.neurons=64"});
  BOOST_REQUIRE(arch.chip.conv_weights == xbar::arch::ConvWeights::TimeMultiplexed);
  const cc::CrossbarGeometry g = cc::geometry_for(arch);
  const std::vector<cc::LayerMapping> rep = cc::map_cnn(net, g), tm = cc::map_cnn(net, g, true);
  // conv: 36 positions of 9 rows x 4 filters on one array; pooling (16 rows x 4) likewise.
  BOOST_TEST(tm[0].stats.crossbars == 1);
  BOOST_TEST(tm[1].stats.crossbars == 1);
  BOOST_TEST(tm[2].stats.crossbars == rep[2].stats.crossbars);  // dense layers as they were
  const cc::Placement p = cc::place(arch, tm);
  BOOST_TEST(p.crossbars() == 2 + rep[2].stats.crossbars + rep[3].stats.crossbars);
  int on_tiles = 0;
  for (const auto& t : p.tiles) on_tiles += t.crossbars;
  BOOST_TEST(on_tiles == p.crossbars());
  for (std::size_t l = 0; l < 2; ++l) {
    const auto& blocks = p.layers[l].blocks;
    for (const auto& b : blocks) {
      BOOST_TEST(b.tile == blocks[0].tile);
      BOOST_TEST(b.core == blocks[0].core);
      BOOST_TEST(b.slot == blocks[0].slot);
    }
  }
  // The arrays survive the Placement file; one pointing at a later block is refused.
  const cc::Placement back = cc::placement_from_json(cc::to_json(p));
  BOOST_TEST((back == p));
  cc::Placement bad = p;
  bad.layers[0].blocks[0].array = 3;
  BOOST_CHECK_THROW(cc::placement_from_json(cc::to_json(bad)), cc::CompileError);
}

BOOST_AUTO_TEST_SUITE_END()
