// Sweeps: expansion and validation of sweep files, and runs as a user makes them — in parallel,
// with a failing point, killed midway and resumed, and over two MPI ranks.
#include "flow/sweep.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tests/support/run_cli.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using xbar::test::TempDir;

namespace {

std::string sweep_file(const TempDir& dir, const std::string& body) {
  return dir.write("sweep.yaml",
                   "version: 1\nname: t\ncommand: area\nbase: " + xbar::test::source_dir() +
                       "/configs/arch/resparc-64.yaml\nfixed:\n  chip.tiles: 4\n" + body);
}

int run(const std::string& args, std::string* out = nullptr) {
  return xbar::test::run_cli(args, out);
}

std::vector<nlohmann::json> rows(const fs::path& out) {
  std::vector<nlohmann::json> r;
  std::ifstream in(out / "results.jsonl");
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) r.push_back(nlohmann::json::parse(line));
  return r;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const char* kAxes =
    "zip:\n  - crossbar.rows: [32, 64, 128]\n    crossbar.columns: [32, 64, 128]\naxes:\n  "
    "adc.bits: [4, 6]\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(sweep)

BOOST_AUTO_TEST_CASE(expands_product_of_axes_and_zip_groups) {
  TempDir dir;
  auto s = xbar::flow::load_sweep(sweep_file(
      dir, std::string(kAxes) + "  adc.columns_per_adc: [8, 64]\n"
                                "constraints:\n  - \"adc.columns_per_adc <= crossbar.columns\"\n"));
  // 3 zipped sizes x 2 bits x 2 mux widths = 12, minus the 2 with 64 columns per ADC on 32 columns.
  BOOST_TEST(s.points.size() == 10u);
  BOOST_TEST(s.dropped_by_constraints == 2);
  std::set<std::string> ids;
  for (const auto& p : s.points) ids.insert(p.id);
  BOOST_TEST(ids.size() == s.points.size());
  BOOST_TEST(s.points[0].axes()["crossbar.rows"] == s.points[0].axes()["crossbar.columns"]);
  // The same file gives the same ids.
  auto again = xbar::flow::load_sweep(s.file);
  BOOST_TEST(again.points[3].id == s.points[3].id);
}

BOOST_AUTO_TEST_CASE(invalid_axis_value_fails_before_running_at_its_location) {
  TempDir dir;
  std::string path = sweep_file(dir, "axes:\n  crossbar.rows: [64, 100]\n  adc.bitz: [4]\n");
  try {
    xbar::flow::load_sweep(path);
    BOOST_FAIL("expected an error");
  } catch (const xbar::config::ConfigError& e) {
    std::string all = e.what();
    BOOST_TEST(all.find(path + ":8:23: crossbar.rows: value 100 must be a power of two") !=
                   std::string::npos,
               all);
    BOOST_TEST(all.find(path + ":9:14: adc.bitz: unknown key 'bitz'; did you mean 'bits'?") !=
                   std::string::npos,
               all);
  }
  std::string out;
  BOOST_TEST(run("sweep " + path + " --out " + (dir.path() / "out").string(), &out) == 2);
  BOOST_TEST(!fs::exists(dir.path() / "out" / "points"));  // nothing ran
}

// Sweep files that used to run wrong: a key both fixed and swept (the axis silently won), an axis
// value listed twice (points racing for one directory with -j 2), a name that writes outside
// runs/, and a product of axes too large to hold. Each is a located problem; nothing runs.
BOOST_AUTO_TEST_CASE(overlapping_repeated_escaping_and_huge_sweeps_are_refused) {
  TempDir dir;
  auto problems = [&](const std::string& body, const std::string& name = "t") {
    const std::string path = dir.write(
        "s.yaml", "version: 1\nname: " + name +
                      "\ncommand: area\nbase: " + xbar::test::source_dir() +
                      "/configs/arch/resparc-64.yaml\nfixed:\n" + "  chip.tiles: 4\n" + body);
    try {
      xbar::flow::load_sweep(path);
    } catch (const xbar::config::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  std::string all = problems("axes:\n  chip.tiles: [4, 8]\n");
  BOOST_TEST(all.find(":6:3: fixed.chip.tiles: 'chip.tiles' is also an axis") != std::string::npos,
             all);
  all = problems("axes:\n  adc.bits: [6, 4, 6]\n");
  BOOST_TEST(all.find(":8:20: axes.adc.bits: the value '6' is listed twice") != std::string::npos,
             all);
  for (const char* name : {"../../../x", "/abs/path", "a/b", ".."}) {
    all = problems("axes:\n  adc.bits: [4, 6]\n", name);
    BOOST_TEST(all.find(":2:7: name: ") != std::string::npos, all);
  }
  std::string axes = "axes:\n";
  for (int k = 0; k < 6; ++k)
    axes += "  adc.k" + std::to_string(k) + ": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n";
  all = problems(axes);
  BOOST_TEST(all.find("the axes make more than 100000 points") != std::string::npos, all);
  std::string out;
  const std::string path = dir.write(
      "rep.yaml", "version: 1\nname: t\ncommand: area\nbase: " + xbar::test::source_dir() +
                      "/configs/arch/resparc-64.yaml\naxes:\n  adc.bits: [6, 6, 6]\n");
  BOOST_TEST(run("sweep " + path + " -j 2 --out " + (dir.path() / "out").string(), &out) == 2, out);
  BOOST_TEST(!fs::exists(dir.path() / "out" / "points"));
}

// A point whose status says done but whose result.json was deleted or cut short is not collected
// as done with no metrics: it is "missing", with the reason, and the next run does it again.
BOOST_AUTO_TEST_CASE(done_point_without_its_result_is_missing_and_runs_again) {
  TempDir dir;
  const std::string path = sweep_file(dir, "axes:\n  adc.bits: [4, 6]\n");
  const fs::path out = dir.path() / "out";
  std::string text;
  BOOST_TEST_REQUIRE(run("sweep " + path + " --out " + out.string(), &text) == 0, text);
  const auto first = rows(out);
  BOOST_REQUIRE_EQUAL(first.size(), 2u);
  const fs::path point = out / "points" / first[0]["id"].get<std::string>();
  fs::remove(point / "result.json");
  std::ofstream(out / "points" / first[1]["id"].get<std::string>() / "result.json")
      << "{\"chip\": {";
  BOOST_TEST_REQUIRE(run("sweep-collect " + path + " --out " + out.string(), &text) == 0, text);
  for (const auto& row : rows(out)) {
    BOOST_TEST(row["status"] == "missing", row.dump());
    BOOST_TEST(row["error"].get<std::string>().find("result.json is missing") != std::string::npos);
  }
  BOOST_TEST_REQUIRE(run("sweep " + path + " --out " + out.string(), &text) == 0, text);
  BOOST_TEST(text.find("2 to run here, 0 already finished") != std::string::npos, text);
  for (const auto& row : rows(out)) BOOST_TEST(row["status"] == "done");
}

BOOST_AUTO_TEST_CASE(runs_points_in_parallel_and_records_failures) {
  TempDir dir;
  // The RESPARC library has no pooling unit: points that ask for one fail when they run.
  std::string path = sweep_file(dir, std::string(kAxes) + "  tile.pooling_units: [0, 1]\n");
  const fs::path out = dir.path() / "out";
  std::string text;
  BOOST_TEST(run("sweep " + path + " -j 2 --out " + out.string(), &text) == 3, text);
  auto r = rows(out);
  BOOST_REQUIRE_EQUAL(r.size(), 12u);
  int done = 0, failed = 0;
  for (const auto& row : r) {
    if (row["status"] == "done") {
      ++done;
      BOOST_TEST(row["metrics"]["chip.area_mm2"].get<double>() > 0);
      BOOST_TEST(row["axes"]["tile.pooling_units"] == 0);
    } else {
      ++failed;
      BOOST_TEST(row["error"].get<std::string>().find("no entry for 'pooling'") !=
                 std::string::npos);
    }
  }
  BOOST_TEST(done == 6);
  BOOST_TEST(failed == 6);
  BOOST_TEST(read(out / "results.csv").find("index,id,status,error,crossbar.rows") == 0u);
}

BOOST_AUTO_TEST_CASE(killed_sweep_resumes_with_only_what_is_missing) {
  TempDir dir;
  std::string path = sweep_file(
      dir, "axes:\n  adc.bits: [4, 5, 6, 7, 8, 9]\n  adc.columns_per_adc: [2, 4, 8, 16]\n");
  const fs::path out = dir.path() / "out";
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    execl(XBARSIM_EXE, XBARSIM_EXE, "sweep", path.c_str(), "--out", out.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // Kill it once a few points are finished.
  auto finished = [&] {
    int n = 0;
    if (fs::exists(out / "points"))
      for (const auto& d : fs::directory_iterator(out / "points"))
        if (read(d.path() / "status.json").find("done") != std::string::npos) ++n;
    return n;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (finished() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  const int before = finished();
  BOOST_TEST_REQUIRE(before >= 3);
  BOOST_TEST_REQUIRE(before < 24, "the sweep finished before it could be killed");
  std::map<std::string, fs::file_time_type> stamps;
  for (const auto& d : fs::directory_iterator(out / "points"))
    if (fs::exists(d.path() / "result.json"))
      stamps[d.path().string()] = fs::last_write_time(d.path() / "result.json");

  std::string text;
  BOOST_TEST(run("sweep " + path + " --out " + out.string(), &text) == 0, text);
  BOOST_TEST(text.find(std::to_string(24 - before) + " to run here, " + std::to_string(before) +
                       " already finished") != std::string::npos,
             text);
  auto r = rows(out);
  BOOST_REQUIRE_EQUAL(r.size(), 24u);
  for (const auto& row : r) BOOST_TEST(row["status"] == "done");
  for (const auto& [p, t] : stamps)
    BOOST_TEST((fs::last_write_time(fs::path(p) / "result.json") == t), p);
}

BOOST_AUTO_TEST_CASE(mpi_ranks_give_the_same_table_as_a_local_run) {
  TempDir dir;
  std::string path = sweep_file(dir, kAxes);
  const fs::path local = dir.path() / "local", mpi = dir.path() / "mpi";
  BOOST_TEST(run("sweep " + path + " --out " + local.string()) == 0);
  std::string text;
  // OpenMPI's own allocations (some in plugins it unloads) outlive MPI_Finalize; under
  // LeakSanitizer they are not ours to fix, so leak checking is off for the ranks only.
  std::string cmd =
      "mpirun --allow-run-as-root --oversubscribe -x ASAN_OPTIONS=detect_leaks=0 -np 2 " +
      std::string(XBARSIM_EXE) + " sweep " + path + " --mpi --out " + mpi.string() + " 2>&1";
  BOOST_TEST(std::system((cmd + " > " + (dir.path() / "mpi.log").string()).c_str()) == 0,
             read(dir.path() / "mpi.log"));
  BOOST_TEST(read(mpi / "results.csv") == read(local / "results.csv"));
  BOOST_TEST(rows(mpi).size() == 6u);
}

BOOST_AUTO_TEST_CASE(shards_and_collect_give_the_same_table) {
  TempDir dir;
  std::string path = sweep_file(dir, kAxes);
  const fs::path local = dir.path() / "local", sharded = dir.path() / "sharded";
  BOOST_TEST(run("sweep " + path + " --out " + local.string()) == 0);
  BOOST_TEST(run("sweep " + path + " --shard 1/2 --out " + sharded.string()) == 0);
  BOOST_TEST(run("sweep " + path + " --shard 2/2 --out " + sharded.string()) == 0);
  BOOST_TEST(run("sweep-collect " + path + " --out " + sharded.string()) == 0);
  BOOST_TEST(read(sharded / "results.csv") == read(local / "results.csv"));
}

BOOST_AUTO_TEST_CASE(report_draws_pareto_and_breakdown) {
  TempDir dir;
  std::string path = sweep_file(dir, kAxes);
  const fs::path out = dir.path() / "out";
  BOOST_TEST(run("sweep " + path + " --out " + out.string()) == 0);
  std::string text;
  BOOST_TEST(run("sweep-report " + path + " --out " + out.string(), &text) == 0, text);
  BOOST_TEST(text.find("on the Pareto front") != std::string::npos);
  BOOST_TEST(fs::file_size(out / "plots" / "pareto.png") > 1000u);
  BOOST_TEST(fs::file_size(out / "plots" / "breakdown_area.png") > 1000u);
  BOOST_TEST(fs::file_size(out / "plots" / "pareto.svg") > 1000u);
  BOOST_TEST(fs::exists(out / "plots" / "metrics_vs_adc_bits.png"));
  // index.html: every point in the table and the tile area breakdown; no run reports to link.
  std::ifstream in(out / "index.html");
  const std::string html{std::istreambuf_iterator<char>(in), {}};
  const std::size_t points = rows(out).size();
  std::size_t table_rows = 0, parts = 0;
  for (std::size_t at = html.find("<tr><td data-sort"); at != std::string::npos;
       at = html.find("<tr><td data-sort", at + 1))
    ++table_rows;
  for (std::size_t at = html.find("class=\"part\" data-part=\"adc\""); at != std::string::npos;
       at = html.find("class=\"part\" data-part=\"adc\"", at + 1))
    ++parts;
  BOOST_TEST(points == 6u);
  BOOST_TEST(table_rows == points);
  BOOST_TEST(parts == points);  // one ADC segment in each point's bar
  BOOST_TEST(html.find("report.html") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(sweeps_simulation_runs_and_plots_accuracy_energy_area) {
  TempDir dir;
  const std::string src = xbar::test::source_dir();
  // A small experiment (784-16-10 on MNIST, one epoch, 6 images), swept over timesteps and ADC
  // bits.
  std::string exp = dir.write(
      "tiny.yaml",
      "version: 1\nname: tiny\narch:\n  extends: " + src +
          "/configs/arch/resparc-64.yaml\nworkload:\n  dataset: mnist\n  data_dir: " + src +
          "/data/mnist/package/src/digits\n  layers: [784, 16, 10]\n  model: " +
          (dir.path() / "model").string() +
          "\ntrain: {optimizer: adam, loss: cross-entropy, epochs: 1, batch: 100, lr: 0.002, "
          "momentum: 0.9, dropout: 0.0, seed: 1}\n"
          "snn: {timesteps: 8, encoding: poisson, normalization: percentile, percentile: 99.9, "
          "calibration_images: 20}\ncompile: {flow: dense, seed: 1}\n"
          "simulate: {images: 6, seed: 1, check_golden: true, threads: 1}\n");
  std::string path = dir.write("sweep.yaml",
                               "version: 1\nname: runs\ncommand: run\nbase: tiny.yaml\n"
                               "axes:\n  snn.timesteps: [4, 8]\n  arch.adc.bits: [4, 6]\n");
  const fs::path out = dir.path() / "out";
  std::string text;
  // The first point trains and caches the model; run one at a time so they share it.
  BOOST_TEST_REQUIRE(run("sweep " + path + " --out " + out.string(), &text) == 0, text);
  auto r = rows(out);
  BOOST_REQUIRE_EQUAL(r.size(), 4u);
  for (const auto& row : r) {
    BOOST_TEST(row["status"] == "done", row.dump());
    BOOST_TEST(row["metrics"]["accuracy"].get<double>() > 0.3);
    BOOST_TEST(row["metrics"]["energy.per_image_pj"].get<double>() > 0);
    BOOST_TEST(row["metrics"]["area.chip_mm2"].get<double>() > 0);
    BOOST_TEST(row["metrics"]["golden.images_with_spike_mismatch"] == 0);
  }
  // Points run side by side, so each simulates in one process (simulate.workers defaults to 1).
  int reports = 0;
  for (const auto& entry : fs::recursive_directory_iterator(out))
    if (entry.path().filename() == "report.json") {
      std::ifstream in(entry.path());
      BOOST_TEST(nlohmann::json::parse(in)["simulation"]["workers"] == 1, entry.path().string());
      ++reports;
    }
  BOOST_TEST(reports == 4);
  BOOST_TEST(run("sweep-report " + path + " --out " + out.string(), &text) == 0, text);
  BOOST_TEST(text.find("area.chip_mm2 vs energy.per_image_pj") != std::string::npos, text);
}

BOOST_AUTO_TEST_SUITE_END()
