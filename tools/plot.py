#!/usr/bin/env python3
"""Plots of ssmsim results (matplotlib, Debian python3-matplotlib).

  plot.py breakdown OUT/run.json [-o FILE.png]
      per layer, each unit's busy and stall cycles side by side (units run at
      once: their cycles do not stack) and the cycles attributed to the layer
      (they add up to the run); energy by kind
  plot.py regions OUT/quant.json [-o FILE.png]
      quantization error by soft-edge region, per layer and quantizer
  plot.py roofline OUT/run.json [-o FILE.png]
      every GEMM operation on the array's roofline: MACs per DRAM byte against
      achieved GMAC/s, under the compute roof (rows x cols x clock) and the DRAM
      roof (bandwidth x intensity); operations with no DRAM bytes (resident
      weights, inputs in SRAM) sit at the right edge
  plot.py timeline FILE.trace.json [--from-us A] [--to-us B] [-o FILE.png]
      a run --timeline file drawn as Perfetto shows it: a track per unit with
      its operations as bars (colour by operation), the DRAM bandwidth counter
      below
  plot.py sweep DIR/sweep.csv [--x COL] [--y COL] [--color COL] [--where COL=VALUE ...]
                [--x-better low|high] [--y-better low|high] [-o FILE.png]
      one point per configuration (the rows --where keeps), the Pareto front
      marked: better is lower for latencies, energies and bytes, higher for
      throughputs, bandwidths and SQNRs (the column's name decides; override
      per axis); axes in readable units (ms, uJ, MB, GB/s)

Without -o the figure is written beside the input (run.breakdown.png,
quant.regions.png, sweep.pareto.png, or sweep.png with --no-front). An
existing file is kept unless --force.
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys

try:
    import matplotlib
except ImportError:
    # Another python3 first on PATH: Debian's has python3-matplotlib.
    debian = "/usr/bin/python3"
    if (os.path.exists(debian) and os.path.realpath(sys.executable) != os.path.realpath(debian)
            and subprocess.run([debian, "-c", "import matplotlib"],
                               capture_output=True).returncode == 0):
        os.execv(debian, [debian] + sys.argv)
    sys.exit(f"plot.py: error: {sys.executable} has no matplotlib: install Debian's "
             "python3-matplotlib (apt-get install python3-matplotlib) and run "
             "/usr/bin/python3 tools/plot.py, or pip install matplotlib")

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402

UNITS = ["gemm", "quant", "scan", "had", "vec"]
UNIT_LABEL = {"gemm": "GEMM", "quant": "quantizer", "scan": "scan", "had": "Hadamard",
              "vec": "vector (norm, conv, gate)"}
REGIONS = ["small", "normal", "large", "saturated"]


def fail(msg):
    print(f"plot.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


# What each ssmsim output is plotted by, for an error that names the right
# plot when a file is given to the wrong one.
PLOT_OF = {"sweep.csv": "sweep", "sweep.json": "sweep", "run.json": "breakdown or roofline",
           "quant.json": "quant", "run.trace.json": "timeline"}


def load_json(path, command):
    try:
        with open(path) as f:
            doc = json.load(f)
    except OSError as e:
        fail(f"{path}: {e}")
    except ValueError as e:
        hint = ""
        base = os.path.basename(path)
        if base.endswith(".csv"):
            hint = (f"; it is a CSV: this plot takes the JSON of `ssmsim {command}`"
                    + (f" (plot.py {PLOT_OF[base]} takes {base})" if base in PLOT_OF else ""))
        fail(f"{path}: not JSON ({e}){hint}")
    if not isinstance(doc, dict):
        fail(f"{path}: expected the JSON of `ssmsim {command}`, found a JSON {type(doc).__name__}")
    if doc.get("command") != command:
        fail(f"{path}: expected the JSON of `ssmsim {command}`, found command {doc.get('command')!r}")
    return doc


def quantizer_of(cfg):
    """The SSM-input quantizer of a run's config, as titles name it."""
    if cfg.get("precision") == "fp16":
        return "no quantizer (fp16)"
    return f"quantizer {cfg.get('quantizer', {}).get('mode', '?')}"


