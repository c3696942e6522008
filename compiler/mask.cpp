#include "compiler/mask.hpp"

#include <vector>

namespace xbar::compiler {

Mask to_mask(const Eigen::MatrixXf& m) {
  std::vector<Eigen::Triplet<float, int>> entries;
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    for (Eigen::Index c = 0; c < m.cols(); ++c) {
      if (m(r, c) != 0.0f) entries.emplace_back(static_cast<int>(r), static_cast<int>(c), 1.0f);
    }
  }
  Mask out(static_cast<int>(m.rows()), static_cast<int>(m.cols()));
  out.setFromTriplets(entries.begin(), entries.end());
  return out;
}

Mask to_mask(const Eigen::SparseMatrix<float>& m) {
  Mask out = m;
  out.prune([](Eigen::Index, Eigen::Index, float v) { return v != 0.0f; });
  for (Eigen::Index k = 0; k < out.nonZeros(); ++k) out.valuePtr()[k] = 1.0f;
  return out;
}

Eigen::MatrixXf to_dense(const Mask& mask) {
  Eigen::MatrixXf out = Eigen::MatrixXf::Zero(mask.rows(), mask.cols());
  for (int r = 0; r < mask.outerSize(); ++r) {
    for (Mask::InnerIterator it(mask, r); it; ++it) out(r, it.col()) = 1.0f;
  }
  return out;
}

}  // namespace xbar::compiler
