// Co-simulation of rtl/adc_ctrl.v (verilated) against models::AdcBank / AdcQuantizer fed by a
// models::CrossbarArray read: the RTL gets the column values of the driven rows (bit slices of the
// crossbar's levels, laid out as compiler/placement.hpp places them) and does the shift-add,
// offset subtraction and quantisation itself; the model gets the crossbar's exact partial sums.
// Same clock, same reads; busy and done compared every cycle, every code and the saturation count
// when a read is done. Two verilated configurations: AdcDifferential (G+ / G- pairs, full scale
// programmed at run time) and AdcOffset (an offset column, full scale from ADC_BITS).
#include <boost/test/unit_test.hpp>
#include <random>

#include "arch/arch_spec.hpp"
#include "compiler/placement.hpp"
#include "models/adc.hpp"
#include "models/crossbar.hpp"
#include "rtl/arch_parameters.hpp"
#include "tests/rtl/configs.hpp"
#include "tests/support/temp_dir.hpp"

using namespace xbar;
using test::AdcDifferential;
using test::AdcOffset;
using test::MismatchLog;

namespace {

// The crossbars the configurations were verilated for (resparc-64 with these keys): the verilated
// parameters must be those rtl::adc_ctrl_parameters gives for the arch.
template <class C>
arch::ArchSpec adc_arch() {
  std::vector<std::string> sets;
  if constexpr (C::offset)
    // 64x16 of 1-bit cells, 3-bit weights against an offset column; 8 columns per 5-bit SAR ADC
    // at 2 cycles per bit.
    sets = {"crossbar.columns=16",    "device.bits_per_cell=1",
            "crossbar.weight_bits=3", "crossbar.signed_encoding=offset_column",
            "adc.columns_per_adc=8",  "adc.bits=5",
            "adc.cycles_per_bit=2"};
  else
    // 64x32 of 2-bit cells, 4-bit weights (2 slices), differential; 8 columns per 6-bit SAR ADC
    // at one cycle per bit.
    sets = {"crossbar.columns=32",
            "device.bits_per_cell=2",
            "crossbar.weight_bits=4",
            "adc.columns_per_adc=8",
            "adc.bits=6",
            "adc.cycles_per_bit=1"};
  arch::ArchSpec a = arch::load_arch(test::source_dir() + "/configs/arch/resparc-64.yaml", sets);
  // AdcDifferential takes its full scale (and so its code width) from the max_code input, to run
  // ideal converters too.
  const std::string diff = test::verilated_mismatch(
      C::name, C::params, rtl::adc_ctrl_parameters(a),
      C::config_inputs ? std::initializer_list<std::string_view>{"CONFIG_SOURCE", "CODE_BITS"}
                       : std::initializer_list<std::string_view>{});
  BOOST_REQUIRE_MESSAGE(diff.empty(), diff);
  return a;
}

// One read: a programmed crossbar, the rows driven, how many outputs the block has (all
// converted), the quantiser.
struct Read {
  std::shared_ptr<models::CrossbarArray> array;
  std::vector<int> driven;
  int outputs = 1;
  models::AdcQuantizer q;
};

// The behavioural analog front end: per physical column, the sum of the cell levels on the driven
// rows. Differential: |w| on G+ (w > 0) or G- slices. Offset column: w + 2^(b-1) on the output's
// slices, and the reference column right after the block's last output holding the offset's top
// slice; the columns after it belong to no output and carry noise the controller must ignore.
template <class C>
test::Port<C::columns * C::column_bits> column_values(const Read& r, std::mt19937_64& noise) {
  std::vector<long long> col(C::columns, 0);
  const Eigen::MatrixXi& w = r.array->levels();
  const int digit_mask = (1 << C::bits_per_cell) - 1;
  auto slice = [](int value, int s) {
    return (value >> ((C::cpw - 1 - s) * C::bits_per_cell)) & ((1 << C::bits_per_cell) - 1);
  };
  const int offset = 1 << (C::weight_bits - 1);
  // Differential: every output of the array, also those the read does not convert.
  const int stored = C::offset ? r.outputs : static_cast<int>(w.cols());
  for (int row : r.driven)
    for (int k = 0; k < stored; ++k) {
      const int q = w(row, k);
      for (int s = 0; s < C::cpw; ++s) {
        if constexpr (C::offset) {
          col[k * C::cpw + s] += slice(q + offset, s);
        } else {
          const int mag = q < 0 ? -q : q;
          col[k * 2 * C::cpw + (q < 0 ? C::cpw : 0) + s] += slice(mag, s) & digit_mask;
        }
      }
    }
  if constexpr (C::offset) {
    const size_t reference = static_cast<size_t>(r.outputs * C::cpw);
    col[reference] = static_cast<long long>(r.driven.size()) * slice(offset, 0);
    for (size_t c = reference + 1; c < col.size(); ++c)
      col[c] = static_cast<long long>(noise() % (r.driven.size() + 1));
  }
  test::Port<C::columns * C::column_bits> v{};
  for (int c = 0; c < C::columns; ++c)
    test::set_field(v, c * C::column_bits, C::column_bits, static_cast<std::uint64_t>(col[c]));
  return v;
}

// AdcBank driven cycle by cycle: a read started in cycle s is done in cycle
// s + conversion_cycles(n); busy in between.
template <class C>
struct ModelAdc : sc_core::sc_module {
  sc_core::sc_in<bool> clk, rst, start;
  models::AdcBank bank;
  const Read* current = nullptr;  // what the bench presents this cycle
  std::uint64_t cycle = 0, started = 0, done_cycle = 0;
  bool running = false;
  std::vector<long long> codes = std::vector<long long>(C::outputs, 0);
  long long saturations = 0;

