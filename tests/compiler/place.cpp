// Tile placement: capacities hold, every block and neuron gets a tile and a position, the grid is
// consistent, links between tiles are fewer than a naive placement's, the same seed gives the same
// Placement, and a chip too small is an error that says how many tiles the network needs.
#include "compiler/place.hpp"

#include <boost/test/unit_test.hpp>
#include <map>
#include <set>

#include "arch/arch_spec.hpp"
#include "compiler/map.hpp"
#include "tests/compiler/synth.hpp"
#include "tests/support/temp_dir.hpp"

using namespace xbar::compiler;
using xbar::arch::ArchSpec;
using xbar::test::synth_layer;

namespace {

ArchSpec resparc(std::vector<std::string> overrides = {}) {
  return xbar::arch::load_arch(xbar::test::source_dir() + "/configs/arch/resparc-64.yaml",
                               overrides);
}

// A 3-layer network 300-200-120-10, ~85 % sparse with some structure, clustered flow.
std::vector<LayerMapping> network(const ArchSpec& arch, std::uint64_t seed) {
  const int sizes[] = {300, 200, 120, 10};
  CrossbarGeometry g = geometry_for(arch);
  std::vector<LayerMapping> layers;
  for (int l = 0; l < 3; ++l) {
    auto layer = synth_layer(sizes[l + 1], sizes[l], 0.12, sizes[l + 1] >= 40 ? 2 : 0, 20, 12, 0.9,
                             seed + l);
    ClusterOptions opt = cluster_options_for(arch);
    opt.seed = seed;
    layers.push_back(map_clustered(l, layer.mask, cluster_connectivity(layer.mask, opt), g));
  }
  return layers;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tile_placement)

BOOST_AUTO_TEST_CASE(placement_respects_tile_capacities) {
  for (const std::vector<std::string>& over : std::vector<std::vector<std::string>>{
           {}, {"tile.neurons=24"}, {"core.crossbars=2", "tile.cores=3"}}) {
    ArchSpec arch = resparc(over);
    auto layers = network(arch, 1);
    Placement p = place(arch, layers);
    const int per_tile = arch.tile.crossbars(arch.core);
    BOOST_TEST(static_cast<int>(p.tiles.size()) == tiles_needed(arch, layers));
    std::map<int, int> blocks_on, neurons_on;
    std::set<std::tuple<int, int, int>> positions;
    for (const auto& l : p.layers) {
      for (const auto& b : l.blocks) {
        BOOST_REQUIRE(b.tile >= 0);
        BOOST_REQUIRE(b.tile < static_cast<int>(p.tiles.size()));
        BOOST_TEST(b.core >= 0);
        BOOST_TEST(b.core < arch.tile.cores);
        BOOST_TEST(b.slot >= 0);
        BOOST_TEST(b.slot < arch.core.crossbars);
        BOOST_TEST(positions.insert({b.tile, b.core, b.slot}).second);  // one block per crossbar
        ++blocks_on[b.tile];
      }
      BOOST_REQUIRE(l.output_tiles.size() == static_cast<std::size_t>(l.outputs));
      for (int t : l.output_tiles) ++neurons_on[t];
    }
    for (const auto& t : p.tiles) {
      BOOST_TEST(t.crossbars <= per_tile);
      BOOST_TEST(t.neurons <= arch.tile.neurons);
      BOOST_TEST(t.crossbars == blocks_on[t.id]);
      BOOST_TEST(t.neurons == neurons_on[t.id]);
    }
    BOOST_TEST(p.crossbars() == static_cast<int>(layers[0].blocks.size() + layers[1].blocks.size() +
                                                 layers[2].blocks.size()));
  }
}

BOOST_AUTO_TEST_CASE(capacity_repair_undoes_a_loose_partition) {
  // With a 3x imbalance allowed, METIS overfills tiles; the repair must bring every tile back.
  ArchSpec arch = resparc({"tile.neurons=40"});
  PlaceOptions opt;
  opt.imbalance = 3.0;
  opt.refine_passes = 0;
  Placement p = place(arch, network(arch, 4), opt);
  for (const auto& t : p.tiles) {
    BOOST_TEST(t.crossbars <= 4);
    BOOST_TEST(t.neurons <= 40);
  }
}

BOOST_AUTO_TEST_CASE(tiles_sit_on_distinct_grid_positions) {
  ArchSpec arch = resparc({"chip.tiles=80"});
  Placement p = place(arch, network(arch, 2));
  BOOST_TEST(p.tiles.size() == 80u);
  auto [rows, cols] = arch.grid_for(80);
  BOOST_TEST(p.grid_rows == rows);
  BOOST_TEST(p.grid_columns == cols);
  std::set<std::pair<int, int>> seen;
  for (const auto& t : p.tiles) {
    BOOST_TEST(t.row >= 0);
    BOOST_TEST(t.row < rows);
    BOOST_TEST(t.column >= 0);
    BOOST_TEST(t.column < cols);
    BOOST_TEST(seen.insert({t.row, t.column}).second);
  }
  // Snake order: consecutive tile ids are grid neighbours.
  for (std::size_t k = 1; k < p.tiles.size(); ++k) {
    BOOST_TEST(std::abs(p.tiles[k].row - p.tiles[k - 1].row) +
                   std::abs(p.tiles[k].column - p.tiles[k - 1].column) ==
               1);
  }
}

BOOST_AUTO_TEST_CASE(fewer_links_between_tiles_than_in_order_filling) {
  ArchSpec arch = resparc();
  auto layers = network(arch, 3);
  Placement p = place(arch, layers);
  // Baseline: blocks and neurons dealt to tiles round-robin, capacities equal.
  const int tiles = tiles_needed(arch, layers);
  long long naive = 0;
  int next_tile = 0;
  std::vector<std::vector<int>> neuron_tile;
  for (const auto& l : layers) {
    neuron_tile.emplace_back();
    for (int o = 0; o < l.outputs; ++o) neuron_tile.back().push_back(o % tiles);
  }
  for (std::size_t l = 0; l < layers.size(); ++l) {
    for (const auto& b : layers[l].blocks) {
      int t = next_tile++ % tiles;
      for (int o : b.outputs) naive += neuron_tile[l][static_cast<std::size_t>(o)] != t;
      if (l > 0) {
        for (int i : b.inputs) naive += neuron_tile[l - 1][static_cast<std::size_t>(i)] != t;
      }
    }
  }
  BOOST_TEST(p.stats.links_between_tiles < naive, p.stats.links_between_tiles << " vs " << naive);
  BOOST_TEST(p.stats.links_between_tiles <= p.stats.links);
}

BOOST_AUTO_TEST_CASE(same_seed_same_placement) {
  ArchSpec arch = resparc();
  PlaceOptions opt;
  opt.seed = 17;
  std::string a = to_json(place(arch, network(arch, 5), opt));
  std::string b = to_json(place(arch, network(arch, 5), opt));
  BOOST_TEST(a == b);  // byte-identical
}

BOOST_AUTO_TEST_CASE(too_small_chip_says_how_many_tiles_it_needs) {
  ArchSpec arch = resparc({"chip.tiles=2"});
  auto layers = network(arch, 1);
  const int needed = tiles_needed(arch, layers);
  BOOST_REQUIRE(needed > 2);
  try {
    place(arch, layers);
    BOOST_FAIL("a 2-tile chip should not hold " << needed << " tiles of blocks");
  } catch (const CompileError& e) {
    std::string msg = e.what();
    BOOST_TEST(msg.find("needs " + std::to_string(needed) + " tiles") != std::string::npos, msg);
    BOOST_TEST(msg.find("chip.tiles = 2") != std::string::npos, msg);
  }
}

BOOST_AUTO_TEST_CASE(layer_sizes_must_chain) {
  ArchSpec arch = resparc();
  CrossbarGeometry g = geometry_for(arch);
  std::vector<LayerMapping> layers{map_dense(0, synth_layer(20, 30, 0.5, 0, 0, 0, 0, 1).mask, g),
                                   map_dense(1, synth_layer(10, 25, 0.5, 0, 0, 0, 0, 2).mask, g)};
  BOOST_CHECK_THROW(place(arch, layers), CompileError);
}

BOOST_AUTO_TEST_CASE(isaac_tiles_without_a_neuron_limit) {
  // ISAAC: 12 cores x 8 arrays of 128 x 128 per tile, offset column, 16-bit weights in 2-bit cells
  // (15 outputs per array), tile.neurons = 0 (not limited), chip.tiles fixed at 168.
  ArchSpec arch = xbar::arch::load_arch(xbar::test::source_dir() + "/configs/arch/isaac.yaml",
                                        {"tile.cores=2"});
  auto layers = network(arch, 6);
  Placement p = place(arch, layers);
  BOOST_TEST(p.tiles.size() == 168u);
  BOOST_TEST(p.crossbars_per_tile == 16);
  int placed = 0;
  for (const auto& t : p.tiles) {
    BOOST_TEST(t.crossbars <= 16);
    placed += t.crossbars;
  }
  BOOST_TEST(placed == p.crossbars());
  BOOST_TEST(p.stats.tiles_used == tiles_needed(arch, layers));
}

BOOST_AUTO_TEST_CASE(layers_without_synapses_still_place_their_neurons) {
  // A compacted layer with no synapse has no crossbar, but its 300 neurons need 3 tiles of 128.
  ArchSpec arch = resparc();
  CrossbarGeometry g = geometry_for(arch);
  auto first = synth_layer(300, 50, 0.0, 0, 0, 0, 0, 1);
  Placement p = place(arch, {map_compacted(0, first.mask, g)});
  BOOST_TEST(p.crossbars() == 0);
  BOOST_TEST(p.tiles.size() == 3u);
  for (const auto& t : p.tiles) BOOST_TEST(t.neurons <= 128);
}

BOOST_AUTO_TEST_SUITE_END()
