#include "config/files.hpp"

#include <cctype>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace fs = std::filesystem;

namespace xbar::config {

bool is_bad_input(const std::exception& e) {
  const auto* b = dynamic_cast<const BadInput*>(&e);
  return b != nullptr && b->input_is_wrong();
}

namespace {
std::string mib(std::size_t bytes) {
  return bytes % limits::kMiB == 0 ? std::to_string(bytes / limits::kMiB) + " MiB"
                                   : std::to_string(bytes) + " bytes";
}
}  // namespace

std::string read_file(const fs::path& path, std::size_t limit, const std::string& what) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st))
    throw InputError(path.string() + ": cannot open the " + what + " file: no such file");
  if (fs::is_directory(st))
    throw InputError(path.string() + ": is a directory, not a " + what + " file");
  // A regular file says its size up front; a device or pipe (/dev/zero) is read up to the limit.
  if (fs::is_regular_file(st)) {
    const std::uintmax_t size = fs::file_size(path, ec);
    if (!ec && size > limit)
      throw InputError(path.string() + ": " + std::to_string(size) + " bytes is more than the " +
                       mib(limit) + " a " + what + " file may have");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot read the " + what + " file");
  std::string text;
  constexpr std::size_t kChunk = 1 << 16;
  for (;;) {
    const std::size_t old = text.size();
    text.resize(old + kChunk);
    in.read(text.data() + old, static_cast<std::streamsize>(kChunk));
    text.resize(old + static_cast<std::size_t>(in.gcount()));
    if (text.size() > limit)
      throw InputError(path.string() + ": longer than the " + mib(limit) + " a " + what +
                       " file may have");
    if (!in) break;
  }
  if (in.bad()) throw InputError(path.string() + ": read error in the " + what + " file");
  return text;
}

std::optional<std::string> bad_run_name(const std::string& name) {
  if (name.empty()) return "a name cannot be empty";
  if (name.front() == '.')
    return "'" + name + "' starts with '.'; a name is one directory under runs/";
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      return "'" + name + "' has the character '" + std::string(1, c) +
             "'; a name is one directory under runs/ (letters, digits, '.', '_', '-')";
  return std::nullopt;
}

std::optional<std::int64_t> checked_product(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

void write_file_atomically(const fs::path& path, const std::string& text) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (ec) throw std::runtime_error("cannot create " + path.parent_path().string() + ": " + ec.message());
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, path, ec);
  if (ec) throw std::runtime_error("cannot rename " + tmp.string() + " to " + path.string() + ": " + ec.message());
}

}  // namespace xbar::config
