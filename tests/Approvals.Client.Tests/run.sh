#!/usr/bin/env bash
# The outside view of the HTTP API: starts the built server on a throwaway SQLite database, downloads
# its OpenAPI document, generates a typed client from it (openapi-typescript + openapi-fetch), type-checks
# the scenarios with `tsc --strict` (a type error means the document and the client disagree: one failure),
# runs them with `node --test`, stops the server and prints "N passed, N failed" as its last line.
# Needs node 20+, npm and a built solution (dotnet build Approvals.sln).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
dll="$repo/src/Approvals.Server/bin/Debug/net10.0/Approvals.Server.dll"

passed=0
failed=0
work=$(mktemp -d "${TMPDIR:-/tmp}/approvals-client.XXXXXX")
server_pid=""

finish() {
    local rc=$?
    trap - EXIT
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    rm -rf "$work"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$passed" -gt 0 ] && exit 0
    exit 1
}
trap finish EXIT
give_up() { echo "Approvals.Client.Tests: $*" >&2; failed=$((failed + 1)); exit 1; }

[ -f "$dll" ] || give_up "the server is not built ($dll is missing): run dotnet build Approvals.sln first."
command -v node >/dev/null 2>&1 || give_up "node is not installed."
cd "$here"

# Dependencies exactly as locked; again only when the lock changed.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund >"$work/npm.log" 2>&1 || { cat "$work/npm.log" >&2; give_up "npm ci failed."; }
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
url="http://127.0.0.1:$port"
(
    cd "$work" || exit 1
    Storage__Provider=Sqlite \
    ConnectionStrings__Approvals="Data Source=$work/approvals.db" \
    Examples__Load=true Examples__Path="$repo/workflows" \
    Logging__LogLevel__Default=Warning \
    exec dotnet "$dll" --urls "$url"
) >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 120); do
    curl -sf "$url/healthz" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; give_up "the server stopped during start-up."; }
    sleep 0.5
done
curl -sf "$url/healthz" >/dev/null 2>&1 || { tail -50 "$work/server.log" >&2; give_up "the server did not answer /healthz within 60 s."; }

mkdir -p generated
rm -rf dist
curl -sf "$url/openapi/v1.json" -o generated/openapi.json || give_up "GET /openapi/v1.json failed."
npx --no-install openapi-typescript generated/openapi.json -o generated/schema.d.ts >"$work/generate.log" 2>&1 \
    || { cat "$work/generate.log" >&2; give_up "openapi-typescript could not generate a client from the document."; }

# The type-check is a test of its own: the scenarios must compile against the generated types, with no casts.
if npx --no-install tsc --strict --noEmit -p tsconfig.json; then
    passed=$((passed + 1))
    echo "ok - tsc --strict: the scenarios compile against the generated client"
else
    failed=$((failed + 1))
    echo "not ok - tsc --strict: the scenarios do not compile against the generated client"
fi

npx --no-install tsc -p tsconfig.json --noEmitOnError false --outDir dist >/dev/null 2>&1
tap="$work/tap.txt"
APPROVALS_URL="$url" APPROVALS_OPENAPI="$here/generated/openapi.json" \
    node --test --test-reporter=tap dist/src/*.test.js >"$tap" 2>&1
cat "$tap" | grep -E '^(not ok|ok|# )' | grep -vE '^# (Subtest|tests|suites|cancelled|skipped|todo|duration_ms)' || true
p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -1)
f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -1)
c=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$tap" | tail -1)
if [ -z "$p" ] || [ -z "$f" ]; then
    cat "$tap" >&2
    give_up "node --test wrote no summary."
fi
passed=$((passed + p))
failed=$((failed + f + ${c:-0}))
if [ "$f" -gt 0 ] || [ "${c:-0}" -gt 0 ]; then
    grep -B2 -A30 '^not ok' "$tap" >&2 || true
fi
