// The SSM-input quantizer stage: LANES lanes (quant_lane) behind a scale
// register, their outputs through DEPTH pipeline registers, so a vector
// presented with in_valid comes out DEPTH cycles later with out_valid.
// DEPTH 0 is combinational. The SystemC unit's quantizer.lanes and
// quantizer.pipeline_depth (+ se_extra_latency) are these two parameters.
module quant_stage #(
    parameter MODE = 1,
    parameter LANES = 4,
    parameter DEPTH = 3
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire                 scale_we,   // load the scale register
    input  wire [         31:0] scale_in,
    input  wire [         53:0] recip_in,    // floor(2^76 / the scale's significand)
    input  wire [         31:0] lim_hi_in,   // MODE 2: fl(15.75 s)
    input  wire [         31:0] lim_mid_in,  // MODE 2: fl(143 s)
    input  wire                 in_valid,
    input  wire [LANES*16-1:0]  x,
    output wire                 out_valid,
    output wire [ LANES*8-1:0]  code,
    output wire [   LANES-1:0]  flag,
    output wire [ LANES*2-1:0]  region,
    output wire [   LANES-1:0]  invalid
);
  // The scale register: s and what the driver derives from it once per
  // tensor (the codec derives the same in its constructor).
  reg [31:0] scale, lim_hi, lim_mid;
  reg [53:0] recip;
  always @(posedge clk) begin
    if (rst) begin
      scale <= 32'h3f800000;  // 1.0
      recip <= 54'h20000000000000;  // 2^53 = 2^76 / 2^23
      lim_hi <= 32'h417c0000;  // 15.75
      lim_mid <= 32'h430f0000;  // 143
    end else if (scale_we) begin
      scale <= scale_in;
      recip <= recip_in;
      lim_hi <= lim_hi_in;
      lim_mid <= lim_mid_in;
    end
  end

  localparam W = LANES * 12 + 1;  // code, flag, region, invalid per lane; valid
  wire [W-1:0] comb;
  assign comb[0] = in_valid;
  genvar l;
  generate
    for (l = 0; l < LANES; l = l + 1) begin : lane
      wire [7:0] c;
      wire f, inv;
      wire [1:0] r;
      quant_lane #(.MODE(MODE)) u (
          .x(x[l*16+:16]),
          .scale(scale),
          .recip(recip),
          .lim_hi(lim_hi),
          .lim_mid(lim_mid),
          .code(c),
          .flag(f),
          .region(r),
          .invalid(inv)
      );
      assign comb[1+l*12+:12] = {inv, r, f, c};
    end
  endgenerate

  wire [W-1:0] out;
  generate
    if (DEPTH == 0) begin : comb_out
      assign out = comb;
    end else begin : piped
      reg [W-1:0] stage[DEPTH];
      integer s;
      always @(posedge clk) begin
        stage[0] <= rst ? {W{1'b0}} : comb;
        for (s = 1; s < DEPTH; s = s + 1) stage[s] <= rst ? {W{1'b0}} : stage[s-1];
      end
      assign out = stage[DEPTH-1];
    end
  endgenerate

  assign out_valid = out[0];
  generate
    for (l = 0; l < LANES; l = l + 1) begin : unpack
      assign code[l*8+:8] = out[1+l*12+:8];
      assign flag[l] = out[1+l*12+8];
      assign region[l*2+:2] = out[1+l*12+9+:2];
      assign invalid[l] = out[1+l*12+11];
    end
  endgenerate
endmodule
