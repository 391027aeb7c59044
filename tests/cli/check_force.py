#!/usr/bin/env python3
"""--force replaces a results folder's run as a set (CTest helper).

  check_force.py SSMSIM TRACE OUTDIR

A trace run with a VCD and a timeline in OUTDIR, then a workload run, then a trace run
with --force and no VCD into the same folder: after each, the folder holds
exactly that run's files (no earlier run.vcd, run.trace.json or run.workload.json).
"""
import os
import shutil
import subprocess
import sys


def run(exe, *args):
    p = subprocess.run([exe, "run", *args], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr


def files(d):
    return sorted(f for f in os.listdir(d) if not f.startswith("."))


def main(argv):
    exe, trace, out = argv[1:4]
    shutil.rmtree(out, ignore_errors=True)
    run(exe, "--trace", trace, "--tokens", "16", "--out", out, "--vcd", os.path.join(out, "run.vcd"),
        "--timeline", os.path.join(out, "run.trace.json"))
    assert files(out) == ["run.config.json", "run.csv", "run.gtkw", "run.json",
                          "run.kernels.csv", "run.ops.txt", "run.stall.txt", "run.trace.json", "run.vcd"], files(out)
    run(exe, "--workload", "mamba-130m", "--set", "workload.prefill_tokens=64",
        "--set", "workload.decode_tokens=0", "--out", out, "--force")
    assert files(out) == ["run.config.json", "run.csv", "run.json", "run.kernels.csv",
                          "run.workload.json"], files(out)
    run(exe, "--trace", trace, "--tokens", "16", "--out", out, "--force")
    assert files(out) == ["run.config.json", "run.csv", "run.json", "run.kernels.csv"], files(out)
    print("ok: --force leaves one run's results")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
