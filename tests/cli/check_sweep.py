#!/usr/bin/env python3
"""Sweep tests (CTest helper); each mode runs ssmsim itself.

  check_sweep.py parallel SSMSIM WORK   --emit-jobs + GNU parallel + merge == sweep -j 2
  check_sweep.py resume SSMSIM WORK TRACE
                                        SIGINT mid-sweep: exit 130, no sweep.csv, nothing
                                        complete-looking that is not done; the same command
                                        resumes (skips done jobs) and ends with the CSV of an
                                        uninterrupted sweep
  check_sweep.py failures SSMSIM WORK   a failing configuration is a row with its error; the
                                        others still run; exit 1
"""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def run(cmd, **kw):
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def parallel(ssmsim, work):
    work = fresh(work)
    vary = ["--workload", "mamba-130m", "--set", "workload.decode_tokens=4",
            "--vary", "gemm.rows+gemm.cols=32,64", "--vary", "dram.bandwidth_gbps=34,68,136"]
    a, b, jobs = f"{work}/a", f"{work}/b", f"{work}/jobs.txt"
    r = run([ssmsim, "sweep", *vary, "--out", a, "--emit-jobs", jobs])
    assert r.returncode == 0, r.stdout + r.stderr
    lines = open(jobs).read().splitlines()
    assert len(lines) == 6, lines
    r = run(["parallel", "--will-cite", "-j", "2"], stdin=open(jobs))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count(": ok") == 6, r.stdout
    r = run([ssmsim, "merge", a])
    assert r.returncode == 0, r.stdout + r.stderr
    r = run([ssmsim, "sweep", *vary, "--out", b, "-j", "2"])
    assert r.returncode == 0, r.stdout + r.stderr
    ra, rb = rows(f"{a}/sweep.csv"), rows(f"{b}/sweep.csv")
    assert len(ra) == 6 and all(x["status"] == "ok" for x in ra), ra
    assert ra == rb, "GNU parallel and sweep -j 2 disagree"
    assert ra[0]["gemm.rows+gemm.cols"] == "32" and ra[0]["dram.bandwidth_gbps"] == "34"
    # More bandwidth never makes it slower; a bigger array never either.
    lat = {(x["gemm.rows+gemm.cols"], x["dram.bandwidth_gbps"]): float(x["latency_ns"]) for x in ra}
    assert lat[("32", "34")] >= lat[("32", "68")] >= lat[("32", "136")], lat
    assert lat[("32", "68")] >= lat[("64", "68")], lat
    # Per-unit costs (issue 37): each row's unit columns are its run.json's,
    # and the areas add up to area_mm2.
    for x in ra:
        run_json = json.load(open(f"{a}/jobs/{int(x['job']):05d}/run.json"))
        units = ["gemm", "quant", "scan", "had", "vec"]
        for u in units:
            assert float(x[f"{u}_busy_cycles"]) == run_json["units"][u]["busy_cycles"], u
            assert float(x[f"{u}_energy_pj"]) == run_json["energy"]["units"][u]["total_pj"], u
        areas = sum(float(x[f"{u}_area_mm2"]) for u in units + ["sram"])
        assert abs(areas - float(x["area_mm2"])) <= 1e-9 * float(x["area_mm2"]), (areas, x)
    # Rerunning the emitted jobs skips them all.
    r = run(["parallel", "--will-cite", "-j", "2"], stdin=open(jobs))
    assert r.stdout.count("done already") == 6, r.stdout
    print("ok: 6 jobs through GNU parallel, merged CSV == sweep -j 2")


def resume(ssmsim, work, trace):
    work = fresh(work)
    cmd = [ssmsim, "sweep", "--trace", trace, "--vary", "quantizer.mode=int8,se,se-authors",
           "--vary", "quantizer.multicycle=false,true", "-j", "1"]
    clean = run(cmd + ["--out", f"{work}/clean"])
    assert clean.returncode == 0, clean.stdout + clean.stderr
    out = f"{work}/cut"
    p = subprocess.Popen(cmd + ["--out", out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        jobs = os.path.join(out, "jobs")
        if os.path.isdir(jobs) and any(os.path.exists(f"{jobs}/{d}/done") for d in os.listdir(jobs)):
            break
        time.sleep(0.005)
    p.send_signal(signal.SIGINT)
    text, _ = p.communicate()
    print(text)
    assert p.returncode == 130, f"exit {p.returncode}"
    assert "interrupted" in text and "resume" in text, text
    assert not os.path.exists(f"{out}/sweep.csv"), "an interrupted sweep wrote sweep.csv"
    done = 0
    for d in sorted(os.listdir(f"{out}/jobs")):
        jd = f"{out}/jobs/{d}"
        names = os.listdir(jd)
        assert not any(n.startswith(".") or n.endswith(".tmp") for n in names), names
        if "done" in names:
            done += 1
            for n in ("run.json", "run.csv", "run.config.json"):
                assert n in names, f"{jd}: done but no {n}"
            json.load(open(f"{jd}/run.json"))
    assert 1 <= done < 6, f"{done} jobs done before the interrupt"
    again = run(cmd + ["--out", out])
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{done} done already" in again.stdout, again.stdout
    assert rows(f"{out}/sweep.csv") == rows(f"{work}/clean/sweep.csv")
    print(f"ok: interrupted after {done} job(s), resumed, CSV equals the clean sweep")


def failures(ssmsim, work):
    work = fresh(work)
    r = run([ssmsim, "sweep", "--workload", "mamba-130m", "--set", "workload.decode_tokens=0",
             "--vary", "hadamard.size=0,7,768", "-j", "2", "--out", f"{work}/s"])
    assert r.returncode == 1, f"exit {r.returncode}"
    rs = rows(f"{work}/s/sweep.csv")
    by = {x["hadamard.size"]: x for x in rs}
    assert by["0"]["status"] == "ok" and by["768"]["status"] == "ok", rs
    assert by["7"]["status"] == "failed", rs
    assert "hadamard.size = 7: not supported for d_inner 1536" in by["7"]["error"], by["7"]
    assert by["7"]["latency_ns"] == "" and float(by["768"]["latency_ns"]) > 0
    print("ok: the failing configuration is a row with its error; the others ran")


if __name__ == "__main__":
    mode = sys.argv[1]
    {"parallel": parallel, "resume": resume, "failures": failures}[mode](*sys.argv[2:])
