#!/usr/bin/env python3
"""Randomized and metamorphic timing tests (CTest helper); runs ssmsim itself.

  check_random_configs.py random SSMSIM WORK SEED COUNT
      COUNT seeded configurations drawn across every architecture key's valid
      range x every workload preset x prefill/decode/batch: each run exits 0
      (or fails with the clear error of a mapping that cannot fit), and its
      run.json has no NaN, no negative time or count, and per-phase cycles
      that add up to the total.
  check_random_configs.py resources SSMSIM WORK SEED COUNT
      COUNT seeded comparisons (issue 36): a base run over a Mamba-1, Mamba-2
      or hybrid preset on an architecture preset, and the same with one more
      resource (SRAM, array rows or columns, prefetch depth, bandwidth,
      clock: never slower) or more work (a prefill or decode token, a
      sequence: never faster), within RESOURCE_TOLERANCE.
  check_random_configs.py metamorphic SSMSIM WORK SEED COUNT
      COUNT seeded base configurations, each with its variants: more DRAM
      bandwidth or a faster clock never slower; more lanes or a larger array
      never slower by more than RESOURCE_TOLERANCE (see there); more prefill or
      decode tokens or a bigger batch never faster; the clock and the DRAM
      (bandwidth up, latency down by the same factor) scaled together scale
      the latency exactly.

Every key listed by `ssmsim run --help-arch` must have a range here, so a new
key cannot escape the randomized test.
"""
import concurrent.futures
import json
import math
import os
import random
import re
import subprocess
import sys

PRESETS = ["mamba-bytes-a", "mamba-130m", "mamba-370m", "mamba-790m", "mamba-1.4b", "mamba-2.8b"]

# key -> sampler(rng). Ranges are the key table's valid ranges (log-uniform
# where they span decades); a few upper ends are cut where the run would take
# minutes without exercising anything new (noted).
def log_int(lo, hi):
    return lambda r: int(round(math.exp(r.uniform(math.log(lo), math.log(hi)))))


def log_real(lo, hi):
    return lambda r: float(f"{math.exp(r.uniform(math.log(lo), math.log(hi))):.6g}")


def pick(*values):
    return lambda r: r.choice(values)


