#!/usr/bin/env python3
"""ssmsim eval --tasks (issue 38), checked from its own outputs:

  check_tasks.py SSMSIM TASKS.jsonl WORK MODEL1 TRACE1 MODEL2 TRACE2

On 8 multiple-choice and 8 greedy items of TASKS (the shared sample), for a
Mamba-1 and a Mamba-2 checkpoint (calibrated on their bundled traces):

- eval.csv's acc, acc_norm and standard errors are what the harness would
  compute from eval.items.csv's loglikelihoods and greedy flags (argmax,
  ties to the lowest index; per character for acc_norm;
  sqrt(p(1-p)/(n-1)));
- eval.json's per-item results agree with eval.items.csv;
- the labels are fp32 and each quantizer (Mamba-2: quantizer/scheme);
- bad invocations are named errors: a task file with a label out of range
  (file, line and field), --trace with --tasks, no scales or calibration,
  --scheme on a Mamba-1 model.
"""
import csv
import json
import math
import os
import subprocess
import sys


def run(cmd):
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, capture_output=True, text=True)


def subset(src, dst):
    items = [json.loads(l) for l in open(src) if l.strip()]
    mc = [i for i in items if i["kind"] == "multiple_choice"][:8]
    greedy = [i for i in items if i["kind"] == "greedy"][:8]
    with open(dst, "w") as f:
        for i in mc + greedy:
            f.write(json.dumps(i) + "\n")
    return mc + greedy


def check_outputs(out, items, labels):
    chars = {(i["task"], i["doc"]): [r["continuation_chars"] for r in i["requests"]] for i in items}
    kinds = {(i["task"], i["doc"]): i["kind"] for i in items}
    gold = {(i["task"], i["doc"]): i["label"] for i in items}
    reqs = {}
    for r in csv.DictReader(open(os.path.join(out, "eval.items.csv"))):
        key = (r["task"], int(r["doc"]))
        reqs.setdefault((r["quantizer"], key), []).append(
            (int(r["request"]), float(r["loglikelihood"]), r["greedy"] == "1"))
    assert sorted({q for q, _ in reqs}) == sorted(labels), sorted({q for q, _ in reqs})
    want = {}
    for (q, key), rs in reqs.items():
        rs.sort()
        ll = [x[1] for x in rs]
        if kinds[key] == "greedy":
            acc, norm = rs[0][2], None
        else:
            pick = max(range(len(ll)), key=lambda i: (ll[i], -i))
            normed = [ll[i] / chars[key][i] for i in range(len(ll))]
            pick_n = max(range(len(ll)), key=lambda i: (normed[i], -i))
            acc, norm = pick == gold[key], pick_n == gold[key]
        t = want.setdefault((key[0], q), {"acc": [], "norm": []})
        t["acc"].append(acc)
        if norm is not None:
            t["norm"].append(norm)
    se = lambda p, n: math.sqrt(p * (1 - p) / (n - 1)) if n > 1 else 0.0
    rows = list(csv.DictReader(open(os.path.join(out, "eval.csv"))))
    assert len(rows) == len(want), (len(rows), len(want))
    for r in rows:
        w = want[(r["task"], r["quantizer"])]
        n = len(w["acc"])
        p = sum(w["acc"]) / n
        assert int(r["items"]) == n and abs(float(r["acc"]) - p) < 1e-12, (r, p)
        assert abs(float(r["acc_stderr"]) - se(p, n)) < 1e-12, r
        if w["norm"]:
            pn = sum(w["norm"]) / len(w["norm"])
            assert abs(float(r["acc_norm"]) - pn) < 1e-12, (r, pn)
            assert abs(float(r["acc_norm_stderr"]) - se(pn, n)) < 1e-12, r
        else:
            assert r["acc_norm"] == "", r
    j = json.load(open(os.path.join(out, "eval.json")))
    assert j["quantizers"] == labels, j["quantizers"]
    for it in j["items"]:
        key = (it["task"], it["doc"])
        for q in labels:
            got = it["results"][q]["loglikelihoods"]
            ref = [x[1] for x in sorted(reqs[(q, key)])]
            assert all(abs(a - b) <= 1e-9 * max(1.0, abs(b)) for a, b in zip(got, ref)), (key, q)
    return rows


def main(argv):
    exe, tasks, work, m1, t1, m2, t2 = argv[1:8]
    if not os.path.exists(tasks):
        print(f"skipped: no {tasks} (../shared)")
        return 77
    os.makedirs(work, exist_ok=True)
    small = os.path.join(work, "tasks16.jsonl")
    items = subset(tasks, small)
    out1 = os.path.join(work, "m1")
    r = run([exe, "eval", "--model", m1, "--tasks", small, "--calib", t1, "--out", out1, "--force"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "pile_cont_mc" in r.stdout and "acc_norm_pct" in r.stdout, r.stdout
    check_outputs(out1, items, ["fp32", "int8", "se", "se-authors"])
    out2 = os.path.join(work, "m2")
    r = run([exe, "eval", "--model", m2, "--tasks", small, "--calib", t2, "--quantizer", "se",
             "--scheme", "quamba2", "--out", out2, "--force"])
    assert r.returncode == 0, r.stdout + r.stderr
    check_outputs(out2, items, ["fp32", "se/quamba2"])
    # Errors.
    bad = os.path.join(work, "bad.jsonl")
    lines = open(small).read().splitlines()
    broken = json.loads(lines[1])
    broken["label"] = 7
    with open(bad, "w") as f:
        f.write(lines[0] + "\n" + json.dumps(broken) + "\n")
    r = run([exe, "eval", "--model", m1, "--tasks", bad, "--calib", t1, "--out",
             os.path.join(work, "bad"), "--force"])
    assert r.returncode != 0 and "bad.jsonl:2: label: 7: out of range for 4 request(s)" in r.stderr, \
        r.stderr
    r = run([exe, "eval", "--model", m1, "--tasks", small, "--trace", t1, "--out",
             os.path.join(work, "both"), "--force"])
    assert r.returncode != 0 and "exactly one of --trace or --tasks" in r.stderr, r.stderr
    r = run([exe, "eval", "--model", m1, "--tasks", small, "--out", os.path.join(work, "noscale"),
             "--force"])
    assert r.returncode != 0 and "--scales FILE" in r.stderr and "--calib" in r.stderr, r.stderr
    r = run([exe, "eval", "--model", m1, "--tasks", small, "--calib", t1, "--scheme", "quamba2",
             "--out", os.path.join(work, "scheme"), "--force"])
    assert r.returncode != 0 and "--scheme is for Mamba-2 models" in r.stderr, r.stderr
    print("ok: eval --tasks on Mamba-1 and Mamba-2; metrics recomputed from the items; errors")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
