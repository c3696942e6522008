// Experiments end to end as a user runs them: a small MNIST network trained, compiled and
// simulated cycle by cycle, agreeing spike for spike with the golden model; and bad experiment
// files rejected with located messages.
#include "flow/experiment.hpp"

#include <sys/wait.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "flow/compile_flow.hpp"
#include "tests/support/run_cli.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using xbar::test::TempDir;

namespace {

int run(const std::string& args, std::string* out = nullptr) {
  return xbar::test::run_cli(args, out);
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A small experiment: 784-32-10 on MNIST, one epoch, T = 8, on 32x32 crossbars over several tiles.
std::string tiny(const TempDir& dir, const std::string& flow = "flow: dense") {
  const std::string src = xbar::test::source_dir();
  return dir.write(
      "tiny.yaml",
      "version: 1\nname: tiny\narch:\n  extends: " + src +
          "/configs/arch/resparc-64.yaml\n  crossbar: {rows: 32, columns: 32}\n"
          "workload:\n  dataset: mnist\n  data_dir: " +
          src +
          "/data/mnist/package/src/digits\n"
          "  layers: [784, 32, 10]\n  model: " +
          (dir.path() / "model").string() +
          "\ntrain: {optimizer: adam, loss: cross-entropy, epochs: 1, batch: 100, lr: 0.002, "
          "momentum: 0.9, dropout: 0.0, seed: 1}\n"
          "snn: {timesteps: 8, encoding: poisson, normalization: percentile, percentile: 99.9, "
          "calibration_images: 20}\ncompile:\n  " +
          flow +
          "\n  seed: 1\n"
          "simulate: {images: 10, seed: 1, check_golden: true, threads: 1}\n");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(experiment)

BOOST_AUTO_TEST_CASE(run_matches_golden_spike_for_spike_and_reports) {
  TempDir dir;
  std::string path = tiny(dir);
  std::string text;
  const fs::path out = dir.path() / "out";
  BOOST_TEST_REQUIRE(run("run " + path + " --out " + out.string(), &text) == 0, text);
  std::ifstream in(out / "report.json");
  nlohmann::json r = nlohmann::json::parse(in);
  BOOST_TEST(r["images"] == 10);
  BOOST_TEST(r["golden"]["spike_exact"] == true);
  BOOST_TEST(r["accuracy"] == r["golden"]["accuracy"]);
  BOOST_TEST(r["accuracy"].get<double>() >= 0.6);
  BOOST_TEST(r["latency"]["cycles_per_image"].get<double>() > 0);
  BOOST_TEST(r["energy"]["per_image_pj"].get<double>() > 0);
  BOOST_TEST(r["mapping"]["tiles"].get<int>() > 1);
  BOOST_TEST(r["noc"]["packets"].get<int>() > 0);
  BOOST_TEST(fs::exists(out / "placement.json"));
  BOOST_TEST(fs::exists(out / "config.yaml"));
  BOOST_TEST(fs::exists(dir.path() / "model" / "manifest.yaml"));  // trained once, cached
  // The same seed gives the same report, figure for figure (the simulation's wall time aside).
  std::string again;
  BOOST_TEST_REQUIRE(run("run " + path + " --out " + (dir.path() / "again").string(), &again) == 0,
                     again);
  std::ifstream in2(dir.path() / "again" / "report.json");
  nlohmann::json r2 = nlohmann::json::parse(in2);
  r.erase("simulation");
  r2.erase("simulation");
  BOOST_TEST(r.dump() == r2.dump());
}

// The report's floorplan and latency series add up to the run's own totals: the tiles' energy to
// energy.by_tile_pj, the links' flits (XY routes of the traffic between tiles) to the mesh's
// flit_hops, the last timestep's latency to no more than the image's; `report` and `run --html`
// write report.html from them, and bad input to `report` is exit 2 naming the file.
BOOST_AUTO_TEST_CASE(report_floorplan_and_timesteps_add_up_and_draw) {
  TempDir dir;
  std::string path = tiny(dir);
  std::string text;
  const fs::path out = dir.path() / "out";
  BOOST_TEST_REQUIRE(run("run " + path + " --images 4 --html --out " + out.string(), &text) == 0,
                     text);
  std::ifstream in(out / "report.json");
  const nlohmann::json r = nlohmann::json::parse(in);
  const nlohmann::json& fp = r["floorplan"];
  BOOST_TEST(fp["tiles"].size() == r["mapping"]["tiles"].get<std::size_t>());
  double tiles_pj = 0, by_tile_pj = 0, link_flits = 0;
  int crossbars = 0;
  double busy = 0;
  for (const auto& t : fp["tiles"]) {
    tiles_pj += t["dynamic_pj"].get<double>();
    busy += t["crossbar_busy_cycles"].get<double>();
    // A read keeps its crossbar busy for at least one cycle.
    BOOST_TEST(t["crossbar_busy_cycles"].get<double>() >= t["crossbar_reads"].get<double>());
    crossbars += t["crossbars"].get<int>();
    BOOST_TEST(t["slot"].get<int>() ==
               t["row"].get<int>() * fp["grid"][1].get<int>() + t["column"].get<int>());
  }
  for (const auto& [slot, pj] : r["energy"]["by_tile_pj"].items()) by_tile_pj += pj.get<double>();
  for (const auto& l : fp["links"]) link_flits += l["flits"].get<double>();
  BOOST_TEST(tiles_pj == by_tile_pj, boost::test_tools::tolerance(1e-9));
  BOOST_TEST(crossbars == r["mapping"]["crossbars"].get<int>());
  BOOST_TEST(busy > 0);
  BOOST_TEST(busy * 4 == r["activity"]["crossbar_busy_cycles"].get<double>(),
             boost::test_tools::tolerance(1e-9));
  BOOST_TEST(link_flits > 0);
  BOOST_TEST(link_flits * 4 == r["noc"]["flit_hops"].get<double>(),
             boost::test_tools::tolerance(1e-9));
  BOOST_TEST(fp["routers"].size() > 1u);
  const nlohmann::json& steps = r["latency"]["per_timestep_cycles"];
  BOOST_REQUIRE_EQUAL(steps.size(), 8u);
  for (std::size_t t = 1; t < steps.size(); ++t)
    BOOST_TEST(steps[t].get<double>() > steps[t - 1].get<double>());
  BOOST_TEST(steps.back().get<double>() <= r["latency"]["cycles_per_image"].get<double>());
  BOOST_TEST(steps.back().get<double>() > 0.5 * r["latency"]["cycles_per_image"].get<double>());
  // report.html: written by --html, again by `report`, byte for byte.
  const std::string html = read_text(out / "report.html");
  BOOST_TEST(html.find("data-tiles=\"" + std::to_string(fp["tiles"].size()) + "\"") !=
             std::string::npos);
  fs::remove(out / "report.html");
  BOOST_TEST(run("report " + out.string(), &text) == 0, text);
  BOOST_TEST(read_text(out / "report.html") == html);
  // A report.json of an older xbarsim, without the floorplan and the timesteps: still drawn, the
  // missing sections saying so.
  nlohmann::json old = r;
  old.erase("floorplan");
  old["latency"].erase("per_timestep_cycles");
  const fs::path old_dir = dir.path() / "old";
  fs::create_directories(old_dir);
  std::ofstream(old_dir / "report.json") << old.dump();
  BOOST_TEST(run("report " + old_dir.string(), &text) == 0, text);
  const std::string old_html = read_text(old_dir / "report.html");
  BOOST_TEST(old_html.find("not in this report.json (written by an older xbarsim") !=
             std::string::npos);
  BOOST_TEST(old_html.find("class=\"floorplan\"") == std::string::npos);
  BOOST_TEST(old_html.find("id=\"energy-by-tile\"") != std::string::npos);
  // Bad input: no report.json, or one that is not JSON; what was written stays.
  BOOST_TEST(run("report " + (dir.path() / "nowhere").string(), &text) == 2);
  BOOST_TEST(text.find("nowhere/report.json: cannot read it") != std::string::npos, text);
  std::ofstream(out / "report.json") << "{ not json";
  BOOST_TEST(run("report " + out.string(), &text) == 2);
  BOOST_TEST(text.find("report.json: not valid JSON") != std::string::npos, text);
  BOOST_TEST(read_text(out / "report.html") == html);
}

BOOST_AUTO_TEST_CASE(prune_flow_needs_fewer_crossbars_than_dense) {
  TempDir dir;
  std::string text;
  BOOST_TEST_REQUIRE(
      run("compile " + tiny(dir) + " --json --out " + (dir.path() / "d").string(), &text) == 0,
      text);
  nlohmann::json dense = nlohmann::json::parse(text.substr(text.find('{')));
  std::string pruned_path = tiny(dir, "flow: prune\n  sparsity: 0.8\n  epochs: 2");
  BOOST_TEST_REQUIRE(
      run("compile " + pruned_path + " --json --out " + (dir.path() / "p").string(), &text) == 0,
      text);
  nlohmann::json pruned = nlohmann::json::parse(text.substr(text.find('{')));
  BOOST_TEST(pruned["crossbars"].get<int>() <= dense["crossbars"].get<int>());
  BOOST_TEST(pruned["layers"][0]["sparsity"].get<double>() >= 0.75);
  BOOST_TEST(fs::exists(dir.path() / "p" / "prune" / "placement.json"));
}

BOOST_AUTO_TEST_CASE(bad_experiment_is_reported_where_it_is) {
  TempDir dir;
  std::string path =
      dir.write("bad.yaml", "version: 1\nname: bad\narch:\n  extends: " + xbar::test::source_dir() +
                                "/configs/arch/resparc-64.yaml\n  adc: {bits: 40}\n"
                                "workload: {dataset: mnistt, layers: [784, 0], model: m}\n");
  try {
    xbar::flow::load_experiment(path);
    BOOST_FAIL("expected an error");
  } catch (const xbar::config::ConfigError& e) {
    std::string all = e.what();
    BOOST_TEST(
        all.find(path + ":5:15: arch.adc.bits: value 40 is out of range") != std::string::npos,
        all);
    BOOST_TEST(all.find("workload.dataset: 'mnistt' is not one of") != std::string::npos, all);
    BOOST_TEST(all.find("workload.layers: layer sizes are positive integers, got '0'") !=
                   std::string::npos,
               all);
    BOOST_TEST(all.find("missing required section 'snn'") != std::string::npos, all);
  }
  std::string text;
  BOOST_TEST(run("run " + path, &text) == 2);
  BOOST_TEST(text.find("nothing was run") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(chip_its_library_cannot_price_is_rejected_before_training) {
  // 3-bit ADCs are valid for the arch but not for the library's accelergy rule: the run stops
  // before it trains anything and writes nothing.
  TempDir dir;
  const fs::path out = dir.path() / "out";
  std::string text;
  BOOST_TEST(run("run " + tiny(dir) + " --set arch.adc.bits=3 --out " + out.string(), &text) == 2,
             text);
  BOOST_TEST(text.find("components.adc: rule 'accelergy'") != std::string::npos, text);
  BOOST_TEST(text.find("adc.bits is 3") != std::string::npos, text);
  BOOST_TEST(!fs::exists(out));
  BOOST_TEST(!fs::exists(dir.path() / "model"));
}

BOOST_AUTO_TEST_CASE(set_overrides_experiment_and_arch_keys) {
  TempDir dir;
  auto e = xbar::flow::load_experiment(tiny(dir), {"snn.timesteps=4", "arch.crossbar.rows=64"});
  BOOST_TEST(e.timesteps == 4);
  BOOST_TEST(e.arch.crossbar.rows == 64);
  BOOST_TEST(e.arch.crossbar.columns == 32);
}

BOOST_AUTO_TEST_CASE(flow_set_on_the_command_line_drops_the_other_flows_keys) {
  // The file's flow is prune (with sparsity and epochs); --set compile.flow=dense leaves them out
  // instead of rejecting them, and a dense file that names a sparsity is still an error.
  TempDir dir;
  const std::string prune = tiny(dir, "flow: prune\n  sparsity: 0.5\n  epochs: 1");
  auto e = xbar::flow::load_experiment(prune, {"compile.flow=dense"});
  BOOST_TEST(e.flow == "dense");
  auto p = xbar::flow::load_experiment(prune, {"compile.flow=trannsformer"});
  BOOST_TEST(p.flow == "trannsformer");
  xbar::flow::Budget budget;
  xbar::flow::budget_keys().read(p.compile_settings, budget);
  BOOST_TEST(budget.sparsity == 0.5);
  TempDir other;
  const std::string bad = tiny(other, "flow: dense\n  sparsity: 0.5");
  BOOST_CHECK_THROW(xbar::flow::load_experiment(bad), xbar::config::ConfigError);
}

namespace {

nlohmann::json json_file(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

nlohmann::json json_out(const std::string& text) {
  return nlohmann::json::parse(text.substr(text.find('{')));
}

std::string rram() {
  return "--set arch.extends=" + xbar::test::source_dir() + "/configs/arch/resparc-64-rram.yaml";
}

}  // namespace

BOOST_AUTO_TEST_CASE(chip_preset_can_be_swapped_from_the_command_line) {
  TempDir dir;
  auto e = xbar::flow::load_experiment(tiny(dir), {"arch.extends=" + xbar::test::source_dir() +
                                                   "/configs/arch/resparc-64-rram.yaml"});
  BOOST_TEST(e.arch.name == "resparc-64-rram");
  BOOST_TEST(e.arch.device.effects.enabled);
  BOOST_TEST(e.arch.crossbar.rows == 32);  // the experiment's own arch keys still apply
  BOOST_TEST((e.arch.crossbar.ir_drop == xbar::arch::IrDrop::Exact));
}

BOOST_AUTO_TEST_CASE(nonideal_run_matches_golden_spike_for_spike) {
  // The same compiled network on the ideal chip and on non-ideal RRAM (every effect of the preset:
  // variation, read noise, drift, stuck-at faults, exact IR drop): the chip still agrees with the
  // golden model spike for spike, and the devices change what it computes.
  TempDir dir;
  std::string text;
  const fs::path ideal = dir.path() / "ideal", bad = dir.path() / "rram";
  BOOST_TEST_REQUIRE(run("run " + tiny(dir) + " --out " + ideal.string(), &text) == 0, text);
  BOOST_TEST_REQUIRE(run("run " + tiny(dir) + " --compiled " + ideal.string() + " " + rram() +
                             " --out " + bad.string(),
                         &text) == 0,
                     text);
  const nlohmann::json a = json_file(ideal / "report.json"), b = json_file(bad / "report.json");
  BOOST_TEST(b["golden"]["spike_exact"] == true);
  BOOST_TEST(b["golden"]["images_with_spike_mismatch"] == 0);
  BOOST_TEST(a["activity"]["spikes"] != b["activity"]["spikes"]);
  BOOST_TEST(b["mapping"]["crossbars"] == a["mapping"]["crossbars"]);
  // With the mapping mitigations on as well, still spike for spike.
  BOOST_TEST_REQUIRE(run("run " + tiny(dir) + " --compiled " + ideal.string() + " " + rram() +
                             " --set compile.fault_aware=true --set compile.rearrange=columns"
                             " --out " +
                             (dir.path() / "mitigated").string(),
                         &text) == 0,
                     text);
  const nlohmann::json c = json_file(dir.path() / "mitigated" / "report.json");
  BOOST_TEST(c["golden"]["spike_exact"] == true);
  BOOST_TEST(c["mapping"]["mitigations"]["rows_moved"].get<int>() > 0);
  BOOST_TEST(fs::exists(dir.path() / "mitigated" / "placement_programmed.json"));
}

BOOST_AUTO_TEST_CASE(compiled_network_runs_again_and_must_fit_the_chip) {
  TempDir dir;
  std::string text;
  const fs::path first = dir.path() / "first", again = dir.path() / "again";
  BOOST_TEST_REQUIRE(run("run " + tiny(dir) + " --out " + first.string(), &text) == 0, text);
  BOOST_TEST_REQUIRE(fs::exists(first / "model" / "manifest.yaml"));
  BOOST_TEST_REQUIRE(
      run("run " + tiny(dir) + " --compiled " + first.string() + " --out " + again.string(),
          &text) == 0,
      text);
  BOOST_TEST(text.find("compiled: loaded") != std::string::npos, text);
  nlohmann::json a = json_file(first / "report.json"), b = json_file(again / "report.json");
  a.erase("simulation");
  b.erase("simulation");
  BOOST_TEST(a.dump() == b.dump());
  // Another crossbar size needs another placement: refused, saying why, nothing written.
  BOOST_TEST(run("run " + tiny(dir) + " --compiled " + first.string() +
                     " --set arch.crossbar.rows=64 --out " + (dir.path() / "no").string(),
                 &text) == 1);
  BOOST_TEST(text.find("was compiled for another crossbar geometry") != std::string::npos, text);
  BOOST_TEST(!fs::exists(dir.path() / "no" / "report.json"));
  BOOST_TEST(run("run " + tiny(dir) + " --compiled " + (dir.path() / "missing").string(), &text) ==
             1);
  BOOST_TEST(text.find("not a compiled network") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(workers_split_the_images_and_give_the_same_report) {
  // The same 10 images in one process and in 3 worker processes (4 + 3 + 3 images, each its own
  // chip): the same report but for how it was run, on the ideal chip and on the non-ideal RRAM
  // chip, whose read noise is keyed by the image's index in the whole run.
  TempDir dir;
  std::string text;
  const fs::path first = dir.path() / "first";
  BOOST_TEST_REQUIRE(
      run("run " + tiny(dir) + " --set simulate.workers=1 --out " + first.string(), &text) == 0,
      text);
  auto same_but_how = [](nlohmann::json a, nlohmann::json b) {
    for (auto* r : {&a, &b}) {
      r->erase("simulation");
      std::string config = (*r)["config"].get<std::string>();
      const auto at = config.find("workers:");
      BOOST_REQUIRE(at != std::string::npos);
      config.erase(at, config.find('\n', at) - at);
      (*r)["config"] = config;
    }
    return a.dump() == b.dump();
  };
  for (const std::string& chip : {std::string(), " " + rram()}) {
    const fs::path one = dir.path() / "one", three = dir.path() / "three";
    BOOST_TEST_REQUIRE(run("run " + tiny(dir) + " --compiled " + first.string() + chip +
                               " --set simulate.workers=1 --out " + one.string(),
                           &text) == 0,
                       text);
    BOOST_TEST_REQUIRE(run("run " + tiny(dir) + " --compiled " + first.string() + chip +
                               " --set simulate.workers=3 --out " + three.string(),
                           &text) == 0,
                       text);
    const nlohmann::json a = json_file(one / "report.json"), b = json_file(three / "report.json");
    BOOST_TEST(a["simulation"]["workers"] == 1);
    BOOST_TEST(b["simulation"]["workers"] == 3);
    BOOST_TEST(b["golden"]["spike_exact"] == true);
    BOOST_TEST(b["golden"]["images_with_spike_mismatch"] == 0);
    BOOST_TEST(same_but_how(a, b), chip);
  }
  // A trace is written by the one process that simulates: --trace runs in one worker.
  BOOST_TEST_REQUIRE(
      run("run " + tiny(dir) + " --compiled " + first.string() +
              " --set simulate.workers=3 --trace " + (dir.path() / "t.vcd").string() +
              " --trace-image 7 --out " + (dir.path() / "traced").string(),
          &text) == 0,
      text);
  BOOST_TEST(json_file(dir.path() / "traced" / "report.json")["simulation"]["workers"] == 1);
  BOOST_TEST(fs::file_size(dir.path() / "t.vcd") > 0);
}

BOOST_AUTO_TEST_CASE(mapping_mitigations_keep_ideal_results_and_undo_stuck_cells) {
  TempDir dir;
  std::string text;
  const fs::path c = dir.path() / "c";
  BOOST_TEST_REQUIRE(run("compile " + tiny(dir) + " --out " + c.string(), &text) == 0, text);
  const std::string base =
      "accuracy " + tiny(dir) + " --compiled " + (c / "dense").string() + " --images 60 --json";
  BOOST_TEST_REQUIRE(run(base, &text) == 0, text);
  const nlohmann::json plain = json_out(text);
  // On an ideal chip the order of rows and columns changes no sum: the same accuracy.
  BOOST_TEST_REQUIRE(run(base + " --set compile.rearrange=rows_and_columns", &text) == 0, text);
  const nlohmann::json moved = json_out(text);
  BOOST_TEST(moved["mapping"]["mitigations"]["rows_moved"].get<int>() > 0);
  BOOST_TEST(moved["accuracy"] == plain["accuracy"]);
  // Stuck-at faults alone (the rates measured on RRAM): fault-aware mapping removes most of the
  // weight error they cause and classifies at least as well.
  const std::string faults =
      base + " " + rram() +
      " --set arch.crossbar.ir_drop=none --set arch.device.programming_noise=none"
      " --set arch.device.read_noise_sigma=0 --set arch.device.drift_time_s=0";
  BOOST_TEST_REQUIRE(run(faults, &text) == 0, text);
  const nlohmann::json naive = json_out(text);
  BOOST_TEST_REQUIRE(run(faults + " --set compile.fault_aware=true", &text) == 0, text);
  const nlohmann::json aware = json_out(text);
  const auto& m = aware["mapping"]["mitigations"];
  BOOST_TEST(m["stuck_error_lsb_after"].get<double>() <
             0.25 * m["stuck_error_lsb_before"].get<double>());
  BOOST_TEST(aware["accuracy"].get<double>() >= naive["accuracy"].get<double>());
  BOOST_TEST(aware["nonideal"] == true);
}

BOOST_AUTO_TEST_CASE(prunix_flow_and_weight_constrained_training_compile) {
  TempDir dir;
  std::string text;
  const std::string path = tiny(
      dir, "flow: prunix\n  sparsity: 0.7\n  epochs: 2\n  wct_strength: 0.001\n  wct_epochs: 1");
  BOOST_TEST_REQUIRE(
      run("compile " + path + " --json --out " + (dir.path() / "p").string(), &text) == 0, text);
  const nlohmann::json j = json_out(text);
  std::set<std::string> stages;
  for (const auto& s : j["stages"]) stages.insert(s["stage"].get<std::string>());
  BOOST_TEST(stages.count("apa") == 1u);
  BOOST_TEST(stages.count("prunix") == 1u);
  BOOST_TEST(stages.count("wct") == 1u);
  const double s0 = j["layers"][0]["sparsity"], s1 = j["layers"][1]["sparsity"];
  BOOST_TEST((s0 * 784 * 32 + s1 * 320) / (784 * 32 + 320) == 0.7,
             boost::test_tools::tolerance(0.01));
  BOOST_TEST(s0 != s1);  // per-layer ratios
  // WCT needs its epochs.
  TempDir other;
  BOOST_CHECK_THROW(xbar::flow::load_experiment(tiny(other, "flow: dense\n  wct_strength: 0.001")),
                    xbar::config::ConfigError);
}

BOOST_AUTO_TEST_SUITE_END()
