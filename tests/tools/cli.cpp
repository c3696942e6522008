// xbarsim's command line: exit codes, one located line per problem, tables and JSON.
#include <sys/wait.h>

#include <array>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "flow/compile_flow.hpp"
#include "tests/support/run_cli.hpp"
#include "tests/support/temp_dir.hpp"

using xbar::test::TempDir;
namespace tt = boost::test_tools;

namespace {

struct Result {
  int status;
  std::string out;  // stdout and stderr together
};

Result run(const std::string& args) {
  Result r;
  r.status = xbar::test::run_cli(args, &r.out);
  return r;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const std::string kResparc = "configs/arch/resparc-64.yaml";
const std::string kIsaac = "configs/arch/isaac.yaml";

}  // namespace

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(validate_accepts_presets) {
  for (const auto& preset : {kResparc, kIsaac}) {
    Result r = run("validate " + preset);
    BOOST_TEST(r.status == 0, r.out);
    BOOST_TEST(contains(r.out, "ok: " + preset));
    BOOST_TEST(!contains(r.out, "Copyright"));  // SystemC's banner stays off
  }
}

BOOST_AUTO_TEST_CASE(validate_reports_each_problem_on_one_located_line) {
  TempDir dir;
  std::string path =
      dir.write("chip.yaml", "extends: " + xbar::test::source_dir() + "/" + kResparc +
                                 "\ncrossbar:\n  rowz: 128\nadc:\n  bits: 99\n");
  Result r = run("validate " + path);
  BOOST_TEST(r.status == 2);
  BOOST_TEST(
      contains(r.out, path + ":3:3: crossbar.rowz: unknown key 'rowz'; did you mean 'rows'?"));
  BOOST_TEST(contains(r.out, path + ":5:9: adc.bits: value 99 is out of range"));
  BOOST_TEST(contains(r.out, "2 problems found"));
}

BOOST_AUTO_TEST_CASE(validate_checks_an_experiment_file_section_by_section) {
  // Every example experiment is valid as shipped, its arch section included.
  for (const char* example :
       {"configs/examples/mnist-500.yaml", "configs/examples/mnist-1200.yaml"}) {
    Result r = run(std::string("validate ") + example);
    BOOST_TEST(r.status == 0, r.out);
    BOOST_TEST(contains(r.out, "experiment '"), r.out);
  }
  // A misspelled workload key and a bad chip override are reported where they are; nothing runs.
  TempDir dir;
  std::string path = dir.write(
      "exp.yaml", "version: 1\nname: x\narch:\n  extends: " + xbar::test::source_dir() + "/" +
                      kResparc +
                      "\n  adc:\n    bits: 99\nworkload:\n  dataset: mnist\n  layerz: [1]\n");
  Result r = run("validate " + path);
  BOOST_TEST(r.status == 2, r.out);
  BOOST_TEST(contains(r.out, path + ":9:3: workload.layerz: unknown key 'layerz'"), r.out);
  BOOST_TEST(contains(r.out, "adc.bits: value 99 is out of range"), r.out);
  BOOST_TEST(contains(r.out, "missing required section 'compile'"), r.out);
}

BOOST_AUTO_TEST_CASE(missing_file_is_a_clear_error) {
  Result r = run("area no/such/chip.yaml");
  BOOST_TEST(r.status == 2);
  BOOST_TEST(contains(r.out, "no/such/chip.yaml: cannot open file"));
}

BOOST_AUTO_TEST_CASE(set_overrides_from_the_command_line) {
  Result ok = run("validate " + kResparc + " --set crossbar.rows=128 --print");
  BOOST_TEST(ok.status == 0, ok.out);
  BOOST_TEST(contains(ok.out, "rows: 128"));
  Result bad = run("validate " + kResparc + " --set crossbar.rows=12");
  BOOST_TEST(bad.status == 2);
  BOOST_TEST(
      contains(bad.out, "command line (--set): crossbar.rows: value 12 must be a power of two"));
}

BOOST_AUTO_TEST_CASE(area_table_breaks_down_by_component_with_sources) {
  Result r = run("area " + kIsaac);
  BOOST_TEST(r.status == 0, r.out);
  for (const char* part : {"core  adc", "tile  router", "chip  offchip_link", "= total",
                           "sources:", "ISAAC Table 6, ADC"})
    BOOST_TEST(contains(r.out, part), "missing '" << part << "'");
}

BOOST_AUTO_TEST_CASE(area_json_matches_isaac_chip) {
  Result r = run("area " + kIsaac + " --json");
  BOOST_REQUIRE_EQUAL(r.status, 0);
  nlohmann::json j = nlohmann::json::parse(r.out);
  BOOST_TEST(j["chip"]["tiles"].get<int>() == 168);
  BOOST_TEST(j["chip"]["area_mm2"].get<double>() == 85.4, tt::tolerance(0.01));
  BOOST_TEST(j["tile"]["cores"].get<int>() == 12);
  BOOST_TEST(j["core"]["components"].size() >= 7u);
  for (const auto& c : j["core"]["components"])
    BOOST_TEST(contains(c["provenance"].get<std::string>(), "isaac-32nm.yaml"));
}

BOOST_AUTO_TEST_CASE(auto_sized_chip_reports_core_and_tile) {
  Result r = run("area " + kResparc + " --json");
  BOOST_REQUIRE_EQUAL(r.status, 0);
  nlohmann::json j = nlohmann::json::parse(r.out);
  BOOST_TEST(j["chip"].is_null());
  BOOST_TEST(j["tile"]["area_mm2"].get<double>() > j["core"]["area_mm2"].get<double>());
  Result sized = run("area " + kResparc + " --json --set chip.tiles=16");
  BOOST_TEST(nlohmann::json::parse(sized.out)["chip"]["area_mm2"].get<double>() ==
                 16 * j["tile"]["area_mm2"].get<double>(),
             tt::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(list_prints_every_implementation) {
  Result r = run("list");
  BOOST_TEST(r.status == 0);
  for (const char* impl : {"impl: if", "impl: lif", "impl: sar", "impl: flash", "impl: mesh",
                           "impl: bus", "impl: row_driver", "impl: ideal", "leak (number, 0..1)",
                           "flow: dense", "flow: prune", "flow: trannsformer", "flow: prunix"})
    BOOST_TEST(contains(r.out, impl), "missing '" << impl << "'");
  nlohmann::json j = nlohmann::json::parse(run("list --json").out);
  BOOST_TEST(j["arch"]["neuron"]["implementations"].size() == 2u);
  BOOST_TEST(j["components"]["adc"]["rules"].size() == 4u);
  // The compile flows come from their table (flow/flows/), each with its own keys.
  const nlohmann::json& flows = j["experiment"]["compile"]["implementations"];
  BOOST_TEST(flows.size() == xbar::flow::compile_flows().all().size());
  for (const auto& f : flows)
    if (f["flow"] == "prune") BOOST_TEST(f["keys"].dump().find("sparsity") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(train_then_snn_as_a_user_runs_them) {
  TempDir dir;
  const std::string model = (dir.path() / "m").string();
  const std::string data = xbar::test::source_dir() + "/data/mnist/package/src/digits";
  Result t = run("train --dataset mnist --data-dir " + data +
                 " --layers 784-16-10 --epochs 1 --threads 1 --out " + model);
  BOOST_TEST_REQUIRE(t.status == 0, t.out);
  BOOST_TEST(contains(t.out, "final test accuracy"));
  BOOST_TEST(contains(t.out, "model written to " + model));
  Result s = run("snn " + model + " --data-dir " + data + " -T 8 -n 20 --threads 1");
  BOOST_TEST(s.status == 0, s.out);
  BOOST_TEST(contains(s.out, "SNN"));
  Result missing = run("snn " + (dir.path() / "nothing").string());
  BOOST_TEST(missing.status != 0);
  BOOST_TEST(contains(missing.out, "nothing"));
  Result bad = run("train --dataset mnist --data-dir " + data + " --layers 100-10 --epochs 1");
  BOOST_TEST(bad.status != 0);
  BOOST_TEST(contains(bad.out, "784 features"));
}

// docs/config-reference.md is what `xbarsim list --markdown` writes from the schemas now: a new or
// changed key, range or default without regenerating the file fails here.
BOOST_AUTO_TEST_CASE(config_reference_is_current) {
  Result r = run("list --markdown -");
  BOOST_REQUIRE(r.status == 0);
  std::ifstream in(xbar::test::source_dir() + "/docs/config-reference.md");
  BOOST_REQUIRE_MESSAGE(in.good(), "docs/config-reference.md is missing");
  const std::string checked_in{std::istreambuf_iterator<char>(in), {}};
  if (r.out != checked_in) {
    std::size_t line = 1, i = 0;
    for (; i < std::min(r.out.size(), checked_in.size()) && r.out[i] == checked_in[i]; ++i)
      line += r.out[i] == '\n';
    BOOST_ERROR("docs/config-reference.md is stale from line "
                << line << ": regenerate it with `build/tools/xbarsim list --markdown`");
  }
  // Every section of the schema has its heading, every key its row.
  for (const char* part : {"### `crossbar`", "| `rows` | integer | power of two", "### `adc`",
                           "#### `adc.impl: ", "### `compile`", "#### `compile.flow: trannsformer`",
                           "### `row_driver`", "#### `row_driver.rule: "})
    BOOST_TEST(contains(r.out, part), part);
  // FILE: written there, the same text; a path under a file is an error.
  TempDir dir;
  const std::string file = (dir.path() / "ref.md").string();
  Result w = run("list --markdown " + file);
  BOOST_TEST(w.status == 0, w.out);
  std::ifstream written(file);
  BOOST_TEST(std::string(std::istreambuf_iterator<char>(written), {}) == r.out);
  BOOST_TEST(run("list --markdown " + file + "/under-a-file.md").status != 0);
}

BOOST_AUTO_TEST_CASE(every_command_has_help_and_version) {
  for (const char* cmd : {"", "validate", "area", "list", "train", "snn", "compile", "run", "sweep",
                          "sweep-collect", "sweep-report", "report"}) {
    Result r = run(std::string(cmd) + " --help");
    BOOST_TEST(r.status == 0, cmd);
    BOOST_TEST(contains(r.out, "Usage:"), cmd);
  }
  Result v = run("--version");
  BOOST_TEST(v.status == 0);
  BOOST_TEST(contains(v.out, "xbarsim 0."));
  BOOST_TEST(run("frobnicate").status != 0);
}

BOOST_AUTO_TEST_SUITE_END()
