#include "workloads/golden.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <thread>

namespace xbar::workloads {

LayerPartition tile_partition(int inputs, int outputs, int rows, int cols) {
  if (rows <= 0 || cols <= 0) throw std::invalid_argument("crossbar rows and columns must be > 0");
  LayerPartition p;
  for (int r0 = 0; r0 < inputs; r0 += rows)
    for (int c0 = 0; c0 < outputs; c0 += cols) {
      Block b;
      for (int i = r0; i < std::min(inputs, r0 + rows); ++i) b.inputs.push_back(i);
      for (int j = c0; j < std::min(outputs, c0 + cols); ++j) b.outputs.push_back(j);
      p.push_back(std::move(b));
    }
  return p;
}

namespace {

// Integer division rounding half away from zero (s > 0).
long round_div(long p, long s) {
  const long a = (2 * std::labs(p) + s) / (2 * s);
  return p < 0 ? -a : a;
}

int argmax_spikes(const std::vector<int>& counts, const std::vector<double>& v) {
  int best = 0;
  for (int j = 1; j < static_cast<int>(counts.size()); ++j) {
    const auto J = std::size_t(j), B = std::size_t(best);
    if (counts[J] > counts[B] || (counts[J] == counts[B] && v[J] > v[B])) best = j;
  }
  return best;
}

std::string layer_name(std::size_t l) { return "SNN layer " + std::to_string(l); }

}  // namespace

long adc_code_analog(double p, long step, long max_code) {
  // (2|p| + s) / (2s) is correctly rounded in double and exact enough for the integers a block sum
  // can reach (< 2^51) that its floor equals round_div's integer division. q >= 1/2, so truncation
  // is the floor (cheaper than std::floor on the baseline ISA); saturate before converting.
  const double s = double(step);
  const double q = (2.0 * std::fabs(p) + s) / (2.0 * s);
  const double limit = max_code > 0 ? double(max_code) : 0x1.0p62;
  const long a = q < limit ? long(q) : long(limit);
  return p < 0 ? -a : a;
}

GoldenModel::GoldenModel(SpikingNetwork net, SnnConfig snn, FixedPointConfig fixed)
    : net_(std::move(net)), snn_(snn), fixed_(std::move(fixed)) {
  if (snn_.timesteps <= 0) throw std::invalid_argument("timesteps must be > 0");
  if (snn_.neuron == NeuronModel::Lif && !(snn_.leak > 0.0f && snn_.leak <= 1.0f))
    throw std::invalid_argument("LIF leak must be in (0, 1] (the potential's factor per step)");
  int in = net_.inputs;
  for (std::size_t l = 0; l < net_.layers.size(); ++l) {
    if (net_.layers[l].weights.cols() != in)
      throw std::invalid_argument(layer_name(l) + " has " +
                                  std::to_string(net_.layers[l].weights.cols()) +
                                  " inputs, the layer before gives " + std::to_string(in));
    in = static_cast<int>(net_.layers[l].weights.rows());
  }
  data_.resize(net_.layers.size());
  if (!fixed_.enabled && fixed_.analog)
    throw std::invalid_argument("an analog crossbar reader needs fixed-point mode");
  if (!fixed_.enabled) {
    for (std::size_t l = 0; l < net_.layers.size(); ++l)
      data_[l].wt = net_.layers[l].weights.transpose();
    return;
  }
  const FixedPointConfig& f = fixed_;
  if (f.weight_bits < 1 || f.weight_bits > 15)
    throw std::invalid_argument("weight bits must be in 1..15");
  if (f.adc_bits != 0 && (f.adc_bits < 2 || f.adc_bits > 31))
    throw std::invalid_argument("ADC bits must be 0 (ideal) or in 2..31");
  if (f.potential_bits < 2 || f.potential_bits > 62)
    throw std::invalid_argument("potential bits must be in 2..62");
  if (!f.partitions.empty() && f.partitions.size() != net_.layers.size())
    throw std::invalid_argument("partitions given for " + std::to_string(f.partitions.size()) +
                                " layers, the network has " + std::to_string(net_.layers.size()));
  const long qmax = (1L << f.weight_bits) - 1;
  q_.resize(net_.layers.size());
  for (std::size_t l = 0; l < net_.layers.size(); ++l) {
    const SpikingLayer& sl = net_.layers[l];
    QuantisedLayer& ql = q_[l];
    const int n_out = int(sl.weights.rows()), n_in = int(sl.weights.cols());
    const float wmax = sl.weights.cwiseAbs().maxCoeff();
    ql.weight_step = wmax > 0 ? double(wmax) / double(qmax) : 1.0;
    ql.weights.resize(n_out, n_in);
    for (int j = 0; j < n_out; ++j)
      for (int i = 0; i < n_in; ++i) {
        const long q = std::lround(double(sl.weights(j, i)) / ql.weight_step);
        ql.weights(j, i) = int(std::clamp(q, -qmax, qmax));
      }
    ql.blocks = f.partitions.empty() ? tile_partition(n_in, n_out, f.crossbar_rows, f.crossbar_cols)
                                     : f.partitions[l];
    // Every non-zero synapse in a block; where blocks overlap, the first one holds it.
    std::vector<std::uint8_t> cover(std::size_t(n_out) * std::size_t(n_in), 0);
    std::size_t max_rows = 0;
    LayerData& ld = data_[l];
    ld.rows_of_input.assign(std::size_t(n_in), {});
    for (std::size_t k = 0; k < ql.blocks.size(); ++k) {
      const Block& b = ql.blocks[k];
      max_rows = std::max(max_rows, b.inputs.size());
      BlockData bd;
      bd.outputs = b.outputs;
      bd.q.resize(Eigen::Index(b.inputs.size()), Eigen::Index(b.outputs.size()));
      for (std::size_t r = 0; r < b.inputs.size(); ++r) {
        const int i = b.inputs[r];
        if (i < 0 || i >= n_in)
          throw std::invalid_argument(layer_name(l) + ", block " + std::to_string(k) + ": input " +
                                      std::to_string(i) + " out of range 0.." +
                                      std::to_string(n_in - 1));
        ld.rows_of_input[std::size_t(i)].push_back({int(k), int(r)});
        for (std::size_t c = 0; c < b.outputs.size(); ++c) {
          const int j = b.outputs[c];
          if (j < 0 || j >= n_out)
            throw std::invalid_argument(layer_name(l) + ", block " + std::to_string(k) +
                                        ": output " + std::to_string(j) + " out of range 0.." +
                                        std::to_string(n_out - 1));
          // First block owns (the compiler's rule, compiler/placement.hpp): a synapse already in
          // an earlier block is stored as zero in this one.
          auto& cv = cover[std::size_t(j) * std::size_t(n_in) + std::size_t(i)];
          bd.q(Eigen::Index(r), Eigen::Index(c)) = cv ? 0 : ql.weights(j, i);
          cv = 1;
        }
      }
      ld.blocks.push_back(std::move(bd));
    }
    for (int j = 0; j < n_out; ++j)
      for (int i = 0; i < n_in; ++i)
        if (ql.weights(j, i) != 0 && !cover[std::size_t(j) * std::size_t(n_in) + std::size_t(i)])
          throw std::invalid_argument(layer_name(l) + ": synapse (input " + std::to_string(i) +
                                      ", output " + std::to_string(j) +
                                      ") has a non-zero weight but is in no block");
    if (f.adc_bits == 0) {
      ql.adc_step = 1;
      ql.adc_max_code = 0;
    } else {
      ql.adc_max_code = (1L << (f.adc_bits - 1)) - 1;
      long range = l < f.adc_range.size() ? f.adc_range[l] : 0;
      if (range <= 0) range = long(max_rows) * qmax;
      ql.adc_step = std::max(1L, (range + ql.adc_max_code - 1) / ql.adc_max_code);
    }
    ql.potential_max = (1L << (f.potential_bits - 1)) - 1;
    ql.potential_min = -(1L << (f.potential_bits - 1));
    ql.threshold =
        std::max(1L, std::lround(double(sl.threshold) / (ql.weight_step * double(ql.adc_step))));
    if (ql.threshold > ql.potential_max)
      throw std::invalid_argument(layer_name(l) + ": the threshold is " +
                                  std::to_string(ql.threshold) + " ADC codes, beyond a " +
                                  std::to_string(f.potential_bits) +
                                  "-bit potential; give more potential bits or fewer ADC bits");
    ql.leak_q16 =
        snn_.neuron == NeuronModel::Lif ? std::lround(double(snn_.leak) * 65536.0) : 65536;
  }
}

GoldenResult GoldenModel::run(const SpikeTrain& input, SpikeTrace* trace,
                              std::uint64_t image) const {
  return fixed_.enabled ? run_fixed(input, trace, nullptr, image) : run_float(input, trace);
}

GoldenResult GoldenModel::classify(const float* image, std::uint64_t index,
                                   SpikeTrace* trace) const {
  Rng rng = Rng::stream(snn_.seed, index);
  return run(encode(image, net_.inputs, snn_.timesteps, snn_.encoding, rng), trace, index);
}

GoldenResult GoldenModel::run_float(const SpikeTrain& input, SpikeTrace* trace) const {
  const std::size_t L = net_.layers.size();
  const bool lif = snn_.neuron == NeuronModel::Lif;
  std::vector<Eigen::VectorXf> v(L);
  for (std::size_t l = 0; l < L; ++l) v[l] = Eigen::VectorXf::Zero(net_.layers[l].weights.rows());
  std::vector<int> counts(std::size_t(net_.outputs()), 0);
  if (trace) trace->layers.assign(L + 1, SpikeTrain(input.size()));
  GoldenResult res;
  Eigen::VectorXf current;
  std::vector<int> in_spikes, out_spikes;
  for (std::size_t t = 0; t < input.size(); ++t) {
    in_spikes = input[t];
    res.input_spikes += long(in_spikes.size());
    if (trace) trace->layers[0][t] = in_spikes;
    for (std::size_t l = 0; l < L; ++l) {
      const RowMatrix& wt = data_[l].wt;
      current.setZero(wt.cols());
      for (int i : in_spikes) current += wt.row(i).transpose();  // ascending input order
      Eigen::VectorXf& vl = v[l];
      if (lif)
        vl = snn_.leak * vl + current;
      else
        vl += current;
      const float th = net_.layers[l].threshold;
      out_spikes.clear();
      for (Eigen::Index j = 0; j < vl.size(); ++j)
        if (vl[j] >= th) {
          out_spikes.push_back(int(j));
          vl[j] = snn_.reset == ResetMode::Subtract ? vl[j] - th : 0.0f;
        }
      res.spikes += long(out_spikes.size());
      if (trace) trace->layers[l + 1][t] = out_spikes;
      if (l + 1 == L)
        for (int j : out_spikes) ++counts[std::size_t(j)];
      std::swap(in_spikes, out_spikes);
    }
  }
  res.counts = counts;
  res.potentials.assign(v.back().data(), v.back().data() + v.back().size());
  res.predicted = argmax_spikes(res.counts, res.potentials);
  return res;
}

GoldenResult GoldenModel::run_fixed(const SpikeTrain& input, SpikeTrace* trace,
                                    std::vector<std::vector<long>>* partial_sums,
                                    std::uint64_t image) const {
  const AnalogReader* analog = fixed_.analog.get();
  std::vector<std::vector<int>> driven;  // analog: per block, the local rows driven this timestep
  std::vector<double> analog_sum;
  const std::size_t L = net_.layers.size();
  std::vector<std::vector<long>> v(L);
  for (std::size_t l = 0; l < L; ++l) v[l].assign(std::size_t(q_[l].weights.rows()), 0);
  std::vector<int> counts(std::size_t(net_.outputs()), 0);
  if (trace) trace->layers.assign(L + 1, SpikeTrain(input.size()));
  GoldenResult res;
  std::vector<int> in_spikes, out_spikes;
  std::vector<std::vector<long>> psum;  // per block of the current layer
  std::vector<char> touched;
  std::vector<long> sum;  // per output neuron: sum of the block codes this timestep
  for (std::size_t t = 0; t < input.size(); ++t) {
    in_spikes = input[t];
    res.input_spikes += long(in_spikes.size());
    if (trace) trace->layers[0][t] = in_spikes;
    for (std::size_t l = 0; l < L; ++l) {
      const QuantisedLayer& ql = q_[l];
      const LayerData& ld = data_[l];
      psum.resize(ld.blocks.size());
      touched.assign(ld.blocks.size(), 0);
      // 1. Crossbars: each block sums the weight rows of its inputs that spiked (exact integers),
      // or, non-ideal, the analog reader reads the block with those rows driven.
      if (analog) {
        driven.resize(ld.blocks.size());
        for (int i : in_spikes)
          for (auto [k, r] : ld.rows_of_input[std::size_t(i)]) {
            if (!touched[std::size_t(k)]) {
              driven[std::size_t(k)].clear();
              touched[std::size_t(k)] = 1;
            }
            driven[std::size_t(k)].push_back(r);
          }
        sum.assign(std::size_t(ql.weights.rows()), 0);
        for (std::size_t k = 0; k < ld.blocks.size(); ++k) {
          if (!touched[k]) continue;  // no row driven: no current, every code 0
          const auto& bd = ld.blocks[k];
          analog->read(int(l), int(k), driven[k], image, int(t), analog_sum);
          for (std::size_t c = 0; c < bd.outputs.size(); ++c)
            sum[std::size_t(bd.outputs[c])] +=
                adc_code_analog(analog_sum[c], ql.adc_step, ql.adc_max_code);
        }
      } else {
        for (int i : in_spikes)
          for (auto [k, r] : ld.rows_of_input[std::size_t(i)]) {
            const auto& bd = ld.blocks[std::size_t(k)];
            auto& ps = psum[std::size_t(k)];
            if (!touched[std::size_t(k)]) {
              ps.assign(bd.outputs.size(), 0);
              touched[std::size_t(k)] = 1;
            }
            const std::int32_t* row = bd.q.data() + std::size_t(r) * bd.outputs.size();
            for (std::size_t c = 0; c < bd.outputs.size(); ++c) ps[c] += row[c];
          }
        // 2. ADC per block column; 3. codes summed per neuron in a wide adder.
        sum.assign(std::size_t(ql.weights.rows()), 0);
        for (std::size_t k = 0; k < ld.blocks.size(); ++k) {
          if (!touched[k]) continue;  // no input spiked: every partial sum is 0, every code 0
          const auto& bd = ld.blocks[k];
          for (std::size_t c = 0; c < bd.outputs.size(); ++c) {
            const long p = psum[k][c];
            if (partial_sums && p != 0) (*partial_sums)[l].push_back(std::labs(p));
            long code = ql.adc_step == 1 ? p : round_div(p, ql.adc_step);
            if (ql.adc_max_code > 0) code = std::clamp(code, -ql.adc_max_code, ql.adc_max_code);
            sum[std::size_t(bd.outputs[c])] += code;
          }
        }
      }
      // 4. Neurons: leak, integrate with saturation, fire, reset.
      out_spikes.clear();
      std::vector<long>& vl = v[l];
      for (std::size_t j = 0; j < vl.size(); ++j) {
        long x = vl[j];
        if (ql.leak_q16 != 65536) x = (x * ql.leak_q16) / 65536;  // truncates toward zero
        x = std::clamp(x + sum[j], ql.potential_min, ql.potential_max);
        if (x >= ql.threshold) {
          out_spikes.push_back(int(j));
          x = snn_.reset == ResetMode::Subtract ? x - ql.threshold : 0;
        }
        vl[j] = x;
      }
      res.spikes += long(out_spikes.size());
      if (trace) trace->layers[l + 1][t] = out_spikes;
      if (l + 1 == L)
        for (int j : out_spikes) ++counts[std::size_t(j)];
      std::swap(in_spikes, out_spikes);
    }
  }
  res.counts = counts;
  res.potentials.assign(v.back().begin(), v.back().end());
  res.predicted = argmax_spikes(res.counts, res.potentials);
  return res;
}

std::vector<long> calibrate_adc_range(const GoldenModel& ideal, const Dataset& data, int images,
                                      double percentile) {
  if (!ideal.fixed_.enabled)
    throw std::invalid_argument("ADC calibration needs a fixed-point model (with any ADC)");
  FixedPointConfig f = ideal.fixed_;
  f.adc_bits = 0;
  f.analog = nullptr;  // the range is calibrated on the exact sums
  GoldenModel exact(ideal.net_, ideal.snn_, f);
  std::vector<std::vector<long>> ps(exact.q_.size());
  const int n = images <= 0 ? data.size() : std::min(images, data.size());
  for (int k = 0; k < n; ++k) {
    Rng rng = Rng::stream(exact.snn_.seed, std::uint64_t(k));
    SpikeTrain in = encode(data.images.row(k).data(), exact.net_.inputs, exact.snn_.timesteps,
                           exact.snn_.encoding, rng);
    exact.run_fixed(in, nullptr, &ps);
  }
  std::vector<long> range(ps.size(), 0);
  for (std::size_t l = 0; l < ps.size(); ++l) {
    auto& v = ps[l];
    if (v.empty()) continue;
    const double q = std::clamp(percentile, 0.0, 100.0) / 100.0;
    const auto at = std::size_t(std::llround(q * double(v.size() - 1)));
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(at), v.end());
    range[l] = std::max(1L, v[at]);
  }
  return range;
}

