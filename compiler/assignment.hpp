// Minimum-cost assignment (the Hungarian method): which physical row or column of a crossbar each
// logical row or output takes, when a cost is known for every pair (fault-aware mapping).
#pragma once

#include <Eigen/Core>
#include <vector>

namespace xbar::compiler {

// For a square cost matrix (n x n, finite), the permutation `to` minimising sum_i cost(i, to[i]):
// to[i] = the column assigned to row i. O(n^3) (shortest augmenting paths with potentials); ties
// resolve the same way every time. Throws std::invalid_argument for a non-square or non-finite
// matrix.
std::vector<int> min_cost_assignment(const Eigen::MatrixXd& cost);

}  // namespace xbar::compiler
