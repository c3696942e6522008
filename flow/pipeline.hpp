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
#include "flow/experiment.hpp"
#include "sim/chip.hpp"
#include "workloads/dataset.hpp"
#include "workloads/golden.hpp"
#include "workloads/network.hpp"

namespace xbar::flow {

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
  // Where to write the placement as programmed when mitigations changed it ("" = nowhere).
  std::string placement_file;
};

// Saves what load_compiled reads back: DIR/placement.json and the compiled network in DIR/model
// (compile.json, with the statistics, is written by the command).
void save_compiled(const Experiment& e, const Compiled& c, const std::string& dir);
// A network compiled earlier (xbarsim compile or run wrote DIR), instead of compiling again: its
// Placement must fit the experiment's arch (crossbar geometry, cores, tiles); the devices, ADCs,
// NoC and the mapping mitigations may differ. Throws std::invalid_argument saying what differs.
Compiled load_compiled(const Experiment& e, const std::string& dir, std::ostream& log);

// The accuracy of the golden functional model alone on `images` test images (-1: the experiment's
// simulate.images): the chip's arithmetic spike for spike, with the arch's non-ideal crossbars and
// the mapping mitigations, without timing or energy; threads over images.
nlohmann::json evaluate(const Experiment& e, const Compiled& c, int images, std::ostream& log);

// Simulates the compiled network on the chip; returns report.json's content.
nlohmann::json run(const Experiment& e, const Compiled& c, const RunOptions& options,
                   std::ostream& log);

// The golden model programmed like the chip: the blocks of `placement` (the compiled one, or as
// flow/mitigation.hpp programs it) as the partition, the arch's weight, ADC and potential bits, the
// ADC range calibrated on training images; with `analog`, the arch's non-ideal crossbars (if any)
// behind its reads.
workloads::GoldenModel program_golden(const Experiment& e, const Compiled& c,
                                      const compiler::Placement& placement, bool analog = true);

// The chip's programming: the golden model's integer layers with the arch's neuron behaviour.
sim::HardwareNetwork hardware_network(const Experiment& e, const workloads::GoldenModel& golden);
// Image k of `images` as input spikes, exactly as the golden model encodes it (Rng::stream(seed,
// k)).
sim::SpikeTrain input_spikes(const Experiment& e, const workloads::Dataset& images, int k);

}  // namespace xbar::flow
