// One name table per enumeration a configuration file can choose: the table gives each value its
// spelling in the files and a line of documentation, and everything else -- parsing, to_string,
// the schema's choices, `xbarsim list` -- reads the same table. An enumeration declares its table
// next to itself with a function found by argument-dependent lookup:
//
//   enum class ResetMode { Subtract, Zero };
//   constexpr std::span<const config::EnumName<ResetMode>> enum_names(ResetMode) { ... }
#pragma once

#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xbar::config {

template <class E>
struct EnumName {
  E value;
  std::string_view name;  // as written in configuration files
  std::string_view doc;
};

template <class E>
constexpr auto names_of() {
  return enum_names(E{});
}

// The spelling of a value in configuration files.
template <class E>
std::string to_string(E value) {
  for (const auto& n : names_of<E>())
    if (n.value == value) return std::string(n.name);
  throw std::logic_error("an enumeration value without a name");
}

template <class E>
std::optional<E> parse_enum(std::string_view text) {
  for (const auto& n : names_of<E>())
    if (n.name == text) return n.value;
  return std::nullopt;
}

// The value spelled `text`; std::invalid_argument naming `what` and the valid spellings otherwise
// (for command-line options; configuration files are validated against enum_choices first).
template <class E>
E parse_enum(std::string_view text, std::string_view what) {
  if (auto v = parse_enum<E>(text)) return *v;
  std::string valid;
  for (const auto& n : names_of<E>()) valid += (valid.empty() ? "" : ", ") + std::string(n.name);
  throw std::invalid_argument("unknown " + std::string(what) + " '" + std::string(text) + "' (" +
                              valid + ")");
}

// The spellings, in table order (the schema's choices).
template <class E>
std::vector<std::string> enum_choices() {
  std::vector<std::string> c;
  for (const auto& n : names_of<E>()) c.emplace_back(n.name);
  return c;
}

}  // namespace xbar::config
