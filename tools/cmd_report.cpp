// xbarsim report: the visual report of a run (report.html next to its report.json).
#include <iostream>

#include "flow/html_report.hpp"
#include "tools/commands.hpp"

namespace xbar::tools {

static void add_report_commands(CLI::App& app, int& status) {
  auto dir = std::make_shared<std::string>();
  CLI::App* report = app.add_subcommand(
      "report",
      "write a run's visual report, RUN_DIR/report.html (self-contained: inline SVG and CSS), "
      "from its report.json");
  report->add_option("run_dir", *dir, "a directory `xbarsim run` wrote (runs/NAME)")->required();
  report->callback([&status, dir] {
    status = guarded([&] {
      std::cout << flow::write_run_report_html(*dir) << "\n";
      return 0;
    });
  });
}

XBAR_REGISTER_COMMANDS(35, add_report_commands);

}  // namespace xbar::tools
