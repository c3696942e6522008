// Area and peak-power report of a chip's inventory: a console table and nested JSON that follows
// chip -> tile -> core, each figure carrying the library entry and rule that produced it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "arch/inventory.hpp"

namespace xbar::flow {

nlohmann::json area_json(const arch::Inventory& inv);
std::string area_table(const arch::Inventory& inv);

}  // namespace xbar::flow
