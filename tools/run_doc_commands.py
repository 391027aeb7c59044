#!/usr/bin/env python3
"""Runs a documentation page's shell commands top to bottom, as a new user
would on a clean clone:

  run_doc_commands.py PAGE.md --repo ROOT --build BUILD_DIR --work DIR

Every ```sh block of the page runs, in order, with bash -e in a fresh
checkout-like folder WORK/main: the repository's tracked top-level entries
linked in, `build` linked to BUILD_DIR, and WORK/shared linked to the
repository's ../shared (so `../shared/...` paths resolve). Blocks fenced as
```text are synopses and do not run. A block right after a line
`<!-- doc-test: skip REASON -->` is skipped with its reason (PyTorch, a GPU,
root, or a run measured elsewhere). Exit 1 at the first failing block,
naming the page, the block's first line and its output.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys


def blocks(path):
    """(line number, skip reason or None, text) of each ```sh block."""
    out = []
    lines = open(path).read().splitlines()
    i = 0
    skip = None
    while i < len(lines):
        line = lines[i]
        m = re.match(r"\s*<!--\s*doc-test:\s*skip\s+(.*?)\s*-->", line)
        if m:
            skip = m.group(1)
        elif line.strip() == "```sh":
            start = i + 1
            i += 1
            body = []
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            out.append((start, skip, "\n".join(body)))
            skip = None
        elif line.strip():
            skip = None if not line.startswith("<!--") else skip
        i += 1
    return out


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("page")
    p.add_argument("--repo", required=True)
    p.add_argument("--build", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--timeout", type=int, default=900)
    a = p.parse_args(argv[1:])
    repo = os.path.realpath(a.repo)
    shutil.rmtree(a.work, ignore_errors=True)
    main_dir = os.path.join(a.work, "main")
    os.makedirs(main_dir)
    shared = os.path.realpath(os.path.join(repo, "..", "shared"))
    if os.path.isdir(shared):
        os.symlink(shared, os.path.join(a.work, "shared"))
    tracked = subprocess.run(["git", "-C", repo, "ls-files"], capture_output=True, text=True,
                             check=True).stdout.split()
    for top in sorted({t.split("/")[0] for t in tracked}):
        os.symlink(os.path.join(repo, top), os.path.join(main_dir, top))
    os.symlink(os.path.realpath(a.build), os.path.join(main_dir, "build"))
    page = os.path.join(repo, a.page)
    ran = skipped = 0
    env = dict(os.environ, PATH="/usr/bin:" + os.environ.get("PATH", ""))
    for line, skip, text in blocks(page):
        first = text.strip().splitlines()[0] if text.strip() else ""
        if skip:
            print(f"{a.page}:{line}: skipped ({skip}): {first}")
            skipped += 1
            continue
        r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", text], cwd=main_dir, env=env,
                           capture_output=True, text=True, timeout=a.timeout)
        if r.returncode != 0:
            print(f"{a.page}:{line}: the block starting `{first}` failed (exit {r.returncode}):")
            print((r.stdout + r.stderr)[-3000:])
            return 1
        print(f"{a.page}:{line}: ok: {first}")
        ran += 1
    print(f"ok: {a.page}: {ran} block(s) ran, {skipped} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
