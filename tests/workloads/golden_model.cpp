// The golden SNN model against straightforward dense references written from the documented
// arithmetic (workloads/README.md, "The golden model"), on random networks and random input spikes.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <numeric>
#include <random>

#include "workloads/golden.hpp"

namespace wl = xbar::workloads;

namespace {

wl::SpikingNetwork random_snn(const std::vector<int>& sizes, std::uint64_t seed, float spread) {
  wl::Rng rng(seed);
  wl::SpikingNetwork net;
  net.inputs = sizes[0];
  for (std::size_t l = 1; l < sizes.size(); ++l) {
    wl::SpikingLayer sl;
    sl.weights.resize(sizes[l], sizes[l - 1]);
    for (Eigen::Index i = 0; i < sl.weights.size(); ++i)
      sl.weights.data()[i] = rng.uniform(-0.5f * spread, spread);
    sl.threshold = 1.0f;
    net.layers.push_back(sl);
  }
  return net;
}

wl::SpikeTrain random_input(int n, int timesteps, float p, std::uint64_t seed) {
  wl::Rng rng(seed);
  wl::SpikeTrain s(static_cast<std::size_t>(timesteps));
  for (auto& step : s)
    for (int i = 0; i < n; ++i)
      if (rng.uniform() < p) step.push_back(i);
  return s;
}

std::vector<float> dense(const std::vector<int>& spikes, int n) {
  std::vector<float> d(std::size_t(n), 0.0f);
  for (int i : spikes) d[std::size_t(i)] = 1.0f;
  return d;
}

// Float reference: dense matrix-vector product over all inputs (0/1), then leak, fire, reset.
wl::SpikeTrace float_reference(const wl::SpikingNetwork& net, const wl::SnnConfig& c,
                               const wl::SpikeTrain& input) {
  wl::SpikeTrace tr;
  tr.input = input;
  tr.layers.assign(net.layers.size(), wl::SpikeTrain(input.size()));
  std::vector<std::vector<float>> v;
  for (const auto& l : net.layers) v.emplace_back(std::size_t(l.weights.rows()), 0.0f);
  for (std::size_t t = 0; t < input.size(); ++t) {
    std::vector<int> in = input[t];
    int n_in = net.inputs;
    for (std::size_t l = 0; l < net.layers.size(); ++l) {
      const auto& W = net.layers[l].weights;
      const std::vector<float> s = dense(in, n_in);
      std::vector<int> out;
      for (Eigen::Index j = 0; j < W.rows(); ++j) {
        float current = 0.0f;
        for (int i = 0; i < n_in; ++i)
          if (s[std::size_t(i)] != 0.0f) current += W(j, i);
        float& x = v[l][std::size_t(j)];
        x = c.neuron == wl::NeuronModel::Lif ? c.leak * x + current : x + current;
        if (x >= net.layers[l].threshold) {
          out.push_back(int(j));
          x = c.reset == wl::ResetMode::Subtract ? x - net.layers[l].threshold : 0.0f;
        }
      }
      tr.layers[l][t] = out;
      in = out;
      n_in = int(W.rows());
    }
  }
  return tr;
}

long round_half_away(long p, long s) {
  const double a = std::floor(std::abs(double(p)) / double(s) + 0.5);
  return p < 0 ? -long(a) : long(a);
}

// Fixed-point reference: quantises the weights itself, then for every block separately computes
// each output's partial sum from the dense 0/1 input vector, digitises it, and adds the codes.
wl::SpikeTrace fixed_reference(const wl::SpikingNetwork& net, const wl::SnnConfig& c,
                               const wl::FixedPointConfig& f,
                               const std::vector<wl::LayerPartition>& parts,
                               const std::vector<long>& adc_steps, const wl::SpikeTrain& input,
                               long* clipped) {
  const long qmax = (1L << f.weight_bits) - 1;
  const long vmax = (1L << (f.potential_bits - 1)) - 1, vmin = -(1L << (f.potential_bits - 1));
  const long code_max = f.adc_bits ? (1L << (f.adc_bits - 1)) - 1 : 0;
  std::vector<Eigen::MatrixXi> q;
  std::vector<long> theta;
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    const auto& W = net.layers[l].weights;
    const double step = double(W.cwiseAbs().maxCoeff()) / double(qmax);
    Eigen::MatrixXi ql(W.rows(), W.cols());
    for (Eigen::Index j = 0; j < W.rows(); ++j)
      for (Eigen::Index i = 0; i < W.cols(); ++i)
        ql(j, i) = int(std::clamp(std::lround(double(W(j, i)) / step), -qmax, qmax));
    q.push_back(ql);
    theta.push_back(
        std::max(1L, std::lround(double(net.layers[l].threshold) / (step * double(adc_steps[l])))));
  }
  const long leak = std::lround(double(c.leak) * 65536.0);
  wl::SpikeTrace tr;
  tr.input = input;
  tr.layers.assign(net.layers.size(), wl::SpikeTrain(input.size()));
  std::vector<std::vector<long>> v;
  for (const auto& ql : q) v.emplace_back(std::size_t(ql.rows()), 0L);
  for (std::size_t t = 0; t < input.size(); ++t) {
    std::vector<int> in = input[t];
    int n_in = net.inputs;
    for (std::size_t l = 0; l < q.size(); ++l) {
      const std::vector<float> s = dense(in, n_in);
      std::vector<long> sum(std::size_t(q[l].rows()), 0);
      for (const wl::Block& b : parts[l])
        for (int j : b.outputs) {
          long p = 0;
          for (int i : b.inputs) p += long(s[std::size_t(i)]) * q[l](j, i);
          long code = round_half_away(p, adc_steps[l]);
          if (code_max && std::abs(code) > code_max) {
            code = code > 0 ? code_max : -code_max;
            ++*clipped;
          }
          sum[std::size_t(j)] += code;
        }
      std::vector<int> out;
      for (std::size_t j = 0; j < sum.size(); ++j) {
        long x = v[l][j];
        if (c.neuron == wl::NeuronModel::Lif) x = (x * leak) / 65536;
        x = std::min(vmax, std::max(vmin, x + sum[j]));
        if (x >= theta[l]) {
          out.push_back(int(j));
          x = c.reset == wl::ResetMode::Subtract ? x - theta[l] : 0;
        }
        v[l][j] = x;
      }
      tr.layers[l][t] = out;
      in = out;
      n_in = int(q[l].rows());
    }
  }
  return tr;
}

