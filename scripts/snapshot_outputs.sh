#!/usr/bin/env bash
# Runs a fixed set of ssmsim commands on the bundled trace and checkpoint and
# collects every result file into DIR, so that two builds can be compared
# byte for byte (scripts/compare_outputs.py): the check that a refactoring
# changed no output.
#   scripts/snapshot_outputs.sh BINARY DIR
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "$1")
dir=$2
mkdir -p "$dir"
dir=$(realpath "$dir")
# Relative paths throughout: outputs record the paths they were given.
tmp=out/snapshot-work
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
trace=traces/default/mamba-bytes-a-sample0.safetensors
model=traces/default/mamba-bytes-a

# name, then the command's arguments (it writes into $tmp/<name>).
snap() {
  local name=$1
  shift
  "$bin" "$@" --out "$tmp/$name" --force > "$tmp/$name.stdout"
  mkdir -p "$dir/$name"
  cp -r "$tmp/$name"/* "$dir/$name/"
  # Tables on stdout, less wall time and the order in which parallel jobs end.
  grep -v -E 'wall|wrote |^job [0-9]+: ' "$tmp/$name.stdout" > "$dir/$name/stdout.txt" || true
}

snap run_prefill run --trace "$trace" --vcd "$tmp/run_prefill/run.vcd"
snap run_decode run --trace "$trace" --mode decode --tokens 32
snap run_int8_ws run --trace "$trace" --quantizer int8 --set gemm.dataflow=ws --set gemm.rows=16
snap run_w8a8 run --trace "$trace" --pipeline w8a8 --tokens 96
snap run_w8a8_decode run --trace "$trace" --pipeline w8a8 --mode decode --tokens 24
snap run_130m_edge run --workload mamba-130m --arch edge
snap run_130m_batch run --workload mamba-130m --set workload.batch=4 --set workload.decode_tokens=4
snap run_28b_cloud run --workload mamba-2.8b --arch cloud --set workload.prefill_tokens=256 \
  --set workload.decode_tokens=8
snap run_fp16 run --workload mamba-370m --arch edge --set precision=fp16 \
  --set quantizer.multicycle=true
snap run_multicycle run --trace "$trace" --set quantizer.multicycle=true --tokens 64
snap run_multicycle_rates run --workload mamba-130m --set quantizer.multicycle=true \
  --set workload.prefill_tokens=128 --set workload.decode_tokens=4
snap eval_m2 eval --model traces/default/mamba2-bytes-a \
  --trace traces/default/mamba2-bytes-a-sample0.safetensors --prompt-tokens 200
snap run_m2_130m_edge run --workload mamba2-130m --arch edge --set workload.decode_tokens=4
snap run_m2_w8a8 run --trace traces/default/mamba2-bytes-a-sample0.safetensors --pipeline w8a8
snap quant quant --trace "$trace"
snap eval eval --model "$model" --trace "$trace"
snap eval_gen eval --model "$model" --trace "$trace" --prompt-tokens 200 --quantizer se
snap sweep sweep --workload mamba-130m --arch edge --vary gemm.rows=16,64 \
  --vary dram.bandwidth_gbps=34,68 -j 2
# calibrate writes one file.
mkdir -p "$dir/calibrate"
"$bin" calibrate --model "$model" --trace "$trace" --out "$tmp/scales.json" --force \
  | grep -v -E ' in [0-9.]+ s$|wrote ' > "$dir/calibrate/stdout.txt"
cp "$tmp/scales.json" "$dir/calibrate/"
# VCD: the header's date line differs between runs.
sed -i '/^\$date/,/^\$end/d' "$dir/run_prefill/run.vcd"
# Sweep job folders hold the same files per row.
rm -rf "$dir/sweep/jobs"
echo "snapshot: $(find "$dir" -type f | wc -l) files in $dir"
