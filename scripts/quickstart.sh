#!/usr/bin/env bash
# Sets up (Debian packages), builds ssmsim in build/ and runs the main job on
# the bundled default trace: the accelerator simulation (cycles, bytes,
# quantization error, VCD) and the per-layer quantizer comparison, into
# out/default/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
trace=traces/default/mamba-bytes-a-sample0.safetensors
echo
build/ssmsim run --trace "$trace" --out out/default --force --vcd out/default/run.vcd
echo
build/ssmsim quant --trace "$trace" --out out/default --force
