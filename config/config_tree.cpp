#include "config/config_tree.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "config/files.hpp"

namespace fs = std::filesystem;

namespace xbar::config {

std::string to_string(const Location& where) {
  if (where.file == "--set") return "command line (--set)";
  std::ostringstream s;
  s << (where.file.empty() ? "<input>" : where.file);
  if (where.line > 0) s << ':' << where.line << ':' << where.column;
  return s.str();
}

std::string Diagnostic::str() const {
  std::string s = to_string(where) + ": ";
  if (!path.empty()) s += path + ": ";
  return s + message;
}

static std::string join_diagnostics(const std::vector<Diagnostic>& ds) {
  std::ostringstream s;
  for (size_t i = 0; i < ds.size(); ++i) s << (i ? "\n" : "") << ds[i].str();
  return s.str();
}

ConfigError::ConfigError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(join_diagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

void fail(Location where, std::string path, std::string message) {
  std::vector<Diagnostic> one;
  one.push_back(Diagnostic{std::move(where), std::move(path), std::move(message)});
  throw ConfigError(std::move(one));
}

ConfigNode::~ConfigNode() = default;

const ConfigNode* ConfigNode::find(std::string_view key) const {
  for (const auto& [k, v] : entries)
    if (k == key) return &v;
  return nullptr;
}

ConfigNode* ConfigNode::find(std::string_view key) {
  for (auto& [k, v] : entries)
    if (k == key) return &v;
  return nullptr;
}

ConfigNode& ConfigNode::set(const std::string& key, ConfigNode value) {
  if (ConfigNode* existing = find(key)) {
    *existing = std::move(value);
    return *existing;
  }
  entries.emplace_back(key, std::move(value));
  return entries.back().second;
}

bool ConfigNode::erase(std::string_view key) {
  auto it = std::find_if(entries.begin(), entries.end(), [&](auto& e) { return e.first == key; });
  if (it == entries.end()) return false;
  entries.erase(it);
  return true;
}

std::string ConfigNode::describe() const {
  switch (kind) {
    case Kind::Null:
      return "nothing (null)";
    case Kind::Scalar:
      return quoted ? "the string \"" + scalar + "\"" : "'" + scalar + "'";
    case Kind::Sequence:
      return "a list";
    case Kind::Map:
      return "a map";
  }
  return "?";
}

namespace {

Location location_of(const YAML::Mark& mark, const std::string& origin) {
  if (mark.is_null()) return {origin, 0, 0};
  return {origin, mark.line + 1, mark.column + 1};  // yaml-cpp marks are 0-based
}

// yaml-cpp shares a node an alias names; converting copies it. A budget of nodes (aliases
// expanded) stops an alias bomb -- a few lines of nested anchors naming billions of nodes -- and a
// depth limit stops a nesting deep enough to overflow the stack.
struct Converter {
  const std::string& origin;
  std::size_t nodes = 0;
  int depth = 0;

  ConfigNode convert(const YAML::Node& y) {
    ConfigNode n;
    n.where = location_of(y.Mark(), origin);
    if (++nodes > limits::kYamlNodes)
      fail(n.where, "",
           "more than " + std::to_string(limits::kYamlNodes) +
               " YAML nodes (aliases expanded); a config is far smaller -- an alias bomb?");
    if (depth > kMaxDepth)
      fail(n.where, "", "nested more than " + std::to_string(kMaxDepth) + " levels deep");
    ++depth;
    switch (y.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        n.kind = ConfigNode::Kind::Null;
        break;
      case YAML::NodeType::Scalar:
        n.kind = ConfigNode::Kind::Scalar;
        n.scalar = y.Scalar();
        n.quoted = y.Tag() == "!";
        break;
      case YAML::NodeType::Sequence:
        n.kind = ConfigNode::Kind::Sequence;
        for (const auto& item : y) n.items.push_back(convert(item));
        break;
      case YAML::NodeType::Map: {
        n.kind = ConfigNode::Kind::Map;
        std::unordered_set<std::string> keys;  // a linear find per key would be quadratic
        for (const auto& kv : y) {
          std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
          if (!kv.first.IsScalar())
            fail(location_of(kv.first.Mark(), origin), "", "a map key must be a plain value");
          if (!keys.insert(key).second) {
            fail(location_of(kv.first.Mark(), origin), key, "key appears twice in one map");
          }
          ConfigNode child = convert(kv.second);
          child.key_where = location_of(kv.first.Mark(), origin);
          if (child.where.line == 0) child.where = child.key_where;  // null values carry no mark
          n.entries.emplace_back(key, std::move(child));
        }
        break;
      }
    }
    --depth;
    return n;
  }
  static constexpr int kMaxDepth = 256;
};

ConfigNode convert(const YAML::Node& y, const std::string& origin) {
  Converter c{origin};
  return c.convert(y);
}

// YAML forbids tabs in indentation; yaml-cpp's own message for them is obscure, so find them first.
void check_tabs(const std::string& text, const std::string& origin) {
  std::vector<Diagnostic> problems;
  int line = 1;
  bool at_line_start = true;
  int column = 1;
  for (char c : text) {
    if (c == '\n') {
      ++line;
      column = 1;
      at_line_start = true;
      continue;
    }
    if (c == '\t' && at_line_start) {
      problems.push_back({{origin, line, column},
                          "",
                          "tab character in indentation; YAML indents with spaces only"});
      at_line_start = false;
    } else if (c != ' ') {
      at_line_start = false;
    }
    ++column;
  }
  if (!problems.empty()) throw ConfigError(std::move(problems));
}

}  // namespace

ConfigNode parse_yaml(const std::string& text, const std::string& origin) {
  check_tabs(text, origin);
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail(location_of(e.mark, origin), "", "YAML syntax error: " + e.msg);
  }
  return convert(doc, origin);
}

ConfigNode parse_yaml_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail({path, 0, 0}, "", "is a directory, not a config file");
  if (!fs::exists(path, ec)) fail({path, 0, 0}, "", "cannot open file");
  std::string text;
  try {
    text = read_file(path, limits::kConfigBytes, "config");
  } catch (const InputError& e) {
    const std::string msg = e.what();  // "PATH: ..."; the location names the file already
    fail({path, 0, 0}, "", msg.rfind(path + ": ", 0) == 0 ? msg.substr(path.size() + 2) : msg);
  }
  return parse_yaml(text, path);
}

