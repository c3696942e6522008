// The on-chip networks xbarsim can build, each registered by the file that implements it
// (models/noc_mesh.cpp, models/noc_bus.cpp) under `noc.impl`: its documentation, what it adds to a
// tile's inventory, the component one hop's energy is priced by, and the factory of its cycle
// model. The schema's choices for noc.impl, the inventory, the energy account, make_noc and
// `xbarsim list` all read this one registry, so a new network is one new file in models/ (plus
// NocSpec fields and schema keys if it has parameters of its own).
//
// The cycle model's type lives above this library (models::Noc); it is only named here, never
// used, so arch still includes nothing of models.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "arch/arch_spec.hpp"
#include "arch/component_library.hpp"
#include "config/registry.hpp"

namespace xbar::models {
class Noc;
}

namespace xbar::arch {

struct NocImplementation {
  // Takes one component of a tile's share of the network and its count per tile.
  using AddPart = std::function<void(Component, double count)>;
  // One tile's share of the network: a mesh router serving tiles_per_router tiles counts
  // 1 / tiles_per_router.
  std::function<void(const ArchSpec&, const AddPart& add)> tile_parts;
  // The library role whose price one hop (one link or bus traversal of a flit) pays.
  std::string hop_role;
  // The cycle model for the tiles of a grid_rows x grid_columns chip.
  std::function<std::unique_ptr<models::Noc>(const ArchSpec&, int grid_rows, int grid_columns)>
      make;
};

// Every registered network; binaries that load an arch link them all (models/CMakeLists.txt,
// xbar_nocs).
config::Registry<NocImplementation>& noc_implementations();

}  // namespace xbar::arch
