#!/usr/bin/env bash
# The sync under faults (issue 14 section 4), a branch reaching a real rahq
# through the fault proxy (faultproxy.py):
# - each fault of the proxy on a push, a pull, an audit push and an archive
#   upload: a clear log line at the branch, the step retried, nothing lost
#   and nothing twice at HQ (every event held once, the pulled decision
#   applied once, the archive stored once and confirmed);
# - rahq killed with SIGKILL in the middle of a pass and started again: the
#   next pass converges;
# - the branch's disk full (a small tmpfs over its data folder, mounted in a
#   private user and mount namespace, so no privilege is needed): full, the
#   pass fails with a line saying so; nearly full, the events go but the
#   configuration bundle is refused with a clear line and nothing half
#   installed; once space is back the branch converges;
# - clock skew: a branch an hour ahead is warned about, syncs all the same;
# - `[sync] proxy`: HQ through an HTTP CONNECT proxy (faultproxy --connect)
#   that refuses the first tunnels: logged, retried, converged.
source "$(dirname "$0")/sync-lib.bash"

hq_init
hq_start
branch_up DEMO01
proxy_start DEMO01
via_proxy DEMO01
db1=$T/DEMO01/data/rakiosk.db
q1() { sqlite3 "$db1" "$1"; }
show() { hq_admin branch show DEMO01 --json | json "$1"; }
outbox() { q1 'SELECT count(*) FROM outbox'; }
unsent() { q1 'SELECT count(*) FROM outbox WHERE sent_at IS NULL'; }
# converged WHAT: HQ holds every event of the outbox exactly once, and its
# orders are the branch's, state for state.
converged() {
    same "$(show 'd["events"]')" "$(outbox)" "$1: HQ holds every event"
    same "$(unsent)" 0 "$1: the outbox is drained"
    same "$(hq_admin orders --branch DEMO01 --json | json '"\n".join("%s %s" % (o["uuid"], o["state"]) for o in d)')" \
        "$(q1 "SELECT uuid || ' ' || state FROM orders ORDER BY uuid")" "$1: HQ's orders are the branch's"
}

as_branch DEMO01 "$SYNC_LOAD" --orders 5 >/dev/null || die "load"
sync_once DEMO01
same "$RC" 0 "a pass through the proxy with no faults: $OUT"
converged "no faults"
[ "$(proxy_count requests)" -gt 3 ] && ok || bad "the pass went through the proxy"

# 1. Each fault once on a push: retried, a clear line, nothing lost or twice.
declare -A LINE=(
    [drop]="POST /v1/events: "
    [drop_reply]="POST /v1/events: "
    [reset_body]="POST /v1/events: "
    [reset_reply]="POST /v1/events: "
    [status5xx]="POST /v1/events: HQ answered HTTP 503 busy (attempt 1 of 4)"
    [truncate]="HQ answered garbage to POST /v1/events (HTTP 200"
    [garbage]="HQ answered garbage to POST /v1/events (HTTP 200"
    [dup]=""
    [delay]=""
)
seed=100
for f in drop drop_reply reset_body reset_reply status5xx truncate garbage dup delay; do
    seed=$((seed + 1))
    as_branch DEMO01 "$SYNC_LOAD" --orders 3 --seed $seed >/dev/null || die "load for $f"
    before=$(proxy_count "$f")
    # libcurl silently resends once on a reused connection that died with no
    # answer: the cuts come twice, so that the second reaches rasync.
    times=1
    case $f in drop | drop_reply | reset_body) times=2 ;; esac
    faults '{"mode": "script", "steps": [{"match": "POST /v1/events", "fault": "'$f'", "delay_ms": 800, "times": '$times'}]}'
    sync_once DEMO01 --only events
    same "$RC" 0 "$f: the pass succeeds after the fault: $OUT"
    same "$(proxy_count "$f")" $((before + times)) "$f: the proxy applied it"
    [ -n "${LINE[$f]}" ] && contains "${LINE[$f]}" "$f: the branch's log line"
    case $f in drop | drop_reply | reset_reply | reset_body)
        contains "(attempt 1 of 4)" "$f: logged as a failed attempt" ;;
    esac
    converged "$f"
    # Where HQ committed before the branch heard of it, the retry was a
    # repeat: HQ took it as one and stored nothing twice.
    same "$(show 'd["duplicate_events"]')" 0 "$f: no event stored twice at HQ"