def plain_log(axis):
    """Log-axis ticks as plain numbers (matplotlib's default writes 6x10^0
    and leaves a range within a decade with one label or none): at 1, 2
    and 5 per decade, or at every integer multiple within a decade."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    lo, hi = axis.get_data_interval()
    subs = (1.0, 2.0, 5.0) if lo > 0 and hi / lo >= 10 else tuple(float(k) for k in range(1, 10))
    axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def save(fig, out, force):
    if os.path.exists(out) and not force:
        fail(f"{out}: exists; pass --force to overwrite")
    tmp = out + ".tmp.png"
    fig.savefig(tmp, dpi=120, bbox_inches="tight")
    os.replace(tmp, out)
    print(f"wrote {out}")


def breakdown(args):
    run = load_json(args.input, "run")
    layers = run["layers"]
    names = [str(l["layer"]) for l in layers]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 4.5), gridspec_kw={"width_ratios": [3, 1]})
    units = [u for u in UNITS if any(l["units"].get(u, {}).get("busy_cycles", 0) for l in layers)]
    width = 0.8 / max(1, len(units))
    cmap = plt.get_cmap("tab10")
    for k, u in enumerate(units):
        xs = [i + (k - (len(units) - 1) / 2) * width for i in range(len(layers))]
        busy = [l["units"].get(u, {}).get("busy_cycles", 0) for l in layers]
        stall = [l["units"].get(u, {}).get("stall_cycles", 0) for l in layers]
        ax.bar(xs, busy, width, color=cmap(k), label=f"{UNIT_LABEL[u]} busy")
        ax.bar(xs, stall, width, bottom=busy, color=cmap(k), alpha=0.35, hatch="//",
               label=f"{UNIT_LABEL[u]} stalled")
    ax.plot(range(len(layers)), [l["attributed_cycles"] for l in layers], "k_", ms=18, mew=2,
            label="attributed to the layer")
    ax.set_xticks(range(len(layers)), names)
    ax.set_xlabel("layer")
    ax.set_ylabel("cycles")
    cfg = run["config"]
    r = run["run"]
    what = r["workload"]["name"] if "workload" in r else os.path.basename(r.get("trace", ""))
    ax.set_title(f"{what}: prefill {r['prefill_tokens']} + decode {r['decode_tokens']} tokens, "
                 f"arch {cfg['name']} ({cfg['precision']}, {quantizer_of(cfg)}), "
                 f"{run['total']['cycles']:,} cycles")
    ax.legend(fontsize=7, ncol=2)
    e = run["energy"]
    parts = {"compute": e["compute_pj"], "SRAM": e["sram_pj"], "DRAM": e["dram_pj"],
             "DRAM standby": e.get("dram_background_pj", 0.0), "static": e.get("static_pj", 0.0)}
    scale, unit = readable("energy_pj", list(parts.values()))
    # Bars across: five names on a narrow axis stand one under another
    # instead of running into each other.
    ax2.barh(list(parts), [v * scale for v in parts.values()], color="tab:gray")
    ax2.invert_yaxis()
    ax2.set_xlabel(f"energy ({unit})")
    ax2.set_title(f"energy {e['total_pj'] * scale:,.1f} {unit}")
    save(fig, args.output or os.path.join(os.path.dirname(args.input), "run.breakdown.png"),
         args.force)


def roofline(args):
    run = load_json(args.input, "run")
    cfg, total = run["config"], run["total"]
    ops = run.get("gemm_ops") or []
    if not ops:
        fail(f"{args.input}: no GEMM operations")
    period_ns = total["clock_period_ns"]
    rate = cfg["gemm"]["fp16_rate"] if cfg["precision"] == "fp16" else 1.0
    peak = cfg["gemm"]["rows"] * cfg["gemm"]["cols"] * rate / period_ns  # GMAC/s
    bw = cfg["dram"]["bandwidth_gbps"]  # GB/s: GMAC/s per (MAC/byte)
    xs = [o["macs_per_dram_byte"] for o in ops if o["macs_per_dram_byte"] is not None]
    right = max(xs + [peak / bw]) * 4
    left = min(xs + [peak / bw]) / 4
    fig, ax = plt.subplots(figsize=(8, 5.5))
    ridge = peak / bw
    ax.plot([left, ridge, right], [bw * left, peak, peak], color="black", linewidth=1.2)
    ax.annotate(f"compute roof {peak:.0f} GMAC/s", (right, peak), ha="right", va="bottom")
    ax.annotate(f"DRAM roof {bw:g} GB/s", (left, bw * left), ha="left", va="bottom", rotation=0)
    by_name = {}
    for o in ops:
        x = o["macs_per_dram_byte"]
        took_ns = (o["end_cycle"] - o["start_cycle"]) * period_ns
        if took_ns <= 0:
            continue
        y = o.get("count", 1) * o["M"] * o["N"] * o["K"] / took_ns
        by_name.setdefault(o["name"], []).append((right if x is None else x, y, x is None))
    for name, pts in sorted(by_name.items()):
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=14, alpha=0.6,
                   label=f"{name} ({len(pts)})",
                   marker="x" if all(p[2] for p in pts) else "o")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (MACs per DRAM byte)")
    ax.set_ylabel("achieved GMAC/s")
    ax.set_title(args.title or f"GEMM roofline: {cfg['name']}, {cfg['gemm']['rows']}x"
                 f"{cfg['gemm']['cols']} at {cfg['clock_mhz']:g} MHz, {bw:g} GB/s")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(True, which="both", alpha=0.2)
    save(fig, args.output or os.path.join(os.path.dirname(args.input), "run.roofline.png"),
         args.force)


def regions(args):
    q = load_json(args.input, "quant")
    layers = q["layers"]
    quants = [k for k in layers[0]["quantizers"]]
    fig, axes = plt.subplots(1, len(quants), figsize=(4.5 * len(quants), 4), sharey=True,
                             squeeze=False)
    x = list(range(len(layers)))
    width = 0.8 / len(REGIONS)
    for ax, name in zip(axes[0], quants):
        for k, reg in enumerate(REGIONS):
            mse = [l["quantizers"][name]["by_region"][reg]["mse"] for l in layers]
            ax.bar([i + (k - 1.5) * width for i in x], [m if m > 0 else float("nan") for m in mse],
                   width, label=reg)
        sq = [l["quantizers"][name]["sqnr_db"] for l in layers]
        ax.set_title(f"{name}: SQNR {min(sq):.1f}..{max(sq):.1f} dB")
        ax.set_xticks(x, [str(l["layer"]) for l in layers])
        ax.set_xlabel("layer")
        ax.set_yscale("log")
    axes[0][0].set_ylabel("MSE per element")
    axes[0][0].legend(fontsize=8)
    fig.suptitle(f"{q['trace']['model']}: {q['options']['tensor']} error by region (soft-edge "
                 f"bands at each layer's p{q['options']['percentile']} scale)")
    save(fig, args.output or os.path.join(os.path.dirname(args.input), "quant.regions.png"),
         args.force)


# Readable units by the column's suffix: (suffix, [(threshold, scale, unit)]),
# the first threshold the largest value reaches wins.
UNITS_BY_SUFFIX = [
    ("_ns", [(1e6, 1e-6, "ms"), (1e3, 1e-3, "us"), (0, 1, "ns")]),
    ("_pj", [(1e9, 1e-9, "mJ"), (1e6, 1e-6, "uJ"), (1e3, 1e-3, "nJ"), (0, 1, "pJ")]),
    ("_bytes", [(1e9, 1e-9, "GB"), (1e6, 1e-6, "MB"), (1e3, 1e-3, "kB"), (0, 1, "bytes")]),
    ("_cycles", [(1e9, 1e-9, "G cycles"), (1e6, 1e-6, "M cycles"), (0, 1, "cycles")]),
    ("tokens_per_s", [(0, 1, "tokens/s")]),
    ("_gbps", [(0, 1, "GB/s")]),
    ("_db", [(0, 1, "dB")]),
    ("_pct", [(0, 1, "%")]),
    ("_mm2", [(0, 1, "mm2")]),
    ("_j_s", [(0, 1, "J*s")]),
]
# Columns where more is better; everything else (latency, energy, bytes,
# cycles) is better lower.
HIGHER_IS_BETTER = ("tokens_per_s", "_gbps", "_db", "top1")


def readable(col, values):
    """(scale, unit) that keeps the column's values readable."""
    top = max((abs(v) for v in values if v == v), default=0)
    for suffix, steps in UNITS_BY_SUFFIX:
        if col.endswith(suffix):
            for threshold, scale, unit in steps:
                if top >= threshold:
                    return scale, unit
    return 1, ""


