#include "models/irdrop.hpp"

#include <Eigen/Cholesky>
#include <Eigen/OrderingMethods>
#include <Eigen/Sparse>
#include <Eigen/SparseCholesky>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace xbar::models {

namespace {

void check_inputs(const Eigen::MatrixXd& g, const WireResistances& w) {
  if (g.rows() == 0 || g.cols() == 0) throw std::invalid_argument("IR drop: empty crossbar");
  for (double r : {w.wordline_segment_ohm, w.bitline_segment_ohm, w.source_ohm, w.sink_ohm})
    if (!(r >= 0) || !std::isfinite(r))
      throw std::invalid_argument("IR drop: wire resistances must be finite and >= 0 ohm");
  if (!g.allFinite() || (g.array() < 0).any())
    throw std::invalid_argument("IR drop: cell conductances must be finite and >= 0 S");
}

// Union-find over circuit nodes: a zero resistance joins its two nodes into one.
struct Classes {
  std::vector<int> parent;
  explicit Classes(int n) : parent(std::size_t(n)) { std::iota(parent.begin(), parent.end(), 0); }
  int find(int x) {
    while (parent[std::size_t(x)] != x) {
      parent[std::size_t(x)] = parent[std::size_t(parent[std::size_t(x)])];
      x = parent[std::size_t(x)];
    }
    return x;
  }
  void join(int a, int b) { parent[std::size_t(find(a))] = find(b); }
};

// A resistor from node a to node b (b on the sink side); `column` >= 0 when the current it carries
// from a to b flows toward the sink of that bit line.
struct Element {
  int a, b;
  double g;
  int column;
};

}  // namespace

