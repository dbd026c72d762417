#!/usr/bin/env bash
# How close `bulk run` keeps to a service's limit, in two settings.
#
# 1. Strict: the embedded simulator (--sim) enforcing WINDOW (N calls in any
#    window W, time-scaled) with LATENCY per call. For each job count in JOBS
#    (add-tab jobs, one paced call each; the sign-in is not paced and not in
#    the elapsed time) it prints the elapsed seconds beside the least time the
#    window allows for the C calls the summary counts:
#        max(floor((C-1)/N)*W + LATENCY, ceil(C/CONCURRENCY)*LATENCY)
#    i.e. the workers' own time when C <= N. Goals: above N calls at most 1.10x
#    that minimum; up to N calls about the workers' time (at most 1.5x); no 429.
#
# 2. Gateway: nginx in front of `bulk sim` (whose own limit is set out of
#    reach), limit_req at GATEWAY_RATE requests a second with burst
#    GATEWAY_BURST nodelay on the operations (not on the token endpoint): a
#    leaky bucket that answers 429 without Retry-After, which the client cannot
#    know in advance. GATEWAY_JOBS jobs run twice: told the gateway's average
#    rate (GATEWAY_RATE/1s) and told twice that. Goals: every row ok, at most
#    5% of calls throttled, within 1.3x the ideal GATEWAY_JOBS/GATEWAY_RATE s.
#    The nginx column is the 429s nginx logged ("limiting requests"), to
#    check against the client's count. nginx-light is installed from Debian
#    when nginx is missing.
#
# Each goal is printed MET or MISSED; missing one does not fail the script,
# a run that leaves no summary does.
#
#   bench/pacing.sh                          # both parts, about a minute
#   WINDOW=100/3s LATENCY=20ms JOBS="10 150" PARTS=strict bench/pacing.sh
#   GATEWAY_RATE=20 GATEWAY_BURST=5 PARTS=gateway bench/pacing.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PARTS=${PARTS:-"strict gateway"}
WINDOW=${WINDOW:-100/5s}
LATENCY=${LATENCY:-50ms}
CONCURRENCY=${CONCURRENCY:-8}
JOBS=${JOBS:-"10 40 150 420"}
GATEWAY_RATE=${GATEWAY_RATE:-50}
GATEWAY_BURST=${GATEWAY_BURST:-10}
GATEWAY_JOBS=${GATEWAY_JOBS:-420}

work=$(mktemp -d)
ngx_dir="" ngx_pid="" sim_pid=""
cleanup() {
  for p in $ngx_pid $sim_pid; do
    kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
  done
  rm -rf "$work" ${ngx_dir:+"$ngx_dir"}
}
trap cleanup EXIT
trap 'exit 130' INT TERM
go build -o "$work/bulk" ./cmd/bulk

# No profile, kept sign-in or token from the caller's environment: the runs
# use only what this script passes.
export XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state"
unset BULK_CONFIG BULK_PROFILE IMANAGE_TOKEN IMANAGE_URL IMANAGE_USER IMANAGE_CLIENT_ID IMANAGE_CLIENT_SECRET BULK_SIM_PASSWORD

# tabs FILE COUNT LABEL: COUNT add-tab rows over the 50 seeded workspaces,
# named after LABEL so that runs against one simulator do not meet their own tabs.
tabs() {
  {
    echo "name,parent_id"
    for i in $(seq 1 "$2"); do
      echo "$3 tab $i,ACTIVE_US!$((1000 + i % 50))"
    done
  } > "$1"
}

# run NAME ARGS...: one run in $work, its JSON summary in $work/NAME.json.
# Exit 1 (missed jobs) still leaves a summary; no summary ends the script.
run() {
  local name=$1
  shift
  local rc=0
  (cd "$work" && ./bulk run "$name.csv" --action add-tab --concurrency "$CONCURRENCY" \
      --quiet --json --fresh --out "$name.results.csv" "$@" > "$name.json" 2> "$name.err") || rc=$?
  if ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))["total"]' "$work/$name.json" 2>/dev/null; then
    echo "run $name failed (exit $rc) without a summary:" >&2
    cat "$work/$name.err" "$work/$name.json" >&2
    exit 1
  fi
}

