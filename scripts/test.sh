#!/usr/bin/env bash
#
# scripts/test.sh - the project's single test command (also used by CI via .ci/run).
#
# What it does:
#   1. Installs the external tools the tests need, when missing and when we are
#      root: the PostgreSQL server binaries, a headless browser (chromium) and
#      poppler-utils (pdftotext, pdftoppm: the PDF tests read documents back).
#   2. Starts a throwaway PostgreSQL server in a temp dir on a free localhost
#      port; it is stopped and deleted when this script exits, whatever happens.
#   3. Exports the environment the tests read:
#        GOTONG_TEST_POSTGRES  connection URL of the throwaway server
#        GOTONG_TEST_BROWSER   path of the chromium binary
#        GOTONG_TEST_STRICT=1  a missing PostgreSQL/browser/poppler fails tests, never skips
#        GOTONG_TEST_SCREENSHOTS  where the browser tests keep their screenshots: unless
#                              set, artifacts/screenshots (gitignored; emptied first),
#                              the directory for CI to keep as artifacts
#        CGO_ENABLED=1         required by -race
#   4. Checks that every Go file is gofmt-formatted, runs `go vet ./...`, then
#      `go test -race -count=1 -timeout 30m ./...` without the browser tests, and
#      beside it, in a second process, the browser tests (TestBrowser*, in
#      internal/web) without -race (see below for why).
#      The timeout is per package: a hang still ends well within CI's 90 minutes.
#
# Usage:
#   scripts/test.sh                               # everything (./...)
#   scripts/test.sh -run TestX ./internal/store/  # arguments replace ./... in go test
#
# Package paths are relative to the repository root (the script cd's there).
#
# Environment knobs:
#   GOTONG_TEST_NO_INSTALL=1  never run apt-get (just report what is missing)
#   GOTONG_TEST_BROWSER=PATH  use this browser instead of looking up `chromium`
#   GOTONG_TEST_ON_DISK=1     keep the tests' temp folders on disk, not in /dev/shm
#   CI=true                   a missing dependency that cannot be installed is fatal
#
# Works on a fresh Debian 12 machine with only Go and gcc, and on dev machines.

set -euo pipefail

start_time=$(date +%s)

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

log()  { printf '==> %s\n' "$*"; }
warn() { printf '!!! %s\n' "$*" >&2; }
die()  { printf '!!! %s\n' "$*" >&2; exit 1; }

elapsed() {
	local s=$(( $(date +%s) - start_time ))
	printf '%dm%02ds' $((s / 60)) $((s % 60))
}

is_root() { [[ $(id -u) -eq 0 ]]; }
is_ci()   { [[ ${CI:-} == true ]]; }

# Run the repo-relative commands from the repository root (parent of scripts/).
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Go is often installed in /usr/local/go without being on PATH (fresh machines, CI).
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
	export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 || die "go not found on PATH (nor in /usr/local/go/bin)"

