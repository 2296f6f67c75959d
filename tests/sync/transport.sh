#!/usr/bin/env bash
# rasync's transport (issue 14 section 2, "Transport"), measured from
# outside, at the fault proxy (faultproxy.py --trace) and at a bare socket:
# - the stall timeout: HQ reads a request and then sends nothing: rasync
#   gives up after [sync] timeout with a line that says so, and the retry
#   goes through; a server that accepts the connection and sends nothing at
#   all: given up after [sync] connect_timeout each time, every attempt
#   logged, the pass failed with nothing marked sent;
# - exponential backoff with jitter: two branches refused together by a
#   503 with no Retry-After, seven times: the delays between their attempts,
#   taken from the proxy's clock, grow by doubling from --backoff-ms, stop
#   growing at --backoff-max-ms, and differ between the two branches and
#   among the capped ones (the jitter that keeps a fleet from retrying in
#   step);
# - the bandwidth cap: archives uploaded with [sync] bandwidth set, the
#   bytes per second measured at the proxy for each PATCH.
# (Proxy support, through an HTTP CONNECT proxy, is faults.sh part 8.)
# Timing bounds here are the protocol's (a backoff step of s waits s/2 to s,
# a stall is cut after the configured seconds), with generous slack above.
source "$(dirname "$0")/sync-lib.bash"

hq_init
hq_start
branch_up DEMO01
branch_up DEMO02
PROXY_NAME=proxy proxy_start DEMO01 --trace "$T/a.trace"
PORT_A=$PROXY_PORT
PROXY_NAME=proxyb proxy_start DEMO02 --trace "$T/b.trace"
PORT_B=$PROXY_PORT
via_proxy DEMO01 "$PORT_A"
via_proxy DEMO02 "$PORT_B"
show() { hq_admin branch show "$1" --json | json "$2"; }
outbox() { sqlite3 "$T/$1/data/rakiosk.db" 'SELECT count(*) FROM outbox'; }
unsent() { sqlite3 "$T/$1/data/rakiosk.db" 'SELECT count(*) FROM outbox WHERE sent_at IS NULL'; }
# trace FILE PY: evaluates PY over the proxy's trace lines (a list r).
trace() {
    python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(eval(sys.argv[2]))" "$1" "$2"
}

for b in DEMO01 DEMO02; do
    as_branch $b "$SYNC_LOAD" --orders 3 --seed 1 >/dev/null || die "load $b"
    sync_once $b
    same "$RC" 0 "$b: a first pass through its proxy: $OUT"
done

# 1. HQ stalls after reading the request: cut after [sync] timeout, retried.
sync_set DEMO01 timeout 5
as_branch DEMO01 "$SYNC_LOAD" --orders 2 --seed 2 >/dev/null || die "load for the stall"
faults '{"mode": "script", "steps": [{"match": "POST /v1/events", "fault": "stall", "hold_ms": 60000}]}'
sync_once DEMO01 --only events
same "$RC" 0 "the pass after a stall: $OUT"
contains "POST /v1/events: " "the stalled request named"
contains "nothing moved for 5 s, given up ([sync] timeout)" "the stall's line says which limit"
contains "(attempt 1 of 4)" "the stall counted as a failed attempt"
held=$(sed -n 's/.*stalled POST \/v1\/events for \([0-9.]*\) s.*/\1/p' "$T/proxy.log" | tail -1)
[ -n "$held" ] && ok || bad "the proxy did not stall the push: $(tail -3 "$T/proxy.log")"
python3 -c "import sys; h=float(sys.argv[1]); sys.exit(0 if 4.9 <= h < 30 else 1)" "${held:-0}" &&
    ok || bad "rasync gave up after ${held:-?} s, not after [sync] timeout = 5"
same "$(show DEMO01 'd["events"]')" "$(outbox DEMO01)" "after the stall HQ holds every event"
same "$(unsent DEMO01)" 0 "after the stall the outbox is drained"
same "$(show DEMO01 'd["duplicate_events"]')" 0 "after the stall nothing twice"

# 2. A server that accepts and never says a word (not even TLS): each
# attempt cut after [sync] connect_timeout, three attempts, the pass failed
# and nothing marked sent.
python3 - "$T/mute.port" "$T/mute.log" <<'EOF' &
import socket, sys, threading, time
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(8)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % ls.getsockname()[1])
import os; os.replace(sys.argv[1] + ".tmp", sys.argv[1])
def hold(c, t0):
    while c.recv(4096):
        pass  # the client's TLS hello, unanswered
    with open(sys.argv[2], "a") as f:
        f.write("%.3f\n" % (time.monotonic() - t0))
while True:
    c, _ = ls.accept()
    threading.Thread(target=hold, args=(c, time.monotonic()), daemon=True).start()
EOF
PIDS+=("$!")
wait_for "$T/mute.port" || die "the mute server did not start"
via_proxy DEMO02 "$(cat "$T/mute.port")"
sync_set DEMO02 connect_timeout 2
sync_set DEMO02 max_attempts 3
as_branch DEMO02 "$SYNC_LOAD" --orders 2 --seed 3 >/dev/null || die "load for the mute server"
before=$(unsent DEMO02)
sync_once DEMO02 --only events
same "$RC" 1 "a pass against a mute server fails: $OUT"
contains "no connection within 2 s ([sync] connect_timeout)" "the mute server's line says which limit"
contains "(attempt 3 of 3)" "every attempt made and logged"
same "$(unsent DEMO02)" "$before" "nothing marked sent against a mute server"
for _ in $(seq 20); do [ "$(wc -l <"$T/mute.log" 2>/dev/null || echo 0)" -ge 3 ] && break; sleep 0.1; done
same "$(wc -l <"$T/mute.log")" 3 "three connections to the mute server"
# Held from the server's accept, which a loaded machine runs late after
# the client's connect started its clock: 1.5 s at least, not 1.9.
python3 -c "import sys; h=[float(x) for x in open(sys.argv[1])]; sys.exit(0 if all(1.5 <= x < 30 for x in h) else 1)" \
    "$T/mute.log" && ok || bad "each connection held for [sync] connect_timeout: $(tr '\n' ' ' <"$T/mute.log")"