def axis_label(col, unit):
    base = col
    for suffix, _ in UNITS_BY_SUFFIX:
        if col.endswith(suffix) and suffix.startswith("_"):
            base = col[: -len(suffix)]
            break
    return f"{base} ({unit})" if unit else base


def better_high(col, override, inputs=()):
    """Whether higher is better on the column: by its name for a result
    (tokens/s, GB/s, dB), never for an input the sweep varied (a bandwidth
    or an array size is a cost: less of it is better)."""
    if override:
        return override == "high"
    return col not in inputs and col.endswith(HIGHER_IS_BETTER)


def direction(col, high, inputs, override):
    """An axis label's note: which way is better, for a result or an
    explicit --*-better; none for an input."""
    if col in inputs and not override:
        return ""
    return " (higher is better)" if high else " (lower is better)"


def pareto(points, x_high=False, y_high=False):
    """Indices of the points no other point beats on both axes (each axis
    better lower, or higher where *_high)."""
    def at_least(a, b, high):
        return a >= b if high else a <= b

    front = []
    for i, (xi, yi) in enumerate(points):
        dominated = any(
            j != i and at_least(xj, xi, x_high) and at_least(yj, yi, y_high) and
            (xj != xi or yj != yi)
            for j, (xj, yj) in enumerate(points))
        if not dominated:
            front.append(i)
    return sorted(front, key=lambda i: points[i][0])