long total_spikes(const wl::SpikeTrace& t) {
  long n = 0;
  for (const auto& layer : t.layers)
    for (const auto& s : layer) n += long(s.size());
  return n;
}

// A partition that is not a tiling: outputs in random groups, and for each output group its own
// random grouping of the inputs.
wl::LayerPartition random_partition(int n_in, int n_out, std::uint64_t seed) {
  wl::Rng rng(seed);
  std::vector<int> outs(static_cast<std::size_t>(n_out));
  std::iota(outs.begin(), outs.end(), 0);
  rng.shuffle(outs);
  wl::LayerPartition p;
  for (std::size_t o = 0; o < outs.size();) {
    const std::size_t no = std::min(outs.size() - o, std::size_t(1 + rng.below(5)));
    std::vector<int> og(outs.begin() + std::ptrdiff_t(o), outs.begin() + std::ptrdiff_t(o + no));
    o += no;
    std::vector<int> ins(static_cast<std::size_t>(n_in));
    std::iota(ins.begin(), ins.end(), 0);
    rng.shuffle(ins);
    for (std::size_t i = 0; i < ins.size();) {
      const std::size_t ni = std::min(ins.size() - i, std::size_t(1 + rng.below(9)));
      p.push_back(
          {std::vector<int>(ins.begin() + std::ptrdiff_t(i), ins.begin() + std::ptrdiff_t(i + ni)),
           og});
      i += ni;
    }
  }
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(workloads_golden)

BOOST_AUTO_TEST_CASE(float_mode_equals_dense_reference) {
  const wl::SpikingNetwork net = random_snn({40, 30, 20, 6}, 1, 0.4f);
  int runs = 0;
  for (auto neuron : {wl::NeuronModel::If, wl::NeuronModel::Lif})
    for (auto reset : {wl::ResetMode::Subtract, wl::ResetMode::Zero})
      for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        wl::SnnConfig c;
        c.neuron = neuron;
        c.leak = 0.9f;
        c.reset = reset;
        const wl::SpikeTrain in = random_input(40, 25, 0.3f, seed);
        wl::SpikeTrace got;
        wl::GoldenResult r = wl::GoldenModel(net, c).run(in, &got);
        const wl::SpikeTrace want = float_reference(net, c, in);
        BOOST_TEST((got.layers == want.layers));
        BOOST_TEST(total_spikes(want) > 50);  // the comparison is not between silent networks
        std::vector<int> counts(6, 0);
        for (const auto& s : want.layers.back())
          for (int j : s) ++counts[std::size_t(j)];
        BOOST_TEST((r.counts == counts));
        ++runs;
      }
  BOOST_TEST(runs == 12);
}

