#include "flow/sweep.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "arch/arch_spec.hpp"
#include "config/files.hpp"
#include "config/schema.hpp"
#include "flow/experiment.hpp"

namespace fs = std::filesystem;

namespace xbar::flow {

using config::ConfigError;
using config::ConfigNode;
using config::Diagnostic;

std::vector<std::string> sweep_commands() { return {"area", "run"}; }

std::string stable_hash(const std::string& text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

static nlohmann::json scalar_json(const ConfigNode& n) {
  if (n.kind == ConfigNode::Kind::Scalar && !n.quoted) {
    if (auto i = config::parse_int(n)) return *i;
    if (auto f = config::parse_float(n)) return *f;
  }
  if (n.kind == ConfigNode::Kind::Scalar) return n.scalar;
  return config::to_yaml(n);
}

nlohmann::json SweepPoint::axes() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [path, value] : settings) j[path] = scalar_json(value);
  return j;
}

static const ConfigNode* lookup(const ConfigNode& root, const std::string& path) {
  const ConfigNode* n = &root;
  std::stringstream parts(path);
  for (std::string part; std::getline(parts, part, '.');) {
    if (!n->is_map()) return nullptr;
    n = n->find(part);
    if (!n) return nullptr;
  }
  return n;
}

bool evaluate_constraint(const std::string& expr, const ConfigNode& root,
                         const config::Location& where) {
  static const std::vector<std::string> ops = {"<=", ">=", "==", "!=", "<", ">"};
  for (const auto& op : ops) {
    auto pos = expr.find(op);
    if (pos == std::string::npos) continue;
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t"));
      s.erase(s.find_last_not_of(" \t") + 1);
      return s;
    };
    std::string sides[2] = {trim(expr.substr(0, pos)), trim(expr.substr(pos + op.size()))};
    double v[2];
    for (int i = 0; i < 2; ++i) {
      ConfigNode literal;
      literal.kind = ConfigNode::Kind::Scalar;
      literal.scalar = sides[i];
      if (auto f = config::parse_float(literal)) {
        v[i] = *f;
        continue;
      }
      const ConfigNode* n = lookup(root, sides[i]);
      auto f = n ? config::parse_float(*n) : std::nullopt;
      if (!f)
        config::fail(where, "constraints",
                     "'" + sides[i] + "' in '" + expr +
                         "' is neither a number nor a numeric key of the config");
      v[i] = *f;
    }
    if (op == "<=") return v[0] <= v[1];
    if (op == ">=") return v[0] >= v[1];
    if (op == "==") return v[0] == v[1];
    if (op == "!=") return v[0] != v[1];
    if (op == "<") return v[0] < v[1];
    return v[0] > v[1];
  }
  config::fail(where, "constraints",
               "a constraint is 'lhs op rhs' with op one of < <= > >= == !=, got '" + expr + "'");
}

// The merged config of a point: base + fixed + its settings, not yet validated.
static ConfigNode merge(const Sweep& sweep, const std::vector<Setting>& settings) {
  ConfigNode root =
      sweep.command == "run" ? merge_experiment(sweep.base) : config::load_with_extends(sweep.base);
  auto set = [&](const std::string& path, const ConfigNode& value) {
    config::set_path(root, path, value);
    if (sweep.command == "run" && path == "compile.flow" && value.kind == ConfigNode::Kind::Scalar)
      set_flow(root, value.scalar);  // a flow axis: each point takes only its flow's keys
  };
  // Points run side by side (-j, MPI ranks), so each simulates in one process unless the sweep
  // asks for more (simulate.workers in the base, fixed or an axis).
  if (sweep.command == "run") {
    const ConfigNode* sim = root.find("simulate");
    if (!sim || !sim->is_map() || !sim->find("workers")) {
      ConfigNode one;
      one.kind = ConfigNode::Kind::Scalar;
      one.scalar = "1";
      config::set_path(root, "simulate.workers", one);
    }
  }
  for (const auto& [path, value] : sweep.fixed) set(path, value);
  for (const auto& [path, value] : settings) set(path, value);
  return root;
}

// Validates a point's config; errors point into the sweep file where the values came from.
static ConfigNode validate(const Sweep& sweep, const ConfigNode& merged) {
  if (sweep.command == "run")
    return experiment_from_tree(merged, sweep.base).resolved;  // an experiment
  return arch::arch_from_tree(merged, sweep.base).resolved;    // area: an arch
}

