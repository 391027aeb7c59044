// One lane of the SSM-input quantizer stage: an FP16 element to its code,
// combinationally, bit for bit as the C++ codec (numeric/quantizer.hpp)
// computes it. MODE 0: Quamba INT8, q = clamp(roundf(x / s), -128, 127);
// MODE 1: Quamba-SE `se`, the 8-bit word plus the SE flag
// (../shared/spec/quantizers.md). The C++ codec divides in fp32, so the
// lane does too: r = |x| / s rounded to nearest even, then exact
// fixed-point roundings of r, 4r and (r - 127) / 4.
//
// Inputs: x, FP16 bits; scale, the FP32 bits of a normal s > 0 (the stage
// holds it in a register). Outputs: code (INT8, or the SE word's byte),
// flag (the SE flag; 0 in MODE 0), region (0 normal, 1 small, 2 large,
// 3 saturated: the clamp acted; MODE 0: 3 when the clamp acted), invalid
// (x is NaN: the simulator rejects NaN at trace load, so no code is
// defined; +-Inf takes the saturated code, as the C++ codec gives it).
module quant_lane #(
    parameter MODE = 1,
    parameter SMALL_SHIFT = 2,  // small step s / 2^SMALL_SHIFT
    parameter LARGE_SHIFT = 2,  // large step s * 2^LARGE_SHIFT
    parameter PAYLOAD_BITS = 6  // bits 5..0 of a flagged word
) (
    input  wire [15:0] x,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [31:0] scale,  // bit 31 (the sign) is 0: s > 0
    /* verilator lint_on UNUSEDSIGNAL */
    output reg  [ 7:0] code,
    output reg         flag,
    output reg  [ 1:0] region,
    output wire        invalid
);
  // |x| = mx * 2^ex_e with mx normalised to [2^10, 2^11) (subnormals shifted up).
  wire        sign = x[15];
  wire [ 4:0] ex = x[14:10];
  wire [ 9:0] fx = x[9:0];
  wire        is_inf = (ex == 5'd31) && (fx == 10'd0);
  assign invalid = (ex == 5'd31) && (fx != 10'd0);
  wire        is_zero = (ex == 5'd0) && (fx == 10'd0);

  // Leading-one position of a subnormal's fraction: shift it to bit 10.
  reg  [ 3:0] lz;  // 1..10
  integer i;
  always @* begin
    lz = 4'd10;
    for (i = 0; i < 10; i = i + 1) if (fx[i]) lz = 4'(10 - i);
  end
  wire [10:0] mx = (ex == 5'd0) ? ({1'b0, fx} << lz) : {1'b1, fx};
  // Exponent of mx's LSB: normal ex - 25, subnormal -24 - lz.
  wire signed [9:0] ex_e = (ex == 5'd0) ? (-10'sd24 - $signed({6'd0, lz})) :
                                          ($signed({5'd0, ex}) - 10'sd25);

  // s = ms * 2^es_e, ms in [2^23, 2^24).
  wire [23:0] ms = {1'b1, scale[22:0]};
  wire signed [9:0] es_e = $signed({2'd0, scale[30:23]}) - 10'sd150;

  // Quotient of mx * 2^40 by ms: 27 or 28 bits, and the remainder.
  wire [50:0] num = {mx, 40'd0};
  wire [27:0] qt = 28'(num / {27'd0, ms});
  wire [23:0] rm = 24'(num % {27'd0, ms});
  wire        top = qt[27];
  wire [23:0] sig0 = top ? qt[27:4] : qt[26:3];
  wire        guard = top ? qt[3] : qt[2];
  wire        sticky = (top ? (qt[2:0] != 3'd0) : (qt[1:0] != 2'd0)) || (rm != 24'd0);
  // Round to nearest, ties to even (the fp32 division's rounding).
  wire        up = guard && (sticky || sig0[0]);
  wire [24:0] sig1 = {1'b0, sig0} + {24'd0, up};
  wire        carry = sig1[24];
  wire [23:0] sig = carry ? 24'h800000 : sig1[23:0];
  // r = sig * 2^e_lsb.
  wire signed [10:0] e_lsb = {ex_e[9], ex_e} - {es_e[9], es_e} - 11'sd40 +
                             (top ? 11'sd4 : 11'sd3) + (carry ? 11'sd1 : 11'sd0);

  // r in fixed point with F = 26 fractional bits, below 2^20 (beyond it
  // every code saturates). Below 2^-3 (e_lsb < -26) 4r rounds to 0.
  localparam F = 26;
  wire        huge = is_inf || (e_lsb > -11'sd4);
  wire signed [10:0] sh = e_lsb + 11'sd26;
  wire [45:0] rfix = (is_zero || sh < 0 || huge) ? 46'd0 : ({22'd0, sig} << sh[5:0]);

  // roundf of r * 2^SMALL_SHIFT, of r, and of (r - 127) / 2^LARGE_SHIFT
  // (half away from zero: all are >= 0 here).
  wire [45:0] m = (rfix + (46'd1 << (F - SMALL_SHIFT - 1))) >> (F - SMALL_SHIFT);
  wire [45:0] q = (rfix + (46'd1 << (F - 1))) >> F;
  localparam [45:0] LARGE_AT = (46'd127 << F) + (46'd1 << (F + LARGE_SHIFT - 1));
  wire        above = huge || (rfix > LARGE_AT);
  wire [45:0] raw = (rfix + (46'd1 << (F + LARGE_SHIFT - 1)) - (46'd127 << F)) >> (F + LARGE_SHIFT);
  localparam [45:0] SMALL_MAX = (46'd1 << PAYLOAD_BITS) - 46'd1;
  localparam [45:0] LARGE_MAX_K = 46'd1 << PAYLOAD_BITS;

  // INT8: clamp to [-128, 127].
  wire        clip = huge || (sign ? (q > 46'd128) : (q > 46'd127));
  wire [ 7:0] qmag = clip ? (sign ? 8'd128 : 8'd127) : q[7:0];
  wire [ 7:0] qint = (sign && !is_zero) ? (8'd0 - qmag) : qmag;

  always @* begin
    code = 8'd0;
    flag = 1'b0;
    region = 2'd0;
    if (MODE == 0) begin
      code = qint;
      region = clip ? 2'd3 : 2'd0;
    end else if (!huge && m <= SMALL_MAX) begin
      flag = 1'b1;
      region = 2'd1;
      code = {sign, 7'(m)};
    end else if (above) begin
      flag = 1'b1;
      if (huge || raw > LARGE_MAX_K) begin
        region = 2'd3;
        code = {sign, 1'b1, 6'(LARGE_MAX_K - 46'd1)};
      end else begin
        region = 2'd2;
        code = {sign, 1'b1, 6'((raw < 46'd1 ? 46'd1 : raw) - 46'd1)};
      end
    end else begin
      code = qint;
    end
  end
endmodule
