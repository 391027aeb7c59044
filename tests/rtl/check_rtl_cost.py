#!/usr/bin/env python3
"""The quantizer stage's cost table in docs/quantizer-rtl.md is what
scripts/rtl_cost.sh gives: runs the script and compares the Yosys version
line and every mode's row with the page's.

  check_rtl_cost.py REPO OUT_DIR
"""
import os
import subprocess
import sys


def rows(text):
    """The Yosys version line and the table's mode rows right below it."""
    lines = [l.strip() for l in text.splitlines()]
    start = next(i for i, l in enumerate(lines) if l.startswith("Yosys "))
    keep = [lines[start]]
    for l in lines[start + 1:]:
        if not l.startswith("|"):
            break
        if not (l.startswith("| mode ") or l.startswith("| ---")):
            keep.append(l)
    return keep


def main(argv):
    repo, out = argv[1], argv[2]
    got = subprocess.run(["bash", os.path.join(repo, "scripts/rtl_cost.sh"), out],
                         capture_output=True, text=True, check=True).stdout
    doc = open(os.path.join(repo, "docs/quantizer-rtl.md")).read()
    want, have = rows(doc), rows(got)
    assert len(want) == 4, f"the page's table: {want}"
    assert have == want, f"scripts/rtl_cost.sh gives\n{got}\nthe page says\n" + "\n".join(want)
    print("ok: the cost table equals the synthesis:\n" + "\n".join(have))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
