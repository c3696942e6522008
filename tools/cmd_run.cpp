// xbarsim compile | run: the experiment pipeline from the command line.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "arch/inventory.hpp"
#include "compiler/placement.hpp"
#include "flow/area_report.hpp"
#include "flow/pipeline.hpp"
#include "tools/commands.hpp"

namespace fs = std::filesystem;

namespace xbar::tools {

namespace {

struct RunArgs {
  std::string experiment;
  std::vector<std::string> overrides;
  std::string out;
  int images = -1;
  bool compare = false;
  bool json = false;
  std::string trace;
  int trace_image = 0;
  int trace_layer = -1;
  std::uint64_t trace_from = 0, trace_to = ~std::uint64_t{0};
  std::string compiled;  // a directory xbarsim compile/run wrote: skip compiling
};

// The compiled network: loaded from --compiled, or compiled now.
flow::Compiled compiled_network(const RunArgs& a, const flow::Experiment& e) {
  return a.compiled.empty() ? flow::compile(e, std::cerr)
                            : flow::load_compiled(e, a.compiled, std::cerr);
}

std::string out_dir(const RunArgs& a, const flow::Experiment& e) {
  return a.out.empty() ? (fs::path("runs") / e.name).string() : a.out;
}

void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  fs::path tmp = p;
  tmp += ".tmp";
  std::ofstream(tmp, std::ios::binary | std::ios::trunc) << text;
  fs::rename(tmp, p);
}

// The compile summary: per layer, sparsity, crossbars, utilisation, unclustered fraction; and the
// chip's area from the component library.
nlohmann::json compile_summary(const flow::Experiment& e, const flow::Compiled& c) {
  arch::ArchSpec placed = e.arch;
  placed.chip.tiles = static_cast<int>(c.placement.tiles.size());
  arch::Inventory inv = arch::build_inventory(placed);
  nlohmann::json j;
  j["flow"] = e.flow;
  j["crossbars"] = c.placement.crossbars();
  j["tiles"] = c.placement.tiles.size();
  j["chip_area_mm2"] = inv.chip.area_mm2;
  j["ann_accuracy_before"] = c.ann_accuracy_before;
  j["ann_accuracy"] = c.ann_accuracy;
  long long synapses = 0;
  double cells = 0;
  for (const auto& l : c.placement.layers) {
    synapses += l.stats.synapses;
    j["layers"].push_back({{"sparsity", l.stats.sparsity},
                           {"crossbars", l.stats.crossbars},
                           {"utilization", l.stats.utilization},
                           {"unclustered_fraction", l.stats.unclustered_fraction},
                           {"clusters", l.stats.clusters}});
    cells += static_cast<double>(l.stats.crossbars) * c.placement.crossbar.weight_slots();
  }
  j["utilization"] = cells > 0 ? synapses / cells : 0.0;
  j["stages"] = c.stages;
  return j;
}

void print_summary(const nlohmann::json& j) {
  std::printf(
      "flow %-13s crossbars %6d  tiles %5d  utilization %5.1f %%  area %8.3f mm^2  accuracy %.2f "
      "%% (before %.2f %%)\n",
      j["flow"].get<std::string>().c_str(), j["crossbars"].get<int>(), j["tiles"].get<int>(),
      100 * j["utilization"].get<double>(), j["chip_area_mm2"].get<double>(),
      100 * j["ann_accuracy"].get<double>(), 100 * j["ann_accuracy_before"].get<double>());
  int l = 0;
  for (const auto& layer : j["layers"]) {
    std::printf(
        "  layer %d: sparsity %5.1f %%, %5d crossbars, utilization %5.1f %%, %3d clusters, "
        "unclustered %5.1f %%\n",
        l++, 100 * layer["sparsity"].get<double>(), layer["crossbars"].get<int>(),
        100 * layer["utilization"].get<double>(), layer["clusters"].get<int>(),
        100 * layer["unclustered_fraction"].get<double>());
  }
}

int compile_main(const RunArgs& a) {
  flow::Experiment e = flow::load_experiment(a.experiment, a.overrides);
  const std::vector<std::string> flows =
      a.compare ? std::vector<std::string>{"dense", "prune", "trannsformer"}
                : std::vector<std::string>{e.flow};
  nlohmann::json all = nlohmann::json::array();
  for (const auto& flow : flows) {
    config::ConfigNode root = flow::merge_experiment(a.experiment, a.overrides);
    flow::Experiment ef =
        a.compare ? (flow::set_flow(root, flow), flow::experiment_from_tree(root, a.experiment))
                  : e;
    std::cerr << "compile: " << ef.name << ", flow " << flow << "\n";
    flow::Compiled c = flow::compile(ef, std::cerr);
    const fs::path dir = fs::path(out_dir(a, ef)) / flow;
    flow::save_compiled(ef, c, dir.string());
    nlohmann::json summary = compile_summary(ef, c);
    write_text(dir / "compile.json", summary.dump(2) + "\n");
    write_text(dir / "config.yaml", config::to_yaml(ef.resolved));
    if (!a.json) print_summary(summary);
    all.push_back(summary);
  }
  if (a.json) std::cout << (a.compare ? all : all[0]).dump(2) << "\n";
  if (a.compare && !a.json) {
    const auto& d = all[0];
    for (size_t i = 1; i < all.size(); ++i) {
      std::printf("%s vs dense: %.1f %% fewer crossbars", all[i]["flow"].get<std::string>().c_str(),
                  100.0 * (1.0 - all[i]["crossbars"].get<double>() / d["crossbars"].get<double>()));
      if (i == 2)
        std::printf(
            ", %.1f %% fewer than prune",
            100.0 * (1.0 - all[2]["crossbars"].get<double>() / all[1]["crossbars"].get<double>()));
      std::printf("\n");
    }
  }
  return 0;
}

int run_main(const RunArgs& a) {
  flow::Experiment e = flow::load_experiment(a.experiment, a.overrides);
  const fs::path dir = out_dir(a, e);
  flow::Compiled c = compiled_network(a, e);
  if (a.compiled.empty() || fs::weakly_canonical(a.compiled) != fs::weakly_canonical(dir)) {
    flow::save_compiled(e, c, dir.string());
    write_text(dir / "compile.json", compile_summary(e, c).dump(2) + "\n");
  }
  flow::RunOptions ro;
  ro.placement_file = (dir / "placement_programmed.json").string();
  ro.images = a.images;
  ro.progress = isatty(STDERR_FILENO);
  ro.trace_file = a.trace;
  ro.trace_image = a.trace_image;
  ro.trace_layer = a.trace_layer;
  ro.trace_from = a.trace_from;
  ro.trace_to = a.trace_to;
  nlohmann::json report = flow::run(e, c, ro, std::cerr);
  write_text(dir / "config.yaml", config::to_yaml(e.resolved));
  write_text(dir / "report.json", report.dump(2) + "\n");
  if (a.json) {
    std::cout << report.dump(2) << "\n";
    return 0;
  }
  std::printf("%s on %s, flow %s: %d images, T = %d\n", e.name.c_str(), e.arch.name.c_str(),
              e.flow.c_str(), report["images"].get<int>(), e.timesteps);
  std::printf("  accuracy        %.2f %% (ANN %.2f %%)\n", 100 * report["accuracy"].get<double>(),
              100 * report["ann_accuracy"].get<double>());
  if (report.contains("golden"))
    std::printf("  golden model    %.2f %%, %d images with any spike different\n",
                100 * report["golden"]["accuracy"].get<double>(),
                report["golden"]["images_with_spike_mismatch"].get<int>());
  std::printf("  latency         %.0f cycles = %.2f us per image, %.0f images/s\n",
              report["latency"]["cycles_per_image"].get<double>(),
              report["latency"]["ns_per_image"].get<double>() / 1000,
              report["latency"]["images_per_s"].get<double>());
  std::printf("  energy          %.2f nJ per image (%.2f dynamic, %.2f leakage)\n",
              report["energy"]["per_image_pj"].get<double>() / 1000,
              report["energy"]["dynamic_pj"].get<double>() / 1000,
              report["energy"]["leakage_pj"].get<double>() / 1000);
  std::printf("  area            %.3f mm^2, %d crossbars on %d tiles\n",
              report["area"]["chip_mm2"].get<double>(), report["mapping"]["crossbars"].get<int>(),
              report["mapping"]["tiles"].get<int>());
  std::printf(
      "  noc             %llu packets, average latency %.1f cycles, worst %llu\n",
      static_cast<unsigned long long>(report["noc"]["packets"].get<std::uint64_t>()),
      report["noc"]["average_latency_cycles"].get<double>(),
      static_cast<unsigned long long>(report["noc"]["worst_latency_cycles"].get<std::uint64_t>()));
  std::printf("  report          %s\n", (dir / "report.json").c_str());
  return 0;
}

int accuracy_main(const RunArgs& a) {
  flow::Experiment e = flow::load_experiment(a.experiment, a.overrides);
  flow::Compiled c = compiled_network(a, e);
  nlohmann::json j = flow::evaluate(e, c, a.images, std::cerr);
  if (!a.out.empty()) write_text(fs::path(a.out) / "accuracy.json", j.dump(2) + "\n");
  if (a.json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("%s, flow %s%s: %d images, accuracy %.2f %% (golden model; ANN %.2f %%)\n",
              e.name.c_str(), e.flow.c_str(), j["nonideal"].get<bool>() ? ", non-ideal" : "",
              j["images"].get<int>(), 100 * j["accuracy"].get<double>(),
              100 * j["ann_accuracy"].get<double>());
  return 0;
}

void add_common(CLI::App* cmd, RunArgs& a) {
  cmd->add_option("experiment", a.experiment, "experiment YAML (configs/examples/)")->required();
  cmd->add_option("--set", a.overrides,
                  "override a key: --set snn.timesteps=16, --set arch.crossbar.rows=128");
  cmd->add_option("--out", a.out, "output directory (default runs/NAME)");
  cmd->add_flag("--json", a.json, "print JSON");
}

}  // namespace

static void add_run_commands(CLI::App& app, int& status) {
  auto ca = std::make_shared<RunArgs>();
  CLI::App* compile = app.add_subcommand(
      "compile", "train (or load) and compile a network onto the chip: Placement + statistics");
  add_common(compile, *ca);
  compile->add_flag("--compare", ca->compare,
                    "compile with dense, prune and trannsformer side by side");
  compile->callback([&status, ca] { status = guarded([&] { return compile_main(*ca); }); });

  auto ra = std::make_shared<RunArgs>();
  CLI::App* run = app.add_subcommand(
      "run", "compile and simulate an experiment cycle by cycle; writes report.json");
  add_common(run, *ra);
  run->add_option("--images", ra->images, "test images to simulate (default: the experiment's)")
      ->check(CLI::PositiveNumber);
  run->add_option("--trace", ra->trace,
                  "write a VCD waveform (crossbars busy and spikes fired per tile, packets in "
                  "flight, membrane potentials)");
  run->add_option("--trace-image", ra->trace_image,
                  "which simulated image to trace (0-based, default 0)");
  run->add_option("--trace-layer", ra->trace_layer,
                  "layer whose membrane potentials are traced (0-based, default the output layer)");
  run->add_option("--trace-from", ra->trace_from,
                  "first cycle of the window, from the image's start");
  run->add_option("--trace-to", ra->trace_to, "last cycle of the window");
  run->add_option("--compiled", ra->compiled,
                  "simulate a network compiled earlier (a directory xbarsim compile or run wrote)");
  run->callback([&status, ra] { status = guarded([&] { return run_main(*ra); }); });

  auto aa = std::make_shared<RunArgs>();
  CLI::App* acc = app.add_subcommand(
      "accuracy",
      "accuracy of a compiled experiment from the golden model alone (the chip's arithmetic, "
      "non-idealities and mitigations included; no timing or energy): fast, for many images");
  add_common(acc, *aa);
  acc->get_option("--out")->description("write accuracy.json into this directory (default: none)");
  acc->add_option("--images", aa->images, "test images (default: the experiment's; 0: all)")
      ->check(CLI::NonNegativeNumber);
  acc->add_option("--compiled", aa->compiled,
                  "a network compiled earlier (a directory xbarsim compile or run wrote)");
  acc->callback([&status, aa] { status = guarded([&] { return accuracy_main(*aa); }); });
}

XBAR_REGISTER_COMMANDS(30, add_run_commands);

}  // namespace xbar::tools