BOOST_AUTO_TEST_CASE(fixed_mode_with_trivial_quantiser_equals_integer_reference) {
  // Weights on the quantiser's grid, ideal ADC: the golden model must do plain integer sums.
  const int bits = 3;
  wl::SpikingNetwork net = random_snn({30, 25, 8}, 2, 1.0f);
  const float delta = 0.05f;
  for (auto& l : net.layers) {
    for (Eigen::Index i = 0; i < l.weights.size(); ++i)
      l.weights.data()[i] = delta * float(std::lround(l.weights.data()[i] * 7.0f) % 8);
    l.weights(0, 0) = 7 * delta;  // the largest magnitude sets the grid step to delta
    l.threshold = 9 * delta;
  }
  for (auto neuron : {wl::NeuronModel::If, wl::NeuronModel::Lif})
    for (int vbits : {6, 24}) {  // 6 bits: the potential saturates
      wl::SnnConfig c;
      c.neuron = neuron;
      c.leak = 0.75f;
      wl::FixedPointConfig f;
      f.enabled = true;
      f.weight_bits = bits;
      f.potential_bits = vbits;
      f.crossbar_rows = 7;
      f.crossbar_cols = 5;
      const wl::SpikeTrain in = random_input(30, 30, 0.35f, 7);
      wl::GoldenModel g(net, c, f);
      for (const auto& q : g.quantised()) {
        BOOST_TEST(q.threshold == 9);
        BOOST_TEST(q.adc_step == 1);
      }
      wl::SpikeTrace got;
      g.run(in, &got);
      // Whole-layer blocks: the reference's single block per layer is the plain dense sum.
      std::vector<wl::LayerPartition> whole;
      for (const auto& l : net.layers)
        whole.push_back(
            wl::tile_partition(int(l.weights.cols()), int(l.weights.rows()), 1 << 20, 1 << 20));
      long clipped = 0;
      const wl::SpikeTrace want = fixed_reference(net, c, f, whole, {1, 1}, in, &clipped);
      BOOST_TEST((got.layers == want.layers), "neuron " << int(neuron) << ", " << vbits << " bits");
      BOOST_TEST(total_spikes(want) > 30);
      for (std::size_t l = 0; l < net.layers.size(); ++l)
        for (Eigen::Index i = 0; i < net.layers[l].weights.size(); ++i)
          BOOST_TEST(g.quantised()[l].weights.data()[i] ==
                     std::lround(net.layers[l].weights.data()[i] / delta));
    }
}

BOOST_AUTO_TEST_CASE(fixed_mode_with_arbitrary_partition_equals_block_reference) {
  const wl::SpikingNetwork net = random_snn({36, 28, 10}, 3, 0.5f);
  std::vector<wl::LayerPartition> parts = {random_partition(36, 28, 11),
                                           random_partition(28, 10, 12)};
  long clipped_total = 0;
  for (int adc_bits : {0, 3, 5})
    for (auto reset : {wl::ResetMode::Subtract, wl::ResetMode::Zero}) {
      wl::SnnConfig c;
      c.reset = reset;
      wl::FixedPointConfig f;
      f.enabled = true;
      f.weight_bits = 4;
      f.adc_bits = adc_bits;
      f.adc_range = {40, 30};
      f.potential_bits = 12;
      f.partitions = parts;
      wl::GoldenModel g(net, c, f);
      std::vector<long> steps;
      for (const auto& q : g.quantised()) steps.push_back(q.adc_step);
      if (adc_bits == 3) BOOST_TEST((steps == std::vector<long>{14, 10}));  // ceil(range / 3)
      for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        const wl::SpikeTrain in = random_input(36, 30, 0.4f, 100 + seed);
        wl::SpikeTrace got;
        wl::GoldenResult r = g.run(in, &got);
        long clipped = 0;
        const wl::SpikeTrace want = fixed_reference(net, c, f, parts, steps, in, &clipped);
        clipped_total += clipped;
        BOOST_TEST((got.layers == want.layers), "adc " << adc_bits << " seed " << seed);
        BOOST_TEST(total_spikes(want) > 20);
        long out = 0;
        for (int k : r.counts) out += k;
        long want_out = 0;
        for (const auto& s : want.layers.back()) want_out += long(s.size());
        BOOST_TEST(out == want_out);
      }
    }
  BOOST_TEST(clipped_total > 0);  // the ADC's saturation was exercised
}

BOOST_AUTO_TEST_CASE(tile_partition_covers_every_synapse_once) {
  wl::LayerPartition p = wl::tile_partition(130, 70, 64, 32);
  BOOST_TEST(p.size() == 3u * 3u);
  std::vector<int> seen(130 * 70, 0);
  for (const auto& b : p)
    for (int i : b.inputs)
      for (int j : b.outputs) ++seen[std::size_t(j * 130 + i)];
  BOOST_TEST(std::all_of(seen.begin(), seen.end(), [](int s) { return s == 1; }));
}

