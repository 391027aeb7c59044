#!/usr/bin/env bash
# Simulator cost per operation: SystemC thread switches per operation and
# wall time of timing-only Mamba-130M prefills from 8 to 1024 tiles (64
# tokens each), one process each. Switches per operation must stay flat
# (linear scheduling); wall time should then grow linearly with tokens.
#   bench/bench_switches.sh        (needs build/ssmsim)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
scratch_dir
machine_line
printf '%-8s %-8s %10s %12s %14s %12s %10s\n' tiles tokens ops switches switches_per_op wall_s peak_MiB
for tiles in 8 32 128 512 1024; do
  tokens=$((tiles * 64))
  /usr/bin/time -f '%M' -o "$out/mem" build/ssmsim run --workload mamba-130m \
    --set workload.prefill_tokens=$tokens --set workload.decode_tokens=0 --out "$out/r" --force >/dev/null
  python3 - "$out/r/run.json" "$out/mem" "$tiles" "$tokens" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
h = r["host"]
ops = sum(u["ops"] for u in r["units"].values() if "ops" in u)
peak = int(open(sys.argv[2]).read().split()[-1]) / 1024
print(f"{sys.argv[3]:<8} {sys.argv[4]:<8} {ops:>10} {h['process_switches']:>12} "
      f"{h['switches_per_op']:>14.3f} {h['wall_s']:>12.3f} {peak:>10.1f}")
PY
done
