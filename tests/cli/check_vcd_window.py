#!/usr/bin/env python3
"""A windowed VCD opens on the true state (issue 39):

  check_vcd_window.py RUN.vcd RUN.trace.json START_NS

At START_NS (the --vcd-window's start), every unit's `busy` in the VCD is 1
exactly when the timeline (Chrome trace events, written by the same run)
has one of that unit's operations running then, and `layer` is that
operation's layer."""
import json
import re
import sys


def vcd_values_at(path, t_ns):
    """{scope.name: value} of every variable at time t_ns (1 ns timescale)."""
    ids, scope, values = {}, [], {}
    t = 0
    for line in open(path):
        line = line.strip()
        m = re.match(r"\$scope module (\S+) \$end", line)
        if m:
            scope.append(m.group(1))
            continue
        if line.startswith("$upscope"):
            scope.pop()
            continue
        m = re.match(r"\$var \w+ +\d+ +(\S+) +(\S+)", line)
        if m:
            ids[m.group(1)] = ".".join(scope[1:] + [m.group(2)])
            continue
        if line.startswith("#"):
            t = int(line[1:])
            if t > t_ns:
                break
            continue
        m = re.match(r"b([01xz]+) (\S+)", line) or re.match(r"([01xz])(\S+)", line)
        if m and m.group(2) in ids:
            values[ids[m.group(2)]] = int(m.group(1), 2) if set(m.group(1)) <= {"0", "1"} else None
    return values


def main(argv):
    vcd, timeline, start = argv[1], argv[2], float(argv[3])
    values = vcd_values_at(vcd, start)
    tr = json.load(open(timeline))
    events = tr["traceEvents"] if isinstance(tr, dict) else tr
    units = {e["tid"]: e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name" and e.get("pid") == 1}
    running = {}
    for e in events:
        if e.get("ph") == "X" and e.get("pid") == 1 and e["tid"] in units:
            t0, t1 = e["ts"] * 1e3, (e["ts"] + e["dur"]) * 1e3  # us -> ns
            if t0 <= start < t1:
                running[units[e["tid"]]] = e
    checked = 0
    for unit in units.values():
        busy = values.get(f"{unit}.busy")
        assert busy is not None, f"no {unit}.busy in {vcd}"
        want = 1 if unit in running else 0
        assert busy == want, (f"{unit}.busy = {busy} at {start} ns, but the timeline has "
                              f"{running[unit]['name'] if unit in running else 'nothing'} running")
        if unit in running:
            layer = values.get(f"{unit}.layer")
            assert layer == running[unit]["args"]["layer"], (unit, layer, running[unit])
        checked += 1
    assert running, f"nothing runs at {start} ns: pick a start inside the run"
    print(f"ok: at {start:g} ns the VCD shows the {len(running)} running unit(s) of the "
          f"timeline busy ({', '.join(sorted(running))}) and {checked - len(running)} idle")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
