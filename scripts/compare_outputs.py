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
    data = open(path, "rb").read()
    if path.endswith(".json"):
        doc = json.loads(data)
        if isinstance(doc, dict):
            doc.pop("host", None)
        return json.dumps(doc, sort_keys=True).encode()
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
