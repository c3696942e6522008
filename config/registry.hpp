// Implementations chosen by a configuration key (`noc.impl`, `compile.flow`, ...) register
// themselves here, each with its documentation, the keys it adds to its section and whatever the
// code needs to build or run it, from the file that implements it -- so adding an implementation is
// adding a file (as Ramulator 2's RAMULATOR_REGISTER_IMPLEMENTATION does). The schema takes its
// choices and keys from the registry, `xbarsim list` prints it, and the code looks implementations
// up by name. A library whose files register implementations is linked whole-archive (see the
// CMakeLists of the library), so no registration is dropped by the linker.
#pragma once

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/schema.hpp"

namespace xbar::config {

// What every implementation tells about itself, whatever it builds.
struct ImplementationInfo {
  std::string section;        // the section it belongs to: "noc", "compile"
  std::string selector;       // the key that chooses it there: "impl", "flow"
  std::string name;           // the selector's value: "mesh"
  std::string doc;            // one line for `xbarsim list` and the schema
  std::vector<KeySpec> keys;  // the keys it adds to its section (only_for = {name})
};

// Every implementation registered under `section`, in name order (any kind of Registry).
std::vector<ImplementationInfo> implementations(std::string_view section);
// The sections that have registered implementations, in name order.
std::vector<std::string> sections_with_implementations();

namespace detail {
void record(const ImplementationInfo& info);
}

// The implementations of one kind: `Entry` is what the code needs besides the information (a
// factory, a function), e.g. `Registry<std::function<std::unique_ptr<Noc>(...)>>`.
template <class Entry>
class Registry {
 public:
  Registry(std::string section, std::string selector)
      : section_(std::move(section)), selector_(std::move(selector)) {}

  struct Implementation {
    ImplementationInfo info;
    Entry entry;
  };

  // Adds an implementation; a second one of the same name is a programming error.
  bool add(std::string name, std::string doc, std::vector<KeySpec> keys, Entry entry) {
    if (find(name)) throw std::logic_error(section_ + ": '" + name + "' is registered twice");
    for (auto& k : keys) k.only_for = {name};
    Implementation impl{{section_, selector_, std::move(name), std::move(doc), std::move(keys)},
                        std::move(entry)};
    detail::record(impl.info);
    const auto at = std::lower_bound(
        impls_.begin(), impls_.end(), impl.info.name,
        [](const Implementation& a, const std::string& n) { return a.info.name < n; });
    impls_.insert(at, std::move(impl));
    return true;
  }

  const Implementation* find(std::string_view name) const {
    for (const auto& i : impls_)
      if (i.info.name == name) return &i;
    return nullptr;
  }
  // The implementation called `name`; std::invalid_argument naming the known ones otherwise.
  const Implementation& at(std::string_view name) const {
    if (const Implementation* i = find(name)) return *i;
    std::string known;
    for (const auto& i : impls_) known += (known.empty() ? "" : ", ") + i.info.name;
    throw std::invalid_argument("no " + section_ + "." + selector_ + " named '" +
                                std::string(name) + "' (registered: " + known + ")");
  }
  const std::vector<Implementation>& all() const { return impls_; }
  std::vector<std::string> names() const {
    std::vector<std::string> n;
    for (const auto& i : impls_) n.push_back(i.info.name);
    return n;
  }
  const std::string& section() const { return section_; }

 private:
  std::string section_, selector_;
  std::vector<Implementation> impls_;
};

}  // namespace xbar::config

// Registers an implementation at static initialisation, from the file that implements it:
//   XBAR_REGISTER_IMPLEMENTATION(noc_registry(), mesh, "2D mesh ...", {keys...}, factory);
// `registry` is an expression giving the Registry (a function returning a static instance, so the
// order of static initialisation across files does not matter).
#define XBAR_REGISTER_IMPLEMENTATION(registry, name, ...) \
  [[maybe_unused]] static const bool xbar_registered_##name = (registry).add(#name, __VA_ARGS__)