Sweep load_sweep(const std::string& path) {
  ConfigNode root = config::parse_yaml_file(path);
  std::vector<Diagnostic> problems;
  config::SectionSpec top("sweep", "a design-space sweep");
  config::KeySpec version("version", config::ValueType::Int, "schema version (1)");
  version.min = version.max = 1;
  config::KeySpec command("command", config::ValueType::Enum, "what each point runs");
  command.choices = sweep_commands();
  config::KeySpec fixed("fixed", config::ValueType::Points,
                        "key paths held constant across points");
  config::KeySpec axes("axes", config::ValueType::Points,
                       "key path -> list of values (cartesian product)");
  config::KeySpec zip("zip", config::ValueType::Points, "groups of axes that move together");
  config::KeySpec constraints("constraints", config::ValueType::Points,
                              "conditions a point must meet");
  fixed.required = axes.required = zip.required = constraints.required = false;
  top.keys = {
      version,
      config::KeySpec("name", config::ValueType::String, "sweep name"),
      command,
      config::KeySpec("base", config::ValueType::Path, "the config every point starts from"),
      fixed,
      axes,
      zip,
      constraints};
  // The structured keys are checked below; validate the scalars here.
  ConfigNode scalars = root;
  for (const char* k : {"fixed", "axes", "zip", "constraints"}) scalars.erase(k);
  config::SectionSpec scalar_top = top;
  scalar_top.keys.erase(scalar_top.keys.begin() + 4, scalar_top.keys.end());
  for (const auto& [k, v] : root.entries) {
    bool known = false;
    for (const auto& key : top.keys) known |= key.name == k;
    if (!known) {
      std::vector<std::string> names;
      for (const auto& key : top.keys) names.push_back(key.name);
      problems.push_back({v.key_where, k, config::unknown_key_message(k, names)});
    }
  }
  if (root.is_map()) config::validate_section(scalars, scalar_top, "", problems);
  if (!problems.empty()) throw ConfigError(std::move(problems));

  Sweep s;
  s.file = path;
  s.name = config::read_string(root, "name");
  if (const auto why = config::bad_run_name(s.name))
    config::fail(root.find("name")->where, "name", *why);
  s.command = config::read_string(root, "command");
  const ConfigNode& base = *root.find("base");
  fs::path base_path = fs::path(path).parent_path() / base.scalar;
  if (!fs::exists(base_path))
    config::fail(
        base.where, "base",
        "base config '" + base.scalar + "' not found (looked for " + base_path.string() + ")");
  s.base = base_path.lexically_normal().string();

  if (const ConfigNode* f = root.find("fixed")) {
    if (!f->is_map()) config::fail(f->where, "fixed", "expected a map of key paths to values");
    for (const auto& [k, v] : f->entries) s.fixed.emplace_back(k, v);
  }
  // Factors of the product: one per axis, one per zip group.
  std::vector<std::vector<std::vector<Setting>>> factors;
  auto add_axes = [&](const ConfigNode* a) {
    if (!a->is_map())
      config::fail(a->where, "axes", "expected a map of key paths to lists of values");
    for (const auto& [k, v] : a->entries) {
      if (v.kind != ConfigNode::Kind::Sequence || v.items.empty()) {
        problems.push_back({v.where, "axes." + k, "expected a non-empty list of values"});
        continue;
      }
      s.axis_names.push_back(k);
      std::vector<std::vector<Setting>> options;
      std::map<std::string, const ConfigNode*> values;  // each value once: one point, one id
      for (const auto& item : v.items) {
        const auto [it, fresh] = values.emplace(config::to_yaml(item), &item);
        if (!fresh)
          problems.push_back({item.where, "axes." + k,
                              "the value " + item.describe() + " is listed twice (also at " +
                                  config::to_string(it->second->where) +
                                  "); each point runs once"});
        options.push_back({{k, item}});
      }
      factors.push_back(options);
    }
  };
  auto add_zip = [&](const ConfigNode* z) {
    if (z->kind != ConfigNode::Kind::Sequence)
      config::fail(z->where, "zip", "expected a list of groups");
    for (size_t g = 0; g < z->items.size(); ++g) {
      const ConfigNode& group = z->items[g];
      const std::string gp = "zip[" + std::to_string(g) + "]";
      if (!group.is_map() || group.entries.empty()) {
        problems.push_back(
            {group.where, gp, "a zip group is a map of key paths to lists of equal length"});
        continue;
      }
      size_t n = group.entries.front().second.items.size();
      bool ok = true;
      for (const auto& [k, v] : group.entries) {
        if (v.kind != ConfigNode::Kind::Sequence || v.items.size() != n || n == 0) {
          problems.push_back({v.where, gp + "." + k,
                              "every list of a zip group must have the same, non-zero length (" +
                                  std::to_string(n) + ")"});
          ok = false;
        }
      }
      if (!ok) continue;
      std::vector<std::vector<Setting>> options(n);
      for (const auto& [k, v] : group.entries) {
        s.axis_names.push_back(k);
        for (size_t i = 0; i < n; ++i) options[i].push_back({k, v.items[i]});
      }
      factors.push_back(options);
    }
  };
  // Factors in the order the file gives them (the first varies slowest).
  for (const auto& [key, node] : root.entries) {
    if (key == "axes") add_axes(&node);
    if (key == "zip") add_zip(&node);
  }
  if (factors.empty() && problems.empty())
    problems.push_back({root.where, "axes", "a sweep needs at least one axis or zip group"});
  // A key is either fixed or swept (before, the axis silently won), and swept by one factor only.
  {
    std::map<std::string, int> swept;
    for (const auto& k : s.axis_names) ++swept[k];
    for (const auto& [k, v] : s.fixed)
      if (swept.count(k))
        problems.push_back({v.key_where, "fixed." + k,
                            "'" + k + "' is also an axis; a key is either fixed or swept"});
    for (const auto& [k, n] : swept)
      if (n > 1)
        problems.push_back({root.where, "axes." + k,
                            "'" + k + "' is swept by " + std::to_string(n) +
                                " axes or zip groups; a key is swept by one"});
  }
  // The number of points, before expanding them (10^10 points would be gigabytes).
  {
    std::int64_t count = 1;
    for (const auto& options : factors) {
      const auto product =
          config::checked_product(count, static_cast<std::int64_t>(options.size()));
      count = product ? std::min<std::int64_t>(*product, config::limits::kSweepPoints + 1)
                      : static_cast<std::int64_t>(config::limits::kSweepPoints) + 1;
    }
    if (count > static_cast<std::int64_t>(config::limits::kSweepPoints))
      problems.push_back({root.where, "axes",
                          "the axes make more than " +
                              std::to_string(config::limits::kSweepPoints) +
                              " points; a sweep may have at most that many"});
  }
  std::vector<std::pair<std::string, config::Location>> rules;
  if (const ConfigNode* c = root.find("constraints")) {
    if (c->kind != ConfigNode::Kind::Sequence)
      config::fail(c->where, "constraints", "expected a list of 'lhs op rhs' strings");
    for (const auto& item : c->items) rules.emplace_back(item.scalar, item.where);
  }
  if (!problems.empty()) throw ConfigError(std::move(problems));

  // Expand (the first factor varies slowest), filter, validate every point.
  std::vector<std::vector<Setting>> combos = {{}};
  for (const auto& options : factors) {
    std::vector<std::vector<Setting>> next;
    for (const auto& partial : combos)
      for (const auto& option : options) {
        auto c = partial;
        c.insert(c.end(), option.begin(), option.end());
        next.push_back(std::move(c));
      }
    combos = std::move(next);
  }
  std::set<std::string> seen_messages;
  std::map<std::string, int> ids;
  for (auto& settings : combos) {
    ConfigNode resolved;
    try {
      // Constraints first: they exist to drop combinations the schema would reject.
      ConfigNode merged = merge(s, settings);
      bool keep = true;
      for (const auto& [expr, where] : rules)
        keep = keep && evaluate_constraint(expr, merged, where);
      if (!keep) {
        ++s.dropped_by_constraints;
        continue;
      }
      resolved = validate(s, merged);
    } catch (const ConfigError& e) {
      for (const auto& d : e.diagnostics())
        if (seen_messages.insert(d.str()).second) problems.push_back(d);
      continue;
    }
    SweepPoint p;
    p.index = static_cast<int>(s.points.size());
    p.settings = std::move(settings);
    p.resolved = std::move(resolved);
    p.id = stable_hash(s.command + "\n" + config::to_yaml(p.resolved));
    // Two points of one configuration would share a directory (and race for its files).
    if (const auto it = ids.find(p.id); it != ids.end()) {
      problems.push_back({root.where, "axes",
                          "points " + std::to_string(it->second) + " and " +
                              std::to_string(p.index) + " are the same configuration"});
      continue;
    }
    ids.emplace(p.id, p.index);
    s.points.push_back(std::move(p));
  }
  if (!problems.empty()) throw ConfigError(std::move(problems));
  return s;
}

