#include "flow/program.hpp"

#include <stdexcept>

#include "models/analog.hpp"
#include "models/neuron_core.hpp"
#include "workloads/snn.hpp"

namespace wl = xbar::workloads;

namespace xbar::flow {

wl::GoldenModel program_golden(const Experiment& e, const Compiled& c,
                               const compiler::Placement& placement, bool analog) {
  wl::ConversionConfig cc;
  cc.normalisation = e.normalisation;
  cc.percentile = e.percentile;
  wl::SpikingNetwork snn = wl::to_snn(c.ann, c.data.train, cc);
  wl::SnnConfig sc;
  sc.timesteps = e.timesteps;
  sc.neuron = e.arch.neuron.model;  // one enum (config::NeuronModel) for the chip and the model
  sc.leak = e.arch.neuron.leak_factor();  // the golden model rounds it back to leak_q16()
  sc.reset = e.arch.neuron.reset;
  sc.encoding = e.encoding;
  sc.seed = e.seed;
  for (auto& layer : snn.layers) layer.threshold = static_cast<float>(e.arch.neuron.threshold);
  wl::FixedPointConfig fc;
  fc.enabled = true;
  fc.weight_bits = e.arch.crossbar.weight_bits;
  fc.adc_bits = e.arch.adc.bits;
  fc.potential_bits = e.arch.neuron.potential_bits;
  for (const auto& m : placement.layers) {
    wl::LayerPartition part;
    for (const auto& b : m.blocks) part.push_back(b);  // the synapses, not the placement
    fc.partitions.push_back(part);
  }
  wl::FixedPointConfig ideal = fc;
  ideal.adc_bits = 0;
  wl::GoldenModel calibration(snn, sc, ideal);
  fc.adc_range = wl::calibrate_adc_range(calibration, c.data.train, e.calibration_images);
  if (!analog || !models::analog_read_enabled(e.arch))
    return wl::GoldenModel(std::move(snn), sc, fc);
  for (const auto& m : placement.layers)
    if (m.conv_weights == "time_multiplexed")
      throw std::invalid_argument(
          e.file +
          ": non-ideal crossbars with time-multiplexed conv weights are not modelled "
          "(the device effects would be drawn per position instead of per array); use "
          "chip.conv_weights: replicated with a non-ideal device");
  // Non-ideal crossbars: the reader is programmed from the quantised layers (the ADC range stays
  // the one calibrated on ideal sums: the chip is calibrated before its devices age or drift).
  const wl::GoldenModel exact(snn, sc, fc);
  fc.analog = models::make_analog_reader(e.arch, exact.quantised(), e.threads, e.fault_aware);
  return wl::GoldenModel(std::move(snn), sc, fc);
}

sim::HardwareNetwork hardware_network(const Experiment& e, const wl::GoldenModel& golden) {
  sim::HardwareNetwork hw;
  hw.timesteps = e.timesteps;
  hw.analog = golden.fixed_config().analog;
  for (const auto& q : golden.quantised()) {
    sim::HardwareLayer l;
    l.levels = q.weights;
    l.adc.step = q.adc_step;
    l.adc.max_code = q.adc_max_code;
    l.adc.bits = q.adc_max_code > 0 ? e.arch.adc.bits : 0;
    // The arch's neuron arithmetic, with the range and leak the golden model quantised to.
    l.neuron = models::neuron_params(e.arch.neuron, q.threshold);
    l.neuron.potential_min = q.potential_min;
    l.neuron.potential_max = q.potential_max;
    l.neuron.leak_q16 = q.leak_q16;
    hw.layers.push_back(std::move(l));
  }
  return hw;
}

wl::Dataset test_images(const Experiment& e, const Compiled& c, int wanted) {
  if (wanted < 0) wanted = e.images;
  const int n = wanted > 0 ? std::min(wanted, c.data.test.size()) : c.data.test.size();
  std::vector<int> pick;
  for (int k = 0; k < n; ++k)
    pick.push_back(static_cast<int>(static_cast<long>(k) * c.data.test.size() / n));
  return c.data.test.subset(pick);
}

sim::SpikeTrain input_spikes(const Experiment& e, const wl::Dataset& images, int k) {
  wl::Rng rng = wl::Rng::stream(e.seed, static_cast<std::uint64_t>(k));
  return wl::encode(images.images.row(k).data(), images.features(), e.timesteps, e.encoding, rng);
}

}  // namespace xbar::flow
