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

// Each tools/cmd_*.cpp registers a function that adds its subcommands; their callbacks store the
// exit code in `status`. `order` sets where they appear in --help.
using CommandAdder = void (*)(CLI::App& app, int& status);
int register_commands(int order, CommandAdder adder);
void add_all_commands(CLI::App& app, int& status);

#define XBAR_REGISTER_COMMANDS(order, adder) \
  static const int xbar_registered_##adder = ::xbar::tools::register_commands(order, adder)

}  // namespace xbar::tools
