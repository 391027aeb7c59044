# Shared by the bench scripts: time_run OUT N ARGS... runs
# `build/ssmsim run --out OUT --force ARGS` N times and sets MEDIAN_S (median
# wall seconds) and CYCLES (total cycles of the last run).
time_run() {
  local out=$1 n=$2; shift 2
  local times=() t0 t1
  for _ in $(seq "$n"); do
    t0=$(date +%s.%N)
    build/ssmsim run --out "$out" --force "$@" >/dev/null
    t1=$(date +%s.%N)
    times+=("$(python3 -c "print($t1 - $t0)")")
  done
  MEDIAN_S=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (n + 1) / 2 ))p")
  CYCLES=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['total']['cycles'])" "$out/run.json")
}

# One line saying where a benchmark ran: the CPU, its cores, and the vector
# extensions the kernels dispatch to (machines of one kind differ).
machine_line() {
  local isa
  isa=$(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx512f|avx512_vnni|avx2|fma' | sort -u | tr '\n' ' ')
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; isa: ${isa:-baseline x86-64}"
}
