#!/usr/bin/env python3
"""Checks a run --timeline file against the same run's run.json:

  check_timeline.py TIMELINE.json RUN.json

- the file is a trace-event JSON object ("traceEvents": a list of events
  with the fields the format requires per phase: M, X, C);
- one X slice per operation: per unit, the slice count, busy, stall and
  queue cycles and DRAM/SRAM bytes add up to run.json's units;
- every slice's ts/dur (µs) equals its start/end cycle at the run's clock;
- the DRAM counter integrates to the operations' DRAM bytes.
"""
import json
import sys


def main(argv):
    tl = json.load(open(argv[1]))
    run = json.load(open(argv[2]))
    ev = tl["traceEvents"]
    assert isinstance(ev, list) and ev, "traceEvents: a non-empty list"
    period_ns = 1000.0 / run["config"]["clock_mhz"]
    units = {}
    names = {}
    counters = []
    for e in ev:
        ph = e["ph"]
        assert ph in ("M", "X", "C"), f"unexpected phase {ph}"
        assert e["pid"] == 1 and isinstance(e["name"], str)
        if ph == "M":
            if e["name"] == "thread_name":
                names[e["tid"]] = e["args"]["name"]
        elif ph == "X":
            a = e["args"]
            u = names[e["tid"]]
            assert e["cat"] == u
            s = units.setdefault(u, {"ops": 0, "busy_cycles": 0, "stall_cycles": 0,
                                     "queue_cycles": 0, "dram_read_bytes": 0,
                                     "dram_write_bytes": 0, "sram_read_bytes": 0,
                                     "sram_write_bytes": 0})
            s["ops"] += 1
            for k in list(s)[1:]:
                s[k] += a[k]
            assert abs(e["ts"] - a["start_cycle"] * period_ns / 1000) < 1e-5, e
            assert abs(e["dur"] - (a["end_cycle"] - a["start_cycle"]) * period_ns / 1000) < 1e-5, e
            assert a["phase"] in ("prefill", "decode")
            if u == "gemm":
                assert a["bound"] in ("compute", "dram", "sram", "latency")
        else:
            counters.append(e)
    for u, s in units.items():
        want = run["units"][u]
        for k, v in s.items():
            assert want[k] == v, f"{u}.{k}: timeline {v}, run.json {want[k]}"
    missing = [u for u, w in run["units"].items() if w.get("ops", 0) and u not in units]
    assert not missing, f"no slices for {missing}"
    meta = tl["ssmsim"]
    bin_ns = meta["counter_bin_cycles"] * period_ns
    dram = sum(c["args"]["GB/s"] * bin_ns for c in counters if c["name"] == "dram_gbps")
    want = sum(s["dram_read_bytes"] + s["dram_write_bytes"] for s in units.values())
    assert abs(dram - want) <= 1e-4 * max(1, want), f"DRAM counter {dram} bytes, ops {want}"
    assert meta["slices"] == sum(s["ops"] for s in units.values())
    print(f"ok: {meta['slices']} slices on {len(units)} unit tracks match run.json; "
          f"DRAM counter integrates to {want} bytes over {meta['counter_bins']} bins")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
