#!/usr/bin/env bash
# The analytic DRAM model, calibrated from DRAMSys (the presets' dram.*
# keys), against DRAMSys itself on the same program: latency and DRAM
# bytes, one markdown row per case (docs/validation.md, section 4).
#   bench/dram_validation.sh [--full]     (needs build/ssmsim with DRAMSys)
# --full adds the 2.8B FP16 decode token (another ~8 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
machine_line
scratch_dir
trace=traces/default/mamba-bytes-a-sample0.safetensors
python=/usr/bin/python3
field() { "$python" -c "import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
echo "| case | analytic ns | DRAMSys ns | error | DRAM bytes (both) | DRAMSys effective GB/s (% of peak) | DRAMSys wall s |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
case_row() {
  local name=$1 phase=$2; shift 2
  build/ssmsim run --out "$out/a" --force "$@" >/dev/null
  local t0 t1
  t0=$(date +%s.%N)
  build/ssmsim run --out "$out/d" --force "$@" --set dram.model=dramsys >/dev/null
  t1=$(date +%s.%N)
  local expr="j['phases']['$phase']['latency_ns'] if '$phase' != 'total' else j['total']['latency_ns']"
  local a d ba bd
  a=$(field "$out/a/run.json" "$expr")
  d=$(field "$out/d/run.json" "$expr")
  ba=$(field "$out/a/run.json" "j['units']['dram']['read_bytes'] + j['units']['dram']['write_bytes']")
  bd=$(field "$out/d/run.json" "j['units']['dram']['read_bytes'] + j['units']['dram']['write_bytes']")
  [[ "$ba" == "$bd" ]] || { echo "DRAM bytes differ: $ba vs $bd" >&2; exit 1; }
  local eff
  eff=$(field "$out/d/run.json" "'%.2f (%.1f %%)' % (j['units']['dram']['effective_gbps'], j['units']['dram']['efficiency_pct'])")
  "$python" -c "import sys; a, d = float(sys.argv[1]), float(sys.argv[2]); print('| %s | %.0f | %.0f | %+.2f %% | %s | %s | %.1f |' % (sys.argv[3], a, d, 100 * (a - d) / d, sys.argv[4], sys.argv[5], float(sys.argv[6])))" \
    "$a" "$d" "$name" "$ba" "$eff" "$("$python" -c "print($t1 - $t0)")"
}
case_row "bundled trace, prefill 256 (default)" total --trace "$trace"
case_row "bundled trace, decode 32 (default)" total --trace "$trace" --mode decode --tokens 32
W="--arch edge --set workload.prefill_tokens=0"
case_row "mamba-130m, decode 4 (edge)" decode --workload mamba-130m $W --set workload.decode_tokens=4
case_row "mamba-2.8b, decode 1 (edge)" decode --workload mamba-2.8b $W --set workload.decode_tokens=1
if [[ "${1:-}" == "--full" ]]; then
  case_row "mamba-2.8b FP16, decode 1 (edge)" decode --workload mamba-2.8b $W \
    --set workload.decode_tokens=1 --set precision=fp16
fi
