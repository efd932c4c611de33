#!/usr/bin/env bash
# Runs the Postman collection against a fresh server: builds it, starts it on a free loopback
# port with a SQLite file of its own, waits for /api/health, runs newman (pinned in
# package.json; `npm ci` here first), stops the server. Exits non-zero on any failed assertion.
# Extra arguments go to newman (e.g. --reporters cli,junit).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -x "$here/node_modules/.bin/newman" ]; then
  echo "newman is not installed: run npm ci in docs/postman first" >&2
  exit 1
fi

(cd "$root" && go build -o "$tmp/veritas" .)

# A free port: bind port 0, read what the kernel gave, release it.
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
base="http://127.0.0.1:$port"

# Only what this run sets: no keys, no Redis, no Gemini (external_signal reports "not configured").
env -u VERITAS_API_KEYS -u VERITAS_REDIS_URL -u VERITAS_GEMINI_API_KEY -u VERITAS_ADMIN_ADDR \
  VERITAS_ADDR="127.0.0.1:$port" VERITAS_DATABASE_URL="sqlite://$tmp/veritas.db" VERITAS_LOG_LEVEL=warn \
  "$tmp/veritas" >"$tmp/server.log" 2>&1 &
pid=$!

# Wait for /api/health (up to 30 s), or for the server to die.
if ! node -e '
  const [url, pid] = process.argv.slice(1);
  const deadline = Date.now() + 30000;
  (async () => {
    for (;;) {
      try { process.kill(Number(pid), 0); } catch { console.error("the server exited"); process.exit(1); }
      try { if ((await fetch(url)).ok) process.exit(0); } catch {}
      if (Date.now() > deadline) { console.error("no answer from " + url); process.exit(1); }
      await new Promise(r => setTimeout(r, 100));
    }
  })();' "$base/api/health" "$pid"; then
  cat "$tmp/server.log" >&2
  exit 1
fi

cd "$here"
status=0
npx --no-install newman run veritas.postman_collection.json \
  --environment veritas.postman_environment.json \
  --env-var "baseUrl=$base" \
  --working-dir "$root" \
  --color off "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "newman failed (exit $status); server log:" >&2
  cat "$tmp/server.log" >&2
fi
exit "$status"
