// The neuron-core stimulus file: one line per clock cycle, "rst in_valid in_index in_code fire" in
// decimal, '#' starting a comment. rtl/tb/neuron_core_tb.v and `xbarsim neuron-trace` read it;
// `xbarsim run --trace-stimulus` writes one that replays a layer of the chip.
#pragma once

#include <string>
#include <vector>

namespace xbar::sim {

struct NeuronStimulusLine {
  long long rst = 0, valid = 0, index = 0, code = 0, fire = 0;
};

// Reads a stimulus for a core of `neurons` neurons. Throws std::invalid_argument naming file:line
// for a malformed line or an index outside 0..neurons-1.
std::vector<NeuronStimulusLine> read_neuron_stimulus(const std::string& path, int neurons);

// The stimulus that replays per-timestep sums (sums[t][n]: the codes neuron n integrates in
// timestep t): a reset cycle, then per timestep one item per code and a fire cycle. A sum beyond
// one code of +-max_code is split into several items (the core's accumulator adds them back).
std::vector<NeuronStimulusLine> stimulus_from_sums(const std::vector<std::vector<long long>>& sums,
                                                   long long max_code);

// Writes `lines` after `header` (each of its lines becomes a comment). Throws std::runtime_error
// when the file cannot be written.
void write_neuron_stimulus(const std::string& path, const std::vector<NeuronStimulusLine>& lines,
                           const std::string& header);

}  // namespace xbar::sim
