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

# Where a benchmark ran: the CPU, its cores, the vector extensions it has and
# the path each kernel takes on it (machines of one kind differ), as
# `ssmsim --version` reports them.
machine_line() {
  local v
  v=$(build/ssmsim --version)
  echo "$(grep '^cpu:' <<<"$v"), $(nproc) cores"
  grep '^kernels:' <<<"$v"
}

# A scratch folder for the runs' outputs in $out, removed on exit.
scratch_dir() {
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
}
