#!/usr/bin/env python3
"""The area model cites the quantizer's synthesis: the defaults of
area.quant_lane_um2, area.se_lane_extra_um2 and
area.se_authors_lane_extra_um2 are the transistor counts of
docs/quantizer-rtl.md's cost table / 4 (NAND2 equivalents) x 0.798 um2;
energy.quant_se_extra_pj and energy.quant_se_authors_extra_pj are
energy.quant_op_pj in proportion to the extra transistors; and
quantizer.se_extra_latency and quantizer.se_authors_extra_latency are the
stages its gate levels need at the INT8 lane's levels per stage.

  check_area_cites_rtl.py REPO SSMSIM
"""
import math
import os
import re
import subprocess
import sys

NAND2_UM2 = 0.798  # NanGate 45 nm open cell library, NAND2_X1


def cost_table(doc):
    rows = {}
    for line in doc.splitlines():
        m = re.match(r"\|\s*(int8|se|se-authors)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|$",
                     line.strip())
        if m:
            rows[m.group(1)] = (int(m.group(3)), int(m.group(4)))  # transistors, levels
    assert set(rows) == {"int8", "se", "se-authors"}, f"cost table rows: {rows}"
    return rows


def defaults(ssmsim):
    text = subprocess.run([ssmsim, "run", "--help-arch"], capture_output=True, text=True,
                          check=True).stdout
    vals = {}
    for line in text.splitlines():
        m = re.match(r"\s+([a-z0-9_.]+)\s+(\S+)\s", line)
        if m:
            vals[m.group(1)] = m.group(2)
    return vals


def main(argv):
    repo, ssmsim = argv[1], argv[2]
    rows = cost_table(open(os.path.join(repo, "docs/quantizer-rtl.md")).read())
    d = defaults(ssmsim)
    t8, l8 = rows["int8"]
    want = {
        "area.quant_lane_um2": t8 / 4 * NAND2_UM2,
        "area.se_lane_extra_um2": (rows["se"][0] - t8) / 4 * NAND2_UM2,
        "area.se_authors_lane_extra_um2": (rows["se-authors"][0] - t8) / 4 * NAND2_UM2,
    }
    for key, um2 in want.items():
        got = float(d[key])
        assert abs(got - um2) < 0.001, f"{key} = {got}, the synthesis gives {um2:.3f}"
    # Energy per element in proportion to the lane's logic, to 4 decimals.
    base = float(d["energy.quant_op_pj"])
    for key, mode in (("energy.quant_se_extra_pj", "se"),
                      ("energy.quant_se_authors_extra_pj", "se-authors")):
        pj = base * (rows[mode][0] - t8) / t8
        assert abs(float(d[key]) - pj) < 5e-5, f"{key} = {d[key]}, the synthesis gives {pj:.4f}"
    depth = int(d["quantizer.pipeline_depth"])
    per_stage = math.ceil(l8 / depth)
    for key, mode in (("quantizer.se_extra_latency", "se"),
                      ("quantizer.se_authors_extra_latency", "se-authors")):
        extra = math.ceil(rows[mode][1] / per_stage) - depth
        assert int(d[key]) == extra, f"{key} = {d[key]}, the synthesis gives {extra}"
    print(f"ok: the quantizer's area and latency defaults follow the synthesis "
          f"({per_stage} gate levels per stage)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
