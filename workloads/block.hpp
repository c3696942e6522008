// A crossbar block as the golden model sees it: the synapses inputs x outputs of one layer that one
// crossbar holds. The compiler's compiler::CrossbarBlock is this block plus how it was made and where
// it sits on the chip, so the two cannot drift apart.
#pragma once

#include <vector>

namespace xbar::workloads {

struct Block {
  std::vector<int> inputs, outputs;
  bool operator==(const Block&) const = default;
};
using LayerPartition = std::vector<Block>;

}  // namespace xbar::workloads
