// ONNX import against fixtures made at test time by tools/make_onnx_fixtures.py (onnx.helper
// models with seeded random weights, reference outputs computed by the script with numpy).
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>

#include "tests/support/temp_dir.hpp"
#include "workloads/model_io.hpp"
#include "workloads/npy.hpp"
#include "workloads/onnx_import.hpp"
#include "workloads/snn.hpp"

namespace wl = xbar::workloads;
namespace fs = std::filesystem;

namespace {

// Runs the fixture script into `dir`; false (with the reason logged) when it cannot run.
bool make_fixtures(const fs::path& dir) {
  if (!wl::onnx_supported()) {
    BOOST_TEST_MESSAGE("SKIPPED: xbarsim built without libonnx-dev (tools/setup.sh installs it)");
    return false;
  }
  if (std::system("/usr/bin/python3 -c 'import onnx, numpy' > /dev/null 2>&1") != 0) {
    BOOST_TEST_MESSAGE(
        "SKIPPED: /usr/bin/python3 lacks python3-onnx or python3-numpy "
        "(tools/setup.sh installs them)");
    return false;
  }
  const std::string cmd = "/usr/bin/python3 " + xbar::test::source_dir() +
                          "/tools/make_onnx_fixtures.py " + dir.string() + " > /dev/null";
  BOOST_REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "fixture script failed: " << cmd);
  return true;
}

void check_outputs(const fs::path& dir, const std::string& name, const wl::Network& net) {
  const Eigen::MatrixXf x = wl::read_npy_matrix(dir / (name + "_inputs.npy"));
  const Eigen::MatrixXf want = wl::read_npy_matrix(dir / (name + "_outputs.npy"));
  BOOST_REQUIRE(x.cols() == net.input_shape().size());
  const wl::RowMatrix got = net.predict(x);
  BOOST_REQUIRE(got.rows() == want.rows());
  BOOST_REQUIRE(got.cols() == want.cols());
  const float scale = want.cwiseAbs().maxCoeff();
  BOOST_TEST(scale > 0.0f);
  const float err = (got - want).cwiseAbs().maxCoeff();
  BOOST_TEST_MESSAGE(name << ": largest |ours - numpy| = " << err << " (outputs up to " << scale
                          << ")");
  BOOST_TEST(err <= 1e-5f + 1e-4f * scale);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(workloads_onnx)

BOOST_AUTO_TEST_CASE(mlp_and_cnn_import_with_the_reference_outputs) {
  xbar::test::TempDir dir;
  if (!make_fixtures(dir.path())) return;
  wl::OnnxImport mlp = wl::import_onnx(dir.path() / "mlp.onnx");
  // Gemm, Relu, MatMul + Add, Relu, Gemm: three dense layers, the middle one with the Add's bias.
  BOOST_TEST(mlp.network.dense_layers().size() == 3u);
  BOOST_TEST(mlp.network.dense_layers()[1]->has_bias());
  BOOST_TEST(!mlp.network.dense_layers()[2]->has_bias());
  check_outputs(dir.path(), "mlp", mlp.network);

  wl::OnnxImport cnn = wl::import_onnx(dir.path() / "cnn.onnx");
  std::vector<std::string> kinds;
  for (std::size_t i = 0; i < cnn.network.size(); ++i) kinds.push_back(cnn.network.layer(i).kind());
  const std::vector<std::string> want = {"conv", "relu",    "avgpool", "conv",
                                         "relu", "maxpool", "flatten", "dense",
                                         "relu", "flatten", "dense"};
  BOOST_TEST(kinds == want, boost::test_tools::per_element());
  BOOST_TEST(cnn.log.size() == 11u);
  check_outputs(dir.path(), "cnn", cnn.network);

  // Saved in our model format and loaded back, the network computes the same outputs.
  wl::ModelInfo info;
  info.dataset = "onnx-fixture";
  wl::save_model(dir.path() / "model", cnn.network, info);
  check_outputs(dir.path(), "cnn", wl::load_model(dir.path() / "model").network);
}

BOOST_AUTO_TEST_CASE(bias_free_cnn_converts_to_a_spiking_network) {
  xbar::test::TempDir dir;
  if (!make_fixtures(dir.path())) return;
  wl::OnnxImport m = wl::import_onnx(dir.path() / "snn_cnn.onnx");
  check_outputs(dir.path(), "snn_cnn", m.network);
  wl::Dataset d;
  d.images = wl::read_npy_matrix(dir.path() / "snn_cnn_inputs.npy");
  d.labels.assign(std::size_t(d.images.rows()), 0);
  const wl::SpikingNetwork snn = wl::to_snn(m.network, d);
  BOOST_REQUIRE(snn.layers.size() == 4u);
  BOOST_TEST((snn.layers[0].structure.kind == wl::LayerStructure::Kind::kConv));
  BOOST_TEST(snn.layers[0].structure.kernel == 3);
  BOOST_TEST((snn.layers[1].structure.kind == wl::LayerStructure::Kind::kAvgPool));
}

BOOST_AUTO_TEST_CASE(unsupported_operators_are_listed_with_node_names) {
  xbar::test::TempDir dir;
  if (!make_fixtures(dir.path())) return;
  const fs::path f = dir.path() / "unsupported.onnx";
  BOOST_CHECK_EXCEPTION(wl::import_onnx(f), wl::DataError, [&](const wl::DataError& e) {
    const std::string w = e.what();
    BOOST_TEST_MESSAGE(w);
    return w.rfind(f.string() + ": unsupported ONNX operator(s): ", 0) == 0 &&
           w.find("Sigmoid (node 'act1')") != std::string::npos &&
           w.find("Softmax (node 'prob')") != std::string::npos;
  });
  // Not an ONNX file at all, and a missing file: errors name the file.
  const std::string junk = dir.write("junk.onnx", "this is not a protobuf \xff\xff\xff");
  BOOST_CHECK_EXCEPTION(wl::import_onnx(junk), wl::DataError, [&](const wl::DataError& e) {
    return std::string(e.what()).rfind(junk + ": ", 0) == 0;
  });
  BOOST_CHECK_EXCEPTION(
      wl::import_onnx(dir.path() / "none.onnx"), wl::DataError, [&](const wl::DataError& e) {
        return std::string(e.what()).find("none.onnx: cannot open") != std::string::npos;
      });
}

BOOST_AUTO_TEST_SUITE_END()
