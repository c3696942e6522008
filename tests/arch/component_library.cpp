// Loading component libraries: every entry is validated like an arch file, and the costs that come
// out carry their source.
#include "arch/component_library.hpp"

#include <boost/test/unit_test.hpp>

#include "arch/inventory.hpp"
#include "tests/support/temp_dir.hpp"

using namespace xbar::arch;
using namespace xbar::config;
using xbar::test::TempDir;
namespace tt = boost::test_tools;

namespace {
bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<Diagnostic> library_problems(const std::string& path) {
  try {
    ComponentLibrary::load(path);
  } catch (const ConfigError& e) {
    return e.diagnostics();
  }
  BOOST_FAIL("expected a ConfigError");
  return {};
}

const char* kHeader = "version: 1\nname: t\nnode_nm: 32\ncomponents:\n";
}  // namespace

BOOST_AUTO_TEST_SUITE(component_library)

BOOST_AUTO_TEST_CASE(shipped_libraries_load_with_a_source_for_every_entry) {
  for (const char* name : {"isaac-32nm", "resparc-45nm"}) {
    ComponentLibrary lib =
        ComponentLibrary::load(xbar::test::source_dir() + "/configs/tech/" + name + ".yaml");
    BOOST_TEST(lib.name == name);
    int entries = 0;
    for (const auto& c : components()) {
      if (!lib.has(c.id)) continue;
      ++entries;
      BOOST_TEST(!lib.entry(c.id).source.empty(), name << ": " << c.name << " has no source");
    }
    BOOST_TEST(entries >= 10);
  }
}

BOOST_AUTO_TEST_CASE(power_is_turned_into_energy_per_action) {
  TempDir dir;
  std::string path = dir.write(
      "lib.yaml", std::string(kHeader) +
                      "  adc: {rule: fixed, power_mw: 2.0, latency_ns: 0.5, area_um2: 10, "
                      "leakage_mw: 0, source: test}\n");
  ComponentLibrary lib = ComponentLibrary::load(path);
  ComponentCost c = lib.cost(Component::Adc, 8, {});
  BOOST_TEST(c.energy_pj == 1.0, tt::tolerance(1e-12));  // 2 mW x 0.5 ns
  BOOST_TEST(contains(c.provenance, "adc [fixed] test"));
}

BOOST_AUTO_TEST_CASE(entry_needs_exactly_one_of_energy_and_power) {
  TempDir dir;
  auto ds = library_problems(
      dir.write("lib.yaml", std::string(kHeader) +
                                "  adc: {rule: fixed, power_mw: 2.0, energy_pj: 1, latency_ns: 1, "
                                "area_um2: 10, leakage_mw: 0, source: test}\n"));
  BOOST_REQUIRE_EQUAL(ds.size(), 1u);
  BOOST_TEST(contains(ds[0].message, "exactly one of energy_pj and power_mw"));
}

BOOST_AUTO_TEST_CASE(entry_without_source_is_rejected) {
  TempDir dir;
  auto ds = library_problems(
      dir.write("lib.yaml", std::string(kHeader) +
                                "  adc: {rule: fixed, energy_pj: 1, latency_ns: 1, area_um2: 10, "
                                "leakage_mw: 0}\n"));
  BOOST_REQUIRE_EQUAL(ds.size(), 1u);
  BOOST_TEST(ds[0].path == "components.adc.source");
  BOOST_TEST(ds[0].where.line == 5);
}

BOOST_AUTO_TEST_CASE(unknown_component_and_rule_are_named) {
  TempDir dir;
  auto ds = library_problems(dir.write(
      "lib.yaml", std::string(kHeader) +
                      "  adcc: {rule: fixed}\n"
                      "  buffer: {rule: linear, ref_size: 1, energy_pj: 1, latency_ns: 1, "
                      "area_um2: 1, leakage_mw: 0, source: s}\n"));
  BOOST_REQUIRE_EQUAL(ds.size(), 2u);
  BOOST_TEST(contains(ds[0].message, "unknown component 'adcc'; did you mean 'adc'?"));
  BOOST_TEST(ds[1].path == "components.buffer.rule");
  BOOST_TEST(contains(ds[1].message, "'linear' is not one of fixed|cacti|table"));
}

BOOST_AUTO_TEST_CASE(table_points_must_be_sorted) {
  TempDir dir;
  auto ds = library_problems(dir.write(
      "lib.yaml",
      std::string(kHeader) +
          "  register:\n    rule: table\n    latency_ns: 1\n    leakage_mw: 0\n    source: s\n"
          "    points:\n      - {size: 2048, power_mw: 1.24, area_um2: 2100}\n"
          "      - {size: 256, power_mw: 0.23, area_um2: 770}\n"));
  BOOST_REQUIRE_EQUAL(ds.size(), 1u);
  BOOST_TEST(ds[0].where.line == 12);
  BOOST_TEST(contains(ds[0].message, "sorted by increasing size"));
}