std::string point_dir(const std::string& out_dir, const SweepPoint& point) {
  return (fs::path(out_dir) / "points" / point.id).string();
}

static nlohmann::json read_json(const fs::path& p) {
  if (!fs::is_regular_file(p)) return nullptr;
  try {
    return nlohmann::json::parse(config::read_file(p, config::limits::kJsonBytes, "JSON"));
  } catch (const std::exception&) {  // unreadable, too long or malformed: as good as missing
    return nullptr;
  }
}

bool point_finished(const std::string& out_dir, const SweepPoint& point, bool retry_failed) {
  const fs::path dir = point_dir(out_dir, point);
  const nlohmann::json st = read_json(dir / "status.json");
  if (!st.is_object()) return false;
  if (st.value("status", "") == "failed") return !retry_failed;
  // Done only with its result: a result.json deleted or cut short after the fact is run again.
  return st.value("status", "") == "done" && read_json(dir / "result.json").is_object();
}

// Numbers of the result, flattened two levels deep: {"chip": {"area_mm2": 3}} -> chip.area_mm2.
static void flatten(const nlohmann::json& j, const std::string& prefix, int depth,
                    nlohmann::json& out) {
  if (j.is_number()) {
    out[prefix] = j;
    return;
  }
  if (!j.is_object() || depth > 2) return;
  for (const auto& [k, v] : j.items())
    flatten(v, prefix.empty() ? k : prefix + "." + k, depth + 1, out);
}

