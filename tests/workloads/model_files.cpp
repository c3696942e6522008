// .npy files and model directories: round trips, numpy's own reading, and shape errors.
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>

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

// Hostile .npy files: a header or a shape that asks for gigabytes, and values that are not numbers.
// Each is refused before the memory is asked for, naming the file and the byte.
BOOST_AUTO_TEST_CASE(npy_header_and_shape_are_bounded_and_values_finite) {
  TempDir dir;
  // 13 bytes claiming a 4 GiB header (version 2: a 4-byte length): read 4.2 GB before.
  std::string v2("\x93NUMPY\x02\x00\xf0\xff\xff\xff\x7b", 13);
  expect_error([&] { wl::read_npy(dir.write("hlen.npy", v2)); },
               {"hlen.npy", "byte 8", "header length 4294967280"});
  // Shape (10^12,): asked for 4 TB.
  wl::write_npy(dir.path() / "small.npy", Eigen::MatrixXf::Ones(1, 4));
  std::ifstream in(dir.path() / "small.npy", std::ios::binary);
  const std::string s{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::string huge = s;
  const std::size_t at = huge.find("(1, 4)");
  huge.replace(at, 6, "(1000000000000,)");
  huge.erase(huge.find('\n') - 10, 10);  // keep the header length as written
  expect_error([&] { wl::read_npy(dir.write("huge.npy", huge)); },
               {"huge.npy", "(1000000000000,)", "elements a tensor may have"});
  // A shape the file does not hold is refused before the data is allocated.
  std::string big = s;
  big.replace(big.find("(1, 4)"), 6, "(4096, 4096)");
  big.erase(big.find('\n') - 6, 6);
  expect_error([&] { wl::read_npy(dir.write("big.npy", big)); },
               {"big.npy", "short read", "67108864 bytes"});
  // NaN and infinity: accepted before (the run then reported ANN 10 %).
  for (float bad :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    Eigen::MatrixXf m = Eigen::MatrixXf::Ones(2, 3);
    m(1, 2) = bad;
    wl::write_npy(dir.path() / "nan.npy", m);
    expect_error([&] { wl::read_npy(dir.path() / "nan.npy"); },
                 {"nan.npy", "byte 148", "element 5", "finite"});
  }
  expect_error([&] { wl::read_npy(dir.path()); }, {"is a directory"});
}

// Sizes in a manifest that would overflow what is computed from them ("layer before gives
// -1530494976") are refused at the key, and a model directory is replaced whole: no stale .npy of
// the model before stays beside the new manifest.
BOOST_AUTO_TEST_CASE(manifest_sizes_are_bounded_and_models_replaced_whole) {
  TempDir dir;
  wl::save_model(dir.path() / "m", small_net(1), {});
  std::ifstream in(dir.path() / "m" / "manifest.yaml");
  const std::string y{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::string big = y;
  big.replace(big.find("channels: 1"), 11, "channels: 2000000000");
  std::ofstream(dir.path() / "m" / "manifest.yaml") << big;
  expect_error([&] { wl::load_model(dir.path() / "m"); },
               {"manifest.yaml input", "'channels' is 2000000000, outside [1, 16777216]"});
  // A three-layer model replaced by a one-layer one: its dense1.npy does not survive.
  wl::save_model(dir.path() / "m", small_net(1), {});
  BOOST_TEST(fs::exists(dir.path() / "m" / "dense1.npy"));
  wl::save_model(dir.path() / "m", wl::make_mlp({6, 3}, {}), {});
  BOOST_TEST(!fs::exists(dir.path() / "m" / "dense1.npy"));
  BOOST_TEST(wl::load_model(dir.path() / "m").network.layer_sizes() == (std::vector<int>{6, 3}));
  for (const auto& e : fs::directory_iterator(dir.path()))
    BOOST_TEST(e.path().filename() == "m", "left behind: " << e.path());
  // A directory that is not a model is not replaced.
  dir.write("mine/notes.txt", "keep me");
  expect_error([&] { wl::save_model(dir.path() / "mine", small_net(1), {}); },
               {"mine", "not a model directory"});
  BOOST_TEST(fs::exists(dir.path() / "mine" / "notes.txt"));
}

BOOST_AUTO_TEST_SUITE_END()
