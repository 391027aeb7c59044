#!/usr/bin/env bash
# Simulation speed of ssmsim run: wall time and simulated cycles per wall
# second on the bundled trace, median of N runs per case. SystemC allows one
# elaboration per process, so each run is a process (measured end to end,
# trace loading and report writing included).
#   bench/bench_run.sh [N]        (needs build/ssmsim)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
machine_line
n=${1:-5}
trace=traces/default/mamba-bytes-a-sample0.safetensors
scratch_dir
printf '%-34s %12s %10s %16s\n' case cycles wall_s cycles_per_wall_s
bench() {
  local name=$1; shift
  time_run "$out" "$n" --trace "$trace" "$@"
  printf '%-34s %12s %10.3f %16.3g\n' "$name" "$CYCLES" "$MEDIAN_S" "$(python3 -c "print($CYCLES / $MEDIAN_S)")"
}
bench "prefill 256 tokens"
bench "prefill 256 tokens, VCD" --vcd "$out/run.vcd"
bench "prefill 256 tokens, int8" --quantizer int8
bench "decode 256 tokens" --mode decode
bench "prefill, 128x128 array" --set gemm.rows=128 --set gemm.cols=128
# DRAMSys behind the DRAM socket: every 64-byte transaction simulated
# (skipped when the build has no DRAMSys).
if build/ssmsim run --trace "$trace" --tokens 1 --set dram.model=dramsys --out "$out/probe" --force >/dev/null 2>&1; then
  bench "prefill 256 tokens, DRAMSys" --set dram.model=dramsys
  bench "decode 32 tokens, DRAMSys" --mode decode --tokens 32 --set dram.model=dramsys
fi
