#!/usr/bin/env bash
#
# scripts/scale.sh - three Gotong servers on one PostgreSQL, under load and faults
# (issue 16, "How it runs"). Not part of the test command.
#
# What it does, all on loopback, in a temp folder removed at exit (whatever happens):
#   1. Starts a PostgreSQL primary and a streaming standby (pg_basebackup -R) with
#      synchronous_standby_names='*': a commit is acknowledged only once the standby
#      holds it, so the promotion below may lose no acknowledged write.
#   2. Builds gotong once, migrates, creates an admin and its token, and starts three
#      `gotong serve` on distinct ports, all on one --db URL that lists both hosts
#      with target_session_attrs=read-write, one shared data folder (uploads) and one
#      personal-data key; --instances 3 (each enforces a third of every rate limit)
#      and --trusted-proxies 127.0.0.1 (haproxy names the client in X-Forwarded-For).
#   3. Starts Debian's haproxy (installed with apt-get when missing and root) in front
#      of them: round robin, health check GET /readyz every 500 ms, a request whose
#      connection failed or got no answer is retried on another server.
#   4. Sets up the load (bench/load -setup: an office, three verified organisations,
#      a registry of households, a published program), then runs the load for
#      DURATION and injects, at set fractions of it:
#         25%  kill -9 one server;       its restart at 45%
#         60%  pg_ctl -m immediate stop of the primary; the standby promoted 2 s later
#   5. Checks at the end: `gotong audit verify` and `gotong counters verify` pass;
#      every commitment the load saw acknowledged (201) is in the database, none is
#      there twice, and those there beyond the acknowledged ones are no more than
#      the requests whose answer was lost; writes came back within 30 s of the
#      promotion; the public endpoints answered without error, p99 under 100 ms,
#      while the server was down; memory growth after warm-up (reported; a run
#      shorter than 30 minutes says little about it).
#
# scripts/scale.sh disk: the SQLite disk-full fault in its own run (root: it mounts a
# tmpfs of DISK_SIZE). One server on SQLite in that small filesystem, the same load;
# at 30% of DURATION a file fills the disk, at 60% it is removed. Checks: a commitment
# sent while the disk is full gets a clear error; the server survives; writes come
# back once space returns; SQLite's integrity_check is ok; audit and counters verify;
# no acknowledged commitment is lost or doubled.
#
# Usage:
#   scripts/scale.sh              # DURATION=60s by default
#   DURATION=30m RATE=40 scripts/scale.sh
#   scripts/scale.sh disk         # DISK_SIZE=20m by default
#
# Environment:
#   DURATION   how long the load runs (Go duration: 60s, 5m, 30m); default 60s
#   RATE       requests per second of the load's mix; default 40
#   ROWS       households imported before the load; default 3000
#   SCALE_OUT  where the results are kept (summary.json, load.txt, checks.txt,
#              events.txt, logs/); default artifacts/scale
#   KEEP=1     keep the temp folder (logs, databases) after the run
#   DISK_SIZE  size of the disk mode's tmpfs; default 20m
#
# Exit status: 0 when every check passes, 1 when one fails.

set -euo pipefail

log()  { printf '==> %s\n' "$*"; }
warn() { printf '!!! %s\n' "$*" >&2; }
die()  { printf '!!! %s\n' "$*" >&2; exit 1; }
is_root() { [[ $(id -u) -eq 0 ]]; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
	export PATH="/usr/local/go/bin:$PATH"
fi

MODE=${1:-cluster}
[[ $MODE == cluster || $MODE == disk ]] || die "usage: scripts/scale.sh [disk]"
DURATION=${DURATION:-60s}
RATE=${RATE:-40}
ROWS=${ROWS:-3000}
SCALE_OUT=${SCALE_OUT:-artifacts/scale}
mkdir -p "$SCALE_OUT"
SCALE_OUT=$(cd "$SCALE_OUT" && pwd)

# DURATION in whole seconds.
seconds() {
	local d=$1 n
	case $d in
		*ms) die "DURATION $d: too short" ;;
		*s) n=${d%s}; echo "${n%.*}" ;;
		*m) n=${d%m}; echo $(( ${n%.*} * 60 )) ;;
		*h) n=${d%h}; echo $(( ${n%.*} * 3600 )) ;;
		*) echo "$d" ;;
	esac
}
DUR_S=$(seconds "$DURATION")
(( DUR_S >= 30 )) || die "DURATION must be at least 30s (the faults need room)"