def parse_where(items, columns, path):
    """--where COL=VALUE: keep rows whose COL equals VALUE (numbers compare
    as numbers)."""
    conds = []
    for item in items or []:
        if "=" not in item:
            fail(f"--where {item!r}: expected COL=VALUE")
        col, value = item.split("=", 1)
        if col not in columns:
            fail(f"--where {item!r}: {path} has no column {col!r} (columns: {', '.join(columns)})")
        conds.append((col, value))
    return conds


def matches(row, conds):
    for col, value in conds:
        got = row.get(col, "")
        try:
            if float(got) != float(value):
                return False
        except ValueError:
            if got != value:
                return False
    return True


def sweep(args):
    try:
        with open(args.input, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        fail(f"{args.input}: {e}")
    if not rows:
        fail(f"{args.input}: no rows")
    for col in (args.x, args.y) + ((args.color,) if args.color else ()):
        if col not in rows[0]:
            fail(f"{args.input}: no column {col!r} (columns: {', '.join(rows[0])})")
    conds = parse_where(args.where, list(rows[0]), args.input)
    ok = [r for r in rows
          if r.get("status") == "ok" and r[args.x] and r[args.y] and matches(r, conds)]
    if not ok:
        fail(f"{args.input}: no finished configuration has {args.x} and {args.y}" +
             (f" where {' and '.join(args.where)}" if conds else ""))
    pts = [(float(r[args.x]), float(r[args.y])) for r in ok]
    xs, xu = readable(args.x, [p[0] for p in pts])
    ys, yu = readable(args.y, [p[1] for p in pts])
    shown = [(p[0] * xs, p[1] * ys) for p in pts]
    # The varied keys: sweep.csv's columns between job and status; those the
    # plotted rows share (a --where, or one value left) label nothing.
    cols = list(rows[0])
    inputs = cols[cols.index("job") + 1:cols.index("status")] if (
        "job" in cols and "status" in cols) else []
    varied = [c for c in inputs if len({r[c] for r in ok}) > 1]
    fig, ax = plt.subplots(figsize=(7, 5))
    joined = args.no_front  # without a front, each series is a line through its points
    series = ([(f"{args.color}={k}", [i for i, r in enumerate(ok) if r[args.color] == k])
               for k in sorted({r[args.color] for r in ok}, key=lambda v: (len(v), v))]
              if args.color else [(None, list(range(len(ok))))])
    markers = "osD^vP*X"
    for n, (label, idx) in enumerate(series):
        idx = sorted(idx, key=lambda i: shown[i])
        # Points drawn over others keep a visible edge: none hides another.
        ax.plot([shown[i][0] for i in idx], [shown[i][1] for i in idx],
                markers[n % len(markers)] + ("-" if joined else ""), ms=6, mfc="none" if n else None,
                lw=1, label=label, alpha=0.9)
    x_high = better_high(args.x, args.x_better, inputs)
    y_high = better_high(args.y, "high" if args.maximize_y else args.y_better, inputs)
    front = [] if args.no_front else pareto(pts, x_high, y_high)
    if front:
        ax.plot([shown[i][0] for i in front], [shown[i][1] for i in front], "k--", lw=1,
                label="Pareto front")
    if args.color or front:
        # Outside the axes: it never covers a point or a label.
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    # One label per distinct point on the front (configurations on the same
    # spot listed together), keys by their last part where that is unique
    # ("mode=se"), each label on the side of its point towards the middle so
    # it stays on the canvas, offsets alternating so neighbours do not overlap.
    last = [c.split(".")[-1] for c in varied]
    short = dict(zip(varied, last if len(set(last)) == len(last) else varied))
    labels = {}
    for i in front:
        labels.setdefault(shown[i], []).append(" ".join(f"{short[c]}={ok[i][c]}" for c in varied))
    x_lo, x_hi = min(p[0] for p in shown), max(p[0] for p in shown)
    y_lo, y_hi = min(p[1] for p in shown), max(p[1] for p in shown)
    for k, (pt, names) in enumerate(sorted(labels.items())):
        text = "\n".join(names[:4]) + (f"\n(+{len(names) - 4} more)" if len(names) > 4 else "")
        if not text.strip():
            continue
        right = x_hi == x_lo or (pt[0] - x_lo) <= (x_hi - x_lo) / 2
        up = y_hi == y_lo or (pt[1] - y_lo) <= (y_hi - y_lo) / 2
        dy = (8 + 22 * (k % 2)) * (1 if up else -1)
        ax.annotate(text, pt, fontsize=7, textcoords="offset points",
                    xytext=(8 if right else -8, dy), ha="left" if right else "right",
                    va="bottom" if dy > 0 else "top",
                    arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "0.5"})
    ax.margins(x=0.1, y=0.12)
    if args.logx:
        ax.set_xscale("log")
        plain_log(ax.xaxis)
    if args.logy:
        ax.set_yscale("log")
        plain_log(ax.yaxis)
    ax.set_xlabel(axis_label(args.x, xu) + direction(args.x, x_high, inputs, args.x_better))
    ax.set_ylabel(axis_label(args.y, yu) +
                  direction(args.y, y_high, inputs, args.y_better or args.maximize_y))
    where = f" where {', '.join(args.where)}" if conds else ""
    quant = sweep_quantizer(args.input, ok)
    ax.set_title(args.title or (f"{len(ok)} configurations{where}" + (f", {quant}" if quant else "") +
                                ("" if args.no_front else f", {len(front)} on the Pareto front")))
    default = "sweep.png" if args.no_front else "sweep.pareto.png"
    save(fig, args.output or os.path.join(os.path.dirname(args.input), default), args.force)