via_proxy DEMO02 "$PORT_B"
sync_set DEMO02 connect_timeout 5

# 3. Backoff with jitter: both branches refused seven times at once.
for b in DEMO01 DEMO02; do
    sync_set $b max_attempts 8
    as_branch $b "$SYNC_LOAD" --orders 2 --seed 4 >/dev/null || die "load $b for the backoff"
done
: >"$T/a.trace"
: >"$T/b.trace"
faults '{"mode": "script", "steps": [{"match": "POST /v1/events", "fault": "status5xx", "retry_after": 0, "times": 7}]}'
for b in DEMO01 DEMO02; do
    as_branch $b "$RASYNC" --once --only events --backoff-ms 100 --backoff-max-ms 800 \
        >"$T/$b.backoff.log" 2>&1 &
    eval "R_$b=\$!"
done
wait "$R_DEMO01"
rc1=$?
wait "$R_DEMO02"
rc2=$?
same "$rc1 $rc2" "0 0" "both passes succeed on the eighth attempt: $(cat "$T"/DEMO0?.backoff.log)"
for b in DEMO01 DEMO02; do
    grep -q "POST /v1/events: HQ answered HTTP 503 busy (attempt 7 of 8)" "$T/$b.backoff.log" && ok ||
        bad "$b: the seventh refusal logged: $(cat "$T/$b.backoff.log")"
    same "$(show $b 'd["events"]')" "$(outbox $b)" "$b: HQ holds every event after the backoff"
done
# The delays between one branch's attempts at POST /v1/events, in seconds.
delays() {
    trace "$1" '" ".join("%.3f" % (y - x) for t in [[e["t"] for e in r if e["method"] == "POST" and e["path"] == "/v1/events"]] for x, y in zip(t, t[1:]))'
}
DA=$(delays "$T/a.trace")
DB=$(delays "$T/b.trace")
echo "backoff delays (s): DEMO01 $DA; DEMO02 $DB"
python3 - "$DA" "$DB" <<'EOF' && ok || bad "backoff: DEMO01 $DA; DEMO02 $DB"
import sys
a, b = ([float(x) for x in s.split()] for s in sys.argv[1:])
steps = [min(0.1 * 2 ** k, 0.8) for k in range(7)]  # 0.1 0.2 0.4 0.8 0.8 0.8 0.8
problems = []
for name, d in (("DEMO01", a), ("DEMO02", b)):
    if len(d) != 7:
        problems.append("%s: %d delays, not 7" % (name, len(d)))
        continue
    for k, (x, s) in enumerate(zip(d, steps)):
        # A step of s waits s/2 to s (equal jitter); the slack is the
        # request's own time on a busy machine.
        if not s / 2 - 0.005 <= x <= s + 0.6:
            problems.append("%s: delay %d is %.3f s, outside [%.2f, %.2f]" % (name, k + 1, x, s / 2, s))
    if not (d[2] > d[0] and d[3] > d[1]):
        problems.append("%s: the delays do not grow: %s" % (name, d))
    # Uncapped, the sixth and seventh would be 1.6-3.2 s and 3.2-6.4 s.
    if max(d[5:]) >= 1.6:
        problems.append("%s: not capped at 0.8 s: %s" % (name, d))
    if max(d[3:]) - min(d[3:]) < 0.01:
        problems.append("%s: the capped delays are all equal (no jitter): %s" % (name, d))
if len(a) == len(b) == 7 and max(abs(x - y) for x, y in zip(a, b)) < 0.02:
    problems.append("the two branches retried in step: %s and %s" % (a, b))
for p in problems:
    print("FAIL: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
faults '{"mode": "off"}'

# 4. The bandwidth cap: two archives of 1 MB (one PATCH each) at 300 kB/s.
sync_set DEMO01 bandwidth 300000
mkdir -p "$T/arch"
as_branch DEMO01 "$SYNC_LOAD" --archives 2 --archive-min 1000000 --archive-max 1000000 \
    --archive-dir "$T/arch" --seed 5 >/dev/null || die "archives"
: >"$T/a.trace"
sync_once DEMO01 --only archives
same "$RC" 0 "the capped upload: $OUT"
RATES=$(trace "$T/a.trace" '" ".join("%.0f" % (x["bytes"] / (x["t_body"] - x["t"])) for x in r if x["method"] == "PATCH" and x["bytes"] >= 500000)')
echo "capped uploads (bytes/s at the proxy, cap 300000): $RATES"
python3 - $RATES <<'EOF' && ok || bad "the bandwidth cap: $RATES bytes/s for a cap of 300000"
import sys
r = [float(x) for x in sys.argv[1:]]
# The cap is an average over each request: libcurl's first buffer goes at
# once, so a little over it; far over (loopback runs at hundreds of MB/s)
# is no cap. Far under it would be a cap that throttles too hard.
sys.exit(0 if len(r) == 2 and all(0.3 * 300000 <= x <= 1.15 * 300000 for x in r) else 1)
EOF
expect 0 "uploads" -- hq_admin uploads --branch DEMO01 --json
same "$(echo "$OUT" | json 'sum(1 for u in d if u["matches"])')" 2 "both capped uploads confirmed"

hq_stop
finish
