#!/usr/bin/env bash
# Renders a --report page in headless Chromium to a PNG, to look at it as
# the person reading the cron mail will.
#
#   bench/render-report.sh                      # make a report of a sample run, render it
#   bench/render-report.sh report.html out.png  # render a report you have
#
# With no report given, it runs 120 tab and folder jobs against the embedded
# simulator with a limit tighter than the run's (so the service throttles
# it and holds it with Retry-After), some faults and some lost answers (so
# rows end failed and unknown), and renders that run's report. The PNG is
# written to OUT (default: report.png in the working directory). Chromium
# (Debian package chromium) is installed with apt-get when missing; it runs
# with a profile of its own in a new temporary directory, and no network.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

report=${1:-}
out=$(realpath -m "${2:-report.png}")

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (apt-get)..." >&2
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -z "$report" ]; then
  (cd "$root" && go build -o "$work/bulk" ./cmd/bulk)
  {
    echo "action,name,parent_id,parent_type"
    for i in $(seq 0 59); do
      echo "add-tab,Pleadings $i,ACTIVE_US!$((1000 + i % 50)),"
      echo "add-folder,Drafts $i,ACTIVE_US!$((1000 + i % 50)),Workspace"
    done
    echo "add-tab,Billing,ACTIVE_US!9999,"   # no such workspace: failed
  } > "$work/matters.csv"
  (cd "$work" && ./bulk run matters.csv --sim --rate-limit 100/20s --sim-rate-limit 30/10s \
      --sim-fault-rate 0.03 --sim-drop-rate 0.03 --quiet --report report.html) || true
  report="$work/report.html"
fi
[ -f "$report" ] || { echo "no report at $report" >&2; exit 1; }

profile=$(mktemp -d -p "$work")
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --disable-sync --no-first-run --user-data-dir="$profile" --hide-scrollbars --window-size=1000,1900 \
  --screenshot="$out" "file://$(realpath "$report")" >/dev/null 2>&1
echo "wrote $out"