KEYS = {
    "clock_mhz": log_real(1, 10000),
    "precision": pick("w8a8", "fp16"),
    "gemm.rows": log_int(1, 4096),
    "gemm.cols": log_int(2, 4096),  # 1 column: one DRAM transaction per weight column (slow)
    "gemm.dataflow": pick("os", "ws"),
    "gemm.epilogue_cycles": log_int(1, 1000),
    "gemm.fp16_rate": log_real(0.01, 1),
    "gemm.prefetch_strips": log_int(1, 1024),
    "gemm.gemv": pick("auto", "off"),
    "quantizer.lanes": log_int(1, 65536),
    "quantizer.pipeline_depth": log_int(1, 1000),
    "quantizer.se_extra_latency": log_int(1, 1000),
    "quantizer.se_authors_extra_latency": log_int(1, 1000),
    "quantizer.mode": pick("int8", "se", "se-authors"),
    "quantizer.multicycle": pick(True, False),
    "quantizer.rtl": pick(False, True),
    "quantizer.multicycle_extra_cycles": log_int(1, 1000),
    "quantizer.multicycle_regions": pick("flagged", "large"),
    "quantizer.se_small_shift": lambda r: r.randint(0, 8),
    "quantizer.se_large_shift": lambda r: r.randint(0, 8),
    "quantizer.se_payload_bits": lambda r: r.randint(1, 6),
    "scan.lanes": log_int(1, 1 << 20),
    "scan.softplus_latency": log_int(1, 1000),
    "scan.exp_latency": log_int(1, 1000),
    "scan.recurrence_latency": log_int(1, 1000),
    "scan.pipeline_depth": log_int(1, 1000),
    "hadamard.lanes": log_int(1, 65536),
    "hadamard.pipeline_depth": log_int(1, 1000),
    "hadamard.size": pick(0),  # model-dependent divisors: 0 (= d_inner) is valid for all
    "vector.lanes": log_int(1, 65536),
    "vector.pipeline_depth": log_int(1, 1000),
    # DRAMSys (dram.model = dramsys) simulates every 64-byte transaction:
    # too slow for 400 random runs; its own tests cover it (tests/hw,
    # tests/sim, cli.run_dramsys). The analytic model ignores the next two.
    "dram.model": pick("analytic"),
    "dram.standard": pick("lpddr4", "hbm2", "ddr4"),
    "dram.channels": pick(1, 2, 4, 8, 16, 32, 64),
    "dram.read_efficiency": log_real(0.01, 1),
    "dram.write_efficiency": log_real(0.01, 1),
    "dram.bandwidth_gbps": log_real(0.001, 1e6),
    "dram.latency_ns": log_real(0.001, 1e6),
    "dram.burst_bytes": log_int(1, 1 << 20),
    "sram.bytes": log_int(1024, 1 << 40),
    "sram.ports": log_int(1, 1024),
    "sram.port_bytes": log_int(1, 1 << 16),
    "sram.latency_cycles": log_int(1, 1000),
    "controller.tile_tokens": log_int(1, 1 << 20),
    "controller.activation_slots": log_int(1, 64),
    "mapping.weights": pick("auto", "stream", "auto", "resident"),
    "mapping.lm_head": pick("auto", "last", "all"),
    "mapping.ssd_chunk_tokens": log_int(1, 1 << 16),
    "energy.mac_int8_pj": log_real(0.001, 1e6),
    "energy.mac_fp16_pj": log_real(0.001, 1e6),
    "energy.sram_byte_pj": log_real(0.001, 1e6),
    "energy.dram_byte_pj": log_real(0.001, 1e6),
    "energy.dram_channel_mw": log_real(0.001, 1e6),
    "energy.quant_op_pj": log_real(0.001, 1e6),
    "energy.vector_op_pj": log_real(0.001, 1e6),
    "energy.scan_update_pj": log_real(0.001, 1e6),
    "energy.hadamard_op_pj": log_real(0.001, 1e6),
    "energy.static_mw": log_real(0.001, 1e9),
    "energy.leakage_mw_per_mm2": log_real(0.001, 1e6),
    "energy.sram_size_exponent": log_real(0.001, 2),
    "energy.quant_se_extra_pj": log_real(0.001, 1e6),
    "energy.quant_se_authors_extra_pj": log_real(0.001, 1e6),
    "area.tech_nm": log_real(3, 250),
    "area.int8_mac_um2": log_real(0.001, 1e9),
    "area.fp16_mac_um2": log_real(0.001, 1e9),
    "area.quant_lane_um2": log_real(0.001, 1e9),
    "area.se_lane_extra_um2": log_real(0.001, 1e9),
    "area.se_authors_lane_extra_um2": log_real(0.001, 1e9),
    "area.scan_lane_um2": log_real(0.001, 1e9),
    "area.hadamard_lane_um2": log_real(0.001, 1e9),
    "area.vector_lane_um2": log_real(0.001, 1e9),
    "area.sram_mm2_per_mib": log_real(0.001, 1e6),
}
NOT_SAMPLED = {"version", "name"}
# Errors a valid configuration may still end in, with their clear message.
EXPECTED_ERRORS = [r"mapping\.weights = resident: the weights \(\d+ bytes\) do not fit",
                   r"simulated time would pass",
                   # trace runs: the RTL lane has int8 and se at the default code only
                   r"quantizer\.rtl = true: (the RTL|this build has no RTL)"]


def arch_keys(exe):
    out = subprocess.run([exe, "run", "--help-arch"], capture_output=True, text=True).stdout
    return [m.group(1) for m in re.finditer(r"^  ([a-z_0-9.]+)\s", out, re.M)]


def workload(r):
    preset = r.choice(PRESETS)
    big = preset in ("mamba-1.4b", "mamba-2.8b")
    prefill = r.choice([0, 1, r.randint(2, 96 if big else 300)])
    decode = r.choice([0, 1, r.randint(2, 3 if big else 6)])
    if prefill == 0 and decode == 0:
        decode = 1
    batch = r.choice([1, 1, r.randint(2, 4 if big else 12)])
    return preset, {"workload.prefill_tokens": prefill, "workload.decode_tokens": decode,
                    "workload.batch": batch}


