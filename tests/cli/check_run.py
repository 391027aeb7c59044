#!/usr/bin/env python3
"""Checks relations between ssmsim run.json files (CTest helper).

  check_run.py clock A.json B.json RATIO   same cycles, latency_ns(A) = RATIO * latency_ns(B)
  check_run.py bound A.json                latency_ns >= weight bytes / DRAM bandwidth
  check_run.py diff A.json B.json PATH N   B[PATH] - A[PATH] == N (PATH like units.quant.busy_cycles)
  check_run.py ratio A.json B.json PATH R   B[PATH] == R * A[PATH] exactly
  check_run.py close A.json B.json PATH REL |B[PATH] - A[PATH]| <= REL * |A[PATH]|
  check_run.py macs R.json                 units.gemm.arith_ops == hand-derived MACs of the
                                           workload (every token once through every layer's
                                           GEMMs; lm_head on the last or every prompt token)
  check_run.py weights R.json              total.weight_bytes == hand-derived bytes (INT8 or
                                           fp16 GEMM weights, fp16 conv/norm, fp32 A and D)
  check_run.py tile-search AUTO.json FIXED.json ...
                                           controller.tile_tokens = 0 chose the fastest
                                           candidate it simulated; each FIXED run (a candidate's
                                           tile set by hand, no decode) took exactly the time the
                                           search recorded for it; the candidates it did not
                                           simulate were bound to be slower
  check_run.py weights-once R.json         DRAM weight reads == the model's weight bytes
                                           (resident, or one prefill tile), none written
  check_run.py area-order SWEEP.csv KEY   area_mm2 grows with KEY; energy differs per row
  check_run.py ends-within R.json          every GEMM operation ends by the run's total cycles
                                           (one clock period for the units and the report)
  check_run.py adds-up R.json ...          the layers' attributed cycles + idle == total cycles,
                                           and the units' likewise (exactly)
  check_run.py same-json A.json B.json      the two run.json are equal, less the host block
  check_run.py same-results A.json B.json   ... and less the configuration echo
  check_run.py bounds R.json               every GEMM's bound re-derived from its fields: the
                                           largest of compute cycles and DRAM/SRAM bytes at
                                           full bandwidth, or latency past 1.5x that; its MAC
                                           utilisation and MACs per DRAM byte recomputed
  check_run.py energy R.json               energy.total_pj == sum of per-unit operations x pJ
                                           + bytes x pJ + (static mW + DRAM channels x
                                           energy.dram_channel_mw) x latency
  check_run.py regions Q.json              quant.json error by region: the regions' squared
                                           errors add up to each quantizer's MSE; in the normal
                                           band (step s in both) int8 and se agree exactly
  check_run.py same-eval R.json E.json     run --pipeline w8a8's model-output figures equal
                                           eval.json's exactly, for run's quantizer and fp32:
                                           cross-entropy, perplexity, top-1, every layer's error
  check_run.py steps R.json                decode: latency_per_step_ns == batch x
                                           latency_per_token_ns, tokens/s per phase present
  check_run.py switches REL MAX A.json ... host.switches_per_op of every run within REL of
                                           the first's (the simulator's cost per operation
                                           does not grow with the tile count) and at most MAX
  check_run.py same A.json B.json          every figure the same apart from host (how the
                                           simulation ran), and the two run.csv beside them
  check_run.py dramsys A.json D.json REL   A analytic, D DRAMSys on the same program: the same
                                           DRAM bytes by kind, D's effective bandwidth below its
                                           peak, D's latency within REL of A's
  check_run.py drampower R.json MEMSPEC REL  R: DRAMSys with DDR4: tools/dram_energy.py's
                                           derivation from MEMSPEC's currents, at R's data rate,
                                           within REL of DRAMPower's energy of R's DRAM traffic
  check_run.py eval E.json BOUND           every quantizer's |cross-entropy - fp32's| <= BOUND nats,
                                           and se's SSM-input SQNR above int8's in every layer
"""
import json
import sys
from pathlib import Path


def load(path):
    with open(path) as f:
        return json.load(f)


