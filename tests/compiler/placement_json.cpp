// The Placement file: version-1 JSON that round-trips exactly, and clear errors (naming the file)
// for a wrong version, a malformed file or a missing one.
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>

#include "arch/arch_spec.hpp"
#include "compiler/map.hpp"
#include "compiler/place.hpp"
#include "tests/compiler/synth.hpp"
#include "tests/support/temp_dir.hpp"

using namespace xbar::compiler;

namespace {

Placement small_placement() {
  auto arch = xbar::arch::load_arch(xbar::test::source_dir() + "/configs/arch/resparc-64.yaml");
  CrossbarGeometry g = geometry_for(arch);
  auto l0 = xbar::test::synth_layer(100, 150, 0.1, 2, 20, 16, 0.95, 1);
  auto l1 = xbar::test::synth_layer(10, 100, 0.3, 0, 0, 0, 0, 2);
  ClusterOptions opt = cluster_options_for(arch);
  return place(arch, {map_clustered(0, l0.mask, cluster_connectivity(l0.mask, opt), g),
                      map_compacted(1, l1.mask, g)});
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const CompileError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(placement_json)

BOOST_AUTO_TEST_CASE(round_trip_is_exact) {
  xbar::test::TempDir dir;
  Placement p = small_placement();
  BOOST_REQUIRE(p.crossbars() > 0);
  std::string path = (dir.path() / "placement.json").string();
  write_placement(p, path);
  Placement q = read_placement(path);
  BOOST_TEST((q == p));
  // Writing what was read gives the same bytes.
  std::string again = (dir.path() / "again.json").string();
  write_placement(q, again);
  BOOST_TEST(read(path) == read(again));
  BOOST_TEST(read(path).find("\"version\": 1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(wrong_version_is_a_clear_error) {
  xbar::test::TempDir dir;
  std::string text = to_json(small_placement());
  text.replace(text.find("\"version\": 1"), 12, "\"version\": 7");
  std::string path = dir.write("future.json", text);
  std::string msg = error_of([&] { read_placement(path); });
  BOOST_TEST(msg.find(path) != std::string::npos, msg);
  BOOST_TEST(msg.find("version 7") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(malformed_file_is_a_clear_error) {
  xbar::test::TempDir dir;
  std::string text = to_json(small_placement());
  std::string truncated = dir.write("truncated.json", text.substr(0, text.size() / 2));
  std::string msg = error_of([&] { read_placement(truncated); });
  BOOST_TEST(msg.find(truncated) != std::string::npos, msg);
  BOOST_TEST(msg.find("malformed") != std::string::npos, msg);
  // Valid JSON, missing a key.
  std::string no_blocks = text;
  no_blocks.replace(no_blocks.find("\"blocks\""), 8, "\"blocksX\"");
  std::string path = dir.write("no_blocks.json", no_blocks);
  msg = error_of([&] { read_placement(path); });
  BOOST_TEST(msg.find(path) != std::string::npos, msg);
  BOOST_TEST(msg.find("blocks") != std::string::npos, msg);
  // A block on a tile the chip does not have.
  std::string bad_tile = text;
  std::size_t at = bad_tile.find("\"tile\":", bad_tile.find("\"blocks\""));
  bad_tile.replace(at, 8, "\"tile\":9");
  path = dir.write("bad_tile.json", bad_tile);
  msg = error_of([&] { read_placement(path); });
  BOOST_TEST(msg.find(path) != std::string::npos, msg);
  BOOST_TEST(msg.find("tile 9") != std::string::npos, msg);
  // Not a Placement at all.
  std::string other = dir.write("other.json", "{\"version\": 1}");
  BOOST_TEST(error_of([&] { read_placement(other); }).find("not a Placement") != std::string::npos);
  BOOST_TEST(error_of([&] {
               read_placement((dir.path() / "missing.json").string());
             }).find("missing.json") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