Eigen::MatrixXd irdrop_transfer_exact(const Eigen::MatrixXd& g, const WireResistances& w) {
  check_inputs(g, w);
  const int M = int(g.rows()), N = int(g.cols());
  const int wl0 = 0, bl0 = M * N, src0 = 2 * M * N, gnd = 2 * M * N + M, nodes = gnd + 1;
  auto WL = [&](int i, int j) { return wl0 + i * N + j; };
  auto BL = [&](int i, int j) { return bl0 + i * N + j; };
  Classes cls(nodes);
  std::vector<Element> elems;
  elems.reserve(std::size_t(4) * std::size_t(M) * std::size_t(N));
  auto resistor = [&](int a, int b, double ohm, int column) {
    if (ohm == 0)
      cls.join(a, b);
    else
      elems.push_back({a, b, 1.0 / ohm, column});
  };
  for (int i = 0; i < M; ++i) {
    resistor(src0 + i, WL(i, 0), w.source_ohm, -1);
    for (int j = 1; j < N; ++j) resistor(WL(i, j - 1), WL(i, j), w.wordline_segment_ohm, -1);
  }
  for (int j = 0; j < N; ++j) {
    for (int i = 1; i < M; ++i) resistor(BL(i - 1, j), BL(i, j), w.bitline_segment_ohm, j);
    resistor(BL(M - 1, j), gnd, w.sink_ohm, j);
  }
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j)
      if (g(i, j) > 0) elems.push_back({WL(i, j), BL(i, j), g(i, j), j});

  // Fixed classes: row i's source (1 V in basis solve i) and ground; every other class is unknown.
  std::vector<int> source_of(std::size_t(nodes), -1);  // class -> driven row, -2 = ground
  const int gnd_class = cls.find(gnd);
  source_of[std::size_t(gnd_class)] = -2;
  for (int i = 0; i < M; ++i) {
    const int c = cls.find(src0 + i);
    if (source_of[std::size_t(c)] != -1)
      throw std::logic_error("IR drop: two fixed nodes joined by zero resistance");
    source_of[std::size_t(c)] = i;
  }
  std::vector<int> unknown(std::size_t(nodes), -1);
  int n = 0;
  for (int v = 0; v < nodes; ++v)
    if (cls.find(v) == v && source_of[std::size_t(v)] == -1) unknown[std::size_t(v)] = n++;

  // Only the voltages of the "boundary" unknowns matter: those a source feeds and those an output
  // current is read from. Number the interior first (in AMD order) and the boundary last; then the
  // trailing block of K's LDL^T factor is the Schur complement S = L_BB D_B L_BB^T onto the
  // boundary, and with no source inside, x_B = S^-1 b_B: one sparse factorisation, then a dense
  // solve of boundary size (rows + columns) instead of one sparse solve per driven row.
  std::vector<char> is_boundary(static_cast<std::size_t>(n), 0);
  for (const Element& e : elems) {
    const int A = cls.find(e.a), B = cls.find(e.b);
    if (A == B) continue;
    const int ua = unknown[std::size_t(A)], ub = unknown[std::size_t(B)];
    if (ua >= 0 && source_of[std::size_t(B)] >= 0) is_boundary[std::size_t(ua)] = 1;
    if (ub >= 0 && source_of[std::size_t(A)] >= 0) is_boundary[std::size_t(ub)] = 1;
    if (e.column >= 0 && B == gnd_class && ua >= 0) is_boundary[std::size_t(ua)] = 1;
  }
  std::vector<int> index(static_cast<std::size_t>(n));  // unknown -> row of K, interior first
  int ni = 0;
  for (int u = 0; u < n; ++u)
    if (!is_boundary[std::size_t(u)]) index[std::size_t(u)] = ni++;
  const int nb = n - ni;
  for (int u = 0, b = ni; u < n; ++u)
    if (is_boundary[std::size_t(u)]) index[std::size_t(u)] = b++;
  Eigen::MatrixXd rhs = Eigen::MatrixXd::Zero(nb, M);
  std::vector<Eigen::Triplet<double>> trip;
  trip.reserve(elems.size() * 4);
  for (const Element& e : elems) {
    const int A = cls.find(e.a), B = cls.find(e.b);
    if (A == B) continue;
    const int ua = unknown[std::size_t(A)], ub = unknown[std::size_t(B)];
    const int ia = ua >= 0 ? index[std::size_t(ua)] : -1,
              ib = ub >= 0 ? index[std::size_t(ub)] : -1;
    if (ia >= 0) trip.emplace_back(ia, ia, e.g);
    if (ib >= 0) trip.emplace_back(ib, ib, e.g);
    if (ia >= 0 && ib >= 0) {
      trip.emplace_back(ia, ib, -e.g);
      trip.emplace_back(ib, ia, -e.g);
    } else if (ia >= 0 && source_of[std::size_t(B)] >= 0) {
      rhs(ia - ni, source_of[std::size_t(B)]) += e.g;
    } else if (ib >= 0 && source_of[std::size_t(A)] >= 0) {
      rhs(ib - ni, source_of[std::size_t(A)]) += e.g;
    }
  }
  Eigen::MatrixXd x_boundary;  // nb x M
  if (n > 0) {
    Eigen::SparseMatrix<double> K(n, n);
    K.setFromTriplets(trip.begin(), trip.end());
    // Fill-reducing order of the interior (AMD); Eigen's ordering gives old = perm[new].
    std::vector<int> final_index(static_cast<std::size_t>(n));
    for (int i = ni; i < n; ++i) final_index[std::size_t(i)] = i;
    if (ni > 0) {
      const Eigen::SparseMatrix<double> interior = K.topLeftCorner(ni, ni);
      Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> perm;
      Eigen::AMDOrdering<int>()(interior, perm);
      for (int k = 0; k < ni; ++k) final_index[std::size_t(perm.indices()[k])] = k;
    }
    for (auto& t : trip)
      t = Eigen::Triplet<double>(final_index[std::size_t(t.row())],
                                 final_index[std::size_t(t.col())], t.value());
    K.setFromTriplets(trip.begin(), trip.end());
    Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>, Eigen::Lower, Eigen::NaturalOrdering<int>>
        ldlt(K);
    if (ldlt.info() != Eigen::Success || (ldlt.vectorD().array() <= 0).any())
      throw std::runtime_error(
          "IR drop: the nodal conductance matrix is not positive definite (a floating node)");
    const auto& l = ldlt.matrixL().nestedExpression();  // strictly lower part, unit diagonal
    Eigen::MatrixXd l_bb = Eigen::MatrixXd::Identity(nb, nb);
    for (int c = ni; c < n; ++c)
      for (Eigen::SparseMatrix<double>::InnerIterator it(l, c); it; ++it)
        if (it.row() > c) l_bb(it.row() - ni, c - ni) = it.value();
    const Eigen::MatrixXd schur = l_bb * ldlt.vectorD().tail(nb).asDiagonal() * l_bb.transpose();
    x_boundary = schur.llt().solve(rhs);
  }
  // Output current of column j per unit row voltage: the currents of the column's elements that
  // end in the ground class.
  Eigen::MatrixXd t = Eigen::MatrixXd::Zero(N, M);
  for (const Element& e : elems) {
    if (e.column < 0 || cls.find(e.b) != gnd_class) continue;
    const int A = cls.find(e.a);
    if (A == gnd_class) continue;
    if (const int ua = unknown[std::size_t(A)]; ua >= 0)
      t.row(e.column) += e.g * x_boundary.row(index[std::size_t(ua)] - ni);
    else
      t(e.column, source_of[std::size_t(A)]) += e.g;
  }
  return t;
}

