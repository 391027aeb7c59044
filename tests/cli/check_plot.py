#!/usr/bin/env python3
"""tools/plot.py's choices, checked where they can go wrong:

  check_plot.py PLOT_PY SWEEP.csv WORKDIR

- the Pareto front has a direction per axis: with throughput on x the
  fastest configurations are the front, with latency the slowest are not;
- --where keeps only the rows it names, and names a column that is not
  there;
- axes come in readable units (ms, uJ, MB, tokens/s);
- a python without matplotlib gets one line that says what to install, not
  a traceback;
- what issue 39 found (item 11): log axes label their ticks as plain
  numbers, at least two; an input the sweep varied (a bandwidth) is not
  "higher is better"; --no-front writes sweep.png with each series joined;
  the breakdown's energy names do not overlap; every title names the
  quantizer; a --where key is not repeated in the front's labels.

  check_plot.py PLOT_PY SWEEP.csv WORKDIR [RUN.trace.json]
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
    check_figures(plot, sweep_csv, key, value, argv[4] if len(argv) > 4 else None)
    print("ok: Pareto directions, --where, units, the missing-matplotlib message and the figures")
    return 0


def figure_of(plot, argv):
    """Runs plot.py's command in this process and returns (figure, path)
    instead of writing the file."""
    got = {}

    def keep(fig, out, force):
        got["fig"], got["out"] = fig, out

    plot.save = keep
    saved = sys.argv
    sys.argv = ["plot.py"] + argv
    try:
        plot.main()
    finally:
        sys.argv = saved
    got["fig"].canvas.draw()
    return got["fig"], got["out"]


def tick_labels(axis):
    lo, hi = sorted(axis.get_view_interval())
    return [t.get_text() for t in axis.get_ticklabels()
            if t.get_text() and lo <= t.get_position()[0 if axis.axis_name == "x" else 1] <= hi]


def check_figures(plot, sweep_csv, key, value, timeline):
    # Log axes: plain numbers, at least two labels per axis.
    fig, _ = figure_of(plot, ["sweep", sweep_csv, "--logx", "--logy"])
    ax = fig.axes[0]
    for axis in (ax.xaxis, ax.yaxis):
        labels = tick_labels(axis)
        assert len(labels) >= 2 and not any("$" in t or "times" in t for t in labels), labels
    # An input is no result: no "higher is better" on a bandwidth axis.
    fig, _ = figure_of(plot, ["sweep", sweep_csv, "--x", "dram.bandwidth_gbps"])
    assert "better" not in fig.axes[0].get_xlabel(), fig.axes[0].get_xlabel()
    assert "lower is better" in fig.axes[0].get_ylabel(), fig.axes[0].get_ylabel()
    # --no-front: its own file, series joined.
    fig, out = figure_of(plot, ["sweep", sweep_csv, "--no-front", "--color", key])
    assert os.path.basename(out) == "sweep.png", out
    lines = [l for l in fig.axes[0].get_lines() if l.get_linestyle() == "-"]
    assert lines and all(len(l.get_xdata()) >= 2 for l in lines), "series are not joined"
    # Labels on the canvas, clear of the title and the legend; a series
    # drawn over another keeps hollow markers (Study 2's se under
    # se-authors, issue 39 item 4).
    fig, _ = figure_of(plot, ["sweep", sweep_csv, "--color", key])
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox
    title = ax.title.get_window_extent(renderer)
    legend = ax.get_legend().get_window_extent(renderer)
    assert not legend.overlaps(ax.get_window_extent(renderer)), "the legend covers the axes"
    for t in ax.texts:
        b = t.get_window_extent(renderer)
        assert canvas.x0 <= b.x0 and b.x1 <= canvas.x1 and canvas.y0 <= b.y0 and b.y1 <= canvas.y1, \
            f"label off the canvas: {t.get_text()!r}"
        assert not b.overlaps(title), f"label over the title: {t.get_text()!r}"
    series = [l for l in ax.get_lines() if l.get_label().startswith(f"{key}=")]
    assert len(series) >= 2 and all(l.get_markerfacecolor() == "none" for l in series[1:]), \
        "later series must be hollow"
    # Titles name the quantizer.
    fig, _ = figure_of(plot, ["sweep", sweep_csv])
    assert "quantizer se" in fig.axes[0].get_title(), fig.axes[0].get_title()
    # --where: its key is not repeated in the labels.
    fig, _ = figure_of(plot, ["sweep", sweep_csv, "--where", f"{key}={value}"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert not any(f"{key}=" in t for t in texts), texts
    # The breakdown of a job: energy names apart, the quantizer in the title.
    run = os.path.join(os.path.dirname(sweep_csv), "jobs", "00000", "run.json")
    fig, _ = figure_of(plot, ["breakdown", run])
    assert "quantizer se" in fig.axes[0].get_title(), fig.axes[0].get_title()
    boxes = [t.get_window_extent() for t in fig.axes[1].get_yticklabels() if t.get_text()]
    assert len(boxes) == 5, boxes
    for a, b in zip(boxes, boxes[1:]):
        assert not a.overlaps(b), "the energy names overlap"
    if timeline:
        fig, _ = figure_of(plot, ["timeline", timeline])
        assert "quantizer se" in fig.axes[0].get_title(), fig.axes[0].get_title()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