def get(doc, path):
    for key in path.split("."):
        doc = doc[key]
    return doc


def main(argv):
    mode = argv[1]
    if mode == "steps":
        r = load(argv[2])
        d, b = r["phases"]["decode"], r["run"]["batch"]
        assert b > 1, "use a batch > 1"
        assert abs(d["latency_per_step_ns"] - b * d["latency_per_token_ns"]) <= 1e-9 * d["latency_per_step_ns"], d
        assert d["tokens_per_s"] > 0 and r["phases"]["prefill"]["tokens_per_s"] > 0
        print(f"ok: a decode step of batch {b} is {b} tokens")
        return 0
    if mode == "switches":
        rel, most = float(argv[2]), float(argv[3])
        first = None
        for path in argv[4:]:
            per_op = load(path)["host"]["switches_per_op"]
            print(f"{path}: {per_op:.3f} switches per operation")
            first = first or per_op
            assert 0 < per_op and abs(per_op - first) <= rel * first, \
                f"{path}: {per_op} switches per operation, {first} in the first run"
            assert per_op <= most, f"{path}: {per_op} switches per operation, more than {most}"
        return 0
    if mode == "same":
        a, b = load(argv[2]), load(argv[3])
        assert a["host"] and b["host"]
        del a["host"], b["host"]
        if a != b:
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            raise AssertionError(f"{argv[2]} and {argv[3]} differ in {keys}")
        csv_a = (Path(argv[2]).parent / "run.csv").read_bytes()
        csv_b = (Path(argv[3]).parent / "run.csv").read_bytes()
        assert csv_a == csv_b, "the two run.csv differ"
        print(f"ok: {argv[2]} and {argv[3]} agree on every figure and run.csv")
        return 0
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
    elif mode == "ratio":
        a, b, path, r = load(argv[2]), load(argv[3]), argv[4], float(argv[5])
        assert get(b, path) == r * get(a, path), f"{path}: {get(b, path)} != {r} x {get(a, path)}"
        print(f"ok: {path} {get(b, path)} = {r} x {get(a, path)}")
    elif mode == "close":
        a, b, path, rel = load(argv[2]), load(argv[3]), argv[4], float(argv[5])
        x, y = get(a, path), get(b, path)
        assert abs(y - x) <= rel * abs(x), f"{path}: {y} vs {x}, more than {rel} apart"
        print(f"ok: {path} {y} vs {x} (within {rel})")
    elif mode in ("macs", "weights"):
        r = load(argv[2])
        m = r["run"]["workload"]["model"]
        dm, L, V = m["d_model"], m["n_layer"], m["vocab_size"]
        D, N, k, dtr = m["expand"] * dm, m["d_state"], m["d_conv"], m["dt_rank"]
        # in_proj dm->2D, x_proj D->dt_rank+2N, dt_proj dt_rank->D, out_proj D->dm
        gemm_per_layer = dm * 2 * D + D * (dtr + 2 * N) + dtr * D + D * dm
        if mode == "macs":
            P, Dc, B = r["run"]["prefill_tokens"], r["run"]["decode_tokens"], r["run"]["batch"]
            # lm_head: every decode step, and every prompt token or the last one
            head_p = P if r["memory_plan"]["lm_head_tokens"] == "all" else min(P, 1)
            want = (P + Dc) * B * L * gemm_per_layer + (head_p + Dc) * B * dm * V
            got = r["units"]["gemm"]["arith_ops"]
        else:
            wb = 2 if r["config"]["precision"] == "fp16" else 1
            # conv weight+bias fp16, dt bias fp16, A and D fp32, norm gain fp16
            other = D * k * 2 + D * 2 + D * 2 + D * N * 4 + D * 4 + dm * 2
            want = L * (gemm_per_layer * wb + other) + V * dm * wb + dm * 2
            got = r["total"]["weight_bytes"]
        assert got == want, f"{mode}: {got} != hand-derived {want}"
        print(f"ok: {mode} {got} == {want}")
    elif mode == "adds-up":
        for path in argv[2:]:
            r = load(path)
            total, idle = r["total"]["cycles"], r["total"]["idle_cycles"]
            layers = sum(x["attributed_cycles"] for x in r["layers"])
            units = sum(u["attributed_cycles"] for n, u in r["units"].items()
                        if n not in ("dram", "sram"))
            assert layers + idle == total, f"{path}: layers {layers} + idle {idle} != {total}"
            assert units + idle == total, f"{path}: units {units} + idle {idle} != {total}"
            print(f"ok: {path}: layers and units add up to {total} cycles (idle {idle})")
    elif mode in ("same-json", "same-results"):
        # same-results: also less the configuration echo (a run with a key
        # that must not change any result, quantizer.rtl).
        a, b = load(argv[2]), load(argv[3])
        for k in ("host", "config") if mode == "same-results" else ("host",):
            a.pop(k, None)
            b.pop(k, None)
        assert a == b, f"{argv[2]} and {argv[3]} differ"
        print(f"ok: {argv[2]} == {argv[3]} (less host)")
    elif mode == "bounds":
        r = load(argv[2])
        c = r["config"]
        period = r["total"]["clock_period_ns"]
        seen = set()
        for o in r["gemm_ops"]:
            dram = o["dram_bytes"] / (c["dram"]["bandwidth_gbps"] * period)
            sram = o["sram_bytes"] / (c["sram"]["ports"] * c["sram"]["port_bytes"])
            took = o["end_cycle"] - o["start_cycle"]
            most = max(o["compute_cycles"], dram, sram)
            want = ("latency" if took > 1.5 * most else "compute" if most == o["compute_cycles"]
                    else "dram" if most == dram else "sram")
            assert o["bound"] == want, f"{o['name']} layer {o['layer']}: {o['bound']} != {want}"
            macs = o.get("count", 1) * o["M"] * o["N"] * o["K"]  # batched GEMMs (SSD, attention)
            util = 100 * macs / (o["array"][0] * o["array"][1] * took)
            assert abs(o["mac_utilization_pct"] - util) <= 1e-6 * util, (o, util)
            if o["dram_bytes"]:
                ai = macs / o["dram_bytes"]
                assert abs(o["macs_per_dram_byte"] - ai) <= 1e-6 * ai, (o, ai)
            seen.add(want)
        print(f"ok: {len(r['gemm_ops'])} GEMM bounds re-derived ({', '.join(sorted(seen))})")
    elif mode == "ends-within":
        r = load(argv[2])
        total = r["total"]["cycles"]
        last = max(op["end_cycle"] for op in r["gemm_ops"])
        assert last <= total, f"a GEMM ends at cycle {last}, after the total {total}"
        print(f"ok: the last GEMM ends at cycle {last} <= {total}")
    elif mode == "tile-search":
        r = load(argv[2])
        mp = r["memory_plan"]
        cands = mp["candidates"]
        assert mp["tile_chosen"] and cands, "no tile search in " + argv[2]
        ran = [c for c in cands if c["simulated_ns"] is not None]
        best = min(c["simulated_ns"] for c in ran)
        chosen = [c for c in ran if c["tile_tokens"] == mp["tile_tokens"]
                  and c["weights_in"] == mp["weights_in"]]
        assert chosen and chosen[0]["simulated_ns"] == best, (mp["tile_tokens"], cands)
        # Reports round the time to whole cycles; the search keeps SystemC's.
        period = 1e3 / r["config"]["clock_mhz"]
        lat = r["total"]["latency_ns"]
        assert abs(lat - best) <= period, f"the run took {lat} ns, its search said {best}"
        for c in cands:
            if c["simulated_ns"] is None:
                assert c["bound_ns"] >= best, f"tile {c['tile_tokens']} skipped below the best"
            else:
                assert c["bound_ns"] <= c["simulated_ns"], f"bound above the time: {c}"
        for f in argv[3:]:
            x = load(f)
            t = x["memory_plan"]["tile_tokens"]
            c = [c for c in ran if c["tile_tokens"] == t
                 and c["weights_in"] == x["memory_plan"]["weights_in"]]
            assert c, f"{f}: tile {t} was not simulated by the search"
            got = x["total"]["latency_ns"]
            assert abs(got - c[0]["simulated_ns"]) <= period, (f, got, c[0])
        print(f"ok: tile {mp['tile_tokens']} is the fastest of {len(ran)} simulated "
              f"({len(cands) - len(ran)} bound to be slower); {len(argv) - 3} fixed runs agree")
    elif mode == "weights-once":
        r = load(argv[2])
        w = r["units"]["dram"]["by_kind"]["weights"]
        want = r["total"]["weight_bytes"]
        assert w["read_bytes"] == want and w["write_bytes"] == 0, f"{w} != {want} read once"
        print(f"ok: {want} weight bytes read from DRAM once")
    elif mode == "energy":
        r = load(argv[2])
        e = r["energy"]
        pj = e["per_access_pj"]
        total = 0.0
        for unit, u in r["units"].items():
            if unit in ("dram", "sram"):
                continue
            total += u["arith_ops"] * pj[unit + "_op_pj"]
            total += (u["sram_read_bytes"] + u["sram_write_bytes"]) * pj["sram_byte_pj"]
            total += (u["dram_read_bytes"] + u["dram_write_bytes"]) * pj["dram_byte_pj"]
        # Static: the area's leakage plus energy.static_mw, as the table reports it.
        area = r["area"]["total_mm2"]
        assert abs(sum(r["area"]["units_mm2"].values()) - area) <= 1e-9 * area
        static = r["config"]["energy"]["static_mw"] + r["config"]["energy"]["leakage_mw_per_mm2"] * area
        assert abs(pj["static_mw"] - static) <= 1e-9 * max(static, 1e-30), (pj["static_mw"], static)
        total += static * r["total"]["latency_ns"]
        channels = r["config"]["dram"]["channels"]
        background = channels * r["config"]["energy"]["dram_channel_mw"]
        assert abs(pj["dram_background_mw"] - background) <= 1e-9 * max(background, 1e-30)
        assert abs(e["dram_background_pj"] - background * r["total"]["latency_ns"]) <= 1e-9 * total
        total += background * r["total"]["latency_ns"]
        assert abs(total - e["total_pj"]) <= 1e-9 * total, f"energy {e['total_pj']} != {total}"
        assert abs(r["total"]["energy_pj"] - total) <= 1e-9 * total
        print(f"ok: energy {total} pJ recomputed from the counts")
    elif mode == "area-order":
        # A sweep over one size key: area, static power and energy-delay are
        # reported for every row; area grows with the key, and the energy is
        # not the same for every size.
        import csv
        rows = list(csv.DictReader(open(argv[2])))
        key = argv[3]
        rows.sort(key=lambda x: float(x[key]))
        areas = [float(x["area_mm2"]) for x in rows]
        assert all(a < b for a, b in zip(areas, areas[1:])), f"area not increasing with {key}: {areas}"
        energies = {x["energy_pj"] for x in rows}
        assert len(energies) == len(rows), f"energy repeats across {key}: {energies}"
        assert all(float(x["edp_j_s"]) > 0 for x in rows)
        print(f"ok: area grows with {key} ({areas[0]:.3f} .. {areas[-1]:.3f} mm2), "
              f"{len(energies)} distinct energies")
    elif mode == "regions":
        q = load(argv[2])
        for layer in q["layers"]:
            normal = set()
            for name, s in layer["quantizers"].items():
                br = s["by_region"]
                n = sum(r["elements"] for r in br.values())
                assert n == layer["elements"], f"{n} != {layer['elements']}"
                sq = sum(r["mse"] * r["elements"] for r in br.values())
                assert abs(sq / n - s["mse"]) <= 1e-9 * s["mse"], f"{name}: {sq / n} != {s['mse']}"
                if name in ("int8", "se"):
                    normal.add(br["normal"]["mse"])
            assert len(normal) == 1, f"layer {layer['layer']}: normal-band MSE differs: {normal}"
        print(f"ok: by-region errors add up in {len(q['layers'])} layers; normal bands agree")
    elif mode == "same-eval":
        r, e = load(argv[2]), load(argv[3])
        ev = r["eval"]
        # Mamba-2: eval labels its runs quantizer/scheme, as run's eval does.
        q = ev.get("quantizer", r["config"]["quantizer"]["mode"])
        for name in ("fp32", q):
            assert ev["quantizers"][name] == e["quantizers"][name], \
                f"{name}: run {ev['quantizers'][name]} != eval {e['quantizers'][name]}"
        el = {(x["layer"], x["tensor"]): x["quantizers"][q] for x in e["layers"]}
        rl = {(x["layer"], x["tensor"]): x["quantizers"][q] for x in ev["layers"]}
        assert el.keys() == rl.keys(), "different layers or tensors"
        for k in el:
            assert el[k] == rl[k], f"layer {k}: run {rl[k]} != eval {el[k]}"
        ce = ev["quantizers"][q]["cross_entropy_nats"]
        print(f"ok: run == eval for {q}: CE {ce} nats, {len(el)} layer tensors identical")
    elif mode == "dramsys":
        a, d, rel = load(argv[2]), load(argv[3]), float(argv[4])
        ua, ud = a["units"]["dram"], d["units"]["dram"]
        ok = ua["model"] == "analytic" and ud["model"] == "dramsys"
        ok = ok and ua["by_kind"] == ud["by_kind"] and ua["read_bytes"] == ud["read_bytes"]
        ok = ok and 0 < ud["effective_gbps"] < ud["peak_gbps"] and ud["efficiency_pct"] < 100
        la, ld = a["total"]["latency_ns"], d["total"]["latency_ns"]
        err = (la - ld) / ld
        print(f"analytic {la} ns, DRAMSys {ld} ns ({100 * err:+.2f}%); DRAMSys "
              f"{ud['effective_gbps']:.2f} of {ud['peak_gbps']:.2f} GB/s")
        return 0 if ok and abs(err) <= rel else 1
    elif mode == "drampower":
        r, rel = load(argv[2]), float(argv[4])
        sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
        import dram_energy
        with open(argv[3]) as f:
            spec = json.load(f)
        d = r["units"]["dram"]
        channels = r["config"]["dram"]["channels"]
        # The run's clock, not the spec's: DRAMPower holds the currents and
        # DRAMSys kept the timings in ns (docs/dram.md), so a burst at a slower
        # clock draws its current for longer.
        f = dram_energy.derive(spec, channel_gbps=d["peak_gbps"] / channels)
        lat = r["total"]["latency_ns"]
        mine = (d["read_bytes"] * f["read_byte_pj"] + d["write_bytes"] * f["write_byte_pj"] +
                channels * f["background_mw"] * lat)
        got = d["drampower_energy_pj"]
        err = (mine - got) / got
        print(f"datasheet derivation {mine:.6g} pJ, DRAMPower {got:.6g} pJ ({100 * err:+.2f}%) "
              f"at {f['channel_gbps']:.3f} GB/s per channel")
        return 0 if abs(err) <= rel else 1
    elif mode == "eval":
        e, bound = load(argv[2]), float(argv[3])
        q = e["quantizers"]
        base = q["fp32"]["cross_entropy_nats"]
        for name, r in q.items():
            d = abs(r["cross_entropy_nats"] - base)
            assert d <= bound, f"{name}: |delta CE| = {d} > {bound} nats"
        # The SSM input (Mamba-1 ssm.u, Mamba-2 ssm.x): se above int8 under
        # the same scale scheme ("se" vs "int8", "se/quamba2" vs "int8/quamba2").
        pairs = 0
        for layer in e["layers"]:
            if layer["tensor"] not in ("ssm.u", "ssm.x"):
                continue
            lq = layer["quantizers"]
            for name in lq:
                if name.split("/")[0] != "se":
                    continue
                i8 = "int8" + name[2:]
                assert lq[name]["sqnr_db"] > lq[i8]["sqnr_db"], \
                    f"layer {layer['layer']}: {name} <= {i8}"
                pairs += 1
        assert pairs > 0, "no se/int8 pair on the SSM input"
        print(f"ok: |delta CE| <= {bound} nats for {', '.join(q)}; se > int8 in every layer "
              f"({pairs} pairs)")
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv)
