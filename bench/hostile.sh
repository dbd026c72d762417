#!/usr/bin/env bash
# Hostile workbooks: small files (each under 1 MB) crafted to make a reader
# spend memory or time, made by TestHostileWorkbooks in
# internal/manifest/hostile_test.go. Runs `bulk validate` on each under
# /usr/bin/time and reports the file's size, peak RSS, wall time and the
# summary line (or the first problem). The goal: every one read or refused
# within 200 MB and 5 s.
#
#   bench/hostile.sh
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/bulk" ./cmd/bulk
mkdir "$work/books"
go test -count=1 -run 'TestHostileWorkbooks$' ./internal/manifest -hostile-out "$work/books" > /dev/null

printf '%-48s %8s %10s %8s  %s\n' workbook size_kb peak_rss_mb wall_s answer
for f in "$work"/books/*.xlsx; do
  set +e
  /usr/bin/time -f '%M %e' -o "$work/time.txt" "$work/bulk" validate "$f" --action create-user > "$work/out.txt" 2>&1
  set -e
  read -r rss_kb wall < <(tail -1 "$work/time.txt")
  answer=$(awk '!/^(valid|invalid)|: read sheet/ { print; found = 1; exit } END { if (!found) print last } { last = $0 }' "$work/out.txt")
  answer=${answer#"$work/books/"}
  answer=${answer:0:110}
  printf '%-48s %8d %10.1f %8s  %s\n' "$(basename "$f" .xlsx)" "$(( $(stat -c %s "$f") / 1024 ))" "$(awk -v k="$rss_kb" 'BEGIN { print k / 1024 }')" "$wall" "$answer"
done
