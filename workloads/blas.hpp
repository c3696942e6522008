// The dense matrix products the trainer spends its time in, on row-major float arrays. Uses
// OpenBLAS when the build found it (runtime CPU dispatch, its own threads), Eigen otherwise.
#pragma once

namespace xbar::workloads {

// C (m x n) = alpha * op(A) * op(B) + beta * C, all row-major; op(X) = X or X^T.
void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc);

// Threads used by gemm (>= 1). A fixed count gives bit-identical results run to run.
void set_gemm_threads(int threads);

// "openblas" or "eigen": which implementation gemm uses.
const char* gemm_backend();

}  // namespace xbar::workloads
