// Co-simulation of rtl/adc_ctrl.v (verilated) against models::AdcBank / AdcQuantizer fed by a
// models::CrossbarArray read: the RTL gets the column values of the driven rows (bit slices of the
// crossbar's levels on G+ / G- columns) and does the shift-add and quantisation itself; the model
// gets the crossbar's exact partial sums. Same clock, same reads; busy and done compared every
// cycle, every code and the saturation count when a read is done.
#include <Vadc.h>

#include <boost/test/unit_test.hpp>
#include <random>

#include "arch/arch_spec.hpp"
#include "models/adc.hpp"
#include "models/crossbar.hpp"
#include "tests/rtl/cosim.hpp"
#include "tests/support/temp_dir.hpp"

using namespace xbar;
using test::MismatchLog;

namespace {

constexpr int kOutputs = RTL_ADC_OUTPUTS;
constexpr int kCpw = RTL_ADC_CELLS_PER_WEIGHT;
constexpr int kBitsPerCell = RTL_ADC_BITS_PER_CELL;
constexpr int kColumnBits = RTL_ADC_COLUMN_BITS;
constexpr int kCodeBits = RTL_ADC_CODE_BITS;
constexpr int kColumns = kOutputs * 2 * kCpw;

// The crossbar the RTL was verilated for: 64 rows, 2-bit cells, 4-bit weights (2 slices), 8
// columns per 6-bit SAR ADC at one cycle per bit.
arch::ArchSpec adc_arch() {
  arch::ArchSpec a = arch::load_arch(
      test::source_dir() + "/configs/arch/resparc-64.yaml",
      {"device.bits_per_cell=" + std::to_string(kBitsPerCell), "crossbar.weight_bits=4",
       "adc.columns_per_adc=8", "adc.bits=6", "adc.cycles_per_bit=1"});
  BOOST_REQUIRE_EQUAL(a.crossbar.cells_per_weight(a.device.bits_per_cell), kCpw);
  BOOST_REQUIRE_EQUAL(a.adc.latency_cycles, RTL_ADC_LATENCY_CYCLES);
  BOOST_REQUIRE_EQUAL(models::AdcBank(a, 2 * kCpw).outputs_per_converter(),
                      RTL_ADC_OUTPUTS_PER_CONVERTER);
  BOOST_REQUIRE((1 << kColumnBits) > a.crossbar.rows * ((1 << kBitsPerCell) - 1));
  return a;
}

// One read: a programmed crossbar, the rows driven, how many outputs to convert, the quantiser.
struct Read {
  std::shared_ptr<models::CrossbarArray> array;
  std::vector<int> driven;
  int outputs = kOutputs;
  models::AdcQuantizer q;
};

// The behavioural analog front end: per physical column, the sum of the cell levels on the driven
// rows (compiler/placement.hpp: G+ slices most significant first, then the G- slices).
sc_dt::sc_bv<kColumns * kColumnBits> column_values(const Read& r) {
  std::vector<long long> col(kColumns, 0);
  const Eigen::MatrixXi& w = r.array->levels();
  const int digit_mask = (1 << kBitsPerCell) - 1;
  for (int row : r.driven)
    for (int k = 0; k < w.cols(); ++k) {
      const int q = w(row, k), mag = q < 0 ? -q : q;
      for (int s = 0; s < kCpw; ++s) {
        const int digit = (mag >> ((kCpw - 1 - s) * kBitsPerCell)) & digit_mask;
        col[k * 2 * kCpw + (q < 0 ? kCpw : 0) + s] += digit;
      }
    }
  sc_dt::sc_bv<kColumns * kColumnBits> v;
  for (int c = 0; c < kColumns; ++c)
    v.range(c * kColumnBits + kColumnBits - 1, c * kColumnBits) =
        static_cast<std::uint64_t>(col[c]);
  return v;
}

// AdcBank driven cycle by cycle: a read started in cycle s is done in cycle
// s + conversion_cycles(n); busy in between.
struct ModelAdc : sc_core::sc_module {
  sc_core::sc_in<bool> clk, rst, start;
  models::AdcBank bank;
  const Read* current = nullptr;  // what the bench presents this cycle
  std::uint64_t cycle = 0, started = 0, done_cycle = 0;
  bool running = false;
  std::vector<long long> codes = std::vector<long long>(kOutputs, 0);
  long long saturations = 0;

