#!/usr/bin/env python3
"""Per-layer SQNR tables (markdown) from an ssmsim eval.json: one row per
layer and tensor, one column per quantized run (e.g. int8/per-tensor,
se/quamba2), the SQNR against the fp32 model in dB.

  eval_table.py OUT/eval.json [--tensors ssm.x,ssm.B,ssm.C,ssm.y,ssm.state]

Plain Python (no numpy).
"""
import argparse
import json
import sys


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("eval_json")
    p.add_argument("--tensors", default="ssm.x,ssm.x@quantizer,ssm.B,ssm.C,ssm.y,ssm.state",
                   help="comma list of tensors, in row order")
    a = p.parse_args(argv)
    try:
        with open(a.eval_json) as f:
            e = json.load(f)
    except (OSError, json.JSONDecodeError) as err:
        print(f"eval_table.py: {a.eval_json}: {err}", file=sys.stderr)
        return 1
    if e.get("command") != "eval" or "layers" not in e:
        print(f"eval_table.py: {a.eval_json}: not an ssmsim eval.json", file=sys.stderr)
        return 1
    runs = [q for q in e["quantizers"] if q != "fp32"]
    wanted = [t.strip() for t in a.tensors.split(",") if t.strip()]
    have = {l["tensor"] for l in e["layers"]}
    missing = [t for t in wanted if t not in have]
    if missing:
        print(f"eval_table.py: {a.eval_json}: no tensor {missing}; it has {sorted(have)}",
              file=sys.stderr)
        return 1
    print("| tensor | layer | " + " | ".join(runs) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in runs) + " |")
    for t in wanted:
        for l in (l for l in e["layers"] if l["tensor"] == t):
            cells = []
            for r in runs:
                v = l["quantizers"][r]["sqnr_db"]
                cells.append("inf" if v is None else f"{v:.2f}")
            print(f"| {t} | {l['layer']} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
