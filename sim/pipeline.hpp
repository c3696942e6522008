// The experiment pipeline, stage by stage: a trained network (loaded from its cache or trained),
// compiled for the chip by the experiment's flow (dense, prune, trannsformer) into a Placement, its
// SNN and fixed-point programming, and the cycle-level run of the chip on test images with its
// report. `xbarsim compile` stops after the Placement; `xbarsim run` goes to the end.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "compiler/placement.hpp"
#include "sim/chip.hpp"
#include "sim/experiment.hpp"
#include "workloads/dataset.hpp"
#include "workloads/golden.hpp"
#include "workloads/network.hpp"

namespace xbar::sim {

struct Compiled {
  workloads::DataSplit data;
  workloads::Network ann;  // after the flow (pruned and retrained for prune / trannsformer)
  double ann_accuracy_before = 0, ann_accuracy = 0;  // on the whole test set
  compiler::Placement placement;
  nlohmann::json stages;  // per-stage statistics of the flow
};

// Loads the model cache or trains and saves it, then runs the compile flow and places the result.
// `log` receives progress lines.
Compiled compile(const Experiment& e, std::ostream& log);

struct RunOptions {
  int images = -1;         // -1: the experiment's simulate.images
  bool progress = true;    // a progress bar on a terminal
  std::string trace_file;  // a VCD of one image ("" = none)
  int trace_image = 0;
  int trace_layer = -1;  // whose membrane potentials the VCD shows (-1: the output layer)
  std::uint64_t trace_from = 0, trace_to = ~std::uint64_t{0};  // cycles from the image's start
};

// Simulates the compiled network on the chip; returns report.json's content.
nlohmann::json run(const Experiment& e, const Compiled& c, const RunOptions& options,
                   std::ostream& log);

// The golden model programmed like the chip: the placement's blocks as the partition, the arch's
// weight, ADC and potential bits, the ADC range calibrated on training images.
workloads::GoldenModel program_golden(const Experiment& e, const Compiled& c);

// The chip's programming: the golden model's integer layers with the arch's neuron behaviour.
HardwareNetwork hardware_network(const Experiment& e, const workloads::GoldenModel& golden);
// Image k of `images` as input spikes, exactly as the golden model encodes it (Rng::stream(seed,
// k)).
SpikeTrain input_spikes(const Experiment& e, const workloads::Dataset& images, int k);

}  // namespace xbar::sim
