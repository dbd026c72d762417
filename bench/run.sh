#!/usr/bin/env bash
# Benchmark of `bulk run` against the embedded simulator at a time-scaled
# limit: JOBS add-tab jobs, the simulator at RATE with LATENCY per call.
# Reports calls per second achieved (and as a share of the limit), 429s met,
# peak memory and CPU time, for each concurrency in CONCURRENCY.
#
#   bench/run.sh                    # 1000 jobs, 100/1s, 50ms, concurrency 1 4 8 16
#   JOBS=300 CONCURRENCY="4" bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-1000}
RATE=${RATE:-100/1s}
LATENCY=${LATENCY:-50ms}
CONCURRENCY=${CONCURRENCY:-"1 4 8 16"}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/bulk" ./cmd/bulk

# JOBS tabs spread over the 50 seeded workspaces.
{
  echo "name,parent_id"
  for i in $(seq 1 "$JOBS"); do
    echo "Bench tab $i,ACTIVE_US!$((1000 + i % 50))"
  done
} > "$work/tabs.csv"

n=$(echo "$RATE" | cut -d/ -f1)
printf '%-12s %8s %10s %12s %10s %6s %10s %10s\n' concurrency jobs elapsed_s calls_per_s of_limit 429s peak_rss_mb cpu_s
for c in $CONCURRENCY; do
  (cd "$work" && /usr/bin/time -f '%M %U %S' -o time.txt ./bulk run tabs.csv --action add-tab --sim \
      --rate-limit "$RATE" --sim-latency "$LATENCY" --concurrency "$c" --quiet --json --fresh \
      --out "tabs-$c.results.csv" > summary.json) || { echo "run failed (concurrency $c)"; cat "$work/summary.json"; exit 1; }
  read -r rss_kb user_s sys_s < "$work/time.txt"
  python3 - "$work/summary.json" "$c" "$n" "$RATE" "$rss_kb" "$user_s" "$sys_s" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
c, n, rate = sys.argv[2], int(sys.argv[3]), sys.argv[4]
rss_mb = int(sys.argv[5]) / 1024
cpu = float(sys.argv[6]) + float(sys.argv[7])
num, per = rate.split("/")
import re
m = re.fullmatch(r"(\d*\.?\d+)?(ms|s|m)", per)
scale = {"ms": 0.001, "s": 1, "m": 60}[m.group(2)] * float(m.group(1) or 1)
limit_per_s = n / scale
cps = s["calls"] / s["elapsed_seconds"]
print(f'{c:<12} {s["total"]["ok"]:>8} {s["elapsed_seconds"]:>10.2f} {cps:>12.2f} {cps/limit_per_s:>9.1%} {s["throttled"]:>6} {rss_mb:>10.1f} {cpu:>10.2f}')
PY
done
