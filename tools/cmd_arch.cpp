// xbarsim validate | area | list: the architecture side of the command line.
#include <iostream>

#include "arch/arch_spec.hpp"
#include "arch/component_library.hpp"
#include "arch/inventory.hpp"
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

void print_list(bool as_json) {
  nlohmann::json j;
  for (const auto& sec : arch::arch_schema()) {
    nlohmann::json js = {{"doc", sec.doc}};
    auto key_json = [](const config::KeySpec& k) {
      return nlohmann::json{
          {"key", k.name}, {"type", config::describe_constraints(k)}, {"doc", k.doc}};
    };
    if (sec.selector.empty()) {
      for (const auto& k : sec.keys) js["keys"].push_back(key_json(k));
    } else {
      for (const auto& c : sec.choices) {
        nlohmann::json ji = {{"impl", c.name}, {"doc", c.doc}, {"keys", nlohmann::json::array()}};
        for (const auto& k : sec.keys)
          if (k.only_for.empty() ||
              std::find(k.only_for.begin(), k.only_for.end(), c.name) != k.only_for.end())
            ji["keys"].push_back(key_json(k));
        js["implementations"].push_back(ji);
      }
    }
    j["arch"][sec.name] = js;
  }
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
  for (const auto& sec : arch::arch_schema()) {
    std::cout << "\n" << sec.name << ": " << sec.doc << "\n";
    auto print_key = [](const config::KeySpec& k) {
      std::cout << "    " << k.name << " (" << config::describe_constraints(k) << "): " << k.doc
                << "\n";
    };
    if (sec.selector.empty()) {
      for (const auto& k : sec.keys) print_key(k);
      continue;
    }
    for (const auto& c : sec.choices) {
      std::cout << "  impl: " << c.name << " -- " << c.doc << "\n";
      for (const auto& k : sec.keys)
        if (k.only_for.empty() ||
            std::find(k.only_for.begin(), k.only_for.end(), c.name) != k.only_for.end())
          print_key(k);
    }
  }
  std::cout << "\nComponent library entries (configs/tech/*.yaml); rule: chooses a scaling rule\n";
  for (const auto& c : arch::components()) {
    std::cout << "  " << c.name << ": " << c.doc;
    if (*c.size_name) std::cout << " (scales with " << c.size_name << ")";
    std::cout << "; rules:";
    for (const char* r : c.rules) std::cout << " " << r;
    std::cout << "\n";
  }
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
  list->callback([&status, list_json] {
    status = guarded([&] {
      print_list(*list_json);
      return 0;
    });
  });
}

XBAR_REGISTER_COMMANDS(10, add_arch_commands);

}  // namespace xbar::tools
