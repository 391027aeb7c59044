#!/usr/bin/env python3
"""tools/plot.py's choices, checked where they can go wrong:

  check_plot.py PLOT_PY SWEEP.csv WORKDIR

- the Pareto front has a direction per axis: with throughput on x the
  fastest configurations are the front, with latency the slowest are not;
- --where keeps only the rows it names, and names a column that is not
  there;
- axes come in readable units (ms, uJ, MB, tokens/s);
- a python without matplotlib gets one line that says what to install, not
  a traceback.
"""
import csv
import importlib.util
import os
import subprocess
import sys


def load_plot(path):
    spec = importlib.util.spec_from_file_location("plot", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(argv):
    plot_py, sweep_csv, work = argv[1:4]
    here = os.path.dirname(os.path.abspath(__file__))
    tool = os.path.join(here, "..", "..", "tools", "plot.py")
    plot = load_plot(tool)
    os.makedirs(work, exist_ok=True)
    # Directions: four points (x, y); lower-lower, then higher x better.
    pts = [(1.0, 4.0), (2.0, 2.0), (3.0, 3.0), (4.0, 1.0)]
    assert plot.pareto(pts) == [0, 1, 3], plot.pareto(pts)
    assert plot.pareto(pts, x_high=True) == [3], plot.pareto(pts, x_high=True)
    assert plot.pareto(pts, y_high=True) == [0], plot.pareto(pts, y_high=True)
    assert plot.pareto(pts, x_high=True, y_high=True) == [0, 2, 3]
    assert plot.better_high("tokens_per_s", None) and not plot.better_high("latency_ns", None)
    assert plot.better_high("latency_ns", "high") and not plot.better_high("ssm_in_sqnr_db", "low")
    # Units.
    assert plot.readable("latency_ns", [2.5e7]) == (1e-6, "ms")
    assert plot.readable("latency_ns", [900.0]) == (1, "ns")
    assert plot.readable("energy_pj", [3e8]) == (1e-6, "uJ")
    assert plot.readable("dram_read_bytes", [5e6]) == (1e-6, "MB")
    assert plot.axis_label("latency_ns", "ms") == "latency (ms)"
    # The sweep's front on real rows, by direction, and --where.
    rows = [r for r in csv.DictReader(open(sweep_csv)) if r["status"] == "ok"]
    tps = [(float(r["tokens_per_s"]), float(r["energy_pj"])) for r in rows]
    front = plot.pareto(tps, x_high=True)
    best = max(range(len(tps)), key=lambda i: tps[i][0])
    assert best in front, "the fastest configuration is on a tokens/s front"
    slowest = min(range(len(tps)), key=lambda i: tps[i][0])
    if len(rows) > 1 and tps[slowest][1] > min(t[1] for t in tps):
        assert slowest not in front, "the slowest, costlier configuration is not"
    key = list(rows[0])[1]  # the first varied key
    value = rows[0][key]
    out = os.path.join(work, "where.png")
    r = subprocess.run([plot_py, tool, "sweep", sweep_csv, "--x", "tokens_per_s", "--where",
                        f"{key}={value}", "-o", out, "--force"], capture_output=True, text=True)
    assert r.returncode == 0 and os.path.exists(out), r.stderr
    r = subprocess.run([plot_py, tool, "sweep", sweep_csv, "--where", "nope=1", "-o", out,
                        "--force"], capture_output=True, text=True)
    assert r.returncode == 1 and "has no column 'nope'" in r.stderr, r.stderr
    # No matplotlib: a package that refuses to import stands in front of it.
    fake = os.path.join(work, "nompl")
    os.makedirs(os.path.join(fake, "matplotlib"), exist_ok=True)
    with open(os.path.join(fake, "matplotlib", "__init__.py"), "w") as f:
        f.write("raise ImportError('no matplotlib here')\n")
    env = dict(os.environ, PYTHONPATH=fake)
    r = subprocess.run([plot_py, tool, "sweep", sweep_csv], capture_output=True, text=True,
                       env=env)
    assert r.returncode == 1 and "has no matplotlib: install Debian's python3-matplotlib" in \
        r.stderr and "Traceback" not in r.stderr, r.stderr
    print("ok: Pareto directions, --where, units and the missing-matplotlib message")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