nlohmann::json point_row(const Sweep& sweep, const SweepPoint& point, const std::string& out_dir) {
  const fs::path dir = point_dir(out_dir, point);
  nlohmann::json status = read_json(dir / "status.json");
  nlohmann::json row;
  row["index"] = point.index;
  row["id"] = point.id;
  row["status"] = status.is_object() ? status.value("status", "missing") : "missing";
  row["error"] = status.is_object() ? status.value("error", "") : "";
  row["axes"] = point.axes();
  nlohmann::json fixed = nlohmann::json::object();
  for (const auto& [path, value] : sweep.fixed) fixed[path] = scalar_json(value);
  row["fixed"] = fixed;
  nlohmann::json metrics = nlohmann::json::object();
  if (row["status"] == "done") {
    const nlohmann::json result = read_json(dir / "result.json");
    if (result.is_object()) {
      flatten(result, "", 0, metrics);
    } else {
      row["status"] = "missing";
      row["error"] =
          "status.json says done but result.json is missing or malformed; run the "
          "sweep again to redo this point";
    }
  }
  row["metrics"] = metrics;
  return row;
}

static std::string csv_field(const nlohmann::json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

int write_tables(const Sweep& sweep, const std::string& out_dir) {
  fs::create_directories(out_dir);
  std::vector<nlohmann::json> rows;
  std::vector<std::string> metric_names;
  std::set<std::string> seen;
  for (const auto& p : sweep.points) {
    rows.push_back(point_row(sweep, p, out_dir));
    for (const auto& [k, v] : rows.back()["metrics"].items())
      if (seen.insert(k).second) metric_names.push_back(k);
  }
  std::string jsonl, csv = "index,id,status,error";
  for (const auto& a : sweep.axis_names) csv += "," + csv_field(a);
  for (const auto& [k, v] : sweep.fixed) csv += "," + csv_field("fixed." + k);
  for (const auto& m : metric_names) csv += "," + csv_field(m);
  csv += "\n";
  for (const auto& r : rows) {
    jsonl += r.dump() + "\n";
    csv += std::to_string(r["index"].get<int>()) + "," + r["id"].get<std::string>() + "," +
           r["status"].get<std::string>() + "," + csv_field(r["error"]);
    for (const auto& a : sweep.axis_names)
      csv += "," + csv_field(r["axes"].value(a, nlohmann::json()));
    for (const auto& [k, v] : sweep.fixed)
      csv += "," + csv_field(r["fixed"].value(k, nlohmann::json()));
    for (const auto& m : metric_names)
      csv += "," + csv_field(r["metrics"].value(m, nlohmann::json()));
    csv += "\n";
  }
  config::write_file_atomically(fs::path(out_dir) / "results.jsonl", jsonl);
  config::write_file_atomically(fs::path(out_dir) / "results.csv", csv);
  return static_cast<int>(rows.size());
}

}  // namespace xbar::flow
