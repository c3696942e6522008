// Writing the files xbarsim produces (reports, placements, tables): each is written whole to a
// temporary file beside it and renamed into place, so a reader -- or a run killed half way --
// never sees half a file, and a failure leaves the old file as it was.
#pragma once

#include <filesystem>
#include <string>

namespace xbar::config {

// Writes `text` to `path` atomically (creating its directory); std::runtime_error naming the file
// when it cannot.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace xbar::config
