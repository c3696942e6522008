// Design-space sweeps: a base config plus axes (lists of values for key paths), expanded into
// points (cartesian product, with zipped groups that move together), filtered by constraints,
// each validated before anything runs. Every point is identified by a hash of its resolved config,
// so re-running a sweep finds the points it already finished.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "config/config_tree.hpp"

namespace xbar::flow {

using Setting = std::pair<std::string, config::ConfigNode>;  // key path, value (with its location)

struct SweepPoint {
  int index = 0;
  std::vector<Setting> settings;  // the axis values of this point
  std::string id;                 // hash of the command and the resolved config
  config::ConfigNode resolved;    // base + fixed + settings, validated
  nlohmann::json axes() const;    // {"crossbar.rows": 64, ...}
};

struct Sweep {
  std::string file;
  std::string name;
  std::string command;  // what each point runs: area | run
  std::string base;     // resolved path of the base config
  std::vector<Setting> fixed;
  std::vector<std::string> axis_names;
  std::vector<SweepPoint> points;
  int dropped_by_constraints = 0;
};

// The commands a sweep point may run.
std::vector<std::string> sweep_commands();

// Loads and expands a sweep file; every point's config is validated (an invalid axis value is an
// error located at that value in the sweep file). Throws config::ConfigError.
Sweep load_sweep(const std::string& path);

// 16 hex digits of FNV-1a over the text.
std::string stable_hash(const std::string& text);

// Evaluates a constraint "lhs op rhs" (op: < <= > >= == !=; each side a key path of the point's
// resolved config or a number) against `root`. Throws ConfigError (located at `where`) if
// malformed.
bool evaluate_constraint(const std::string& expression, const config::ConfigNode& root,
                         const config::Location& where);

// The results table of a sweep's output directory, rebuilt from its point directories:
// results.jsonl and results.csv, each written to a temporary file and renamed (atomic).
// Returns the number of rows.
int write_tables(const Sweep& sweep, const std::string& out_dir);
// One row (for live appends and the tables): index, id, status, error, axes, metrics.
nlohmann::json point_row(const Sweep& sweep, const SweepPoint& point, const std::string& out_dir);

std::string point_dir(const std::string& out_dir, const SweepPoint& point);
// Whether a point needs no run: done with a readable result.json, or failed (unless
// `retry_failed`).
bool point_finished(const std::string& out_dir, const SweepPoint& point, bool retry_failed);

}  // namespace xbar::flow
