// xbarsim validate | area | list: the architecture side of the command line.
#include <iostream>

#include "arch/arch_spec.hpp"
#include "arch/component_library.hpp"
#include "arch/inventory.hpp"
#include "config/files.hpp"
#include "config/schema.hpp"
#include "flow/area_report.hpp"
#include "flow/experiment.hpp"
#include "tools/commands.hpp"

namespace xbar::tools {

namespace {

struct ArchArgs {
  std::string config;
  std::vector<std::string> overrides;
};

void add_arch_args(CLI::App* cmd, ArchArgs& args,
                   const char* what = "arch YAML (e.g. configs/arch/resparc-64.yaml)") {
  cmd->add_option("config", args.config, what)->required();
  cmd->add_option("--set", args.overrides, "override a key: --set crossbar.rows=128 (repeatable)");
}

// Loads the arch, its library and the chip's inventory; every problem is a ConfigError.
arch::Inventory load_inventory(const ArchArgs& args, arch::ArchSpec* spec_out = nullptr) {
  arch::ArchSpec spec = arch::load_arch(args.config, args.overrides);
  arch::Inventory inv = arch::build_inventory(spec);
  if (spec_out) *spec_out = std::move(spec);
  return inv;
}

// An experiment file has a workload section; anything else (or a file that does not parse, which
// the arch loader then reports with its position) is taken as an arch config.
bool is_experiment_file(const std::string& path) {
  try {
    const config::ConfigNode root = config::parse_yaml_file(path);
    return root.is_map() && root.find("workload");
  } catch (const config::ConfigError&) {
    return false;
  }
}

// A section's keys; for a section with a selector, per implementation the keys it takes.
nlohmann::json section_json(const config::SectionSpec& sec) {
  nlohmann::json js = {{"doc", sec.doc}};
  auto key_json = [](const config::KeySpec& k) {
    return nlohmann::json{
        {"key", k.name}, {"type", config::describe_constraints(k)}, {"doc", k.doc}};
  };
  if (sec.selector.empty()) {
    for (const auto& k : sec.keys) js["keys"].push_back(key_json(k));
    return js;
  }
  js["selector"] = sec.selector;
  for (const auto& c : sec.choices) {
    nlohmann::json ji = {{sec.selector, c.name}, {"doc", c.doc}, {"keys", nlohmann::json::array()}};
    for (const auto& k : sec.keys)
      if (k.only_for.empty() ||
          std::find(k.only_for.begin(), k.only_for.end(), c.name) != k.only_for.end())
        ji["keys"].push_back(key_json(k));
    js["implementations"].push_back(ji);
  }
  return js;
}

void print_section(const config::SectionSpec& sec) {
  std::cout << "\n" << sec.name << ": " << sec.doc << "\n";
  auto print_key = [](const config::KeySpec& k) {
    std::cout << "    " << k.name << " (" << config::describe_constraints(k) << "): " << k.doc
              << "\n";
  };
  if (sec.selector.empty()) {
    for (const auto& k : sec.keys) print_key(k);
    return;
  }
  for (const auto& c : sec.choices) {
    std::cout << "  " << sec.selector << ": " << c.name << " -- " << c.doc << "\n";
    for (const auto& k : sec.keys)
      if (k.only_for.empty() ||
          std::find(k.only_for.begin(), k.only_for.end(), c.name) != k.only_for.end())
        print_key(k);
  }
}

void print_list(bool as_json) {
  nlohmann::json j;
  for (const auto& sec : arch::arch_schema()) j["arch"][sec.name] = section_json(sec);
  for (const auto& sec : flow::experiment_schema()) j["experiment"][sec.name] = section_json(sec);
  for (const auto& c : arch::components()) {
    nlohmann::json jc = {{"doc", c.doc}, {"scales_with", c.size_name}};
    config::SectionSpec entry = arch::library_entry_schema(c);
    for (const auto& r : entry.choices) jc["rules"].push_back({{"rule", r.name}, {"doc", r.doc}});
    j["components"][c.name] = jc;
  }
  if (as_json) {
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << "Architecture sections (configs/arch/*.yaml); impl: chooses a model\n";
  for (const auto& sec : arch::arch_schema()) print_section(sec);
  std::cout << "\nExperiment sections (configs/examples/*.yaml) besides arch; compile.flow chooses "
               "a compile flow\n";
  for (const auto& sec : flow::experiment_schema()) print_section(sec);
  std::cout << "\nComponent library entries (configs/tech/*.yaml); rule: chooses a scaling rule\n";
  for (const auto& c : arch::components()) {
    std::cout << "  " << c.name << ": " << c.doc;
    if (*c.size_name) std::cout << " (scales with " << c.size_name << ")";
    std::cout << "; rules:";
    for (const char* r : c.rules) std::cout << " " << r;
    std::cout << "\n";
  }
}

// The configuration reference (docs/config-reference.md), from the same schemas that validate.
std::string markdown_reference() {
  std::string s =
      "# Configuration reference\n\n"
      "Every section, implementation and key that xbarsim reads, with its type, range, unit,\n"
      "default and meaning. Generated from the schemas the validator uses by\n"
      "`xbarsim list --markdown` (do not edit by hand; a test fails when this file is stale).\n"
      "Keys marked *required* must be set (presets set most of them: `extends:`); any key can be\n"
      "overridden with `--set section.key=value`.\n\n"
      "## Architecture files (configs/arch/*.yaml)\n\n"
      "Top level: `version` (1), `name`, `description` (optional), `extends` (a preset to start\n"
      "from), then these sections; `impl:` chooses a model where a section has several.\n\n";
  for (const auto& sec : arch::arch_schema()) s += config::markdown_section(sec, "###");
  s += "## Experiment files (configs/examples/*.yaml)\n\n"
       "Top level: `version` (1), `name`, `arch` (an architecture as above, usually\n"
       "`extends: ../arch/PRESET.yaml` plus overrides), then these sections; `compile.flow`\n"
       "chooses the compile flow.\n\n";
  for (const auto& sec : flow::experiment_schema()) s += config::markdown_section(sec, "###");
  s += "## Component library entries (configs/tech/*.yaml)\n\n"
       "One entry per component; `rule:` chooses how its area, energy, latency and leakage\n"
       "scale with its size.\n\n";
  for (const auto& c : arch::components()) {
    const config::SectionSpec entry = arch::library_entry_schema(c);
    s += config::markdown_section(entry, "###");
    if (*c.size_name) s += "Scales with: " + std::string(c.size_name) + ".\n\n";
  }
  return s;
}

}  // namespace

static void add_arch_commands(CLI::App& app, int& status) {
  auto validate_args = std::make_shared<ArchArgs>();
  auto print_resolved = std::make_shared<bool>(false);
  CLI::App* validate = app.add_subcommand(
      "validate", "check an arch config and its component library, or an experiment file");
  add_arch_args(validate, *validate_args,
                "arch YAML (e.g. configs/arch/resparc-64.yaml) or experiment YAML");
  validate->add_flag("--print", *print_resolved, "print the fully resolved config");
  validate->callback([&status, validate_args, print_resolved] {
    status = guarded([&] {
      if (is_experiment_file(validate_args->config)) {
        // An experiment: every section checked as `run` checks it, then its chip's inventory.
        flow::Experiment e = flow::load_experiment(validate_args->config, validate_args->overrides);
        arch::Inventory inv = arch::build_inventory(e.arch);
        if (*print_resolved) std::cout << config::to_yaml(e.resolved);
        std::cout << "ok: " << validate_args->config << ": experiment '" << e.name << "' on chip '"
                  << e.arch.name << "', library '" << inv.library_name << "'\n";
        return 0;
      }
      arch::ArchSpec spec;
      arch::Inventory inv = load_inventory(*validate_args, &spec);
      if (*print_resolved) std::cout << config::to_yaml(spec.resolved);
      std::cout << "ok: " << validate_args->config << ": chip '" << spec.name << "', library '"
                << inv.library_name << "'\n";
      return 0;
    });
  });

  auto area_args = std::make_shared<ArchArgs>();
  auto area_json = std::make_shared<bool>(false);
  CLI::App* area = app.add_subcommand(
      "area", "area and peak power of a core, a tile and the chip, by component");
  add_arch_args(area, *area_args);
  area->add_flag("--json", *area_json, "print JSON instead of a table");
  area->callback([&status, area_args, area_json] {
    status = guarded([&] {
      arch::Inventory inv = load_inventory(*area_args);
      if (*area_json) {
        std::cout << flow::area_json(inv).dump(2) << "\n";
      } else {
        std::cout << flow::area_table(inv);
      }
      return 0;
    });
  });

  auto list_json = std::make_shared<bool>(false);
  CLI::App* list =
      app.add_subcommand("list", "registered implementations, their parameters, and library rules");
  list->add_flag("--json", *list_json, "print JSON");
  auto markdown = std::make_shared<std::string>();
  list->add_option("--markdown", *markdown,
                   "write the configuration reference as Markdown to FILE (default "
                   "docs/config-reference.md; - for standard output)")
      ->expected(0, 1);
  list->callback([&status, list, list_json, markdown] {
    status = guarded([&] {
      if (list->count("--markdown") > 0) {
        const std::string text = markdown_reference();
        const std::string path = markdown->empty() ? "docs/config-reference.md" : *markdown;
        if (path == "-") {
          std::cout << text;
        } else {
          config::write_file_atomically(path, text);
          std::cout << path << "\n";
        }
        return 0;
      }
      print_list(*list_json);
      return 0;
    });
  });
}

XBAR_REGISTER_COMMANDS(10, add_arch_commands);

}  // namespace xbar::tools
