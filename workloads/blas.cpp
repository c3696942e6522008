#include "workloads/blas.hpp"

#include <Eigen/Core>

#ifdef XBAR_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace xbar::workloads {

#ifdef XBAR_HAVE_OPENBLAS
void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void set_gemm_threads(int threads) { openblas_set_num_threads(threads < 1 ? 1 : threads); }
const char* gemm_backend() { return "openblas"; }
#else
namespace {
using RowMap = Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>,
                          Eigen::Unaligned, Eigen::OuterStride<> >;
using ConstRowMap =
    Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>,
               Eigen::Unaligned, Eigen::OuterStride<> >;
}  // namespace
void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  ConstRowMap A(a, trans_a ? k : m, trans_a ? m : k, Eigen::OuterStride<>(lda));
  ConstRowMap B(b, trans_b ? n : k, trans_b ? k : n, Eigen::OuterStride<>(ldb));
  RowMap C(c, m, n, Eigen::OuterStride<>(ldc));
  if (beta == 0.0f)
    C.setZero();
  else if (beta != 1.0f)
    C *= beta;
  if (!trans_a && !trans_b)
    C.noalias() += alpha * A * B;
  else if (trans_a && !trans_b)
    C.noalias() += alpha * A.transpose() * B;
  else if (!trans_a && trans_b)
    C.noalias() += alpha * A * B.transpose();
  else
    C.noalias() += alpha * A.transpose() * B.transpose();
}
void set_gemm_threads(int threads) { Eigen::setNbThreads(threads < 1 ? 1 : threads); }
const char* gemm_backend() { return "eigen"; }
#endif

}  // namespace xbar::workloads