SnnEvaluation evaluate(const GoldenModel& model, const Dataset& data, int images, int threads) {
  const int n = images <= 0 ? data.size() : std::min(images, data.size());
  if (data.features() != model.network().inputs)
    throw std::invalid_argument("data set has " + std::to_string(data.features()) +
                                " features, the SNN expects " +
                                std::to_string(model.network().inputs));
  threads = std::max(1, std::min(threads, n));
  std::vector<int> correct(std::size_t(threads), 0);
  std::vector<long> in_spk(std::size_t(threads), 0), spk(std::size_t(threads), 0);
  std::vector<std::thread> pool;
  for (int w = 0; w < threads; ++w)
    pool.emplace_back([&, w] {
      for (int k = w; k < n; k += threads) {
        GoldenResult r = model.classify(data.images.row(k).data(), std::uint64_t(k));
        correct[std::size_t(w)] += r.predicted == data.labels[std::size_t(k)];
        in_spk[std::size_t(w)] += r.input_spikes;
        spk[std::size_t(w)] += r.spikes;
      }
    });
  for (auto& t : pool) t.join();
  SnnEvaluation e;
  e.images = n;
  long c = 0, is = 0, s = 0;
  for (int w = 0; w < threads; ++w) {
    c += correct[std::size_t(w)];
    is += in_spk[std::size_t(w)];
    s += spk[std::size_t(w)];
  }
  e.accuracy = n ? double(c) / n : 0;
  e.input_spikes_per_image = n ? double(is) / n : 0;
  e.spikes_per_image = n ? double(s) / n : 0;
  return e;
}

}  // namespace xbar::workloads
