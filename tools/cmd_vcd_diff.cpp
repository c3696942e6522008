// xbarsim vcd-diff | neuron-trace: checking someone's RTL against xbarsim through VCD traces.
// neuron-trace runs models::NeuronCore over a stimulus file (the one rtl/tb/neuron_core_tb.v
// reads) and writes the VCD the RTL testbench would write; vcd-diff compares two traces.
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "arch/arch_spec.hpp"
#include "models/neuron_core.hpp"
#include "sim/vcd.hpp"
#include "tools/commands.hpp"
#include "verify/vcd_diff.hpp"

namespace xbar::tools {

namespace {

struct DiffArgs {
  std::string a, b, map, clock;
  int tolerance = 0;
};

int vcd_diff_main(const DiffArgs& args) {
  try {
    const verify::VcdMap map = verify::read_vcd_map(args.map);
    const verify::VcdFile a = verify::read_vcd(args.a);
    const verify::VcdFile b = verify::read_vcd(args.b);
    const verify::VcdDiffResult r = verify::vcd_diff(a, b, map, {args.clock, args.tolerance});
    std::cout << "A: " << args.a << "\nB: " << args.b << "\n" << verify::format_report(r);
    return r.equal() ? 0 : 1;
  } catch (const verify::VcdError& e) {
    std::cerr << "xbarsim vcd-diff: " << e.what() << "\n";
    return 2;
  }
}

struct TraceArgs {
  std::string stimulus, arch, vcd;
  std::vector<std::string> overrides;
  long long threshold = 1;
  int neurons = 16;
  double period_ns = 10;
};

// One line per clock cycle, "rst in_valid in_index in_code fire" in decimal; '#' starts a comment.
struct StimulusLine {
  long long rst, valid, index, code, fire;
};

std::vector<StimulusLine> read_stimulus(const std::string& path, int neurons) {
  std::ifstream in(path);
  if (!in) throw verify::VcdError(path + ": cannot open the stimulus file");
  std::vector<StimulusLine> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find('#') != std::string::npos) line.erase(line.find('#'));
    std::istringstream s(line);
    StimulusLine l;
    if (!(s >> l.rst)) continue;  // blank line
    std::string rest;
    if (!(s >> l.valid >> l.index >> l.code >> l.fire) || (s >> rest))
      throw verify::VcdError(path + ":" + std::to_string(n) +
                             ": expected five integers: rst in_valid in_index in_code fire");
    if (l.valid && (l.index < 0 || l.index >= neurons))
      throw verify::VcdError(path + ":" + std::to_string(n) + ": in_index " +
                             std::to_string(l.index) + " outside 0.." +
                             std::to_string(neurons - 1));
    out.push_back(l);
  }
  return out;
}

// The cycle behaviour of rtl/neuron_core.v, from the model: codes summed until `fire`, then
// NeuronCore::step; line i drives cycle i, its results are the outputs of cycle i + 1.
int neuron_trace_main(const TraceArgs& args) {
  try {
    const arch::ArchSpec a = arch::load_arch(args.arch, args.overrides);
    const std::vector<StimulusLine> stim = read_stimulus(args.stimulus, args.neurons);
    models::NeuronParams p;
    p.threshold = args.threshold;
    p.potential_min = -(1LL << (a.neuron.potential_bits - 1));
    p.potential_max = (1LL << (a.neuron.potential_bits - 1)) - 1;
    p.reset_to_zero = a.neuron.reset == arch::ResetMode::Zero;
    p.leaky = a.neuron.model == arch::NeuronModel::Lif;
    p.leak_q16 = p.leaky ? std::lround(a.neuron.leak * 65536.0) : 65536;
    if (p.threshold < 1 || p.threshold > p.potential_max)
      throw verify::VcdError("--threshold " + std::to_string(p.threshold) + " outside 1.." +
                             std::to_string(p.potential_max) + " (neuron.potential_bits " +
                             std::to_string(a.neuron.potential_bits) + ")");
    models::NeuronCore core(p, args.neurons);
    sim::VcdTrace vcd(args.vcd, args.period_ns, 0, stim.size() + 1);
    const int valid_id = vcd.signal("neuron_core", "spikes_valid");
    const int spikes_id = vcd.signal("neuron_core", "spikes");
    std::vector<int> v_id;
    for (int n = 0; n < args.neurons; ++n)
      v_id.push_back(vcd.signal("neuron_core", "potential_" + std::to_string(n)));
    std::vector<long long> sums(args.neurons, 0);
    std::uint64_t spikes_total = 0;
    for (size_t c = 0; c < stim.size(); ++c) {
      const StimulusLine& l = stim[c];
      long long mask = 0;
      if (l.rst) {
        core.reset();
        std::fill(sums.begin(), sums.end(), 0);
      } else {
        if (l.fire) {
          std::vector<int> fired;
          core.step(sums, fired);
          for (int n : fired) mask |= 1LL << n;
          spikes_total += fired.size();
          std::fill(sums.begin(), sums.end(), 0);
        }
        if (l.valid) sums[l.index] += l.code;
      }
      vcd.set(c + 1, valid_id, !l.rst && l.fire);
      vcd.set(c + 1, spikes_id, mask);
      for (int n = 0; n < args.neurons; ++n) vcd.set(c + 1, v_id[n], core.potential(n));
    }
    vcd.write(0);
    std::cout << args.vcd << ": " << stim.size() << " cycles, " << spikes_total << " spikes\n";
    return 0;
  } catch (const verify::VcdError& e) {
    std::cerr << "xbarsim neuron-trace: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace

static void add_vcd_commands(CLI::App& app, int& status) {
  auto d = std::make_shared<DiffArgs>();
  CLI::App* diff = app.add_subcommand(
      "vcd-diff",
      "compare two VCD traces signal by signal (exit 0: equal, 1: they differ, 2: bad input)");
  diff->add_option("a", d->a, "first VCD (e.g. from your RTL simulator)")->required();
  diff->add_option("b", d->b, "second VCD (e.g. from xbarsim)")->required();
  diff->add_option("--map", d->map, "YAML naming the signal pairs (see configs/rtl/)")->required();
  diff->add_option("--clock", d->clock,
                   "sample at this signal's rising edges (default: the map's clock, else every "
                   "change)");
  diff->add_option("--tolerance", d->tolerance,
                   "accept a value seen on the other side within this many clock cycles");
  diff->callback([&status, d] { status = guarded([&] { return vcd_diff_main(*d); }); });

  auto t = std::make_shared<TraceArgs>();
  CLI::App* trace = app.add_subcommand(
      "neuron-trace",
      "run xbarsim's neuron core over a stimulus file (rtl/tb format) and write its VCD");
  trace
      ->add_option("stimulus", t->stimulus,
                   "one line per cycle: rst in_valid in_index in_code fire")
      ->required();
  trace->add_option("--arch", t->arch, "arch YAML: potential bits, IF/LIF, leak, reset")
      ->required();
  trace->add_option("--set", t->overrides, "override an arch key (repeatable)");
  trace->add_option("--threshold", t->threshold, "threshold in ADC codes (theta_q)")->required();
  trace->add_option("--neurons", t->neurons, "neurons in the core")->check(CLI::Range(1, 62));
  trace->add_option("--period-ns", t->period_ns, "clock period of the trace");
  trace->add_option("--vcd", t->vcd, "VCD to write")->required();
  trace->callback([&status, t] { status = guarded([&] { return neuron_trace_main(*t); }); });
}

XBAR_REGISTER_COMMANDS(70, add_vcd_commands);

}  // namespace xbar::tools
