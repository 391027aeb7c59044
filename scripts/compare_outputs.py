#!/usr/bin/env python3
"""Compares two output snapshots (scripts/snapshot_outputs.sh) file by file.

  compare_outputs.py BEFORE AFTER

Every file must be byte-identical, except JSON files' "host" objects (wall
time and machine: the only fields allowed to differ between runs). Exit 0
when all match; otherwise lists the files that differ and exits 1.
"""
import json
import os
import sys


def canonical(path):
    """The file's bytes; for JSON, less the top-level "host" object (its
    lines, as the files are written with an indent of 2)."""
    data = open(path, "rb").read()
    if path.endswith(".json"):
        json.loads(data)  # must stay valid JSON
        out, skip = [], False
        for line in data.split(b"\n"):
            if line.startswith(b'  "host": {'):
                skip = not line.rstrip().endswith(b"}") and not line.rstrip().endswith(b"},")
                continue
            if skip:
                skip = not (line.startswith(b"  }") and len(line.rstrip(b",")) == 3)
                continue
            out.append(line)
        return b"\n".join(out)
    return data


def files(root):
    out = set()
    for d, _, names in os.walk(root):
        for n in names:
            out.add(os.path.relpath(os.path.join(d, n), root))
    return out


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    a, b = argv[1], argv[2]
    fa, fb = files(a), files(b)
    bad = sorted(fa ^ fb)
    for f in bad:
        print(f"only in {'before' if f in fa else 'after'}: {f}")
    same = 0
    for f in sorted(fa & fb):
        if canonical(os.path.join(a, f)) == canonical(os.path.join(b, f)):
            same += 1
        else:
            print(f"differs: {f}")
            bad.append(f)
    print(f"{same} identical, {len(bad)} differ or missing")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