BOOST_AUTO_TEST_CASE(bad_partitions_and_registers_are_rejected) {
  const wl::SpikingNetwork net = random_snn({6, 4}, 5, 1.0f);
  wl::FixedPointConfig f;
  f.enabled = true;
  auto fails = [&](const wl::FixedPointConfig& cfg, const std::string& part) {
    try {
      wl::GoldenModel g(net, {}, cfg);
      BOOST_ERROR("accepted a bad configuration: expected '" << part << "'");
    } catch (const std::invalid_argument& e) {
      BOOST_TEST_MESSAGE(e.what());
      BOOST_TEST(std::string(e.what()).find(part) != std::string::npos, e.what());
    }
  };
  // Overlapping blocks are accepted: the first holds the synapse, the second stores 0 there.
  f.partitions = {{{{0, 1, 2, 3, 4, 5}, {0, 1, 2, 3}}, {{0}, {0}}}};
  {
    wl::GoldenModel overlapping(net, {}, f);
    BOOST_TEST(overlapping.quantised()[0].blocks.size() == 2u);
    wl::FixedPointConfig single = f;
    single.partitions = {{{{0, 1, 2, 3, 4, 5}, {0, 1, 2, 3}}}};
    wl::GoldenModel one(net, {}, single);
    wl::SpikeTrain input = {{0, 2, 5}, {0}, {1, 3}, {0, 4}};
    wl::SpikeTrace a, b;
    overlapping.run(input, &a);
    one.run(input, &b);
    BOOST_TEST(a.layers == b.layers);
  }
  f.partitions = {{{{0, 1, 2, 3, 4}, {0, 1, 2, 3}}}};
  fails(f, "in no block");
  f.partitions = {{{{0, 1, 2, 3, 4, 9}, {0, 1, 2, 3}}}};
  fails(f, "out of range");
  f.partitions = {};
  f.potential_bits = 3;
  f.adc_bits = 0;
  f.weight_bits = 8;  // threshold = 1 / (max|w| / 255) codes, far beyond a 3-bit register
  fails(f, "potential");
}

BOOST_AUTO_TEST_CASE(evaluation_does_not_depend_on_threads) {
  const wl::SpikingNetwork net = random_snn({12, 10, 3}, 6, 0.6f);
  wl::Dataset d;
  d.images.resize(40, 12);
  wl::Rng rng(2);
  for (Eigen::Index i = 0; i < d.images.size(); ++i) d.images.data()[i] = rng.uniform();
  for (int k = 0; k < 40; ++k) d.labels.push_back(k % 3);
  wl::SnnConfig c;
  c.timesteps = 20;
  wl::GoldenModel g(net, c);
  wl::SnnEvaluation a = wl::evaluate(g, d, 0, 1), b = wl::evaluate(g, d, 0, 3);
  BOOST_TEST(a.images == 40);
  BOOST_TEST(a.accuracy == b.accuracy);
  BOOST_TEST(a.spikes_per_image == b.spikes_per_image);
  BOOST_TEST(a.spikes_per_image > 0);
  // classify() is the same as encoding image k with Rng::stream(seed, k) and run().
  wl::Rng s = wl::Rng::stream(c.seed, 5);
  wl::SpikeTrain in = wl::encode(d.images.row(5).data(), 12, 20, c.encoding, s);
  BOOST_TEST((g.classify(d.images.row(5).data(), 5).counts == g.run(in).counts));
}

BOOST_AUTO_TEST_CASE(sum_histogram_ranks_as_sorting_does) {
  // ADC calibration takes a percentile of the non-zero |partial sums|; it used to keep and
  // partially sort every sample (std::nth_element). Its count per value gives the same value at
  // every rank.
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 100; ++trial) {
    const long max_value = 1 + static_cast<long>(rng() % 5000);
    const std::size_t n = 1 + rng() % 3000;
    std::vector<long> samples;
    wl::SumHistogram h;
    for (std::size_t k = 0; k < n; ++k) {
      // Skewed, as partial sums are: most small, a few large.
      const long v = 1 + static_cast<long>((rng() % static_cast<unsigned long>(max_value)) *
                                           (rng() % 8 == 0 ? 1 : 0.05));
      samples.push_back(v);
      h.add(v);
    }
    BOOST_REQUIRE_EQUAL(h.total, n);
    for (double percentile : {0.0, 1.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
      const auto at = std::size_t(std::llround(percentile / 100.0 * double(n - 1)));
      std::vector<long> sorted = samples;
      std::nth_element(sorted.begin(), sorted.begin() + std::ptrdiff_t(at), sorted.end());
      BOOST_TEST(h.at_rank(at) == sorted[at]);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