Eigen::MatrixXd irdrop_transfer_first_order(const Eigen::MatrixXd& g, const WireResistances& w) {
  check_inputs(g, w);
  const Eigen::Index M = g.rows(), N = g.cols();
  const double rs = w.source_ohm, rw = w.wordline_segment_ohm, rb = w.bitline_segment_ohm,
               rk = w.sink_ohm;
  // Per column j: sum of G, prefix sums of G over rows above i, and suffix sums of G_kj (M-1-k):
  // the bit-line voltage at row k, for a current c_j entering at row i, is c_j (R_sink + R_bl
  // (M-1-max(k, i))), and the column's cells all see it.
  Eigen::VectorXd colsum = g.colwise().sum().transpose();
  Eigen::MatrixXd above(M + 1, N),
      below(M + 1, N);  // above(i) = sum_{k<i} G, below(i) = sum_{k>=i}
  above.row(0).setZero();
  below.row(M).setZero();
  for (Eigen::Index i = 0; i < M; ++i) above.row(i + 1) = above.row(i) + g.row(i);
  for (Eigen::Index i = M - 1; i >= 0; --i)
    below.row(i) = below.row(i + 1) + double(M - 1 - i) * g.row(i);
  Eigen::MatrixXd t(N, M);
  Eigen::VectorXd suffix(N + 1);
  for (Eigen::Index i = 0; i < M; ++i) {
    // Word line i: the segment before cell m carries the currents of cells m..N-1.
    suffix[N] = 0;
    for (Eigen::Index j = N - 1; j >= 0; --j) suffix[j] = suffix[j + 1] + g(i, j);
    double v_wl = 1.0 - rs * suffix[0];
    for (Eigen::Index j = 0; j < N; ++j) {
      if (j > 0) v_wl -= rw * suffix[j];
      const double c = g(i, j);
      const double bit_line =
          c * (rk * colsum[j] + rb * (double(M - 1 - i) * above(i, j) + below(i, j)));
      t(j, i) = c * v_wl - bit_line;
    }
  }
  return t;
}

std::string irdrop_spice_netlist(const Eigen::MatrixXd& g, const WireResistances& w,
                                 const Eigen::VectorXd& v) {
  check_inputs(g, w);
  if (v.size() != g.rows()) throw std::invalid_argument("IR drop netlist: one voltage per row");
  for (double r : {w.wordline_segment_ohm, w.bitline_segment_ohm, w.source_ohm, w.sink_ohm})
    if (r == 0) throw std::invalid_argument("IR drop netlist: SPICE needs resistances > 0");
  const Eigen::Index M = g.rows(), N = g.cols();
  std::string s;
  s.reserve(std::size_t(M * N) * 80);
  char buf[160];
  auto line = [&](const char* fmt, auto... args) {
    std::snprintf(buf, sizeof buf, fmt, args...);
    s += buf;
    s += '\n';
  };
  line("* xbarsim crossbar %ldx%ld, IR drop (models/irdrop.hpp topology)", long(M), long(N));
  for (Eigen::Index i = 0; i < M; ++i) {
    line("V%ld s%ld 0 DC %.17g", long(i), long(i), v[i]);
    line("RS%ld s%ld w%ld_0 %.17g", long(i), long(i), long(i), w.source_ohm);
    for (Eigen::Index j = 1; j < N; ++j)
      line("RW%ld_%ld w%ld_%ld w%ld_%ld %.17g", long(i), long(j), long(i), long(j - 1), long(i),
           long(j), w.wordline_segment_ohm);
  }
  for (Eigen::Index i = 0; i < M; ++i)
    for (Eigen::Index j = 0; j < N; ++j)
      if (g(i, j) > 0)
        line("RC%ld_%ld w%ld_%ld b%ld_%ld %.17g", long(i), long(j), long(i), long(j), long(i),
             long(j), 1.0 / g(i, j));
  for (Eigen::Index j = 0; j < N; ++j) {
    for (Eigen::Index i = 1; i < M; ++i)
      line("RB%ld_%ld b%ld_%ld b%ld_%ld %.17g", long(i), long(j), long(i - 1), long(j), long(i),
           long(j), w.bitline_segment_ohm);
    line("RK%ld b%ld_%ld 0 %.17g", long(j), long(M - 1), long(j), w.sink_ohm);
  }
  // Tight tolerances: the circuit is linear, so the first Newton step is already the LU solution;
  // these only keep ngspice from stopping early on a coarse convergence test.
  s += ".options reltol=1e-12 abstol=1e-18 vntol=1e-15\n.control\nset numdgt=15\nop\n";
  for (Eigen::Index j = 0; j < N; ++j) {
    line("print v(b%ld_%ld)", long(M - 1), long(j));
  }
  s += "quit 0\n.endc\n.end\n";  // batch mode otherwise exits 1: no analysis outside .control
  return s;
}

}  // namespace xbar::models
