// The Placement file: version-1 JSON that round-trips exactly, and clear errors (naming the file)
// for a wrong version, a malformed file or a missing one.
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "arch/arch_spec.hpp"
#include "compiler/map.hpp"
#include "compiler/place.hpp"
#include "config/files.hpp"
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

// Placements that cannot be simulated, each as a user (or a bit flip) could write it: refused when
// read, as bad input (exit 2), naming the file and the JSON pointer of the culprit. Before, these
// crashed the chip model (grid [0, 0], a tile off the grid) or were simulated as if valid.
BOOST_AUTO_TEST_CASE(invalid_placements_are_refused_at_their_json_pointer) {
  using Json = nlohmann::ordered_json;
  xbar::test::TempDir dir;
  const Json good = Json::parse(to_json(small_placement()));
  BOOST_REQUIRE(good["blocks"].size() >= 3u);
  BOOST_REQUIRE(good["tiles"].size() >= 2u);
  struct Case {
    const char* name;
    void (*mutate)(Json&);
    const char* expect;  // in the message, after the file name
  };
  const Case cases[] = {
      {"grid 0x0",
       [](Json& j) {
         j["grid"] = {0, 0};
       },
       "/grid/0"},
      {"huge grid",
       [](Json& j) {
         j["grid"] = {65536, 65536};
       },
       "/grid: a 65536 x 65536 grid"},
      {"tile off the grid",
       [](Json& j) {
         j["tiles"][0]["grid"] = {50, 50};
       },
       "/tiles/0/grid: tile 0 at [50, 50] is outside"},
      {"two tiles on one cell", [](Json& j) { j["tiles"][1]["grid"] = j["tiles"][0]["grid"]; },
       "are both at"},
      {"every block on one crossbar",
       [](Json& j) {
         for (auto& b : j["blocks"]) b["tile"] = b["core"] = b["slot"] = 0;
       },
       "/blocks/1: block 1 of layer 0 and block 0 of layer 0 are both on tile 0, core 0, slot 0"},
      {"slot 99", [](Json& j) { j["blocks"][0]["slot"] = 99; }, "/blocks/0/slot: "},
      {"core 5", [](Json& j) { j["blocks"][0]["core"] = 5; }, "/blocks/0/core: "},
      {"tile 2^40", [](Json& j) { j["blocks"][0]["tile"] = 1LL << 40; },
       "/blocks/0/tile: 1099511627776 is outside"},
      {"blocks listed three times",
       [](Json& j) {
         Json b = j["blocks"];
         for (int k = 0; k < 2; ++k)
           for (const auto& x : b) j["blocks"].push_back(x);
       },
       "are both on tile"},
      {"a row named twice",
       [](Json& j) { j["blocks"][0]["rows"].push_back(j["blocks"][0]["rows"][0]); },
       "/blocks/0/rows: "},
      {"a neuron count that lies",
       [](Json& j) { j["tiles"][0]["neurons"] = j["tiles"][0]["neurons"].get<int>() + 1; },
       "/tiles/0/neurons: "},
      {"a float for an integer", [](Json& j) { j["blocks"][0]["core"] = 0.5; },
       "/blocks/0/core: expected an integer"},
      {"no output tiles", [](Json& j) { j["layers"][0]["output_tiles"] = Json::array(); },
       "/layers/0/output_tiles: "},
  };
  for (const Case& c : cases) {
    Json j = good;
    c.mutate(j);
    const std::string path = dir.write("bad.json", j.dump());
    std::string msg;
    bool bad_input = false;
    try {
      read_placement(path);
    } catch (const CompileError& e) {
      msg = e.what();
      bad_input = xbar::config::is_bad_input(e);
    }
    BOOST_TEST_CONTEXT(c.name) {
      BOOST_TEST(msg.find(path + ": malformed Placement: ") == 0u, msg);
      BOOST_TEST(msg.find(c.expect) != std::string::npos, msg);
      BOOST_TEST(bad_input);
    }
  }
  // The file as written passes the same checks.
  BOOST_CHECK_NO_THROW(validate_placement(small_placement()));
}

// A placement read through the bounded reader: one longer than the limit, or a directory, is
// refused at once instead of read until memory runs out, or failing with the stream's own words.
BOOST_AUTO_TEST_CASE(placement_too_long_or_a_directory_is_refused) {
  xbar::test::TempDir dir;
  // Refused by its size before it is read (a sparse file: nothing of it is written or read).
  const std::filesystem::path big = dir.path() / "big.json";
  std::ofstream(big).close();
  std::filesystem::resize_file(big, (std::uintmax_t{256} << 20) + 1);
  const std::string msg = error_of([&] { read_placement(big.string()); });
  BOOST_TEST(msg.find(big.string() + ": 268435457 bytes is more than the 256 MiB a Placement") == 0u,
             msg);
  const std::string d = error_of([&] { read_placement(dir.path().string()); });
  BOOST_TEST(d.find("is a directory") != std::string::npos, d);
}

BOOST_AUTO_TEST_SUITE_END()
