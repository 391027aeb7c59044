#!/usr/bin/env bash
# Installs the Debian packages ssmsim builds with, if any is missing.
# As root it runs apt-get; otherwise it prints the exact line to run and stops.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libsystemc-dev            # SystemC 2.3.4 with TLM-2.0
  libboost-dev libboost-program-options-dev
  libfmt-dev nlohmann-json3-dev
  libsqlite3-dev git        # DRAMSys (dram.model=dramsys): its trace database; fetching it
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev  # sanitizer and fuzzing builds
  python3                   # tests compare run.json files
  python3-matplotlib        # tools/plot.py: charts, log axes, PNG; not worth hand-writing
  parallel                  # GNU parallel: the sweep test runs --emit-jobs lines through it
  gtkwave xvfb xauth        # the test that GTKWave opens each run's view, headless
  verilator yosys           # the quantizer stage's RTL: bit-exact tests, synthesis for its cost
  qemu-user                 # tests run the kernels on emulated CPUs without AVX-512 / AVX
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
line="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages; run as root:" >&2
  echo "  sudo apt-get update && sudo $line" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
$line
