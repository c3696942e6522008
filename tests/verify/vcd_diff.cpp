// vcd-diff: the VCD reader on Icarus-style and xbarsim-style traces, the comparison (equal traces,
// a divergence at a known time, a tolerance hiding a one-cycle shift), bad input, and the README
// flow end to end (Icarus Verilog on rtl/tb against `xbarsim neuron-trace`).
#include "verify/vcd_diff.hpp"

#include <boost/test/unit_test.hpp>

#include "tests/support/run_cli.hpp"
#include "tests/support/temp_dir.hpp"

using namespace xbar;

namespace {

// An Icarus-style trace: 1 ns units, a clock with rising edges at 10, 20, ... ns, a 4-bit counter
// in a nested scope that takes `values[k]` at edge k + 1 (and `initial` at time 0).
std::string icarus_trace(const std::vector<int>& values, const std::string& initial = "b0") {
  std::string s =
      "$date today $end\n$version Icarus Verilog $end\n$timescale 1ns $end\n"
      "$scope module tb $end\n$var reg 1 ! clk $end\n$scope module dut $end\n"
      "$var wire 4 \" count [3:0] $end\n$upscope $end\n$upscope $end\n$enddefinitions $end\n"
      "#0\n$dumpvars\n0!\n" +
      initial + " \"\n$end\n";
  for (size_t k = 0; k < values.size(); ++k) {
    const int t = 10 * static_cast<int>(k + 1);
    std::string bits;
    for (int b = 3; b >= 0; --b) bits += (values[k] >> b) & 1 ? '1' : '0';
    s += "#" + std::to_string(t) + "\n1!\nb" + bits + " \"\n#" + std::to_string(t + 5) + "\n0!\n";
  }
  return s;
}

// The same counter as xbarsim's VcdTrace writes it: ps units, "integer 32", no clock.
std::string xbarsim_trace(const std::vector<int>& values) {
  std::string s =
      "$timescale 1 ps $end\n$scope module core $end\n$var integer 32 ! count $end\n$upscope $end\n"
      "$enddefinitions $end\n#0\n$dumpvars\nb0 !\n$end\n";
  for (size_t k = 0; k < values.size(); ++k) {
    std::string bits;
    for (int v = values[k]; v; v >>= 1) bits.insert(bits.begin(), v & 1 ? '1' : '0');
    s += "#" + std::to_string(10000 * (k + 1)) + "\nb" + (bits.empty() ? "0" : bits) + " !\n";
  }
  return s;
}

const char* kMap = "clock: tb.clk\nsignals:\n  - {a: tb.dut.count, b: core.count}\n";

verify::VcdDiffResult diff(const test::TempDir& dir, const std::vector<int>& a,
                           const std::vector<int>& b, int tolerance = 0) {
  const auto fa = verify::read_vcd(dir.write("a.vcd", icarus_trace(a)));
  const auto fb = verify::read_vcd(dir.write("b.vcd", xbarsim_trace(b)));
  return verify::vcd_diff(fa, fb, verify::read_vcd_map(dir.write("map.yaml", kMap)),
                          {"", tolerance});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vcd_diff)

BOOST_AUTO_TEST_CASE(reads_scopes_vectors_and_x) {
  test::TempDir dir;
  const auto f = verify::read_vcd(dir.write("a.vcd", icarus_trace({3, 5}, "bx")));
  const verify::VcdVariable* v = f.find("tb.dut.count");
  BOOST_REQUIRE(v);
  BOOST_TEST(v->width == 4);
  BOOST_TEST(f.value_at(*v, 5'000'000, true) == "xxxx");    // bx extends with x
  BOOST_TEST(f.value_at(*v, 10'000'000, false) == "xxxx");  // just before the edge at 10 ns
  BOOST_TEST(f.value_at(*v, 10'000'000, true) == "0011");
  BOOST_TEST(f.end_time_fs == 25'000'000u);
  BOOST_TEST(f.find("count") == nullptr);
  BOOST_TEST(f.nearest("dut.count").at(0) == "tb.dut.count");
}

BOOST_AUTO_TEST_CASE(equal_traces) {
  test::TempDir dir;
  // Sampled just before each edge: edge k sees the value set at edge k - 1 in both traces.
  const auto r = diff(dir, {0, 1, 2, 3, 9, 15, 4}, {0, 1, 2, 3, 9, 15, 4});
  BOOST_TEST(r.equal());
  BOOST_TEST(r.samples == 7u);
}

BOOST_AUTO_TEST_CASE(divergence_at_a_known_time) {
  test::TempDir dir;
  // B is 7 instead of 9 from the 5th value (set at 50 ns), seen at the edge at 60 ns.
  const auto r = diff(dir, {0, 1, 2, 3, 9, 15, 4}, {0, 1, 2, 3, 7, 15, 4});
  BOOST_REQUIRE_EQUAL(r.signals.size(), 1u);
  const auto& d = r.signals[0];
  BOOST_TEST(!d.equal);
  BOOST_TEST(d.time_fs == 60'000'000u);
  BOOST_TEST(d.cycle == 5);
  BOOST_TEST(d.value_a == "9");
  BOOST_TEST(d.value_b == "7");
  BOOST_TEST(d.agreed_before);
  BOOST_TEST(d.last_agree_fs == 50'000'000u);
  const std::string report = verify::format_report(r);
  BOOST_TEST(report.find("first divergence at 60 ns (clock edge 5): A = 9, B = 7") !=
             std::string::npos);
  BOOST_TEST(report.find("last agreement at 50 ns (clock edge 4)") != std::string::npos);
}

// A trace cut short (a simulation killed, a file truncated) is not equal to a whole one: past its
// last timestamp it has no values, where it used to keep its last ones ("18 equal, 0 differ").
BOOST_AUTO_TEST_CASE(a_truncated_trace_differs_from_its_end_on) {
  test::TempDir dir;
  const auto r = diff(dir, {0, 1, 2, 3, 9, 15, 4}, {0, 1, 2});
  BOOST_REQUIRE_EQUAL(r.signals.size(), 1u);
  const auto& d = r.signals[0];
  BOOST_TEST(!d.equal);
  BOOST_TEST(d.time_fs == 40'000'000u);  // the first edge after B's last timestamp (30 ns)
  BOOST_TEST(d.value_b == "(trace ended)");
  BOOST_TEST(verify::format_report(r).find("0 equal, 1 differ") != std::string::npos);
  // Cut in the middle of a line, the reader says where.
  const std::string whole = icarus_trace({0, 1, 2, 3});
  const std::string cut = dir.write("cut.vcd", whole.substr(0, whole.find("$enddefinitions") + 5));
  BOOST_CHECK_THROW(verify::read_vcd(cut), verify::VcdError);
}

BOOST_AUTO_TEST_CASE(tolerance_hides_a_one_cycle_shift) {
  test::TempDir dir;
  // A counts up and holds 8; B does the same one cycle late; C two cycles late.
  const std::vector<int> a = {0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 8};
  const std::vector<int> b = {0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 8};
  BOOST_TEST(!diff(dir, a, b, 0).equal());
  BOOST_TEST(diff(dir, a, b, 1).equal());
  const std::vector<int> c = {0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
  BOOST_TEST(!diff(dir, a, c, 1).equal());
}

BOOST_AUTO_TEST_CASE(bad_input_is_located) {
  test::TempDir dir;
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const verify::VcdError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string bad = dir.write("bad.vcd",
                                    "$timescale 1ns $end\n$scope module tb $end\n"
                                    "$var wire 1 ! clk $end\n$upscope $end\n"
                                    "$enddefinitions $end\n#0\n0!\n1?\n");
  BOOST_TEST(message([&] { verify::read_vcd(bad); }) ==
             bad + ":8: value change for undeclared identifier '?'");
  const std::string cut = dir.write("cut.vcd", "$timescale 1ns $end\n$var wire 1 ! clk\n");
  BOOST_TEST(message([&] { verify::read_vcd(cut); }) == cut + ":2: $var without $end");
  BOOST_TEST(message([&] {
               verify::read_vcd(dir.path().string() + "/none.vcd");
             }).find("cannot open") != std::string::npos);
  const auto fa = verify::read_vcd(dir.write("a.vcd", icarus_trace({1})));
  const auto fb = verify::read_vcd(dir.write("b.vcd", xbarsim_trace({1})));
  const auto map = verify::read_vcd_map(
      dir.write("m.yaml",
                "signals:\n  - {a: tb.dut.count, b: core.count}\n  - {a: tb.dut.cuont, "
                "b: core.count}\n"));
  BOOST_TEST(message([&] { verify::vcd_diff(fa, fb, map, {}); }) ==
             map.path + ":3: unknown signal 'tb.dut.cuont' in " + fa.path +
                 "; nearest: tb.dut.count, tb.clk");
  BOOST_TEST(message([&] {
               verify::read_vcd_map(dir.write("k.yaml", "signal: []\n"));
             }).find(":1: unknown key 'signal' (valid: clock, signals)") != std::string::npos);
}

// The README flow: the reference neuron core under Icarus Verilog and xbarsim's model on the same
// stimulus give equal traces (exit 0); a model with another threshold differs (exit 1); a missing
// file is bad input (exit 2).
BOOST_AUTO_TEST_CASE(icarus_against_neuron_trace_cli) {
  test::TempDir dir;
  const std::string src = test::source_dir();
  const std::string d = dir.path().string();
  std::string out;
  BOOST_REQUIRE_EQUAL(std::system(("iverilog -g2012 -o " + d + "/nc.vvp " + src +
                                   "/rtl/tb/neuron_core_tb.v " + src + "/rtl/neuron_core.v")
                                      .c_str()),
                      0);
  BOOST_REQUIRE_EQUAL(std::system(("vvp -n " + d + "/nc.vvp +stimulus=" + src +
                                   "/configs/rtl/neuron_stimulus.txt +vcd=" + d +
                                   "/rtl.vcd +threshold=40 > /dev/null")
                                      .c_str()),
                      0);
  const std::string trace = "neuron-trace " + src + "/configs/rtl/neuron_stimulus.txt --arch " +
                            src + "/configs/arch/resparc-64.yaml --set neuron.potential_bits=12 ";
  BOOST_REQUIRE_EQUAL(test::run_cli(trace + "--threshold 40 --vcd " + d + "/model.vcd", &out), 0);
  BOOST_REQUIRE_EQUAL(test::run_cli(trace + "--threshold 41 --vcd " + d + "/model41.vcd", &out), 0);
  const std::string map = " --map " + src + "/configs/rtl/neuron_core.yaml";
  BOOST_TEST(test::run_cli("vcd-diff " + d + "/rtl.vcd " + d + "/model.vcd" + map, &out) == 0);
  BOOST_TEST(out.find("18 equal, 0 differ") != std::string::npos, out);
  BOOST_TEST(test::run_cli("vcd-diff " + d + "/rtl.vcd " + d + "/model41.vcd" + map, &out) == 1);
  BOOST_TEST(
      out.find("DIFFERS  neuron_core_tb.spikes  <->  neuron_core.spikes") != std::string::npos,
      out);
  BOOST_TEST(test::run_cli("vcd-diff " + d + "/rtl.vcd " + d + "/none.vcd" + map, &out) == 2);
}

BOOST_AUTO_TEST_SUITE_END()
