#!/usr/bin/env bash
# Benchmark of `bulk run --resume` when every job already ended ok: JOBS
# add-tab jobs are run once against `bulk sim`, then resumed RUNS times. A
# resume reads and checks the journal, writes the result file from it
# before anything is sent (every row carried over), sends no call, and
# compacts the journal. Reports wall time and peak memory of each resume.
#
#   bench/resume.sh                 # 10000 jobs, 5 resumes
#   JOBS=1000 RUNS=3 bench/resume.sh
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-10000}
RUNS=${RUNS:-5}

work=$(mktemp -d)
sim=
trap '[ -n "$sim" ] && kill "$sim"; rm -rf "$work"' EXIT
go build -o "$work/bulk" ./cmd/bulk
{
  echo "name,parent_id"
  for i in $(seq 1 "$JOBS"); do
    echo "Bench tab $i,ACTIVE_US!$((1000 + i % 50))"
  done
} > "$work/tabs.csv"

"$work/bulk" sim --listen 127.0.0.1:0 --rate-limit 1000000/1s 2> "$work/sim.log" &
sim=$!
url=
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/sim.log" | head -1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "the simulator printed no URL"; exit 1; }

export IMANAGE_USER=admin IMANAGE_PASSWORD=admin IMANAGE_CLIENT_ID=bulk
args=(run "$work/tabs.csv" --action add-tab --url "$url" --rate-limit 1000000/1s --concurrency 8 --quiet)
"$work/bulk" "${args[@]}"
printf '%-8s %8s %10s %12s\n' resume jobs elapsed_s peak_rss_mb
for i in $(seq 1 "$RUNS"); do
  /usr/bin/time -f '%e %M' -o "$work/time.txt" "$work/bulk" "${args[@]}" --resume
  read -r wall rss_kb < "$work/time.txt"
  printf '%-8s %8s %10s %12.1f\n' "$i" "$JOBS" "$wall" "$(echo "$rss_kb / 1024" | bc -l)"
done
