// Model files: a directory with manifest.yaml (layers, shapes, data set, accuracy, seed, training
// recipe) and one .npy per weight matrix (outputs x inputs, float32, C order: y = x @ W.T in numpy)
// and per mask. Loading checks every shape against the manifest and names what does not match.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "workloads/network.hpp"

namespace xbar::workloads {

struct ModelInfo {
  std::string dataset;
  std::uint64_t seed = 0;
  int epochs = 0;
  double test_accuracy = -1;  // -1: not measured
  double train_accuracy = -1;
  std::map<std::string, std::string> training;  // recipe: optimiser, lr, batch, ... as text
};

void save_model(const std::filesystem::path& dir, const Network& net, const ModelInfo& info);

struct LoadedModel {
  Network network;
  ModelInfo info;
};
// Throws DataError naming the file (manifest.yaml or the .npy) and the layer when something does
// not match.
LoadedModel load_model(const std::filesystem::path& dir);

}  // namespace xbar::workloads
