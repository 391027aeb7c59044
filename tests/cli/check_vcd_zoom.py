#!/usr/bin/env python3
"""A run's GTKWave view opens where operations show their names:

  check_vcd_zoom.py RUN_DIR

RUN_DIR holds run.json and run.gtkw (ssmsim run --vcd RUN_DIR/run.vcd).
GTKWave's zoom z shows 2^(-z - 7.6) ns per pixel (measured); a value's
text takes 7.6 pixels a character. The checks (issue 39, item 3):

- the GEMM's median operation in the opening view is wide enough for the
  longest GEMM operation name there and two characters more: names are
  not cut to "in_p+" or "o+";
- the signal pane fits the longest signal name with " =" and a value of
  12 characters ("=i" was all it showed of "=idle").
"""
import json
import os
import statistics
import sys

CHAR_PX = 7.6
WAVE_PX = 880  # [size] 1600 800, signals_width 420 (sim/vcd_view.hpp)


def main(argv):
    d = argv[1]
    run = json.load(open(os.path.join(d, "run.json")))
    period = 1000.0 / run["config"]["clock_mhz"]
    lines = open(os.path.join(d, "run.gtkw")).read().splitlines()
    zoom = next(l for l in lines if l.startswith("*")).split()
    ns_per_px = 2 ** (-float(zoom[0][1:]) - 7.6)
    start = float(next(l for l in lines if l.startswith("[timestart]")).split()[1])
    width = int(next(l for l in lines if l.startswith("[signals_width]")).split()[1])
    end = start + WAVE_PX * ns_per_px
    ops = [g for g in run["gemm_ops"]
           if g["end_cycle"] * period > start and g["start_cycle"] * period < end]
    if not ops:
        print(f"FAIL: no GEMM operation in the opening view [{start:.0f}, {end:.0f}] ns")
        return 1
    median_px = statistics.median((g["end_cycle"] - g["start_cycle"]) * period
                                  for g in ops) / ns_per_px
    longest = max(len(g["name"]) for g in ops)
    need = CHAR_PX * (longest + 2)
    ok = True
    print(f"view [{start:.0f}, {end:.0f}] ns, {ns_per_px:.1f} ns/px: {len(ops)} GEMM operations, "
          f"median {median_px:.0f} px, names up to {longest} characters need {need:.0f} px")
    if median_px < need * 0.99:  # the zoom is written to 6 decimals
        print("FAIL: the median GEMM operation cannot show its name at the opening zoom")
        ok = False
    names = [l.split(".")[-1] for l in lines if l.startswith("SystemC.")]
    need_w = CHAR_PX * (max(len(n) for n in names) + 2 + 12)
    print(f"signals_width {width}, the longest name and a value need {need_w:.0f}")
    if width < need_w:
        print("FAIL: the signal pane cuts the values")
        ok = False
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
