// xbarsim compile | run: the experiment pipeline from the command line.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "arch/inventory.hpp"
#include "compiler/placement.hpp"
#include "config/files.hpp"
#include "flow/area_report.hpp"
#include "flow/html_report.hpp"
#include "flow/program.hpp"
#include "flow/run.hpp"
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
  bool html = false;  // run: also write report.html
  std::string trace;
  std::string trace_stimulus;
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

// The compile summary: per layer, sparsity, crossbars, utilisation, unclustered fraction; and the
// chip's area from the component library.
flow::CompileSummary compile_summary(const flow::Experiment& e, const flow::Compiled& c) {
  return {e.flow,  c.placement, flow::placed_inventory(e.arch, c.placement).chip.area_mm2,
          c.ann_accuracy_before, c.ann_accuracy, c.stages};
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
    const flow::CompileSummary summary = compile_summary(ef, c);
    config::write_file_atomically(dir / "compile.json", summary.to_json().dump(2) + "\n");
    config::write_file_atomically(dir / "config.yaml", config::to_yaml(ef.resolved));
    if (!a.json) summary.print(std::cout);
    all.push_back(summary.to_json());
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
  if (!a.trace_stimulus.empty() && a.trace.empty()) {
    std::cerr << "xbarsim run: --trace-stimulus needs --trace (it replays the traced image and "
                 "layer)\n";
    return 2;
  }
  if (a.trace_from > a.trace_to) {
    std::cerr << "xbarsim run: --trace-from " << a.trace_from << " is after --trace-to "
              << a.trace_to << ": the trace window would be empty\n";
    return 2;
  }
  for (const std::string* file : {&a.trace, &a.trace_stimulus}) {
    const fs::path parent = fs::path(*file).parent_path();
    if (!file->empty() && !parent.empty() && !fs::is_directory(parent)) {
      std::cerr << "xbarsim run: " << (file == &a.trace ? "--trace " : "--trace-stimulus ") << *file
                << ": no directory " << parent.string() << " to write it in\n";
      return 2;
    }
  }
  flow::Experiment e = flow::load_experiment(a.experiment, a.overrides);
  const fs::path dir = out_dir(a, e);
  flow::Compiled c = compiled_network(a, e);
  // Nothing goes into the output directory before the run has succeeded: a bad --compiled
  // network or a failing simulation leaves the results of an earlier run as they were. The
  // programmed placement waits in a temporary file until then.
  const fs::path programmed =
      fs::temp_directory_path() / ("xbarsim-placement-" + std::to_string(getpid()) + ".json");
  struct Remove {
    fs::path p;
    ~Remove() {
      std::error_code ec;
      fs::remove(p, ec);
    }
  } remove_programmed{programmed};
  flow::RunOptions ro;
  ro.placement_file = programmed.string();
  ro.images = a.images;
  ro.progress = isatty(STDERR_FILENO);
  ro.trace_file = a.trace;
  ro.trace_image = a.trace_image;
  ro.trace_layer = a.trace_layer;
  ro.trace_from = a.trace_from;
  ro.trace_to = a.trace_to;
  ro.trace_stimulus_file = a.trace_stimulus;
  const flow::RunReport report = flow::run(e, c, ro, std::cerr);
  const nlohmann::json j = report.to_json();
  if (a.compiled.empty() || fs::weakly_canonical(a.compiled) != fs::weakly_canonical(dir)) {
    flow::save_compiled(e, c, dir.string());
    config::write_file_atomically(dir / "compile.json",
                                  compile_summary(e, c).to_json().dump(2) + "\n");
  }
  if (fs::exists(programmed)) {
    fs::create_directories(dir);
    fs::copy_file(programmed, dir / "placement_programmed.json.tmp",
                  fs::copy_options::overwrite_existing);
    fs::rename(dir / "placement_programmed.json.tmp", dir / "placement_programmed.json");
  }
  config::write_file_atomically(dir / "config.yaml", config::to_yaml(e.resolved));
  config::write_file_atomically(dir / "report.json", j.dump(2) + "\n");
  if (a.html) flow::write_run_report_html(dir.string());
  if (a.json)
    std::cout << j.dump(2) << "\n";
  else
    report.print(std::cout, (dir / "report.json").string());
  return 0;
}

int accuracy_main(const RunArgs& a) {
  flow::Experiment e = flow::load_experiment(a.experiment, a.overrides);
  flow::Compiled c = compiled_network(a, e);
  const flow::AccuracyReport report = flow::evaluate(e, c, a.images, std::cerr);
  const nlohmann::json j = report.to_json();
  if (!a.out.empty())
    config::write_file_atomically(fs::path(a.out) / "accuracy.json", j.dump(2) + "\n");
  if (a.json)
    std::cout << j.dump(2) << "\n";
  else
    report.print(std::cout);
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
  run->add_option("--trace-stimulus", ra->trace_stimulus,
                  "with --trace: write the traced layer's neuron-core stimulus (the codes each "
                  "neuron integrates per timestep) to replay with neuron-trace or your RTL");
  run->add_flag("--html", ra->html,
                "also write report.html, the visual report (as `xbarsim report RUN_DIR` does)");
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