# Newest /usr/lib/postgresql/<version>/bin containing initdb, or "" if none.
find_pg_bin() {
	local d best="" bestv=-1 v
	for d in /usr/lib/postgresql/*/bin; do
		[[ -x $d/initdb && -x $d/pg_ctl ]] || continue
		v=${d#/usr/lib/postgresql/}; v=${v%%/*}
		[[ $v =~ ^[0-9]+$ ]] || continue   # numeric majors only (9.x is long gone)
		if (( v > bestv )); then bestv=$v; best=$d; fi
	done
	printf '%s' "$best"
}

find_browser() {
	if [[ -n ${GOTONG_TEST_BROWSER:-} && -x ${GOTONG_TEST_BROWSER} ]]; then
		printf '%s' "$GOTONG_TEST_BROWSER"
	else
		command -v chromium 2>/dev/null || true
	fi
}

# ---------------------------------------------------------------------------
# 1. Install missing dependencies
# ---------------------------------------------------------------------------

missing_pkgs=()
[[ -n $(find_pg_bin) ]]  || missing_pkgs+=(postgresql)
[[ -n $(find_browser) ]] || missing_pkgs+=(chromium fonts-dejavu-core)
command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 ||
	missing_pkgs+=(poppler-utils)

if (( ${#missing_pkgs[@]} > 0 )); then
	if [[ ${GOTONG_TEST_NO_INSTALL:-} == 1 ]]; then
		warn "missing test dependencies (${missing_pkgs[*]}); GOTONG_TEST_NO_INSTALL=1 so not installing"
		is_ci && die "CI=true: refusing to run tests without: ${missing_pkgs[*]}"
	elif is_root; then
		log "installing missing test dependencies: ${missing_pkgs[*]}"
		export DEBIAN_FRONTEND=noninteractive
		# One update, one install: keeps a fresh machine's setup to a single pass.
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >/dev/null
		log "installed: ${missing_pkgs[*]}"
	else
		warn "missing test dependencies (${missing_pkgs[*]}); not root, so cannot install them."
		warn "install them with: sudo apt-get install --no-install-recommends ${missing_pkgs[*]}"
		warn "(GOTONG_TEST_STRICT=1 is set, so tests that need them will fail)"
		is_ci && die "CI=true: refusing to run tests without: ${missing_pkgs[*]}"
	fi
fi

PG_BIN=$(find_pg_bin)
BROWSER=$(find_browser)

# ---------------------------------------------------------------------------
# 2. Throwaway PostgreSQL server
# ---------------------------------------------------------------------------

PG_DIR=""          # temp dir: data/ (cluster), log, and the Unix socket
PG_STARTED=0

# Run a PostgreSQL command as the user owning the cluster. The server refuses
# to run as root, so when root we drop to the `postgres` system user.
# cd into the temp dir first so postgres never trips over an unreadable cwd.
as_pg() {
	if is_root; then
		(cd "$PG_DIR" && runuser -u postgres -- "$@")
	else
		(cd "$PG_DIR" && "$@")
	fi
}

TEST_TMP=""        # the tests' temp folder, in memory when there is room (section 3)

cleanup() {
	local rc=$?
	if [[ -n $TEST_TMP && -d $TEST_TMP ]]; then
		rm -rf -- "$TEST_TMP"
	fi
	if (( PG_STARTED )); then
		as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
	fi
	if [[ -n $PG_DIR && -d $PG_DIR ]]; then
		rm -rf -- "$PG_DIR"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# True if nothing is listening on 127.0.0.1:$1. Uses ss when present, else a
# bash /dev/tcp connect attempt (a refused connect means the port is free).
port_free() {
	local port=$1
	if command -v ss >/dev/null 2>&1; then
		[[ -z $(ss -Hltn "sport = :$port" 2>/dev/null) ]]
	else
		! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
	fi
}

pick_port() {
	local port i
	for i in $(seq 1 100); do
		port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))   # 20000..59999
		if port_free "$port"; then printf '%s' "$port"; return 0; fi
	done
	return 1
}

start_postgres() {
	local t0 port attempt locale=C.UTF-8
	t0=$(date +%s%N)
	log "starting throwaway PostgreSQL ($PG_BIN)"

	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/gotong-pg.XXXXXX")
	if is_root; then
		getent passwd postgres >/dev/null ||
			die "running as root but there is no 'postgres' user to run the server as"
		chown postgres: "$PG_DIR"
	fi

	# C.UTF-8 is built into Debian 12's glibc; fall back to plain C elsewhere.
	if ! as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 \
			--locale="$locale" >"$PG_DIR/initdb.log" 2>&1; then
		locale=C
		rm -rf -- "${PG_DIR:?}/data"
		as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 \
				--locale="$locale" >"$PG_DIR/initdb.log" 2>&1 || {
			warn "initdb failed:"; tail -n 30 "$PG_DIR/initdb.log" >&2; exit 1; }
	fi

	# Another process may grab the port between the check and the bind, so
	# retry a few times with a fresh port if that is why the start failed.
	for attempt in 1 2 3; do
		port=$(pick_port) || die "could not find a free TCP port for PostgreSQL"
		rm -f -- "$PG_DIR/log"   # pg_ctl recreates it, owned by the server user
		if as_pg "$PG_BIN/pg_ctl" -w -t 60 -D "$PG_DIR/data" -l "$PG_DIR/log" \
				-o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
				start >/dev/null 2>&1; then
			PG_STARTED=1
			break
		fi
		as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
		if (( attempt < 3 )) && grep -q 'could not bind\|already in use' "$PG_DIR/log"; then
			warn "port $port was taken, retrying with another one"
			continue
		fi
		warn "PostgreSQL failed to start; last lines of its log:"
		tail -n 30 "$PG_DIR/log" >&2
		exit 1
	done

	export GOTONG_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	log "PostgreSQL up on 127.0.0.1:$port in $(( ($(date +%s%N) - t0) / 1000000 ))ms (locale $locale)"
}

if [[ -n $PG_BIN ]]; then
	start_postgres
else
	warn "no PostgreSQL server binaries; GOTONG_TEST_POSTGRES is not set"
fi

# ---------------------------------------------------------------------------
# 3. Test environment
# ---------------------------------------------------------------------------

if [[ -n $BROWSER ]]; then
	export GOTONG_TEST_BROWSER="$BROWSER"
	log "browser: $BROWSER"
else
	unset GOTONG_TEST_BROWSER
	warn "no chromium found; GOTONG_TEST_BROWSER is not set"
fi
export GOTONG_TEST_STRICT=1
export CGO_ENABLED=1
# The tests' temp folders (each test's SQLite file, uploads, the schema template)
# go to memory when /dev/shm has room: SQLite syncs every commit (synchronous=FULL),
# and on this machine's disk those syncs were half the SQLite tests' time. The
# database is the same real SQLite file; only the disk under it is RAM.
if [[ -z ${GOTONG_TEST_ON_DISK:-} && -d /dev/shm && -w /dev/shm ]] &&
	(( $(df -Pk /dev/shm | awk 'NR==2 {print $4}') > 4 * 1024 * 1024 )); then
	TEST_TMP=$(mktemp -d /dev/shm/gotong-test.XXXXXX)
	chmod 711 "$TEST_TMP"   # tests that start PostgreSQL servers run them as postgres
	export TMPDIR="$TEST_TMP"
	log "test temp folders in memory: $TEST_TMP"
fi
# The browser tests' screenshots (every walk's steps, on a phone and a desktop):
# one directory per test, kept after the run for people and CI to look at. The
# default directory starts empty, so it only holds this run's pictures.
if [[ -z ${GOTONG_TEST_SCREENSHOTS:-} ]]; then
	GOTONG_TEST_SCREENSHOTS="$PWD/artifacts/screenshots"
	rm -rf -- "$GOTONG_TEST_SCREENSHOTS"
fi
mkdir -p -- "$GOTONG_TEST_SCREENSHOTS"
# go test runs in each package's directory: the path must not be relative.
GOTONG_TEST_SCREENSHOTS=$(cd "$GOTONG_TEST_SCREENSHOTS" && pwd)
export GOTONG_TEST_SCREENSHOTS
log "screenshots: $GOTONG_TEST_SCREENSHOTS"

# ---------------------------------------------------------------------------
# 4. Vet and test
# ---------------------------------------------------------------------------

if (( $# > 0 )); then
	test_args=("$@")
else
	test_args=(./...)
fi

status=0
log "gofmt -l, go vet ./..."
unformatted=$("$(go env GOROOT)/bin/gofmt" -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
	echo "not gofmt-formatted:" >&2
	echo "$unformatted" >&2
	status=1
elif ! go vet ./...; then
	status=1
else
	if (( $# > 0 )); then
		log "go test -race -count=1 -timeout 30m ${test_args[*]}"
		go test -race -count=1 -timeout 30m "${test_args[@]}" || status=$?
	else
		# The browser tests (all named TestBrowser*, all in internal/web) run
		# without the race detector, in their own process, beside the rest: they
		# wait on Chromium more than they compute, and the race-built server they
		# drive made internal/web the longest package (docs/PERFORMANCE.md, "The
		# test command's time": 10-18% off the whole). Every handler they drive is
		# also driven, under -race, by the HTTP tests (the role table, the API suites).
		browser_log=$(mktemp)
		log "go test -count=1 -timeout 30m -run '^TestBrowser' ./internal/web (beside the rest; its output follows it)"
		go test -count=1 -timeout 30m -run '^TestBrowser' ./internal/web >"$browser_log" 2>&1 &
		browser_pid=$!
		log "go test -race -count=1 -timeout 30m -skip '^TestBrowser' ./..."
		go test -race -count=1 -timeout 30m -skip '^TestBrowser' ./... || status=$?
		browser_status=0
		wait "$browser_pid" || browser_status=$?
		log "the browser tests (no -race):"
		cat "$browser_log"
		rm -f "$browser_log"
		if (( status == 0 )); then status=$browser_status; fi
	fi
fi

if (( status == 0 )); then
	log "PASS in $(elapsed)"
else
	warn "FAIL (exit $status) in $(elapsed)"
fi
exit "$status"
