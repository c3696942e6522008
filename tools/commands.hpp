// Each file tools/cmd_*.cpp adds its subcommands to the xbarsim command line.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace xbar::tools {

// Runs a subcommand body, turning the project's errors into one line per problem on stderr and a
// non-zero exit code (2: bad input, 1: anything else).
int guarded(const std::function<int()>& body);

// Each adder registers subcommands whose callbacks store their exit code in `status`.
void add_arch_commands(CLI::App& app, int& status);  // validate, area, list

}  // namespace xbar::tools
