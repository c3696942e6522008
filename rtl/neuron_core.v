// Reference RTL of xbarsim's neuron core (models/neuron_core.{hpp,cpp}, NeuronCore::step): the
// neurons of one layer on one tile. Partial-sum codes arrive as (neuron index, code) items, any
// number per timestep, and are summed per neuron in a wide accumulator; a `fire` strobe ends the
// timestep and updates every neuron at once with the golden fixed-point arithmetic
// (workloads/README.md, "The golden model", fixed-point step 5):
//   (a) LIF only: V <- trunc(V * L / 2^16)            (C++ integer division: toward zero)
//   (b) V <- clamp(V + S, -2^(P-1), 2^(P-1) - 1)       (one saturation per timestep)
//   (c) spike if V >= threshold, then V <- V - threshold (subtract) or 0 (zero)
// L is the leak as a Q16 multiplier, arch::NeuronSpec::leak_q16(): round((1 - neuron.leak) * 2^16).
// Timing as in sim/chip.cpp (a neuron core fires in one cycle): `fire` sampled at the clock edge
// ending cycle c gives `spikes_valid` and the spike vector during cycle c + 1. An item presented in
// the same cycle as `fire` belongs to the next timestep, so codes can stream without a gap.
// The port contract a replacement core must meet is docs/rtl-contract.md.
//
// Every parameter the arch config sets is a parameter here (rtl::neuron_core_parameters gives them
// for an ArchSpec). Each *_SOURCE parameter chooses between parameters (0) and configuration
// inputs (1): the neuron model, leak and reset mode come from LEAKY, LEAK_Q16 and RESET_TO_ZERO or,
// with CONFIG_SOURCE = 1, from the inputs (a core programmed per layer at run time); the threshold
// from the `threshold` input (THRESHOLD_SOURCE = 1: the layer's threshold in codes, what the chip
// programs per layer) or the THRESHOLD parameter. Inputs a configuration does not use are ignored.
module neuron_core #(
    parameter integer NEURONS          = 128,  // tile.neurons: neurons held by this core
    parameter integer POTENTIAL_BITS   = 16,   // neuron.potential_bits
    parameter integer CODE_BITS        = 6,    // adc.bits: one item, two's complement
    parameter integer SUM_BITS         = 20,   // per-neuron accumulator: codes of one timestep
    parameter integer LEAKY            = 0,    // neuron.impl: 1 lif, 0 if
    parameter integer LEAK_Q16         = 65536,  // arch::NeuronSpec::leak_q16(), 0..65536
    parameter integer RESET_TO_ZERO    = 0,    // neuron.reset: 1 zero, 0 subtract
    parameter integer THRESHOLD_SOURCE = 1,    // 1: the `threshold` input; 0: THRESHOLD
    parameter integer THRESHOLD        = 1,    // theta_q in codes, 1..2^(P-1)-1 (THRESHOLD_SOURCE 0)
    parameter integer CONFIG_SOURCE    = 0,    // 0: LEAKY, LEAK_Q16, RESET_TO_ZERO; 1: the inputs
    // Derived; not to be overridden.
    parameter integer INDEX_BITS       = NEURONS > 1 ? $clog2(NEURONS) : 1
) (
    input wire clk,
    input wire rst,  // synchronous: potentials and accumulators to 0 (NeuronCore::reset)

    // Configuration, constant during a run (the programming of the chip, per layer); used as the
    // *_SOURCE parameters say.
    input wire                             leaky,          // 1: LIF, 0: IF
    input wire                             reset_to_zero,  // 1: reset to 0, 0: subtract
    input wire [                     16:0] leak_q16,       // L, 0..65536
    input wire signed [POTENTIAL_BITS-1:0] threshold,      // theta_q >= 1

    // Partial-sum codes of the current timestep.
    input wire                        in_valid,
    input wire [      INDEX_BITS-1:0] in_index,
    input wire signed [CODE_BITS-1:0] in_code,

    // End of the timestep.
    input  wire                                     fire,
    output reg                                      spikes_valid,
    output reg  [                      NEURONS-1:0] spikes,
    output wire [NEURONS*POTENTIAL_BITS-1:0]        potentials     // neuron n at [n*P +: P]
);
  localparam integer P = POTENTIAL_BITS;
  localparam integer PRODUCT_BITS = P + 18;  // V (P bits) times L (17 bits, unsigned)
  localparam integer WIDE = (SUM_BITS > P ? SUM_BITS : P) + 1;  // V + S without overflow
  localparam signed [WIDE-1:0] V_MAX = {{(WIDE - P + 1) {1'b0}}, {(P - 1) {1'b1}}};
  localparam signed [WIDE-1:0] V_MIN = {{(WIDE - P + 1) {1'b1}}, {(P - 1) {1'b0}}};
  localparam signed [PRODUCT_BITS-1:0] ROUND_TOWARD_ZERO = 65535;
  localparam [31:0] LEAK32 = LEAK_Q16;
  localparam [31:0] THRESHOLD32 = THRESHOLD;

  // The arithmetic in force: parameters or configuration inputs.
  wire use_inputs = CONFIG_SOURCE != 0;
  wire is_leaky = use_inputs ? leaky : LEAKY != 0;
  wire zero_reset = use_inputs ? reset_to_zero : RESET_TO_ZERO != 0;
  wire [16:0] leak = use_inputs ? leak_q16 : LEAK32[16:0];
  wire signed [P-1:0] theta = THRESHOLD_SOURCE != 0 ? threshold : THRESHOLD32[P-1:0];

  wire [NEURONS-1:0] spike_now;

  genvar n;
  generate
    for (n = 0; n < NEURONS; n = n + 1) begin : g_neuron
      reg signed [P-1:0] v;
      reg signed [SUM_BITS-1:0] sum;
      wire mine = in_valid && ({{(32 - INDEX_BITS) {1'b0}}, in_index} == n);
      wire signed [SUM_BITS-1:0] code = {{(SUM_BITS - CODE_BITS) {in_code[CODE_BITS-1]}}, in_code};

      // (a) leak: the product's low 16 bits are dropped toward zero, as C++ '/' does.
      wire signed [PRODUCT_BITS-1:0] product = v * $signed({1'b0, leak});
      wire signed [PRODUCT_BITS-1:0] shifted =
          (product < 0 ? product + ROUND_TOWARD_ZERO : product) >>> 16;
      // |V * L / 2^16| <= |V| because L <= 2^16, so the low P bits hold the result.
      /* verilator lint_off UNUSEDSIGNAL */
      wire signed [PRODUCT_BITS-1:0] leaked_wide =
          is_leaky ? shifted : {{(PRODUCT_BITS - P) {v[P-1]}}, v};
      /* verilator lint_on UNUSEDSIGNAL */
      wire signed [P-1:0] leaked = leaked_wide[P-1:0];

      // (b) one saturation after the whole timestep's sum.
      wire signed [WIDE-1:0] raw = {{(WIDE - P) {leaked[P-1]}}, leaked} +
                                   {{(WIDE - SUM_BITS) {sum[SUM_BITS-1]}}, sum};
      wire signed [WIDE-1:0] clamped = raw > V_MAX ? V_MAX : (raw < V_MIN ? V_MIN : raw);
      /* verilator lint_off UNUSEDSIGNAL */
      wire signed [WIDE-1:0] thr_wide = {{(WIDE - P) {theta[P-1]}}, theta};
      /* verilator lint_on UNUSEDSIGNAL */

      // (c) fire and reset; V >= threshold >= 1 keeps V - threshold inside the register.
      assign spike_now[n] = clamped >= thr_wide;
      wire signed [P-1:0] after = spike_now[n] ? (zero_reset ? {P{1'b0}} :
                                                  clamped[P-1:0] - theta) : clamped[P-1:0];

      always @(posedge clk) begin
        if (rst) begin
          v   <= {P{1'b0}};
          sum <= {SUM_BITS{1'b0}};
        end else begin
          if (fire) v <= after;
          if (fire) sum <= mine ? code : {SUM_BITS{1'b0}};
          else if (mine) sum <= sum + code;
        end
      end
      assign potentials[n*P+:P] = v;
    end
  endgenerate

  always @(posedge clk) begin
    if (rst) begin
      spikes_valid <= 1'b0;
      spikes       <= {NEURONS{1'b0}};
    end else begin
      spikes_valid <= fire;
      spikes       <= fire ? spike_now : {NEURONS{1'b0}};
    end
  end
endmodule
