// ONNX import: a feed-forward chain of Gemm / MatMul (+ Add bias), Conv (+ BatchNormalization,
// folded into it), Relu, AveragePool, MaxPool, GlobalAveragePool, Flatten / Reshape (to samples x
// features) and inference no-ops (Identity, Dropout), with residual blocks (a fork into two
// branches joined by an Add of the two) becomes our Network with Residual layers, the initialisers
// as weights. Parsed with the onnx.proto C++ classes of Debian's libonnx-dev (libonnx_proto,
// linking protobuf).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "workloads/network.hpp"

namespace xbar::workloads {

struct OnnxImport {
  Network network;
  std::string producer;          // producer_name and version from the file
  std::vector<std::string> log;  // one line per ONNX node: what it became
};

// Throws DataError naming the file: unreadable or malformed files, a graph that is not a chain of
// layers and residual blocks from its one non-initialiser input, a batch norm that follows no
// Conv or Gemm, attributes we do not support (group, dilations, asymmetric pads, ...) naming the
// node, and, before anything else, every node whose operator is not supported, listed with its
// node name.
OnnxImport import_onnx(const std::filesystem::path& file);

// True when this build was linked against libonnx (else import_onnx throws saying so).
bool onnx_supported();

}  // namespace xbar::workloads
