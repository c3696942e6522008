// The files xbarsim reads and writes.
//
// Reading: every reader of a user's file (configs, placements, models, data sets, traces) goes
// through read_file(), which refuses a directory, a missing file and anything longer than the
// reader's limit before holding it in memory -- /dev/zero or a huge file is an error, not gigabytes
// of RSS. The limits are named here, one per kind of file, and documented in README.md.
//
// Writing: each output is written whole to a temporary file beside it and renamed into place, so a
// reader -- or a run killed half way -- never sees half a file, and a failure leaves the old file
// as it was.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace xbar::config {

// Marks an exception as bad input: a file (or option) the user gave is wrong, and the message says
// which and where. xbarsim exits 2 for it (is_bad_input), 1 for any other failure. Error classes of
// the libraries that are about their inputs (workloads::DataError, verify::VcdError, the
// Placement reader's errors) derive from it beside their usual base.
class BadInput {
 public:
  BadInput() = default;
  BadInput(const BadInput&) = default;
  BadInput& operator=(const BadInput&) = default;
  virtual ~BadInput() = default;
  // False for an input that is valid but asks for what xbarsim does not do (an ONNX operator it
  // does not support): that is exit 1, the file is not wrong.
  virtual bool input_is_wrong() const { return true; }
};

// A bad input that is nothing more specific.
class InputError : public std::runtime_error, public BadInput {
 public:
  using std::runtime_error::runtime_error;
};

bool is_bad_input(const std::exception& e);

// Limits on what one input may make xbarsim hold (README.md, "Limits").
namespace limits {
inline constexpr std::size_t kMiB = std::size_t{1} << 20;
inline constexpr std::size_t kConfigBytes = 16 * kMiB;   // a YAML config, manifest or map file
inline constexpr std::size_t kJsonBytes = 256 * kMiB;    // placement.json, result.json, ...
inline constexpr std::size_t kDataBytes = 512 * kMiB;    // a data-set file (after gunzip)
inline constexpr std::size_t kModelBytes = 2048 * kMiB;  // an ONNX model, a .npy tensor
inline constexpr std::size_t kTraceBytes = 1024 * kMiB;  // a VCD trace or a stimulus file
inline constexpr std::size_t kYamlNodes = 1000000;  // nodes of one YAML document, aliases expanded
inline constexpr std::uint64_t kTensorElements = std::uint64_t{1}
                                                 << 29;            // one tensor (2 GiB of floats)
inline constexpr std::int64_t kGridCells = std::int64_t{1} << 20;  // tiles of a chip grid
inline constexpr std::size_t kSweepPoints = 100000;                // points of one sweep
}  // namespace limits

// The whole of `path`, at most `limit` bytes; InputError naming the file (and `what` it is, e.g.
// "placement") when it is missing, a directory, unreadable or longer than the limit.
std::string read_file(const std::filesystem::path& path, std::size_t limit,
                      const std::string& what);

// Why `name` cannot name a directory of its own under runs/ (an absolute path, "..", a '/'), or
// nothing when it can: letters, digits, '.', '_', '-', not starting with '.'.
std::optional<std::string> bad_run_name(const std::string& name);

// a * b, or nothing when it overflows int64 (either negative is also nothing).
std::optional<std::int64_t> checked_product(std::int64_t a, std::int64_t b);

// Writes `text` to `path` atomically (creating its directory); std::runtime_error naming the file
// when it cannot.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace xbar::config
