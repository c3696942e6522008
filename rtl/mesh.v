// A ROWS x COLS mesh of mesh_router: neighbours joined by their links and credit wires, the local
// ports brought out. Endpoint e = router * LOCAL_PORTS + k is local port k of router
// r = row * COLS + col (MeshNoc numbers routers the same way). Flit format: see mesh_router.v;
// the port contract: docs/rtl-contract.md. rtl::mesh_parameters gives the parameters of an
// ArchSpec's mesh (ROWS x COLS follow from chip.grid and noc.tiles_per_router as in MeshNoc).
module mesh #(
    parameter integer ROWS           = 3,   // routers: a router serves LOCAL_PORTS tiles
    parameter integer COLS           = 3,
    parameter integer LOCAL_PORTS    = 4,   // noc.tiles_per_router
    parameter integer DEPTH          = 4,   // noc.buffer_depth_flits
    parameter integer ROUTER_LATENCY = 2,   // noc.router_latency_cycles (>= 1)
    parameter integer LINK_LATENCY   = 1,   // noc.link_latency_cycles (>= 1)
    parameter integer FLIT_BITS      = 16,  // noc.flit_bits
    // Derived; not to be overridden.
    parameter integer ROW_BITS       = ROWS > 1 ? $clog2(ROWS) : 1,
    parameter integer COL_BITS       = COLS > 1 ? $clog2(COLS) : 1,
    parameter integer PORT_BITS      = LOCAL_PORTS > 1 ? $clog2(LOCAL_PORTS) : 1,
    parameter integer ID_BITS        = FLIT_BITS - 2 - ROW_BITS - COL_BITS - PORT_BITS,
    parameter integer ENDPOINTS      = ROWS * COLS * LOCAL_PORTS
) (
    input  wire                           clk,
    input  wire                           rst,
    input  wire [          ENDPOINTS-1:0] inject_valid,
    input  wire [ENDPOINTS*FLIT_BITS-1:0] inject_flit,
    output wire [          ENDPOINTS-1:0] inject_ready,
    output wire [          ENDPOINTS-1:0] eject_valid,
    output wire [ENDPOINTS*FLIT_BITS-1:0] eject_flit
);
  localparam integer FW = FLIT_BITS;
  localparam integer PORTS = 4 + LOCAL_PORTS;
  localparam integer ROUTERS = ROWS * COLS;

  // A flit must carry its header and at least one bit of packet id; otherwise elaboration stops
  // at this module, which exists nowhere (portable where $error in a generate block is not).
  generate
    if (ID_BITS < 1) begin : g_flit_too_narrow
      FLIT_BITS_leaves_no_id_bits_after_the_header error ();
    end
  endgenerate

  // Per router r: its ports' signals at [r*PORTS + p] (flits at [(r*PORTS + p)*FW +: FW]).
  // The outward ports of the routers on the mesh's edges lead nowhere (XY routing never uses them).
  /* verilator lint_off UNUSEDSIGNAL */
  wire [ROUTERS*PORTS-1:0] in_valid, out_valid;
  wire [ROUTERS*PORTS*FW-1:0] in_flit, out_flit;
  wire [ROUTERS*4-1:0] credit_out, credit_in;
  /* verilator lint_on UNUSEDSIGNAL */

  genvar r, c, k;
  generate
    for (r = 0; r < ROWS; r = r + 1) begin : g_row
      for (c = 0; c < COLS; c = c + 1) begin : g_col
        localparam integer ID = r * COLS + c;
        // Input p of this router is fed by the neighbour on side p through that neighbour's
        // opposite output; credits go back the same way.
        if (r > 0) begin : g_north
          assign in_valid[ID*PORTS+0] = out_valid[(ID-COLS)*PORTS+2];
          assign in_flit[(ID*PORTS+0)*FW+:FW] = out_flit[((ID-COLS)*PORTS+2)*FW+:FW];
          assign credit_in[ID*4+0] = credit_out[(ID-COLS)*4+2];
        end else begin : g_north_edge
          assign in_valid[ID*PORTS+0] = 1'b0;
          assign in_flit[(ID*PORTS+0)*FW+:FW] = {FW{1'b0}};
          assign credit_in[ID*4+0] = 1'b0;
        end
        if (c < COLS - 1) begin : g_east
          assign in_valid[ID*PORTS+1] = out_valid[(ID+1)*PORTS+3];
          assign in_flit[(ID*PORTS+1)*FW+:FW] = out_flit[((ID+1)*PORTS+3)*FW+:FW];
          assign credit_in[ID*4+1] = credit_out[(ID+1)*4+3];
        end else begin : g_east_edge
          assign in_valid[ID*PORTS+1] = 1'b0;
          assign in_flit[(ID*PORTS+1)*FW+:FW] = {FW{1'b0}};
          assign credit_in[ID*4+1] = 1'b0;
        end
        if (r < ROWS - 1) begin : g_south
          assign in_valid[ID*PORTS+2] = out_valid[(ID+COLS)*PORTS+0];
          assign in_flit[(ID*PORTS+2)*FW+:FW] = out_flit[((ID+COLS)*PORTS+0)*FW+:FW];
          assign credit_in[ID*4+2] = credit_out[(ID+COLS)*4+0];
        end else begin : g_south_edge
          assign in_valid[ID*PORTS+2] = 1'b0;
          assign in_flit[(ID*PORTS+2)*FW+:FW] = {FW{1'b0}};
          assign credit_in[ID*4+2] = 1'b0;
        end
        if (c > 0) begin : g_west
          assign in_valid[ID*PORTS+3] = out_valid[(ID-1)*PORTS+1];
          assign in_flit[(ID*PORTS+3)*FW+:FW] = out_flit[((ID-1)*PORTS+1)*FW+:FW];
          assign credit_in[ID*4+3] = credit_out[(ID-1)*4+1];
        end else begin : g_west_edge
          assign in_valid[ID*PORTS+3] = 1'b0;
          assign in_flit[(ID*PORTS+3)*FW+:FW] = {FW{1'b0}};
          assign credit_in[ID*4+3] = 1'b0;
        end
        for (k = 0; k < LOCAL_PORTS; k = k + 1) begin : g_local
          assign in_valid[ID*PORTS+4+k] = inject_valid[ID*LOCAL_PORTS+k];
          assign in_flit[(ID*PORTS+4+k)*FW+:FW] = inject_flit[(ID*LOCAL_PORTS+k)*FW+:FW];
          assign eject_valid[ID*LOCAL_PORTS+k] = out_valid[ID*PORTS+4+k];
          assign eject_flit[(ID*LOCAL_PORTS+k)*FW+:FW] = out_flit[(ID*PORTS+4+k)*FW+:FW];
        end
        mesh_router #(
            .ROW(r),
            .COL(c),
            .LOCAL_PORTS(LOCAL_PORTS),
            .DEPTH(DEPTH),
            .ROUTER_LATENCY(ROUTER_LATENCY),
            .LINK_LATENCY(LINK_LATENCY),
            .FLIT_BITS(FLIT_BITS),
            .ROW_BITS(ROW_BITS),
            .COL_BITS(COL_BITS),
            .PORT_BITS(PORT_BITS)
        ) router (
            .clk(clk),
            .rst(rst),
            .in_valid(in_valid[ID*PORTS+:PORTS]),
            .in_flit(in_flit[ID*PORTS*FW+:PORTS*FW]),
            .in_ready(inject_ready[ID*LOCAL_PORTS+:LOCAL_PORTS]),
            .out_valid(out_valid[ID*PORTS+:PORTS]),
            .out_flit(out_flit[ID*PORTS*FW+:PORTS*FW]),
            .credit_out(credit_out[ID*4+:4]),
            .credit_in(credit_in[ID*4+:4])
        );
      end
    end
  endgenerate
endmodule
