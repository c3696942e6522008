// Running a compiled network: cycle by cycle on the chip (run: every spike checked against the
// golden model, cycles, energy and area), or through the golden model alone (evaluate: the chip's
// arithmetic without timing, threaded over many images).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "flow/compile.hpp"
#include "flow/experiment.hpp"
#include "flow/report.hpp"

namespace xbar::flow {

struct RunOptions {
  int images = -1;         // -1: the experiment's simulate.images
  bool progress = true;    // a progress bar on a terminal
  std::string trace_file;  // a VCD of one image ("" = none)
  int trace_image = 0;
  int trace_layer = -1;  // whose membrane potentials the VCD shows (-1: the output layer)
  std::uint64_t trace_from = 0, trace_to = ~std::uint64_t{0};  // cycles from the image's start
  // With trace_file: the traced layer's neuron-core stimulus for the traced image, to replay its
  // neurons through `xbarsim neuron-trace` or an RTL testbench ("" = none;
  // sim/neuron_stimulus.hpp).
  std::string trace_stimulus_file;
  // Where to write the placement as programmed when mitigations changed it ("" = nowhere).
  std::string placement_file;
};

// Simulates the compiled network on the chip, its images split over simulate.workers processes
// (0: one per core; at most one per image; one when tracing, as the VCD is written by the process
// that simulates). They are forked after programming; each elaborates its own chip and runs a
// contiguous range of images; every image starts from the chip at rest, so the report is the
// same for any worker count.
RunReport run(const Experiment& e, const Compiled& c, const RunOptions& options, std::ostream& log);

// The accuracy of the golden functional model alone on `images` test images (-1: the experiment's
// simulate.images): the chip's arithmetic spike for spike, with the arch's non-ideal crossbars and
// the mapping mitigations, without timing or energy; threads over images.
AccuracyReport evaluate(const Experiment& e, const Compiled& c, int images, std::ostream& log);

}  // namespace xbar::flow
