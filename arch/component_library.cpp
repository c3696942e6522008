#include "arch/component_library.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace xbar::arch {

using namespace config;  // the schema vocabulary: ConfigNode, KeySpec, read_*

const std::vector<ComponentInfo>& components() {
  static const std::vector<ComponentInfo> list = {
      {Component::CellArray,
       "cell_array",
       "cells",
       "one crossbar array of memristive cells",
       {"fixed", "linear", "device"}},
      {Component::RowDriver,
       "row_driver",
       "bits",
       "driver/DAC of one row",
       {"fixed", "exp2", "table"}},
      {Component::SampleHold, "sample_hold", "", "sample-and-hold of one column", {"fixed"}},
      {Component::ColumnMux,
       "column_mux",
       "inputs",
       "column multiplexer in front of one ADC",
       {"fixed", "linear"}},
      {Component::Adc,
       "adc",
       "bits",
       "analogue-to-digital converter",
       {"fixed", "exp2", "table", "accelergy"}},
      {Component::ShiftAdd, "shift_add", "", "shift-and-add unit", {"fixed"}},
      {Component::Neuron,
       "neuron",
       "bits",
       "digital IF/LIF neuron unit (potential bits)",
       {"fixed", "linear"}},
      {Component::Register,
       "register",
       "bytes",
       "input/output register",
       {"fixed", "linear", "table"}},
      {Component::Buffer,
       "buffer",
       "bytes",
       "tile buffer (SRAM/eDRAM)",
       {"fixed", "cacti", "table"}},
      {Component::Activation, "activation", "", "non-spiking activation unit", {"fixed"}},
      {Component::Pooling, "pooling", "", "pooling unit", {"fixed"}},
      {Component::TileBus, "tile_bus", "", "buffer-to-core bus inside a tile", {"fixed"}},
      {Component::Router, "router", "", "one NoC router", {"fixed"}},
      {Component::Link, "link", "", "one NoC link between routers", {"fixed"}},
      {Component::NocBus,
       "noc_bus",
       "",
       "one tile's segment and interface of a shared bus",
       {"fixed"}},
      {Component::OffchipLink, "offchip_link", "", "one off-chip link", {"fixed"}},
  };
  return list;
}

const ComponentInfo& info(Component c) {
  for (const auto& i : components())
    if (i.id == c) return i;
  throw std::logic_error("unknown component");
}

static const std::vector<Choice>& rule_docs() {
  static const std::vector<Choice> rules = {
      {"fixed", "the published figure, whatever the size"},
      {"linear", "proportional to size / ref_size"},
      {"exp2", "x 2^(size - ref_size): doubles per extra bit"},
      {"cacti", "buffer: energy x (size/ref_size)^0.78, area and leakage x size/ref_size"},
      {"table", "log-log interpolation through published points"},
      {"device",
       "cell array from the arch's device: energy cells*V^2*G_avg*t, area cells*cell_F2*F^2"},
      {"accelergy",
       "ADC: the Accelergy ADC plug-in's model over Murmann's survey, from bits (>= 4), the "
       "per-converter rate and node"},
  };
  return rules;
}

SectionSpec library_entry_schema(const ComponentInfo& c) {
  SectionSpec s{c.name, c.doc, "rule", {}, {}};
  for (const char* r : c.rules)
    for (const auto& d : rule_docs())
      if (d.name == r) s.choices.push_back(d);
  auto num = [](std::string name, std::string doc, std::string unit,
                std::vector<std::string> only_for, bool required = true) {
    KeySpec k{std::move(name), ValueType::Float, std::move(doc), std::move(unit)};
    k.min = 0;
    k.only_for = std::move(only_for);
    k.required = required;
    return k;
  };
  std::vector<std::string> direct = {"fixed", "linear", "exp2", "cacti"};
  s.keys.push_back(
      KeySpec{"source", ValueType::String, "where the figures come from (paper, table)"});
  s.keys.push_back(num("area_um2", "area of one instance at ref_size", "um^2", direct));
  s.keys.push_back(num("energy_pj", "energy per action (or give power_mw)", "pJ", direct, false));
  s.keys.push_back(num("power_mw", "power while acting back to back; energy = power x latency",
                       "mW", direct, false));
  KeySpec latency = num("latency_ns", "latency of one action", "ns", {});
  latency.min_exclusive = true;
  s.keys.push_back(latency);
  s.keys.push_back(num("leakage_mw", "static power of one instance", "mW", {}));
  KeySpec ref =
      num("ref_size",
          std::string("the ") + (*c.size_name ? c.size_name : "size") + " the figures are for",
          c.size_name, {"linear", "exp2", "cacti"});
  ref.min_exclusive = true;
  s.keys.push_back(ref);
  KeySpec points{"points", ValueType::Points,
                 "list of {size, area_um2, energy_pj | power_mw}, sorted by size"};
  points.only_for = {"table"};
  s.keys.push_back(points);
  return s;
}

