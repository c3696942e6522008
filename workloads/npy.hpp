// NumPy .npy files of float32 ('<f4'), C order, any rank: written and read without numpy.
#pragma once

#include <filesystem>
#include <vector>

#include "workloads/dataset.hpp"

namespace xbar::workloads {

struct NpyArray {
  std::vector<long> shape;
  std::vector<float> data;  // C (row-major) order
};

void write_npy(const std::filesystem::path& path, const NpyArray& array);
// Throws DataError naming the file: bad magic, unsupported dtype or order, short read.
NpyArray read_npy(const std::filesystem::path& path);

// A matrix as a 2-D array (rows x cols) and back. read_npy_matrix checks the shape when
// expect_rows/expect_cols >= 0 and says which dimension differs.
void write_npy(const std::filesystem::path& path, const Eigen::MatrixXf& m);
Eigen::MatrixXf read_npy_matrix(const std::filesystem::path& path, long expect_rows = -1,
                                long expect_cols = -1);

}  // namespace xbar::workloads
