// One lane of the SSM-input quantizer stage: an FP16 element to its code,
// combinationally, bit for bit as the C++ codec (numeric/quantizer.hpp)
// computes it. MODE 0: Quamba INT8, q = clamp(roundf(x / s), -128, 127);
// MODE 1: Quamba-SE `se`, the 8-bit word plus the SE flag; MODE 2: the
// authors' 9-bit grid `se-authors` (../shared/spec/quantizers.md). The
// codec divides in fp32, so the lane computes r = |x| / s rounded to
// nearest even (exactly, by the scale's reciprocal: fp_quotient.v), then
// exact fixed-point roundings of r, 4r and (r - 127) / 4.
//
// Inputs: x, FP16 bits; the scale register, which the driver writes once
// per tensor: scale, the FP32 bits of a normal s > 0; recip,
// floor(2^76 / ms) of its significand ms; for MODE 2 also lim_hi and
// lim_mid, the FP32 bits of fl(15.75 s) and fl(143 s) as the codec rounds
// them. Outputs: code (INT8, or the word's byte), flag (the SE flag; 0 in
// MODE 0), region (0 normal, 1 small, 2 large, 3 saturated: the clamp
// acted; MODE 0: 3 when the clamp acted), invalid (x is NaN: the simulator
// rejects NaN at trace load, so no code is defined; +-Inf takes the
// saturated code, as the C++ codec gives it).
//
// The MODE 2 word: flag 0, {sign, q - 16} for |x| in (15.75 s, 143 s],
// q = clamp(roundf(|x| / s), 16, 143); flag 1, {sign, 0, m} for |x| <=
// 15.75 s, m = min(roundf(4 |x| / s), 63); flag 1, {sign, 1, k} beyond,
// k = clamp(roundf(fl(|x| - fl(143 s)) / 4s), 0, 63).
module quant_lane #(
    parameter MODE = 1,
    parameter SMALL_SHIFT = 2,  // small step s / 2^SMALL_SHIFT
    parameter LARGE_SHIFT = 2,  // large step s * 2^LARGE_SHIFT
    parameter PAYLOAD_BITS = 6  // bits 5..0 of a flagged word
) (
    input  wire [15:0] x,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [31:0] scale,    // bit 31 (the sign) is 0: s > 0
    input  wire [53:0] recip,    // floor(2^76 / ms)
    input  wire [31:0] lim_hi,   // MODE 2: fl(15.75 s)
    input  wire [31:0] lim_mid,  // MODE 2: fl(143 s)
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
  wire signed [9:0] es_e = $signed({2'd0, scale[30:23]}) - 10'sd150;

  // r = |x| / s = sig * 2^e_lsb, through the scale's reciprocal.
  wire [23:0] sig;
  wire [ 2:0] lsb;
  fp_quotient #(.NW(11)) div_x (
      .num(mx),
      .recip(recip),
      .sig(sig),
      .lsb(lsb)
  );
  wire signed [10:0] e_lsb = {ex_e[9], ex_e} - {es_e[9], es_e} - 11'sd40 + $signed({8'd0, lsb});

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

  // MODE 2. |x| as FP32 bits (exact), compared with the limits as
  // unsigned integers, as positive FP32 values order.
  wire [ 7:0] ax_exp = 8'(ex_e + 10'sd137);
  wire [31:0] ax = is_zero ? 32'd0 : {1'b0, ax_exp, mx[9:0], 13'd0};
  wire        in_hi = !is_inf && (ax <= lim_hi);
  wire        in_mid = !is_inf && (ax <= lim_mid);
  // d = fl(|x| - fl(143 s)), needed where |x| > fl(143 s). Past an
  // exponent difference of 2, |x| > 4 fl(143 s) and d / 4s > 107: the code
  // saturates, whatever d's low bits. Within it the difference is exact in
  // 26 bits: |x| with its leading one at bit 25, the limit shifted right
  // by 0..2; then rounded to 24 bits, nearest even.
  wire [23:0] mt = {1'b1, lim_mid[22:0]};
  wire signed [9:0] dex = ex_e + 10'sd137 - $signed({2'd0, lim_mid[30:23]});
  wire        dfar = dex > 10'sd2;
  wire [ 1:0] dsh = (dex < 0) ? 2'd0 : 2'(dex);
  wire [25:0] d26 = {mx, 15'd0} - ({mt, 2'd0} >> dsh);
  reg  [ 4:0] dlead;  // d26's leading one
  integer j;
  always @* begin
    dlead = 5'd0;
    for (j = 0; j < 26; j = j + 1) if (d26[j]) dlead = 5'(j);
  end
  wire [25:0] dn = d26 << (5'd25 - dlead);
  wire [23:0] dsig0 = dn[25:2];
  wire        dup = dn[1] && (dn[0] || dsig0[0]);
  wire [24:0] dsig1 = {1'b0, dsig0} + {24'd0, dup};
  wire [23:0] dsig = dsig1[24] ? 24'h800000 : dsig1[23:0];
  // d = dsig * 2^(ex_e - 15 + dlead - 23 + carry).
  wire signed [10:0] e_d = {ex_e[9], ex_e} - 11'sd38 + $signed({6'd0, dlead}) +
                           (dsig1[24] ? 11'sd1 : 11'sd0);
  // fl(d / 4s) = fl(d / s) / 4 = lsig * 2^e_k, the second quotient.
  wire [23:0] lsig;
  wire [ 2:0] llsb;
  fp_quotient #(.NW(24)) div_d (
      .num(dsig),
      .recip(recip),
      .sig(lsig),
      .lsb(llsb)
  );
  wire signed [10:0] e_k = e_d - {es_e[9], es_e} - 11'sd29 + $signed({8'd0, llsb});
  wire        khuge = e_k > -11'sd4;
  wire signed [10:0] ksh = e_k + 11'sd26;
  wire [45:0] kfix = (ksh < 0 || khuge) ? 46'd0 : ({22'd0, lsig} << ksh[5:0]);
  wire [45:0] kraw = (kfix + (46'd1 << (F - 1))) >> F;
  wire        ksat = is_inf || dfar || khuge || (kraw > 46'd63);
  wire [ 5:0] kcode = ksat ? 6'd63 : kraw[5:0];
  wire [ 5:0] hcode = (m > 46'd63) ? 6'd63 : m[5:0];
  wire [ 7:0] qa = (q < 46'd16) ? 8'd16 : ((q > 46'd143) ? 8'd143 : q[7:0]);

  always @* begin
    code = 8'd0;
    flag = 1'b0;
    region = 2'd0;
    if (MODE == 0) begin
      code = qint;
      region = clip ? 2'd3 : 2'd0;
    end else if (MODE == 2) begin
      if (in_hi) begin
        flag = 1'b1;
        region = 2'd1;
        code = {sign, 1'b0, hcode};
      end else if (in_mid) begin
        code = {sign, 7'(qa - 8'd16)};
      end else begin
        flag = 1'b1;
        region = ksat ? 2'd3 : 2'd2;
        code = {sign, 1'b1, kcode};
      end
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
