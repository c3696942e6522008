#include "arch/noc_implementation.hpp"

namespace xbar::arch {

config::Registry<NocImplementation>& noc_implementations() {
  static config::Registry<NocImplementation> registry("noc", "impl");
  return registry;
}

}  // namespace xbar::arch
