#!/usr/bin/env python3
"""The presets' analytic DRAM numbers are what DRAMSys measures today (CTest).

  check_dram_calibration.py SSMSIM OUT_DIR ARCH_JSON...

For each architecture preset file, runs `ssmsim dram-calibrate --arch FILE`
and checks that the file's dram.latency_ns, dram.read_efficiency and
dram.write_efficiency equal the measured values at the precision the
command prints them: a preset whose DRAM keys change without re-running
the calibration fails here instead of going stale.
"""
import json
import os
import subprocess
import sys


def main(argv):
    ssmsim, out = argv[1], argv[2]
    failed = 0
    for arch in argv[3:]:
        name = os.path.splitext(os.path.basename(arch))[0]
        d = os.path.join(out, name)
        subprocess.run([ssmsim, "dram-calibrate", "--arch", arch, "--out", d, "--force"],
                       check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(d, "dram_calibration.json")) as f:
            measured = json.load(f)["analytic_keys"]
        with open(arch) as f:
            dram = json.load(f)["dram"]
        for key, value in measured.items():
            have = dram[key.split(".", 1)[1]]
            if have != value:
                print(f"{arch}: {key} = {have}, DRAMSys measures {value}: re-run "
                      f"ssmsim dram-calibrate --arch {name} and update the preset")
                failed += 1
            else:
                print(f"{arch}: {key} = {have} as measured")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
