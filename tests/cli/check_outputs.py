#!/usr/bin/env python3
"""Output guarantees of ssmsim commands (CTest helper).

  check_outputs.py same OUTDIR FILE[,FILE...] -- CMD...
      runs CMD twice (it must write into OUTDIR with --force); every listed
      file must be byte-identical between the runs, except the "host" field
      of JSON files (wall time, the one field allowed to vary).
  check_outputs.py cpus OUTDIR FILE[,FILE...] EMULATOR CPU[,CPU...] -- CMD...
      runs CMD natively, then as `EMULATOR -cpu CPU CMD` for each CPU (QEMU's
      user-mode emulation: the kernels dispatch on the emulated CPU's
      features); every listed file must be byte-identical to the native
      run's, as above.
  check_outputs.py interrupt OUTDIR SECONDS -- CMD...
      sends SIGINT to CMD after SECONDS; it must exit non-zero and leave no
      result file (run.json, run.csv, quant.json, quant.csv) in OUTDIR.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time


def canonical(path):
    data = open(path, "rb").read()
    if path.endswith(".json"):
        doc = json.loads(data)
        doc.pop("host", None)
        return json.dumps(doc, sort_keys=True).encode()
    return data


def outputs(cmd, out, files):
    """Runs cmd (its errors on stderr) and returns the listed files' canonical bytes."""
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return {f: canonical(os.path.join(out, f)) for f in files}


def main(argv):
    sep = argv.index("--")
    mode, args, cmd = argv[1], argv[2:sep], argv[sep + 1:]
    if mode == "same":
        out, files = args[0], args[1].split(",")
        runs = [outputs(cmd, out, files) for _ in range(2)]
        for f in files:
            assert runs[0][f] == runs[1][f], f"{f} differs between two identical runs"
        print(f"ok: {', '.join(files)} identical across runs")
    elif mode == "cpus":
        out, files, emulator, cpus = args[0], args[1].split(","), args[2], args[3].split(",")
        native = outputs(cmd, out, files)
        for cpu in cpus:
            emulated = outputs([emulator, "-cpu", cpu] + cmd, out, files)
            for f in files:
                assert emulated[f] == native[f], f"{f} differs on {cpu} from the native run"
        print(f"ok: {', '.join(files)} identical natively and on {', '.join(cpus)}")
    elif mode == "interrupt":
        out, seconds = args[0], float(args[1])
        shutil.rmtree(out, ignore_errors=True)
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(seconds)
        p.send_signal(signal.SIGINT)
        rc = p.wait()
        assert rc != 0, "the command finished before the interrupt: give it more work"
        left = [f for f in ("run.json", "run.csv", "quant.json", "quant.csv")
                if os.path.exists(os.path.join(out, f))]
        assert not left, f"interrupted run left result files: {left}"
        print(f"ok: interrupted (exit {rc}), no result file in {out}")
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv)
