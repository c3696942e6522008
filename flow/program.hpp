// Programming a compiled network into a chip: its SNN (ANN->SNN conversion), the golden model
// with the chip's fixed-point arithmetic and the placement's crossbar blocks, the ADC range
// calibrated on training images, the chip's integer layers, and the test images as input spikes --
// exactly as the golden model encodes them, so the chip's spikes can be checked against it.
#pragma once

#include "compiler/placement.hpp"
#include "flow/compile.hpp"
#include "flow/experiment.hpp"
#include "sim/chip.hpp"
#include "workloads/dataset.hpp"
#include "workloads/golden.hpp"

namespace xbar::flow {

// The golden model programmed like the chip: the blocks of `placement` (the compiled one, or as
// flow/mitigation.hpp programs it) as the partition, the arch's weight, ADC and potential bits, the
// ADC range calibrated on training images; with `analog`, the arch's non-ideal crossbars (if any)
// behind its reads.
workloads::GoldenModel program_golden(const Experiment& e, const Compiled& c,
                                      const compiler::Placement& placement, bool analog = true);

// The chip's programming: the golden model's integer layers with the arch's neuron behaviour.
sim::HardwareNetwork hardware_network(const Experiment& e, const workloads::GoldenModel& golden);

// `wanted` test images (-1: the experiment's simulate.images, 0: all), evenly spaced over the test
// set (the MNIST test part is ordered by digit).
workloads::Dataset test_images(const Experiment& e, const Compiled& c, int wanted);

// Image k of `images` as input spikes, exactly as the golden model encodes it (Rng::stream(seed,
// k)).
sim::SpikeTrain input_spikes(const Experiment& e, const workloads::Dataset& images, int k);

}  // namespace xbar::flow
