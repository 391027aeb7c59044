#!/usr/bin/env python3
"""A checkpoint of another model with the trace's shapes is refused (CTest helper).

  check_mismatch.py SSMSIM MODEL_DIR TRACE WORKDIR

Copies MODEL_DIR with one tensor (layer 0's out_proj) zeroed: the same
shapes, another model. eval and run --model must refuse it, naming the
disagreement; with --allow-mismatch they warn and run; the real checkpoint
passes.
"""
import json
import os
import shutil
import struct
import subprocess
import sys


def zero_tensor(path, name):
    with open(path, "r+b") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        begin, end = header[name]["data_offsets"]
        f.seek(8 + n + begin)
        f.write(b"\0" * (end - begin))


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


def main(argv):
    exe, model, trace, work = argv[1:5]
    other = os.path.join(work, "other-model")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(model, other)
    zero_tensor(os.path.join(other, "model.safetensors"), "backbone.layers.0.mixer.out_proj.weight")
    out = os.path.join(work, "out")
    for cmd in (["eval", "--quantizer", "int8"], ["run", "--tokens", "16"]):
        p = run(exe, *cmd, "--model", other, "--trace", trace, "--out", out, "--force")
        assert p.returncode == 1, (cmd, p.returncode, p.stderr)
        assert "differ from" in p.stderr and "--allow-mismatch" in p.stderr, p.stderr
        p = run(exe, *cmd, "--model", other, "--trace", trace, "--out", out, "--force",
                "--allow-mismatch")
        assert p.returncode == 0 and "warning:" in p.stderr, (cmd, p.stderr)
        p = run(exe, *cmd, "--model", model, "--trace", trace, "--out", out, "--force")
        assert p.returncode == 0 and "warning" not in p.stderr, (cmd, p.stderr)
    print("ok: another model's checkpoint is refused, the trace's own accepted")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
