#!/usr/bin/env bash
# Convergence (issue 14's acceptance): 10,000 outbox events and 200 archives
# pushed through the fault proxy while it breaks a quarter of all requests
# (every kind of fault: drops, cuts before and after HQ committed, resets
# mid-body, 5xx, duplicated delivery, truncated and garbage JSON, delays).
# Once the faults stop, HQ and the branch agree exactly, counted here:
# - every outbox sequence 1..N held at HQ once (HQ's count of events equals
#   its high-water mark equals the branch's newest sequence, and HQ keeps
#   one row per (branch, seq)): zero lost, zero duplicated;
# - HQ's orders are the branch's, state for state; the per-day digests agree;
# - 200 uploads at HQ, one per file, each confirmed by HQ's own SHA-256, and
#   the set of hashes is the branch's.
# The store is whatever rahq is given: RAHQ_STORE (store.h), the SQLite file
# in HQ's home by default, so the same test runs against another backend.
# CONV_EVENTS and CONV_ARCHIVES make it smaller or bigger (defaults 10000, 200).
source "$(dirname "$0")/sync-lib.bash"

WANT_EVENTS=${CONV_EVENTS:-10000}
WANT_ARCHIVES=${CONV_ARCHIVES:-200}
hq_init
hq_start
branch_up DEMO01
proxy_start DEMO01
via_proxy DEMO01
printf 'batch = 250\nmax_attempts = 5\n' >>"$T/DEMO01/kiosk.conf" # the last section is [sync]
db1=$T/DEMO01/data/rakiosk.db
q1() { sqlite3 "$db1" "$1"; }
show() { hq_admin branch show DEMO01 --json | json "$1"; }

# The load: orders until the outbox holds WANT_EVENTS events, then archives.
t0=$(date +%s)
have=$(q1 'SELECT count(*) FROM outbox')
seed=1
while [ "$have" -lt "$WANT_EVENTS" ]; do
    n=$(((WANT_EVENTS - have) / 4)) # about 4.3 events an order: one call, then a top-up
    [ "$n" -lt 1 ] && n=1
    as_branch DEMO01 "$SYNC_LOAD" --orders "$n" --seed $seed >/dev/null || die "load"
    seed=$((seed + 1))
    have=$(q1 'SELECT count(*) FROM outbox')
done
mkdir -p "$T/arch"
as_branch DEMO01 "$SYNC_LOAD" --archives "$WANT_ARCHIVES" --archive-min 4096 --archive-max 98304 \
    --archive-dir "$T/arch" --seed 77 >/dev/null || die "archives"
EVENTS=$(q1 'SELECT count(*) FROM outbox')
same "$(q1 'SELECT max(seq) - min(seq) + 1 FROM outbox')" "$EVENTS" "the outbox's sequences are contiguous"
[ "$EVENTS" -ge "$WANT_EVENTS" ] && ok || bad "only $EVENTS events"
echo "load: $EVENTS events, $WANT_ARCHIVES archives in $(($(date +%s) - t0)) s"

# Passes under faults: a quarter of all requests broken, every kind.
faults '{"mode": "random", "rate": 0.25, "seed": 14, "delay_ms": 300,
 "faults": ["drop", "drop_reply", "delay", "reset_body", "reset_reply", "status5xx", "dup", "truncate", "garbage"]}'
t1=$(date +%s)
for pass in 1 2 3 4 5 6; do
    sync_once DEMO01
    echo "$OUT" >>"$T/faulty.log"
    [ "$(q1 'SELECT count(*) FROM outbox WHERE sent_at IS NULL')" = 0 ] &&
        [ "$(q1 'SELECT count(*) FROM sync_archive WHERE confirmed_at IS NULL')" = 0 ] && break
done
echo "under faults: $pass passes in $(($(date +%s) - t1)) s, $(proxy_count faults) faults in $(proxy_count requests) requests"
[ "$(proxy_count faults)" -ge $(($(proxy_count requests) / 8)) ] && ok ||
    bad "too few faults to mean anything: $(proxy_count faults) in $(proxy_count requests) requests"
for f in drop drop_reply delay reset_body reset_reply status5xx dup truncate garbage; do
    [ "$(proxy_count $f)" -gt 0 ] && ok || bad "fault $f never happened"
done
grep -q "HQ answered garbage" "$T/faulty.log" && ok || bad "garbage answers are logged"

# The faults stop; the branch converges.
faults '{"mode": "off"}'
sync_once DEMO01
same "$RC" 0 "the pass after the faults: $OUT"
sync_once DEMO01 --reconcile
same "$RC" 0 "the reconciliation pass"
contains "0 differed" "the per-day digests agree"

# Counted: events.
same "$(q1 'SELECT count(*) FROM outbox WHERE sent_at IS NULL')" 0 "the outbox is drained"
read -r held hwm dups <<<"$(show '"%d %d %d" % (d["events"], d["acked_seq"], d["duplicate_events"])')"
same "$held" "$EVENTS" "HQ holds as many events as the branch made (none lost, none twice)"
same "$hwm" "$(q1 'SELECT max(seq) FROM outbox')" "HQ's high-water mark is the branch's newest sequence"
same "$held" "$hwm" "one event per sequence at HQ"
same "$dups" 0 "no event UUID held twice at HQ"
echo "events: $EVENTS at the branch, $held held at HQ, $dups stored twice"
# Orders, state for state.
same "$(hq_admin orders --branch DEMO01 --json | json '"\n".join("%s %s" % (o["uuid"], o["state"]) for o in d)' | md5sum)" \
    "$(q1 "SELECT uuid || ' ' || state FROM orders ORDER BY uuid" | md5sum)" "HQ's orders are the branch's"
same "$(hq_admin orders --branch DEMO01 --json | json 'len(d)')" "$(q1 'SELECT count(*) FROM orders')" \
    "as many orders at HQ"
# Archives.
expect 0 "uploads" -- hq_admin uploads --branch DEMO01 --json
echo "$OUT" >"$T/uploads.json"
read -r n ok_n distinct <<<"$(json '"%d %d %d" % (len(d), sum(1 for u in d if u["matches"]), len(set(u["sha256"] for u in d)))' <"$T/uploads.json")"
same "$n" "$WANT_ARCHIVES" "one upload per archive at HQ"
same "$ok_n" "$WANT_ARCHIVES" "every upload complete and confirmed by HQ's SHA-256"
same "$distinct" "$WANT_ARCHIVES" "no archive stored twice"
same "$(json '"\n".join(sorted(u["sha256"] for u in d))' <"$T/uploads.json")" \
    "$(sha256sum "$T"/arch/* | cut -d' ' -f1 | sort)" "HQ holds exactly the branch's files"
echo "archives: $n uploads at HQ, $ok_n confirmed; total $(($(date +%s) - t0)) s"
hq_stop
finish
