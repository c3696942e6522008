// xbarsim: the command line. Every subcommand lives in a tools/cmd_*.cpp file and calls the
// libraries; nothing here computes a result of its own.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <systemc>

#include "config/config_tree.hpp"
#include "config/files.hpp"
#include "tools/commands.hpp"

namespace xbar::tools {

int guarded(const std::function<int()>& body) {
  try {
    return body();
  } catch (const config::ConfigError& e) {
    for (const auto& d : e.diagnostics()) std::cerr << d.str() << "\n";
    std::cerr << "xbarsim: " << e.diagnostics().size() << " problem"
              << (e.diagnostics().size() == 1 ? "" : "s") << " found; nothing was run\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "xbarsim: error: out of memory (an input asks for more than this machine has; "
                 "README.md, Limits, lists what one input may ask for)\n";
    return 1;
  } catch (const std::exception& e) {
    // Bad input (config::BadInput): the message names the file and the place in it; exit 2.
    std::cerr << "xbarsim: error: " << e.what() << "\n";
    return xbar::config::is_bad_input(e) ? 2 : 1;
  }
}

namespace {
std::vector<std::pair<int, CommandAdder>>& registry() {
  static std::vector<std::pair<int, CommandAdder>> adders;
  return adders;
}
}  // namespace

int register_commands(int order, CommandAdder adder) {
  registry().emplace_back(order, adder);
  return order;
}

void add_all_commands(CLI::App& app, int& status) {
  auto adders = registry();
  std::sort(adders.begin(), adders.end(), [](auto& a, auto& b) { return a.first < b.first; });
  for (auto& [order, adder] : adders) adder(app, status);
}

}  // namespace xbar::tools

// SystemC starts a program through sc_elab_and_sim(), which prints its banner and calls sc_main().
// Our own main() switches the banner off first (unless the user set the variable) so that the
// output stays ours.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}

extern "C" int sc_main(int argc, char* argv[]) {
  CLI::App app{"xbarsim: cycle-level simulator of memristive-crossbar neuromorphic hardware"};
  app.set_version_flag("--version", std::string("xbarsim ") + XBARSIM_VERSION);
  app.require_subcommand(1);
  int status = 0;
  xbar::tools::add_all_commands(app, status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return status;
}