void merge_into(ConfigNode& base, const ConfigNode& over) {
  if (!base.is_map() || !over.is_map()) {
    base = over;
    return;
  }
  // An index of the base's keys: a find per key would make merging maps of many keys quadratic.
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t k = 0; k < base.entries.size(); ++k) index.emplace(base.entries[k].first, k);
  for (const auto& [key, value] : over.entries) {
    const auto at = index.find(key);
    if (at == index.end()) {
      index.emplace(key, base.entries.size());
      base.entries.emplace_back(key, value);
      continue;
    }
    ConfigNode* existing = &base.entries[at->second].second;
    const ConfigNode* new_impl = value.is_map() ? value.find("impl") : nullptr;
    const ConfigNode* old_impl = existing->is_map() ? existing->find("impl") : nullptr;
    bool impl_changed = new_impl && old_impl && new_impl->scalar != old_impl->scalar;
    if (impl_changed || !value.is_map() || !existing->is_map()) {
      *existing = value;
    } else {
      merge_into(*existing, value);
    }
  }
  base.where = over.where;
}

static ConfigNode load_chain(const std::string& path, std::vector<std::string>& chain);

// Resolves the extends: of `node`, which was read from `path` (relative paths start there).
static ConfigNode resolve_chain(ConfigNode node, const std::string& path,
                                std::vector<std::string>& chain) {
  const ConfigNode* ext = node.is_map() ? node.find("extends") : nullptr;
  if (!ext) return node;
  if (ext->kind != ConfigNode::Kind::Scalar) {
    fail(ext->where, "extends", "expected the path of a base config, got " + ext->describe());
  }
  fs::path dir = fs::path(path).parent_path();
  fs::path base_path = dir / ext->scalar;
  if (!fs::exists(base_path) && fs::path(ext->scalar).extension().empty()) {
    base_path = dir / (ext->scalar + ".yaml");
  }
  if (!fs::exists(base_path)) {
    fail(ext->where, "extends",
         "cannot find base config '" + ext->scalar + "' (looked for " + base_path.string() + ")");
  }
  ConfigNode base = load_chain(base_path.string(), chain);
  node.erase("extends");
  merge_into(base, node);
  return base;
}