# Durations as Go writes them (50ms, 5s, 1m30s) to seconds, for the
# arithmetic below (python3 - ... imports it from $work).
cat > "$work/benchlib.py" <<'PY'
import re
def seconds(d):
    unit = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    parts = re.findall(r"(\d*\.?\d+)(ns|us|µs|ms|s|m|h)", d)
    if not parts or "".join(a + b for a, b in parts) != d:
        raise SystemExit(f"not a duration: {d!r}")
    return sum(float(a) * unit[b] for a, b in parts)
def verdict(good):
    return "MET" if good else "MISSED"
PY
export PYTHONPATH="$work"

strict() {
  echo "== strict window: --sim --rate-limit $WINDOW --sim-latency $LATENCY --concurrency $CONCURRENCY"
  echo "   goals: above N calls <= 1.10x the window's minimum; up to N calls <= 1.5x the workers' time; no 429"
  printf '%6s %6s %6s %10s %10s %7s %6s  %-9s %-9s\n' jobs calls ok elapsed_s minimum_s ratio 429s time_goal 429_goal
  for j in $JOBS; do
    tabs "$work/strict-$j.csv" "$j" Bench
    run "strict-$j" --sim --rate-limit "$WINDOW" --sim-latency "$LATENCY"
    python3 - "$work/strict-$j.json" "$j" "$WINDOW" "$LATENCY" "$CONCURRENCY" <<'PY'
import json, math, sys
from benchlib import seconds, verdict
s = json.load(open(sys.argv[1]))
jobs, (n, w), lat, conc = int(sys.argv[2]), sys.argv[3].split("/"), seconds(sys.argv[4]), int(sys.argv[5])
n, w = int(n), seconds(w if w[0].isdigit() else "1" + w)
c = s["calls"]
workers = math.ceil(c / conc) * lat
minimum = max((c - 1) // n * w + lat, workers) if c else 0
ratio = s["elapsed_seconds"] / minimum if minimum else float("inf")
time_goal = ratio <= (1.10 if c > n else 1.5)
print(f'{jobs:>6} {c:>6} {s["total"]["ok"]:>6} {s["elapsed_seconds"]:>10.3f} {minimum:>10.3f} {ratio:>6.2f}x {s["throttled"]:>6}  {verdict(time_goal):<9} {verdict(s["throttled"] == 0):<9}')
PY
  done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_http URL WHAT: until URL answers at all (any status), for a few seconds.
wait_http() {
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.05
  done
  echo "$2 did not start:" >&2
  cat "$work"/*.log "${ngx_dir:-/nonexistent}"/error.log 2>/dev/null >&2 || true
  exit 1
}

gateway() {
  local nginx
  nginx=$(command -v nginx || true)
  [ -n "$nginx" ] || { [ -x /usr/sbin/nginx ] && nginx=/usr/sbin/nginx; }
  if [ -z "$nginx" ]; then
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    echo "installing nginx-light" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx-light >&2
    nginx=/usr/sbin/nginx
  fi

  local sim_port ngx_port
  sim_port=$(free_port)
  ngx_port=$(free_port)
  # The simulator's own limit out of reach: only nginx throttles.
  (cd "$work" && exec ./bulk sim --listen "127.0.0.1:$sim_port" --rate-limit 1000000/1s --latency "$LATENCY") > "$work/sim.log" 2>&1 &
  sim_pid=$!
  wait_http "http://127.0.0.1:$sim_port/_sim/stats" "bulk sim"

  # Its own directory, readable by the workers (nginx started as root runs
  # them as nobody), holding the pid, the log and the temp paths.
  ngx_dir=$(mktemp -d)
  chmod 755 "$ngx_dir"
  cat > "$ngx_dir/nginx.conf" <<EOF
worker_processes 1;
pid $ngx_dir/nginx.pid;
error_log $ngx_dir/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $ngx_dir/client_body;
  proxy_temp_path $ngx_dir/proxy;
  fastcgi_temp_path $ngx_dir/fastcgi;
  uwsgi_temp_path $ngx_dir/uwsgi;
  scgi_temp_path $ngx_dir/scgi;
  # One bucket for every caller: the limit is the gateway's, not a client's.
  map \$host \$bench_bucket { default "all"; }
  limit_req_zone \$bench_bucket zone=ops:1m rate=${GATEWAY_RATE}r/s;
  limit_req_status 429;
  upstream sim { server 127.0.0.1:$sim_port; keepalive 16; }
  server {
    listen 127.0.0.1:$ngx_port;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$http_host;
    # The operations are limited; the sign-in (/auth/oauth2/token) is not.
    location /automate/work/ {
      limit_req zone=ops burst=$GATEWAY_BURST nodelay;
      proxy_pass http://sim;
    }
    location / { proxy_pass http://sim; }
  }
}
EOF
  "$nginx" -e "$ngx_dir/error.log" -p "$ngx_dir" -c "$ngx_dir/nginx.conf" -g 'daemon off;' > "$ngx_dir/out.log" 2>&1 &
  ngx_pid=$!
  wait_http "http://127.0.0.1:$ngx_port/_sim/stats" "nginx"

  local ideal fast=$((2 * GATEWAY_RATE))
  ideal=$(python3 -c 'import sys; print(int(sys.argv[1]) / int(sys.argv[2]))' "$GATEWAY_JOBS" "$GATEWAY_RATE")
  echo
  echo "== leaky-bucket gateway: nginx limit_req rate=${GATEWAY_RATE}r/s burst=$GATEWAY_BURST nodelay, 429 without Retry-After;"
  echo "   bulk sim --latency $LATENCY behind it; $GATEWAY_JOBS jobs, --concurrency $CONCURRENCY, ideal $GATEWAY_JOBS/$GATEWAY_RATE = ${ideal}s"
  echo "   goals: every row ok; at most 5% of calls throttled; within 1.3x the ideal"
  printf '%-10s %5s %5s %6s %5s %7s %7s %10s %8s %7s  %-8s %-8s %-8s\n' told jobs ok calls 429s nginx share elapsed_s ideal_s ratio ok_goal 429_goal time_goal
  for told in "$GATEWAY_RATE/1s" "$fast/1s"; do
    local name="gateway-${told%%/*}"
    tabs "$work/$name.csv" "$GATEWAY_JOBS" "Gateway ${told%%/*}"
    local rejected
    rejected=$(grep -c 'limiting requests' "$ngx_dir/error.log" || true)
    IMANAGE_PASSWORD=admin run "$name" --url "http://127.0.0.1:$ngx_port" --user admin --client-id bulk --rate-limit "$told"
    rejected=$(( $(grep -c 'limiting requests' "$ngx_dir/error.log" || true) - rejected ))
    python3 - "$work/$name.json" "$told" "$GATEWAY_JOBS" "$ideal" "$rejected" <<'PY'
import json, sys
from benchlib import verdict
s = json.load(open(sys.argv[1]))
told, jobs, ideal, rejected = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
calls, thr, ok = s["calls"], s["throttled"], s["total"]["ok"]
share = thr / calls if calls else 0
ratio = s["elapsed_seconds"] / ideal
print(f'{told:<10} {jobs:>5} {ok:>5} {calls:>6} {thr:>5} {rejected:>7} {share:>7.1%} {s["elapsed_seconds"]:>10.3f} {ideal:>8.2f} {ratio:>6.2f}x  '
      f'{verdict(ok == jobs):<8} {verdict(share <= 0.05):<8} {verdict(ratio <= 1.3):<8}')
PY
  done
}

for part in $PARTS; do
  case $part in
    strict) strict ;;
    gateway) gateway ;;
    *) echo "PARTS: unknown part $part (strict, gateway)" >&2; exit 2 ;;
  esac
done
