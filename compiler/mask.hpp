// A layer's connectivity as the compiler sees it: a sparse binary matrix of outputs x inputs (the
// same shape as the layer's weight matrix), every stored entry one surviving synapse.
#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>

namespace xbar::compiler {

// Row r is output neuron r, column c is input neuron c; a stored entry is a synapse. Row-major, so
// that an output's synapses are contiguous.
using Mask = Eigen::SparseMatrix<float, Eigen::RowMajor, int>;

// The synapses of a dense weight matrix or 0/1 mask: every entry that is not exactly zero.
Mask to_mask(const Eigen::MatrixXf& weights_or_mask);

// The same for a sparse matrix in any storage order; explicitly stored zeros are not synapses.
Mask to_mask(const Eigen::SparseMatrix<float>& weights_or_mask);

// Back to a dense 0/1 matrix (for the trainer's W <- W .* mask).
Eigen::MatrixXf to_dense(const Mask& mask);

}  // namespace xbar::compiler
