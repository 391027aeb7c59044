#!/usr/bin/env bash
# Speed of the accuracy commands: ssmsim eval (W8A8, all quantizers,
# self-calibrated) on one bundled 256-token trace, Mamba-1 and Mamba-2 (all
# three quantizers x both scale schemes), and ssmsim calibrate on the 512
# Pile texts; wall seconds, min and max of N runs.
#   bench/bench_eval.sh [N] [PILE.jsonl]   (needs build/ssmsim; the texts
#   default to ../shared/data/pile-calib-512.jsonl, skipped if absent)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
machine_line
n=${1:-3}
pile=${2:-../shared/data/pile-calib-512.jsonl}
scratch_dir
printf '%-58s %8s %8s\n' case min_s max_s
bench() {
  local name=$1; shift
  local times=() t0 t1
  for _ in $(seq "$n"); do
    t0=$(date +%s.%N)
    build/ssmsim "$@" >/dev/null
    t1=$(date +%s.%N)
    times+=("$(python3 -c "print($t1 - $t0)")")
  done
  printf '%-58s %8.2f %8.2f\n' "$name" \
    "$(printf '%s\n' "${times[@]}" | sort -n | head -1)" "$(printf '%s\n' "${times[@]}" | sort -n | tail -1)"
}
d=traces/default
bench "eval mamba-bytes-a, w8a8, 3 quantizers" eval --model $d/mamba-bytes-a \
  --trace $d/mamba-bytes-a-sample0.safetensors --out "$out/e1" --force
bench "eval mamba2-bytes-a, w8a8, 3 quantizers x 2 schemes" eval --model $d/mamba2-bytes-a \
  --trace $d/mamba2-bytes-a-sample0.safetensors --out "$out/e2" --force
if [ -f "$pile" ]; then
  bench "calibrate mamba-bytes-a, 512 texts" calibrate --model $d/mamba-bytes-a \
    --text "$pile" --out "$out/s1.json" --force
  bench "calibrate mamba2-bytes-a, 512 texts" calibrate --model $d/mamba2-bytes-a \
    --text "$pile" --out "$out/s2.json" --force
fi
