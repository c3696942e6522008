// A configuration section declared once: each key with its type, range, unit and documentation,
// bound to the field of the C++ struct it fills. The same declaration gives the schema (validation
// and `xbarsim list`) and the reader, and an optional key's default is the field's own initial
// value -- written once, in the struct -- which the schema shows as "(default X)".
//
//   SectionBinding<Neuron> b("neuron", "spiking neuron units");
//   b.select("impl", &Neuron::model)
//    .number("threshold", &Neuron::threshold, 0, 1e12, "firing threshold").exclusive_min()
//    .number("leak", &Neuron::leak, 0, 1, "fraction lost per timestep").only({"lif"});
#pragma once

#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "config/enum_names.hpp"
#include "config/schema.hpp"

namespace xbar::config {

namespace detail {
template <class T>
std::string default_text(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v ? "true" : "false";
  } else if constexpr (std::is_enum_v<T>) {
    return to_string(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return v.empty() ? "none" : v;
  } else {
    std::ostringstream s;
    s << v;
    return s.str();
  }
}
}  // namespace detail

template <class S>
class SectionBinding {
 public:
  SectionBinding(std::string name, std::string doc) : spec_(std::move(name), std::move(doc)) {}

  // The selector (impl, flow, rule) bound to an enumeration: its choices and their documentation
  // come from the enumeration's name table.
  template <class Acc>
  SectionBinding& select(std::string key, Acc acc) {
    using E = field_type<Acc>;
    static_assert(std::is_enum_v<E>, "select() of a string needs its choices");
    spec_.selector = key;
    for (const auto& n : names_of<E>())
      spec_.choices.push_back({std::string(n.name), std::string(n.doc)});
    selector_read_ = [acc, key](const ConfigNode& section, S& s) {
      if (const ConfigNode* v = section.find(key)) std::invoke(acc, s) = *parse_enum<E>(v->scalar);
    };
    return *this;
  }
  // The selector bound to a string whose choices are given (e.g. a registry's names).
  template <class Acc>
  SectionBinding& select(std::string key, Acc acc, std::vector<Choice> choices) {
    spec_.selector = key;
    spec_.choices = std::move(choices);
    selector_read_ = [acc, key](const ConfigNode& section, S& s) {
      if (const ConfigNode* v = section.find(key)) std::invoke(acc, s) = v->scalar;
    };
    return *this;
  }

  template <class Acc>
  SectionBinding& integer(std::string key, Acc acc, double min, double max, std::string doc,
                          std::string unit = "") {
    KeySpec k(std::move(key), ValueType::Int, std::move(doc), std::move(unit));
    k.min = min;
    k.max = max;
    return add(std::move(k), acc, [](const ConfigNode& n) { return *parse_int(n); });
  }
  template <class Acc>
  SectionBinding& number(std::string key, Acc acc, double min, double max, std::string doc,
                         std::string unit = "") {
    KeySpec k(std::move(key), ValueType::Float, std::move(doc), std::move(unit));
    k.min = min;
    k.max = max;
    return add(std::move(k), acc, [](const ConfigNode& n) { return *parse_float(n); });
  }
  // An enumeration: the choices are its name table.
  template <class Acc>
  SectionBinding& choice(std::string key, Acc acc, std::string doc) {
    using E = field_type<Acc>;
    KeySpec k(std::move(key), ValueType::Enum, std::move(doc));
    k.choices = enum_choices<E>();
    return add(std::move(k), acc, [](const ConfigNode& n) { return *parse_enum<E>(n.scalar); });
  }
  // true | false
  template <class Acc>
  SectionBinding& flag(std::string key, Acc acc, std::string doc) {
    KeySpec k(std::move(key), ValueType::Enum, std::move(doc));
    k.choices = {"true", "false"};
    return add(std::move(k), acc, [](const ConfigNode& n) { return n.scalar == "true"; });
  }
  template <class Acc>
  SectionBinding& text(std::string key, Acc acc, std::string doc) {
    return add(KeySpec(std::move(key), ValueType::String, std::move(doc)), acc,
               [](const ConfigNode& n) { return n.scalar; });
  }
  // Any other value type: the spec, and how a validated value is read.
  SectionBinding& custom(KeySpec k, std::function<void(const ConfigNode&, S&)> read) {
    const std::string name = k.name;
    spec_.keys.push_back(std::move(k));
    readers_.push_back([name, read](const ConfigNode& section, S& s) {
      if (const ConfigNode* v = section.find(name)) read(*v, s);
    });
    defaults_.push_back(nullptr);
    return *this;
  }

  // Modifiers of the key declared last.
  SectionBinding& optional() {
    KeySpec& k = spec_.keys.back();
    k.required = false;
    if (defaults_.back()) {
      k.default_text = defaults_.back()();
      k.doc += " (default " + k.default_text + ")";
    }
    return *this;
  }
  SectionBinding& only(std::vector<std::string> selector_values) {
    spec_.keys.back().only_for = std::move(selector_values);
    return *this;
  }
  SectionBinding& power_of_two() {
    spec_.keys.back().power_of_two = true;
    return *this;
  }
  SectionBinding& exclusive_min() {
    spec_.keys.back().min_exclusive = true;
    return *this;
  }
  // The section may be left out (its fields keep their defaults).
  SectionBinding& optional_section() {
    spec_.required = false;
    return *this;
  }
  // Keys added from elsewhere (a registry's implementations), with how each is read.
  SectionBinding& merge(const SectionBinding& other) {
    for (const auto& k : other.spec_.keys) spec_.keys.push_back(k);
    for (const auto& r : other.readers_) readers_.push_back(r);
    for (const auto& d : other.defaults_) defaults_.push_back(d);
    return *this;
  }

  const SectionSpec& spec() const { return spec_; }
  // Every problem of `node` as this section, into `out`.
  void validate(const ConfigNode& node, const std::string& path,
                std::vector<Diagnostic>& out) const {
    validate_section(node, spec_, path, out);
  }
  // Reads a validated section into `s`: keys present set their fields, absent keys keep theirs.
  void read(const ConfigNode& node, S& s) const {
    if (selector_read_) selector_read_(node, s);
    for (const auto& r : readers_) r(node, s);
  }

 private:
  template <class Acc>
  using field_type = std::remove_cvref_t<std::invoke_result_t<Acc, S&>>;

  template <class Acc, class Parse>
  SectionBinding& add(KeySpec k, Acc acc, Parse parse) {
    using T = field_type<Acc>;
    const std::string name = k.name;
    spec_.keys.push_back(std::move(k));
    readers_.push_back([name, acc, parse](const ConfigNode& section, S& s) {
      if (const ConfigNode* v = section.find(name)) std::invoke(acc, s) = static_cast<T>(parse(*v));
    });
    defaults_.push_back([acc] {
      S fresh{};
      return detail::default_text(std::invoke(acc, fresh));
    });
    return *this;
  }

  SectionSpec spec_;
  std::function<void(const ConfigNode&, S&)> selector_read_;
  std::vector<std::function<void(const ConfigNode&, S&)>> readers_;
  std::vector<std::function<std::string()>> defaults_;
};

}  // namespace xbar::config
