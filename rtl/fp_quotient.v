// The FP32 quotient of a normalised significand by the scale's, rounded to
// nearest even as an FP32 division rounds it, by one multiplication by
// the scale's reciprocal instead of a divider.
//
// Q = num * 2^(51-NW) / ms lies in (2^26, 2^28). With R = floor(2^76 / ms)
// (the register the driver writes beside the scale), P = num * R gives
// Q' = P / 2^(25+NW) with Q - 2^-25 < Q' <= Q. A true remainder is at
// least 1/ms > 2^-24, so where Q is not an integer floor(Q') = floor(Q)
// and Q' has a fraction, as Q has. Where Q is an integer, ms's odd part
// divides num, so Q is a multiple of 2^5 (2^18 for NW = 11) unless ms is
// a power of two, when R and Q' are exact. Q' may then fall just short:
// floor(Q) - 1 with guard and sticky set, which rounds up to Q's
// significand. No tie is possible either way. Exact, and no divider.
module fp_quotient #(
    parameter NW = 24  // numerator bits; num[NW-1] = 1
) (
    input  wire [NW-1:0] num,
    input  wire [  53:0] recip,  // floor(2^76 / ms), ms in [2^23, 2^24)
    output wire [  23:0] sig,    // the rounded quotient's significand, sig[23] = 1
    output wire [   2:0] lsb     // Q ~ sig * 2^lsb: 3, 4 or 5
);
  wire [NW+53:0] p = {54'd0, num} * {{NW{1'b0}}, recip};
  /* verilator lint_off UNUSEDSIGNAL */
  wire [   28:0] fl = p[NW+53:NW+25];  // below 2^28: bit 28 is 0
  /* verilator lint_on UNUSEDSIGNAL */
  wire [   27:0] qt = fl[27:0];
  wire           inexact = p[NW+24:0] != {(NW + 25) {1'b0}};

  wire           top = qt[27];
  wire [   23:0] sig0 = top ? qt[27:4] : qt[26:3];
  wire           guard = top ? qt[3] : qt[2];
  wire           sticky = (top ? (qt[2:0] != 3'd0) : (qt[1:0] != 2'd0)) || inexact;
  wire           up = guard && (sticky || sig0[0]);
  wire [   24:0] sig1 = {1'b0, sig0} + {24'd0, up};
  wire           carry = sig1[24];
  assign sig = carry ? 24'h800000 : sig1[23:0];
  assign lsb = (top ? 3'd4 : 3'd3) + {2'd0, carry};
endmodule
