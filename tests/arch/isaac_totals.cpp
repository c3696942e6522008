// The ISAAC-like preset reproduces the published totals of ISAAC's Table 6 (Shafiee et al., ISCA
// 2016) within 1 %: an IMA 24.08 mW (12 IMAs: 289 mW, 0.157 mm^2), a tile 330 mW and 0.372 mm^2,
// 168 tiles 55.4 W and 62.5 mm^2, the chip with HyperTransport 65.8 W and 85.4 mm^2.
#include <boost/test/unit_test.hpp>

#include "arch/inventory.hpp"
#include "tests/support/temp_dir.hpp"

using namespace xbar::arch;
using namespace xbar::config;
namespace tt = boost::test_tools;

namespace {
Inventory isaac() {
  ArchSpec a = load_arch(xbar::test::source_dir() + "/configs/arch/isaac.yaml");
  return build_inventory(a, ComponentLibrary::load(a.technology.library));
}
}  // namespace

BOOST_AUTO_TEST_SUITE(isaac_totals)

BOOST_AUTO_TEST_CASE(ima_matches_table_6) {
  Inventory inv = isaac();
  BOOST_TEST(inv.core.peak_power_mw == 24.08, tt::tolerance(0.01));
  BOOST_TEST(12 * inv.core.peak_power_mw == 289.0, tt::tolerance(0.01));
  BOOST_TEST(12 * inv.core.area_mm2 == 0.157, tt::tolerance(0.01));
  BOOST_TEST(inv.find(Level::Core, "adc")->count == 8);
  BOOST_TEST(inv.find(Level::Core, "row_driver")->count == 1024);
}

BOOST_AUTO_TEST_CASE(tile_matches_table_6) {
  Inventory inv = isaac();
  BOOST_TEST(inv.tile.peak_power_mw == 330.0, tt::tolerance(0.01));
  BOOST_TEST(inv.tile.area_mm2 == 0.372, tt::tolerance(0.01));
  // The tile without its IMAs: 40.9 mW and 0.215 mm^2.
  BOOST_TEST(inv.tile.peak_power_mw - 12 * inv.core.peak_power_mw == 40.9, tt::tolerance(0.01));
  BOOST_TEST(inv.tile.area_mm2 - 12 * inv.core.area_mm2 == 0.215, tt::tolerance(0.01));
}

BOOST_AUTO_TEST_CASE(chip_matches_table_6) {
  Inventory inv = isaac();
  BOOST_REQUIRE(inv.tiles.has_value());
  BOOST_TEST(*inv.tiles * inv.tile.peak_power_mw / 1000 == 55.4, tt::tolerance(0.01));
  BOOST_TEST(*inv.tiles * inv.tile.area_mm2 == 62.5, tt::tolerance(0.01));
  BOOST_TEST(inv.chip.peak_power_mw / 1000 == 65.8, tt::tolerance(0.01));
  BOOST_TEST(inv.chip.area_mm2 == 85.4, tt::tolerance(0.01));
}

BOOST_AUTO_TEST_CASE(adc_bits_scale_the_ima) {
  ArchSpec a = load_arch(xbar::test::source_dir() + "/configs/arch/isaac.yaml", {"adc.bits=6"});
  Inventory inv = build_inventory(a, ComponentLibrary::load(a.technology.library));
  // 6-bit ADCs cost a quarter of 8-bit ones: 16 mW -> 4 mW per IMA.
  BOOST_TEST(inv.find(Level::Core, "adc")->peak_power_mw() == 4.0, tt::tolerance(1e-9));
  BOOST_TEST(inv.core.peak_power_mw == 24.08 - 12.0, tt::tolerance(1e-6));
}

BOOST_AUTO_TEST_SUITE_END()
