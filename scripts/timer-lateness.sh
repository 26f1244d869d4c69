#!/usr/bin/env bash
# Timer lateness under load (issue 3, point 6): one server on PostgreSQL, N Wait timers falling due within
# about a minute; prints count, p50/p90/p99/max lateness (FiredAt - DueAt), scheduling time, firing
# throughput, timers fired twice and timers lost, and where the time went (Hangfire's job states).
#
#   scripts/timer-lateness.sh                 10,000 timers
#   scripts/timer-lateness.sh --timers 2000   fewer; every other option goes to the benchmark
#                                             (scripts/timer-lateness.sh --help lists them)
#
# Builds the benchmark and the server in Release (under the shared build lock), then runs the benchmark
# without the lock. It starts a throwaway PostgreSQL cluster (or uses APPROVALS_TEST_POSTGRES when set,
# in a database of its own) and one server on 127.0.0.1; it stops both and deletes their files on exit,
# whatever happens. Bounded: the benchmark gives up after --timeout seconds (600), this script after 15 min.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 MSBUILDTERMINALLOGGER=off
lock=(flock /tmp/approvals-dotnet.lock)
command -v flock >/dev/null || lock=()

args=("$@")
has_timers=0
for a in "$@"; do [ "$a" = "--timers" ] && has_timers=1; done
[ "$has_timers" -eq 1 ] || args=(--timers 10000 "${args[@]}")

echo "==> Building the benchmark and the server (Release)" >&2
"${lock[@]}" dotnet build tests/Approvals.Benchmarks/Approvals.Benchmarks.csproj -c Release -nologo -v quiet -clp:ErrorsOnly >&2

echo "==> Running: timer-lateness ${args[*]}" >&2
# The benchmark stops what it started on exit, SIGINT or SIGTERM; timeout sends SIGTERM, then SIGKILL 30 s later.
exec timeout -k 30 900 dotnet tests/Approvals.Benchmarks/bin/Release/net10.0/Approvals.Benchmarks.dll timer-lateness \
    --server-bin src/Approvals.Server/bin/Release/net10.0 "${args[@]}"