  ModelAdc(sc_core::sc_module_name name, const arch::ArchSpec& a)
      : sc_core::sc_module(name), bank(a, compiler::geometry_for(a).columns_per_output) {
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

template <class C>
struct Bench : sc_core::sc_module {
  sc_core::sc_clock clk{"clk", test::kClockNs, sc_core::SC_NS};
  sc_core::sc_signal<bool> rst{"rst"}, start{"start"}, busy{"busy"}, done{"done"};
  sc_core::sc_signal<std::uint32_t> step{"step"}, max_code{"max_code"}, n_outputs{"n_outputs"},
      saturations{"saturations"};
  sc_core::sc_signal<test::Port<C::columns * C::column_bits>> columns{"columns"};
  sc_core::sc_signal<test::Port<C::outputs * C::code_bits>> codes{"codes"};
  typename C::Rtl rtl{"rtl"};
  ModelAdc<C> model;
  std::function<bool(std::uint64_t, Read&)> next;  // false: no read this cycle
  Read read;
  std::mt19937_64 noise{7};
  MismatchLog log{std::string("adc_ctrl ") + C::name};
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
          log.check(
              cycle, [k] { return "codes[" + std::to_string(k) + "]"; },
              test::sign_extend(test::field(c, k * C::code_bits, C::code_bits), C::code_bits),
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
      columns.write(column_values<C>(read, noise));
      model.current = &read;
    }
    start.write(go);
    ++cycle;
  }
};

// Random weights of a block of C::outputs outputs, in the range the encoding stores exactly:
// +-(2^b - 1) differential, [-2^(b-1), 2^(b-1) - 1] against an offset column.
template <class C>
Eigen::MatrixXi random_levels(std::mt19937_64& rng, int rows) {
  const int lo = C::offset ? -(1 << (C::weight_bits - 1)) : -((1 << C::weight_bits) - 1);
  const int hi = C::offset ? (1 << (C::weight_bits - 1)) - 1 : (1 << C::weight_bits) - 1;
  Eigen::MatrixXi w(rows, C::outputs);
  for (int r = 0; r < rows; ++r)
    for (int k = 0; k < C::outputs; ++k) w(r, k) = lo + static_cast<int>(rng() % (hi - lo + 1));
  return w;
}

struct Outcome {
  std::uint64_t mismatches, reads, dones, saturations;
};

template <class C>
Outcome run(const arch::ArchSpec& a, std::function<bool(std::uint64_t, Read&)> plan,
            std::uint64_t cycles) {
  Bench<C> bench("bench", a, std::move(plan), cycles);
  sc_core::sc_start();
  BOOST_TEST_MESSAGE(C::name << ": " << bench.cycle << " cycles, " << bench.reads << " reads, "
                             << bench.done_seen << " completed, " << bench.log.compared()
                             << " comparisons, " << bench.model.bank.stats().saturations
                             << " saturated codes, " << bench.log.count() << " mismatches");
  return {bench.log.count(), bench.reads, bench.done_seen, bench.model.bank.stats().saturations};
}

// Random reads: a fresh random crossbar every 50 reads, 5..60 % of the rows driven, blocks of
// 1..OUTPUTS outputs, step 1..12 with the arch's clip (or, where the full scale is programmable,
// an ideal converter a quarter of the time), idle gaps, back-to-back starts.
template <class C>
Outcome random_reads(unsigned seed, std::uint64_t cycles) {
  const arch::ArchSpec a = adc_arch<C>();
  auto rng = std::make_shared<std::mt19937_64>(seed);
  auto array = std::make_shared<models::CrossbarArray>(a, random_levels<C>(*rng, a.crossbar.rows));
  auto count = std::make_shared<int>(0);
  auto plan = [&a, rng, array, count](std::uint64_t, Read& r) mutable {
    std::uniform_real_distribution<double> u(0, 1);
    if (u(*rng) < 0.3) return false;  // idle cycle
    if (++*count % 50 == 0)
      array = std::make_shared<models::CrossbarArray>(a, random_levels<C>(*rng, a.crossbar.rows));
    r.array = array;
    r.driven.clear();
    const double density = 0.05 + 0.55 * u(*rng);
    for (int row = 0; row < a.crossbar.rows; ++row)
      if (u(*rng) < density) r.driven.push_back(row);
    r.outputs = 1 + static_cast<int>((*rng)() % C::outputs);
    r.q.step = 1 + static_cast<long long>((*rng)() % 12);
    r.q.max_code = C::config_inputs && u(*rng) < 0.25 ? 0 : (1LL << (a.adc.bits - 1)) - 1;
    return true;
  };
  return run<C>(a, plan, cycles);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rtl_adc_ctrl)

BOOST_AUTO_TEST_CASE(random_reads_100k_cycles) {
  const Outcome o = random_reads<AdcDifferential>(3, 100'000);
  BOOST_TEST(o.mismatches == 0u);
  BOOST_TEST(o.reads > 5'000u);
  BOOST_TEST(o.dones + 1 >= o.reads);
  BOOST_TEST(o.saturations > 1'000u);
}

BOOST_AUTO_TEST_CASE(offset_column_random_reads_100k_cycles) {
  const Outcome o = random_reads<AdcOffset>(4, 100'000);
  BOOST_TEST(o.mismatches == 0u);
  BOOST_TEST(o.reads > 3'000u);
  BOOST_TEST(o.dones + 1 >= o.reads);
  BOOST_TEST(o.saturations > 300u);  // 5-bit codes, weights of -4..3: clips at small steps
}

// Corners: every row driven on full-scale weights of either sign (clipped at +-31, and exact with
// an ideal converter: +-960), one output (one conversion), all outputs, a step larger than any
// sum, ties rounded away from zero (step 2 on odd sums), back-to-back reads.
BOOST_AUTO_TEST_CASE(directed_corner_cases) {
  using C = AdcDifferential;
  constexpr int kOutputs = C::outputs;
  const arch::ArchSpec a = adc_arch<C>();
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
  const Outcome o = run<C>(
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

// Offset-column corners: every row driven on the most negative weight (-4: every stored slice 0)
// and on the most positive (3: all ones), all rows on a mix, one output (the reference column
// right after it), no row driven, ties at step 2.
BOOST_AUTO_TEST_CASE(offset_column_corner_cases) {
  using C = AdcOffset;
  const arch::ArchSpec a = adc_arch<C>();
  const int rows = a.crossbar.rows, half = 1 << (C::weight_bits - 1);
  const long long full = (1LL << (C::adc_bits - 1)) - 1;
  std::vector<Read> reads;
  auto add = [&](Eigen::MatrixXi w, std::vector<int> driven, int n, long long step) {
    Read r;
    r.array = std::make_shared<models::CrossbarArray>(a, std::move(w));
    r.driven = std::move(driven);
    r.outputs = n;
    r.q.step = step;
    r.q.max_code = full;
    reads.push_back(r);
  };
  std::vector<int> all(rows);
  for (int i = 0; i < rows; ++i) all[i] = i;
  const Eigen::MatrixXi low = Eigen::MatrixXi::Constant(rows, C::outputs, -half);
  const Eigen::MatrixXi high = Eigen::MatrixXi::Constant(rows, C::outputs, half - 1);
  Eigen::MatrixXi mix(rows, C::outputs);
  for (int r = 0; r < rows; ++r)
    for (int k = 0; k < C::outputs; ++k) mix(r, k) = (r + k) % (2 * half) - half;
  Eigen::MatrixXi odd = Eigen::MatrixXi::Zero(rows, C::outputs);
  for (int k = 0; k < C::outputs; ++k) odd(0, k) = k - 2;  // -2 .. 2
  add(low, all, C::outputs, 1);                            // -256: clipped
  add(high, all, C::outputs, 1);
  add(low, all, C::outputs, 20);  // -12.8 -> -13
  add(mix, all, C::outputs, 3);
  add(mix, all, 1, 1);
  add(high, {}, C::outputs, 1);
  add(odd, {0}, C::outputs, 2);  // +-1 / 2 rounds away from zero
  add(odd, {0}, 2, 1);
  auto index = std::make_shared<size_t>(0);
  const Outcome o = run<C>(
      a,
      [reads, index](std::uint64_t, Read& r) {
        if (*index >= reads.size()) return false;
        r = reads[(*index)++];
        return true;
      },
      300);
  BOOST_TEST(o.mismatches == 0u);
  BOOST_TEST(o.dones == reads.size());
  BOOST_TEST(o.saturations >= 2u * C::outputs);
}

BOOST_AUTO_TEST_SUITE_END()
