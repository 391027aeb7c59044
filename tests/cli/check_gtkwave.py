#!/usr/bin/env python3
"""GTKWave opens a run's view headless and shows what run.json reports:

  check_gtkwave.py RUN_DIR [--moved-to NEW_DIR]

With --moved-to, RUN_DIR is first renamed to NEW_DIR (as results copied
off a cluster are), and the view is opened there.

Runs `xvfb-run gtkwave -S script.tcl RUN_DIR/run.gtkw`. The Tcl script puts
the marker inside GEMM operations taken from run.json's gemm_ops, and after
the run's end, and prints every displayed signal's value there. The checks:

- the view displays every signal it lists;
- inside each operation, gemm.op shows its name, gemm.layer and gemm.tile
  its layer and tile ("head" = n_layer), and gemm.busy is 1;
- after the end, the quantizer's four region counters equal run.json's
  units.quant.region_counts.

Exit 77 (ctest: skipped) when gtkwave or xvfb-run is not installed
(scripts/install-deps.sh installs both).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile


def main(argv):
    d = argv[1]
    if len(argv) > 3 and argv[2] == "--moved-to":
        shutil.rmtree(argv[3], ignore_errors=True)
        os.rename(d, argv[3])
        d = argv[3]
    if not shutil.which("gtkwave") or not shutil.which("xvfb-run"):
        print("skipped: gtkwave or xvfb-run not installed (scripts/install-deps.sh)")
        return 77
    run = json.load(open(os.path.join(d, "run.json")))
    period = 1000.0 / run["config"]["clock_mhz"]
    n_layer = len([l for l in run["layers"] if l["layer"] != "head"])
    gemms = [g for g in run["gemm_ops"] if g["end_cycle"] - g["start_cycle"] >= 4]
    picks = [gemms[0], gemms[len(gemms) // 2], gemms[-1]]
    times = [int((g["start_cycle"] + g["end_cycle"]) / 2 * period) for g in picks]
    end = int(run["total"]["cycles"] * period) + 10
    gtkw = os.path.join(d, "run.gtkw")
    shown = [l.strip() for l in open(gtkw) if l.startswith("SystemC.")]
    with tempfile.NamedTemporaryFile("w", suffix=".tcl", delete=False) as f:
        f.write("set sigs [gtkwave::getDisplayedSignals]\n")
        f.write('puts "DISPLAYED [llength $sigs]"\n')
        for i, t in enumerate(times + [end]):
            f.write(f"gtkwave::setMarker {t}\n")
            f.write("foreach s $sigs {\n")
            f.write(f'  puts "AT {i} $s = [gtkwave::getTraceValueAtMarkerFromName $s]"\n')
            f.write("}\n")
        f.write("gtkwave::/File/Quit\n")
        script = f.name
    out = subprocess.run(["xvfb-run", "-a", "gtkwave", "-S", script, gtkw],
                         capture_output=True, text=True, timeout=120).stdout
    os.unlink(script)
    displayed = [int(l.split()[1]) for l in out.splitlines() if l.startswith("DISPLAYED")]
    assert displayed == [len(shown)], f"GTKWave displayed {displayed}, the view lists {len(shown)}"
    values = {}
    for l in out.splitlines():
        if l.startswith("AT "):
            _, i, name, _, value = l.split(None, 4)
            values[(int(i), name)] = value.strip()
    for i, g in enumerate(picks):
        layer = n_layer if g["layer"] == "head" else g["layer"]
        got = (values[(i, "SystemC.gemm.op[31:0]")], values[(i, "SystemC.gemm.layer[31:0]")],
               values[(i, "SystemC.gemm.tile[31:0]")], values[(i, "SystemC.gemm.busy")])
        want = (g["name"], str(layer), str(g["tile"]), "1")
        assert got == want, f"at {times[i]} ns: GTKWave shows {got}, run.json {want}"
    rc = run["units"]["quant"]["region_counts"]
    e = len(times)
    for region in ("normal", "saturated", "small", "large"):
        shown_count = int(values[(e, f"SystemC.quant.{region}_count[63:0]")])
        assert shown_count == rc[region], f"{region}: GTKWave {shown_count}, run.json {rc[region]}"
    print(f"ok: GTKWave shows {len(shown)} signals; {len(picks)} GEMMs and the region counts "
          "as run.json reports them")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