def run(exe, out, preset, sets, arch=None, timeout=120):
    cmd = [exe, "run", "--workload", preset, "--out", out, "--force"]
    if arch:
        cmd += ["--arch", arch]
    for k, v in sets.items():
        v = json.dumps(v) if isinstance(v, bool) else v
        cmd += ["--set", f"{k}={v}"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return cmd, None, f"timed out after {timeout} s"
    return cmd, p, None


def walk(doc, path=""):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from walk(v, f"{path}.{k}" if path else k)
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from walk(v, f"{path}[{i}]")
    else:
        yield path, doc


def check_result(out):
    with open(os.path.join(out, "run.json")) as f:
        r = json.load(f)  # Python reads NaN and Infinity: they are checked below
    for path, v in walk(r):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        assert math.isfinite(v), f"{path} = {v}"
        assert v >= 0, f"{path} = {v} < 0"
    t = r["total"]
    assert t["cycles"] > 0, "zero cycles"
    ph = r["phases"] or {}
    assert sum(p["cycles"] for p in ph.values()) == t["cycles"], ph
    return r


def mode_random(exe, work, seed, count):
    keys = arch_keys(exe)
    missing = [k for k in keys if k not in KEYS and k not in NOT_SAMPLED]
    assert not missing, f"keys without a range in this test: {missing}"
    rng = random.Random(seed)
    cases = []
    for i in range(count):
        preset, sets = workload(rng)
        for k in rng.sample(sorted(KEYS), rng.randint(1, 12)):
            sets[k] = KEYS[k](rng)
        cases.append((i, preset, sets))

    def one(case):
        i, preset, sets = case
        out = os.path.join(work, f"r{i % 8}-{i}")
        cmd, p, err = run(exe, out, preset, sets)
        if err:
            return f"case {i}: {err}: {' '.join(cmd)}"
        if p.returncode != 0 and any(re.search(e, p.stderr) for e in EXPECTED_ERRORS):
            return None
        if p.returncode != 0:
            return f"case {i}: exit {p.returncode}: {p.stderr.strip()[-400:]}\n  {' '.join(cmd)}"
        try:
            check_result(out)
        except (AssertionError, KeyError, ValueError, OSError) as e:
            return f"case {i}: {type(e).__name__} {e}\n  {' '.join(cmd)}"
        finally:
            for f in os.listdir(out):
                os.remove(os.path.join(out, f))
            os.rmdir(out)
        return None

    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        failures = [f for f in pool.map(one, cases) if f]
    for f in failures:
        print(f)
    assert not failures, f"{len(failures)} of {count} configurations failed"
    print(f"ok: {count} random configurations (seed {seed}) ran clean")


def latency(exe, out, preset, sets):
    cmd, p, err = run(exe, out, preset, sets)
    assert err is None and p.returncode == 0, f"{' '.join(cmd)}: {err or p.stderr[-400:]}"
    r = check_result(out)
    return r["total"]["latency_ns"], r["total"]["cycles"], cmd


# More lanes or a larger array are held to RESOURCE_TOLERANCE (0.5 %, as
# every resource in `resources`), not to exactly never slower: the units
# and memories serve requests greedily (first come, first served,
# hw/arbiter.hpp), and a greedy schedule can lengthen when one task gets
# shorter (Graham's scheduling anomalies, 1969). Measured on this test's
# seed since the GEMM's partial folds (issue 36): array x2 up to +0.13 %,
# vector lanes x2 up to +0.02 % (before: 2 % allowed, 1.4 % seen).


def mode_metamorphic(exe, work, seed, count):
    rng = random.Random(seed)
    failures = []
    worst = {}
    for i in range(count):
        preset = rng.choice(PRESETS[:4])
        base = {
            "workload.prefill_tokens": rng.choice([0, rng.randint(1, 200)]),
            "workload.decode_tokens": rng.randint(1, 4),
            "workload.batch": rng.choice([1, rng.randint(2, 8)]),
            "clock_mhz": rng.choice([250, 500, 1000]),
            "gemm.rows": rng.choice([8, 16, 32, 64]),
            "gemm.cols": rng.choice([8, 16, 32, 64]),
            "dram.bandwidth_gbps": rng.choice([4, 8, 16, 32, 64]),
            "dram.latency_ns": rng.choice([0, 50, 100, 200]),
            "sram.bytes": rng.choice([1 << 20, 2 << 20, 16 << 20]),
            "controller.tile_tokens": rng.choice([16, 32, 64, 128]),
            "precision": rng.choice(["w8a8", "w8a8", "fp16"]),
        }
        out = os.path.join(work, f"m{i}")
        lat, cyc, cmd0 = latency(exe, out, preset, base)

        def variant(name, change, relation):
            v = dict(base, **change)
            l2, c2, cmd = latency(exe, out, preset, v)
            ok = relation(l2, c2)
            d = (l2 - lat) / lat if lat else 0.0
            lo, hi = worst.get(name, (d, d))
            worst[name] = (min(lo, d), max(hi, d))
            if not ok:
                failures.append(f"case {i} {name}: {lat} ns -> {l2} ns\n  {' '.join(cmd)}")

        variant("bandwidth x2", {"dram.bandwidth_gbps": base["dram.bandwidth_gbps"] * 2},
                lambda l2, c2: l2 <= lat)
        variant("clock x2", {"clock_mhz": base["clock_mhz"] * 2}, lambda l2, c2: l2 <= lat)
        within = lambda l2, c2: l2 <= lat * (1 + RESOURCE_TOLERANCE)
        variant("array x2", {"gemm.rows": base["gemm.rows"] * 2, "gemm.cols": base["gemm.cols"] * 2},
                within)
        variant("scan lanes x2", {"scan.lanes": 128}, within)
        variant("vector lanes x2", {"vector.lanes": 64}, within)
        variant("prefill +16", {"workload.prefill_tokens": base["workload.prefill_tokens"] + 16},
                lambda l2, c2: l2 >= lat)
        variant("decode +1", {"workload.decode_tokens": base["workload.decode_tokens"] + 1},
                lambda l2, c2: l2 >= lat)
        variant("batch +1", {"workload.batch": base["workload.batch"] + 1}, lambda l2, c2: l2 >= lat)
        # Everything twice as fast: the same cycles, half the nanoseconds
        # (within 1e-6: a derated channel's transfer times are not whole
        # picoseconds and round at SystemC's 1 ps resolution).
        variant("clock and DRAM x2",
                {"clock_mhz": base["clock_mhz"] * 2,
                 "dram.bandwidth_gbps": base["dram.bandwidth_gbps"] * 2,
                 "dram.latency_ns": base["dram.latency_ns"] / 2},
                lambda l2, c2: abs(c2 - cyc) <= 1e-6 * cyc and abs(2 * l2 - lat) <= 1e-6 * lat)
    for name, (lo, hi) in worst.items():
        print(f"{name}: latency changed by {100 * lo:+.3f} % to {100 * hi:+.3f} %")
    for f in failures:
        print(f)
    assert not failures, f"{len(failures)} metamorphic relations broken"
    print(f"ok: {count} base configurations x 9 relations (seed {seed}) hold")


# Issue 36, "resources never hurt": more of a resource never slower, one
# more token never faster, by more than this fraction.
RESOURCE_TOLERANCE = 0.005
RESOURCE_PRESETS = ["mamba-130m", "mamba-370m", "mamba2-130m", "mamba2-370m", "falcon-h1-1.5b",
                    "granite-4.0-h-tiny", "zamba2-2.7b"]
RESOURCE_ARCHS = ["default", "edge", "cloud"]
# change -> (key, new value from the old, more work: never faster; else a
# resource: never slower), drawn in this order.
double = lambda x: x * 2
plus_one = lambda x: x + 1
RESOURCE_CHANGES = {
    "sram x2": ("sram.bytes", double, False),
    "rows x2": ("gemm.rows", double, False),
    "cols x2": ("gemm.cols", double, False),
    "prefetch +1": ("gemm.prefetch_strips", plus_one, False),
    "bandwidth x2": ("dram.bandwidth_gbps", double, False),
    "clock x2": ("clock_mhz", double, False),
    "prefill +1": ("workload.prefill_tokens", plus_one, True),
    "decode +1": ("workload.decode_tokens", plus_one, True),
    "batch +1": ("workload.batch", plus_one, True),
}


def mode_resources(exe, work, seed, count):
    """COUNT seeded comparisons, each a base run and one change: more SRAM, a
    larger array, deeper prefetch, more bandwidth or a faster clock (never
    slower), or one more prefill or decode token or sequence (never faster),
    over Mamba-1, Mamba-2 and hybrid presets on every architecture preset."""
    rng = random.Random(seed)
    cases = []
    for i in range(count):
        preset = rng.choice(RESOURCE_PRESETS)
        arch = rng.choice(RESOURCE_ARCHS)
        base = {
            "workload.prefill_tokens": rng.choice([0, rng.randint(1, 160)]),
            "workload.decode_tokens": rng.randint(0, 2),
            "workload.batch": rng.choice([1, rng.randint(2, 16)]),
            "sram.bytes": rng.choice([1 << 20, 4 << 20, 16 << 20, 64 << 20]),
            "gemm.rows": rng.choice([16, 32, 64, 128]),
            "gemm.cols": rng.choice([16, 32, 64, 128]),
            "dram.bandwidth_gbps": rng.choice([17, 34, 68, 136]),
            "clock_mhz": rng.choice([250, 625, 1000]),
            "gemm.prefetch_strips": rng.choice([1, 2, 3, 4]),
        }
        if base["workload.prefill_tokens"] == 0 and base["workload.decode_tokens"] == 0:
            base["workload.decode_tokens"] = 1
        change = rng.choice(list(RESOURCE_CHANGES))
        key, apply, more_work = RESOURCE_CHANGES[change]
        v = dict(base)
        v[key] = apply(v[key])
        cases.append((i, preset, arch, change, more_work, base, v))

    def lat(out, preset, arch, sets):
        cmd, p, err = run(exe, out, preset, sets, arch=arch, timeout=600)
        assert err is None, f"{' '.join(cmd)}: {err}"  # a hang is a failure, not a skip
        if p.returncode != 0:
            return None, cmd, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "?"
        with open(os.path.join(out, "run.json")) as f:
            return json.load(f)["total"]["latency_ns"], cmd, None

    def one(case):
        i, preset, arch, change, more_work, base, v = case
        a, cmd_a, err_a = lat(os.path.join(work, f"r{i}a"), preset, arch, base)
        b, cmd_b, err_b = lat(os.path.join(work, f"r{i}b"), preset, arch, v)
        return case, a, b, cmd_b, err_a or err_b

    failures, skipped, worst = [], [], {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for case, a, b, cmd, err in pool.map(one, cases):
            i, preset, arch, change, more_work, base, v = case
            if err:
                # A mapping that cannot fit (e.g. attention's scores block in
                # a small SRAM) is a clear error of both runs, not a relation.
                skipped.append(f"case {i} {preset} {arch} {change}: {err}")
                continue
            d = (b - a) / a
            lo, hi = worst.get(change, (d, d))
            worst[change] = (min(lo, d), max(hi, d))
            bad = d < -RESOURCE_TOLERANCE if more_work else d > RESOURCE_TOLERANCE
            if bad:
                failures.append(f"case {i} {preset} {arch} {change}: {a:.0f} -> {b:.0f} ns "
                                f"({100 * d:+.2f} %)\n  {' '.join(cmd)}")
    for name in sorted(worst):
        lo, hi = worst[name]
        print(f"{name}: latency changed by {100 * lo:+.3f} % to {100 * hi:+.3f} %")
    for f in skipped:
        print("skipped (both must run):", f)
    for f in failures:
        print(f)
    done = count - len(skipped)
    print(f"{done} comparisons, {len(failures)} violations, {len(skipped)} skipped (seed {seed})")
    assert not failures, f"{len(failures)} of {done} comparisons point the wrong way"


def main(argv):
    mode, exe, work, seed, count = argv[1], argv[2], argv[3], int(argv[4]), int(argv[5])
    os.makedirs(work, exist_ok=True)
    if mode == "random":
        mode_random(exe, work, seed, count)
    elif mode == "metamorphic":
        mode_metamorphic(exe, work, seed, count)
    elif mode == "resources":
        mode_resources(exe, work, seed, count)
    else:
        raise SystemExit(f"unknown mode {mode}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
