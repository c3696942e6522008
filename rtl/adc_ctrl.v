// Reference RTL of the ADC controller of one crossbar (models/adc.{hpp,cpp}: AdcBank and
// AdcQuantizer): column multiplexers, converters, the shift-add of bit-sliced weights and the
// quantiser. The analog part is behavioural: `columns` carries, per physical column, the integer
// the column current encodes (the sum of the cell levels on the driven rows), held by the
// sample-and-hold when the read starts.
//
// Column layout (compiler/placement.hpp, differential encoding): logical output k uses columns
// [k*2*CPW, k*2*CPW + CPW) for G+ (most significant slice first) and the next CPW columns for G-.
// The partial sum is P = sum_s (G+_s - G-_s) * 2^((CPW-1-s)*BITS_PER_CELL) (the shift-add), and
// one conversion turns it into code = clamp(sign(P) * floor((2|P| + step) / (2 step)), +-max_code)
// (round half away from zero, then saturate; max_code = 0: an ideal converter, code = P). As in
// AdcBank, a logical output's columns are one conversion.
//
// Multiplexing (AdcBank::conversion_cycles): converter c serves logical outputs
// [c*OUTPUTS_PER_CONVERTER, (c+1)*OUTPUTS_PER_CONVERTER); outputs are packed from 0, so converter 0
// is the busiest and a read of n outputs takes min(n, OUTPUTS_PER_CONVERTER) * LATENCY_CYCLES.
// Timing: `start` in cycle s (the first conversion cycle, i.e. after the crossbar read) gives
// `done` for one cycle at s + min(n, OUTPUTS_PER_CONVERTER) * LATENCY_CYCLES, with every code in
// `codes` and the number of saturated conversions in `saturations`; `busy` is high in between and
// `start` is ignored while it is (the chip never starts a busy block). A read of 0 outputs needs
// no conversion (the chip skips it) and is ignored too.
module adc_ctrl #(
    parameter integer OUTPUTS               = 8,  // logical outputs of the crossbar
    parameter integer CELLS_PER_WEIGHT      = 2,  // bit slices per weight magnitude
    parameter integer BITS_PER_CELL         = 2,
    parameter integer COLUMN_BITS           = 10, // a column value: rows * (2^BITS_PER_CELL - 1)
    parameter integer OUTPUTS_PER_CONVERTER = 2,  // columns_per_adc / columns_per_output
    parameter integer LATENCY_CYCLES        = 3,  // one conversion (adc.latency_cycles)
    parameter integer STEP_BITS             = 8,
    parameter integer CODE_BITS             = 16, // holds max_code, or P for an ideal converter
    parameter integer COUNT_BITS            = 4   // holds OUTPUTS
) (
    input wire clk,
    input wire rst,

    input wire [STEP_BITS-1:0] step,      // >= 1, weight LSBs per code
    input wire [CODE_BITS-1:0] max_code,  // 2^(bits-1) - 1; 0: ideal converter

    input wire                                            start,
    input wire [                        COUNT_BITS-1:0]   n_outputs,  // 1..OUTPUTS
    input wire [OUTPUTS*2*CELLS_PER_WEIGHT*COLUMN_BITS-1:0] columns,

    output reg                           busy,
    output reg                           done,
    output reg [OUTPUTS*CODE_BITS-1:0]   codes,       // output k at [k*CODE_BITS +: CODE_BITS]
    output reg [       COUNT_BITS-1:0]   saturations  // conversions clipped at full scale
);
  localparam integer CPW = CELLS_PER_WEIGHT;
  localparam integer OPC = OUTPUTS_PER_CONVERTER;
  localparam integer CONVERTERS = (OUTPUTS + OPC - 1) / OPC;
  localparam integer COLS = OUTPUTS * 2 * CPW;
  localparam integer PSUM_BITS = COLUMN_BITS + (CPW - 1) * BITS_PER_CELL + 2;
  localparam integer WIDEST_IN = PSUM_BITS > STEP_BITS ? PSUM_BITS : STEP_BITS;
  localparam integer QBITS = (WIDEST_IN > CODE_BITS ? WIDEST_IN : CODE_BITS) + 2;
  localparam integer SLOT_BITS = OPC > 1 ? $clog2(OPC) : 1;
  localparam integer TICK_BITS = LATENCY_CYCLES > 1 ? $clog2(LATENCY_CYCLES) : 1;

  reg  [   COLS*COLUMN_BITS-1:0] held;  // sample-and-hold
  reg  [         SLOT_BITS-1:0] slot;  // output within each converter's group
  reg  [         TICK_BITS-1:0] tick;  // cycle within the conversion
  reg  [        COUNT_BITS-1:0] n_held;

  wire                          accept = start && !busy && n_outputs != 0;
  wire                          active = accept || busy;
  wire [  COLS*COLUMN_BITS-1:0] source = busy ? held : columns;
  wire [        SLOT_BITS-1:0]  cur_slot = busy ? slot : {SLOT_BITS{1'b0}};
  wire [        TICK_BITS-1:0]  cur_tick = busy ? tick : {TICK_BITS{1'b0}};
  wire [        COUNT_BITS-1:0] cur_n = busy ? n_held : n_outputs;
  // A conversion ends in its LATENCY_CYCLES-th cycle; the read ends with converter 0's last one.
  wire [31:0] n32 = {{(32 - COUNT_BITS) {1'b0}}, cur_n};
  wire [31:0] tick32 = {{(32 - TICK_BITS) {1'b0}}, cur_tick};
  wire [31:0] slot32 = {{(32 - SLOT_BITS) {1'b0}}, cur_slot};
  wire finishing = active && tick32 == LATENCY_CYCLES - 1;
  wire [31:0] converter0_slots = n32 < OPC ? n32 : OPC;
  wire last = finishing && slot32 == converter0_slots - 1;

  wire [CONVERTERS-1:0] lane_live, lane_sat;
  wire [CONVERTERS*CODE_BITS-1:0] lane_code;

  genvar c;
  generate
    for (c = 0; c < CONVERTERS; c = c + 1) begin : g_converter
      // The multiplexer: this converter's output in the current slot.
      wire [31:0] k = c * OPC + slot32;
      assign lane_live[c] = finishing && k < n32 && k < OUTPUTS;
      // Shift-add of the slices, G+ minus G-.
      reg signed [PSUM_BITS-1:0] p, positive, negative_col;
      integer s;
      always @* begin
        p = {PSUM_BITS{1'b0}};
        for (s = 0; s < CPW; s = s + 1) begin
          positive = {{(PSUM_BITS - COLUMN_BITS) {1'b0}},
                      source[((k*2*CPW+s)%COLS)*COLUMN_BITS+:COLUMN_BITS]};
          negative_col = {{(PSUM_BITS - COLUMN_BITS) {1'b0}},
                          source[((k*2*CPW+CPW+s)%COLS)*COLUMN_BITS+:COLUMN_BITS]};
          p = p + ((positive - negative_col) <<< ((CPW - 1 - s) * BITS_PER_CELL));
        end
      end
      // The quantiser: round half away from zero by `step`, then saturate at +-max_code.
      wire negative = p[PSUM_BITS-1];
      wire [PSUM_BITS-1:0] abs_p = negative ? -p : p;  // |P| < 2^(PSUM_BITS-2): no overflow
      wire [QBITS-1:0] magnitude_p = {{(QBITS - PSUM_BITS) {1'b0}}, abs_p};
      wire [QBITS-1:0] step_q = {{(QBITS - STEP_BITS) {1'b0}}, step};
      wire [QBITS-1:0] rounded = ((magnitude_p << 1) + step_q) / (step_q << 1);
      wire [QBITS-1:0] limit = {{(QBITS - CODE_BITS) {1'b0}}, max_code};
      wire ideal = max_code == {CODE_BITS{1'b0}};
      assign lane_sat[c] = !ideal && rounded > limit;
      wire [QBITS-1:0] magnitude = lane_sat[c] ? limit : rounded;
      wire [QBITS-1:0] signed_code = negative ? -magnitude : magnitude;
      wire [QBITS-1:0] ideal_code = {{(QBITS - PSUM_BITS) {p[PSUM_BITS-1]}}, p};
      /* verilator lint_off UNUSEDSIGNAL */
      wire [QBITS-1:0] result = ideal ? ideal_code : signed_code;
      /* verilator lint_on UNUSEDSIGNAL */
      assign lane_code[c*CODE_BITS+:CODE_BITS] = result[CODE_BITS-1:0];
    end
  endgenerate

  integer i, j, sat_now;
  always @* begin
    sat_now = 0;
    for (j = 0; j < CONVERTERS; j = j + 1) sat_now = sat_now + (lane_live[j] && lane_sat[j] ? 1 : 0);
  end

  always @(posedge clk) begin
    if (rst) begin
      busy        <= 1'b0;
      done        <= 1'b0;
      slot        <= {SLOT_BITS{1'b0}};
      tick        <= {TICK_BITS{1'b0}};
      n_held      <= {COUNT_BITS{1'b0}};
      held        <= {(COLS * COLUMN_BITS) {1'b0}};
      codes       <= {(OUTPUTS * CODE_BITS) {1'b0}};
      saturations <= {COUNT_BITS{1'b0}};
    end else begin
      busy <= active && !last;
      done <= last;
      if (accept) begin
        held   <= columns;
        n_held <= n_outputs;
      end
      tick <= finishing ? {TICK_BITS{1'b0}} : cur_tick + 1'b1;
      slot <= finishing ? cur_slot + 1'b1 : cur_slot;
      for (i = 0; i < CONVERTERS; i = i + 1)
        if (lane_live[i])
          codes[(i*OPC+slot32)*CODE_BITS+:CODE_BITS] <= lane_code[i*CODE_BITS+:CODE_BITS];
      if (active)
        saturations <= (accept ? {COUNT_BITS{1'b0}} : saturations) + sat_now[COUNT_BITS-1:0];
    end
  end
endmodule
