// A small declarative schema for our YAML files and a generic validator over ConfigNode trees.
// Each section may have a selector key (`impl:` in arch configs, `rule:` in component libraries)
// that chooses an implementation; keys can be restricted to some implementations. The validator
// reports every problem of a tree at once, each with its location and key path.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config_tree.hpp"

namespace xbar::config {

enum class ValueType {
  Int,         // integer
  Float,       // real number
  String,      // free text
  Enum,        // one of `choices`
  Path,        // a file path, relative to the file that sets it
  IntOrAuto,   // integer or the word auto
  GridOrAuto,  // [rows, columns] or auto
  Points,      // a list of maps (library tables); checked by the owner
};

struct KeySpec {
  KeySpec(std::string name_, ValueType type_, std::string doc_ = "", std::string unit_ = "")
      : name(std::move(name_)), type(type_), doc(std::move(doc_)), unit(std::move(unit_)) {}
  std::string name;
  ValueType type = ValueType::Float;
  std::string doc;
  std::string unit;
  bool required = true;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;  // value must be > min
  bool power_of_two = false;
  std::vector<std::string> choices;   // Enum values
  std::vector<std::string> only_for;  // selector values this key belongs to (empty: all)
  std::string default_text;           // an optional key's default, as `xbarsim list` shows it
};

struct Choice {
  std::string name;
  std::string doc;
};

struct SectionSpec {
  SectionSpec(std::string name_, std::string doc_, std::string selector_ = "",
              std::vector<Choice> choices_ = {}, std::vector<KeySpec> keys_ = {})
      : name(std::move(name_)),
        doc(std::move(doc_)),
        selector(std::move(selector_)),
        choices(std::move(choices_)),
        keys(std::move(keys_)) {}
  std::string name;
  std::string doc;
  std::string selector;         // "impl", "rule", or "" when the section has none
  std::vector<Choice> choices;  // the selector's values
  std::vector<KeySpec> keys;    // not including the selector
  bool required = true;
};

// Checks `map` against `keys` (plus `section.selector`); appends problems to `out`.
void validate_section(const ConfigNode& map, const SectionSpec& section, const std::string& path,
                      std::vector<Diagnostic>& out);

// The top level of a configuration file: its own keys (version, name, ...) and its sections. Every
// entry is checked -- an unknown key is reported with the valid ones, a missing required key or
// section named -- and each section validated; keys in `other` are known but checked by the
// caller (e.g. an experiment's arch section).
struct DocumentSpec {
  std::vector<KeySpec> keys;
  std::vector<const SectionSpec*> sections;
  std::vector<std::string> other;
};
void validate_document(const ConfigNode& root, const DocumentSpec& document,
                       std::vector<Diagnostic>& out);

// Checks one value against its key spec; appends problems to `out`.
void validate_value(const ConfigNode& value, const KeySpec& key, const std::string& path,
                    std::vector<Diagnostic>& out);

// Typed reads of already-validated values.
long long read_int(const ConfigNode& section, const std::string& key);
double read_float(const ConfigNode& section, const std::string& key);
std::string read_string(const ConfigNode& section, const std::string& key);
std::optional<long long> read_int_or_auto(const ConfigNode& section, const std::string& key);

// Parsing helpers shared with validation.
std::optional<long long> parse_int(const ConfigNode& n);
std::optional<double> parse_float(const ConfigNode& n);

// "unknown key 'rowz'; did you mean 'rows'? (valid keys: rows, columns, ...)": the message every
// strict map in our YAML files gives for a key it does not know.
std::string unknown_key_message(const std::string& key, const std::vector<std::string>& valid);

// "64 (power of two, 2..4096)" style summary of a key's constraints, for `xbarsim list`: its type
// ("integer", "one of a|b"), its range ("power of two, 2..4096"; "" when any) and unit.
std::string describe_constraints(const KeySpec& key);
std::string describe_type(const KeySpec& key);
std::string describe_range(const KeySpec& key);

// The section as Markdown (`xbarsim list --markdown`): its doc, then a table of its keys (type,
// range, unit, default, doc); with a selector, the choices and per choice the keys of its own,
// under `heading` + "#". `heading` is the Markdown heading of the section ("###").
std::string markdown_section(const SectionSpec& section, const std::string& heading);

}  // namespace xbar::config
