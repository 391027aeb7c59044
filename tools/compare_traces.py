#!/usr/bin/env python3
"""Compare two ssm-trace files tensor by tensor (needs numpy).

For each tensor of the reference: the largest difference in units of the
F16 spacing at the reference value (1 ULP = 2^(floor(log2|ref|) - 10), at
least 2^-24), the share of elements that differ at all, and the worst
relative error. Exit 1 if a tensor is missing, has another shape, or
differs by more than --max-ulp anywhere.

  compare_traces.py NEW.safetensors REFERENCE.safetensors [--max-ulp 4]
"""
import argparse
import json
import struct
import sys

import numpy as np

NP = {"F16": np.float16, "F32": np.float32, "I32": np.int32, "I8": np.int8}


def read(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        out[name] = np.frombuffer(data[b:end], dtype=NP[e["dtype"]]).reshape(e["shape"])
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("new")
    p.add_argument("reference")
    p.add_argument("--max-ulp", type=float, default=4.0)
    a = p.parse_args(argv)
    new, ref = read(a.new), read(a.reference)
    worst, ok = 0.0, True
    print(f"{'tensor':<28} {'shape':<16} {'max_ulp':>8} {'differ_%':>9} {'max_rel_err':>12}")
    for name, r in ref.items():
        if name not in new:
            print(f"{name:<28} missing in {a.new}")
            ok = False
            continue
        x = new[name]
        if x.shape != r.shape:
            print(f"{name:<28} shape {x.shape} != {r.shape}")
            ok = False
            continue
        if r.dtype.kind == "i":
            same = np.array_equal(x, r)
            print(f"{name:<28} {str(r.shape):<16} {'equal' if same else 'DIFFERENT':>8}")
            ok &= same
            continue
        r64, x64 = r.astype(np.float64), x.astype(np.float64)
        mag = np.maximum(np.abs(r64), 2.0 ** -14)
        ulp = np.exp2(np.floor(np.log2(mag)) - 10)
        d = np.abs(x64 - r64)
        max_ulp = float((d / ulp).max())
        rel = float((d / np.maximum(np.abs(r64), 1e-3)).max())
        print(f"{name:<28} {str(r.shape):<16} {max_ulp:8.2f} {100 * np.mean(d > 0):9.3f} {rel:12.3g}")
        worst = max(worst, max_ulp)
        ok &= max_ulp <= a.max_ulp
    print(f"worst: {worst:.2f} F16 ULP ({'within' if ok else 'BEYOND'} {a.max_ulp})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
