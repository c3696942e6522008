#include "flow/report.hpp"

#include <cstdio>
#include <ostream>

#include "flow/area_report.hpp"

namespace xbar::flow {

namespace {

// printf into a stream, for the fixed-width console summaries.
template <class... Args>
void printf_to(std::ostream& out, const char* format, Args... args) {
  char line[512];
  std::snprintf(line, sizeof line, format, args...);
  out << line;
}

}  // namespace

nlohmann::json layer_statistics_json(const compiler::Placement& p) {
  nlohmann::json layers = nlohmann::json::array();
  for (size_t l = 0; l < p.layers.size(); ++l) {
    const auto& s = p.layers[l].stats;
    layers.push_back({{"layer", l},
                      {"inputs", p.layers[l].inputs},
                      {"outputs", p.layers[l].outputs},
                      {"synapses", s.synapses},
                      {"sparsity", s.sparsity},
                      {"crossbars", s.crossbars},
                      {"utilization", s.utilization},
                      {"clusters", s.clusters},
                      {"unclustered_fraction", s.unclustered_fraction},
                      {"conv_weights", p.layers[l].conv_weights},
                      {"blocks", p.layers[l].blocks.size()}});
  }
  return layers;
}

nlohmann::json CompileSummary::to_json() const {
  nlohmann::json j;
  j["flow"] = flow;
  j["crossbars"] = placement.crossbars();
  j["tiles"] = placement.tiles.size();
  j["chip_area_mm2"] = chip_area_mm2;
  j["ann_accuracy_before"] = ann_accuracy_before;
  j["ann_accuracy"] = ann_accuracy;
  j["layers"] = layer_statistics_json(placement);
  long long synapses = 0;
  double cells = 0;
  for (const auto& l : placement.layers) {
    synapses += l.stats.synapses;
    cells += static_cast<double>(l.stats.crossbars) * placement.crossbar.weight_slots();
  }
  j["utilization"] = cells > 0 ? synapses / cells : 0.0;
  j["stages"] = stages;
  return j;
}

void CompileSummary::print(std::ostream& out) const {
  const nlohmann::json j = to_json();
  printf_to(out,
            "flow %-13s crossbars %6d  tiles %5d  utilization %5.1f %%  area %8.3f mm^2  accuracy "
            "%.2f %% (before %.2f %%)\n",
            flow.c_str(), placement.crossbars(), static_cast<int>(placement.tiles.size()),
            100 * j["utilization"].get<double>(), chip_area_mm2, 100 * ann_accuracy,
            100 * ann_accuracy_before);
  for (std::size_t l = 0; l < placement.layers.size(); ++l) {
    const auto& s = placement.layers[l].stats;
    printf_to(out,
              "  layer %d: sparsity %5.1f %%, %5d crossbars, utilization %5.1f %%, %3d clusters, "
              "unclustered %5.1f %%\n",
              static_cast<int>(l), 100 * s.sparsity, s.crossbars, 100 * s.utilization, s.clusters,
              100 * s.unclustered_fraction);
  }
}

nlohmann::json RunReport::to_json() const {
  nlohmann::json j;
  j["version"] = XBARSIM_VERSION;
  j["experiment"] = experiment;
  j["seed"] = seed;
  j["images"] = images;
  j["accuracy"] = accuracy;
  j["ann_accuracy"] = ann_accuracy;
  j["ann_accuracy_before_compile"] = ann_accuracy_before_compile;
  if (golden)
    j["golden"] = {{"accuracy", golden->accuracy},
                   {"images_with_spike_mismatch", golden->images_with_spike_mismatch},
                   {"spike_exact", golden->images_with_spike_mismatch == 0}};
  j["latency"] = {{"cycles_per_image", cycles_per_image},
                  {"worst_cycles", worst_cycles},
                  {"ns_per_image", cycles_per_image * clock_period_ns},
                  {"images_per_s", 1e9 / (cycles_per_image * clock_period_ns)},
                  {"per_timestep_cycles", timestep_cycles}};
  j["energy"] = energy.to_json(images);
  j["energy"]["per_image_pj"] = energy.total_pj() / images;
  j["area"] = area_json(inventory);
  j["area"]["chip_mm2"] = inventory.chip.area_mm2;
  j["mapping"] = {{"flow", flow},
                  {"crossbars", placement.crossbars()},
                  {"tiles", placement.tiles.size()},
                  {"grid", {placement.grid_rows, placement.grid_columns}},
                  {"layers", layer_statistics_json(placement)},
                  {"stages", stages},
                  {"mitigations", mitigations}};
  j.update(chip_activity);
  j["floorplan"] = floorplan_json();
  j["simulation"] = {{"wall_seconds", wall_seconds},
                     {"total_seconds", total_seconds},
                     {"workers", workers},
                     {"cycles_per_second", wall_seconds > 0 ? simulated_cycles / wall_seconds : 0.0}};
  j["config"] = config::to_yaml(config);
  return j;
}

nlohmann::json RunReport::floorplan_json() const {
  const double n = images > 0 ? images : 1;
  nlohmann::json tiles = nlohmann::json::array();
  for (const auto& t : floorplan.tiles)
    tiles.push_back({{"slot", t.slot},
                     {"row", t.row},
                     {"column", t.column},
                     {"crossbars", t.crossbars},
                     {"neurons", t.neurons},
                     {"dynamic_pj", t.dynamic_pj / n},
                     {"crossbar_reads", t.crossbar_reads / n},
                     {"crossbar_busy_cycles", t.crossbar_busy_cycles / n},
                     {"spikes", t.spikes / n},
                     {"flits_sent", t.flits_sent / n}});
  nlohmann::json routers = nlohmann::json::array();
  for (const auto& r : floorplan.routers)
    routers.push_back({{"id", r.id}, {"row", r.row}, {"column", r.column}});
  nlohmann::json links = nlohmann::json::array();
  for (const auto& l : floorplan.links)
    links.push_back({{"from", l.from}, {"to", l.to}, {"flits", l.flits / n}});
  return {{"grid", {floorplan.grid_rows, floorplan.grid_columns}},
          {"per", "image"},
          {"tiles", tiles},
          {"routers", routers},
          {"links", links}};
}

void RunReport::print(std::ostream& out, const std::string& report_path) const {
  printf_to(out, "%s on %s, flow %s: %d images, T = %d\n", experiment.c_str(), arch_name.c_str(),
            flow.c_str(), images, timesteps);
  printf_to(out, "  accuracy        %.2f %% (ANN %.2f %%)\n", 100 * accuracy, 100 * ann_accuracy);
  if (golden)
    printf_to(out, "  golden model    %.2f %%, %d images with any spike different\n",
              100 * golden->accuracy, golden->images_with_spike_mismatch);
  const double ns = cycles_per_image * clock_period_ns;
  printf_to(out, "  latency         %.0f cycles = %.2f us per image, %.0f images/s\n",
            cycles_per_image, ns / 1000, 1e9 / ns);
  printf_to(out, "  energy          %.2f nJ per image (%.2f dynamic, %.2f leakage)\n",
            energy.total_pj() / images / 1000, energy.dynamic_pj / images / 1000,
            energy.leakage_pj / images / 1000);
  printf_to(out, "  area            %.3f mm^2, %d crossbars on %d tiles\n", inventory.chip.area_mm2,
            placement.crossbars(), static_cast<int>(placement.tiles.size()));
  printf_to(out, "  noc             %llu packets, average latency %.1f cycles, worst %llu\n",
            static_cast<unsigned long long>(noc.packets), noc.average_latency_cycles(),
            static_cast<unsigned long long>(noc.max_latency_cycles));
  printf_to(out, "  report          %s\n", report_path.c_str());
}

nlohmann::json AccuracyReport::to_json() const {
  nlohmann::json j;
  j["version"] = XBARSIM_VERSION;
  j["experiment"] = experiment;
  j["seed"] = seed;
  j["images"] = images;
  j["accuracy"] = accuracy;
  j["ann_accuracy"] = ann_accuracy;
  j["engine"] = "golden";
  j["nonideal"] = nonideal;
  j["mapping"] = {
      {"flow", flow}, {"crossbars", crossbars}, {"tiles", tiles}, {"mitigations", mitigations}};
  j["seconds"] = seconds;
  j["config"] = config::to_yaml(config);
  return j;
}

void AccuracyReport::print(std::ostream& out) const {
  printf_to(out, "%s, flow %s%s: %d images, accuracy %.2f %% (golden model; ANN %.2f %%)\n",
            experiment.c_str(), flow.c_str(), nonideal ? ", non-ideal" : "", images,
            100 * accuracy, 100 * ann_accuracy);
}

}  // namespace xbar::flow
