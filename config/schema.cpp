#include "config/schema.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "config/files.hpp"

namespace xbar::config {

std::optional<long long> parse_int(const ConfigNode& n) {
  if (n.kind != ConfigNode::Kind::Scalar || n.quoted || n.scalar.empty()) return std::nullopt;
  long long v = 0;
  const char* b = n.scalar.data();
  const char* e = b + n.scalar.size();
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e) return std::nullopt;
  return v;
}

std::optional<double> parse_float(const ConfigNode& n) {
  if (n.kind != ConfigNode::Kind::Scalar || n.quoted || n.scalar.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(n.scalar.c_str(), &end);
  if (end != n.scalar.c_str() + n.scalar.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

static std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string unknown_key_message(const std::string& key, const std::vector<std::string>& valid) {
  std::string list;
  for (const auto& v : valid) list += (list.empty() ? "" : ", ") + v;
  std::string msg = "unknown key '" + key + "'";
  const std::string near = nearest(key, valid);
  if (!near.empty()) msg += "; did you mean '" + near + "'?";
  return msg + " (valid keys: " + list + ")";
}

std::string describe_type(const KeySpec& k) {
  switch (k.type) {
    case ValueType::Int:
      return "integer";
    case ValueType::Float:
      return "number";
    case ValueType::String:
      return "text";
    case ValueType::Path:
      return "file path";
    case ValueType::IntOrAuto:
      return "integer or auto";
    case ValueType::GridOrAuto:
      return "[rows, columns] or auto";
    case ValueType::Points:
      return "list of points";
    case ValueType::Enum: {
      std::string s = "one of ";
      for (size_t i = 0; i < k.choices.size(); ++i) s += (i ? "|" : "") + k.choices[i];
      return s;
    }
  }
  return "?";
}

std::string describe_range(const KeySpec& k) {
  std::string s;
  if (k.power_of_two) s = "power of two";
  const bool has_min = std::isfinite(k.min), has_max = std::isfinite(k.max);
  std::string bounds;
  if (has_min && has_max) {
    bounds = number(k.min) + (k.min_exclusive ? " < x <= " : "..") + number(k.max);
  } else if (has_min) {
    bounds = k.min_exclusive ? "> " + number(k.min) : ">= " + number(k.min);
  } else if (has_max) {
    bounds = "<= " + number(k.max);
  }
  if (!bounds.empty()) s += (s.empty() ? "" : ", ") + bounds;
  return s;
}

std::string describe_constraints(const KeySpec& k) {
  std::string s = describe_type(k);
  const std::string range = describe_range(k);
  if (!range.empty()) s += ", " + range;
  if (!k.unit.empty()) s += " [" + k.unit + "]";
  return s;
}

namespace {

// A Markdown table cell: pipes escaped, line breaks joined.
std::string cell(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string key_table(const std::vector<const KeySpec*>& keys) {
  std::string s = "| key | type | range | unit | default | doc |\n|---|---|---|---|---|---|\n";
  for (const KeySpec* k : keys) {
    const std::string def = k->required            ? "required"
                            : k->default_text.empty() ? "optional"
                                                      : "`" + cell(k->default_text) + "`";
    s += "| `" + k->name + "` | " + cell(describe_type(*k)) + " | " + cell(describe_range(*k)) +
         " | " + cell(k->unit) + " | " + def + " | " + cell(k->doc) + " |\n";
  }
  return s;
}

}  // namespace

std::string markdown_section(const SectionSpec& sec, const std::string& heading) {
  std::string s = heading + " `" + sec.name + "`\n\n" + sec.doc + (sec.required ? "" : " (optional section)") + "\n\n";
  std::vector<const KeySpec*> common;
  for (const auto& k : sec.keys)
    if (k.only_for.empty()) common.push_back(&k);
  if (sec.selector.empty()) return s + (common.empty() ? "No keys.\n" : key_table(common)) + "\n";
  s += "`" + sec.selector + ":` chooses the implementation:\n\n";
  for (const auto& c : sec.choices) s += "- `" + c.name + "`: " + c.doc + "\n";
  s += "\n";
  if (!common.empty()) s += "Keys of every implementation:\n\n" + key_table(common) + "\n";
  for (const auto& c : sec.choices) {
    std::vector<const KeySpec*> own;
    for (const auto& k : sec.keys)
      if (std::find(k.only_for.begin(), k.only_for.end(), c.name) != k.only_for.end())
        own.push_back(&k);
    s += heading + "# `" + sec.name + "." + sec.selector + ": " + c.name + "`\n\n" + c.doc +
         "\n\n" + (own.empty() ? "No keys of its own.\n" : key_table(own)) + "\n";
  }
  return s;
}

static void check_range(double v, const ConfigNode& n, const KeySpec& k, const std::string& path,
                        std::vector<Diagnostic>& out) {
  bool below = k.min_exclusive ? !(v > k.min) : v < k.min;
  if (below || v > k.max) {
    out.push_back(
        {n.where, path,
         "value " + n.scalar + " is out of range (expected " + describe_constraints(k) + ")"});
    return;
  }
  if (k.power_of_two) {
    long long i = static_cast<long long>(v);
    if (i <= 0 || (i & (i - 1)) != 0) {
      out.push_back({n.where, path, "value " + n.scalar + " must be a power of two"});
    }
  }
}

void validate_value(const ConfigNode& n, const KeySpec& k, const std::string& path,
                    std::vector<Diagnostic>& out) {
  auto type_error = [&](const std::string& expected) {
    out.push_back({n.where, path, "expected " + expected + ", got " + n.describe()});
  };
  bool is_auto = n.kind == ConfigNode::Kind::Scalar && !n.quoted && n.scalar == "auto";
  switch (k.type) {
    case ValueType::Int:
    case ValueType::IntOrAuto: {
      if (k.type == ValueType::IntOrAuto && is_auto) return;
      auto v = parse_int(n);
      if (!v) return type_error(k.type == ValueType::Int ? "an integer" : "an integer or auto");
      check_range(static_cast<double>(*v), n, k, path, out);
      return;
    }
    case ValueType::Float: {
      auto v = parse_float(n);
      if (!v) return type_error("a number");
      check_range(*v, n, k, path, out);
      return;
    }
    case ValueType::String:
    case ValueType::Path:
      if (n.kind != ConfigNode::Kind::Scalar || n.scalar.empty()) return type_error("text");
      return;
    case ValueType::Enum: {
      if (n.kind != ConfigNode::Kind::Scalar) return type_error(describe_constraints(k));
      for (const auto& c : k.choices)
        if (c == n.scalar) return;
      std::string msg = "'" + n.scalar + "' is not one of " + describe_constraints(k).substr(7);
      std::string near = nearest(n.scalar, k.choices);
      if (!near.empty()) msg += "; did you mean '" + near + "'?";
      out.push_back({n.where, path, msg});
      return;
    }
    case ValueType::GridOrAuto: {
      if (is_auto) return;
      if (n.kind != ConfigNode::Kind::Sequence || n.items.size() != 2) {
        return type_error("[rows, columns] or auto");
      }
      std::int64_t cells = 1;
      bool valid = true;
      for (const auto& item : n.items) {
        auto v = parse_int(item);
        if (!v || *v < 1) {
          out.push_back({item.where, path,
                         "grid dimensions must be positive integers, got " + item.describe()});
          valid = false;
        } else if (valid) {
          const auto product = checked_product(cells, *v);
          cells = product ? std::min(*product, limits::kGridCells + 1) : limits::kGridCells + 1;
        }
      }
      if (valid && cells > limits::kGridCells)
        out.push_back({n.where, path,
                       "a grid of " + n.items[0].scalar + " x " + n.items[1].scalar +
                           " tiles is more than the " + std::to_string(limits::kGridCells) +
                           " grid cells a chip may have"});
      return;
    }
    case ValueType::Points:
      if (n.kind != ConfigNode::Kind::Sequence || n.items.empty())
        return type_error("a non-empty list");
      return;
  }
}

void validate_section(const ConfigNode& map, const SectionSpec& section, const std::string& path,
                      std::vector<Diagnostic>& out) {
  if (!map.is_map()) {
    out.push_back({map.where, path, "expected a map of keys, got " + map.describe()});
    return;
  }
  // Which implementation is selected decides which keys are valid.
  std::string selected;
  bool selector_ok = section.selector.empty();
  if (!section.selector.empty()) {
    const ConfigNode* sel = map.find(section.selector);
    std::vector<std::string> names;
    for (const auto& c : section.choices) names.push_back(c.name);
    KeySpec sel_spec{section.selector, ValueType::Enum};
    sel_spec.choices = names;
    if (!sel) {
      std::string list;
      for (const auto& nme : names) list += (list.empty() ? "" : ", ") + nme;
      out.push_back({map.where, path,
                     "missing required key '" + section.selector + "' (one of: " + list + ")"});
    } else {
      size_t before = out.size();
      validate_value(*sel, sel_spec, path + "." + section.selector, out);
      if (out.size() == before) {
        selected = sel->scalar;
        selector_ok = true;
      }
    }
  }
  auto applies = [&](const KeySpec& k) {
    if (k.only_for.empty() || !selector_ok) return true;
    for (const auto& i : k.only_for)
      if (i == selected) return true;
    return false;
  };
  std::vector<std::string> valid;
  if (!section.selector.empty()) valid.push_back(section.selector);
  for (const auto& k : section.keys)
    if (applies(k)) valid.push_back(k.name);

  for (const auto& [key, value] : map.entries) {
    if (key == section.selector && !section.selector.empty()) continue;
    std::string key_path = path.empty() ? key : path + "." + key;
    const KeySpec* spec = nullptr;
    for (const auto& k : section.keys)
      if (k.name == key) spec = &k;
    if (spec && !applies(*spec)) {
      std::string list;
      for (const auto& v : valid) list += (list.empty() ? "" : ", ") + v;
      out.push_back({value.key_where, key_path,
                     "key '" + key + "' does not apply to " + section.selector + " '" + selected +
                         "' (valid keys: " + list + ")"});
      continue;
    }
    if (!spec) {
      out.push_back({value.key_where, key_path, unknown_key_message(key, valid)});
      continue;
    }
    validate_value(value, *spec, key_path, out);
  }
  // With an unknown implementation nobody can say which keys are required: the selector's error
  // is the one to fix first.
  if (!selector_ok) return;
  for (const auto& k : section.keys) {
    if (!k.required || !applies(k) || map.find(k.name)) continue;
    std::string key_path = path.empty() ? k.name : path + "." + k.name;
    std::string why = section.selector.empty() || k.only_for.empty()
                          ? ""
                          : " (needed by " + section.selector + " '" + selected + "')";
    out.push_back(
        {map.where, key_path, "missing required key '" + k.name + "'" + why + ": " + k.doc});
  }
}

void validate_document(const ConfigNode& root, const DocumentSpec& document,
                       std::vector<Diagnostic>& out) {
  if (!root.is_map()) {
    out.push_back({root.where, "", "expected a map of sections, got " + root.describe()});
    return;
  }
  std::vector<std::string> valid;
  for (const auto& k : document.keys) valid.push_back(k.name);
  for (const SectionSpec* s : document.sections) valid.push_back(s->name);
  for (const auto& o : document.other) valid.push_back(o);
  for (const auto& [key, value] : root.entries)
    if (std::find(valid.begin(), valid.end(), key) == valid.end())
      out.push_back({value.key_where, key, unknown_key_message(key, valid)});
  for (const auto& k : document.keys) {
    if (const ConfigNode* v = root.find(k.name)) {
      const std::size_t before = out.size();
      validate_value(*v, k, k.name, out);
      if (k.name == "version" && out.size() > before)
        out.back().message = "unsupported version " + v->scalar + "; this xbarsim reads version " +
                             std::to_string(static_cast<long long>(k.max));
    } else if (k.required)
      out.push_back({root.where, k.name, "missing required key '" + k.name + "': " + k.doc});
  }
  for (const SectionSpec* s : document.sections) {
    if (const ConfigNode* v = root.find(s->name))
      validate_section(*v, *s, s->name, out);
    else if (s->required)
      out.push_back({root.where, s->name, "missing required section '" + s->name + "': " + s->doc});
  }
}

static const ConfigNode& at(const ConfigNode& section, const std::string& key) {
  const ConfigNode* n = section.find(key);
  if (!n) throw std::logic_error("read of unvalidated key " + key);
  return *n;
}

long long read_int(const ConfigNode& section, const std::string& key) {
  auto v = parse_int(at(section, key));
  if (!v) throw std::logic_error("read of unvalidated key " + key);
  return *v;
}

double read_float(const ConfigNode& section, const std::string& key) {
  auto v = parse_float(at(section, key));
  if (!v) throw std::logic_error("read of unvalidated key " + key);
  return *v;
}

std::string read_string(const ConfigNode& section, const std::string& key) {
  return at(section, key).scalar;
}

std::optional<long long> read_int_or_auto(const ConfigNode& section, const std::string& key) {
  const ConfigNode& n = at(section, key);
  if (n.scalar == "auto") return std::nullopt;
  return read_int(section, key);
}

}  // namespace xbar::config
