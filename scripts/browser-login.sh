#!/usr/bin/env bash
# Drives `bulk login --browser` in a real, headless Chromium against the
# simulator: bulk prints the authorize address (--no-browser), Chromium
# opens it, the "user" fills in the simulator's login page as the SSO-only
# administrator and submits it, the simulator redirects to bulk's loopback
# listener, bulk exchanges the code (PKCE) and keeps the refresh token.
# Then `bulk check` on that profile must pass with no password at all.
#
# Needs Debian's chromium (installed here with apt-get when missing) and
# playwright-core from npm (installed into a temporary folder), which drives
# /usr/bin/chromium; Playwright's own browser download is not used.
#
#   scripts/browser-login.sh        # screenshots in bench/out/
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${OUT:-bench/out}
mkdir -p "$OUT"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
"$CHROMIUM" --version

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/bulk" ./cmd/bulk
(cd "$work" && npm install --silent --no-audit --no-fund --prefix "$work/node" playwright-core@1 >/dev/null)

# wait_for FILE PATTERN: the first line of FILE matching PATTERN, within 30 s.
wait_for() {
  for _ in $(seq 1 300); do
    if line=$(grep -m1 -E "$2" "$1" 2>/dev/null); then
      echo "$line"
      return 0
    fi
    sleep 0.1
  done
  echo "timed out waiting for /$2/ in $1:" >&2
  cat "$1" >&2
  return 1
}

"$work/bulk" sim --listen 127.0.0.1:0 >"$work/sim.log" 2>&1 &
pids+=($!)
url=$(wait_for "$work/sim.log" 'listening on http://' | sed 's/.*listening on //')
echo "simulator at $url"

cat >"$work/config.yaml" <<YAML
profiles:
  firm-sso:
    url: $url
    user: ssoadmin
    client_id: bulk
    sign_in: browser
YAML
export BULK_CONFIG="$work/config.yaml" XDG_STATE_HOME="$work/state" BULK_CREDENTIAL_STORE=file
unset IMANAGE_PASSWORD IMANAGE_TOKEN IMANAGE_URL IMANAGE_USER IMANAGE_CLIENT_ID

"$work/bulk" login --profile firm-sso --no-browser --wait 2m 2>"$work/login.log" &
login=$!
pids+=("$login")
auth=$(wait_for "$work/login.log" '^  http' | tr -d ' ')
echo "bulk asks the browser to open ${auth%%\?*}?..."

cat >"$work/drive.js" <<'JS'
const { chromium } = require(process.env.PLAYWRIGHT);
const fs = require('fs');
(async () => {
  const profile = fs.mkdtempSync(process.env.WORK + '/chromium-');
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  const page = await ctx.newPage();
  await page.goto(process.env.AUTH_URL);
  await page.fill('#username', 'ssoadmin');
  await page.fill('#password', 'ssoadmin');
  await page.screenshot({ path: process.env.OUT + '/browser-login-page.png' });
  await Promise.all([page.waitForURL(/127\.0\.0\.1:\d+\/callback/), page.click('#sign-in')]);
  const text = await page.textContent('#result');
  await page.screenshot({ path: process.env.OUT + '/browser-login-done.png' });
  console.log('the browser shows: ' + text);
  await ctx.close();
  if (!text.includes('Signed in.')) process.exit(1);
})().catch((e) => { console.error(e); process.exit(1); });
JS
PLAYWRIGHT="$work/node/node_modules/playwright-core" WORK="$work" CHROMIUM="$CHROMIUM" AUTH_URL="$auth" OUT="$(pwd)/$OUT" \
  node "$work/drive.js"

if ! wait "$login"; then
  echo "bulk login failed:" >&2
  cat "$work/login.log" >&2
  exit 1
fi
grep -m1 'Signed in to' "$work/login.log"
"$work/bulk" check --profile firm-sso
echo "browser sign-in: ok (screenshots $OUT/browser-login-page.png, $OUT/browser-login-done.png)"
