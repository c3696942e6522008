// IR drop in a resistive crossbar: the exact nodal solve (sparse factorisation once per programmed
// array, then the transfer matrix T with I_out = T * V) and one fast first-order approximation.
// Topology (docs/references.md §10.7, as CrossSim/MemTorch draw it): input i drives the left end of
// word line i through R_source; word-line segments of R_wordline join neighbouring cells of a row,
// bit-line segments of R_bitline neighbouring cells of a column; bit line j ends below the last row
// in a virtual ground through R_sink, and the output current is the current through R_sink.
#pragma once

#include <Eigen/Core>
#include <string>

namespace xbar::models {

// Parasitic resistances in ohm; 0 is allowed for any of them (the two nodes merge).
struct WireResistances {
  double wordline_segment_ohm = 0;  // between neighbouring cells of a word line
  double bitline_segment_ohm = 0;   // between neighbouring cells of a bit line
  double source_ohm = 0;            // driver output to the first cell of its word line
  double sink_ohm = 0;              // last cell of a bit line to the virtual ground
  bool ideal() const {
    return wordline_segment_ohm == 0 && bitline_segment_ohm == 0 && source_ohm == 0 &&
           sink_ohm == 0;
  }
};

// Exact transfer matrix (columns x rows, siemens): output currents I = T * V for row voltages V,
// every row held at its V through R_source (an undriven row is driven at 0 V). `g` holds the cell
// conductances in siemens, rows x columns (>= 0). Nodal analysis over one word-line and one
// bit-line node per cell; zero resistances merge nodes, so all-zero wires give T = g^T exactly.
// One sparse LDL^T of the SPD nodal matrix, ordered interior first (AMD) and boundary last (nodes
// fed by a source or read by an output), yields the Schur complement on the boundary; T follows
// from one dense solve of boundary size. Throws std::invalid_argument for negative or non-finite
// values, std::runtime_error for a floating node.
Eigen::MatrixXd irdrop_transfer_exact(const Eigen::MatrixXd& g, const WireResistances& w);

// The fast approximation (documented in models/README.md, "Non-ideal crossbars"): first-order
// perturbation of the ideal read. The ideal cell currents G_ij V_i flow along the wires; the
// voltage they drop on the word lines (source + segments up to the cell) and raise on the bit
// lines (sink + segments below the cell) is subtracted from every cell's voltage once, with no
// further iteration. Error O((R G N)^2); linear in V, so it is also a transfer matrix.
// Cost O(rows^2 * columns) with no factorisation.
Eigen::MatrixXd irdrop_transfer_first_order(const Eigen::MatrixXd& g, const WireResistances& w);

// The same circuit as a SPICE netlist (an operating point; resistors and one DC source per row;
// cells of zero conductance left out), printing the node voltage above every sink resistor as
// v(b<rows-1>_<j>). Zero resistances are not allowed here (SPICE rejects them).
std::string irdrop_spice_netlist(const Eigen::MatrixXd& g, const WireResistances& w,
                                 const Eigen::VectorXd& row_voltages_v);

}  // namespace xbar::models
