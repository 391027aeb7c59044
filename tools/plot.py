#!/usr/bin/env python3
"""Plots of ssmsim results (matplotlib, Debian python3-matplotlib).

  plot.py breakdown OUT/run.json [-o FILE.png]
      busy cycles per unit and layer (stacked), and energy per unit
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
  plot.py sweep DIR/sweep.csv [--x COL] [--y COL] [--color COL] [--maximize-y] [-o FILE.png]
      one point per configuration, the Pareto front (lower x, lower y; or higher y) marked

Without -o the figure is written beside the input (run.breakdown.png,
quant.regions.png, sweep.pareto.png). An existing file is kept unless --force.
"""
import argparse
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402

UNITS = ["gemm", "quant", "scan", "had", "vec"]
UNIT_LABEL = {"gemm": "GEMM", "quant": "SE quantizer", "scan": "scan", "had": "Hadamard",
              "vec": "vector (norm, conv, gate)"}
REGIONS = ["small", "normal", "large", "saturated"]


def fail(msg):
    print(f"plot.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def load_json(path, command):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
    if doc.get("command") != command:
        fail(f"{path}: expected the JSON of `ssmsim {command}`, found command {doc.get('command')!r}")
    return doc


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
    bottom = [0.0] * len(layers)
    for u in UNITS:
        vals = [l["units"].get(u, {}).get("busy_cycles", 0) for l in layers]
        if not any(vals):
            continue
        ax.bar(names, vals, bottom=bottom, label=UNIT_LABEL[u])
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_xlabel("layer")
    ax.set_ylabel("busy cycles")
    cfg = run["config"]
    r = run["run"]
    what = r["workload"]["name"] if "workload" in r else os.path.basename(r.get("trace", ""))
    ax.set_title(f"{what}: prefill {r['prefill_tokens']} + decode {r['decode_tokens']} tokens, "
                 f"arch {cfg['name']} ({cfg['precision']}), {run['total']['cycles']:,} cycles")
    ax.legend(fontsize=8)
    e = run["energy"]
    parts = {"compute": e["compute_pj"], "SRAM": e["sram_pj"], "DRAM": e["dram_pj"],
             "static": e.get("static_pj", 0.0)}
    ax2.bar(list(parts), [v * 1e-6 for v in parts.values()], color="tab:gray")
    ax2.set_ylabel("energy (uJ)")
    ax2.set_title(f"energy {e['total_pj'] * 1e-6:,.1f} uJ")
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
        y = o["M"] * o["N"] * o["K"] / took_ns
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


def pareto(points, maximize_y):
    """Indices of the points no other point beats in both x (lower) and y."""
    front = []
    for i, (xi, yi) in enumerate(points):
        dominated = False
        for j, (xj, yj) in enumerate(points):
            better_y = yj > yi if maximize_y else yj < yi
            same_or_better_y = yj >= yi if maximize_y else yj <= yi
            if j != i and xj <= xi and same_or_better_y and (xj < xi or better_y):
                dominated = True
                break
        if not dominated:
            front.append(i)
    return sorted(front, key=lambda i: points[i][0])


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
    ok = [r for r in rows if r.get("status") == "ok" and r[args.x] and r[args.y]]
    if not ok:
        fail(f"{args.input}: no finished configuration has {args.x} and {args.y}")
    pts = [(float(r[args.x]), float(r[args.y])) for r in ok]
    fig, ax = plt.subplots(figsize=(7, 5))
    if args.color:
        keys = sorted({r[args.color] for r in ok}, key=lambda v: (len(v), v))
        for k in keys:
            sel = [p for p, r in zip(pts, ok) if r[args.color] == k]
            ax.scatter([p[0] for p in sel], [p[1] for p in sel], label=f"{args.color}={k}", s=30)
        ax.legend(fontsize=8)
    else:
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=30)
    front = [] if args.no_front else pareto(pts, args.maximize_y)
    if front:
        ax.plot([pts[i][0] for i in front], [pts[i][1] for i in front], "k--", lw=1,
                label="Pareto front")
    # One label per distinct point on the front: configurations that land on
    # the same spot are listed together.
    varied = [c for c in rows[0] if c not in ("job", "status", "error") and
              not c.endswith(("_ns", "_pj", "_bytes", "_s", "_cycles", "_db", "_tokens", "batch"))]
    labels = {}
    for i in front:
        labels.setdefault(pts[i], []).append(" ".join(ok[i][c] for c in varied))
    for pt, names in labels.items():
        text = "\n".join(names[:4]) + (f"\n(+{len(names) - 4} more)" if len(names) > 4 else "")
        ax.annotate(text, pt, fontsize=7, textcoords="offset points", xytext=(4, 4))
    ax.set_xscale("log" if args.logx else "linear")
    ax.set_yscale("log" if args.logy else "linear")
    ax.set_xlabel(args.x)
    ax.set_ylabel(args.y)
    ax.set_title(args.title or (f"{len(ok)} configurations" +
                                ("" if args.no_front else f", {len(front)} on the Pareto front")))
    save(fig, args.output or os.path.join(os.path.dirname(args.input), "sweep.pareto.png"),
         args.force)


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
    ax.set_title(f"{os.path.basename(args.input)}: {doc['ssmsim']['slices']} operations")
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
            s.add_argument("--maximize-y", action="store_true")
            s.add_argument("--logx", action="store_true")
            s.add_argument("--logy", action="store_true")
            s.add_argument("--no-front", action="store_true", help="do not mark a Pareto front")
            s.add_argument("--title")
    args = p.parse_args()
    {"breakdown": breakdown, "regions": regions, "roofline": roofline,
     "sweep": sweep, "timeline": timeline}[args.what](args)


if __name__ == "__main__":
    main()
