#include "tools/spice/ngspice.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace xbar::spice {

NgspiceResult run_ngspice(const std::string& netlist, const std::string& work_dir,
                          const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path cir = fs::path(work_dir) / (name + ".cir");
  const fs::path out = fs::path(work_dir) / (name + ".out");
  {
    std::ofstream f(cir);
    if (!(f << netlist)) throw std::runtime_error("cannot write SPICE netlist " + cir.string());
  }
  const std::string cmd = "ngspice -b '" + cir.string() + "' > '" + out.string() + "' 2>&1";
  const auto t0 = std::chrono::steady_clock::now();
  const int rc = std::system(cmd.c_str());
  NgspiceResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::ifstream f(out);
  std::stringstream text;
  text << f.rdbuf();
  if (rc != 0)
    throw std::runtime_error("ngspice failed (exit status " + std::to_string(rc) + ") on " +
                             cir.string() + ": " + text.str().substr(0, 400));
  std::string line;
  while (std::getline(text, line)) {
    if (line.find("rror") != std::string::npos)
      throw std::runtime_error("ngspice reported an error on " + cir.string() + ": " + line);
    const auto eq = line.find(" = ");
    if (eq == std::string::npos || line.rfind("v(", 0) != 0) continue;
    r.values.emplace_back(line.substr(0, eq), std::strtod(line.c_str() + eq + 3, nullptr));
  }
  return r;
}

}  // namespace xbar::spice
