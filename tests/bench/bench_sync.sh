#!/usr/bin/env bash
# The set-up and the measured runs of bench_sync (bench_sync.c runs this and
# prints the figures): a real rahq and a branch on loopback, as the sync
# tests make them (tests/sync/sync-lib.bash).
#
# Part 1, a busy branch's day: BENCH_ORDERS orders (their outbox events) and
# BENCH_ARCHIVES archives of BENCH_ARCHIVE_BYTES each, pushed by one `rasync
# --once` with `[sync] bandwidth = BENCH_BPS`. Prints the wall time of that
# pass and the bytes it had to move (archive bytes + the events' JSON).
# Part 2, a cut: one archive of BENCH_CUT_BYTES sent through the fault
# proxy, which resets the connection in the middle of the upload's second
# chunk; prints the bytes rasync says it sent again and what the proxy saw.
# Output: lines "figure NAME VALUE" (bench_sync.c reads them), the rest is
# commentary. Needs RACTL, RASYNC, RAHQ, SYNC_LOAD, RK_SOURCE_DIR,
# RK_BUILD_DIR (bench_sync.c sets them).
source "$RK_SOURCE_DIR/tests/sync/sync-lib.bash"
export RAKIOSK_LOG=warn

ORDERS=${BENCH_ORDERS:-2000}
ARCHIVES=${BENCH_ARCHIVES:-2000}
SIZE=${BENCH_ARCHIVE_BYTES:-3145728}
BPS=${BENCH_BPS:-50000000}
CUT=${BENCH_CUT_BYTES:-3145728}
figure() { echo "figure $1 $2"; }
now() { date +%s.%N; }

hq_init
hq_start
branch_up DEMO01
db1=$T/DEMO01/data/rakiosk.db
printf 'bandwidth = %s\nmax_attempts = 6\n' "$BPS" >>"$T/DEMO01/kiosk.conf" # the last section is [sync]

echo "set-up: $ORDERS orders, $ARCHIVES archives of $SIZE bytes (untimed)" >&2
as_branch DEMO01 "$SYNC_LOAD" --orders "$ORDERS" --archives "$ARCHIVES" --archive-min "$SIZE" \
    --archive-max "$SIZE" --archive-dir "$T/arch" >"$T/load.json" || die "load"
events=$(sqlite3 "$db1" 'SELECT count(*) FROM outbox')
# The events as the push carries them: about their payload plus the envelope.
event_bytes=$(sqlite3 "$db1" "SELECT sum(length(payload) + length(uuid) + length(entity_id) + length(kind) + 90) FROM outbox")
archive_bytes=$(sqlite3 "$db1" 'SELECT sum(bytes) FROM sync_archive')
figure events "$events"
figure archives "$ARCHIVES"
figure bytes $((archive_bytes + event_bytes))
figure bps "$BPS"

t0=$(now)
as_branch DEMO01 "$RASYNC" --once --json >"$T/day.json" 2>"$T/day.log"
rc=$?
t1=$(now)
[ "$rc" = 0 ] || die "the day's pass failed (exit $rc): $(tail -5 "$T/day.log")"
figure day_seconds "$(echo "$t1 - $t0" | bc -l)"
figure day_again "$(json 'd["last"]["archive_bytes_again"]' <"$T/day.json")"
[ "$(hq_admin uploads --branch DEMO01 --json | json 'sum(1 for u in d if u["matches"])')" = "$ARCHIVES" ] ||
    die "HQ does not hold every archive confirmed"
[ "$(hq_admin branch show DEMO01 --json | json 'd["events"]')" = "$events" ] || die "HQ lacks events"
rm -rf "$T/arch" "$HQ/archives"/* # 2 x the day's bytes on disk otherwise

# Part 2: a cut in the middle of an archive.
proxy_start DEMO01
via_proxy DEMO01
sed -i "s/^bandwidth = .*/bandwidth = 0/" "$T/DEMO01/kiosk.conf"
as_branch DEMO01 "$SYNC_LOAD" --archives 1 --archive-min "$CUT" --archive-max "$CUT" \
    --archive-dir "$T/cut" --seed 5 >/dev/null || die "the cut's archive"
faults '{"mode": "script", "steps": [{"match": "PATCH /v1/archives/", "fault": "pass"},
  {"match": "PATCH /v1/archives/", "fault": "reset_body"}]}'
as_branch DEMO01 "$RASYNC" --once --json --only archives >"$T/cut.json" 2>"$T/cut.log" ||
    die "the pass with a cut failed: $(tail -5 "$T/cut.log")"
[ "$(proxy_count reset_body)" = 1 ] || die "the proxy did not cut the upload"
figure cut_bytes "$CUT"
figure cut_chunk 1048576 # rahq serve --chunk, announced in hello
figure cut_again "$(json 'd["last"]["archive_bytes_again"]' <"$T/cut.json")"
figure cut_proxy_again $(($(proxy_count bytes_PATCH) - CUT))
[ "$(hq_admin uploads --branch DEMO01 --json | json 'sum(1 for u in d if u["matches"])')" = $((ARCHIVES + 1)) ] ||
    die "the cut archive is not confirmed at HQ"
hq_stop
