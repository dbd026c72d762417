#!/usr/bin/env bash
# Benchmark of `bulk validate` on a generated create-user CSV of ROWS rows,
# next to a plain encoding/csv read of the same file (bench/plaincsv).
# Reports wall time, rows per second, peak RSS and CPU time of each, best of
# RUNS runs, from /usr/bin/time -v.
#
#   bench/validate.sh              # 1,000,000 rows, 3 runs
#   ROWS=200000 RUNS=1 bench/validate.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/bulk" ./cmd/bulk
go build -o "$work/plaincsv" ./bench/plaincsv

# The same rows as WriteCreateUserCSV in internal/manifest/bench_test.go.
awk -v n="$ROWS" 'BEGIN {
  print "full_name,id,email,is_external,preferred_library,role,ignore_if_user_already_exists"
  split("false no", ext, " "); split("ACTIVE_US ACTIVE_UK", lib, " ")
  split("ATTORNEY PARALEGAL SECRETARY READ_ONLY", role, " ")
  for (i = 0; i < n; i++)
    printf "\"User %07d, Test\",U%07d,user%07d@firm.com,%s,%s,%s,yes\n", i, i, i, ext[i%2+1], lib[i%2+1], role[i%4+1]
}' > "$work/users.csv"
echo "file: $ROWS rows, $(du -h "$work/users.csv" | cut -f1), $(nproc) cores, $(go version | cut -d' ' -f3)"

measure() { # name command...: best wall time of RUNS runs, with its RSS and CPU
  local name=$1; shift
  local best=""
  for _ in $(seq 1 "$RUNS"); do
    /usr/bin/time -v -o "$work/time" "$@" > "$work/out" 2>&1 || { cat "$work/out"; exit 1; }
    local wall rss user sys
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/time")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$work/time")
    user=$(awk -F': ' '/User time/ {print $2}' "$work/time")
    sys=$(awk -F': ' '/System time/ {print $2}' "$work/time")
    if [ -z "$best" ] || awk -v a="$wall" -v b="${best%% *}" 'BEGIN {exit !(a < b)}'; then
      best="$wall $rss $(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u+s}')"
    fi
  done
  set -- $best
  printf '%-28s %8.2f %12.0f %12s %8s\n' "$name" "$1" "$(awk -v n="$ROWS" -v t="$1" 'BEGIN {print n/t}')" "$2" "$3"
}

printf '%-28s %8s %12s %12s %8s\n' program wall_s rows_per_s peak_rss_mb cpu_s
measure "encoding/csv read (plaincsv)" "$work/plaincsv" "$work/users.csv"
measure "bulk validate" "$work/bulk" validate --action create-user "$work/users.csv"
tail -1 "$work/out"