  ModelAdc(sc_core::sc_module_name name, const arch::ArchSpec& a)
      : sc_core::sc_module(name), bank(a, 2 * kCpw) {
    SC_HAS_PROCESS(ModelAdc);
    SC_METHOD(edge);
    sensitive << clk.pos();
    dont_initialize();
  }
  bool busy() const { return running && cycle > started && cycle < done_cycle; }
  bool done() const { return running && cycle == done_cycle; }
  // Called at the rising edge that ends cycle `cycle`.
  void edge() {
    if (!rst.read() && start.read() && !busy() && current && current->outputs > 0) {
      Eigen::VectorXi p;
      current->array->read(current->driven, p);
      const auto before = bank.stats().saturations;
      for (int k = 0; k < current->outputs; ++k) codes[k] = bank.convert(current->q, p[k]);
      saturations = static_cast<long long>(bank.stats().saturations - before);
      started = cycle;
      done_cycle = cycle + bank.conversion_cycles(current->outputs);
      running = true;
    }
    ++cycle;
  }
};

struct Bench : sc_core::sc_module {
  sc_core::sc_clock clk{"clk", test::kClockNs, sc_core::SC_NS};
  sc_core::sc_signal<bool> rst{"rst"}, start{"start"}, busy{"busy"}, done{"done"};
  sc_core::sc_signal<std::uint32_t> step{"step"}, max_code{"max_code"}, n_outputs{"n_outputs"},
      saturations{"saturations"};
  sc_core::sc_signal<sc_dt::sc_bv<kColumns * kColumnBits>> columns{"columns"};
  sc_core::sc_signal<sc_dt::sc_bv<kOutputs * kCodeBits>> codes{"codes"};
  Vadc rtl{"rtl"};
  ModelAdc model;
  std::function<bool(std::uint64_t, Read&)> next;  // false: no read this cycle
  Read read;
  MismatchLog log{"adc_ctrl"};
  std::uint64_t cycle = 0, cycles = 0, reads = 0, done_seen = 0;
  int active_outputs = 0;

  Bench(sc_core::sc_module_name name, const arch::ArchSpec& a,
        std::function<bool(std::uint64_t, Read&)> plan, std::uint64_t n)
      : sc_core::sc_module(name), model("model", a), next(std::move(plan)), cycles(n) {
    SC_HAS_PROCESS(Bench);
    rtl.clk(clk);
    rtl.rst(rst);
    rtl.step(step);
    rtl.max_code(max_code);
    rtl.start(start);
    rtl.n_outputs(n_outputs);
    rtl.columns(columns);
    rtl.busy(busy);
    rtl.done(done);
    rtl.codes(codes);
    rtl.saturations(saturations);
    model.clk(clk);
    model.rst(rst);
    model.start(start);
    rst.write(true);
    SC_METHOD(check_and_drive);
    sensitive << clk.negedge_event();
    dont_initialize();
  }

