// Reference RTL of one router of xbarsim's 2D mesh (models/noc_mesh.{hpp,cpp}, MeshNoc::step):
// XY routing, wormhole switching, an input FIFO of DEPTH flits per port with credit-based
// back-pressure, round-robin output arbitration, a router pipeline of ROUTER_LATENCY cycles, links
// of LINK_LATENCY cycles and LOCAL_PORTS local ports (concentration). Cycle for cycle it does what
// MeshNoc does; the comments name the step of MeshNoc::step each part mirrors.
//
// Ports: 0 North, 1 East, 2 South, 3 West (to the neighbouring routers), 4 + k the k-th local port.
// A flit of FLIT_BITS (noc.flit_bits) is {head, tail, dst_row, dst_col, dst_port, id}: the
// destination router's position, the local port there, and in the remaining
// FLIT_BITS - 2 - ROW_BITS - COL_BITS - PORT_BITS bits the packet's id (the network never looks at
// it; tests follow packets with it). The port contract is docs/rtl-contract.md.
//
// Timing, with cycle c the one in which a flit leaves an input FIFO (MeshNoc's switch traversal):
// - a flit written into a FIFO at the end of cycle c may leave it from cycle c + ROUTER_LATENCY on
//   (MeshNoc: ready_cycle = arrival + router_latency);
// - a flit sent to a neighbour in cycle c is at that neighbour's input in cycle c + LINK_LATENCY
//   and written into its FIFO at the end of that cycle (MeshNoc step 1);
// - a flit ejected through a local port in cycle c appears on out_valid/out_flit of that port in
//   cycle c + 1, MeshNoc's delivery cycle of a tail flit;
// - a local input port accepts a flit (in_valid && in_ready) when its FIFO held fewer than DEPTH
//   flits at the start of the cycle (MeshNoc step 2: before this cycle's departures);
// - credit_out[p] is high in the cycle a flit leaves input p (a slot freed for the upstream
//   router). MeshNoc processes routers in index order, so a credit returned by a router of lower
//   index (the North and West neighbours) is usable by its upstream router in the same cycle;
//   SAME_CYCLE_CREDIT marks those outputs (bit o: output o may use credit_in[o] at once).
module mesh_router #(
    parameter integer ROW               = 0,  // this router's position in the mesh
    parameter integer COL               = 0,
    parameter integer LOCAL_PORTS       = 4,  // noc.tiles_per_router
    parameter integer DEPTH             = 4,  // noc.buffer_depth_flits
    parameter integer ROUTER_LATENCY    = 2,  // noc.router_latency_cycles (>= 1)
    parameter integer LINK_LATENCY      = 1,  // noc.link_latency_cycles (>= 1)
    parameter integer FLIT_BITS         = 16, // noc.flit_bits
    parameter integer ROW_BITS          = 2,  // hold the mesh's row and column indices
    parameter integer COL_BITS          = 2,
    parameter integer PORT_BITS         = 2,  // holds LOCAL_PORTS - 1
    parameter [3:0]   SAME_CYCLE_CREDIT = 4'b1001,
    // Derived; not to be overridden.
    parameter integer PORTS             = 4 + LOCAL_PORTS
) (
    input wire clk,
    input wire rst,

    input  wire [            PORTS-1:0] in_valid,
    input  wire [  PORTS*FLIT_BITS-1:0] in_flit,
    output wire [      LOCAL_PORTS-1:0] in_ready,    // local input ports only
    output wire [            PORTS-1:0] out_valid,
    output wire [  PORTS*FLIT_BITS-1:0] out_flit,
    output wire [                  3:0] credit_out,  // to the router feeding input p
    input  wire [                  3:0] credit_in    // from the router fed by output o
);
  localparam integer FW = FLIT_BITS;
  localparam integer PB = $clog2(PORTS);
  localparam integer WAIT_BITS = ROUTER_LATENCY > 1 ? $clog2(ROUTER_LATENCY) : 1;
  localparam integer PTR_BITS = DEPTH > 1 ? $clog2(DEPTH) : 1;
  localparam integer COUNT_BITS = $clog2(DEPTH + 1);
  localparam integer CREDIT_BITS = $clog2(DEPTH + 1);
  localparam [31:0] FRESH32 = ROUTER_LATENCY - 1;
  localparam [WAIT_BITS-1:0] FRESH = FRESH32[WAIT_BITS-1:0];

  // ---- Input FIFOs (flattened: port p, slot d at p*DEPTH + d) ----
  reg [FW-1:0] fifo_flit[0:PORTS*DEPTH-1];
  reg [WAIT_BITS-1:0] fifo_wait[0:PORTS*DEPTH-1];  // cycles until the flit may leave
  reg [PTR_BITS-1:0] head_ptr[0:PORTS-1];
  reg [PTR_BITS-1:0] tail_ptr[0:PORTS-1];
  reg [COUNT_BITS-1:0] count[0:PORTS-1];
  reg [PB-1:0] packet_out[0:PORTS-1];  // output of the packet in progress (MeshNoc in.out)

  // ---- Output state ----
  reg [PORTS-1:0] held;  // output o owned by a packet until its tail (wormhole)
  reg [PB-1:0] held_by[0:PORTS-1];
  reg [PB-1:0] rr[0:PORTS-1];  // round-robin pointer over inputs
  reg [CREDIT_BITS-1:0] credits[0:3];  // free slots downstream

  // ---- Per input: the front flit and the output it asks for ----
  wire [PORTS-1:0] occupied, ready, front_head, write;
  wire [PORTS*PB-1:0] target;
  wire [PORTS-1:0] pop;
  wire [PORTS*PORTS-1:0] take;  // take[o*PORTS + i]: output o moves input i's front flit

  genvar i, o;
  generate
    for (i = 0; i < PORTS; i = i + 1) begin : g_input
      wire [FW-1:0] front = fifo_flit[i*DEPTH+{{(32 - PTR_BITS) {1'b0}}, head_ptr[i]}];
      wire [ROW_BITS-1:0] dst_row = front[FW-3-:ROW_BITS];
      wire [COL_BITS-1:0] dst_col = front[FW-3-ROW_BITS-:COL_BITS];
      wire [PORT_BITS-1:0] dst_port = front[FW-3-ROW_BITS-COL_BITS-:PORT_BITS];
      wire [31:0] row32 = {{(32 - ROW_BITS) {1'b0}}, dst_row};
      wire [31:0] col32 = {{(32 - COL_BITS) {1'b0}}, dst_col};
      wire [31:0] port32 = {{(32 - PORT_BITS) {1'b0}}, dst_port};
      // XY routing (MeshNoc::route): columns first, then rows, then the local port.
      wire [31:0] route = col32 > COL ? 1 : col32 != COL ? 3 : row32 > ROW ? 2 : row32 != ROW ? 0 :
                          4 + port32;
      assign occupied[i] = count[i] != 0;
      assign ready[i] = occupied[i] && fifo_wait[i*DEPTH+{{(32 - PTR_BITS) {1'b0}}, head_ptr[i]}] == 0;
      assign front_head[i] = front[FW-1];
      // Arrivals: from a link (room reserved by a credit) or from a tile (if in_ready).
      if (i < 4) begin : g_link_in
        assign write[i] = in_valid[i];
      end else begin : g_tile_in
        wire [31:0] count32 = {{(32 - COUNT_BITS) {1'b0}}, count[i]};
        wire space = count32 < DEPTH;
        assign write[i] = in_valid[i] && space;
        assign in_ready[i-4] = space;
      end
      assign target[i*PB+:PB] = front_head[i] ? route[PB-1:0] : packet_out[i];
      reg taken;
      integer k;
      always @* begin
        taken = 1'b0;
        for (k = 0; k < PORTS; k = k + 1) taken = taken | take[k*PORTS+i];
      end
      assign pop[i] = taken;
      /* verilator lint_off UNUSEDSIGNAL */
      wire [31:0] unused_route_bits = route;
      /* verilator lint_on UNUSEDSIGNAL */
    end
  endgenerate

  // ---- Per output: arbitration and switch traversal (MeshNoc step 3) ----
  wire [PORTS-1:0] send;
  wire [PORTS*FW-1:0] send_flit;
  wire [PORTS-1:0] grant_now;
  wire [PORTS*PB-1:0] chosen;

  generate
    for (o = 0; o < PORTS; o = o + 1) begin : g_output
      // Ready head flits routed here.
      reg [PORTS-1:0] requests;
      reg [PB-1:0] pick;
      reg found;
      integer k;
      always @* begin
        for (k = 0; k < PORTS; k = k + 1)
          requests[k] = ready[k] && front_head[k] && target[k*PB+:PB] == o[PB-1:0];
        // Round robin: the first requesting input at or after the pointer, else the first.
        found = 1'b0;
        pick  = {PB{1'b0}};
        for (k = 0; k < PORTS; k = k + 1)
          if (!found && requests[k] && k[PB-1:0] >= rr[o]) begin
            pick  = k[PB-1:0];
            found = 1'b1;
          end
        for (k = 0; k < PORTS; k = k + 1)
          if (!found && requests[k]) begin
            pick  = k[PB-1:0];
            found = 1'b1;
          end
      end
      // A free output is granted even without a credit; it then waits holding the output.
      assign grant_now[o] = !held[o] && found;
      assign chosen[o*PB+:PB] = held[o] ? held_by[o] : pick;
      wire [PB-1:0] c = chosen[o*PB+:PB];
      wire has_input = held[o] || found;
      if (o < 4) begin : g_mesh
        wire credit_ok = credits[o] != 0 || (SAME_CYCLE_CREDIT[o] && credit_in[o]);
        assign send[o] = has_input && ready[c] && credit_ok;
      end else begin : g_local
        assign send[o] = has_input && ready[c];  // ejection needs no credit
      end
      assign send_flit[o*FW+:FW] = fifo_flit[{{(32 - PB) {1'b0}}, c}*DEPTH+
                                             {{(32 - PTR_BITS) {1'b0}}, head_ptr[c]}];
      for (i = 0; i < PORTS; i = i + 1) begin : g_take
        assign take[o*PORTS+i] = send[o] && c == i[PB-1:0];
      end
    end
  endgenerate

  // ---- Outputs: links of LINK_LATENCY registers, local ports one register (the delivery) ----
  generate
    for (o = 0; o < PORTS; o = o + 1) begin : g_out_pipe
      localparam integer STAGES = o < 4 ? LINK_LATENCY : 1;
      reg [STAGES-1:0] stage_valid;
      reg [FW-1:0] stage_flit[0:STAGES-1];
      integer s;
      always @(posedge clk) begin
        if (rst) stage_valid <= {STAGES{1'b0}};
        else begin
          stage_valid[0] <= send[o];
          for (s = 1; s < STAGES; s = s + 1) stage_valid[s] <= stage_valid[s-1];
        end
        stage_flit[0] <= send_flit[o*FW+:FW];
        for (s = 1; s < STAGES; s = s + 1) stage_flit[s] <= stage_flit[s-1];
      end
      assign out_valid[o] = stage_valid[STAGES-1];
      assign out_flit[o*FW+:FW] = stage_flit[STAGES-1];
    end
  endgenerate

  assign credit_out = pop[3:0];

  // ---- State update ----
  integer p, d, q;
  always @(posedge clk) begin
    if (rst) begin
      for (p = 0; p < PORTS; p = p + 1) begin
        head_ptr[p]   <= {PTR_BITS{1'b0}};
        tail_ptr[p]   <= {PTR_BITS{1'b0}};
        count[p]      <= {COUNT_BITS{1'b0}};
        packet_out[p] <= {PB{1'b0}};
        held_by[p]    <= {PB{1'b0}};
        rr[p]         <= {PB{1'b0}};
      end
      held <= {PORTS{1'b0}};
      for (q = 0; q < 4; q = q + 1) credits[q] <= DEPTH[CREDIT_BITS-1:0];
    end else begin
      // Every waiting flit gets one cycle closer to leaving.
      for (d = 0; d < PORTS * DEPTH; d = d + 1)
        if (fifo_wait[d] != 0) fifo_wait[d] <= fifo_wait[d] - 1'b1;
      for (p = 0; p < PORTS; p = p + 1) begin
        if (write[p]) begin
          fifo_flit[p*DEPTH+{{(32 - PTR_BITS) {1'b0}}, tail_ptr[p]}] <= in_flit[p*FW+:FW];
          fifo_wait[p*DEPTH+{{(32 - PTR_BITS) {1'b0}}, tail_ptr[p]}] <= FRESH;
          tail_ptr[p] <= ({{(32 - PTR_BITS) {1'b0}}, tail_ptr[p]} == DEPTH - 1) ?
                         {PTR_BITS{1'b0}} : tail_ptr[p] + 1'b1;
        end
        if (pop[p]) begin
          head_ptr[p] <= ({{(32 - PTR_BITS) {1'b0}}, head_ptr[p]} == DEPTH - 1) ?
                         {PTR_BITS{1'b0}} : head_ptr[p] + 1'b1;
          if (front_head[p]) packet_out[p] <= target[p*PB+:PB];
        end
        count[p] <= count[p] + {{(COUNT_BITS - 1) {1'b0}}, write[p]} -
                    {{(COUNT_BITS - 1) {1'b0}}, pop[p]};
      end
      for (q = 0; q < PORTS; q = q + 1) begin
        // Wormhole: granted outputs stay held until the tail flit passes.
        if (send[q] && send_flit[q*FW+FW-2]) held[q] <= 1'b0;
        else if (grant_now[q]) held[q] <= 1'b1;
        if (grant_now[q]) begin
          held_by[q] <= chosen[q*PB+:PB];
          rr[q] <= ({{(32 - PB) {1'b0}}, chosen[q*PB+:PB]} == PORTS - 1) ? {PB{1'b0}} :
                   chosen[q*PB+:PB] + 1'b1;
        end
      end
      for (q = 0; q < 4; q = q + 1)
        credits[q] <= credits[q] + {{(CREDIT_BITS - 1) {1'b0}}, credit_in[q]} -
                      {{(CREDIT_BITS - 1) {1'b0}}, send[q]};
    end
  end
endmodule