static ConfigNode load_chain(const std::string& path, std::vector<std::string>& chain) {
  std::string canonical = fs::weakly_canonical(path).string();
  if (std::find(chain.begin(), chain.end(), canonical) != chain.end()) {
    fail({path, 0, 0}, "extends", "extends: chain loops back to this file");
  }
  chain.push_back(canonical);
  return resolve_chain(parse_yaml_file(path), path, chain);
}

ConfigNode resolve_extends(ConfigNode node, const std::string& origin_file) {
  std::vector<std::string> chain;
  return resolve_chain(std::move(node), origin_file, chain);
}

ConfigNode load_with_extends(const std::string& path) {
  std::vector<std::string> chain;
  return load_chain(path, chain);
}

void set_path(ConfigNode& root, const std::string& path, ConfigNode value) {
  const Location where = value.where;
  if (!root.is_map()) root.kind = ConfigNode::Kind::Map;
  std::vector<std::string> keys;
  std::stringstream parts(path);
  for (std::string part; std::getline(parts, part, '.');) keys.push_back(part);
  if (keys.empty() || keys.back().empty()) fail(where, path, "empty key path");
  ConfigNode* node = &root;
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    ConfigNode* next = node->find(keys[i]);
    if (!next) {
      ConfigNode section;
      section.kind = ConfigNode::Kind::Map;
      section.where = section.key_where = where;
      next = &node->set(keys[i], std::move(section));
    } else if (!next->is_map()) {
      fail(where, path, "'" + keys[i] + "' is not a section");
    }
    node = next;
  }
  // Changing an implementation starts its section afresh, as extends: does: the keys of the old
  // implementation do not carry over, and validation names those the new one needs.
  if (keys.back() == "impl") {
    const ConfigNode* old_impl = node->find("impl");
    if (old_impl && old_impl->scalar != value.scalar) node->entries.clear();
  }
  value.key_where = where;
  node->set(keys.back(), std::move(value));
}

void apply_overrides(ConfigNode& root, const std::vector<std::string>& overrides) {
  std::vector<Diagnostic> problems;
  const Location where{"--set", 0, 0};
  for (const auto& text : overrides) {
    auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      problems.push_back({where, text, "an override is key.path=value"});
      continue;
    }
    std::string path = text.substr(0, eq);
    std::string value_text = text.substr(eq + 1);
    ConfigNode value;
    try {
      value = parse_yaml(value_text, "--set");
    } catch (const ConfigError&) {
      problems.push_back({where, path, "cannot parse value '" + value_text + "'"});
      continue;
    }
    auto mark = [&](auto& self, ConfigNode& n) -> void {
      n.where = n.key_where = where;
      for (auto& item : n.items) self(self, item);
      for (auto& [k, v] : n.entries) self(self, v);
    };
    mark(mark, value);
    try {
      set_path(root, path, std::move(value));
    } catch (const ConfigError& e) {
      problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
    }
  }
  if (!problems.empty()) throw ConfigError(std::move(problems));
}

static void emit(YAML::Emitter& out, const ConfigNode& n) {
  switch (n.kind) {
    case ConfigNode::Kind::Null:
      out << YAML::Null;
      break;
    case ConfigNode::Kind::Scalar:
      if (n.quoted) out << YAML::DoubleQuoted;
      out << n.scalar;
      break;
    case ConfigNode::Kind::Sequence:
      out << YAML::Flow << YAML::BeginSeq;
      for (const auto& item : n.items) emit(out, item);
      out << YAML::EndSeq;
      break;
    case ConfigNode::Kind::Map:
      out << YAML::BeginMap;
      for (const auto& [k, v] : n.entries) {
        out << YAML::Key << k << YAML::Value;
        emit(out, v);
      }
      out << YAML::EndMap;
      break;
  }
}

std::string to_yaml(const ConfigNode& node) {
  YAML::Emitter out;
  emit(out, node);
  return std::string(out.c_str()) + "\n";
}

static size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string nearest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace xbar::config
