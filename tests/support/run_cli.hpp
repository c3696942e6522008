// Runs the real xbarsim executable (XBARSIM_EXE) as a user would: stdout and stderr together, and
// the exit code.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace xbar::test {

inline int run_cli(const std::string& args, std::string* out = nullptr) {
  const std::string cmd = std::string(XBARSIM_EXE) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return -1;
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) text.append(buf, n);
  const int status = pclose(pipe);
  if (out) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace xbar::test
