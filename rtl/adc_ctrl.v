// Reference RTL of the ADC controller of one crossbar (models/adc.{hpp,cpp}: AdcBank and
// AdcQuantizer): column multiplexers, converters, the shift-add of bit-sliced weights and the
// quantiser. The analog part is behavioural: `columns` carries, per physical column, the integer
// the column current encodes (the sum of the cell levels on the driven rows), held by the
// sample-and-hold when the read starts. The port contract is docs/rtl-contract.md.
//
// Column layout (compiler/placement.hpp CrossbarGeometry, models/device.hpp CellLayout), with
// CPW = CELLS_PER_WEIGHT slices per weight, most significant slice first, and n = n_outputs the
// logical outputs of the block:
//  ENCODING 0, differential: output k uses columns [k*2*CPW, k*2*CPW + CPW) for G+ and the next
//    CPW columns for G-: P_k = sum_s (G+_s - G-_s) * 2^((CPW-1-s)*BITS_PER_CELL).
//  ENCODING 1, offset column: a weight w is stored as w + 2^(WEIGHT_BITS-1) in columns
//    [k*CPW, (k+1)*CPW); the reference column n*CPW, right after the block's last output, holds
//    the offset's top slice, 2^(WEIGHT_BITS-1-(CPW-1)*BITS_PER_CELL), in every row (the offset's
//    lower slices are 0):  P_k = sum_s G_s * 2^((CPW-1-s)*BITS_PER_CELL)
//                               - REF * 2^((CPW-1)*BITS_PER_CELL),
//    which is sum w over the driven rows for every weight in [-2^(WEIGHT_BITS-1),
//    2^(WEIGHT_BITS-1) - 1].
// One conversion turns P into code = clamp(sign(P) * floor((2|P| + step) / (2 step)), +-max_code)
// (round half away from zero, then saturate; max_code = 0: an ideal converter, code = P). As in
// AdcBank, a logical output's columns are one conversion.
//
// Multiplexing (AdcBank::conversion_cycles): COLUMNS_PER_ADC columns share a converter, i.e.
// OPC = max(1, COLUMNS_PER_ADC / columns per output) outputs (2*CPW columns per output
// differential, CPW offset column); converter c serves outputs [c*OPC, (c+1)*OPC); outputs are
// packed from 0, so converter 0 is the busiest and a read of n outputs takes min(n, OPC) *
// LATENCY_CYCLES.
// Timing: `start` in cycle s (the first conversion cycle, i.e. after the crossbar read) gives
// `done` for one cycle at s + min(n, OPC) * LATENCY_CYCLES, with every code in `codes` and the
// number of saturated conversions in `saturations`; `busy` is high in between and `start` is
// ignored while it is (the chip never starts a busy block). A read of 0 outputs needs no
// conversion (the chip skips it) and is ignored too.
//
// Full scale: max_code = 2^(ADC_BITS-1) - 1 (CONFIG_SOURCE = 0), or the `max_code` input
// (CONFIG_SOURCE = 1: programmed at run time, 0 meaning an ideal converter). `step`, the weight
// LSBs per code, is always an input: the compiler sets it per layer.
module adc_ctrl #(
    parameter integer OUTPUTS          = 32,  // logical outputs of the crossbar
    parameter integer ENCODING         = 0,   // crossbar.signed_encoding: 0 differential, 1 offset
    parameter integer WEIGHT_BITS      = 4,   // crossbar.weight_bits
    parameter integer BITS_PER_CELL    = 4,   // device.bits_per_cell
    parameter integer COLUMN_BITS      = 10,  // a column value: rows * (2^BITS_PER_CELL - 1)
    parameter integer COLUMNS_PER_ADC  = 8,   // adc.columns_per_adc
    parameter integer LATENCY_CYCLES   = 6,   // one conversion (adc.latency_cycles)
    parameter integer ADC_BITS         = 6,   // adc.bits
    parameter integer CONFIG_SOURCE    = 0,   // 0: max_code from ADC_BITS; 1: the max_code input
    parameter integer CODE_BITS        = ADC_BITS,  // a code: holds max_code (or P when ideal)
    parameter integer STEP_BITS        = 8,
    // Derived; not to be overridden.
    parameter integer CELLS_PER_WEIGHT = (WEIGHT_BITS + BITS_PER_CELL - 1) / BITS_PER_CELL,
    parameter integer COLUMNS          = ENCODING != 0 ? OUTPUTS * CELLS_PER_WEIGHT + 1 :
                                                         OUTPUTS * 2 * CELLS_PER_WEIGHT,
    parameter integer COUNT_BITS       = $clog2(OUTPUTS + 1)  // holds OUTPUTS
) (
    input wire clk,
    input wire rst,

    input wire [STEP_BITS-1:0] step,      // >= 1, weight LSBs per code
    input wire [CODE_BITS-1:0] max_code,  // CONFIG_SOURCE = 1: full scale; 0: ideal converter

    input wire                              start,
    input wire [        COUNT_BITS-1:0]     n_outputs,  // 1..OUTPUTS
    input wire [COLUMNS*COLUMN_BITS-1:0]    columns,    // column j at [j*COLUMN_BITS +: COLUMN_BITS]

    output reg                           busy,
    output reg                           done,
    output reg [OUTPUTS*CODE_BITS-1:0]   codes,       // output k at [k*CODE_BITS +: CODE_BITS]
    output reg [       COUNT_BITS-1:0]   saturations  // conversions clipped at full scale
);
  localparam integer CPW = CELLS_PER_WEIGHT;
  localparam OFFSET = ENCODING != 0;
  localparam integer COLUMNS_PER_OUTPUT = OFFSET ? CPW : 2 * CPW;
  localparam integer OPC = COLUMNS_PER_ADC / COLUMNS_PER_OUTPUT > 1 ?
                           COLUMNS_PER_ADC / COLUMNS_PER_OUTPUT : 1;
  localparam integer CONVERTERS = (OUTPUTS + OPC - 1) / OPC;
  localparam integer TOP_SHIFT = (CPW - 1) * BITS_PER_CELL;  // weight of the top slice
  localparam integer PSUM_BITS = COLUMN_BITS + TOP_SHIFT + 2;
  localparam integer WIDEST_IN = PSUM_BITS > STEP_BITS ? PSUM_BITS : STEP_BITS;
  localparam integer QBITS = (WIDEST_IN > CODE_BITS ? WIDEST_IN : CODE_BITS) + 2;
  localparam integer SLOT_BITS = OPC > 1 ? $clog2(OPC) : 1;
  localparam integer TICK_BITS = LATENCY_CYCLES > 1 ? $clog2(LATENCY_CYCLES) : 1;
  localparam [31:0] FULL_SCALE32 = (1 << (ADC_BITS - 1)) - 1;

  reg  [COLUMNS*COLUMN_BITS-1:0] held;  // sample-and-hold
  reg  [         SLOT_BITS-1:0]  slot;  // output within each converter's group
  reg  [         TICK_BITS-1:0]  tick;  // cycle within the conversion
  reg  [        COUNT_BITS-1:0]  n_held;

  wire                           accept = start && !busy && n_outputs != 0;
  wire                           active = accept || busy;
  wire [COLUMNS*COLUMN_BITS-1:0] source = busy ? held : columns;
  wire [         SLOT_BITS-1:0]  cur_slot = busy ? slot : {SLOT_BITS{1'b0}};
  wire [         TICK_BITS-1:0]  cur_tick = busy ? tick : {TICK_BITS{1'b0}};
  wire [        COUNT_BITS-1:0]  cur_n = busy ? n_held : n_outputs;
  wire [         CODE_BITS-1:0]  full_scale = CONFIG_SOURCE != 0 ? max_code :
                                                                   FULL_SCALE32[CODE_BITS-1:0];
  // A conversion ends in its LATENCY_CYCLES-th cycle; the read ends with converter 0's last one.
  wire [31:0] n32 = {{(32 - COUNT_BITS) {1'b0}}, cur_n};
  wire [31:0] tick32 = {{(32 - TICK_BITS) {1'b0}}, cur_tick};
  wire [31:0] slot32 = {{(32 - SLOT_BITS) {1'b0}}, cur_slot};
  wire finishing = active && tick32 == LATENCY_CYCLES - 1;
  wire [31:0] converter0_slots = n32 < OPC ? n32 : OPC;
  wire last = finishing && slot32 == converter0_slots - 1;
  // Offset column: the reference column, right after the block's last output.
  wire [31:0] reference_col = n32 * CPW;
  wire [COLUMN_BITS-1:0] reference = OFFSET ?
      source[(reference_col % COLUMNS)*COLUMN_BITS+:COLUMN_BITS] : {COLUMN_BITS{1'b0}};

  wire [CONVERTERS-1:0] lane_live, lane_sat;
  wire [CONVERTERS*CODE_BITS-1:0] lane_code;

  genvar c;
  generate
    for (c = 0; c < CONVERTERS; c = c + 1) begin : g_converter
      // The multiplexer: this converter's output in the current slot.
      wire [31:0] k = c * OPC + slot32;
      assign lane_live[c] = finishing && k < n32 && k < OUTPUTS;
      // Shift-add of the slices, minus G- (differential) or the reference column (offset).
      reg signed [PSUM_BITS-1:0] p, positive, negative_col;
      integer s;
      always @* begin
        p = {PSUM_BITS{1'b0}};
        for (s = 0; s < CPW; s = s + 1) begin
          positive = {{(PSUM_BITS - COLUMN_BITS) {1'b0}},
                      source[((k*COLUMNS_PER_OUTPUT+s)%COLUMNS)*COLUMN_BITS+:COLUMN_BITS]};
          negative_col = OFFSET ? {PSUM_BITS{1'b0}} :
                         {{(PSUM_BITS - COLUMN_BITS) {1'b0}},
                          source[((k*COLUMNS_PER_OUTPUT+CPW+s)%COLUMNS)*COLUMN_BITS+:COLUMN_BITS]};
          p = p + ((positive - negative_col) <<< ((CPW - 1 - s) * BITS_PER_CELL));
        end
        p = p - ({{(PSUM_BITS - COLUMN_BITS) {1'b0}}, reference} <<< TOP_SHIFT);
      end
      // The quantiser: round half away from zero by `step`, then saturate at +-full_scale.
      wire negative = p[PSUM_BITS-1];
      wire [PSUM_BITS-1:0] abs_p = negative ? -p : p;  // |P| < 2^(PSUM_BITS-2): no overflow
      wire [QBITS-1:0] magnitude_p = {{(QBITS - PSUM_BITS) {1'b0}}, abs_p};
      wire [QBITS-1:0] step_q = {{(QBITS - STEP_BITS) {1'b0}}, step};
      wire [QBITS-1:0] rounded = ((magnitude_p << 1) + step_q) / (step_q << 1);
      wire [QBITS-1:0] limit = {{(QBITS - CODE_BITS) {1'b0}}, full_scale};
      wire ideal = full_scale == {CODE_BITS{1'b0}};
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
      held        <= {(COLUMNS * COLUMN_BITS) {1'b0}};
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
