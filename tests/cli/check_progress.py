#!/usr/bin/env python3
"""calibrate shows progress on a terminal and nothing when not (CTest helper).

  check_progress.py SSMSIM MODEL TRACE OUTDIR

On a pseudo-terminal (util-linux `script`) stderr carries "calibrate: N/N
samples, R samples/s, T s left"; with stderr a pipe it carries nothing.
"""
import os
import shlex
import subprocess
import sys


def main(argv):
    exe, model, trace, out = argv[1:5]
    os.makedirs(out, exist_ok=True)
    cmd = [exe, "calibrate", "--model", model, "--trace", trace, "--trace", trace,
           "--out", os.path.join(out, "scales.json"), "--force"]
    piped = subprocess.run(cmd, capture_output=True, text=True)
    assert piped.returncode == 0, piped.stderr
    assert "samples/s" not in piped.stderr and "samples/s" not in piped.stdout, piped.stderr
    tty = subprocess.run(["script", "-qec", shlex.join(cmd), os.devnull],
                         capture_output=True, text=True)
    assert tty.returncode == 0, tty.stdout + tty.stderr
    assert "calibrate: 2/2 samples" in tty.stdout and "s left" in tty.stdout, tty.stdout
    print("ok: progress on a terminal, none in a pipe")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