  void check_and_drive() {
    if (cycle >= 1) {
      log.check(cycle, "busy", busy.read(), model.busy());
      log.check(cycle, "done", done.read(), model.done());
      if (model.done()) {
        ++done_seen;
        const auto c = codes.read();
        for (int k = 0; k < active_outputs; ++k)
          log.check(cycle, "codes[" + std::to_string(k) + "]",
                    test::sign_extend(test::field(c, k * kCodeBits, kCodeBits), kCodeBits),
                    model.codes[k]);
        log.check(cycle, "saturations", saturations.read(), model.saturations);
      }
    }
    if (cycle + 1 >= cycles) {
      sc_core::sc_stop();
      return;
    }
    rst.write(cycle == 0);
    bool go = false;
    // A new read may start whenever the block is free, also in the cycle its last read is done.
    if (cycle >= 1 && !model.busy() && next(cycle, read)) {
      go = true;
      ++reads;
      active_outputs = read.outputs;
      step.write(static_cast<std::uint32_t>(read.q.step));
      max_code.write(static_cast<std::uint32_t>(read.q.max_code));
      n_outputs.write(static_cast<std::uint32_t>(read.outputs));
      columns.write(column_values(read));
      model.current = &read;
    }
    start.write(go);
    ++cycle;
  }
};

Eigen::MatrixXi random_levels(std::mt19937_64& rng, int rows, int q_max) {
  Eigen::MatrixXi w(rows, kOutputs);
  for (int r = 0; r < rows; ++r)
    for (int k = 0; k < kOutputs; ++k) w(r, k) = static_cast<int>(rng() % (2 * q_max + 1)) - q_max;
  return w;
}

struct Outcome {
  std::uint64_t mismatches, reads, dones, saturations;
};

Outcome run(const arch::ArchSpec& a, std::function<bool(std::uint64_t, Read&)> plan,
            std::uint64_t cycles) {
  Bench bench("bench", a, std::move(plan), cycles);
  sc_core::sc_start();
  BOOST_TEST_MESSAGE(bench.cycle << " cycles, " << bench.reads << " reads, " << bench.done_seen
                                 << " completed, " << bench.log.compared() << " comparisons, "
                                 << bench.model.bank.stats().saturations << " saturated codes, "
                                 << bench.log.count() << " mismatches");
  return {bench.log.count(), bench.reads, bench.done_seen, bench.model.bank.stats().saturations};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rtl_adc_ctrl)

// Random reads: a fresh random crossbar every 50 reads, 5..60 % of the rows driven, 1..8 outputs,
// step 1..12 with a 6-bit clip or an ideal converter, idle gaps, back-to-back starts.
BOOST_AUTO_TEST_CASE(random_reads_100k_cycles) {
  const arch::ArchSpec a = adc_arch();
  const int q_max = (1 << a.crossbar.weight_bits) - 1;
  auto rng = std::make_shared<std::mt19937_64>(3);
  auto array =
      std::make_shared<models::CrossbarArray>(a, random_levels(*rng, a.crossbar.rows, q_max));
  auto count = std::make_shared<int>(0);
  auto plan = [&a, rng, array, count, q_max](std::uint64_t, Read& r) mutable {
    std::uniform_real_distribution<double> u(0, 1);
    if (u(*rng) < 0.3) return false;  // idle cycle
    if (++*count % 50 == 0)
      array =
          std::make_shared<models::CrossbarArray>(a, random_levels(*rng, a.crossbar.rows, q_max));
    r.array = array;
    r.driven.clear();
    const double density = 0.05 + 0.55 * u(*rng);
    for (int row = 0; row < a.crossbar.rows; ++row)
      if (u(*rng) < density) r.driven.push_back(row);
    r.outputs = 1 + static_cast<int>((*rng)() % kOutputs);
    r.q.step = 1 + static_cast<long long>((*rng)() % 12);
    r.q.max_code = u(*rng) < 0.25 ? 0 : (1LL << (a.adc.bits - 1)) - 1;
    return true;
  };
  const Outcome o = run(a, plan, 100'000);
  BOOST_TEST(o.mismatches == 0u);
  BOOST_TEST(o.reads > 5'000u);
  BOOST_TEST(o.dones + 1 >= o.reads);
  BOOST_TEST(o.saturations > 1'000u);
}

// Corners: every row driven on full-scale weights of either sign (clipped at +-31, and exact with
// an ideal converter: +-960), one output (one conversion), all outputs, a step larger than any
// sum, ties rounded away from zero (step 2 on odd sums), back-to-back reads.
BOOST_AUTO_TEST_CASE(directed_corner_cases) {
  const arch::ArchSpec a = adc_arch();
  const int rows = a.crossbar.rows, q_max = (1 << a.crossbar.weight_bits) - 1;
  std::vector<Read> reads;
  auto add = [&](Eigen::MatrixXi w, std::vector<int> driven, int n, long long step, long long mc) {
    Read r;
    r.array = std::make_shared<models::CrossbarArray>(a, std::move(w));
    r.driven = std::move(driven);
    r.outputs = n;
    r.q.step = step;
    r.q.max_code = mc;
    reads.push_back(r);
  };
  std::vector<int> all(rows);
  for (int i = 0; i < rows; ++i) all[i] = i;
  Eigen::MatrixXi pos = Eigen::MatrixXi::Constant(rows, kOutputs, q_max);
  Eigen::MatrixXi alt = pos;
  for (int k = 1; k < kOutputs; k += 2) alt.col(k) *= -1;
  Eigen::MatrixXi odd = Eigen::MatrixXi::Zero(rows, kOutputs);
  for (int k = 0; k < kOutputs; ++k) odd(0, k) = 2 * k + 1 - kOutputs;  // -7, -5, ..., 7
  add(pos, all, kOutputs, 1, 31);
  add(alt, all, kOutputs, 1, 31);
  add(alt, all, kOutputs, 1, 0);
  add(alt, all, 1, 3, 31);
  add(alt, {5}, kOutputs, 255, 31);
  add(odd, {0}, kOutputs, 2, 31);
  add(odd, {0}, 3, 2, 0);
  add(pos, {}, kOutputs, 1, 31);  // no driven row: zero codes
  auto index = std::make_shared<size_t>(0);
  const Outcome o = run(
      a,
      [reads, index](std::uint64_t, Read& r) {
        if (*index >= reads.size()) return false;
        r = reads[(*index)++];
        return true;
      },
      200);
  BOOST_TEST(o.mismatches == 0u);
  BOOST_TEST(o.dones == reads.size());
  BOOST_TEST(o.saturations >= 2u * kOutputs);
}

BOOST_AUTO_TEST_SUITE_END()
