// Testbench of rtl/neuron_core.v for Icarus Verilog (or any simulator): reads one stimulus line
// per clock cycle, "rst in_valid in_index in_code fire" in decimal (the format `xbarsim
// neuron-trace` reads and `xbarsim run --trace-stimulus` writes), and dumps a VCD. Clock edges at
// 0, 10, 20 ns: line i drives cycle i (set at the falling edge), its results appear at the rising
// edge 10 * (i + 1) ns, the cycle xbarsim counts them in. Dumping starts after the first line's
// reset, so no register is x in the trace. The core's parameters are this module's (iverilog
// -P neuron_core_tb.NAME=value; rtl::neuron_core_parameters gives them for an arch); the
// threshold in codes is +threshold=N.
//   iverilog -g2012 -o nc.vvp rtl/tb/neuron_core_tb.v rtl/neuron_core.v
//   vvp nc.vvp +stimulus=configs/rtl/neuron_stimulus.txt +vcd=rtl.vcd +threshold=40
`timescale 1ns / 1ps
module neuron_core_tb #(
    parameter integer NEURONS        = 16,
    parameter integer POTENTIAL_BITS = 12,
    parameter integer CODE_BITS      = 8,
    parameter integer LEAKY          = 0,
    parameter integer LEAK_Q16       = 65536,
    parameter integer RESET_TO_ZERO  = 0
);
  localparam integer INDEX_BITS = NEURONS > 1 ? $clog2(NEURONS) : 1;

  reg clk = 1'b1;
  always #5 clk = ~clk;

  reg rst = 1'b1, in_valid = 1'b0, fire = 1'b0;
  reg [INDEX_BITS-1:0] in_index = 0;
  reg signed [CODE_BITS-1:0] in_code = 0;
  reg signed [POTENTIAL_BITS-1:0] threshold = 1;
  wire spikes_valid;
  wire [NEURONS-1:0] spikes;
  wire [NEURONS*POTENTIAL_BITS-1:0] potentials;

  neuron_core #(
      .NEURONS(NEURONS),
      .POTENTIAL_BITS(POTENTIAL_BITS),
      .CODE_BITS(CODE_BITS),
      .SUM_BITS(24),
      .LEAKY(LEAKY),
      .LEAK_Q16(LEAK_Q16),
      .RESET_TO_ZERO(RESET_TO_ZERO),
      .THRESHOLD_SOURCE(1),
      .CONFIG_SOURCE(0)
  ) dut (
      .clk(clk),
      .rst(rst),
      .leaky(1'b0),
      .reset_to_zero(1'b0),
      .leak_q16(17'd0),
      .threshold(threshold),
      .in_valid(in_valid),
      .in_index(in_index),
      .in_code(in_code),
      .fire(fire),
      .spikes_valid(spikes_valid),
      .spikes(spikes),
      .potentials(potentials)
  );

  // One named wire per potential, so a VCD viewer and vcd-diff see tb.g_v[n].potential.
  genvar n;
  generate
    for (n = 0; n < NEURONS; n = n + 1) begin : g_v
      wire signed [POTENTIAL_BITS-1:0] potential = potentials[n*POTENTIAL_BITS+:POTENTIAL_BITS];
    end
  endgenerate

  integer fd, r, a_rst, a_valid, a_index, a_code, a_fire, value, cycles;
  reg [1023:0] path;
  initial begin
    if (!$value$plusargs("stimulus=%s", path)) begin
      $display("neuron_core_tb: give +stimulus=FILE");
      $finish;
    end
    if ($value$plusargs("threshold=%d", value)) threshold = value[POTENTIAL_BITS-1:0];
    fd = $fopen(path, "r");
    if (fd == 0) begin
      $display("neuron_core_tb: cannot open %0s", path);
      $finish;
    end
    if (!$value$plusargs("vcd=%s", path)) path = "neuron_core.vcd";
    $dumpfile(path);
    cycles = 0;
    while (!$feof(fd)) begin
      r = $fscanf(fd, "%d %d %d %d %d\n", a_rst, a_valid, a_index, a_code, a_fire);
      if (r == 5) begin
        @(negedge clk);
        rst = a_rst[0];
        in_valid = a_valid[0];
        in_index = a_index[INDEX_BITS-1:0];
        in_code = a_code[CODE_BITS-1:0];
        fire = a_fire[0];
        cycles = cycles + 1;
        if (cycles == 2) $dumpvars(0, neuron_core_tb);  // the reset of line 0 took effect at 10 ns
      end else if (r != -1) begin
        r = $fgetc(fd);  // skip a character the line could not be read past (a comment)
      end
    end
    @(posedge clk);
    @(negedge clk);
    $display("neuron_core_tb: %0d cycles", cycles);
    $finish;
  end
endmodule
