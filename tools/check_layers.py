#!/usr/bin/env python3
"""Checks that every source folder includes only the layers below it.

  check_layers.py [SOURCE_ROOT]

The layers, lowest first, and what each may include (docs/architecture.md).
The hardware model (hw) sees neither the Mamba software model nor file
formats nor the lowering of a model to its programs (lower/, above it): what its units compute comes through the Datapath interface, which
datapath/ implements. Exit 1 with one line per offending include.
"""
import os
import re
import sys

ALLOWED = {
    "common": set(),
    "numeric": {"common"},
    "io": {"common", "numeric"},
    "mamba": {"common", "numeric", "io"},
    "config": {"common", "numeric"},
    "rtl": {"common", "numeric"},
    "hw": {"common", "numeric", "config"},
    "lower": {"common", "numeric", "config", "hw"},
    "datapath": {"common", "numeric", "io", "mamba", "config", "hw", "rtl"},
    "sim": {"common", "numeric", "io", "mamba", "config", "hw", "lower", "datapath", "rtl"},
    "cli": {"common", "numeric", "io", "mamba", "config", "hw", "lower", "datapath", "sim", "rtl"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    bad = 0
    for layer, allowed in ALLOWED.items():
        folder = os.path.join(root, layer)
        if not os.path.isdir(folder):
            continue
        for dirpath, _, names in os.walk(folder):
            for name in sorted(names):
                if not name.endswith((".hpp", ".cpp", ".h")):
                    continue
                path = os.path.join(dirpath, name)
                for n, line in enumerate(open(path, encoding="utf-8"), 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    target = m.group(1).split("/")[0]
                    if target == layer or target not in ALLOWED:
                        continue  # own layer, or a generated/system header
                    if target not in allowed:
                        rel = os.path.relpath(path, root)
                        print(f"{rel}:{n}: {layer}/ includes {m.group(1)} ({target}/ is not below it)")
                        bad += 1
    print(f"check_layers: {bad} upward or sideways include(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
