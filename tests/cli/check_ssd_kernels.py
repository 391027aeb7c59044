#!/usr/bin/env python3
"""The SSD kernels of a Mamba-2 run, as the units counted them, against
their closed forms (docs/ssd.md):

  check_ssd_kernels.py SSMSIM MODELS_DIR OUT_DIR

For a few presets, chunks, tiles (whole and partial), batches and quantizer
modes it runs `ssmsim run --workload` and checks each SSD kernel's row of
run.json's `kernels`: ops, arith_ops (MACs on the GEMM unit, element
operations on the vector unit, state updates on the scan unit) and the
bytes it read and wrote (DRAM + SRAM), summed over layers and tiles, equal
the formulas written here from the model's shape.
"""
import json
import math
import os
import subprocess
import sys


def run(exe, out, model, prefill, decode, batch, tile, chunk, quantizer):
    cmd = [exe, "run", "--workload", model, "--arch", "edge", "--out", out, "--force",
           "--set", f"workload.prefill_tokens={prefill}",
           "--set", f"workload.decode_tokens={decode}",
           "--set", f"workload.batch={batch}",
           "--set", f"controller.tile_tokens={tile}",
           "--set", f"mapping.ssd_chunk_tokens={chunk}",
           "--set", f"quantizer.mode={quantizer}"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return json.load(open(os.path.join(out, "run.json")))


def expected(m, prefill, decode, b, tile, chunk, se):
    """{(kernel, phase): (ops, arith_ops, bytes)} of the SSD kernels."""
    dm, L = m["d_model"], m["n_layer"]
    N, P, G = m.get("d_state", 128), m.get("head_dim", 64), m.get("n_groups", 1)
    D = m.get("expand", 2) * dm
    H = D // P
    Q0 = chunk or m.get("chunk_size", 256)
    out = {}

    def add(key, ops, work, nbytes):
        o, w, n = out.get(key, (0, 0, 0))
        out[key] = (o + ops * L, w + work * L, n + nbytes * L)

    def xbytes(rows):
        return rows * D + ((rows * D + 7) // 8 if se else 0)

    first = 0
    while first < prefill:
        T = min(tile, prefill - first)
        first += T
        R = b * T
        Q = min(Q0, T)
        c = math.ceil(T / Q)
        bc = R * G * N  # B or C, INT8
        scores = b * G * c * Q * Q * 2
        states = b * c * D * N * 4
        dA = R * H * 4
        ssd_a = b * c * Q * (H * (Q + N) + D)
        add(("bmm_chunk", "prefill"), 1, b * G * c * Q * Q * N, 2 * bc + scores)
        add(("ssd_decay", "prefill"), 1, 2 * ssd_a, scores + dA + bc + xbytes(R) + 2 * ssd_a)
        add(("chunk_state", "prefill"), 1, b * H * c * P * Q * N, b * c * Q * D * 2 + bc + states)
        add(("state_passing", "prefill"), 1, c * b * D * N, states + dA + states)
        add(("chunk_scan", "prefill"), 1, b * H * c * Q * (Q + N) * P,
            b * H * c * Q * (Q + N) * 2 + states + xbytes(R) + R * D * 2)
        add(("ssm_in_quant", "prefill"), 1, R * D, R * D * 2 + xbytes(R))
    for _ in range(decode):
        R = b
        add(("ssd_step", "decode"), 1, b * D * N,
            R * H * 8 + xbytes(R) + R * 2 * G * N + 2 * b * D * N + R * D * 2)
        add(("ssm_in_quant", "decode"), 1, R * D, R * D * 2 + xbytes(R))
    return out


def main(argv):
    exe, models, work = argv[1:4]
    cases = [
        # model, prefill, decode, batch, tile, chunk, quantizer
        ("mamba2-130m", 300, 3, 2, 128, 64, "se"),  # tiles 128, 128, 44
        ("mamba2-130m", 512, 0, 1, 512, 0, "int8"),  # the model's chunk 256
        ("mamba2-bytes-a", 200, 2, 3, 64, 16, "se-authors"),
        ("mamba-codestral-7b", 256, 1, 1, 256, 128, "se"),
    ]
    checked = 0
    for i, (model, prefill, decode, b, tile, chunk, quantizer) in enumerate(cases):
        m = json.load(open(os.path.join(models, model + ".json")))
        r = run(exe, os.path.join(work, f"ssd{i}"), model, prefill, decode, b, tile, chunk,
                quantizer)
        rows = {(k["kernel"], k["phase"]): k for k in r["kernels"]}
        want = expected(m, prefill, decode, b, tile, chunk, quantizer != "int8")
        for key, (ops, work_, nbytes) in want.items():
            assert key in rows, f"{model}: no {key} in run.json kernels: {sorted(rows)}"
            k = rows[key]
            got = (k["ops"], k["arith_ops"],
                   k["dram_read_bytes"] + k["dram_write_bytes"] + k["sram_read_bytes"] +
                   k["sram_write_bytes"])
            assert got == (ops, work_, nbytes), \
                f"{model} case {i} {key}: (ops, arith_ops, bytes) = {got}, closed form {(ops, work_, nbytes)}"
            checked += 1
        # A GEMM's MACs in gemm_ops add up to its kernel row.
        for g in ("bmm_chunk", "chunk_state", "chunk_scan"):
            macs = sum(o["count"] * o["M"] * o["N"] * o["K"] for o in r["gemm_ops"] if o["name"] == g)
            assert macs == rows[(g, "prefill")]["arith_ops"], f"{model} {g}: gemm_ops {macs}"
            assert all(o["operands"] == ("int8" if g == "bmm_chunk" else "fp16")
                       for o in r["gemm_ops"] if o["name"] == g), g
    print(f"ok: {checked} SSD kernel rows equal their closed forms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
