#!/usr/bin/env bash
# Sets up (Debian packages), builds ssmsim in build/ and runs the main job on
# the bundled default trace: the accelerator simulation (cycles, bytes,
# quantization error, VCD) and the per-layer quantizer comparison, into
# out/default/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# DRAMSys (dram.model=dramsys) comes from upstream, or from an offline copy:
# $SSMSIM_DRAMSYS_SOURCE, else ../shared/vendor/dramsys-offline if present.
dramsys_source=${SSMSIM_DRAMSYS_SOURCE:-}
[[ -z "$dramsys_source" && -d ../shared/vendor/dramsys-offline ]] &&
  dramsys_source=$(cd ../shared/vendor/dramsys-offline && pwd)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${dramsys_source:+-DSSMSIM_DRAMSYS_SOURCE="$dramsys_source"} >/dev/null
cmake --build build -j"$(nproc)"
trace=traces/default/mamba-bytes-a-sample0.safetensors
echo
build/ssmsim run --trace "$trace" --out out/default --force --vcd out/default/run.vcd
echo
build/ssmsim quant --trace "$trace" --out out/default --force
