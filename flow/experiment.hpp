// An experiment file (configs/examples/*.yaml): one file that reproduces one result. Sections:
// arch (an arch config, usually `extends:` a preset plus overrides), workload (data set, network,
// cached model), train (the recipe used when the model is not cached yet), snn (conversion and
// coding), compile (the mapping flow), simulate (images, seed, checks). Validated as strictly as an
// arch file; `--set snn.timesteps=16` or `--set arch.crossbar.rows=128` overrides any key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arch/arch_spec.hpp"
#include "workloads/snn.hpp"
#include "workloads/trainer.hpp"

namespace xbar::flow {

// IR-drop mitigation when programming (flow/mitigation.hpp): which of a block's lines are ordered
// by their current.
enum class Rearrange { None, Columns, Rows, RowsAndColumns };
std::span<const config::EnumName<Rearrange>> enum_names(Rearrange);

struct Experiment {
  std::string file;
  std::string name;
  arch::ArchSpec arch;
  config::ConfigNode resolved;  // the whole experiment, merged and overridden

  // workload
  std::string dataset;
  std::string data_dir;     // "" = the data set's default
  std::vector<int> layers;  // 784, 500, 500, 10
  std::string net;          // "" = an MLP of `layers`; else a CNN spec (workloads/conv.hpp)
  std::string model_dir;    // cache of the trained model (relative to the working directory)

  // train (used when model_dir holds no model yet)
  workloads::Optimiser optimiser = workloads::Optimiser::kAdam;
  workloads::Loss loss = workloads::Loss::kCrossEntropy;
  int epochs = 0, batch = 0;
  double lr = 0, momentum = 0, dropout = 0;
  std::uint64_t train_seed = 0;

  // snn
  int timesteps = 0;
  workloads::Encoding encoding = workloads::Encoding::kPoisson;
  workloads::Normalisation normalisation = workloads::Normalisation::kPercentile;
  double percentile = 0;
  int calibration_images = 0;

  // compile
  std::string flow;  // one of flow/compile_flow.hpp's compile_flows()
  config::ConfigNode compile_settings;  // the compile section: the flow reads its own keys
  std::uint64_t compile_seed = 0;
  // Mitigations of non-ideal crossbars (flow/README.md, "Mitigations").
  double wct_strength = 0;  // Weight-Constrained Training after the flow (0: off)
  int wct_epochs = 0;
  Rearrange rearrange = Rearrange::None;
  bool fault_aware = false;

  // simulate
  int images = 0;  // 0: the whole test set
  std::uint64_t seed = 0;
  bool check_golden = false;
  int threads = 0;
  int workers = 0;  // 0: one per core
};

// The experiment file's sections and keys besides arch (the compile section's flows are
// flow::compile_flows()), for validation and `xbarsim list`.
const std::vector<config::SectionSpec>& experiment_schema();

// Reads, merges (the arch section's extends:), overrides and validates; throws config::ConfigError.
Experiment load_experiment(const std::string& path, const std::vector<std::string>& overrides = {});
// Validates an already-merged experiment tree (used by sweeps); `origin` names it.
Experiment experiment_from_tree(const config::ConfigNode& root, const std::string& origin);
// The merged tree of an experiment file before validation (arch extends: resolved), with
// `--set` overrides applied; an override of arch.extends picks another chip preset (relative to
// the experiment file) before the arch section is merged.
config::ConfigNode merge_experiment(const std::string& path,
                                    const std::vector<std::string>& overrides = {});
// Sets compile.flow to `flow` and drops the compile keys the new flow does not take (dense takes
// no sparsity or epochs), as changing an arch section's impl starts it afresh: one experiment file
// then serves every flow (`--set compile.flow=dense`, sweeps over the flow, `compile --compare`).
void set_flow(config::ConfigNode& root, const std::string& flow);

}  // namespace xbar::flow
