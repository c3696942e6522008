#include "config/registry.hpp"

#include <map>

namespace xbar::config {

namespace {
// Filled at static initialisation by Registry::add; a function-local static, so it exists before
// the first registration whatever the order of initialisation across files.
std::map<std::string, std::vector<ImplementationInfo>, std::less<>>& directory() {
  static std::map<std::string, std::vector<ImplementationInfo>, std::less<>> d;
  return d;
}
}  // namespace

namespace detail {
void record(const ImplementationInfo& info) {
  auto& v = directory()[info.section];
  const auto at = std::lower_bound(
      v.begin(), v.end(), info.name,
      [](const ImplementationInfo& a, const std::string& n) { return a.name < n; });
  v.insert(at, info);
}
}  // namespace detail

std::vector<ImplementationInfo> implementations(std::string_view section) {
  const auto it = directory().find(section);
  return it == directory().end() ? std::vector<ImplementationInfo>{} : it->second;
}

std::vector<std::string> sections_with_implementations() {
  std::vector<std::string> s;
  for (const auto& [name, impls] : directory()) s.push_back(name);
  return s;
}

}  // namespace xbar::config
