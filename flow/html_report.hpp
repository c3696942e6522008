// The visual reports: one self-contained HTML page per run (report.html, drawn from report.json)
// and one per sweep (index.html, drawn from results.jsonl). Inline SVG and CSS, a few lines of
// inline script for sorting the sweep's table; nothing loaded from the network, so a page opens
// from disk anywhere. Every figure on a page is a number of the JSON it was drawn from: the SVG
// elements carry it in data-* attributes (shortest round-trip text), which the tests read back.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace xbar::flow {

// The page of one run, from its report.json. Sections that report.json lacks (an older version)
// say so instead of a chart. Throws std::invalid_argument when `report` is not a run report.
std::string run_report_html(const nlohmann::json& report);

// One point of a sweep for its index page: its results.jsonl row and the link to its report.html
// relative to index.html ("" when the point has none, e.g. an area sweep or a failed point).
struct SweepIndexPoint {
  nlohmann::json row;
  std::string report_href;
  // The breakdowns of its result (empty when it has none): energy per image and tile area.
  std::map<std::string, double> energy_pj, tile_area_mm2;
};

// The sweep's page: the Pareto front of its first cost pair the rows carry (area and energy for
// runs, area and peak power for area sweeps; the front's points labelled and linked), the energy
// and the tile area by component of each point, and a table of every point sortable by any column.
std::string sweep_index_html(const std::string& sweep_name,
                             const std::vector<std::string>& axis_names,
                             const std::vector<SweepIndexPoint>& points);

struct Sweep;

// Reads RUN_DIR/report.json and writes RUN_DIR/report.html (atomically); returns its path. A
// missing or unreadable report.json is a config::ConfigError naming the file (exit 2).
std::string write_run_report_html(const std::string& run_dir);

// Writes OUT_DIR/index.html for the sweep, and the report.html of every finished run point (next
// to its report.json, points/ID/run/); returns the path of index.html.
std::string write_sweep_index_html(const Sweep& sweep, const std::string& out_dir);

}  // namespace xbar::flow
