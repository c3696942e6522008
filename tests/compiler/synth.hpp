// Synthetic layer connectivity for the compiler tests: random sparse masks with planted dense
// blocks on scattered neuron indices.
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "compiler/mask.hpp"

namespace xbar::test {

struct PlantedBlock {
  std::vector<int> inputs, outputs;  // ascending
};

struct SynthLayer {
  compiler::Mask mask;
  std::vector<PlantedBlock> blocks;
};

// outputs x inputs, background density `p`, plus `blocks` planted blocks of n_in x n_out neurons
// (disjoint, scattered indices) at density `q`.
inline SynthLayer synth_layer(int outputs, int inputs, double p, int blocks, int n_in, int n_out,
                              double q, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  std::vector<int> in_perm(static_cast<std::size_t>(inputs)),
      out_perm(static_cast<std::size_t>(outputs));
  std::iota(in_perm.begin(), in_perm.end(), 0);
  std::iota(out_perm.begin(), out_perm.end(), 0);
  for (std::size_t k = in_perm.size(); k > 1; --k) std::swap(in_perm[k - 1], in_perm[rng() % k]);
  for (std::size_t k = out_perm.size(); k > 1; --k) std::swap(out_perm[k - 1], out_perm[rng() % k]);
  SynthLayer s;
  std::vector<std::vector<char>> on(static_cast<std::size_t>(outputs),
                                    std::vector<char>(static_cast<std::size_t>(inputs), 0));
  for (auto& row : on) {
    for (auto& cell : row) cell = uniform() < p;
  }
  for (int b = 0; b < blocks; ++b) {
    PlantedBlock pb;
    pb.inputs.assign(in_perm.begin() + b * n_in, in_perm.begin() + (b + 1) * n_in);
    pb.outputs.assign(out_perm.begin() + b * n_out, out_perm.begin() + (b + 1) * n_out);
    std::sort(pb.inputs.begin(), pb.inputs.end());
    std::sort(pb.outputs.begin(), pb.outputs.end());
    for (int o : pb.outputs) {
      for (int i : pb.inputs)
        on[static_cast<std::size_t>(o)][static_cast<std::size_t>(i)] = uniform() < q;
    }
    s.blocks.push_back(std::move(pb));
  }
  std::vector<Eigen::Triplet<float, int>> entries;
  for (int o = 0; o < outputs; ++o) {
    for (int i = 0; i < inputs; ++i) {
      if (on[static_cast<std::size_t>(o)][static_cast<std::size_t>(i)])
        entries.emplace_back(o, i, 1.0f);
    }
  }
  s.mask = compiler::Mask(outputs, inputs);
  s.mask.setFromTriplets(entries.begin(), entries.end());
  return s;
}

// A mask from a list of (output, input) synapses.
inline compiler::Mask mask_of(int outputs, int inputs,
                              const std::vector<std::pair<int, int>>& synapses) {
  std::vector<Eigen::Triplet<float, int>> entries;
  for (auto [o, i] : synapses) entries.emplace_back(o, i, 1.0f);
  compiler::Mask m(outputs, inputs);
  m.setFromTriplets(entries.begin(), entries.end());
  return m;
}

}  // namespace xbar::test
