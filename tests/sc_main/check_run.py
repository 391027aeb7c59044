#!/usr/bin/env python3
"""Checks relations between ssmsim run.json files (CTest helper).

  check_run.py clock A.json B.json RATIO   same cycles, latency_ns(A) = RATIO * latency_ns(B)
  check_run.py bound A.json                latency_ns >= weight bytes / DRAM bandwidth
  check_run.py diff A.json B.json PATH N   B[PATH] - A[PATH] == N (PATH like units.quant.busy_cycles)
  check_run.py eval E.json BOUND           every quantizer's |cross-entropy - fp32's| <= BOUND nats,
                                           and se's SSM-input SQNR above int8's in every layer
"""
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def get(doc, path):
    for key in path.split("."):
        doc = doc[key]
    return doc


def main(argv):
    mode = argv[1]
    if mode == "clock":
        a, b, ratio = load(argv[2]), load(argv[3]), float(argv[4])
        ca, cb = a["total"]["cycles"], b["total"]["cycles"]
        la, lb = a["total"]["latency_ns"], b["total"]["latency_ns"]
        assert ca == cb, f"cycles differ: {ca} vs {cb}"
        assert abs(la - ratio * lb) <= 1e-9 * la, f"latency {la} != {ratio} x {lb}"
        print(f"ok: {ca} cycles both; {la} ns = {ratio} x {lb} ns")
    elif mode == "bound":
        a = load(argv[2])
        lat, bound = a["total"]["latency_ns"], a["total"]["weight_dram_bound_ns"]
        assert lat >= bound, f"latency {lat} ns < weight bound {bound} ns"
        print(f"ok: {lat} ns >= {bound} ns")
    elif mode == "diff":
        a, b, path, n = load(argv[2]), load(argv[3]), argv[4], int(argv[5])
        d = get(b, path) - get(a, path)
        assert d == n, f"{path}: {get(b, path)} - {get(a, path)} = {d}, expected {n}"
        print(f"ok: {path} differs by {d}")
    elif mode == "eval":
        e, bound = load(argv[2]), float(argv[3])
        q = e["quantizers"]
        base = q["fp32"]["cross_entropy_nats"]
        for name, r in q.items():
            d = abs(r["cross_entropy_nats"] - base)
            assert d <= bound, f"{name}: |delta CE| = {d} > {bound} nats"
        for layer in e["layers"]:
            if layer["tensor"] != "ssm.u":
                continue
            lq = layer["quantizers"]
            assert lq["se"]["sqnr_db"] > lq["int8"]["sqnr_db"], f"layer {layer['layer']}: se <= int8"
        print(f"ok: |delta CE| <= {bound} nats for {', '.join(q)}; se > int8 in every layer")
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv)