def sweep_quantizer(path, rows):
    """The quantizer the plotted rows share ("" when the sweep varies it or
    it cannot be told): a quantizer.mode column, else the effective
    configuration of the first plotted job (jobs/ID/run.config.json)."""
    if rows and "quantizer.mode" in rows[0]:
        modes = sorted({r["quantizer.mode"] for r in rows})
        return f"quantizer {modes[0]}" if len(modes) == 1 else ""
    if not rows or "job" not in rows[0]:
        return ""
    job = os.path.join(os.path.dirname(path), "jobs", f"{int(rows[0]['job']):05d}",
                       "run.config.json")
    try:
        with open(job) as f:
            return quantizer_of(json.load(f))
    except (OSError, ValueError):
        return ""


def timeline(args):
    try:
        with open(args.input) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{args.input}: {e}")
    if "traceEvents" not in doc or "ssmsim" not in doc:
        fail(f"{args.input}: expected a `ssmsim run --timeline` file")
    ev = doc["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in ev
             if e["ph"] == "M" and e["name"] == "thread_name"}
    lo = args.from_us if args.from_us is not None else 0.0
    hi = args.to_us if args.to_us is not None else float("inf")
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(11, 5), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1]})
    ops = sorted({e["name"] for e in ev if e["ph"] == "X"})
    cmap = plt.get_cmap("tab20")
    colour = {o: cmap(i % 20) for i, o in enumerate(ops)}
    order = [t for t in sorted(names)]
    for e in ev:
        if e["ph"] != "X" or e["ts"] + e["dur"] < lo or e["ts"] > hi:
            continue
        row = order.index(e["tid"])
        ax.broken_barh([(e["ts"], e["dur"])], (row - 0.4, 0.8), color=colour[e["name"]])
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels([UNIT_LABEL.get(names[t], names[t]) for t in order])
    ax.invert_yaxis()
    ax.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=colour[o]) for o in ops], labels=ops,
              fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    meta = doc["ssmsim"]
    quant = f", quantizer {meta['quantizer']}" if "quantizer" in meta else ""
    arch = f", arch {meta['arch']}" if "arch" in meta else ""
    ax.set_title(f"{os.path.basename(args.input)}: {meta['slices']} operations{arch}{quant}")
    pts = [(e["ts"], e["args"]["GB/s"]) for e in ev
           if e["ph"] == "C" and e["name"] == "dram_gbps" and lo <= e["ts"] <= hi]
    if pts:
        ax2.step([p[0] for p in pts], [p[1] for p in pts], where="post", color="tab:gray")
    ax2.set_ylabel("DRAM GB/s")
    ax2.set_xlabel("time (us)")
    if args.to_us is not None or args.from_us is not None:
        ax2.set_xlim(lo, hi if hi != float("inf") else None)
    save(fig, args.output or os.path.splitext(args.input)[0] + ".png", args.force)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    for name in ("breakdown", "regions", "roofline", "sweep", "timeline"):
        s = sub.add_parser(name)
        s.add_argument("input")
        s.add_argument("-o", "--output")
        s.add_argument("--force", action="store_true")
        if name == "roofline":
            s.add_argument("--title")
        if name == "timeline":
            s.add_argument("--from-us", type=float)
            s.add_argument("--to-us", type=float)
        if name == "sweep":
            s.add_argument("--x", default="latency_ns")
            s.add_argument("--y", default="energy_pj")
            s.add_argument("--color")
            s.add_argument("--maximize-y", action="store_true", help="= --y-better high")
            s.add_argument("--x-better", choices=["low", "high"])
            s.add_argument("--y-better", choices=["low", "high"])
            s.add_argument("--where", action="append", metavar="COL=VALUE",
                           help="keep rows whose COL equals VALUE (repeatable)")
            s.add_argument("--logx", action="store_true")
            s.add_argument("--logy", action="store_true")
            s.add_argument("--no-front", action="store_true", help="do not mark a Pareto front")
            s.add_argument("--title")
    args = p.parse_args()
    {"breakdown": breakdown, "regions": regions, "roofline": roofline,
     "sweep": sweep, "timeline": timeline}[args.what](args)


if __name__ == "__main__":
    main()
