#include "sim/neuron_stimulus.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "config/files.hpp"

namespace xbar::sim {

std::vector<NeuronStimulusLine> read_neuron_stimulus(const std::string& path, int neurons) {
  std::istringstream in(config::read_file(path, config::limits::kTraceBytes, "stimulus"));
  std::vector<NeuronStimulusLine> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find('#') != std::string::npos) line.erase(line.find('#'));
    std::istringstream s(line);
    NeuronStimulusLine l;
    if (!(s >> l.rst)) continue;  // blank line
    std::string rest;
    if (!(s >> l.valid >> l.index >> l.code >> l.fire) || (s >> rest))
      throw std::invalid_argument(path + ":" + std::to_string(n) +
                                  ": expected five integers: rst in_valid in_index in_code fire");
    if (l.valid && (l.index < 0 || l.index >= neurons))
      throw std::invalid_argument(path + ":" + std::to_string(n) + ": in_index " +
                                  std::to_string(l.index) + " outside 0.." +
                                  std::to_string(neurons - 1));
    out.push_back(l);
  }
  return out;
}

std::vector<NeuronStimulusLine> stimulus_from_sums(const std::vector<std::vector<long long>>& sums,
                                                   long long max_code) {
  if (max_code < 1) throw std::invalid_argument("stimulus_from_sums: max_code must be >= 1");
  std::vector<NeuronStimulusLine> out;
  out.push_back({1, 0, 0, 0, 0});
  for (const auto& timestep : sums) {
    for (size_t n = 0; n < timestep.size(); ++n)
      for (long long s = timestep[n]; s != 0;) {
        const long long code = std::clamp(s, -max_code, max_code);
        out.push_back({0, 1, static_cast<long long>(n), code, 0});
        s -= code;
      }
    out.push_back({0, 0, 0, 0, 1});
  }
  return out;
}

void write_neuron_stimulus(const std::string& path, const std::vector<NeuronStimulusLine>& lines,
                           const std::string& header) {
  std::ostringstream text;
  std::istringstream h(header);
  for (std::string line; std::getline(h, line);) text << "# " << line << "\n";
  text << "# rst in_valid in_index in_code fire\n";
  for (const auto& l : lines)
    text << l.rst << " " << l.valid << " " << l.index << " " << l.code << " " << l.fire << "\n";
  std::ofstream out(path, std::ios::trunc);
  if (!(out << text.str()) || !out.flush())
    throw std::runtime_error(path + ": cannot write the stimulus file");
}

}  // namespace xbar::sim
