#include "workloads/npy.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace xbar::workloads {

namespace fs = std::filesystem;

namespace {

std::string shape_str(const std::vector<long>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    s += std::to_string(shape[i]);
    if (shape.size() == 1 || i + 1 < shape.size()) s += ",";
    if (i + 1 < shape.size()) s += " ";
  }
  return s + ")";
}

std::size_t count_of(const std::vector<long>& shape) {
  std::size_t n = 1;
  for (long d : shape) n *= static_cast<std::size_t>(d);
  return n;
}

// The value of 'key' in the header dictionary, as written (up to the next top-level comma/brace).
std::string dict_value(const std::string& h, const std::string& key, const fs::path& path) {
  std::size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) throw DataError(path.string() + ": .npy header has no '" + key + "'");
  std::size_t colon = h.find(':', k);
  std::size_t start = h.find_first_not_of(' ', colon + 1);
  std::size_t end = start;
  int depth = 0;
  for (; end < h.size(); ++end) {
    char c = h[end];
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (depth == 0 && (c == ',' || c == '}')) break;
  }
  return h.substr(start, end - start);
}

}  // namespace

void write_npy(const fs::path& path, const NpyArray& a) {
  if (count_of(a.shape) != a.data.size())
    throw DataError(path.string() + ": shape " + shape_str(a.shape) + " does not match " +
                    std::to_string(a.data.size()) + " values");
  std::string header =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_str(a.shape) + ", }";
  // magic(6) + version(2) + header length(2) + header + '\n', padded to a multiple of 64.
  std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) throw DataError(path.string() + ": cannot open for writing");
  out.write("\x93NUMPY\x01\x00", 8);
  const unsigned short len = static_cast<unsigned short>(header.size());
  const char len_le[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  out.write(len_le, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  static_assert(sizeof(float) == 4);
  // Little-endian hosts only (x86, ARM): the bytes are already '<f4'.
  out.write(reinterpret_cast<const char*>(a.data.data()),
            static_cast<std::streamsize>(a.data.size() * sizeof(float)));
  if (!out) throw DataError(path.string() + ": write failed");
}

NpyArray read_npy(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw DataError(path.string() + ": is a directory, not a .npy file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path.string() + ": file not found or unreadable");
  // A regular file's size bounds what its header may ask for (a device such as /dev/zero has none:
  // the header and tensor limits bound it).
  const std::uintmax_t file_size = fs::is_regular_file(path, ec) ? fs::file_size(path, ec) : 0;
  const bool sized = !ec && fs::is_regular_file(path, ec);
  char pre[10];
  in.read(pre, 10);
  if (in.gcount() != 10 || std::memcmp(pre, "\x93NUMPY", 6) != 0)
    throw DataError(path.string() + ": not a .npy file (bad magic)");
  std::size_t hlen = 0;
  const int major = static_cast<unsigned char>(pre[6]);
  if (major == 1) {
    hlen = static_cast<unsigned char>(pre[8]) | (static_cast<unsigned char>(pre[9]) << 8);
  } else if (major == 2 || major == 3) {
    char more[2];
    in.read(more, 2);
    hlen = static_cast<unsigned char>(pre[8]) |
           (static_cast<std::size_t>(static_cast<unsigned char>(pre[9])) << 8) |
           (static_cast<std::size_t>(static_cast<unsigned char>(more[0])) << 16) |
           (static_cast<std::size_t>(static_cast<unsigned char>(more[1])) << 24);
  } else {
    throw DataError(path.string() + ": unsupported .npy version " + std::to_string(major));
  }
  constexpr std::size_t kMaxHeader = 1
                                     << 16;  // numpy writes tens of bytes; version 1 allows 64 KiB
  if (hlen > kMaxHeader || (sized && 10 + hlen > file_size))
    throw DataError(path.string() + ": byte 8: .npy header length " + std::to_string(hlen) +
                    (hlen > kMaxHeader ? " is more than the 65536 bytes a header may have"
                                       : " runs past the end of the " + std::to_string(file_size) +
                                             "-byte file"));
  std::string h(hlen, '\0');
  in.read(h.data(), static_cast<std::streamsize>(hlen));
  if (static_cast<std::size_t>(in.gcount()) != hlen)
    throw DataError(path.string() + ": short read in the .npy header");
  std::string descr = dict_value(h, "descr", path);
  if (descr != "'<f4'" && descr != "'|f4'")
    throw DataError(path.string() + ": dtype " + descr + " is not supported (expected '<f4')");
  if (dict_value(h, "fortran_order", path) != "False")
    throw DataError(path.string() + ": Fortran-order arrays are not supported");
  std::string shape = dict_value(h, "shape", path);
  NpyArray a;
  {
    std::string inner = shape.substr(1, shape.find(')') - 1);
    std::stringstream ss(inner);
    std::string tok;
    while (std::getline(ss, tok, ',')) {
      if (tok.find_first_not_of(' ') == std::string::npos) continue;
      try {
        std::size_t used = 0;
        long d = std::stol(tok, &used);
        if (d < 0 || tok.find_first_not_of(' ', used) != std::string::npos)
          throw std::invalid_argument("negative");
        a.shape.push_back(d);
      } catch (const std::exception&) {
        throw DataError(path.string() + ": bad shape " + shape + " in the .npy header");
      }
    }
  }
  // The element count, checked: no more than a tensor may have, and no more than the file holds.
  std::uint64_t count = 1;
  for (long d : a.shape) {
    if (d != 0 && count > config::limits::kTensorElements / static_cast<std::uint64_t>(d))
      count = config::limits::kTensorElements + 1;
    else
      count *= static_cast<std::uint64_t>(d);
  }
  if (count > config::limits::kTensorElements)
    throw DataError(path.string() + ": shape " + shape + " has more than the " +
                    std::to_string(config::limits::kTensorElements) +
                    " elements a tensor may have");
  const std::uint64_t data_offset = (major == 1 ? 10 : 12) + hlen;
  if (sized && data_offset + count * sizeof(float) > file_size)
    throw DataError(path.string() + ": short read: shape " + shape_str(a.shape) + " needs " +
                    std::to_string(count * sizeof(float)) + " bytes of data, file has " +
                    std::to_string(file_size - std::min<std::uint64_t>(file_size, data_offset)));
  a.data.resize(static_cast<std::size_t>(count));
  in.read(reinterpret_cast<char*>(a.data.data()),
          static_cast<std::streamsize>(a.data.size() * sizeof(float)));
  if (static_cast<std::size_t>(in.gcount()) != a.data.size() * sizeof(float))
    throw DataError(path.string() + ": short read: shape " + shape_str(a.shape) + " needs " +
                    std::to_string(a.data.size() * sizeof(float)) + " bytes of data, file has " +
                    std::to_string(in.gcount()));
  for (std::size_t k = 0; k < a.data.size(); ++k)
    if (!std::isfinite(a.data[k]))
      throw DataError(path.string() + ": byte " + std::to_string(data_offset + 4 * k) +
                      ": element " + std::to_string(k) + " is " + std::to_string(a.data[k]) +
                      " (weights must be finite)");
  return a;
}

void write_npy(const fs::path& path, const Eigen::MatrixXf& m) {
  NpyArray a;
  a.shape = {static_cast<long>(m.rows()), static_cast<long>(m.cols())};
  a.data.resize(static_cast<std::size_t>(m.size()));
  Eigen::Map<RowMatrix>(a.data.data(), m.rows(), m.cols()) = m;
  write_npy(path, a);
}

Eigen::MatrixXf read_npy_matrix(const fs::path& path, long expect_rows, long expect_cols) {
  NpyArray a = read_npy(path);
  if (a.shape.size() != 2)
    throw DataError(path.string() + ": expected a 2-D array, found shape " + shape_str(a.shape));
  if ((expect_rows >= 0 && a.shape[0] != expect_rows) ||
      (expect_cols >= 0 && a.shape[1] != expect_cols))
    throw DataError(
        path.string() + ": shape " + shape_str(a.shape) + " does not match the " + "expected (" +
        std::to_string(expect_rows) + ", " + std::to_string(expect_cols) + ")" +
        (expect_rows >= 0 && a.shape[0] != expect_rows ? " (rows differ)" : " (columns differ)"));
  return Eigen::Map<RowMatrix>(a.data.data(), a.shape[0], a.shape[1]);
}

}  // namespace xbar::workloads