done
grep -q "fault .*: garbage POST /v1/events" "$T/proxy.log" && ok || bad "the proxy logs its faults"

# 2. Garbage and cuts on the pull: a decision applied once.
as_branch DEMO01 "$SYNC_LOAD" --orders 2 --authority 2 --seed 7 >/dev/null || die "load authority"
sync_once DEMO01 --only events
mapfile -t AUTH < <(q1 "SELECT ref FROM orders WHERE state = 'authority' ORDER BY ref")
expect 0 "approve" -- hq_admin approve --branch DEMO01 --order "${AUTH[0]}" --authority-ref SSB-F-1
faults '{"mode": "script", "steps": [{"match": "GET /v1/changes", "fault": "garbage"}, {"match": "GET /v1/changes", "fault": "truncate"}, {"match": "GET /v1/changes", "fault": "reset_reply"}]}'
sync_once DEMO01 --only changes
same "$RC" 0 "the pull succeeds after three faults: $OUT"
contains "HQ answered garbage to GET /v1/changes" "the pull's garbage logged"
same "$(q1 "SELECT state || '|' || authority_ref FROM orders WHERE ref = '${AUTH[0]}'")" "approved|SSB-F-1" \
    "the decision applied"
same "$(q1 "SELECT count(*) FROM audit WHERE action = 'order.approved' AND actor = 'hq-authority'")" 1 \
    "the decision applied once"

# 3. The audit push: a cut after HQ committed, garbage, a repeat.
faults '{"mode": "script", "steps": [{"match": "POST /v1/audit", "fault": "drop_reply"}, {"match": "POST /v1/audit", "fault": "garbage"}, {"match": "POST /v1/audit", "fault": "dup"}]}'
sync_once DEMO01 --only audit
same "$RC" 0 "the audit push succeeds after the faults: $OUT"
same "$(show 'd["audit_seq"]')" "$(q1 'SELECT max(seq) FROM audit')" "HQ anchored the branch's newest entry"
same "$(q1 "SELECT value FROM meta WHERE key = 'sync.audit_seq'")" "$(q1 'SELECT max(seq) FROM audit')" \
    "the branch's anchor"

# 4. Archives: cut mid-chunk, a repeated PATCH, a lost creation answer,
# a 503 on HEAD, garbage in place of a creation's, a PATCH's and a
# receipt's answer (treated like a 5xx, never as a refusal of the file).
# One upload per file, each confirmed, in one pass.
mkdir -p "$T/arch"
as_branch DEMO01 "$SYNC_LOAD" --archives 3 --archive-min 2500000 --archive-max 2600000 \
    --archive-dir "$T/arch" --seed 9 >/dev/null || die "archives"
faults '{"mode": "script", "steps": [
  {"match": "POST /v1/archives/", "fault": "drop_reply"},
  {"match": "PATCH /v1/archives/", "fault": "reset_body"},
  {"match": "HEAD /v1/archives/", "fault": "status5xx"},
  {"match": "PATCH /v1/archives/", "fault": "dup"},
  {"match": "PATCH /v1/archives/", "fault": "drop_reply"},
  {"match": "PATCH /v1/archives/", "fault": "garbage"},
  {"match": "POST /v1/archives/", "fault": "garbage"},
  {"match": "POST /v1/archives/", "fault": "truncate"},
  {"match": "GET /v1/archives/", "fault": "garbage"}]}'
sync_once DEMO01 --only archives
same "$RC" 0 "the uploads succeed after the faults: $OUT"
contains "the tus server answered garbage to POST" "garbage for a creation logged"
lacks "not uploaded" "no file given up for the pass"
for f in drop_reply reset_body status5xx dup garbage truncate; do
    grep -q "fault .*: $f [A-Z]* /v1/archives/" "$T/proxy.log" && ok || bad "archive fault $f not applied"
done
expect 0 "uploads" -- hq_admin uploads --branch DEMO01 --json
same "$(echo "$OUT" | json 'len(d), sum(1 for u in d if u["matches"])')" "(3, 3)" \
    "three uploads, each once, each confirmed"
