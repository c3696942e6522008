// A small VCD (value change dump) writer for traces of a chosen image and cycle window: integer
// signals set to a value or changed by a delta at a cycle, sorted and written when the trace
// closes, readable by GTKWave and any VCD viewer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xbar::sim {

class VcdTrace {
 public:
  VcdTrace(std::string path, double clock_period_ns, std::uint64_t from_cycle,
           std::uint64_t to_cycle);
  int signal(const std::string& scope, const std::string& name);  // returns its id
  void set(std::uint64_t cycle, int id, long long value);
  void add(std::uint64_t cycle, int id, long long delta);  // running sum (e.g. busy crossbars)
  bool in_window(std::uint64_t cycle) const { return cycle >= from_ && cycle <= to_; }
  // Cycles are counted from the traced image's start; writes the file (throws on I/O errors).
  void write(std::uint64_t image_start) const;

 private:
  struct Change {
    std::uint64_t cycle;
    int id;
    long long value;
    bool delta;
  };
  std::string path_;
  double period_ns_;
  std::uint64_t from_, to_;
  std::vector<std::pair<std::string, std::string>> signals_;  // scope, name
  std::vector<Change> changes_;
};

}  // namespace xbar::sim
