// The component library: for each hardware component, its area, energy per action, latency per
// action and leakage, loaded from a technology YAML (configs/tech/) in which every entry names its
// source, plus the scaling rule that carries the figure to the size a chip uses.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "arch/scaling.hpp"
#include "config/config_tree.hpp"
#include "config/schema.hpp"

namespace xbar::arch {

// The hardware's vocabulary. `size_name` is what the component scales with.
enum class Component {
  CellArray,
  RowDriver,
  SampleHold,
  ColumnMux,
  Adc,
  ShiftAdd,
  Neuron,
  Register,
  Buffer,
  Activation,
  Pooling,
  TileBus,
  Router,
  Link,
  NocBus,
  OffchipLink
};
struct ComponentInfo {
  Component id;
  const char* name;       // YAML key
  const char* size_name;  // "" when the component does not scale
  const char* doc;
  std::vector<const char*> rules;  // scaling rules allowed for it
};
const std::vector<ComponentInfo>& components();
const ComponentInfo& info(Component c);

// What one instance of a component costs at a given size.
struct ComponentCost {
  double area_um2 = 0;
  double energy_pj = 0;   // per action
  double latency_ns = 0;  // per action
  double leakage_mw = 0;
  std::string provenance;  // library file, entry, rule and source
};

// Context some rules need: the device and technology of the chip.
struct ScalingContext {
  double node_nm = 0;
  double read_voltage_v = 0, r_on_ohm = 0, r_off_ohm = 0, read_pulse_ns = 0;
  double cell_f2 = 0;
  double adc_rate_hz = 0;
};

struct LibraryEntry {
  std::string rule;
  std::string source;
  config::Location where;  // of the entry in its library file
  double area_um2 = 0, energy_pj = 0, latency_ns = 0, leakage_mw = 0;
  double ref_size = 0;
  struct TablePoint {
    double size, area_um2, energy_pj, leakage_mw;
  };
  std::vector<TablePoint> points;
};

class ComponentLibrary {
 public:
  std::string name;
  std::string file;
  int node_nm = 0;
  std::string description;

  bool has(Component c) const { return entries_.count(c) > 0; }
  const LibraryEntry& entry(Component c) const { return entries_.at(c); }
  // Cost of one instance at `size` (ignored by fixed rules). Throws if the library lacks it.
  ComponentCost cost(Component c, double size, const ScalingContext& ctx) const;

  static ComponentLibrary load(const std::string& path);

 private:
  std::map<Component, LibraryEntry> entries_;
};

// The schema of one library entry (also printed by `xbarsim list`).
config::SectionSpec library_entry_schema(const ComponentInfo& c);

}  // namespace xbar::arch
