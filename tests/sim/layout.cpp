// The chip's layout (sim/layout.hpp) alone, without SystemC: which crossbar holds which weights,
// who sends partial sums and spikes to whom, worked out by hand on small placements.
#include "sim/layout.hpp"

#include <boost/test/unit_test.hpp>
#include <stdexcept>

using namespace xbar;

namespace {

compiler::CrossbarBlock block(std::vector<int> inputs, std::vector<int> outputs, int tile,
                              int array = -1) {
  compiler::CrossbarBlock b;
  b.inputs = std::move(inputs);
  b.outputs = std::move(outputs);
  b.tile = tile;
  b.array = array;
  return b;
}

// A 4-2-2 network on a 1x3 grid of tiles (ids 0, 1, 2 at columns 0, 1, 2):
//   layer 0: block A (inputs 0-3 -> output 0) on tile 0, block B (inputs 0-3 -> output 1) on
//            tile 1; output 0 lives on tile 2, output 1 on tile 1;
//   layer 1: block C (inputs 0-1 -> outputs 0-1) on tile 2; both outputs live on tile 0.
compiler::Placement three_tiles() {
  compiler::Placement p;
  p.grid_rows = 1;
  p.grid_columns = 3;
  p.tiles = {{0, 0, 0, 1, 2}, {1, 0, 1, 1, 1}, {2, 0, 2, 1, 1}};
  compiler::LayerMapping l0;
  l0.inputs = 4;
  l0.outputs = 2;
  l0.blocks = {block({0, 1, 2, 3}, {0}, 0), block({0, 1, 2, 3}, {1}, 1)};
  l0.output_tiles = {2, 1};
  compiler::LayerMapping l1;
  l1.inputs = 2;
  l1.outputs = 2;
  l1.blocks = {block({0, 1}, {0, 1}, 2)};
  l1.output_tiles = {0, 0};
  p.layers = {l0, l1};
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(layout)

BOOST_AUTO_TEST_CASE(who_sends_what_to_whom) {
  Eigen::MatrixXi w0 = Eigen::MatrixXi::Constant(2, 4, 1), w1 = Eigen::MatrixXi::Constant(2, 2, 2);
  const sim::ChipLayout c = sim::build_layout(three_tiles(), {&w0, &w1});
  BOOST_TEST(c.layers == 2);
  BOOST_TEST(c.slots == 3);
  BOOST_TEST(c.crossbars == 3);
  BOOST_TEST(c.index_bits == 2);  // 4 neurons at most
  BOOST_TEST(c.tiles == (std::vector<int>{0, 1, 2}));
  BOOST_REQUIRE_EQUAL(c.blocks.size(), 3u);
  // Block A's output 0 lives on tile 2; block B's output 1 on its own tile 1.
  BOOST_TEST(c.blocks[0].dest_tiles == (std::vector<int>{2}));
  BOOST_TEST(c.blocks[1].dest_tiles == (std::vector<int>{1}));
  BOOST_TEST(c.blocks[2].dest_tiles == (std::vector<int>{0}));
  BOOST_TEST(c.blocks[2].dest_outputs[0] == (std::vector<int>{0, 1}));
  BOOST_TEST(c.blocks[0].levels.rows() == 4);
  BOOST_TEST(c.blocks[0].levels.cols() == 1);
  BOOST_TEST(c.blocks[2].levels.sum() == 8);
  // Three senders, one per (tile, layer, destination), each carrying what its block computes.
  BOOST_REQUIRE_EQUAL(c.senders.size(), 3u);
  BOOST_TEST(c.senders[0].tile == 0);
  BOOST_TEST(c.senders[0].dest == 2);
  BOOST_TEST(c.senders[2].values == 2);
  // Layer 0's crossbar groups hear from the input port; layer 1's (tile 2) from the tiles of
  // output 0 (tile 2) and output 1 (tile 1).
  const int g = c.crossbar_group(2, 1);
  BOOST_REQUIRE(g >= 0);
  BOOST_TEST(c.crossbar_groups[g].sources == 2);
  BOOST_TEST(c.crossbar_groups[c.crossbar_group(0, 0)].sources == 1);
  BOOST_TEST(c.crossbar_group(0, 1) == -1);
  // Neurons: layer 0's output 1 on tile 1 and output 0 on tile 2 each send spikes to tile 2;
  // tile 0 holds both outputs of layer 1 and expects one packet per timestep (from tile 2).
  BOOST_TEST(c.neuron_groups[c.neuron_group(1, 0)].spike_dests == (std::vector<int>{2}));
  BOOST_TEST(c.neuron_groups[c.neuron_group(2, 0)].spike_dests == (std::vector<int>{2}));
  const auto& out = c.neuron_groups[c.neuron_group(0, 1)];
  BOOST_TEST(out.neurons == (std::vector<int>{0, 1}));
  BOOST_TEST(out.expected == 1);
  BOOST_TEST(c.local_index[1] == (std::vector<int>{0, 1}));
  BOOST_TEST(c.local_index[0] == (std::vector<int>{0, 0}));  // each alone on its tile
}

BOOST_AUTO_TEST_CASE(first_block_owns_a_shared_synapse) {
  compiler::Placement p = three_tiles();
  p.layers[0].blocks[1].outputs = {0, 1};  // block B covers output 0 too
  Eigen::MatrixXi w0(2, 4), w1 = Eigen::MatrixXi::Ones(2, 2);
  w0 << 1, 2, 3, 4, 5, 6, 7, 8;
  const sim::ChipLayout c = sim::build_layout(p, {&w0, &w1});
  BOOST_TEST(c.blocks[0].levels.col(0).sum() == 10);  // A holds output 0
  BOOST_TEST(c.blocks[1].levels.col(0).sum() == 0);   // B's copy of output 0 stays empty
  BOOST_TEST(c.blocks[1].levels.col(1).sum() == 26);
  // B now sends to tile 2 (output 0) and keeps output 1 on its tile: two senders.
  BOOST_TEST(c.blocks[1].dest_tiles == (std::vector<int>{2, 1}));
  BOOST_TEST(c.neuron_groups[c.neuron_group(2, 0)].expected == 2);
}

BOOST_AUTO_TEST_CASE(time_multiplexed_blocks_share_one_crossbar) {
  compiler::Placement p = three_tiles();
  p.layers[0].blocks[1].tile = 0;
  p.layers[0].blocks[0].array = 0;
  p.layers[0].blocks[1].array = 0;
  Eigen::MatrixXi w0 = Eigen::MatrixXi::Ones(2, 4), w1 = Eigen::MatrixXi::Ones(2, 2);
  const sim::ChipLayout c = sim::build_layout(p, {&w0, &w1});
  BOOST_TEST(c.crossbars == 2);
  BOOST_TEST(c.blocks[0].crossbar == c.blocks[1].crossbar);
  BOOST_TEST(c.crossbar_groups[c.crossbar_group(0, 0)].blocks == (std::vector<int>{0, 1}));
}

BOOST_AUTO_TEST_CASE(weights_the_placement_cannot_hold_are_refused) {
  compiler::Placement p = three_tiles();
  Eigen::MatrixXi w0 = Eigen::MatrixXi::Ones(2, 4), w1 = Eigen::MatrixXi::Ones(2, 2);
  Eigen::MatrixXi wrong = Eigen::MatrixXi::Ones(3, 4);
  BOOST_CHECK_THROW(sim::build_layout(p, {&wrong, &w1}), std::invalid_argument);
  BOOST_CHECK_THROW(sim::build_layout(p, {&w0}), std::invalid_argument);
  p.layers[0].blocks[1].inputs = {0, 1};  // inputs 2 and 3 of output 1 have weights, no cells
  BOOST_CHECK_THROW(sim::build_layout(p, {&w0, &w1}), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