ComponentLibrary ComponentLibrary::load(const std::string& path) {
  ConfigNode root = parse_yaml_file(path);
  std::vector<Diagnostic> problems;
  if (!root.is_map()) fail(root.where, "", "a component library is a map, got " + root.describe());

  SectionSpec top{"", "", "", {}, {}};
  KeySpec version{"version", ValueType::Int, "schema version (1)"};
  version.min = version.max = 1;
  KeySpec node{"node_nm", ValueType::Int, "technology node the figures are for", "nm"};
  node.min = 5;
  node.max = 180;
  KeySpec description{"description", ValueType::String, "what this library is"};
  description.required = false;
  KeySpec comps{"components", ValueType::Points, "one entry per component"};
  top.keys = {version, KeySpec{"name", ValueType::String, "library name"}, node, description,
              comps};
  // `components` is a map, validated below; accept it here by kind only.
  ConfigNode shallow = root;
  shallow.erase("components");
  SectionSpec top_no_components = top;
  top_no_components.keys.pop_back();
  validate_section(shallow, top_no_components, "", problems);
  const ConfigNode* comp_map = root.find("components");
  if (!comp_map) {
    problems.push_back({root.where, "components", "missing required key 'components'"});
  } else if (!comp_map->is_map()) {
    problems.push_back({comp_map->where, "components",
                        "expected a map of components, got " + comp_map->describe()});
  }

  ComponentLibrary lib;
  lib.file = path;
  if (comp_map && comp_map->is_map()) {
    std::vector<std::string> names;
    for (const auto& c : components()) names.push_back(c.name);
    for (const auto& [key, value] : comp_map->entries) {
      const ComponentInfo* ci = nullptr;
      for (const auto& c : components())
        if (key == c.name) ci = &c;
      std::string path_s = "components." + key;
      if (!ci) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        std::string msg = "unknown component '" + key + "'";
        std::string near = nearest(key, names);
        if (!near.empty()) msg += "; did you mean '" + near + "'?";
        problems.push_back({value.key_where, path_s, msg + " (valid: " + list + ")"});
        continue;
      }
      size_t before = problems.size();
      validate_section(value, library_entry_schema(*ci), path_s, problems);
      if (problems.size() > before) continue;
      LibraryEntry e;
      e.rule = read_string(value, "rule");
      e.source = read_string(value, "source");
      e.where = value.where;
      e.latency_ns = read_float(value, "latency_ns");
      e.leakage_mw = read_float(value, "leakage_mw");
      if (value.find("ref_size")) e.ref_size = read_float(value, "ref_size");
      bool direct =
          e.rule == "fixed" || e.rule == "linear" || e.rule == "exp2" || e.rule == "cacti";
      if (direct) {
        e.area_um2 = read_float(value, "area_um2");
        bool has_e = value.find("energy_pj"), has_p = value.find("power_mw");
        if (has_e == has_p) {
          problems.push_back({value.where, path_s, "give exactly one of energy_pj and power_mw"});
          continue;
        }
        e.energy_pj =
            has_e ? read_float(value, "energy_pj") : read_float(value, "power_mw") * e.latency_ns;
      }
      if (e.rule == "table") {
        const ConfigNode& pts = *value.find("points");
        double last = 0;
        for (const auto& p : pts.items) {
          SectionSpec ps{"point", "", "", {}, {}};
          auto num = [](std::string n, bool req = true) {
            KeySpec k{std::move(n), ValueType::Float};
            k.min = 0;
            k.min_exclusive = true;
            k.required = req;
            return k;
          };
          ps.keys = {num("size"), num("area_um2"), num("energy_pj", false), num("power_mw", false),
                     num("leakage_mw", false)};
          ps.keys.back().min_exclusive = false;
          size_t b = problems.size();
          validate_section(p, ps, path_s + ".points", problems);
          if (problems.size() > b) continue;
          bool has_e = p.find("energy_pj"), has_p = p.find("power_mw");
          if (has_e == has_p) {
            problems.push_back(
                {p.where, path_s + ".points", "give exactly one of energy_pj and power_mw"});
            continue;
          }
          LibraryEntry::TablePoint tp{
              read_float(p, "size"), read_float(p, "area_um2"),
              has_e ? read_float(p, "energy_pj") : read_float(p, "power_mw") * e.latency_ns,
              p.find("leakage_mw") ? read_float(p, "leakage_mw") : e.leakage_mw};
          if (tp.size <= last)
            problems.push_back(
                {p.where, path_s + ".points", "points must be sorted by increasing size"});
          last = tp.size;
          e.points.push_back(tp);
        }
      }
      lib.entries_[ci->id] = e;
    }
  }
  if (!problems.empty()) throw ConfigError(std::move(problems));
  lib.name = read_string(root, "name");
  lib.node_nm = static_cast<int>(read_int(root, "node_nm"));
  if (root.find("description")) lib.description = read_string(root, "description");
  return lib;
}

