#!/usr/bin/env python3
"""The GTKWave view written beside a run's VCD:

  check_vcd_view.py RUN_DIR

- run.gtkw loads run.vcd (an absolute path that exists) and the translate
  filter run.ops.txt (idem);
- every signal the view shows is declared in the VCD (GTKWave would drop a
  missing one silently);
- the filter names every operation of run.json's kernel table, and every
  code the VCD's *.op signals take has a name in it.
"""
import json
import os
import re
import sys


def main(argv):
    d = argv[1]
    gtkw = open(os.path.join(d, "run.gtkw")).read().splitlines()
    dump = [l for l in gtkw if l.startswith("[dumpfile]")]
    assert len(dump) == 1, "one [dumpfile] line"
    vcd_path = dump[0].split('"')[1]
    assert os.path.isabs(vcd_path) and os.path.samefile(vcd_path, os.path.join(d, "run.vcd")), vcd_path
    filt = [l for l in gtkw if l.startswith("^1 ")]
    assert len(filt) == 1 and os.path.samefile(filt[0][3:], os.path.join(d, "run.ops.txt")), filt
    # Signals declared in the VCD: $scope module NAME ... $var TYPE WIDTH ID NAME $end
    scopes, declared, ids = [], set(), {}
    vcd = open(os.path.join(d, "run.vcd"))
    for line in vcd:
        if line.startswith("$enddefinitions"):
            break
        tok = line.split()
        if tok[:2] == ["$scope", "module"]:
            scopes.append(tok[2])
        elif tok[:1] == ["$upscope"]:
            scopes.pop()
        elif tok[:1] == ["$var"]:
            width, ident, name = int(tok[2]), tok[3], tok[4]
            full = ".".join(scopes + [name]) + (f"[{width - 1}:0]" if width > 1 else "")
            declared.add(full)
            ids[ident] = full
    shown = [l for l in gtkw if l.startswith("SystemC.")]
    assert shown, "the view shows no signal"
    missing = [s for s in shown if s not in declared]
    assert not missing, f"signals not in the VCD: {missing}"
    # Operation codes the *.op signals take.
    op_ids = {i for i, n in ids.items() if re.search(r"\.op\[31:0\]$", n)}
    codes = set()
    for line in vcd:
        m = re.match(r"b([01]+) (\S+)", line)
        if m and m.group(2) in op_ids:
            codes.add(int(m.group(1), 2))
    names = {}
    for line in open(os.path.join(d, "run.ops.txt")):
        if line.strip() and not line.startswith("#"):
            value, name = line.split(None, 1)
            names[int(value)] = name.strip()
    unnamed = [c for c in codes if c not in names and c - (1 << 32) not in names]
    assert not unnamed, f"op codes without a name: {unnamed}"
    run = json.load(open(os.path.join(d, "run.json")))
    kernels = {k["kernel"] for k in run["kernels"]}
    assert kernels <= set(names.values()), f"kernels without a code: {kernels - set(names.values())}"
    seen = {names.get(c, names.get(c - (1 << 32))) for c in codes}
    assert seen - {"idle"} == kernels, f"ops in the VCD {sorted(seen)} != kernels {sorted(kernels)}"
    print(f"ok: {len(shown)} signals, {len(seen) - 1} operations named in the view")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
