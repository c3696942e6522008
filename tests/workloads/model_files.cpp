// .npy files and model directories: round trips, numpy's own reading, and shape errors.
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.hpp"
#include "workloads/model_io.hpp"
#include "workloads/npy.hpp"

namespace wl = xbar::workloads;
namespace fs = std::filesystem;
using xbar::test::TempDir;

namespace {

template <class F>
void expect_error(F f, std::initializer_list<std::string> parts) {
  try {
    f();
    BOOST_ERROR("no error thrown");
  } catch (const std::exception& e) {
    const std::string msg = e.what();
    BOOST_TEST_MESSAGE("error: " << msg);
    for (const auto& p : parts) BOOST_TEST(msg.find(p) != std::string::npos, msg << " lacks " << p);
  }
}

wl::Network small_net(std::uint64_t seed) {
  wl::Network net = wl::make_mlp({6, 5, 3}, {.dropout = 0.25f});
  wl::Rng rng(seed);
  wl::init_weights(net, wl::Init::kHeUniform, 0, rng);
  return net;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(workloads_files)

BOOST_AUTO_TEST_CASE(npy_round_trip_is_exact) {
  TempDir dir;
  Eigen::MatrixXf m(3, 4);
  for (int i = 0; i < 12; ++i) m(i / 4, i % 4) = float(i) * 0.37f - 1.0f;
  wl::write_npy(dir.path() / "m.npy", m);
  Eigen::MatrixXf back = wl::read_npy_matrix(dir.path() / "m.npy", 3, 4);
  BOOST_TEST((back == m));
  wl::NpyArray a{{2, 3, 2}, std::vector<float>(12, 0.5f)};
  wl::write_npy(dir.path() / "a.npy", a);
  wl::NpyArray b = wl::read_npy(dir.path() / "a.npy");
  BOOST_TEST(b.shape == a.shape);
  BOOST_TEST(b.data == a.data);
}

// Readable by numpy itself (C order: element [r, c] is m(r, c)).
BOOST_AUTO_TEST_CASE(npy_is_read_by_numpy) {
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    BOOST_TEST_MESSAGE("SKIPPED: /usr/bin/python3 with numpy not available");
    return;
  }
  TempDir dir;
  Eigen::MatrixXf m(2, 3);
  m << 1, 2, 3, 4, 5, 6.5f;
  const fs::path p = dir.path() / "m.npy";
  wl::write_npy(p, m);
  const std::string cmd = "/usr/bin/python3 -c \"import numpy as np; a = np.load('" + p.string() +
                          "'); assert a.dtype == np.float32 and a.shape == (2, 3) and "
                          "a[1, 2] == 6.5 and a[0, 1] == 2\"";
  BOOST_TEST(std::system(cmd.c_str()) == 0);
  // And numpy's files are read by us.
  const fs::path q = dir.path() / "np.npy";
  const std::string make = "/usr/bin/python3 -c \"import numpy as np; np.save('" + q.string() +
                           "', np.arange(6, dtype='<f4').reshape(3, 2))\"";
  BOOST_REQUIRE(std::system(make.c_str()) == 0);
  Eigen::MatrixXf r = wl::read_npy_matrix(q, 3, 2);
  BOOST_TEST(r(2, 1) == 5.0f);
  BOOST_TEST(r(1, 0) == 2.0f);
}

BOOST_AUTO_TEST_CASE(npy_errors_name_file) {
  TempDir dir;
  Eigen::MatrixXf m = Eigen::MatrixXf::Ones(3, 4);
  wl::write_npy(dir.path() / "w.npy", m);
  expect_error([&] { wl::read_npy_matrix(dir.path() / "w.npy", 4, 3); },
               {"w.npy", "(3, 4)", "(4, 3)"});
  auto bad = dir.write("bad.npy", "PK\x03\x04 not numpy");
  expect_error([&] { wl::read_npy(bad); }, {"bad.npy", "bad magic"});
  std::ifstream in(dir.path() / "w.npy", std::ios::binary);
  std::string s{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto cut = dir.write("cut.npy", s.substr(0, s.size() - 5));
  expect_error([&] { wl::read_npy(cut); }, {"cut.npy", "short read"});
  std::string f8 = s;
  f8.replace(f8.find("<f4"), 3, "<f8");
  auto dbl = dir.write("f8.npy", f8);
  expect_error([&] { wl::read_npy(dbl); }, {"f8.npy", "<f8"});
}

BOOST_AUTO_TEST_CASE(model_round_trip_keeps_weights_masks_and_info) {
  TempDir dir;
  wl::Network net = small_net(3);
  Eigen::MatrixXf mask = Eigen::MatrixXf::Ones(5, 6);
  mask(0, 0) = mask(4, 5) = 0;
  net.dense_layers()[0]->set_mask(mask);
  wl::ModelInfo info;
  info.dataset = "mnist";
  info.seed = 42;
  info.epochs = 7;
  info.test_accuracy = 0.93;
  info.training = {{"optimiser", "sgd"}};
  wl::save_model(dir.path() / "model", net, info);
  wl::LoadedModel m = wl::load_model(dir.path() / "model");
  BOOST_TEST(m.network.size() == net.size());
  BOOST_TEST((m.network.dense_layers()[0]->weights() == net.dense_layers()[0]->weights()));
  BOOST_TEST((m.network.dense_layers()[1]->weights() == net.dense_layers()[1]->weights()));
  BOOST_TEST((m.network.dense_layers()[0]->mask() == mask));
  BOOST_TEST(!m.network.dense_layers()[1]->has_mask());
  BOOST_TEST(m.network.layer(2).kind() == "dropout");
  BOOST_TEST(m.info.dataset == "mnist");
  BOOST_TEST(m.info.seed == 42u);
  BOOST_TEST(m.info.epochs == 7);
  BOOST_TEST(m.info.test_accuracy == 0.93);
  BOOST_TEST(m.info.training["optimiser"] == "sgd");
}

BOOST_AUTO_TEST_CASE(model_shape_mismatch_says_what_and_where) {
  TempDir dir;
  wl::save_model(dir.path() / "model", small_net(1), {});
  // A weight file of the wrong shape.
  wl::write_npy(dir.path() / "model" / "dense1.npy", Eigen::MatrixXf::Zero(3, 4));
  expect_error([&] { wl::load_model(dir.path() / "model"); }, {"dense1.npy", "(3, 4)", "(3, 5)"});
  // A manifest whose layers do not chain.
  wl::save_model(dir.path() / "m2", small_net(1), {});
  std::ifstream in(dir.path() / "m2" / "manifest.yaml");
  std::string y{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  y.replace(y.find("inputs: 5"), 9, "inputs: 4");
  std::ofstream(dir.path() / "m2" / "manifest.yaml") << y;
  expect_error([&] { wl::load_model(dir.path() / "m2"); }, {"manifest.yaml", "layer 3", "gives 5"});
  expect_error([&] { wl::load_model(dir.path() / "none"); }, {"manifest.yaml", "not found"});
}

BOOST_AUTO_TEST_SUITE_END()
