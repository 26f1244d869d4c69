#!/usr/bin/env bash
# The project's test command.
#
#   ./test.sh                      build, start a throwaway PostgreSQL, run every test project
#   ./test.sh --filter Name~Quorum extra arguments go to every `dotnet test` (the browser app's tests are
#                                  then skipped unless APPROVALS_WEB_TESTS=1)
#
# The last line of output is always the total over every test project:
# "N passed, N failed" (", N skipped" is added when tests were skipped).
# The exit code is non-zero when a test failed, a project crashed or wrote no results,
# the build failed, or no test ran at all.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DOTNET_GENERATE_ASPNET_CERTIFICATE=false
export MSBUILDTERMINALLOGGER=off

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'test.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Clean-up: whatever happens from here on, the cluster is stopped and the temp dirs removed.
# ---------------------------------------------------------------------------------------------
results_dir=$(mktemp -d "${TMPDIR:-/tmp}/approvals-tests.XXXXXX")
pg_root=""      # temp dir holding the cluster's data, log and unix socket
pg_bin=""
pg_started=0

as_pg() {
    # initdb and postgres refuse to run as root: run them as the `postgres` user then.
    if [ "$(id -u)" -eq 0 ]; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ "$pg_started" -eq 1 ] || { [ -n "$pg_root" ] && [ -f "$pg_root/data/postmaster.pid" ]; }; then
        as_pg "$pg_bin/pg_ctl" -D "$pg_root/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    [ -n "$pg_root" ] && rm -rf "$pg_root"
    rm -rf "$results_dir"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Test projects: every *.csproj under tests/ that is a test project (benchmarks and tools are not).
# ---------------------------------------------------------------------------------------------
projects=()
while IFS= read -r p; do
    if grep -qiE '<IsTestProject>[[:space:]]*false' "$p"; then continue; fi
    if grep -qiE 'Microsoft\.NET\.Test\.Sdk|<IsTestProject>[[:space:]]*true|"xunit|MSTest|NUnit|TUnit' "$p"; then
        projects+=("$p")
    fi
done < <(find tests -name '*.csproj' -not -path '*/bin/*' -not -path '*/obj/*' 2>/dev/null | LC_ALL=C sort)

# ---------------------------------------------------------------------------------------------
# Build once. Test projects missing from the solution are built on their own.
# ---------------------------------------------------------------------------------------------
summary() { # passed failed skipped
    if [ "$3" -gt 0 ]; then echo "$1 passed, $2 failed, $3 skipped"; else echo "$1 passed, $2 failed"; fi
}

say "Building Approvals.sln"
if ! dotnet build Approvals.sln -nologo -v quiet; then
    echo "test.sh: the build failed" >&2
    summary 0 0 0
    exit 1