static std::string fmt(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

ComponentCost ComponentLibrary::cost(Component c, double size, const ScalingContext& ctx) const {
  const ComponentInfo& ci = info(c);
  auto it = entries_.find(c);
  if (it == entries_.end()) {
    fail({file, 0, 0}, std::string("components.") + ci.name,
         "library '" + name + "' has no entry for component '" + ci.name +
             "', which this chip uses");
  }
  const LibraryEntry& e = it->second;
  ComponentCost k;
  k.latency_ns = e.latency_ns;
  k.leakage_mw = e.leakage_mw;
  std::string rule = e.rule;
  if (e.rule == "fixed") {
    k.area_um2 = e.area_um2;
    k.energy_pj = e.energy_pj;
  } else if (e.rule == "linear") {
    k.area_um2 = scaling::linear(e.area_um2, e.ref_size, size);
    k.energy_pj = scaling::linear(e.energy_pj, e.ref_size, size);
    k.leakage_mw = scaling::linear(e.leakage_mw, e.ref_size, size);
    rule += " " + fmt(e.ref_size) + "->" + fmt(size) + " " + ci.size_name;
  } else if (e.rule == "exp2") {
    k.area_um2 = scaling::exp2_bits(e.area_um2, e.ref_size, size);
    k.energy_pj = scaling::exp2_bits(e.energy_pj, e.ref_size, size);
    k.leakage_mw = scaling::exp2_bits(e.leakage_mw, e.ref_size, size);
    rule += " " + fmt(e.ref_size) + "->" + fmt(size) + " " + ci.size_name;
  } else if (e.rule == "cacti") {
    k.area_um2 = scaling::cacti_area(e.area_um2, e.ref_size, size);
    k.energy_pj = scaling::cacti_energy(e.energy_pj, e.ref_size, size);
    k.leakage_mw = scaling::cacti_area(e.leakage_mw, e.ref_size, size);
    rule += " " + fmt(e.ref_size) + "->" + fmt(size) + " " + ci.size_name;
  } else if (e.rule == "table") {
    std::vector<scaling::Point> area, energy, leak;
    for (const auto& p : e.points) {
      area.push_back({p.size, p.area_um2});
      energy.push_back({p.size, p.energy_pj});
      leak.push_back({p.size, std::max(p.leakage_mw, 1e-300)});
    }
    k.area_um2 = scaling::table(area, size);
    k.energy_pj = scaling::table(energy, size);
    k.leakage_mw = e.leakage_mw > 0 || std::any_of(e.points.begin(), e.points.end(),
                                                   [](auto& p) { return p.leakage_mw > 0; })
                       ? scaling::table(leak, size)
                       : 0.0;
    rule += " at " + fmt(size) + " " + ci.size_name;
  } else if (e.rule == "device") {
    k.energy_pj = scaling::array_read_energy_pj(size, ctx.read_voltage_v, ctx.r_on_ohm,
                                                ctx.r_off_ohm, ctx.read_pulse_ns);
    k.area_um2 = scaling::array_area_um2(size, ctx.cell_f2, ctx.node_nm);
    rule += " " + fmt(size) + " cells, " + fmt(ctx.cell_f2) + " F^2";
  } else if (e.rule == "accelergy") {
    scaling::AdcEstimate est{};
    try {
      est = scaling::accelergy_adc(size, ctx.adc_rate_hz, ctx.node_nm);
    } catch (const std::domain_error&) {
      fail(e.where, std::string("components.") + ci.name,
           "rule 'accelergy' (the Accelergy ADC plug-in's model) is defined for " +
               fmt(scaling::kAccelergyAdcMinBits) +
               " bits and more, as the plug-in is; adc.bits is " + fmt(size) +
               ": give the chip more bits or this library another rule for adc");
    }
    k.energy_pj = est.energy_pj;
    k.area_um2 = est.area_um2;
    rule += " " + fmt(size) + " bits, " + fmt(ctx.adc_rate_hz / 1e6) + " MS/s, " +
            fmt(ctx.node_nm) + " nm";
  }
  k.provenance = file + ": " + ci.name + " [" + rule + "] " + e.source;
  return k;
}

}  // namespace xbar::arch
