// ONNX import against fixtures made at test time by tools/make_onnx_fixtures.py (onnx.helper
// models with seeded random weights, reference outputs computed by the script with numpy).
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>

#include "tests/support/temp_dir.hpp"
#include "workloads/deep.hpp"
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

BOOST_AUTO_TEST_CASE(vgg_with_batchnorm_imports_with_the_reference_outputs) {
  xbar::test::TempDir dir;
  if (!make_fixtures(dir.path())) return;
  wl::OnnxImport m = wl::import_onnx(dir.path() / "vgg.onnx");
  for (const auto& line : m.log) BOOST_TEST_MESSAGE(line);
  // Each Conv + BatchNormalization became one conv with bias; no batch norm is left.
  BOOST_TEST(wl::conv_layers(m.network).size() == 3u);
  BOOST_TEST(m.network.layers_of<wl::BatchNorm2d>().empty());
  for (const wl::Conv2d* c : wl::conv_layers(m.network)) {
    BOOST_TEST(c->has_bias());
    BOOST_TEST(c->padding() == 1);
  }
  BOOST_TEST(m.log[1].find("batch norm folded into '/features/features.0/Conv'") !=
             std::string::npos);
  check_outputs(dir.path(), "vgg", m.network);
}

BOOST_AUTO_TEST_CASE(resnet_with_residual_adds_imports_with_the_reference_outputs) {
  xbar::test::TempDir dir;
  if (!make_fixtures(dir.path())) return;
  wl::OnnxImport m = wl::import_onnx(dir.path() / "resnet.onnx");
  for (const auto& line : m.log) BOOST_TEST_MESSAGE(line);
  const std::vector<wl::Residual*> blocks = m.network.layers_of<wl::Residual>();
  BOOST_REQUIRE(blocks.size() == 2u);
  // Block 1: identity shortcut; block 2: stride-2 main branch, 1x1 stride-2 conv shortcut with
  // its batch norm folded in.
  BOOST_TEST(blocks[0]->identity_shortcut());
  BOOST_TEST(blocks[0]->main().size() == 3u);  // conv (+BN) relu conv (+BN)
  BOOST_REQUIRE(blocks[1]->shortcut().size() == 1u);
  const auto* proj = dynamic_cast<const wl::Conv2d*>(&blocks[1]->shortcut().layer(0));
  BOOST_REQUIRE(proj);
  BOOST_TEST(proj->kernel() == 1);
  BOOST_TEST(proj->stride() == 2);
  BOOST_TEST(proj->has_bias());
  BOOST_TEST(dynamic_cast<const wl::Conv2d&>(blocks[1]->main().layer(0)).stride() == 2);
  // Global average pooling became a 4x4 average pool.
  BOOST_TEST(m.network.layers_of<wl::Pool2d>().back()->kernel() == 4);
  check_outputs(dir.path(), "resnet", m.network);
  // Saved and loaded back (residual blocks in the manifest), the same outputs.
  wl::save_model(dir.path() / "model", m.network, {});
  check_outputs(dir.path(), "resnet", wl::load_model(dir.path() / "model").network);
}

