#!/usr/bin/env bash
# How the simulator scales: timing-only runs (one process each) over prefill
# length, decode length, batch and model size; wall seconds (the whole
# process, reports included), peak resident MiB and SystemC thread switches
# per operation. Prints the CPU and ISA it ran on.
#   bench/bench_scaling.sh        (needs build/ssmsim)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
scratch_dir
machine_line
printf '%-46s %10s %10s %16s\n' case wall_s peak_MiB switches_per_op
run() {
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$out/t" build/ssmsim run --out "$out/r" --force "$@" >/dev/null
  read -r wall kb < "$out/t"
  local per
  per=$(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['host']['switches_per_op'], 2))" "$out/r/run.json")
  printf '%-46s %10s %10.1f %16s\n' "$name" "$wall" "$(python3 -c "print($kb / 1024)")" "$per"
}
for n in 512 2048 8192 32768 65536; do
  run "130m prefill $n" --workload mamba-130m --set workload.prefill_tokens=$n --set workload.decode_tokens=0
done
for n in 64 256 1024 4096; do
  run "130m decode $n" --workload mamba-130m --set workload.prefill_tokens=0 --set workload.decode_tokens=$n
done
for b in 1 8 32 128; do
  run "130m prefill 512 + decode 64, batch $b" --workload mamba-130m --set workload.batch=$b
done
for m in 130m 370m 790m 1.4b 2.8b; do
  run "$m prefill 512 + decode 64, edge" --workload mamba-$m --arch edge
done