same "$(echo "$OUT" | json '" ".join(sorted(u["sha256"] for u in d))')" \
    "$(sha256sum "$T"/arch/* | cut -d' ' -f1 | sort | tr '\n' ' ' | sed 's/ $//')" \
    "HQ holds the branch's files"
for a in "$T"/arch/*; do
    id=$(echo "$OUT" | json "[u['id'] for u in d if u['sha256']=='$(sha256sum "$a" | cut -d' ' -f1)'][0]")
    cmp -s "$a" "$HQ/archives/DEMO01/$id" 2>/dev/null || cmp -s "$a" "$(find "$HQ/archives" -name "$id*" -type f | head -1)" &&
        ok || bad "HQ's bytes of $(basename "$a")"
done

# 5. rahq killed with SIGKILL in the middle of a pass, then started again.
as_branch DEMO01 "$SYNC_LOAD" --orders 400 --seed 11 >/dev/null || die "load for the kill"
faults '{"mode": "random", "rate": 1, "faults": ["delay"], "delay_ms": 150, "match": "POST /v1/events"}'
echo 'batch = 50' >>"$T/DEMO01/kiosk.conf" # the last section is [sync]
base=$(show 'd["events"]')
as_branch DEMO01 "$RASYNC" --once --backoff-ms 200 --only events >"$T/killed.log" 2>&1 &
RPID=$!
for _ in $(seq 100); do [ "$(show 'd["events"]')" -gt $((base + 300)) ] && break; sleep 0.1; done
kill -9 "$HQ_PID"
wait "$HQ_PID" 2>/dev/null
held=$(show 'd["events"]')
[ "$held" -lt "$(outbox)" ] && ok || bad "rahq was killed before the pass ended ($held of $(outbox))"
sleep 0.5
hq_start
wait "$RPID"
faults '{"mode": "off"}'
grep -q "POST /v1/events: " "$T/killed.log" && ok || bad "the killed HQ is logged: $(cat "$T/killed.log")"
sync_once DEMO01
same "$RC" 0 "the pass after rahq's restart: $OUT"
converged "after SIGKILL"

# 6. Clock skew: the branch an hour ahead.
as_branch DEMO01 "$SYNC_LOAD" --orders 2 --seed 12 >/dev/null || die "load for skew"
sync_once DEMO01 --only events
RAKIOSK_NOW=@$(($(date +%s) + 3600)) sync_once DEMO01
same "$RC" 0 "a skewed branch syncs: $OUT"
contains "s ahead of HQ's: check the time service" "the skew is logged"
converged "with skew"
expect 0 "status" -- as_branch DEMO01 "$RACTL" --json sync status
same "$(echo "$OUT" | json 'abs(d["last"]["skew"]) >= 3590')" True "the status shows the skew"

# 7. The branch's disk full: a tmpfs over its data folder, filled.
cp "$RK_SOURCE_DIR/conf/fees.ini" "$T/fees.ini"
for i in $(seq 6000); do printf '; padding line %04d of a bundle too big for a full disk\n' "$i"; done >>"$T/fees.ini"
expect 0 "publish a bundle" -- hq_admin config publish --file fees.ini="$T/fees.ini"
as_branch DEMO01 "$SYNC_LOAD" --orders 30 --seed 13 >/dev/null || die "load for disk full"
export T HQ db1 RASYNC RAHQ RACTL
cat >"$T/full.sh" <<'EOF'
set -u
d=$T/DEMO01/data
sqlite3 "$d/rakiosk.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
cp -a "$d" "$T/data.copy" || exit 10
mount -t tmpfs -o size=$(($(du -sk "$d" | cut -f1) + 3072))k tmpfs "$d" || exit 11
cp -a "$T/data.copy/." "$d/" || exit 12
sqlite3 "$d/rakiosk.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
dd if=/dev/zero of="$d/filler" bs=64k 2>/dev/null
sync
echo "--- full"
RAKIOSK_CONF=$T/DEMO01/kiosk.conf "$RASYNC" --once --backoff-ms 50 2>&1
echo "rc=$?"
echo "config=$(readlink "$d/config/current")"
echo "unsent=$(sqlite3 "$d/rakiosk.db" 'SELECT count(*) FROM outbox WHERE sent_at IS NULL')"
truncate -s -256K "$d/filler"
echo "--- nearly"
RAKIOSK_CONF=$T/DEMO01/kiosk.conf "$RASYNC" --once --backoff-ms 50 2>&1
echo "rc=$?"
echo "config=$(readlink "$d/config/current")"
echo "leftover=$(find "$d/config" -mindepth 1 -maxdepth 1 -name '.*' | wc -l)"
rm -f "$d/filler"
echo "--- space"
RAKIOSK_CONF=$T/DEMO01/kiosk.conf "$RASYNC" --once --backoff-ms 50 2>&1
echo "rc=$?"
echo "config=$(readlink "$d/config/current")"
echo "unsent=$(sqlite3 "$d/rakiosk.db" 'SELECT count(*) FROM outbox WHERE sent_at IS NULL')"
echo "outbox=$(sqlite3 "$d/rakiosk.db" 'SELECT count(*) FROM outbox')"
EOF
OUT=$(unshare -rm bash "$T/full.sh" 2>&1)
echo "$OUT" >"$T/full.out"
full=${OUT%%--- nearly*}
nearly=${OUT#*--- nearly}
nearly=${nearly%%--- space*}
space=${OUT#*--- space}
case "$full" in *"rc=0"*) bad "a pass on a full disk cannot succeed: $full" ;; *) ok ;; esac
case "$full" in *"the disk holding $T/DEMO01/data is full"*) ok ;; *) bad "no clear line for the full disk: $full" ;; esac
case "$full" in *"config=1"*) bad "a bundle installed on a full disk: $full" ;; *) ok ;; esac
case "$nearly" in *"configuration: cannot write"*"No space left on device"*) ok ;; *) bad "nearly full: no clear line for the bundle: $nearly" ;; esac
case "$nearly" in *"leftover=0"*) ok ;; *) bad "a half-written bundle left behind: $nearly" ;; esac
case "$nearly" in *"config=1"*) bad "a bundle installed without the space for it: $nearly" ;; *) ok ;; esac
case "$space" in *"rc=0"*) ok ;; *) bad "the pass once space is back: $space" ;; esac
case "$space" in *"config=1"*) ok ;; *) bad "the bundle installed once space is back: $space" ;; esac
case "$space" in *"unsent=0"*) ok ;; *) bad "the outbox drained once space is back: $space" ;; esac
same "$(show 'd["events"]')" "$(echo "$space" | sed -n 's/^outbox=//p')" "after the full disk: HQ holds every event"

# 8. [sync] proxy: HQ reached through an HTTP CONNECT proxy, which refuses
# the first tunnel.
echo '{"mode": "script", "steps": [{"match": "CONNECT", "fault": "drop", "times": 2}]}' >"$T/connect.json"
python3 "$RK_SOURCE_DIR/tests/sync/faultproxy.py" --connect --control "$T/connect.json" \
    --stats "$T/connect.stats" --port-file "$T/connect.port" >>"$T/connect.log" 2>&1 &
PIDS+=("$!")
wait_for "$T/connect.port" || die "the CONNECT proxy did not start: $(cat "$T/connect.log")"
sed -i "s|^url = https://127.0.0.1:[0-9]*\$|url = https://127.0.0.1:$HQ_PORT|" "$T/DEMO01/kiosk.conf"
echo "proxy = http://127.0.0.1:$(cat "$T/connect.port")" >>"$T/DEMO01/kiosk.conf"
as_branch DEMO01 "$SYNC_LOAD" --orders 2 --seed 14 >/dev/null || die "load for the proxy"
sync_once DEMO01
same "$RC" 0 "a pass through the HTTP proxy: $OUT"
contains "(attempt 1 of 4)" "the refused tunnel is logged"
converged "through the HTTP proxy"
same "$(python3 -c "import json; d=json.load(open('$T/connect.stats')); print(d['drop'], d['requests'] > 2)")" \
    "2 True" "the branch went through the proxy, and again after it refused"
grep -q "fault .*: drop CONNECT 127.0.0.1:$HQ_PORT" "$T/connect.log" && ok || bad "the tunnel was to HQ"

hq_stop
finish
