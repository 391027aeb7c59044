#!/usr/bin/env python3
"""The workload file shown in docs/workloads.md runs as shown (CTest helper).

  check_doc_workload.py SSMSIM DOC OUTDIR
"""
import os
import re
import subprocess
import sys


def main(argv):
    exe, doc, out = argv[1:4]
    text = open(doc, encoding="utf-8").read()
    block = re.search(r"## Workload files\s+```json\n(.*?)```", text, re.S)
    assert block, "no workload example in " + doc
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "doc-workload.json")
    with open(path, "w") as f:
        f.write(block.group(1))
    p = subprocess.run([exe, "run", "--workload", path, "--set", "workload.prefill_tokens=64",
                        "--set", "workload.decode_tokens=2", "--out", out, "--force"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    print("ok: the documented workload file runs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
