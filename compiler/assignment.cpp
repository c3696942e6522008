#include "compiler/assignment.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace xbar::compiler {

std::vector<int> min_cost_assignment(const Eigen::MatrixXd& cost) {
  const int n = int(cost.rows());
  if (cost.cols() != n) throw std::invalid_argument("assignment: the cost matrix is not square");
  if (!cost.allFinite()) throw std::invalid_argument("assignment: a cost is not finite");
  const double inf = std::numeric_limits<double>::infinity();
  // 1-based arrays: row potentials u, column potentials v, match[j] = the row holding column j
  // (0 = free), way[j] = the previous column on the augmenting path.
  std::vector<double> u(n + 1, 0.0), v(n + 1, 0.0), min_to(n + 1);
  std::vector<int> match(n + 1, 0), way(n + 1, 0);
  std::vector<char> used(n + 1);
  for (int i = 1; i <= n; ++i) {
    // Add row i: grow a tree of tight edges from a virtual column 0 until a free column is reached.
    match[0] = i;
    int j0 = 0;
    std::fill(min_to.begin(), min_to.end(), inf);
    std::fill(used.begin(), used.end(), 0);
    do {
      used[j0] = 1;
      const int i0 = match[j0];
      double delta = inf;
      int j1 = 0;
      for (int j = 1; j <= n; ++j) {
        if (used[j]) continue;
        const double reduced = cost(i0 - 1, j - 1) - u[i0] - v[j];
        if (reduced < min_to[j]) {
          min_to[j] = reduced;
          way[j] = j0;
        }
        if (min_to[j] < delta) {
          delta = min_to[j];
          j1 = j;
        }
      }
      for (int j = 0; j <= n; ++j) {
        if (used[j]) {
          u[match[j]] += delta;
          v[j] -= delta;
        } else {
          min_to[j] -= delta;
        }
      }
      j0 = j1;
    } while (match[j0] != 0);
    // Flip the path back to the root.
    do {
      const int j1 = way[j0];
      match[j0] = match[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<int> to(std::size_t(n), -1);
  for (int j = 1; j <= n; ++j) to[std::size_t(match[j] - 1)] = j - 1;
  return to;
}

}  // namespace xbar::compiler