fi
for p in ${projects[@]+"${projects[@]}"}; do
    win_path=${p//\//\\}
    if ! grep -qF "$win_path" Approvals.sln; then
        say "Building $p (not in the solution)"
        if ! dotnet build "$p" -nologo -v quiet; then
            echo "test.sh: the build of $p failed" >&2
            summary 0 0 0
            exit 1
        fi
    fi
done

# ---------------------------------------------------------------------------------------------
# A throwaway PostgreSQL cluster on a free port.
# ---------------------------------------------------------------------------------------------
find_pg_bin() {
    local initdb
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$initdb" ] && dirname "$initdb"
}

pg_bin=$(find_pg_bin || true)
if [ -z "$pg_bin" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        die "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb). Install the 'postgresql' package (e.g. sudo apt-get install postgresql) or run as root to let test.sh install it."
    fi
    command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is missing and apt-get is not available to install it."
    say "Installing PostgreSQL (apt-get)"
    # The package must neither create nor start a cluster of its own: ours is a throwaway one.
    mkdir -p /etc/postgresql-common/createcluster.d
    echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/50-approvals-tests.conf
    policy_added=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        policy_added=1
    fi
    install_rc=0
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql; } || install_rc=$?
    [ "$policy_added" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
    [ "$install_rc" -eq 0 ] || die "apt-get install postgresql failed."
    pg_bin=$(find_pg_bin || true)
    [ -n "$pg_bin" ] || die "PostgreSQL was installed but initdb was not found under /usr/lib/postgresql."
fi

pg_root=$(mktemp -d "${TMPDIR:-/tmp}/approvals-pg.XXXXXX")
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root, but there is no 'postgres' user to run the cluster."
    chown postgres "$pg_root"
fi

say "Starting a throwaway PostgreSQL ($("$pg_bin/postgres" --version))"
as_pg "$pg_bin/initdb" -D "$pg_root/data" -U postgres --auth=trust -E UTF8 --no-locale >"$pg_root/initdb.log" 2>&1 \
    || { cat "$pg_root/initdb.log" >&2; die "initdb failed."; }

free_port() { # first port from $1 on that nothing listens on at 127.0.0.1
    python3 - "$1" <<'PY'
import socket, sys
port = int(sys.argv[1])
for p in range(port, port + 500):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    sys.exit(0)
sys.exit(1)
PY
}

port=55432
for attempt in 1 2 3 4 5; do
    port=$(free_port "$port") || die "no free TCP port found for PostgreSQL."
    if as_pg "$pg_bin/pg_ctl" -D "$pg_root/data" -l "$pg_root/postgres.log" -w -t 60 \
        -o "-p $port -k $pg_root -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null; then
        pg_started=1
        break
    fi
    # Someone may have taken the port between the probe and the start: try the next one.
    port=$((port + 1))
done
if [ "$pg_started" -ne 1 ]; then
    cat "$pg_root/postgres.log" >&2 2>/dev/null || true
    die "PostgreSQL did not start."
fi
say "PostgreSQL listens on 127.0.0.1:$port"

export APPROVALS_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Password=postgres"

# ---------------------------------------------------------------------------------------------
# Dovecot for the IMAP tests: they start throwaway servers of their own (the package's service must not start).
# Without it (not root, no apt-get) those tests are reported as skipped.
# ---------------------------------------------------------------------------------------------
if [ ! -x /usr/sbin/dovecot ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "Installing Dovecot (apt-get)"
    policy_added=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        policy_added=1
    fi
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dovecot-imapd; } >&2 || true
    [ "$policy_added" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
fi
[ -x /usr/sbin/dovecot ] || echo "test.sh: Dovecot is missing (/usr/sbin/dovecot): the IMAP tests are skipped; install Debian's 'dovecot-imapd'" >&2

# ---------------------------------------------------------------------------------------------
# Run every test project; keep going when one fails.
# ---------------------------------------------------------------------------------------------
[ "${#projects[@]}" -gt 0 ] || echo "test.sh: no test projects under tests/" >&2

declare -a names=() exits=()
for p in ${projects[@]+"${projects[@]}"}; do
    name=$(basename "$p" .csproj)
    say "Testing $name"
    rc=0
    dotnet test "$p" --no-build --nologo \
        --results-directory "$results_dir/$name" \
        --logger "trx;LogFileName=$name.trx" \
        "$@" || rc=$?
    names+=("$name")
    exits+=("$rc")
done

# ---------------------------------------------------------------------------------------------
# The outside view: a TypeScript client generated from the served OpenAPI document runs a user's
# scenario (tests/Approvals.Client.Tests/run.sh; its last line is "N passed, N failed"). Skipped when
# extra arguments (a --filter) narrow the .NET tests.
# ---------------------------------------------------------------------------------------------
client_result=""
client_script=tests/Approvals.Client.Tests/run.sh
if [ -f "$client_script" ] && [ "$#" -eq 0 ]; then
    say "Testing Approvals.Client.Tests"
    rc=0
    bash "$client_script" >"$results_dir/client.txt" 2>&1 || rc=$?
    cat "$results_dir/client.txt"
    client_result="$rc|$(tail -n 1 "$results_dir/client.txt")"
elif [ -f "$client_script" ]; then
    say "Skipping Approvals.Client.Tests (arguments were given)"
fi
export CLIENT_RESULT="$client_result"

# ---------------------------------------------------------------------------------------------
# The browser app: Vitest component tests and the end-to-end scenarios in headless Chromium.
# Each writes "passed failed skipped exit-code" to $results_dir/web/<name>.counts for the summary.
# (Skipped when extra arguments were given, as they are `dotnet test` filters, unless APPROVALS_WEB_TESTS=1.)
# ---------------------------------------------------------------------------------------------
web_dir=src/Approvals.Web
mkdir -p "$results_dir/web"
tap_counts() { # TAP/node --test output file → "passed failed skipped"
    python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1], errors='replace').read()
def last(name):
    m = re.findall(r'^# ' + name + r' (\d+)$', text, re.M)
    return int(m[-1]) if m else 0
print(last('pass'), last('fail') + last('cancelled'), last('skipped') + last('todo'))
PY
}
if { [ "$#" -eq 0 ] || [ "${APPROVALS_WEB_TESTS:-}" = 1 ]; } && [ -f "$web_dir/package.json" ]; then
    if [ ! -d "$web_dir/node_modules" ]; then
        say "Installing the browser app's packages (npm ci)"
        (cd "$web_dir" && npm ci --no-audit --no-fund --loglevel=error) || true
    fi
    say "Testing Approvals.Web (Vitest)"
    rc=0
    (cd "$web_dir" && npx vitest run --reporter=default --reporter=junit --outputFile.junit="$results_dir/web/vitest.xml") || rc=$?
    junit_counts() {
        python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print(0, 0, 0); sys.exit(0)
cases = list(root.iter('testcase'))
failed = sum(1 for c in cases if c.find('failure') is not None or c.find('error') is not None)
skipped = sum(1 for c in cases if c.find('skipped') is not None)
print(len(cases) - failed - skipped, failed, skipped)
PY
    }
    echo "$(junit_counts "$results_dir/web/vitest.xml") $rc" > "$results_dir/web/Approvals.Web.Vitest.counts"

    if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "Installing Chromium (apt-get)"
        { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; } >&2 || true
    fi
    say "Testing Approvals.Web.Tests (end-to-end, headless Chromium)"
    rc=0
    if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
        node --test --test-concurrency=1 tests/Approvals.Web.Tests/ > "$results_dir/web/e2e.out" 2>&1 || rc=$?
        cat "$results_dir/web/e2e.out"
        echo "$(tap_counts "$results_dir/web/e2e.out") $rc" > "$results_dir/web/Approvals.Web.Tests.counts"
    else
        echo "test.sh: Chromium is missing (/usr/bin/chromium); install the Debian 'chromium' package" >&2
        echo "0 0 0 1" > "$results_dir/web/Approvals.Web.Tests.counts"
    fi
fi

# ---------------------------------------------------------------------------------------------
# Sum the .trx counters of every project. The last line printed is the total.
# ---------------------------------------------------------------------------------------------
report_args=()
for i in ${names[@]+"${!names[@]}"}; do
    report_args+=("${names[$i]}" "${exits[$i]}")
done

echo
python3 - "$results_dir" ${report_args[@]+"${report_args[@]}"} <<'PY'
import glob, os, sys
import xml.etree.ElementTree as ET

results_dir, rest = sys.argv[1], sys.argv[2:]
projects = list(zip(rest[0::2], rest[1::2]))

def counters(path):
    root = ET.parse(path).getroot()
    for el in root.iter():
        if el.tag.rsplit('}', 1)[-1] == 'Counters':
            return {k: int(v) for k, v in el.attrib.items() if v.lstrip('-').isdigit()}
    return None

total_p = total_f = total_s = 0
broken = False
width = max([len(n) for n, _ in projects] + [len("Approvals.Client.Tests"), 24])
for name, rc in projects:
    rc = int(rc)
    files = sorted(glob.glob(os.path.join(results_dir, name, '**', '*.trx'), recursive=True))
    sums = {}
    unreadable = False
    for f in files:
        try:
            c = counters(f)
        except ET.ParseError:
            c = None
        if c is None:
            unreadable = True
            continue
        for k, v in c.items():
            sums[k] = sums.get(k, 0) + v
    passed = sums.get('passed', 0)
    failed = sum(sums.get(k, 0) for k in ('failed', 'error', 'timeout', 'aborted'))
    skipped = max(sums.get('total', 0) - sums.get('executed', 0), sums.get('notExecuted', 0))
    line = f"{name:<{width}}  {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
    crashed = None
    if not files or unreadable:
        crashed = f"no readable test results (dotnet test exit code {rc})"
    elif rc != 0 and failed == 0:
        crashed = f"dotnet test exit code {rc} with no failed test (test host crash or abort?)"
    if crashed:
        # A crashed project counts as one failure in the total, so the last line never looks green.
        broken = True
        failed = max(failed, 1)
        line += f"  CRASHED: {crashed}"
    total_p += passed; total_f += failed; total_s += skipped
    print(line)

client = os.environ.get("CLIENT_RESULT", "")
if client:
    import re
    rc, _, last_line = client.partition("|")
    name = "Approvals.Client.Tests"
    m = re.fullmatch(r"(\d+) passed, (\d+) failed", last_line.strip())
    passed, failed = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    line = f"{name:<{width}}  {passed} passed, {failed} failed"
    if not m or (int(rc) != 0 and failed == 0):
        broken = True
        failed = max(failed, 1)
        line += f"  CRASHED: run.sh exit code {rc}, last line {last_line.strip()!r}"
    total_p += passed; total_f += failed
    print(line)

# The browser app's runs: "passed failed skipped exit-code" per file.
for f in sorted(glob.glob(os.path.join(results_dir, 'web', '*.counts'))):
    name = os.path.basename(f)[:-len('.counts')]
    passed, failed, skipped, rc = (int(x) for x in open(f).read().split())
    line = f"{name:<{width}}  {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
    if rc != 0 and failed == 0:
        broken = True
        failed = 1
        line += f"  CRASHED: exit code {rc} with no failed test"
    elif passed + failed == 0:
        broken = True
        failed = 1
        line += "  CRASHED: no test ran"
    total_p += passed; total_f += failed; total_s += skipped
    print(line)

if not projects:
    broken = True
if total_p + total_f == 0:
    print("no test ran", file=sys.stderr)
    broken = True

last = f"{total_p} passed, {total_f} failed" + (f", {total_s} skipped" if total_s else "")
sys.stdout.flush()
print(last)
sys.exit(1 if (broken or total_f) else 0)
PY
