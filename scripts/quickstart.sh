#!/usr/bin/env bash
# Sets up (Debian packages), builds ssmsim in build/ and runs the main job on
# the bundled default trace, writing results to out/default/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
trace=traces/default/mamba-bytes-a-sample0.safetensors
echo
build/ssmsim quant --trace "$trace" --out out/default --force