BOOST_AUTO_TEST_CASE(chip_using_a_component_the_library_lacks_is_an_error) {
  ArchSpec a = load_arch(xbar::test::source_dir() + "/configs/arch/resparc-64.yaml",
                         {"tile.pooling_units=2"});
  ComponentLibrary lib = ComponentLibrary::load(a.technology.library);
  try {
    build_inventory(a, lib);
    BOOST_FAIL("expected an error");
  } catch (const ConfigError& e) {
    BOOST_TEST(contains(e.what(), "library 'resparc-45nm' has no entry for 'pooling'"));
  }
}

BOOST_AUTO_TEST_CASE(library_for_another_node_is_an_error) {
  ArchSpec a = load_arch(xbar::test::source_dir() + "/configs/arch/resparc-64.yaml",
                         {"technology.node_nm=32"});
  ComponentLibrary lib = ComponentLibrary::load(a.technology.library);
  try {
    build_inventory(a, lib);
    BOOST_FAIL("expected an error");
  } catch (const ConfigError& e) {
    BOOST_TEST(contains(e.what(), "the chip is at 32 nm but library 'resparc-45nm'"));
    BOOST_TEST(e.diagnostics()[0].path == "technology.node_nm");
  }
}

BOOST_AUTO_TEST_CASE(accelergy_adc_below_4_bits_is_a_config_error) {
  ArchSpec a =
      load_arch(xbar::test::source_dir() + "/configs/arch/resparc-64.yaml", {"adc.bits=3"});
  try {
    build_inventory(a);
    BOOST_FAIL("expected an error");
  } catch (const ConfigError& e) {
    BOOST_REQUIRE_EQUAL(e.diagnostics().size(), 1u);
    BOOST_TEST(e.diagnostics()[0].path == "components.adc");
    BOOST_TEST(e.diagnostics()[0].where.line > 0);
    BOOST_TEST(contains(e.what(), "defined for 4 bits and more"), e.what());
    BOOST_TEST(contains(e.what(), "adc.bits is 3"), e.what());
  }
}

BOOST_AUTO_TEST_CASE(resparc_adc_cost_rises_with_bits_at_equal_conversion_rate) {
  // A flash converter of fixed latency keeps the conversion rate (33.3 MS/s) whatever its bits, so
  // only the resolution moves. (A SAR's rate falls with its bits: see arch/README.md.)
  double last_area = 0, last_power = 0;
  for (int bits : {4, 5, 6, 7, 8, 10}) {
    ArchSpec a = load_arch(xbar::test::source_dir() + "/configs/arch/resparc-64.yaml",
                           {"adc={impl: flash, bits: " + std::to_string(bits) +
                            ", columns_per_adc: 8, latency_cycles: 6}"});
    const Inventory inventory = build_inventory(a);  // find() points into it
    const InventoryItem* adc = inventory.find(Level::Core, "adc");
    BOOST_REQUIRE(adc);
    BOOST_TEST(adc->actions_per_s == 200e6 / 6, tt::tolerance(1e-12));
    BOOST_TEST(adc->area_mm2() > last_area, bits << " bits");
    BOOST_TEST(adc->peak_power_mw() > last_power, bits << " bits");
    last_area = adc->area_mm2();
    last_power = adc->peak_power_mw();
  }
}

BOOST_AUTO_TEST_CASE(resparc_core_scales_with_crossbar_size) {
  std::string preset = xbar::test::source_dir() + "/configs/arch/resparc-64.yaml";
  ArchSpec small = load_arch(preset);
  ArchSpec big = load_arch(preset, {"crossbar.rows=128", "crossbar.columns=128"});
  ComponentLibrary lib = ComponentLibrary::load(small.technology.library);
  Inventory a = build_inventory(small, lib), b = build_inventory(big, lib);
  // Four times the cells: four times the array area; twice the rows: twice the drivers.
  BOOST_TEST(b.find(Level::Core, "cell_array")->area_mm2() ==
                 4 * a.find(Level::Core, "cell_array")->area_mm2(),
             tt::tolerance(1e-9));
  BOOST_TEST(b.find(Level::Core, "row_driver")->count ==
             2 * a.find(Level::Core, "row_driver")->count);
  BOOST_TEST(b.find(Level::Core, "adc")->count == 2 * a.find(Level::Core, "adc")->count);
}

BOOST_AUTO_TEST_SUITE_END()