BOOST_AUTO_TEST_CASE(exported_vgg_and_resnet_import_back_to_the_same_function) {
  // Our presets at tiny widths, with batch norms kept, exported by the script's --export as
  // PyTorch writes them (Conv, BatchNormalization, Add) and imported: the batch norms are folded
  // at import, and the outputs equal ours.
  xbar::test::TempDir dir;
  if (!make_fixtures(dir.path())) return;
  for (const std::string spec : {"vgg11@0.0625", "resnet20@0.25"}) {
    wl::Network net = wl::make_cnn({3, 32, 32}, spec);
    wl::Rng rng(4);
    wl::init_weights(net, wl::Init::kHeUniform, 0, rng);
    for (wl::BatchNorm2d* bn : net.layers_of<wl::BatchNorm2d>()) {
      const int c = bn->channels();
      Eigen::VectorXf g(c), b(c), mu(c), v(c);
      for (int i = 0; i < c; ++i) {
        g(i) = rng.uniform(0.5f, 1.5f);
        b(i) = rng.uniform(-0.3f, 0.3f);
        mu(i) = rng.uniform(-0.2f, 0.4f);
        v(i) = rng.uniform(0.3f, 2.0f);
      }
      bn->set_state(g, b, mu, v);
    }
    const fs::path model = dir.path() / spec, onnx = dir.path() / (spec + ".onnx");
    wl::save_model(model, net, {});
    const std::string cmd = "/usr/bin/python3 " + xbar::test::source_dir() +
                            "/tools/make_onnx_fixtures.py --export " + model.string() + " " +
                            onnx.string() + " > /dev/null";
    BOOST_REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "export failed: " << cmd);
    wl::OnnxImport m = wl::import_onnx(onnx);
    BOOST_TEST(m.network.layers_of<wl::BatchNorm2d>().empty());
    BOOST_TEST(m.network.layers_of<wl::Residual>().size() == net.layers_of<wl::Residual>().size());
    BOOST_TEST(wl::conv_layers(m.network).size() == wl::conv_layers(net).size());
    wl::RowMatrix x(5, 3072);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform();
    const wl::RowMatrix want = net.predict(x), got = m.network.predict(x);
    const float scale = want.cwiseAbs().maxCoeff(), err = (got - want).cwiseAbs().maxCoeff();
    BOOST_TEST_MESSAGE(spec << ": largest |imported - ours| = " << err << " (outputs up to "
                            << scale << ")");
    BOOST_TEST(scale > 0.0f);
    BOOST_TEST(err <= 1e-5f * scale + 1e-6f);
  }
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
  // Branches that never join, and a batch norm that follows no conv: the nodes are named.
  const fs::path fork = dir.path() / "fork.onnx";
  BOOST_CHECK_EXCEPTION(wl::import_onnx(fork), wl::DataError, [&](const wl::DataError& e) {
    const std::string w = e.what();
    BOOST_TEST_MESSAGE(w);
    return w.rfind(fork.string() + ": ", 0) == 0 && w.find("'left'") != std::string::npos &&
           w.find("do not meet at one Add") != std::string::npos;
  });
  const fs::path bn = dir.path() / "bn_after_relu.onnx";
  BOOST_CHECK_EXCEPTION(wl::import_onnx(bn), wl::DataError, [&](const wl::DataError& e) {
    const std::string w = e.what();
    BOOST_TEST_MESSAGE(w);
    return w.find("node 'norm' (BatchNormalization)") != std::string::npos &&
           w.find("must directly follow a Conv") != std::string::npos;
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

// Hostile ONNX files: weights that are not numbers (accepted before: the run reported ANN 10 %), a
// Conv whose pads ask for 400 TB, an empty file ("the graph has no data input" before). Each is a
// DataError (exit 2) naming the file and the node or tensor.
BOOST_AUTO_TEST_CASE(non_finite_weights_huge_pads_and_empty_files_are_refused) {
  xbar::test::TempDir dir;
  if (std::system("/usr/bin/python3 -c 'import onnx, numpy' > /dev/null 2>&1") != 0) {
    BOOST_TEST_MESSAGE("SKIPPED: /usr/bin/python3 lacks onnx or numpy");
    return;
  }
  const std::string script = dir.write("make.py", R"(
import sys, numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
out = sys.argv[1]
w = np.ones((3, 4), np.float32); w[1, 2] = np.nan
g = helper.make_graph([helper.make_node('Gemm', ['x', 'w'], ['y'], name='fc', transB=1)], 'g',
    [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 4])],
    [helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 3])],
    [numpy_helper.from_array(w, 'w')])
onnx.save(helper.make_model(g), out + '/nan.onnx')
k = np.ones((2, 1, 3, 3), np.float32)
g = helper.make_graph([helper.make_node('Conv', ['x', 'k'], ['y'], name='wide', kernel_shape=[3, 3],
    pads=[1000000] * 4)], 'g',
    [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 1, 8, 8])],
    [helper.make_tensor_value_info('y', TensorProto.FLOAT, None)],
    [numpy_helper.from_array(k, 'k')])
onnx.save(helper.make_model(g), out + '/pads.onnx')
)");
  BOOST_REQUIRE(std::system(("/usr/bin/python3 " + script + " " + dir.path().string()).c_str()) ==
                0);
  auto message = [](const fs::path& f) {
    try {
      wl::import_onnx(f);
    } catch (const wl::DataError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string nan = message(dir.path() / "nan.onnx");
  BOOST_TEST(nan.find((dir.path() / "nan.onnx").string() + ": node 'fc': ") == 0u, nan);
  BOOST_TEST(nan.find("tensor 'w' element 6 is nan") != std::string::npos, nan);
  const std::string pads = message(dir.path() / "pads.onnx");
  BOOST_TEST(pads.find((dir.path() / "pads.onnx").string() + ": ") == 0u, pads);
  BOOST_TEST(pads.find("node 'wide'") != std::string::npos, pads);
  BOOST_TEST(pads.find("elements a tensor may have") != std::string::npos, pads);
  const std::string path = dir.write("empty.onnx", "");
  const std::string empty = message(path);
  BOOST_TEST(empty.find(path + ": empty file: not an ONNX model") == 0u, empty);
}

BOOST_AUTO_TEST_SUITE_END()
