#!/usr/bin/env python3
"""The GTKWave view written beside a run's VCD:

  check_vcd_view.py RUN_DIR

- run.gtkw loads run.vcd (an absolute path that exists) and the translate
  filter run.ops.txt (idem);
- every signal the view shows is declared in the VCD (GTKWave would drop a
  missing one silently);
- the filter names every operation of run.json's kernel table, and every
  code the VCD's *.op signals take has a name in it;
- the stall filter run.stall.txt names every *.stall_reason code;
- the signals carry what run.json reports: per unit, the time busy is 1
  equals the cycles its operations held it (busy + stall), and the time
  stall_reason is not 0 equals its stall cycles; the DRAM's and SRAM's
  GB/s per window, integrated, equal the bytes run.json reports they moved.
"""
import json
import os
import re
import sys


def main(argv):
    d = argv[1]
    gtkw = open(os.path.join(d, "run.gtkw")).read().splitlines()
    dump = [l for l in gtkw if l.startswith("[dumpfile]")]
    assert len(dump) == 1, "one [dumpfile] line"
    vcd_path = dump[0].split('"')[1]
    assert os.path.isabs(vcd_path) and os.path.samefile(vcd_path, os.path.join(d, "run.vcd")), vcd_path
    for n, name in (("1", "run.ops.txt"), ("2", "run.stall.txt")):
        filt = {l[3:] for l in gtkw if l.startswith(f"^{n} ")}
        assert len(filt) == 1 and os.path.samefile(filt.pop(), os.path.join(d, name)), (n, name)
    # Signals declared in the VCD: $scope module NAME ... $var TYPE WIDTH ID NAME $end
    scopes, declared, ids = [], set(), {}
    vcd = open(os.path.join(d, "run.vcd"))
    for line in vcd:
        if line.startswith("$enddefinitions"):
            break
        tok = line.split()
        if tok[:2] == ["$scope", "module"]:
            scopes.append(tok[2])
        elif tok[:1] == ["$upscope"]:
            scopes.pop()
        elif tok[:1] == ["$var"]:
            width, ident, name = int(tok[2]), tok[3], tok[4]
            full = ".".join(scopes + [name]) + (f"[{width - 1}:0]" if width > 1 else "")
            declared.add(full)
            ids[ident] = full
    shown = [l for l in gtkw if l.startswith("SystemC.")]
    assert shown, "the view shows no signal"
    missing = [s for s in shown if s not in declared]
    assert not missing, f"signals not in the VCD: {missing}"
    # Every value change, by signal: [(time, value)].
    changes = {i: [] for i in ids}
    now = 0
    for line in vcd:
        line = line.strip()
        if line.startswith("#"):
            now = int(line[1:])
        elif line[:1] == "b":
            v, i = line[1:].split()
            changes[i].append((now, int(v, 2)))
        elif line[:1] == "r":
            v, i = line[1:].split()
            changes[i].append((now, float(v)))
        elif line[:1] in "01" and line[1:] in changes:
            changes[line[1:]].append((now, int(line[0])))
    end = now
    by_name = {n: changes[i] for i, n in ids.items()}
    # Operation codes the *.op signals take.
    codes = set()
    for n, ch in by_name.items():
        if re.search(r"\.op\[31:0\]$", n):
            codes.update(v for _, v in ch)
    names = {}
    for line in open(os.path.join(d, "run.ops.txt")):
        if line.strip() and not line.startswith("#"):
            value, name = line.split(None, 1)
            names[int(value)] = name.strip()
    unnamed = [c for c in codes if c not in names and c - (1 << 32) not in names]
    assert not unnamed, f"op codes without a name: {unnamed}"
    run = json.load(open(os.path.join(d, "run.json")))
    kernels = {k["kernel"] for k in run["kernels"]}
    assert kernels <= set(names.values()), f"kernels without a code: {kernels - set(names.values())}"
    seen = {names.get(c, names.get(c - (1 << 32))) for c in codes}
    assert seen - {"idle"} == kernels, f"ops in the VCD {sorted(seen)} != kernels {sorted(kernels)}"
    stall_names = {}
    for line in open(os.path.join(d, "run.stall.txt")):
        if line.strip() and not line.startswith("#"):
            value, name = line.split(None, 1)
            stall_names[int(value)] = name.strip()
    stall_codes = {v for n, ch in by_name.items() if n.endswith(".stall_reason[31:0]") for _, v in ch}
    assert stall_codes <= set(stall_names), f"stall codes without a name: {stall_codes - set(stall_names)}"

    # The signals against run.json (VCD times are ns; a whole-run VCD).
    def time_where(ch, pred):
        total, prev_t, prev_v = 0, 0, None
        for t, v in ch + [(end, None)]:
            if prev_v is not None and pred(prev_v):
                total += t - prev_t
            prev_t, prev_v = t, v
        return total

    period = run["total"]["clock_period_ns"]
    stalls_seen = 0
    dramsys = run["config"]["dram"]["model"] == "dramsys"
    for key in ("gemm", "quant", "scan", "had", "vec"):
        scope = key
        u = run["units"][key]
        held = time_where(by_name[f"SystemC.{scope}.busy"], lambda v: v == 1) / period
        stalled = time_where(by_name[f"SystemC.{scope}.stall_reason[31:0]"], lambda v: v != 0) / period
        # Each operation's cycles round once at its ends: one cycle each.
        tol = u["ops"] + 1
        assert abs(held - (u["busy_cycles"] + u["stall_cycles"])) <= tol, (scope, held, u)
        if dramsys:
            # DRAMSys runs in kernel time: a unit learns of a wait only once
            # it has begun, so the signal shows part of it (docs/vcd.md).
            assert stalled <= u["stall_cycles"] + tol, (scope, stalled, u["stall_cycles"])
        else:
            assert abs(stalled - u["stall_cycles"]) <= tol, (scope, stalled, u["stall_cycles"])
        stalls_seen += u["stall_cycles"] > 0
        print(f"  {scope}: held {held:.0f} (report {u['busy_cycles'] + u['stall_cycles']}), stalled {stalled:.0f} (report {u['stall_cycles']})")
    assert stalls_seen > 0, "no unit stalled: the check would not test stall_reason"
    # A window's GB/s is written at its end and holds through the next
    # window, until the probe writes 0 after the last traffic: the integral
    # over the trace is every window's bytes (GB/s x ns = bytes).
    def integral(ch):
        total = 0.0
        for (t0, v), (t1, _) in zip(ch, ch[1:] + [(end, None)]):
            total += v * (t1 - t0)
        return total

    for mem in ("dram", "sram"):
        for direction in ("read", "write"):
            moved = integral(by_name[f"SystemC.{mem}.{direction}_gbps"])
            want = run["total"][f"{mem}_{direction}_bytes"]
            if dramsys and mem == "dram":
                # The run stops DRAMSys (it refreshes forever) as soon as it
                # ends: the last window is never written. At most one
                # window (default 1000 cycles) at the channel's peak is lost.
                lost = run["config"]["dram"]["bandwidth_gbps"] * 1000 * period
                assert want - lost <= moved <= want * (1 + 1e-6) + 1, (mem, direction, moved, want)
            else:
                assert abs(moved - want) <= 1e-6 * max(1, want) + 1, (mem, direction, moved, want)
    print(f"ok: {len(shown)} signals, {len(seen) - 1} operations named in the view; busy, "
          f"stall and bandwidth signals match run.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
