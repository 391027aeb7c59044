#!/usr/bin/env bash
# Timing-only simulation speed: whole `ssmsim run --workload` processes
# (median of N), and a 100-point sweep with -j 2.
#   bench/bench_workload.sh [N]        (needs build/ssmsim)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
machine_line
n=${1:-5}
scratch_dir
printf '%-44s %14s %10s\n' case cycles wall_s
bench() {
  local name=$1; shift
  time_run "$out" "$n" "$@"
  printf '%-44s %14s %10.3f\n' "$name" "$CYCLES" "$MEDIAN_S"
}
bench "mamba-130m prefill 512 (24 layers)" --workload mamba-130m --set workload.decode_tokens=0
bench "mamba-130m prefill 512 + decode 64" --workload mamba-130m
bench "mamba-2.8b prefill 512 (64 layers), edge" --workload mamba-2.8b --arch edge --set workload.decode_tokens=0
bench "mamba-2.8b decode 64, edge" --workload mamba-2.8b --arch edge --set workload.prefill_tokens=0
# Issue 14's target: a hybrid at 8K context, under 2 s on one core.
bench "nemotron-h-8b prefill 8K + decode 1K, edge" --workload nemotron-h-8b --arch edge \
  --set workload.prefill_tokens=8192 --set workload.decode_tokens=1024
bench "jamba-1.5-mini prefill 8K + decode 1K, edge" --workload jamba-1.5-mini --arch edge \
  --set workload.prefill_tokens=8192 --set workload.decode_tokens=1024

# 100 points: 5 array sizes x 5 bandwidths x 4 tile sizes.
t0=$(date +%s.%N)
build/ssmsim sweep --workload mamba-130m --set workload.decode_tokens=0 \
  --vary gemm.rows+gemm.cols=16,32,64,128,256 --vary dram.bandwidth_gbps=17,34,68,136,272 \
  --vary controller.tile_tokens=16,32,64,128 -j 2 --out "$out/sweep" >/dev/null
t1=$(date +%s.%N)
rows=$(($(wc -l < "$out/sweep/sweep.csv") - 1))
printf '%-44s %14s %10.3f\n' "sweep: $rows points of 130m prefill 512, -j 2" "-" "$(python3 -c "print($t1 - $t0)")"
