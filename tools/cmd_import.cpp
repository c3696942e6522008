// xbarsim import MODEL.onnx -o DIR: an ONNX model (e.g. exported from PyTorch) into our model
// format, so that `xbarsim snn`, experiments and the compiler can use it.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "config/files.hpp"
#include "tools/commands.hpp"
#include "workloads/model_io.hpp"
#include "workloads/onnx_import.hpp"

namespace xbar::tools {

namespace {

namespace wl = xbar::workloads;
namespace fs = std::filesystem;

struct ImportArgs {
  std::string file;
  std::string out;
  std::string dataset;
  std::string data_dir;
  bool force = false;
};

int run_import(const ImportArgs& a) {
  // Checked before anything is read: an existing directory is replaced only when asked (whole,
  // by save_model, so no file of the old model stays).
  std::error_code ec;
  if (!a.force && fs::exists(a.out, ec) &&
      !(fs::is_directory(a.out, ec) && fs::is_empty(a.out, ec)))
    throw config::InputError(a.out + ": exists; give --force to replace it");
  wl::OnnxImport m = wl::import_onnx(a.file);
  std::printf("import: %s (producer: %s)\n", a.file.c_str(), m.producer.c_str());
  for (const auto& line : m.log) std::printf("  %s\n", line.c_str());
  const wl::Shape in = m.network.input_shape();
  std::printf(
      "network: input %dx%dx%d, %zu layers (%zu with those in residual blocks), %d outputs\n",
      in.channels, in.height, in.width, m.network.size(), m.network.all_layers().size(),
      m.network.output_shape().size());
  wl::ModelInfo info;
  info.dataset = a.dataset;
  info.training = {{"source", "onnx"}, {"file", a.file}, {"producer", m.producer}};
  if (!a.dataset.empty()) {
    wl::DataSplit data = wl::load_dataset(a.dataset, a.data_dir);
    if (data.test.features() != in.size())
      throw std::invalid_argument(
          "data set '" + a.dataset + "' has " + std::to_string(data.test.features()) +
          " features per sample; the ONNX model expects " + std::to_string(in.size()));
    info.test_accuracy = m.network.accuracy(data.test);
    std::printf("test accuracy on %s: %.2f %% (%d images)\n", a.dataset.c_str(),
                100 * info.test_accuracy, data.test.size());
  }
  wl::save_model(a.out, m.network, info);
  std::printf("model written to %s\n", a.out.c_str());
  return 0;
}

}  // namespace

static void add_import_commands(CLI::App& app, int& status) {
  auto a = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "import",
      "import an ONNX model (Gemm/MatMul, Conv with BatchNormalization folded in, Relu, "
      "pooling, GlobalAveragePool, Flatten/Reshape, residual Add joins) into the xbarsim model "
      "format");
  cmd->add_option("file", a->file, "the .onnx file")->required();
  cmd->add_option("-o,--out", a->out, "model directory to write, e.g. out/models/NAME")->required();
  cmd->add_option("--dataset", a->dataset,
                  "data set the model was trained on (recorded in the manifest; its test "
                  "accuracy is measured)");
  cmd->add_option("--data-dir", a->data_dir, "data directory (as for xbarsim train)");
  cmd->add_flag("--force", a->force, "replace the model directory if it exists");
  cmd->callback([&status, a] { status = guarded([&] { return run_import(*a); }); });
}

XBAR_REGISTER_COMMANDS(25, add_import_commands);

}  // namespace xbar::tools
