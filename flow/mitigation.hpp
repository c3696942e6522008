// Mapping mitigations of non-ideal crossbars, applied when a compiled network is programmed onto a
// chip (they depend on that chip's devices, not on the network): they permute the rows and logical
// columns of each crossbar block, which changes nothing in an ideal read (its sums do not depend
// on the order) and moves weights away from where the device would corrupt them.
//  - rearrange (Bhattacharjee et al., docs/references.md §4): the block's outputs by falling
//    column current from the drivers' end of the word lines, its rows by rising row current
//    toward the sinks at the bottom of the bit lines, so that the largest currents cross the
//    fewest wire segments. Currents are estimated as input spike rate x |weight level|, the rates
//    measured by the golden model on training images.
//  - fault_aware: the stuck cells of each array (models::stuck_cells) are known before
//    programming; rows, then outputs, are assigned to physical positions by minimum-cost
//    assignment (compiler/assignment.hpp) of the weight error the stuck cells cause, twice, and the
//    free cell of a half-stuck differential pair compensates its partner when programmed
//    (models::compensate_stuck_pairs). It takes precedence over rearrange for the positions.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>

#include "compiler/placement.hpp"
#include "flow/experiment.hpp"
#include "flow/compile.hpp"
#include "flow/program.hpp"

namespace xbar::flow {

// The placement to program: the compiled one with the experiment's mapping mitigations applied
// (a copy of it when there are none). `stats` receives what was done (mode, rows and outputs
// moved, the stuck-cell error before and after, in weight LSBs).
compiler::Placement programmed_placement(const Experiment& e, const Compiled& c,
                                         nlohmann::json* stats = nullptr);

// Spike rate of every input neuron of every layer (spikes per timestep), measured by `golden` on
// the first `images` (evenly spaced) of `data`.
std::vector<std::vector<double>> input_spike_rates(const workloads::GoldenModel& golden,
                                                   const workloads::Dataset& data, int images);

}  // namespace xbar::flow
