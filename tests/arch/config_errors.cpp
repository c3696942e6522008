// Every kind of bad arch input gets a located, specific message, and all problems of a file are
// reported together.
#include <boost/test/unit_test.hpp>
#include <chrono>

#include "arch/arch_spec.hpp"
#include "tests/support/temp_dir.hpp"

using namespace xbar::arch;
using namespace xbar::config;
using xbar::test::TempDir;

namespace {

// A valid arch that extends the RESPARC preset by path; tests append their own keys.
std::string preset() { return xbar::test::source_dir() + "/configs/arch/resparc-64.yaml"; }

std::vector<Diagnostic> problems_of(const std::string& path,
                                    const std::vector<std::string>& sets = {}) {
  try {
    load_arch(path, sets);
  } catch (const ConfigError& e) {
    return e.diagnostics();
  }
  BOOST_FAIL("expected a ConfigError for " + path);
  return {};
}

Diagnostic only(const std::vector<Diagnostic>& ds) {
  BOOST_REQUIRE_EQUAL(ds.size(), 1u);
  return ds[0];
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Writes `child` as a file extending the preset.
std::string child(const TempDir& dir, const std::string& body) {
  return dir.write("chip.yaml", "extends: " + preset() + "\n" + body);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(arch_config)

BOOST_AUTO_TEST_CASE(presets_load_and_validate) {
  ArchSpec a = load_arch(preset());
  BOOST_TEST(a.name == "resparc-64");
  BOOST_TEST(a.crossbar.rows == 64);
  BOOST_TEST(a.adc.latency_cycles == 6);  // sar: 6 bits x 1 cycle per bit
  BOOST_TEST(!a.chip.tiles.has_value());
  ArchSpec isaac = load_arch(xbar::test::source_dir() + "/configs/arch/isaac.yaml");
  BOOST_TEST(*isaac.chip.tiles == 168);
  BOOST_TEST(isaac.grid_for(168).first * isaac.grid_for(168).second >= 168);
}

BOOST_AUTO_TEST_CASE(misspelled_key_names_nearest_and_valid_keys) {
  TempDir dir;
  std::string path = child(dir, "crossbar:\n  rowz: 128\n");
  const Diagnostic d = only(problems_of(path));
  BOOST_TEST(d.path == "crossbar.rowz");
  BOOST_TEST(d.where.file == path);
  BOOST_TEST(d.where.line == 3);
  BOOST_TEST(d.where.column == 3);
  BOOST_TEST(contains(d.message, "unknown key 'rowz'"));
  BOOST_TEST(contains(d.message, "did you mean 'rows'?"));
  BOOST_TEST(contains(d.message, "valid keys: rows, columns, cell, signed_encoding, weight_bits"));
}

BOOST_AUTO_TEST_CASE(wrong_type_is_located) {
  TempDir dir;
  std::string path = child(dir, "adc:\n  bits: eight\n");
  const Diagnostic d = only(problems_of(path));
  BOOST_TEST(d.path == "adc.bits");
  BOOST_TEST(d.where.line == 3);
  BOOST_TEST(d.where.column == 9);
  BOOST_TEST(contains(d.message, "expected an integer, got 'eight'"));
}

BOOST_AUTO_TEST_CASE(quoted_number_is_a_string_not_a_number) {
  TempDir dir;
  const Diagnostic d = only(problems_of(child(dir, "crossbar:\n  rows: \"64\"\n")));
  BOOST_TEST(contains(d.message, "expected an integer, got the string \"64\""));
}

BOOST_AUTO_TEST_CASE(negative_rows_out_of_range) {
  TempDir dir;
  const Diagnostic d = only(problems_of(child(dir, "crossbar:\n  rows: -64\n")));
  BOOST_TEST(d.path == "crossbar.rows");
  BOOST_TEST(d.where.line == 3);
  BOOST_TEST(
      contains(d.message, "value -64 is out of range (expected integer, power of two, 2..4096)"));
}

BOOST_AUTO_TEST_CASE(rows_must_be_power_of_two) {
  TempDir dir;
  const Diagnostic d = only(problems_of(child(dir, "crossbar:\n  rows: 100\n")));
  BOOST_TEST(d.path == "crossbar.rows");
  BOOST_TEST(contains(d.message, "value 100 must be a power of two"));
}

BOOST_AUTO_TEST_CASE(unknown_impl_lists_registered_ones) {
  TempDir dir;
  const Diagnostic d = only(problems_of(child(dir, "neuron:\n  impl: lifx\n")));
  BOOST_TEST(d.path == "neuron.impl");
  BOOST_TEST(d.where.line == 3);
  BOOST_TEST(d.where.column == 9);
  BOOST_TEST(contains(d.message, "'lifx' is not one of if|lif; did you mean 'lif'?"));
}

BOOST_AUTO_TEST_CASE(key_of_another_impl_is_rejected) {
  TempDir dir;
  // `leak` belongs to lif; the preset's neuron is if.
  const Diagnostic d = only(problems_of(child(dir, "neuron:\n  leak: 0.1\n")));
  BOOST_TEST(d.path == "neuron.leak");
  BOOST_TEST(contains(d.message, "does not apply to impl 'if'"));
}

BOOST_AUTO_TEST_CASE(switching_impl_requires_its_keys) {
  TempDir dir;
  // Changing impl replaces the preset's section whole: lif needs leak, and the other keys again.
  auto ds = problems_of(
      child(dir, "neuron:\n  impl: lif\n  threshold: 1.0\n  reset: zero\n  potential_bits: 8\n"));
  const Diagnostic d = only(ds);
  BOOST_TEST(d.path == "neuron.leak");
  BOOST_TEST(contains(d.message, "missing required key 'leak' (needed by impl 'lif')"));
  ArchSpec a = load_arch(dir.write("ok.yaml", "extends: chip.yaml\nneuron:\n  leak: 0.05\n"));
  BOOST_TEST(to_string(a.neuron.model) == "lif");
  BOOST_TEST(a.neuron.leak == 0.05);
  BOOST_TEST(a.neuron.potential_bits == 8);
}

BOOST_AUTO_TEST_CASE(missing_required_key_is_an_error) {
  TempDir dir;
  std::string text = R"(version: 1
name: partial
technology: {node_nm: 45, vdd_v: 1.0, clock_mhz: 200}
)";
  auto ds = problems_of(dir.write("partial.yaml", text));
  bool library = false, device = false;
  for (const auto& d : ds) {
    library |=
        d.path == "technology.library" && contains(d.message, "missing required key 'library'");
    device |= d.path == "device" && contains(d.message, "missing required section 'device'");
  }
  BOOST_TEST(library);
  BOOST_TEST(device);
}

BOOST_AUTO_TEST_CASE(missing_include_names_the_file) {
  TempDir dir;
  std::string path = dir.write("chip.yaml", "extends: no-such-preset\nname: x\n");
  const Diagnostic d = only(problems_of(path));
  BOOST_TEST(d.path == "extends");
  BOOST_TEST(d.where.line == 1);
  BOOST_TEST(d.where.column == 10);
  BOOST_TEST(contains(d.message, "cannot find base config 'no-such-preset'"));
}

BOOST_AUTO_TEST_CASE(extends_cycle_is_an_error) {
  TempDir dir;
  dir.write("a.yaml", "extends: b.yaml\n");
  std::string b = dir.write("b.yaml", "extends: a.yaml\n");
  const Diagnostic d = only(problems_of(b));
  BOOST_TEST(contains(d.message, "loops back"));
}

BOOST_AUTO_TEST_CASE(yaml_syntax_error_is_located) {
  TempDir dir;
  std::string path =
      dir.write("bad.yaml", "version: 1\ncrossbar: {rows: 64, columns: 64\nname: x\n");
  const Diagnostic d = only(problems_of(path));
  BOOST_TEST(d.where.file == path);
  BOOST_TEST(d.where.line >= 2);
  BOOST_TEST(contains(d.message, "YAML syntax error"));
}

BOOST_AUTO_TEST_CASE(tab_indentation_is_located) {
  TempDir dir;
  std::string path = dir.write("tabs.yaml", "version: 1\ncrossbar:\n\trows: 64\n");
  const Diagnostic d = only(problems_of(path));
  BOOST_TEST(d.where.line == 3);
  BOOST_TEST(d.where.column == 1);
  BOOST_TEST(contains(d.message, "tab character in indentation"));
}

BOOST_AUTO_TEST_CASE(duplicate_key_is_an_error) {
  TempDir dir;
  const Diagnostic d = only(problems_of(child(dir, "crossbar:\n  rows: 64\n  rows: 128\n")));
  BOOST_TEST(d.where.line == 4);
  BOOST_TEST(contains(d.message, "key appears twice"));
}

BOOST_AUTO_TEST_CASE(every_problem_of_a_file_is_reported_at_once) {
  TempDir dir;
  auto ds = problems_of(
      child(dir, "crossbar:\n  rows: 100\n  colums: 64\nadc:\n  bits: 0\nnoc:\n  flit_bits: x\n"));
  BOOST_TEST(ds.size() == 4u);
  std::string all = ConfigError(ds).what();
  BOOST_TEST(contains(all, "crossbar.rows"));
  BOOST_TEST(contains(all, "crossbar.colums"));
  BOOST_TEST(contains(all, "adc.bits"));
  BOOST_TEST(contains(all, "noc.flit_bits"));
}

BOOST_AUTO_TEST_CASE(relations_between_keys_are_checked) {
  TempDir dir;
  auto ds = problems_of(child(dir, "device:\n  r_on_ohm: 300000\nadc:\n  columns_per_adc: 128\n"));
  BOOST_REQUIRE_EQUAL(ds.size(), 2u);
  BOOST_TEST(ds[0].path == "device.r_on_ohm");
  BOOST_TEST(contains(ds[0].message, "R_on must be below R_off"));
  BOOST_TEST(ds[1].path == "adc.columns_per_adc");
  BOOST_TEST(contains(ds[1].message, "exceeds the crossbar's 64 columns"));
}

BOOST_AUTO_TEST_CASE(wrong_version_is_rejected) {
  TempDir dir;
  const Diagnostic d = only(problems_of(child(dir, "version: 2\n")));
  BOOST_TEST(d.path == "version");
  BOOST_TEST(contains(d.message, "unsupported version 2; this xbarsim reads version 1"));
}

BOOST_AUTO_TEST_CASE(set_overrides_any_key) {
  ArchSpec a =
      load_arch(preset(), {"crossbar.rows=128", "crossbar.columns=128", "chip.grid=[2, 3]"});
  BOOST_TEST(a.crossbar.rows == 128);
  BOOST_TEST(a.chip.grid->second == 3);
  BOOST_TEST(*a.chip.tiles == 6);  // tiles: auto takes the grid's size
}

BOOST_AUTO_TEST_CASE(set_impl_starts_the_section_afresh) {
  auto ds = problems_of(preset(), {"noc.impl=bus"});
  BOOST_REQUIRE_EQUAL(ds.size(), 3u);  // bus needs its own keys; mesh's are gone, not rejected
  BOOST_TEST(ds[0].path == "noc.flit_bits");
  BOOST_TEST(ds[2].path == "noc.bus_latency_cycles");
  ArchSpec a = load_arch(preset(), {"noc.impl=bus", "noc.flit_bits=32", "noc.buffer_depth_flits=2",
                                    "noc.bus_latency_cycles=3"});
  BOOST_TEST(a.noc.impl == "bus");
  BOOST_TEST(a.noc.bus_latency_cycles == 3);
}

BOOST_AUTO_TEST_CASE(bad_set_override_is_reported_as_command_line) {
  auto ds = problems_of(preset(), {"crossbar.rows=abc", "crossbar.rowz=64", "nonsense"});
  BOOST_REQUIRE_EQUAL(ds.size(), 1u);  // a malformed override stops before validation
  BOOST_TEST(ds[0].path == "nonsense");
  ds = problems_of(preset(), {"crossbar.rows=abc", "crossbar.rowz=64"});
  BOOST_REQUIRE_EQUAL(ds.size(), 2u);
  for (const auto& d : ds) BOOST_TEST(to_string(d.where) == "command line (--set)");
  BOOST_TEST(contains(ds[1].message, "did you mean 'rows'?"));
}

BOOST_AUTO_TEST_CASE(library_path_is_relative_to_the_file_that_names_it) {
  TempDir dir;
  const Diagnostic d = only(problems_of(child(dir, "technology:\n  library: missing.yaml\n")));
  BOOST_TEST(d.path == "technology.library");
  BOOST_TEST(contains(d.message, (dir.path() / "missing.yaml").string()));
}

BOOST_AUTO_TEST_CASE(resolved_config_round_trips) {
  ArchSpec a = load_arch(preset(), {"adc.bits=5"});
  TempDir dir;
  std::string path = dir.write("resolved.yaml", to_yaml(a.resolved));
  ArchSpec b = load_arch(path);
  BOOST_TEST(b.adc.bits == 5);
  BOOST_TEST(b.crossbar.rows == a.crossbar.rows);
  BOOST_TEST(b.name == a.name);
}

// Hostile configs: each refused with a located message before it costs gigabytes or minutes.
BOOST_AUTO_TEST_CASE(grid_beyond_the_cell_limit_is_refused_not_overflowed) {
  TempDir dir;
  // 65536^2 overflowed int to 0 tiles ("chip tiles 0", area 0); 100000^2 gave 1.41e9 tiles.
  for (const char* grid : {"[65536, 65536]", "[100000, 100000]", "[2048, 1024]"}) {
    const Diagnostic d =
        only(problems_of(child(dir, std::string("chip:\n  grid: ") + grid + "\n")));
    BOOST_TEST(d.path == "chip.grid");
    BOOST_TEST(d.where.line == 3);
    BOOST_TEST(contains(d.message, "grid cells a chip may have"), d.message);
  }
  // The limit itself is a valid chip.
  BOOST_CHECK_NO_THROW(load_arch(child(dir, "chip:\n  grid: [1024, 1024]\n")));
}

BOOST_AUTO_TEST_CASE(yaml_alias_bomb_is_refused) {
  TempDir dir;
  // Nine levels of ten aliases each: 10^9 nodes once expanded (7.8 GB before).
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int k = 1; k <= 9; ++k) {
    const std::string p = "*a" + std::to_string(k - 1);
    text += "a" + std::to_string(k) + ": &a" + std::to_string(k) + " [" + p;
    for (int i = 1; i < 10; ++i) text += ", " + p;
    text += "]\n";
  }
  const Diagnostic d = only(problems_of(dir.write("bomb.yaml", text)));
  BOOST_TEST(contains(d.message, "YAML nodes (aliases expanded)"), d.message);
  BOOST_TEST(d.where.file == (dir.path() / "bomb.yaml").string());
}

BOOST_AUTO_TEST_CASE(a_directory_or_a_device_is_not_a_config) {
  TempDir dir;
  // Before: "got nothing (null)" for a directory; /dev/zero read until std::bad_alloc.
  const Diagnostic d = only(problems_of(dir.path().string()));
  BOOST_TEST(contains(d.message, "is a directory, not a config file"), d.message);
  const Diagnostic z = only(problems_of("/dev/zero"));
  BOOST_TEST(z.where.file == "/dev/zero");
  BOOST_TEST(contains(z.message, "longer than the 16 MiB a config file may have"), z.message);
  const Diagnostic e = only(problems_of(dir.write("ext.yaml", "extends: /dev/zero\n")));
  BOOST_TEST(contains(e.message, "16 MiB"), e.message);
}

BOOST_AUTO_TEST_CASE(a_map_of_many_keys_is_read_in_linear_time) {
  TempDir dir;
  // 200k keys: the duplicate-key check was a linear search per key (60k keys took 14.5 s).
  std::string text = "name: big\n";
  for (int k = 0; k < 200000; ++k) text += "k" + std::to_string(k) + ": 1\n";
  text += "k17: 2\n";  // and a duplicate is still found, where it is
  const auto start = std::chrono::steady_clock::now();
  const Diagnostic d = only(problems_of(dir.write("keys.yaml", text)));
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BOOST_TEST(contains(d.message, "key appears twice"), d.message);
  BOOST_TEST(d.where.line == 200002);
  BOOST_TEST(s < 20.0, s << " s");
  // 100k keys merged over a preset (extends:): merging looked each key up linearly as well
  // (60k keys: 54 s before, under a second now). Each is an unknown key, reported where it is.
  std::string many = "extends: " + preset() + "\n";
  for (int k = 0; k < 100000; ++k) many += "k" + std::to_string(k) + ": 1\n";
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<Diagnostic> ds = problems_of(dir.write("many.yaml", many));
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST(ds.size() == 100000u);
  BOOST_TEST(ds.back().where.line == 100001);
  BOOST_TEST(t < 20.0, t << " s");
}

BOOST_AUTO_TEST_SUITE_END()
