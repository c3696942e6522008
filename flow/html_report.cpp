#include "flow/html_report.hpp"

#include <filesystem>
#include <fstream>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "config/config_tree.hpp"
#include "config/files.hpp"
#include "flow/sweep.hpp"

namespace xbar::flow {

namespace {

using nlohmann::json;

std::string esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// A number for people: four significant digits, whole numbers above ten thousand.
std::string num(double v) {
  char b[64];
  if (std::fabs(v) >= 1e4 && std::fabs(v) < 1e15)
    std::snprintf(b, sizeof b, "%.0f", v);
  else
    std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

// A number for the tests (data-* attributes): the JSON's own shortest round-trip text.
std::string exact(double v) { return json(v).dump(); }

// Pixel coordinates.
std::string px(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

double number(const json& j, const char* key, double fallback = 0) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return fallback;
  return j[key].get<double>();
}

// 0..1 to a colour of the viridis scale (five stops, interpolated).
std::string viridis(double f) {
  static constexpr std::array<std::array<double, 3>, 5> stops = {{{68, 1, 84},
                                                                   {59, 82, 139},
                                                                   {33, 145, 140},
                                                                   {94, 201, 98},
                                                                   {253, 231, 37}}};
  f = std::clamp(std::isfinite(f) ? f : 0.0, 0.0, 1.0) * 4;
  const int i = std::min(3, static_cast<int>(f));
  const double t = f - i;
  char b[16];
  std::snprintf(b, sizeof b, "#%02x%02x%02x",
                static_cast<int>(std::lround(stops[i][0] + t * (stops[i + 1][0] - stops[i][0]))),
                static_cast<int>(std::lround(stops[i][1] + t * (stops[i + 1][1] - stops[i][1]))),
                static_cast<int>(std::lround(stops[i][2] + t * (stops[i + 1][2] - stops[i][2]))));
  return b;
}

// 0..1 to pale orange .. dark red, for the links.
std::string heat(double f) {
  f = std::clamp(std::isfinite(f) ? f : 0.0, 0.0, 1.0);
  char b[16];
  std::snprintf(b, sizeof b, "#%02x%02x%02x", static_cast<int>(std::lround(253 - 75 * f)),
                static_cast<int>(std::lround(190 - 190 * f)), static_cast<int>(std::lround(90 - 70 * f)));
  return b;
}

using Bars = std::vector<std::pair<std::string, double>>;

// Horizontal bars, one per entry, each with its label and value; `id` names the chart.
std::string bar_chart(const std::string& id, const Bars& bars, const std::string& unit) {
  if (bars.empty()) return "<p class=\"missing\">nothing to show</p>";
  double top = 0;
  for (const auto& [label, v] : bars) top = std::max(top, v);
  const double row = 18, label_w = 170, bar_w = 380;
  std::ostringstream s;
  s << "<svg class=\"chart\" id=\"" << esc(id) << "\" data-unit=\"" << esc(unit)
    << "\" width=\"" << label_w + bar_w + 110 << "\" height=\"" << row * bars.size() + 6
    << "\" role=\"img\">";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& [label, v] = bars[i];
    const double y = 3 + row * i, w = top > 0 ? bar_w * v / top : 0;
    s << "<text x=\"" << label_w - 6 << "\" y=\"" << px(y + 13) << "\" text-anchor=\"end\">"
      << esc(label) << "</text><rect class=\"bar\" data-label=\"" << esc(label)
      << "\" data-value=\"" << exact(v) << "\" x=\"" << label_w << "\" y=\"" << px(y + 2)
      << "\" width=\"" << px(std::max(w, 0.0)) << "\" height=\"" << row - 4 << "\"><title>"
      << esc(label) << ": " << num(v) << " " << esc(unit) << "</title></rect><text x=\""
      << px(label_w + std::max(w, 0.0) + 5) << "\" y=\"" << px(y + 13) << "\">" << num(v)
      << "</text>";
  }
  s << "</svg>";
  return s.str();
}

// Vertical columns without labels (the tiles of a large chip), the largest one named.
std::string column_chart(const std::string& id, const Bars& bars, const std::string& unit) {
  if (bars.empty()) return "<p class=\"missing\">nothing to show</p>";
  double top = 0;
  std::size_t largest = 0;
  for (std::size_t i = 0; i < bars.size(); ++i)
    if (bars[i].second > top) top = bars[i].second, largest = i;
  const double w = 660, h = 160, step = w / bars.size();
  std::ostringstream s;
  s << "<svg class=\"chart\" id=\"" << esc(id) << "\" data-unit=\"" << esc(unit) << "\" width=\""
    << w + 20 << "\" height=\"" << h + 24 << "\" role=\"img\">";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const auto& [label, v] = bars[i];
    const double bh = top > 0 ? h * v / top : 0;
    s << "<rect class=\"bar\" data-label=\"" << esc(label) << "\" data-value=\"" << exact(v)
      << "\" x=\"" << px(10 + step * i) << "\" y=\"" << px(h - bh) << "\" width=\""
      << px(std::max(step * 0.85, 0.5)) << "\" height=\"" << px(bh) << "\"><title>" << esc(label)
      << ": " << num(v) << " " << esc(unit) << "</title></rect>";
  }
  s << "<text x=\"10\" y=\"" << h + 18 << "\">largest: " << esc(bars[largest].first) << ", "
    << num(top) << " " << esc(unit) << "</text></svg>";
  return s.str();
}

// A line over x = 0, 1, ... with its points marked, the y axis from 0.
std::string line_chart(const std::string& id, const std::vector<double>& ys,
                       const std::string& x_label, const std::string& y_label) {
  if (ys.empty()) return "<p class=\"missing\">not in this report.json</p>";
  const double w = 600, h = 220, left = 70, bottom = 36;
  const double top = std::max(1.0, *std::max_element(ys.begin(), ys.end()));
  const auto x_of = [&](std::size_t i) {
    return left + (ys.size() > 1 ? w * static_cast<double>(i) / (ys.size() - 1) : w / 2);
  };
  const auto y_of = [&](double v) { return 10 + h - h * v / top; };
  std::ostringstream s;
  s << "<svg class=\"chart\" id=\"" << esc(id) << "\" width=\"" << left + w + 30 << "\" height=\""
    << h + bottom + 14 << "\" role=\"img\">";
  s << "<line class=\"axis\" x1=\"" << left << "\" y1=\"" << px(y_of(0)) << "\" x2=\""
    << left + w << "\" y2=\"" << px(y_of(0)) << "\"/><line class=\"axis\" x1=\"" << left
    << "\" y1=\"10\" x2=\"" << left << "\" y2=\"" << px(y_of(0)) << "\"/>";
  for (const double f : {0.0, 0.5, 1.0})
    s << "<text x=\"" << left - 6 << "\" y=\"" << px(y_of(f * top) + 4)
      << "\" text-anchor=\"end\">" << num(f * top) << "</text>";
  s << "<text x=\"" << left << "\" y=\"" << px(y_of(0) + 16) << "\">0</text><text x=\""
    << left + w << "\" y=\"" << px(y_of(0) + 16) << "\" text-anchor=\"end\">" << ys.size() - 1
    << "</text><text x=\"" << left + w / 2 << "\" y=\"" << px(y_of(0) + 30)
    << "\" text-anchor=\"middle\">" << esc(x_label) << "</text><text x=\"12\" y=\"" << 10 + h / 2
    << "\" transform=\"rotate(-90 12 " << 10 + h / 2 << ")\" text-anchor=\"middle\">"
    << esc(y_label) << "</text>";
  s << "<polyline class=\"series\" points=\"";
  for (std::size_t i = 0; i < ys.size(); ++i) s << px(x_of(i)) << "," << px(y_of(ys[i])) << " ";
  s << "\"/>";
  for (std::size_t i = 0; i < ys.size(); ++i)
    s << "<circle class=\"point\" data-x=\"" << i << "\" data-value=\"" << exact(ys[i])
      << "\" cx=\"" << px(x_of(i)) << "\" cy=\"" << px(y_of(ys[i])) << "\" r=\"2.5\"><title>"
      << esc(x_label) << " " << i << ": " << num(ys[i]) << "</title></circle>";
  s << "</svg>";
  return s.str();
}

// A key/value table of the numbers (and strings) of a JSON object, one level.
std::string kv_table(const json& j) {
  if (!j.is_object()) return "<p class=\"missing\">not in this report.json</p>";
  std::ostringstream s;
  s << "<table class=\"kv\">";
  for (const auto& [k, v] : j.items()) {
    if (v.is_object() || v.is_array()) continue;
    s << "<tr><th>" << esc(k) << "</th><td>"
      << esc(v.is_number() ? num(v.get<double>()) : v.is_string() ? v.get<std::string>() : v.dump())
      << "</td></tr>";
  }
  s << "</table>";
  return s.str();
}

// The floorplan: every NoC slot of the grid, the tiles in use coloured by `metric` (a key of each
// floorplan tile), the routers and the links coloured and sized by the flits they carried.
std::string floorplan_svg(const json& fp, const std::string& metric, const std::string& title,
                          const std::string& unit) {
  const int rows = fp["grid"][0].get<int>(), cols = fp["grid"][1].get<int>();
  const double cell = std::clamp(std::floor(560.0 / std::max(cols, 1)), 6.0, 56.0);
  double lo = 0, hi = 0;
  bool first = true;
  for (const auto& t : fp["tiles"]) {
    const double v = number(t, metric.c_str());
    lo = first ? v : std::min(lo, v);
    hi = first ? v : std::max(hi, v);
    first = false;
  }
  double max_flits = 0;
  for (const auto& l : fp["links"]) max_flits = std::max(max_flits, number(l, "flits"));
  std::map<int, std::pair<double, double>> router_at;
  for (const auto& r : fp["routers"])
    router_at[r["id"].get<int>()] = {r["row"].get<double>(), r["column"].get<double>()};
  const double w = cols * cell, h = rows * cell, legend = 46, width = std::max(w + 2, 300.0);
  std::ostringstream s;
  s << "<figure><figcaption>" << esc(title) << "</figcaption><svg class=\"floorplan\" data-metric=\""
    << esc(metric) << "\" data-tiles=\"" << fp["tiles"].size() << "\" data-max=\"" << exact(hi)
    << "\" data-min=\"" << exact(lo) << "\" width=\"" << width << "\" height=\"" << h + legend
    << "\" role=\"img\">";
  for (int slot = 0; slot < rows * cols; ++slot) {
    const int row = slot / cols, column = slot % cols;  // the slot's place on the grid
    s << "<rect class=\"slot\" x=\"" << px(1 + column * cell) << "\" y=\"" << px(1 + row * cell)
      << "\" width=\"" << px(cell) << "\" height=\"" << px(cell) << "\"/>";
  }
  for (const auto& t : fp["tiles"]) {
    const double v = number(t, metric.c_str());
    const double x = 1 + t["column"].get<int>() * cell, y = 1 + t["row"].get<int>() * cell;
    s << "<rect class=\"tile\" data-slot=\"" << t["slot"].get<int>() << "\" data-value=\""
      << exact(v) << "\" x=\"" << px(x) << "\" y=\"" << px(y) << "\" width=\"" << px(cell)
      << "\" height=\"" << px(cell) << "\" fill=\"" << viridis(hi > lo ? (v - lo) / (hi - lo) : 1)
      << "\"><title>tile " << t["slot"].get<int>() << " (row " << t["row"].get<int>()
      << ", column " << t["column"].get<int>() << "): " << num(v) << " " << esc(unit) << "; "
      << t.value("crossbars", 0) << " crossbars, " << t.value("neurons", 0)
      << " neurons</title></rect>";
    if (cell >= 40)  // dark text on the light end of the scale
      s << "<text class=\"in-tile" << (hi > lo && (v - lo) / (hi - lo) > 0.6 ? " light" : "")
        << "\" x=\"" << px(x + cell / 2) << "\" y=\"" << px(y + cell / 2 + 4)
        << "\" text-anchor=\"middle\">" << num(v) << "</text>";
  }
  for (const auto& l : fp["links"]) {
    const auto a = router_at.find(l["from"].get<int>()), b = router_at.find(l["to"].get<int>());
    if (a == router_at.end() || b == router_at.end()) continue;
    double x1 = 1 + (a->second.second + 0.5) * cell, y1 = 1 + (a->second.first + 0.5) * cell;
    double x2 = 1 + (b->second.second + 0.5) * cell, y2 = 1 + (b->second.first + 0.5) * cell;
    // The two directions of a link side by side: shifted to the right of their direction.
    const double dx = x2 - x1, dy = y2 - y1, len = std::max(1e-9, std::hypot(dx, dy));
    const double off = std::max(1.5, cell * 0.07);
    x1 += -dy / len * off, x2 += -dy / len * off, y1 += dx / len * off, y2 += dx / len * off;
    const double f = max_flits > 0 ? number(l, "flits") / max_flits : 0;
    s << "<line class=\"link\" data-from=\"" << l["from"].get<int>() << "\" data-to=\""
      << l["to"].get<int>() << "\" data-flits=\"" << exact(number(l, "flits")) << "\" x1=\""
      << px(x1) << "\" y1=\"" << px(y1) << "\" x2=\"" << px(x2) << "\" y2=\"" << px(y2)
      << "\" stroke=\"" << heat(f) << "\" stroke-width=\"" << px(1 + 3.5 * f)
      << "\"><title>router " << l["from"].get<int>() << " to " << l["to"].get<int>() << ": "
      << num(number(l, "flits")) << " flits per image</title></line>";
  }
  for (const auto& [id, at] : router_at)
    s << "<circle class=\"router\" data-router=\"" << id << "\" cx=\""
      << px(1 + (at.second + 0.5) * cell) << "\" cy=\"" << px(1 + (at.first + 0.5) * cell)
      << "\" r=\"" << px(std::max(1.5, cell * 0.08)) << "\"><title>router " << id
      << "</title></circle>";
  // Legends: the tiles' scale, then the links'.
  const double ly = h + 10;
  s << "<defs><linearGradient id=\"g-" << esc(metric) << "\">";
  for (int i = 0; i <= 4; ++i)
    s << "<stop offset=\"" << i * 25 << "%\" stop-color=\"" << viridis(i / 4.0) << "\"/>";
  s << "</linearGradient></defs><rect x=\"1\" y=\"" << px(ly) << "\" width=\"120\" height=\"10\" "
    << "fill=\"url(#g-" << esc(metric) << ")\"/><text x=\"126\" y=\"" << px(ly + 9)
    << "\" class=\"legend\">" << num(lo) << " … <tspan class=\"max\" data-value=\"" << exact(hi)
    << "\">" << num(hi) << "</tspan> " << esc(unit) << "</text>";
  if (!fp["links"].empty())
    s << "<text x=\"1\" y=\"" << px(ly + 28) << "\" class=\"legend\" data-max-flits=\""
      << exact(max_flits) << "\">links: pale few … dark red, thick " << num(max_flits)
      << " flits per image</text>";
  s << "</svg></figure>";
  return s.str();
}

const char* kStyle = R"(<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 2px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }
.sub { color: #666; margin-top: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; min-width: 150px; }
.card .v { font-size: 19px; font-weight: 600; } .card .k { color: #666; font-size: 12px; }
svg text { font-size: 11px; fill: #333; } .bar { fill: #3b528b; } .bar:hover { fill: #21918c; }
.series { fill: none; stroke: #3b528b; stroke-width: 1.5; } .point { fill: #3b528b; }
.axis { stroke: #999; } .slot { fill: #f4f4f4; stroke: #ddd; } .tile { stroke: #fff; }
.router { fill: #222; } .link { stroke-linecap: round; } .in-tile { fill: #fff; font-size: 10px; } .in-tile.light { fill: #222; }
.front { fill: none; stroke: #d95f02; stroke-width: 1.5; } .dot { fill: #3b528b; opacity: .8; } .dot.on-front { fill: #d95f02; }
figure { display: inline-block; margin: 6px 18px 6px 0; vertical-align: top; } figcaption { font-weight: 600; }
table { border-collapse: collapse; margin: 6px 0; } th, td { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: right; }
th { background: #fafafa; } table.kv th { text-align: left; } table.sortable th { cursor: pointer; }
pre { background: #f7f7f7; padding: 10px; overflow: auto; max-height: 500px; font-size: 12px; }
.wide { overflow-x: auto; } .missing { color: #a00; } .ok { color: #1a7f37; font-weight: 600; } .bad { color: #b00; font-weight: 600; }
</style>)";

const char* kSortScript = R"(<script>
document.querySelectorAll('table.sortable th').forEach(function (th, i) {
  th.addEventListener('click', function () {
    var body = th.closest('table').tBodies[0], rows = Array.prototype.slice.call(body.rows);
    var up = th.getAttribute('data-dir') !== 'up';
    th.setAttribute('data-dir', up ? 'up' : 'down');
    rows.sort(function (a, b) {
      var x = a.cells[i].getAttribute('data-sort'), y = b.cells[i].getAttribute('data-sort');
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
      return up ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
</script>)";

std::string card(const std::string& key, const std::string& value) {
  return "<div class=\"card\"><div class=\"v\">" + esc(value) + "</div><div class=\"k\">" +
         esc(key) + "</div></div>";
}

std::string pct(double f) { return num(100 * f) + " %"; }

// A series of {"0": v, "1": v, ...} as bars labelled `prefix` + key, in numeric key order.
Bars indexed_bars(const json& j, const std::string& prefix) {
  std::vector<std::pair<long, double>> v;
  if (j.is_object())
    for (const auto& [k, x] : j.items())
      if (x.is_number()) v.emplace_back(std::stol(k), x.get<double>());
  std::sort(v.begin(), v.end());
  Bars bars;
  for (const auto& [k, x] : v) bars.emplace_back(prefix + std::to_string(k), x);
  return bars;
}

std::string summary_section(const json& r) {
  std::ostringstream s;
  const json& lat = r.value("latency", json::object());
  const json& en = r.value("energy", json::object());
  const json& map = r.value("mapping", json::object());
  const json& noc = r.value("noc", json::object());
  s << "<h2 id=\"summary\">Summary</h2><div class=\"cards\">";
  s << card("accuracy (ANN " + pct(number(r, "ann_accuracy")) + ")", pct(number(r, "accuracy")));
  if (r.contains("golden")) s << card("golden model", pct(number(r["golden"], "accuracy")));
  s << card("cycles per image (" + num(number(lat, "ns_per_image") / 1000) + " us)",
            num(number(lat, "cycles_per_image")));
  s << card("energy per image", num(number(en, "per_image_pj") / 1000) + " nJ");
  s << card("chip area", num(number(r.value("area", json::object()), "chip_mm2")) + " mm²");
  s << card("crossbars on tiles", num(number(map, "crossbars")) + " on " +
                                      num(number(map, "tiles")));
  s << card("NoC packets (average latency " + num(number(noc, "average_latency_cycles")) +
                " cycles)",
            num(number(noc, "packets")));
  s << "</div>";
  return s.str();
}

// Tile area by component (mm²): the core's parts times the cores, then the tile's own.
Bars area_parts(const json& area) {
  std::map<std::string, double> parts;
  const json& tile = area.value("tile", json::object());
  const double cores = number(tile, "cores", 1);
  const json core_parts = area.value("core", json::object()).value("components", json::array());
  const json tile_parts = tile.value("components", json::array());
  for (const auto& c : core_parts) parts[c.value("role", "?")] += number(c, "area_mm2") * cores;
  for (const auto& c : tile_parts)
    parts[c.value("role", "?")] += number(c, "area_mm2");
  return {parts.begin(), parts.end()};
}

std::string energy_section(const json& r) {
  std::ostringstream s;
  s << "<h2 id=\"energy\">Energy per image</h2>";
  const json& e = r.value("energy", json::object());
  if (!e.is_object() || e.empty()) return s.str() + "<p class=\"missing\">not in this report.json</p>";
  s << "<p>" << num(number(e, "total_pj") / 1000) << " nJ: " << num(number(e, "dynamic_pj") / 1000)
    << " dynamic, " << num(number(e, "leakage_pj") / 1000) << " leakage. Bars are dynamic energy.</p>";
  Bars comp;
  const json by_component = e.value("by_component_pj", json::object());
  for (const auto& [k, v] : by_component.items())
    if (v.is_number()) comp.emplace_back(k, v.get<double>());
  std::sort(comp.begin(), comp.end(), [](auto& a, auto& b) { return a.second > b.second; });
  s << "<figure><figcaption>by component (pJ)</figcaption>"
    << bar_chart("energy-by-component", comp, "pJ") << "</figure>";
  s << "<figure><figcaption>by layer (pJ)</figcaption>"
    << bar_chart("energy-by-layer", indexed_bars(e.value("by_layer_pj", json::object()), "layer "),
                 "pJ")
    << "</figure>";
  const Bars tiles = indexed_bars(e.value("by_tile_pj", json::object()), "tile ");
  s << "<figure><figcaption>by tile (pJ, NoC slot order)</figcaption>"
    << (tiles.size() > 40 ? column_chart("energy-by-tile", tiles, "pJ")
                          : bar_chart("energy-by-tile", tiles, "pJ"))
    << "</figure>";
  if (r.contains("area"))
    s << "<figure><figcaption>tile area by component (mm²)</figcaption>"
      << bar_chart("area-by-component", area_parts(r["area"]), "mm²") << "</figure>";
  return s.str();
}

std::string floorplan_section(const json& r) {
  std::ostringstream s;
  s << "<h2 id=\"floorplan\">Floorplan</h2>";
  if (!r.contains("floorplan"))
    return s.str() + "<p class=\"missing\">not in this report.json (written by an older xbarsim; "
                     "run it again)</p>";
  const json& fp = r["floorplan"];
  s << "<p>" << fp["tiles"].size() << " tiles in use on a " << fp["grid"][0] << " × "
    << fp["grid"][1] << " grid, per image. ";
  if (fp["routers"].empty())
    s << "The network has no routers (" << esc(r.value("noc", json::object()).value("impl", "?"))
      << "): " << num(number(r.value("noc", json::object()), "flit_hops") /
                      std::max(1.0, number(r, "images", 1)))
      << " flits per image over it.";
  else
    s << fp["routers"].size() << " routers (dots); each link is drawn once per direction.";
  s << "</p>";
  s << floorplan_svg(fp, "dynamic_pj", "dynamic energy per tile", "pJ");
  s << floorplan_svg(fp, "crossbar_busy_cycles", "crossbar busy cycles per tile", "cycles");
  s << floorplan_svg(fp, "spikes", "spikes fired per tile", "spikes");
  return s.str();
}

std::string latency_section(const json& r) {
  std::ostringstream s;
  const json& lat = r.value("latency", json::object());
  s << "<h2 id=\"latency\">Latency per timestep</h2><p>" << num(number(lat, "cycles_per_image"))
    << " cycles per image on average, worst " << num(number(lat, "worst_cycles"))
    << "; the output layer finished timestep t after this many cycles (mean over the images):</p>";
  std::vector<double> ys;
  if (lat.contains("per_timestep_cycles"))
    for (const auto& v : lat["per_timestep_cycles"]) ys.push_back(v.get<double>());
  s << line_chart("latency-per-timestep", ys, "timestep", "cycles from the image's start");
  if (ys.size() > 1) {
    std::vector<double> d(ys.size());
    for (std::size_t t = 0; t < ys.size(); ++t) d[t] = t == 0 ? ys[0] : ys[t] - ys[t - 1];
    s << "<p>cycles between consecutive timesteps:</p>"
      << line_chart("latency-increments", d, "timestep", "cycles since the previous timestep");
  }
  return s.str();
}

std::string mapping_section(const json& r) {
  std::ostringstream s;
  const json& m = r.value("mapping", json::object());
  s << "<h2 id=\"mapping\">Mapping</h2><p>flow " << esc(m.value("flow", "?")) << ": "
    << num(number(m, "crossbars")) << " crossbars on " << num(number(m, "tiles")) << " tiles</p>";
  const json layers = m.value("layers", json::array());
  Bars xbars;
  s << "<table class=\"sortable\" id=\"layers\"><thead><tr><th>layer</th><th>inputs</th>"
       "<th>outputs</th><th>synapses</th><th>sparsity</th><th>crossbars</th><th>utilization</th>"
       "<th>clusters</th><th>unclustered</th><th>blocks</th></tr></thead><tbody>";
  for (const auto& l : layers) {
    const auto cell = [&](const char* k, bool percent) {
      const double v = number(l, k);
      return "<td data-sort=\"" + exact(v) + "\">" + (percent ? pct(v) : num(v)) + "</td>";
    };
    s << "<tr>" << cell("layer", false) << cell("inputs", false) << cell("outputs", false)
      << cell("synapses", false) << cell("sparsity", true) << cell("crossbars", false)
      << cell("utilization", true) << cell("clusters", false)
      << cell("unclustered_fraction", true) << cell("blocks", false) << "</tr>";
    xbars.emplace_back("layer " + std::to_string(l.value("layer", 0)), number(l, "crossbars"));
  }
  s << "</tbody></table><figure><figcaption>crossbars per layer</figcaption>"
    << bar_chart("crossbars-per-layer", xbars, "crossbars") << "</figure>";
  if (m.contains("stages") && !m["stages"].is_null())
    s << "<details><summary>compile stages</summary><pre>" << esc(m["stages"].dump(2))
      << "</pre></details>";
  if (m.contains("mitigations") && !m["mitigations"].is_null())
    s << "<details><summary>mitigations</summary><pre>" << esc(m["mitigations"].dump(2))
      << "</pre></details>";
  return s.str();
}

std::string golden_section(const json& r) {
  std::ostringstream s;
  s << "<h2 id=\"golden\">Chip against the golden model</h2>";
  if (!r.contains("golden"))
    return s.str() + "<p>The spike-exact check did not run (simulate.check_golden: false).</p>";
  const json& g = r["golden"];
  const bool exact_run = g.value("spike_exact", false);
  s << "<p class=\"" << (exact_run ? "ok" : "bad") << "\">"
    << (exact_run ? "spike-exact: every spike of every layer and timestep equals the golden model's"
                  : "NOT spike-exact")
    << "</p><table class=\"kv\"><tr><th>chip accuracy</th><td>" << pct(number(r, "accuracy"))
    << "</td></tr><tr><th>golden model accuracy</th><td>" << pct(number(g, "accuracy"))
    << "</td></tr><tr><th>images with any spike different</th><td id=\"mismatches\">"
    << num(number(g, "images_with_spike_mismatch")) << " of " << num(number(r, "images"))
    << "</td></tr><tr><th>ANN accuracy (after compile)</th><td>" << pct(number(r, "ann_accuracy"))
    << "</td></tr><tr><th>ANN accuracy (before compile)</th><td>"
    << pct(number(r, "ann_accuracy_before_compile")) << "</td></tr></table>";
  return s.str();
}

std::string page(const std::string& title, const std::string& body, bool script) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) +
         "</title>" + kStyle + "</head><body>\n" + body + (script ? kSortScript : "") +
         "\n</body></html>\n";
}

}  // namespace

std::string run_report_html(const json& r) {
  if (!r.is_object() || !r.contains("latency") || !r.contains("mapping") || !r.contains("images"))
    throw std::invalid_argument(
        "not a run report (report.json of `xbarsim run`: it has no images, latency or mapping)");
  std::ostringstream s;
  const std::string name = r.value("experiment", "?");
  std::string arch = "?";
  const json& area = r.value("area", json::object());
  if (area.is_object() && area.contains("arch") && area["arch"].is_string()) arch = area["arch"];
  s << "<h1>" << esc(name) << " on " << esc(arch) << "</h1><p class=\"sub\">flow "
    << esc(r["mapping"].value("flow", "?")) << ", " << num(number(r, "images"))
    << " images, seed " << num(number(r, "seed")) << ", xbarsim " << esc(r.value("version", "?"))
    << "</p>";
  s << summary_section(r) << energy_section(r) << floorplan_section(r) << latency_section(r)
    << mapping_section(r) << golden_section(r);
  s << "<h2 id=\"activity\">Activity and network (whole run)</h2><figure><figcaption>activity"
       "</figcaption>"
    << kv_table(r.value("activity", json())) << "</figure><figure><figcaption>network</figcaption>"
    << kv_table(r.value("noc", json())) << "</figure><figure><figcaption>simulation"
    << "</figcaption>" << kv_table(r.value("simulation", json())) << "</figure>";
  s << "<h2 id=\"config\">Resolved config</h2><pre id=\"resolved-config\">"
    << esc(r.value("config", std::string("(not in this report.json)"))) << "</pre>";
  return page(name + " — xbarsim report", s.str(), true);
}

namespace {

// The cost pairs of plot_sweep.py, in order of preference: the first the rows carry is plotted.
struct CostPair {
  const char *x, *y, *x_label, *y_label;
};
constexpr std::array<CostPair, 4> kCosts = {{
    {"area.chip_mm2", "energy.per_image_pj", "chip area (mm²)", "energy per image (pJ)"},
    {"tile.area_um2_per_cell", "tile.peak_power_uw_per_cell", "tile area per cell (um²)",
     "tile peak power per cell (uW)"},
    {"chip.area_mm2", "chip.peak_power_mw", "chip area (mm²)", "chip peak power (mW)"},
    {"tile.area_mm2", "tile.peak_power_mw", "tile area (mm²)", "tile peak power (mW)"},
}};

// Metrics shown in the table when the rows carry them.
constexpr std::array<const char*, 15> kTableMetrics = {
    "accuracy",          "golden.accuracy",     "energy.per_image_pj", "latency.cycles_per_image",
    "latency.ns_per_image", "area.chip_mm2",    "mapping.crossbars",   "mapping.tiles",
    "noc.packets",       "chip.area_mm2",       "chip.peak_power_mw",  "tile.area_mm2",
    "tile.peak_power_mw", "tile.area_um2_per_cell", "tile.peak_power_uw_per_cell"};

std::string axes_label(const json& axes) {
  std::string s;
  for (const auto& [k, v] : axes.items()) {
    if (!s.empty()) s += ", ";
    const auto dot = k.rfind('.');
    s += (dot == std::string::npos ? k : k.substr(dot + 1)) + "=" +
         (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return s;
}

bool has_metric(const json& row, const char* key) {
  return row.contains("metrics") && row["metrics"].contains(key) && row["metrics"][key].is_number();
}

std::string pareto_svg(const std::vector<SweepIndexPoint>& points, const CostPair& cost) {
  struct P {
    double x, y;
    const SweepIndexPoint* point;
    bool front = false;
  };
  std::vector<P> ps;
  for (const auto& p : points)
    if (p.row.value("status", "") == "done" && has_metric(p.row, cost.x) &&
        has_metric(p.row, cost.y))
      ps.push_back({p.row["metrics"][cost.x].get<double>(), p.row["metrics"][cost.y].get<double>(),
                    &p});
  if (ps.empty()) return "<p class=\"missing\">no finished point carries these costs</p>";
  for (auto& a : ps) {
    a.front = true;
    for (const auto& b : ps)
      if (b.x <= a.x && b.y <= a.y && (b.x < a.x || b.y < a.y)) a.front = false;
  }
  double x0 = ps[0].x, x1 = ps[0].x, y0 = ps[0].y, y1 = ps[0].y;
  for (const auto& p : ps)
    x0 = std::min(x0, p.x), x1 = std::max(x1, p.x), y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
  // Log axes when the costs span more than a decade (crossbar sizes do).
  const bool log_x = x0 > 0 && x1 / x0 > 10, log_y = y0 > 0 && y1 / y0 > 10;
  const auto tx = [](double v, bool log) { return log ? std::log10(v) : v; };
  double ax0 = tx(x0, log_x), ax1 = tx(x1, log_x), ay0 = tx(y0, log_y), ay1 = tx(y1, log_y);
  if (ax1 - ax0 <= 0) ax0 -= 0.5, ax1 += 0.5;
  if (ay1 - ay0 <= 0) ay0 -= 0.5, ay1 += 0.5;
  const double padx = (ax1 - ax0) * 0.06, pady = (ay1 - ay0) * 0.08;
  ax0 -= padx, ax1 += padx, ay0 -= pady, ay1 += pady;
  const double w = 620, h = 340, left = 80, top = 12;
  const auto X = [&](double v) { return left + w * (tx(v, log_x) - ax0) / (ax1 - ax0); };
  const auto Y = [&](double v) { return top + h - h * (tx(v, log_y) - ay0) / (ay1 - ay0); };
  std::ostringstream s;
  s << "<svg class=\"chart\" id=\"pareto\" data-x=\"" << cost.x << "\" data-y=\"" << cost.y
    << "\" width=\"" << left + w + 160 << "\" height=\"" << top + h + 46 << "\" role=\"img\">";
  s << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << w << "\" height=\"" << h
    << "\" fill=\"none\" stroke=\"#ccc\"/>";
  for (const double f : {0.0, 0.5, 1.0}) {
    const double vx = ax0 + padx + f * (ax1 - ax0 - 2 * padx);
    const double vy = ay0 + pady + f * (ay1 - ay0 - 2 * pady);
    const double rx = log_x ? std::pow(10, vx) : vx, ry = log_y ? std::pow(10, vy) : vy;
    s << "<text x=\"" << px(X(rx)) << "\" y=\"" << top + h + 14 << "\" text-anchor=\"middle\">"
      << num(rx) << "</text><text x=\"" << left - 6 << "\" y=\"" << px(Y(ry) + 4)
      << "\" text-anchor=\"end\">" << num(ry) << "</text>";
  }
  s << "<text x=\"" << left + w / 2 << "\" y=\"" << top + h + 32 << "\" text-anchor=\"middle\">"
    << cost.x_label << (log_x ? " (log)" : "") << "</text><text x=\"14\" y=\"" << top + h / 2
    << "\" transform=\"rotate(-90 14 " << top + h / 2 << ")\" text-anchor=\"middle\">"
    << cost.y_label << (log_y ? " (log)" : "") << "</text>";
  std::vector<P> front;
  for (const auto& p : ps)
    if (p.front) front.push_back(p);
  std::sort(front.begin(), front.end(), [](const P& a, const P& b) { return a.x < b.x; });
  s << "<polyline class=\"front\" points=\"";
  for (const auto& p : front) s << px(X(p.x)) << "," << px(Y(p.y)) << " ";
  s << "\"/>";
  for (const auto& p : ps) {
    const std::string label = axes_label(p.point->row.value("axes", json::object()));
    std::string dot = "<circle class=\"dot" + std::string(p.front ? " on-front" : "") +
                      "\" data-index=\"" + std::to_string(p.point->row.value("index", 0)) +
                      "\" data-x=\"" + exact(p.x) + "\" data-y=\"" + exact(p.y) + "\" cx=\"" +
                      px(X(p.x)) + "\" cy=\"" + px(Y(p.y)) + "\" r=\"4.5\"><title>" + esc(label) +
                      ": " + num(p.x) + ", " + num(p.y) + "</title></circle>";
    if (!p.point->report_href.empty())
      dot = "<a href=\"" + esc(p.point->report_href) + "\">" + dot + "</a>";
    s << dot;
    if (p.front || ps.size() <= 12)  // a few points are all labelled, many only on the front
      s << "<text x=\"" << px(X(p.x) + 7) << "\" y=\"" << px(Y(p.y) - 5) << "\">" << esc(label)
        << "</text>";
  }
  s << "</svg>";
  return s.str();
}

// Energy per image by component, one stacked bar per finished run point.
// One stacked bar per finished point of its `parts` (energy or area by component), with a legend.
std::string breakdown_svg(const std::vector<SweepIndexPoint>& points,
                          std::map<std::string, double> SweepIndexPoint::*of, const std::string& id,
                          const std::string& unit) {
  std::vector<std::string> parts;
  std::vector<std::pair<const SweepIndexPoint*, std::map<std::string, double>>> rows;
  double top = 0;
  for (const auto& p : points) {
    const std::map<std::string, double>& v = p.*of;
    if (v.empty()) continue;
    double sum = 0;
    for (const auto& [part, x] : v) {
      sum += x;
      if (std::find(parts.begin(), parts.end(), part) == parts.end()) parts.push_back(part);
    }
    top = std::max(top, sum);
    rows.emplace_back(&p, v);
  }
  if (rows.empty()) return "<p>Not in these points' results.</p>";
  const double row = 20, label_w = 200, bar_w = 440;
  const std::size_t legend_rows = (parts.size() + 3) / 4;  // four entries a row
  std::ostringstream s;
  s << "<svg class=\"chart\" id=\"" << esc(id) << "\" width=\"" << label_w + bar_w + 80 << "\" height=\""
    << row * rows.size() + 24 + 16.0 * legend_rows << "\" role=\"img\">";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double y = 4 + row * i;
    s << "<text x=\"" << label_w - 6 << "\" y=\"" << px(y + 14) << "\" text-anchor=\"end\">"
      << esc(axes_label(rows[i].first->row.value("axes", json::object()))) << "</text>";
    double x = label_w;
    for (std::size_t c = 0; c < parts.size(); ++c) {
      const auto it = rows[i].second.find(parts[c]);
      if (it == rows[i].second.end()) continue;
      const double w = top > 0 ? bar_w * it->second / top : 0;
      s << "<rect class=\"part\" data-part=\"" << esc(parts[c]) << "\" data-value=\""
        << exact(it->second) << "\" x=\"" << px(x) << "\" y=\"" << px(y + 2) << "\" width=\""
        << px(w) << "\" height=\"" << row - 4 << "\" fill=\""
        << viridis(parts.size() > 1 ? static_cast<double>(c) / (parts.size() - 1) : 0)
        << "\"><title>" << esc(parts[c]) << ": " << num(it->second) << " " << esc(unit)
        << "</title></rect>";
      x += w;
    }
  }
  const double ly = 10 + row * rows.size();
  for (std::size_t c = 0; c < parts.size(); ++c) {
    const std::size_t legend_row = c / 4, legend_column = c % 4;
    const double x = 10 + 170.0 * legend_column, y = ly + 16.0 * legend_row;
    s << "<rect x=\"" << px(x) << "\" y=\"" << px(y) << "\" width=\"10\" height=\"10\" fill=\""
      << viridis(parts.size() > 1 ? static_cast<double>(c) / (parts.size() - 1) : 0)
      << "\"/><text x=\"" << px(x + 14) << "\" y=\"" << px(y + 9) << "\">" << esc(parts[c])
      << "</text>";
  }
  s << "</svg>";
  return s.str();
}

}  // namespace

std::string sweep_index_html(const std::string& sweep_name,
                             const std::vector<std::string>& axis_names,
                             const std::vector<SweepIndexPoint>& points) {
  std::ostringstream s;
  int done = 0, failed = 0;
  for (const auto& p : points) {
    done += p.row.value("status", "") == "done";
    failed += p.row.value("status", "") == "failed";
  }
  s << "<h1>sweep " << esc(sweep_name) << "</h1><p class=\"sub\">" << points.size()
    << " points: " << done << " done, " << failed << " failed, "
    << points.size() - done - failed << " not run</p>";
  const CostPair* cost = nullptr;
  for (const auto& c : kCosts) {
    for (const auto& p : points)
      if (has_metric(p.row, c.x) && has_metric(p.row, c.y)) {
        cost = &c;
        break;
      }
    if (cost) break;
  }
  s << "<h2 id=\"pareto-front\">Pareto front</h2>";
  if (cost)
    s << "<p>Lower is better on both axes; the front's points are orange. Click a point for its "
         "report.</p>"
      << pareto_svg(points, *cost);
  else
    s << "<p class=\"missing\">no finished point has costs to plot</p>";
  s << "<h2 id=\"breakdown-energy\">Energy per image by component (pJ)</h2>"
    << breakdown_svg(points, &SweepIndexPoint::energy_pj, "breakdown-energy-chart", "pJ")
    << "<h2 id=\"breakdown-area\">Tile area by component (mm²)</h2>"
    << breakdown_svg(points, &SweepIndexPoint::tile_area_mm2, "breakdown-area-chart", "mm²");
  std::vector<const char*> metrics;
  for (const char* m : kTableMetrics)
    for (const auto& p : points)
      if (has_metric(p.row, m)) {
        metrics.push_back(m);
        break;
      }
  s << "<h2 id=\"points\">All points</h2><p>Click a column's header to sort by it.</p>"
       "<div class=\"wide\"><table class=\"sortable\" id=\"points-table\"><thead><tr><th>index</th><th>status</th>";
  for (const auto& a : axis_names) s << "<th>" << esc(a) << "</th>";
  for (const char* m : metrics) s << "<th>" << esc(m) << "</th>";
  s << "<th>report</th></tr></thead><tbody>";
  for (const auto& p : points) {
    const json& row = p.row;
    const std::string status = row.value("status", "missing");
    s << "<tr><td data-sort=\"" << row.value("index", 0) << "\">" << row.value("index", 0)
      << "</td><td data-sort=\"" << esc(status) << "\" title=\"" << esc(row.value("error", ""))
      << "\">" << esc(status) << "</td>";
    for (const auto& a : axis_names) {
      const json v = row.value("axes", json::object()).value(a, json());
      const std::string text = v.is_string() ? v.get<std::string>() : v.dump();
      s << "<td data-sort=\"" << esc(text) << "\">" << esc(text) << "</td>";
    }
    for (const char* m : metrics) {
      if (has_metric(row, m)) {
        const double v = row["metrics"][m].get<double>();
        s << "<td data-sort=\"" << exact(v) << "\">" << num(v) << "</td>";
      } else {
        s << "<td data-sort=\"\"></td>";
      }
    }
    s << "<td data-sort=\"" << esc(p.report_href) << "\">";
    if (!p.report_href.empty()) s << "<a href=\"" << esc(p.report_href) << "\">report</a>";
    s << "</td></tr>";
  }
  s << "</tbody></table></div>";
  return page("sweep " + sweep_name + " — xbarsim", s.str(), true);
}

std::string write_run_report_html(const std::string& run_dir) {
  namespace fs = std::filesystem;
  const fs::path path = fs::path(run_dir) / "report.json";
  std::ifstream in(path);
  if (!in)
    config::fail({path.string()}, "",
                 "cannot read it (not a run directory? `xbarsim run` writes runs/NAME/report.json)");
  json report;
  try {
    report = json::parse(in);
  } catch (const json::parse_error& e) {
    config::fail({path.string()}, "", std::string("not valid JSON: ") + e.what());
  }
  std::string html;
  try {
    html = run_report_html(report);
  } catch (const std::exception& e) {  // a JSON of another shape (a missing or mistyped field)
    config::fail({path.string()}, "", e.what());
  }
  const fs::path out = fs::path(run_dir) / "report.html";
  config::write_file_atomically(out, html);
  return out.string();
}

std::string write_sweep_index_html(const Sweep& sweep, const std::string& out_dir) {
  namespace fs = std::filesystem;
  std::vector<SweepIndexPoint> points;
  for (const auto& p : sweep.points) {
    SweepIndexPoint ip{point_row(sweep, p, out_dir), "", {}, {}};
    const fs::path run = fs::path(point_dir(out_dir, p)) / "run";
    if (ip.row.value("status", "") == "done") {
      // The breakdowns from the point's result: a run report (energy, and its area section) or
      // an area report.
      std::ifstream in(fs::path(point_dir(out_dir, p)) / "result.json");
      const json result = in ? json::parse(in, nullptr, false) : json();
      if (result.is_object()) {
        const json energy = result.value("energy", json::object());
        if (energy.is_object() && energy.contains("by_component_pj"))
          for (const auto& [k, v] : energy["by_component_pj"].items())
            if (v.is_number()) ip.energy_pj[k] = v.get<double>();
        const json area = result.contains("energy") ? result.value("area", json::object()) : result;
        for (const auto& [k, v] : area_parts(area)) ip.tile_area_mm2[k] = v;
      }
    }
    if (ip.row.value("status", "") == "done" && fs::exists(run / "report.json")) {
      write_run_report_html(run.string());
      ip.report_href = fs::relative(run / "report.html", out_dir).generic_string();
    }
    points.push_back(std::move(ip));
  }
  const fs::path out = fs::path(out_dir) / "index.html";
  config::write_file_atomically(out, sweep_index_html(sweep.name, sweep.axis_names, points));
  return out.string();
}

}  // namespace xbar::flow
