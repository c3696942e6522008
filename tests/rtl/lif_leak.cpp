// One LIF arch (neuron.leak 0.125: 1/8 of the potential lost per timestep), one stimulus, three
// implementations: the chip of `xbarsim run` (its VCD of layer 0's potentials), `xbarsim
// neuron-trace` (models::NeuronCore over the stimulus run --trace-stimulus wrote from that chip)
// and the reference RTL (rtl/neuron_core.v under Icarus Verilog with the parameters
// rtl::neuron_core_parameters gives for the arch). Every potential of every neuron after every
// timestep must agree: chip = neuron-trace by value, neuron-trace = RTL through vcd-diff. A path
// that turned neuron.leak into the multiplier its own way (leak * 2^16 instead of
// (1 - leak) * 2^16) makes its potentials decay to an eighth instead of seven eighths.
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <regex>

#include "arch/arch_spec.hpp"
#include "rtl/arch_parameters.hpp"
#include "sim/neuron_stimulus.hpp"
#include "tests/support/run_cli.hpp"
#include "tests/support/temp_dir.hpp"
#include "verify/vcd_reader.hpp"

using namespace xbar;

namespace {

constexpr int kTimesteps = 16;

// A two's complement value of a VCD vector (MSB first, as wide as its variable).
long long vcd_signed(const std::string& bits) {
  long long v = 0;
  for (char b : bits) v = v * 2 + (b == '1');
  if (!bits.empty() && bits[0] == '1') v -= 1LL << bits.size();
  return v;
}

// The number after `key` in `text` (e.g. "--threshold 17"); fails the test when absent.
long long number_after(const std::string& text, const std::string& key) {
  std::smatch m;
  const std::regex re(key + " (-?[0-9]+)");
  BOOST_REQUIRE_MESSAGE(std::regex_search(text, m, re), "no '" + key + " N' in:\n" + text);
  return std::stoll(m[1]);
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rtl_lif_leak)

BOOST_AUTO_TEST_CASE(run_trace_neuron_trace_and_rtl_agree) {
  test::TempDir dir;
  const std::string src = test::source_dir(), d = dir.path().string();
  // The arch, one file for all three: resparc-64 with LIF neurons losing 1/8 per timestep.
  const std::string arch =
      dir.write("lif.yaml", "version: 1\nname: lif\nextends: " + src +
                                "/configs/arch/resparc-64.yaml\ncrossbar: {rows: 32, columns: 32}\n"
                                "neuron: {impl: lif, threshold: 1.0, leak: 0.125, reset: subtract, "
                                "potential_bits: 16}\n");
  // A small MNIST network on it: 784-32-10, one epoch, T = 16.
  const std::string experiment = dir.write(
      "lif-run.yaml",
      "version: 1\nname: lif-run\narch:\n  extends: " + arch +
          "\nworkload:\n  dataset: mnist\n  data_dir: " + src +
          "/data/mnist/package/src/digits\n  layers: [784, 32, 10]\n  model: " + d +
          "/model\ntrain: {optimizer: adam, loss: cross-entropy, epochs: 1, batch: 100, lr: 0.002, "
          "momentum: 0.9, dropout: 0.0, seed: 1}\nsnn: {timesteps: " +
          std::to_string(kTimesteps) +
          ", encoding: poisson, normalization: percentile, percentile: 99.9, "
          "calibration_images: 20}\ncompile: {flow: dense, seed: 1}\n"
          "simulate: {images: 1, seed: 1, check_golden: true, threads: 1}\n");
  std::string out;
  const std::string stimulus = d + "/layer0.txt";
  // The stimulus replays the traced image and layer: without --trace it is bad input.
  BOOST_TEST(test::run_cli("run " + experiment + " --trace-stimulus " + stimulus, &out) == 2);
  BOOST_TEST(out.find("--trace-stimulus needs --trace") != std::string::npos, out);
  BOOST_TEST(!std::filesystem::exists(stimulus));
  BOOST_TEST_REQUIRE(test::run_cli("run " + experiment + " --out " + d + "/run --trace " + d +
                                       "/chip.vcd --trace-layer 0 --trace-stimulus " + stimulus,
                                   &out) == 0,
                     out);
  BOOST_TEST(file_text(d + "/run/report.json").find("\"spike_exact\": true") != std::string::npos);

  // 1. The chip: layer 0's potentials, one record per timestep after the initial $dumpvars.
  const std::string header = file_text(stimulus);
  const int neurons = static_cast<int>(number_after(header, "--neurons"));
  const long long threshold = number_after(header, "--threshold");
  BOOST_REQUIRE_EQUAL(neurons, 32);
  const verify::VcdFile chip = verify::read_vcd(d + "/chip.vcd");
  std::vector<std::vector<long long>> chip_v(kTimesteps, std::vector<long long>(neurons));
  for (int n = 0; n < neurons; ++n) {
    const verify::VcdVariable* v = chip.find("layer0.v" + std::to_string(n));
    BOOST_REQUIRE(v);
    const auto& changes = chip.changes[static_cast<size_t>(v->code)];
    BOOST_REQUIRE_EQUAL(changes.size(), static_cast<size_t>(kTimesteps + 1));
    for (int t = 0; t < kTimesteps; ++t) chip_v[t][n] = vcd_signed(changes[t + 1].value);
  }

  // 2. neuron-trace over the chip's stimulus, read after each timestep's fire cycle.
  BOOST_TEST_REQUIRE(test::run_cli("neuron-trace " + stimulus + " --arch " + arch + " --neurons " +
                                       std::to_string(neurons) + " --threshold " +
                                       std::to_string(threshold) + " --vcd " + d + "/model.vcd",
                                   &out) == 0,
                     out);
  const std::vector<sim::NeuronStimulusLine> lines = sim::read_neuron_stimulus(stimulus, neurons);
  const verify::VcdFile model = verify::read_vcd(d + "/model.vcd");
  std::vector<std::uint64_t> fire_fs;  // the cycle after each fire line: its results
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].fire) fire_fs.push_back((i + 1) * 10'000'000ULL);
  BOOST_REQUIRE_EQUAL(fire_fs.size(), static_cast<size_t>(kTimesteps));
  int differ = 0, nonzero = 0, leaked = 0;
  std::string first;
  for (int n = 0; n < neurons; ++n) {
    const verify::VcdVariable* v = model.find("neuron_core.potential_" + std::to_string(n));
    BOOST_REQUIRE(v);
    for (int t = 0; t < kTimesteps; ++t) {
      const long long m = vcd_signed(model.value_at(*v, fire_fs[t], true));
      nonzero += chip_v[t][n] != 0;
      leaked += t > 0 && chip_v[t - 1][n] >= 8;  // a potential the leak visibly shrinks
      if (m != chip_v[t][n] && differ++ == 0)
        first = "neuron " + std::to_string(n) + " after timestep " + std::to_string(t) + ": chip " +
                std::to_string(chip_v[t][n]) + ", neuron-trace " + std::to_string(m);
    }
  }
  BOOST_TEST_MESSAGE(neurons << " neurons x " << kTimesteps << " timesteps, threshold " << threshold
                             << " codes: " << nonzero << " non-zero potentials, " << leaked
                             << " leaked from >= 8; chip vs neuron-trace: " << differ << " differ");
  BOOST_TEST(differ == 0,
             "chip vs neuron-trace: " << differ << " potentials differ, first " << first);
  BOOST_TEST(nonzero > neurons * kTimesteps / 4);  // the comparison saw real potentials
  BOOST_TEST(leaked > neurons);                    // and potentials the leak acts on

  // 3. The reference RTL, parameterised for the arch (with the traced layer's neuron count).
  rtl::Parameters p = rtl::neuron_core_parameters(arch::load_arch(arch));
  std::string defines;
  for (const char* name : {"POTENTIAL_BITS", "CODE_BITS", "LEAKY", "LEAK_Q16", "RESET_TO_ZERO"})
    defines +=
        std::string(" -Pneuron_core_tb.") + name + "=" + std::to_string(rtl::parameter(p, name));
  BOOST_TEST(rtl::parameter(p, "LEAK_Q16") == 57344);  // (1 - 0.125) * 2^16
  BOOST_REQUIRE_EQUAL(std::system(("iverilog -g2012 -Pneuron_core_tb.NEURONS=" +
                                   std::to_string(neurons) + defines + " -o " + d + "/nc.vvp " +
                                   src + "/rtl/tb/neuron_core_tb.v " + src + "/rtl/neuron_core.v")
                                      .c_str()),
                      0);
  BOOST_REQUIRE_EQUAL(
      std::system(("vvp -n " + d + "/nc.vvp +stimulus=" + stimulus + " +vcd=" + d +
                   "/rtl.vcd +threshold=" + std::to_string(threshold) + " > /dev/null")
                      .c_str()),
      0);
  std::string map =
      "clock: neuron_core_tb.clk\nsignals:\n"
      "  - {a: neuron_core_tb.spikes_valid, b: neuron_core.spikes_valid}\n"
      "  - {a: neuron_core_tb.spikes, b: neuron_core.spikes}\n";
  for (int n = 0; n < neurons; ++n)
    map += "  - {a: 'neuron_core_tb.g_v[" + std::to_string(n) +
           "].potential', b: neuron_core.potential_" + std::to_string(n) + ", signed: true}\n";
  BOOST_TEST(test::run_cli("vcd-diff " + d + "/rtl.vcd " + d + "/model.vcd --map " +
                               dir.write("map.yaml", map),
                           &out) == 0,
             out);
  BOOST_TEST(out.find(std::to_string(neurons + 2) + " equal, 0 differ") != std::string::npos, out);
}

BOOST_AUTO_TEST_SUITE_END()
