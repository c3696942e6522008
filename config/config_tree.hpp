// A YAML document as a tree whose every node remembers the file, line and column it came from, so
// that validation can say exactly where a problem is, even after presets were merged (extends:) and
// keys were overridden from the command line (--set).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xbar::config {

struct Location {
  std::string file;  // a path, or "--set" for a command-line override
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown
};
std::string to_string(const Location& where);

// One problem with a configuration: where, which key, what.
struct Diagnostic {
  Diagnostic(Location where_, std::string path_, std::string message_)
      : where(std::move(where_)), path(std::move(path_)), message(std::move(message_)) {}
  Location where;
  std::string path;  // dotted key path, e.g. "crossbar.rows"
  std::string message;
  std::string str() const;  // "file:line:column: path: message"
};

// Every problem found in one load, reported together.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// Throws a ConfigError with a single problem.
[[noreturn]] void fail(Location where, std::string path, std::string message);

struct ConfigNode {
  // The destructor is defined in config_tree.cpp: `entries` holds std::pair<std::string,
  // ConfigNode>, and a destructor implicit here would make instantiating that pair need itself
  // (clang rejects it; the standard library does not allow it). The rest stays as if implicit.
  ConfigNode() = default;
  ConfigNode(const ConfigNode&) = default;
  ConfigNode(ConfigNode&&) noexcept = default;
  ConfigNode& operator=(const ConfigNode&) = default;
  ConfigNode& operator=(ConfigNode&&) noexcept = default;
  ~ConfigNode();

  enum class Kind { Null, Scalar, Sequence, Map };
  Kind kind = Kind::Null;
  std::string scalar;
  bool quoted = false;  // a quoted scalar is a string, never a number
  std::vector<ConfigNode> items;
  std::vector<std::pair<std::string, ConfigNode>> entries;  // map entries, in file order
  Location where;                                           // of the value
  Location key_where;  // of the key naming this node in its parent map

  bool is_map() const { return kind == Kind::Map; }
  const ConfigNode* find(std::string_view key) const;
  ConfigNode* find(std::string_view key);
  ConfigNode& set(const std::string& key, ConfigNode value);  // insert or replace
  bool erase(std::string_view key);
  std::string describe() const;  // short human form of the value, for messages
};

// Parses YAML text; `origin` names it in locations. Tabs in indentation and syntax errors raise a
// ConfigError with their location.
ConfigNode parse_yaml(const std::string& text, const std::string& origin);
ConfigNode parse_yaml_file(const std::string& path);

// Loads a file and resolves its `extends:` chain (a path relative to the including file; a bare
// name `foo` means `foo.yaml` beside it). Maps merge key by key, the including file winning; a
// section whose `impl:` differs from its base replaces the base section whole, so parameters of
// the old implementation do not leak into the new one.
ConfigNode load_with_extends(const std::string& path);
// The same for a map already in memory (e.g. the arch: section of an experiment) read from
// `origin_file`.
ConfigNode resolve_extends(ConfigNode node, const std::string& origin_file);
void merge_into(ConfigNode& base, const ConfigNode& over);

// Applies `key.path=value` overrides in order (value parsed as YAML). Setting `section.impl` to a
// new implementation empties the section first (as extends: does), so set impl before its keys.
// A malformed override is an error.
void apply_overrides(ConfigNode& root, const std::vector<std::string>& overrides);

// Sets one dotted key path to `value` (creating sections on the way), with the same impl rule.
// New sections and the key take `value.where` as their location. Throws ConfigError when a step of
// the path is not a section.
void set_path(ConfigNode& root, const std::string& path, ConfigNode value);

// Emits the tree back to YAML (the resolved config written next to results).
std::string to_yaml(const ConfigNode& node);

// Nearest candidate by edit distance, or "" when nothing is close.
std::string nearest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace xbar::config
