#!/usr/bin/env bash
# The quantizer stage's cost from synthesis: Yosys's generic synthesis of
# one lane (rtl/quant_lane.v with rtl/fp_quotient.v) per mode, its cell count, Yosys's transistor
# estimate (stat -tech cmos) and the longest path in gate levels (ltp), as
# the markdown rows of docs/quantizer-rtl.md's cost table.
#   scripts/rtl_cost.sh [OUT_DIR]      (Debian: apt install yosys)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/rtl-cost}
mkdir -p "$out"
command -v yosys > /dev/null || { echo "rtl_cost: yosys not found (Debian: apt install yosys)" >&2; exit 1; }
echo "$(yosys -V):"
echo "| mode | cells | transistors (estimate) | longest path (gate levels) |"
echo "| --- | ---: | ---: | ---: |"
names=(int8 se se-authors)
for mode in 0 1 2; do
  name=${names[$mode]}
  yosys -q -p "read_verilog -sv rtl/quant_lane.v rtl/fp_quotient.v; chparam -set MODE $mode quant_lane;
    synth -top quant_lane -flatten; tee -q -o $out/$name.stat stat -tech cmos;
    tee -q -o $out/$name.ltp ltp -noff" > "$out/$name.log" 2>&1
  cells=$(awk '/Number of cells:/ {print $4}' "$out/$name.stat" | tail -1)
  tr=$(awk '/Estimated number of transistors:/ {print $5}' "$out/$name.stat" | tail -1)
  depth=$(sed -n 's/.*(length=\([0-9]*\)).*/\1/p' "$out/$name.ltp" | tail -1)
  echo "| $name | $cells | $tr | $depth |"
done
