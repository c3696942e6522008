// The elaborated chip: cycle counts of tiny configurations worked out by hand, and spike-exact
// agreement with a direct integer reference on a random network spread over several tiles.
#include "sim/chip.hpp"

#include <array>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <random>

#include "compiler/map.hpp"
#include "compiler/place.hpp"
#include "sim/energy.hpp"
#include "tests/support/temp_dir.hpp"

using namespace xbar;

namespace {

arch::ArchSpec chip_arch(std::vector<std::string> sets) {
  return arch::load_arch(test::source_dir() + "/configs/arch/resparc-64.yaml", sets);
}

// One layer on one crossbar on one tile, placed by hand.
compiler::Placement one_block(const arch::ArchSpec& a, int inputs, int outputs) {
  compiler::Placement p;
  p.arch = a.name;
  p.crossbar = compiler::geometry_for(a);
  p.grid_rows = p.grid_columns = 1;
  p.tiles = {compiler::TileInfo{0, 0, 0, 1, outputs}};
  compiler::LayerMapping m;
  m.inputs = inputs;
  m.outputs = outputs;
  compiler::CrossbarBlock b;
  for (int i = 0; i < inputs; ++i) b.inputs.push_back(i);
  for (int o = 0; o < outputs; ++o) b.outputs.push_back(o);
  b.tile = 0;
  m.blocks = {b};
  m.output_tiles.assign(outputs, 0);
  p.layers = {m};
  return p;
}

sim::HardwareLayer layer(Eigen::MatrixXi levels, int threshold) {
  sim::HardwareLayer l;
  l.levels = std::move(levels);
  l.adc = {1, 31, 6};  // step 1, max code 31: a 6-bit ADC
  l.neuron.threshold = threshold;
  return l;
}

double unit_leak(const arch::Inventory& inv) {
  double mw = 0;
  for (const auto& i : inv.items)
    mw += i.count * i.unit.leakage_mw * (i.level == arch::Level::Core ? inv.cores_per_tile : 1);
  return mw;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chip)

BOOST_AUTO_TEST_CASE(one_crossbar_cycle_count_by_hand) {
  // RESPARC preset: 5 ns read = 1 cycle; SAR 6 bits x 1 cycle; 8 columns per ADC, 2 columns per
  // differential output: 4 outputs per ADC. One image, one timestep, inputs 0 and 1 spike:
  //   the input broadcast of 2 flits (header + 2 x 2-bit indices) arrives at 2 -> crossbar read in
  //   cycle 2 -> ADC in 3..14 (2 outputs x 6 cycles) -> partial sums sent at 15 arrive at 16
  //   (local)
  //   -> neuron update -> done at 17.
  auto a = chip_arch({"chip.tiles=1"});
  auto placement = one_block(a, 4, 2);
  Eigen::MatrixXi w(2, 4);
  w << 3, 4, 0, 1, -2, 1, 5, 5;
  sim::HardwareNetwork net{.layers = {layer(w, 7)}, .timesteps = 1};
  sim::Chip chip("chip", a, placement, net);
  chip.enqueue({{{0, 1}}}, true);
  sc_core::sc_start();
  BOOST_REQUIRE_EQUAL(chip.results().size(), 1u);
  const auto& r = chip.results()[0];
  BOOST_TEST(r.cycles == 17u);
  BOOST_TEST(r.output_spike_counts[0] == 1);  // 3 + 4 = 7 >= 7
  BOOST_TEST(r.output_spike_counts[1] == 0);  // -2 + 1 = -1
  BOOST_TEST(r.output_potentials[0] == 0);    // reset by subtraction
  BOOST_TEST(r.output_potentials[1] == -1);
  BOOST_TEST(chip.totals()[sim::Event::AdcConversion] == 2u);
  BOOST_TEST(chip.totals()[sim::Event::RowActivation] == 2u);

  // Energy by hand. Cells (4 bits, 20k..200k ohm, linear levels): row 0 stores 3 and -2 as
  // G(3) + G(0) | G(0) + G(2), row 1 stores 4 and 1 as G(4) + G(0) | G(1) + G(0): 35 uS + 35 uS;
  // x 0.5 V^2 x 5 ns = 0.0875 pJ. The rest is counts x the library's price.
  auto inv = arch::build_inventory(a, arch::ComponentLibrary::load(a.technology.library));
  auto e =
      sim::account_energy(chip.counters(), inv, a, r.cycles, placement.crossbar.columns_per_output);
  namespace tt = boost::test_tools;
  BOOST_TEST(e.by_component_pj["cell_array"] == 0.0875, tt::tolerance(1e-9));
  auto unit = [&](const char* role) {
    return inv.find(arch::Level::Core, role) ? inv.find(arch::Level::Core, role)->unit.energy_pj
                                             : inv.find(arch::Level::Tile, role)->unit.energy_pj;
  };
  BOOST_TEST(e.by_component_pj["row_driver"] == 2 * unit("row_driver"), tt::tolerance(1e-12));
  BOOST_TEST(e.by_component_pj["adc"] == 2 * unit("adc"), tt::tolerance(1e-12));
  BOOST_TEST(e.by_component_pj["sample_hold"] == 2 * 2 * unit("sample_hold"), tt::tolerance(1e-12));
  BOOST_TEST(e.by_component_pj["neuron"] == 2 * unit("neuron"), tt::tolerance(1e-12));
  // Two packets of 2 flits (header + payload), each written and read once: 8 buffer accesses.
  BOOST_TEST(e.by_component_pj["buffer"] == 8 * unit("buffer"), tt::tolerance(1e-12));
  BOOST_TEST(e.by_component_pj["router"] == 0.0);
  double sum = 0;
  for (auto& [k, v] : e.by_component_pj) sum += v;
  BOOST_TEST(e.dynamic_pj == sum, tt::tolerance(1e-12));
  BOOST_TEST(e.by_layer_pj[0] == sum, tt::tolerance(1e-12));
  // Leakage: the RESPARC buffer leaks 0.697 mW scaled to 2 KB, for 17 cycles of 5 ns.
  BOOST_TEST(e.leakage_pj == unit_leak(inv) * 17 * 5.0, tt::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(spike_packets_take_the_cheaper_encoding) {
  // 40 inputs, so an input's index takes ceil(log2 40) = 6 bits and a bit vector 40 bits; 16-bit
  // flits plus a header flit. One timestep, its broadcast arriving after its flits (as in
  // one_crossbar_cycle_count_by_hand), so everything after it is the same and the cycles differ
  // by the flits:
  //   30 spikes: address-event 1 + ceil(180 / 16) = 13 flits, bit vector 1 + ceil(40 / 16) = 4;
  //    2 spikes: address-event 1 + ceil(12 / 16) = 2 flits, bit vector 4.
  // "cheaper" takes the bit vector for 30 spikes and address-event for 2.
  const std::array<const char*, 3> formats = {"address_event", "bit_vector", "cheaper"};
  std::vector<int> many(30), few = {3, 17};
  for (int i = 0; i < 30; ++i) many[i] = i;
  Eigen::MatrixXi w = Eigen::MatrixXi::Ones(2, 40);
  std::vector<std::unique_ptr<sim::Chip>> chips;
  std::vector<arch::ArchSpec> archs;
  archs.reserve(6);
  for (const std::vector<int>* spikes : {&many, &few})
    for (const char* f : formats) {
      archs.push_back(chip_arch({"chip.tiles=1", std::string("noc.spike_packets=") + f}));
      sim::HardwareNetwork net{.layers = {layer(w, 1000)}, .timesteps = 1};
      chips.push_back(std::make_unique<sim::Chip>(("chip" + std::to_string(chips.size())).c_str(),
                                                  archs.back(), one_block(archs.back(), 40, 2),
                                                  net));
      chips.back()->enqueue({{*spikes}});
    }
  sc_core::sc_start();
  auto cycles = [&](size_t i) { return static_cast<long long>(chips[i]->results().at(0).cycles); };
  auto bit_vectors = [&](size_t i) { return chips[i]->totals()[sim::Event::BitVectorPacket]; };
  BOOST_TEST(cycles(0) - cycles(1) == 13 - 4);  // 30 spikes: address-event vs bit vector
  BOOST_TEST(cycles(2) == cycles(1));
  BOOST_TEST(bit_vectors(0) == 0u);
  BOOST_TEST(bit_vectors(1) == 1u);
  BOOST_TEST(bit_vectors(2) == 1u);
  BOOST_TEST(cycles(4) - cycles(3) == 4 - 2);  // 2 spikes: bit vector vs address-event
  BOOST_TEST(cycles(5) == cycles(3));
  BOOST_TEST(bit_vectors(5) == 0u);
}

BOOST_AUTO_TEST_CASE(vcd_trace_shows_the_crossbar_busy_and_the_spike) {
  // The case above, traced: crossbar busy from cycle 2 (10 ns) to 15 (75 ns), one spike at 17.
  auto a = chip_arch({"chip.tiles=1"});
  auto placement = one_block(a, 4, 2);
  Eigen::MatrixXi w(2, 4);
  w << 3, 4, 0, 1, -2, 1, 5, 5;
  sim::HardwareNetwork net{.layers = {layer(w, 7)}, .timesteps = 1};
  sim::Chip chip("chip", a, placement, net);
  test::TempDir dir;
  const std::string path = (dir.path() / "t.vcd").string();
  sim::VcdTrace vcd(path, a.technology.clock_period_ns(), 0, 1000);
  chip.trace(&vcd, 0);
  chip.enqueue({{{0, 1}}});
  sc_core::sc_start();
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  BOOST_TEST(text.find("$var integer 32 ! crossbars_busy $end") != std::string::npos, text);
  BOOST_TEST(text.find("#10000\nb1 !\n") != std::string::npos, text);
  BOOST_TEST(text.find("#75000\nb0 !\n") != std::string::npos, text);
  BOOST_TEST(text.find("#85000\nb1 \"\n") != std::string::npos, text);
  // The output layer's membrane potentials after the timestep: 7 - 7 = 0 and -2 + 1 = -1.
  BOOST_TEST(text.find("$scope module layer0 $end") != std::string::npos, text);
  BOOST_TEST(text.find("$var integer 32 % v1 $end") != std::string::npos, text);
  BOOST_TEST(text.find("b11111111111111111111111111111111 %") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(adc_sharing_serialises_conversions) {
  // 8 outputs on one crossbar; 16 columns per ADC = 8 differential outputs per converter: all 8
  // conversions on one ADC, 8 x 6 = 48 cycles: 2 (input, 2 flits) + 1 + 48 + 1 + 1 = 53. With 2
  // columns per ADC every output has its own converter: 2 + 1 + 6 + 1 + 1 = 11 (next case).
  auto a = chip_arch({"chip.tiles=1", "adc.columns_per_adc=16"});
  auto placement = one_block(a, 4, 8);
  sim::HardwareNetwork net{.layers = {layer(Eigen::MatrixXi::Ones(8, 4), 100)}, .timesteps = 1};
  sim::Chip chip("chip", a, placement, net);
  chip.enqueue({{{3}}});
  sc_core::sc_start();
  BOOST_TEST(chip.results()[0].cycles == 53u);
}

BOOST_AUTO_TEST_CASE(dedicated_adcs_convert_in_parallel) {
  auto a = chip_arch({"chip.tiles=1", "adc.columns_per_adc=2"});
  auto placement = one_block(a, 4, 8);
  sim::HardwareNetwork net{.layers = {layer(Eigen::MatrixXi::Ones(8, 4), 100)}, .timesteps = 1};
  sim::Chip chip("chip", a, placement, net);
  chip.enqueue({{{3}}});
  sc_core::sc_start();
  BOOST_TEST(chip.results()[0].cycles == 11u);
}

// Two crossbars (inputs 0-3 and 4-7) feeding the same two neurons; crossbar k on tile tiles[k],
// the neurons on tile 1 of a 1 x 2 grid.
compiler::Placement two_blocks(const arch::ArchSpec& a, std::array<int, 2> tiles) {
  compiler::Placement p;
  p.arch = a.name;
  p.crossbar = compiler::geometry_for(a);
  p.grid_rows = 1;
  p.grid_columns = 2;
  p.tiles = {compiler::TileInfo{0, 0, 0, 0, 0}, compiler::TileInfo{1, 0, 1, 0, 2}};
  compiler::LayerMapping m;
  m.inputs = 8;
  m.outputs = 2;
  for (int k = 0; k < 2; ++k) {
    compiler::CrossbarBlock b;
    for (int i = 0; i < 4; ++i) b.inputs.push_back(4 * k + i);
    b.outputs = {0, 1};
    b.tile = tiles[k];
    ++p.tiles[tiles[k]].crossbars;
    m.blocks.push_back(b);
  }
  m.output_tiles.assign(2, 1);
  p.layers = {m};
  return p;
}

BOOST_AUTO_TEST_CASE(crossbars_of_one_tile_share_their_partial_sum_packet) {
  namespace tt = boost::test_tools;
  // Both crossbars on tile 0: the tile adds their codes and sends one packet per timestep.
  // Each timestep drives input 0 and input 4: each output gets 1 + 1 = 2 per step, 6 in all.
  auto a = chip_arch({"chip.tiles=2"});
  sim::HardwareNetwork net{.layers = {layer(Eigen::MatrixXi::Ones(2, 8), 100)}, .timesteps = 3};
  sim::Chip chip("chip", a, two_blocks(a, {0, 0}), net);
  chip.enqueue({{{0, 4}, {0, 4}, {0, 4}}});
  sc_core::sc_start();
  BOOST_TEST(chip.totals()[sim::Event::PartialSumPacket] == 3u);
  BOOST_TEST(chip.noc().stats().packets == 3u);
  BOOST_TEST(chip.totals()[sim::Event::CrossbarRead] == 6u);
  BOOST_TEST(chip.results()[0].output_potentials == std::vector<long long>({6, 6}),
             tt::per_element());
}

BOOST_AUTO_TEST_CASE(crossbars_of_different_tiles_send_their_own_packets) {
  namespace tt = boost::test_tools;
  // Crossbar 1 sits with the neurons: its sums stay in tile 1, crossbar 0's cross the mesh.
  auto a = chip_arch({"chip.tiles=2"});
  sim::HardwareNetwork net{.layers = {layer(Eigen::MatrixXi::Ones(2, 8), 100)}, .timesteps = 3};
  sim::Chip chip("chip", a, two_blocks(a, {0, 1}), net);
  chip.enqueue({{{0, 4}, {0, 4}, {0, 4}}});
  sc_core::sc_start();
  BOOST_TEST(chip.totals()[sim::Event::PartialSumPacket] == 6u);
  BOOST_TEST(chip.totals()[sim::Event::LocalPacket] == 3u);
  BOOST_TEST(chip.noc().stats().packets == 3u);
  BOOST_TEST(chip.results()[0].output_potentials == std::vector<long long>({6, 6}),
             tt::per_element());
}

BOOST_AUTO_TEST_CASE(timesteps_pipeline_through_the_crossbar) {
  // Two timesteps of 2 flits each: t = 0 arrives at 2, t = 1 at 4; the crossbar is busy with t = 0
  // until 2 + 1 + 12 = 15: t = 1 reads at 15, converts until 28, its sums arrive at 29, fire at 30.
  auto a = chip_arch({"chip.tiles=1"});
  auto placement = one_block(a, 4, 2);
  Eigen::MatrixXi w = Eigen::MatrixXi::Ones(2, 4);
  sim::HardwareNetwork net{.layers = {layer(w, 100)}, .timesteps = 2};
  sim::Chip chip("chip", a, placement, net);
  chip.enqueue({{{0}, {1}}});
  sc_core::sc_start();
  BOOST_TEST(chip.results()[0].cycles == 30u);
}

BOOST_AUTO_TEST_CASE(matches_integer_reference_spike_for_spike) {
  // A random 3-layer network, densely mapped on 16x16 crossbars and placed over several tiles.
  auto a = chip_arch({"crossbar.rows=16", "crossbar.columns=16", "tile.neurons=8",
                      "core.crossbars=2", "adc.columns_per_adc=4"});
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> level(-15, 15);
  std::bernoulli_distribution keep(0.6), fire(0.3);
  const std::vector<int> sizes = {40, 24, 12, 6};
  const int T = 6;
  sim::HardwareNetwork net;
  net.timesteps = T;
  std::vector<compiler::LayerMapping> layers;
  auto g = compiler::geometry_for(a);
  for (size_t l = 0; l + 1 < sizes.size(); ++l) {
    Eigen::MatrixXi w(sizes[l + 1], sizes[l]);
    for (int o = 0; o < w.rows(); ++o)
      for (int i = 0; i < w.cols(); ++i) w(o, i) = keep(rng) ? level(rng) : 0;
    sim::HardwareLayer hl = layer(w, 20);
    hl.adc = {2, 15, 5};  // 5-bit ADC, 2 weight levels per code
    net.layers.push_back(hl);
    layers.push_back(
        compiler::map_dense(static_cast<int>(l), compiler::to_mask(w.cast<float>()), g));
  }
  compiler::Placement placement = compiler::place(a, layers);
  BOOST_TEST_REQUIRE(placement.tiles.size() > 2u);
  std::vector<sim::SpikeTrain> images(3, sim::SpikeTrain(T));
  for (auto& image : images)
    for (auto& t : image)
      for (int i = 0; i < sizes[0]; ++i)
        if (fire(rng)) t.push_back(i);
  sim::Chip chip("chip", a, placement, net);
  chip.enqueue(images, true);
  sc_core::sc_start();
  BOOST_REQUIRE_EQUAL(chip.results().size(), images.size());

  // Reference: the same arithmetic written out directly, block by block (first block owns).
  for (size_t img = 0; img < images.size(); ++img) {
    std::vector<std::vector<long long>> v(net.layers.size());
    for (size_t l = 0; l < net.layers.size(); ++l) v[l].assign(sizes[l + 1], 0);
    std::vector<std::vector<int>> in = images[img];
    for (size_t l = 0; l < net.layers.size(); ++l) {
      const auto& hl = net.layers[l];
      const auto& m = placement.layers[l];
      Eigen::MatrixXi owner = Eigen::MatrixXi::Constant(m.outputs, m.inputs, -1);
      for (size_t b = 0; b < m.blocks.size(); ++b)
        for (int o : m.blocks[b].outputs)
          for (int i : m.blocks[b].inputs)
            if (owner(o, i) < 0) owner(o, i) = static_cast<int>(b);
      std::vector<std::vector<int>> out(T);
      for (int t = 0; t < T; ++t) {
        std::vector<char> s(m.inputs, 0);
        for (int i : in[t]) s[i] = 1;
        std::vector<long long> sum(m.outputs, 0);
        for (size_t b = 0; b < m.blocks.size(); ++b) {
          bool any = false;
          for (int i : m.blocks[b].inputs) any |= s[i] != 0;
          if (!any) continue;
          for (int o : m.blocks[b].outputs) {
            long long p = 0;
            for (int i : m.blocks[b].inputs)
              if (s[i] && owner(o, i) == static_cast<int>(b)) p += hl.levels(o, i);
            sum[o] += hl.adc.convert(p);
          }
        }
        for (int o = 0; o < m.outputs; ++o) {
          long long& pot = v[l][o];
          pot = std::clamp<long long>(pot + sum[o], -32768, 32767);  // one saturation per timestep
          if (pot >= hl.neuron.threshold) {
            out[t].push_back(o);
            pot -= hl.neuron.threshold;
          }
        }
        BOOST_TEST(chip.results()[img].trace.layers[l][t] == out[t],
                   "image " << img << " layer " << l << " t " << t);
      }
      in = out;
    }
  }
  BOOST_TEST(chip.noc().stats().packets > 0u);
  // The comparison means something only if every layer fired.
  for (size_t l = 0; l < net.layers.size(); ++l) {
    size_t spikes = 0;
    for (const auto& r : chip.results())
      for (const auto& t : r.trace.layers[l]) spikes += t.size();
    BOOST_TEST(spikes > 0u, "layer " << l << " never fired");
  }
}

namespace {

// Two blocks of one layer on one tile: inputs {0,1} -> output 0 and {2,3} -> output 1, sharing
// one time-multiplexed array or on two crossbars of the tile.
compiler::Placement two_blocks(const arch::ArchSpec& a, bool shared) {
  compiler::Placement p = one_block(a, 4, 2);
  compiler::CrossbarBlock x = p.layers[0].blocks[0], y = x;
  x.inputs = {0, 1};
  x.outputs = {0};
  y.inputs = {2, 3};
  y.outputs = {1};
  x.core = y.core = 0;
  x.slot = 0;
  y.slot = shared ? 0 : 1;
  if (shared) x.array = y.array = 0;
  p.layers[0].blocks = {x, y};
  p.layers[0].conv_weights = shared ? "time_multiplexed" : "replicated";
  p.tiles[0].crossbars = shared ? 1 : 2;
  return p;
}

std::uint64_t two_block_cycles(bool shared) {
  // The input broadcast of 2 flits (header + 4 x 2-bit indices) arrives at 2. Each read: 1 cycle,
  // then 1 output x 6 ADC cycles. Two crossbars read in parallel: both done at 9, one partial-sum
  // packet for both (the tile adds them) sent at 9, in at 10, neurons done at 11. One shared
  // array: the second read starts when the first is done, at 9, and ends at 16 -> 17 -> 18.
  auto a = chip_arch({"chip.tiles=1"});
  Eigen::MatrixXi w(2, 4);
  w << 3, 4, 0, 0, 0, 0, 5, 5;
  sim::HardwareNetwork net{.layers = {layer(w, 7)}, .timesteps = 1};
  sim::Chip chip("chip", a, two_blocks(a, shared), net);
  chip.enqueue({{{0, 1, 2, 3}}}, true);
  sc_core::sc_start();
  BOOST_REQUIRE_EQUAL(chip.results().size(), 1u);
  const auto& r = chip.results()[0];
  BOOST_TEST(r.output_spike_counts[0] == 1);  // 3 + 4 >= 7
  BOOST_TEST(r.output_spike_counts[1] == 1);  // 5 + 5 >= 7
  BOOST_TEST(chip.totals()[sim::Event::CrossbarRead] == 2u);
  return r.cycles;
}

}  // namespace

BOOST_AUTO_TEST_CASE(two_crossbars_read_in_parallel) { BOOST_TEST(two_block_cycles(false) == 11u); }

BOOST_AUTO_TEST_CASE(a_time_multiplexed_array_reads_its_blocks_in_turn) {
  BOOST_TEST(two_block_cycles(true) == 18u);
}

BOOST_AUTO_TEST_SUITE_END()