# ---------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------

find_pg_bin() {
	local d best="" bestv=-1 v
	for d in /usr/lib/postgresql/*/bin; do
		[[ -x $d/initdb && -x $d/pg_basebackup ]] || continue
		v=${d#/usr/lib/postgresql/}; v=${v%%/*}
		[[ $v =~ ^[0-9]+$ ]] || continue
		if (( v > bestv )); then bestv=$v; best=$d; fi
	done
	printf '%s' "$best"
}

missing=()
[[ -n $(find_pg_bin) ]] || missing+=(postgresql)
command -v haproxy >/dev/null 2>&1 || [[ -x /usr/sbin/haproxy ]] || missing+=(haproxy)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v curl >/dev/null 2>&1 || missing+=(curl)
[[ $MODE != disk ]] || command -v python3 >/dev/null 2>&1 || missing+=(python3)
if (( ${#missing[@]} > 0 )); then
	is_root || die "missing: ${missing[*]}; install them with: sudo apt-get install --no-install-recommends ${missing[*]}"
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
PG_BIN=$(find_pg_bin)
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)

# ---------------------------------------------------------------------------
# Clean-up: every process started here, by its pid; the temp folder
# ---------------------------------------------------------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gotong-scale.XXXXXX")
chmod 755 "$WORK"
PIDS=()   # haproxy, the load
DISK=""   # the disk mode's tmpfs
cleanup() {
	local rc=$? f pid
	set +e
	for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
	for f in "$WORK"/server*.pid; do
		[[ -f $f ]] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	# The logs outlive the run, beside the results.
	mkdir -p "$SCALE_OUT/logs" && rm -f "$SCALE_OUT/logs/"*
	for f in "$WORK"/server*.log "$WORK"/haproxy.log; do
		[[ -f $f ]] && cp "$f" "$SCALE_OUT/logs/"
	done
	for d in pg1 pg2; do
		[[ -f $WORK/$d/log ]] && cp "$WORK/$d/log" "$SCALE_OUT/logs/postgres-$d.log"
	done
	for d in "$WORK"/pg1 "$WORK"/pg2; do
		[[ -f $d/data/postmaster.pid ]] && as_pg "$PG_BIN/pg_ctl" -D "$d/data" -m immediate stop >/dev/null 2>&1
	done
	if [[ -n $DISK ]] && mountpoint -q "$DISK"; then
		if [[ ${KEEP:-} == 1 ]]; then
			mkdir -p "$WORK/disk-copy" && cp -a "$DISK/." "$WORK/disk-copy/"
		fi
		rm -f "$DISK/filler"
		umount "$DISK" 2>/dev/null || umount -l "$DISK"
	fi
	if [[ ${KEEP:-} == 1 ]]; then
		log "kept $WORK"
	else
		rm -rf -- "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_pg() {
	if is_root; then
		(cd "$WORK" && runuser -u postgres -- "$@")
	else
		(cd "$WORK" && "$@")
	fi
}

port_free() { [[ -z $(ss -Hltn "sport = :$1" 2>/dev/null) ]]; }
USED_PORTS=" "
pick_port() {
	local p i
	for i in $(seq 1 200); do
		p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
		if [[ $USED_PORTS != *" $p "* ]] && port_free "$p"; then
			USED_PORTS+="$p "
			printf '%s' "$p"
			return 0
		fi
	done
	die "no free port"
}

event() { echo "$(date +%s%N) $1" >>"$WORK/events"; log "$(date +%T) $1"; }

start_server() { # index 1..3; GOTONG_DB or GOTONG_DATA says where the database is
	local i=$1 port=${SRV_PORTS[$(( $1 - 1 ))]}
	"$GOTONG" serve --addr "127.0.0.1:$port" --instances "${#SRV_PORTS[@]}" --trusted-proxies 127.0.0.1 \
		--org-open-units 0 --org-reveals-per-day 0 --log-level warn >>"$WORK/server$i.log" 2>&1 &
	echo $! >"$WORK/server$i.pid"
	disown $!   # killed on purpose below: no "Killed" notice from bash
}
wait_ready() { # url seconds
	local i
	for i in $(seq 1 $(( $2 * 10 ))); do
		curl -fsS -o /dev/null "$1/readyz" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# Build once, migrate, and make the admin whose token sets up the load.
prepare_gotong() {
	log "building gotong and the load generator"
	go build -o "$WORK/gotong" ./cmd/gotong
	go build -o "$WORK/load" ./bench/load
	GOTONG="$WORK/gotong"
	export GOTONG_KEY
	GOTONG_KEY=$(head -c 32 /dev/urandom | base64)
	"$GOTONG" migrate >/dev/null
	printf '%s' "Admin-Uji-$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')" >"$WORK/admin.pw"
	"$GOTONG" user create --email admin@load.test --name "Admin Uji Beban" --role admin --password-file "$WORK/admin.pw" >/dev/null
	ADMIN_TOKEN=$("$GOTONG" token create --email admin@load.test --label scale)
}

setup_load() { # base
	log "setting up the load: an office, 3 organisations, $ROWS households, a published program"
	"$WORK/load" -base "$1" -setup -duration 0 -admin-token "$ADMIN_TOKEN" -gotong "$GOTONG" \
		-rows "$ROWS" -state "$WORK/state.json"
}

start_load() { # base pids
	: >"$WORK/events"
	# Warm-up: a sixth of the run, at least 10 s. Go hands the servers' start-up
	# memory back about 10 s in; a longer run measures growth from after that.
	local warmup=$(( DUR_S / 6 > 10 ? DUR_S / 6 : 10 ))
	"$WORK/load" -base "$1" -state "$WORK/state.json" -duration "$DURATION" -rate "$RATE" -pids "$2" -warmup "${warmup}s" \
		-out "$SCALE_OUT/summary.json" -acked "$WORK/acked.txt" -events "$WORK/events" >"$SCALE_OUT/load.txt" 2>&1 &
	LOAD_PID=$!
	PIDS+=("$LOAD_PID")
	T0=$(date +%s)
}
at() { local s=$(( T0 + $1 - $(date +%s) )); (( s > 0 )) && sleep "$s"; return 0; }

finish_load() {
	local rc=0
	wait "$LOAD_PID" || rc=$?
	cat "$SCALE_OUT/load.txt"
	(( rc == 0 )) || die "the load generator failed (exit $rc)"
	cp "$WORK/events" "$SCALE_OUT/events.txt"
	echo
	log "checks"
}

failures=0
CHECKS="$SCALE_OUT/checks.txt"
: >"$CHECKS"
check() { # ok|fail text
	local mark=PASS
	[[ $1 == ok ]] || { mark=FAIL; failures=$((failures + 1)); }
	printf '%s  %s\n' "$mark" "$2" | tee -a "$CHECKS"
}

# The checks both modes share. $1 runs SQL on the database the run ended on.
check_invariants() {
	local sql=$1 out acked lost doubled in_db unknown
	if out=$("$GOTONG" audit verify 2>&1); then check ok "gotong audit verify: $out"; else check fail "gotong audit verify: $out"; fi
	if out=$("$GOTONG" counters verify 2>&1); then check ok "gotong counters verify: $out"; else check fail "gotong counters verify: $out"; fi
	sort -u "$WORK/acked.txt" | sed '/^$/d' >"$WORK/acked.sorted"
	"$sql" "SELECT id FROM commitments" | sort -u >"$WORK/db.sorted"
	acked=$(wc -l <"$WORK/acked.sorted")
	lost=$(comm -23 "$WORK/acked.sorted" "$WORK/db.sorted" | wc -l)
	if (( lost == 0 )); then check ok "no lost write: all $acked acknowledged commitments are in the database"
	else check fail "$lost of $acked acknowledged commitments are missing from the database"; fi
	doubled=$("$sql" "SELECT count(*) FROM (SELECT org_id, client_ref FROM commitments WHERE client_ref LIKE 'load-%' GROUP BY 1, 2 HAVING count(*) > 1) d")
	in_db=$("$sql" "SELECT count(*) FROM commitments WHERE client_ref LIKE 'load-%'")
	unknown=$(jq '.commitments.outcome_unknown' "$SCALE_OUT/summary.json")
	if (( doubled == 0 && in_db <= acked + unknown )); then
		check ok "no doubled write: $in_db load commitments in the database, each key once; $acked acknowledged + $unknown whose answer was lost"
	else
		check fail "doubled writes: $doubled keys twice; $in_db load commitments in the database for $acked acknowledged + $unknown unknown"
	fi
}

# outage FAULT-PREFIX: "recovered after_repair after_fault failed" of that fault.
outage() {
	jq -r --arg f "$1" '.faults[] | select(.fault | startswith($f))
		| "\(.recovered) \(.recovered_after_repair_s * 10 | round / 10) \(.recovered_after_fault_s * 10 | round / 10) \(.failed_requests)"' \
		"$SCALE_OUT/summary.json"
}

check_memory() {
	local growth
	growth=$(jq -r '[.memory_growth[] | select(.over_10_percent)] | map(.proc) | join(", ")' "$SCALE_OUT/summary.json")
	if [[ -z $growth ]]; then
		check ok "memory: no process grew over 10% after warm-up (over $DURATION; see summary.json)"
	else
		check fail "memory: grew over 10% after warm-up: $growth (over $DURATION; see summary.json)"
	fi
}

finish() {
	{
		echo "run: $(jq -r '.started' "$SCALE_OUT/summary.json"), mode $MODE, DURATION=$DURATION RATE=$RATE ROWS=$ROWS"
		echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), load average before the checks: $(cut -d' ' -f1-3 /proc/loadavg)"
	} | tee -a "$CHECKS"
	if (( failures > 0 )); then
		warn "$failures check(s) failed; results in $SCALE_OUT"
		exit 1
	fi
	log "all checks passed; results in $SCALE_OUT"
	exit 0
}

# ---------------------------------------------------------------------------
# Disk mode: SQLite on a small filesystem that fills up
# ---------------------------------------------------------------------------

sqlite_sql() { python3 - "$GOTONG_DATA/gotong.db" "$1" <<'PY'
import sqlite3, sys
con = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for row in con.execute(sys.argv[2]):
    print("|".join(str(v) for v in row))
PY
}

if [[ $MODE == disk ]]; then
	is_root || die "the disk mode mounts a tmpfs: run it as root"
	DISK="$WORK/disk"
	mkdir -p "$DISK"
	mount -t tmpfs -o "size=${DISK_SIZE:-20m}" gotong-scale-disk "$DISK"
	export GOTONG_DATA="$DISK"
	unset GOTONG_DB
	prepare_gotong
	SRV_PORTS=("$(pick_port)")
	start_server 1
	BASE="http://127.0.0.1:${SRV_PORTS[0]}"
	wait_ready "$BASE" 60 || { tail "$WORK/server1.log" >&2; die "server not ready"; }
	setup_load "$BASE"
	log "SQLite on a ${DISK_SIZE:-20m} tmpfs: $(df -h --output=used,avail "$DISK" | tail -n 1 | xargs) used/free after the setup"
	log "load for $DURATION at $RATE req/s; the disk fills at $(( DUR_S * 30 / 100 ))s, space returns at $(( DUR_S * 60 / 100 ))s"
	start_load "$BASE" "s1=@$WORK/server1.pid"

	at $(( DUR_S * 30 / 100 ))
	dd if=/dev/zero of="$DISK/filler" bs=64k 2>/dev/null || true   # until ENOSPC
	event disk_full
	sleep 2
	# What a collaborator sees when committing now.
	tok=$(jq -r '.collaborator_tokens[0]' "$WORK/state.json")
	body=$(jq -c '{program_id, phase, quantity: 1, region: .regions[0], deliver_by, accept_statement: true}' "$WORK/state.json")
	full_answer=$(curl -sS -m 10 -w ' HTTP %{http_code}' -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
		-H "Idempotency-Key: disk-full-probe" -d "$body" "$BASE/api/v1/commitments" 2>&1 || true)
	log "a commitment while the disk is full: $full_answer"
	at $(( DUR_S * 60 / 100 ))
	rm -f "$DISK/filler"
	event disk_freed
	finish_load

	# A clear error tells the client the service is unavailable for now (503, as for
	# a database that does not answer; API.md's codes are closed, so the JSON code
	# stays "internal" and the message says why), not a bare 500.
	full_answer=$(tr '\n' ' ' <<<"$full_answer")
	if [[ $full_answer == *' HTTP 2'* ]]; then
		check fail "a commitment while the disk was full was answered as a success: $full_answer"
	elif [[ $full_answer == *'"error"'* && ( $full_answer == *' HTTP 503'* || $full_answer == *' HTTP 507'* ) ]]; then
		check ok "a commitment while the disk was full got a clear error: $full_answer"
	else
		check fail "a commitment while the disk was full got no clear error: $full_answer; the server's log: $(grep -m1 -o 'err="[^"]*full[^"]*"' "$WORK/server1.log" || echo 'nothing about it')"
	fi
	if kill -0 "$(cat "$WORK/server1.pid")" 2>/dev/null && wait_ready "$BASE" 10; then
		check ok "the server survived the full disk and is ready"
	else
		check fail "the server did not survive the full disk (see server1.log)"
	fi
	read -r rec after_free after_full failed < <(outage "SQLite") || true
	if [[ $rec == true ]]; then
		check ok "writes back ${after_free}s after space returned ($failed requests failed from the disk filling until then)"
	else
		check fail "writes did not come back after space returned"
	fi
	integrity=$(sqlite_sql "PRAGMA integrity_check" 2>&1 | tr '\n' ' ')
	if [[ $integrity == 'ok ' ]]; then check ok "SQLite integrity_check: ok"
	else check fail "SQLite integrity_check: $integrity"; fi
	check_invariants sqlite_sql
	check_memory
	finish
fi

# ---------------------------------------------------------------------------
# 1. PostgreSQL primary and synchronous standby
# ---------------------------------------------------------------------------

PG1=$(pick_port); PG2=$(pick_port)
mkdir -p "$WORK/pg1" "$WORK/pg2"
is_root && chown postgres: "$WORK/pg1" "$WORK/pg2"

pg_start() { # dir port
	as_pg "$PG_BIN/pg_ctl" -D "$1/data" -l "$1/log" -w -t 60 \
		-o "-p $2 -k $1 -c listen_addresses=127.0.0.1" start >/dev/null ||
		{ tail -n 30 "$1/log" >&2; die "PostgreSQL in $1 did not start"; }
}

log "PostgreSQL primary on 127.0.0.1:$PG1, standby on 127.0.0.1:$PG2 ($PG_BIN)"
as_pg "$PG_BIN/initdb" -D "$WORK/pg1/data" -A trust -U postgres -E UTF8 --locale=C >"$WORK/pg1/initdb.log" 2>&1 ||
	{ tail "$WORK/pg1/initdb.log" >&2; die "initdb failed"; }
# fsync off: the faults here kill processes, not the machine; the operating system
# still holds every write a killed server made.
cat >>"$WORK/pg1/data/postgresql.conf" <<EOF

wal_level = replica
max_wal_senders = 5
hot_standby = on
max_connections = 300
fsync = off
full_page_writes = off
synchronous_standby_names = '*'
EOF
pg_start "$WORK/pg1" "$PG1"
as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG1" -U postgres -D "$WORK/pg2/data" -R -X stream
echo "synchronous_standby_names = ''" >>"$WORK/pg2/data/postgresql.conf"
pg_start "$WORK/pg2" "$PG2"

export GOTONG_DB="postgres://postgres@127.0.0.1:$PG1,127.0.0.1:$PG2/postgres?sslmode=disable&target_session_attrs=read-write"
export GOTONG_DATA="$WORK/data"        # one folder for all three: the uploads an import reads
mkdir -p "$GOTONG_DATA"

# ---------------------------------------------------------------------------
# 2. Gotong: three servers
# ---------------------------------------------------------------------------

prepare_gotong
SRV_PORTS=("$(pick_port)" "$(pick_port)" "$(pick_port)")
for i in 1 2 3; do start_server "$i"; done
for i in 1 2 3; do
	wait_ready "http://127.0.0.1:${SRV_PORTS[$((i - 1))]}" 60 || { tail "$WORK/server$i.log" >&2; die "server $i not ready"; }
done
log "gotong servers on ${SRV_PORTS[*]}"

# ---------------------------------------------------------------------------
# 3. haproxy
# ---------------------------------------------------------------------------

LB=$(pick_port)
cat >"$WORK/haproxy.cfg" <<EOF
global
	maxconn 4096
defaults
	mode http
	timeout connect 2s
	timeout client 60s
	timeout server 60s
	retries 3
	option redispatch
	retry-on conn-failure empty-response
frontend gotong
	bind 127.0.0.1:$LB
	option forwardfor
	default_backend gotong
backend gotong
	balance roundrobin
	option httpchk GET /readyz
	http-check expect status 200
	default-server check inter 500ms fall 2 rise 2
	server s1 127.0.0.1:${SRV_PORTS[0]}
	server s2 127.0.0.1:${SRV_PORTS[1]}
	server s3 127.0.0.1:${SRV_PORTS[2]}
EOF
"$HAPROXY" -c -q -f "$WORK/haproxy.cfg" || die "haproxy.cfg is invalid"
"$HAPROXY" -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
PIDS+=($!)
disown $!
BASE="http://127.0.0.1:$LB"
wait_ready "$BASE" 20 || die "haproxy does not answer"
log "haproxy on $BASE ($("$HAPROXY" -v | head -n 1))"

# ---------------------------------------------------------------------------
# 4. Load with faults
# ---------------------------------------------------------------------------

setup_load "$BASE"
log "load for $DURATION at $RATE req/s; faults at $(( DUR_S / 4 ))s (server), $(( DUR_S * 60 / 100 ))s (database)"
start_load "$BASE" "s1=@$WORK/server1.pid,s2=@$WORK/server2.pid,s3=@$WORK/server3.pid,pg-primary=@$WORK/pg1/data/postmaster.pid,pg-standby=@$WORK/pg2/data/postmaster.pid"

at $(( DUR_S / 4 ))
kill -9 "$(cat "$WORK/server2.pid")"
event kill_server
at $(( DUR_S * 45 / 100 ))
start_server 2
wait_ready "http://127.0.0.1:${SRV_PORTS[1]}" 60 || warn "server 2 did not come back"
sleep 1   # haproxy's health check (inter 500ms, rise 2) takes it back
event restart_server

at $(( DUR_S * 60 / 100 ))
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg1/data" -m immediate -w stop >/dev/null
event kill_primary
sleep 2   # an operator, or a watchdog, notices
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg2/data" -w promote >/dev/null
event promoted
finish_load

# ---------------------------------------------------------------------------
# 5. Invariants
# ---------------------------------------------------------------------------

psql_new() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG2" -U postgres -d postgres -XAtq -c "$1"; }
check_invariants psql_new

read -r rec after_promo after_kill failed < <(outage "primary") || true
if [[ $rec == true ]] && awk -v s="$after_promo" 'BEGIN { exit !(s <= 30) }'; then
	check ok "service back ${after_promo}s after the promotion (${after_kill}s after the primary was killed; $failed requests failed meanwhile)"
else
	check fail "service not back within 30 s of the promotion (recovered=$rec, ${after_promo}s after it)"
fi

read -r errs p99 n < <(jq -r '.faults[] | select(.fault | startswith("server")) | .public
	| "\(.errors) \(.p99_ms * 10 | round / 10) \(.requests)"' "$SCALE_OUT/summary.json") || true
if [[ $errs == 0 ]] && awk -v p="$p99" 'BEGIN { exit !(p < 100) }'; then
	check ok "public endpoints while a server was down: $n requests, no error, p99 ${p99} ms"
else
	check fail "public endpoints while a server was down: $n requests, $errs errors, p99 ${p99} ms (target: 0 errors, p99 < 100 ms)"
fi

check_memory
finish
