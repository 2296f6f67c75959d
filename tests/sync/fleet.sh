#!/bin/bash
# The fleet page (issue 16 §4), checked in headless Chromium against the data:
# two branches sync through rasync; DEMO01 with a backlog it worked through
# in batches and two orders waiting for the competent authority, DEMO02 with
# an urgent incident (its summary carrying markup) and a garbage request
# HQ refused. The page rahq serves on its fleet port is rendered by
# Chromium (a screenshot in the build folder, and its text): every figure
# is the store's. `rahq admin fleet --html` on an injected clock shows the
# urgent incident reaching the account manager at 2 h, the support manager
# at 8 h, the technical director at 12 h and the president at 24 h. The
# fleet port answers GET only, and the branches' port has no fleet page.
# Runs on SQLite and, as sync_fleet_pg, on PostgreSQL.
. "$(dirname "$0")/sync-lib.bash"
command -v chromium >/dev/null || die "chromium is missing (image/install-deps installs it)"

hq_init
hq_start --fleet-port 0 --fleet-port-file "$T/fleet.port"
wait_for "$T/fleet.port" || die "no fleet port"
FLEET=http://127.0.0.1:$(cat "$T/fleet.port")
URL=https://127.0.0.1:$HQ_PORT
branch_up DEMO01
branch_up DEMO02

# DEMO01: 30 orders, 2 of them waiting for the authority, pushed 40 at a time.
as_branch DEMO01 "$SYNC_LOAD" --orders 30 --authority 2 --seed 7 >/dev/null || die "load"
printf 'batch = 40\n' >>"$T/DEMO01/kiosk.conf" # the last section is [sync]
N1=$(sqlite3 "$T/DEMO01/data/rakiosk.db" 'SELECT count(*) FROM outbox')
sync_once DEMO01
same "$RC" 0 "DEMO01 syncs: $OUT"
WANT_MAX=$((N1 - 40)) # after the first batch, the rest was still to come

# DEMO02: an urgent incident at T0, markup in its summary.
T0=2026-12-01T09:00:00+08:00
at() { python3 -c "import datetime,sys; t=datetime.datetime.fromisoformat(sys.argv[1]); print((t+datetime.timedelta(hours=float(sys.argv[2]))).isoformat())" "$T0" "$1"; }
echo 'supervisor-pass' | RAKIOSK_NOW=$T0 as_branch DEMO02 "$RACTL" -q clerk login boss >/dev/null ||
    die "login"
expect 0 "an urgent incident" -- env RAKIOSK_NOW=$T0 RAKIOSK_CONF="$T/DEMO02/kiosk.conf" \
    RAKIOSK_SESSION="$T/DEMO02/session" "$RACTL" --json incident record --level urgent \
    --affected "证书发放服务 (RA)" --summary "RA 不能发证 <script>alert(1)</script>"
sync_once DEMO02
same "$RC" 0 "DEMO02 syncs: $OUT"
mkcert two DEMO02 "URI:urn:rakiosk:branch:DEMO02"
r=$(hq_curl two -X POST -H 'Content-Type: application/json' --data '{"events": 5}' \
    "$URL/v1/events")
same "$(echo "$r" | tail -1)" 400 "a garbage push is refused"

# The page as served, rendered by Chromium.
chrome() { # ARGS...: headless Chromium with a profile of its own
    HOME=$T/chrome timeout 90 chromium --headless=new --no-sandbox --disable-gpu \
        --disable-dev-shm-usage --no-first-run --user-data-dir="$T/chrome" "$@" 2>>"$T/chrome.log"
}
SHOT=$RK_BUILD_DIR/screenshots/fleet${RK_TEST_STORE:+-$RK_TEST_STORE}.png
mkdir -p "$(dirname "$SHOT")"
rm -f "$SHOT"
chrome --window-size=1600,900 --screenshot="$SHOT" "$FLEET/" >/dev/null
[ -s "$SHOT" ] && ok || bad "no screenshot: $(tail -5 "$T/chrome.log")"
chrome --dump-dom "$FLEET/" >"$T/dom.html"
cells() { # FILE KEY: the text of the row of branch (or incident) KEY, cells joined by |
    python3 - "$1" "$2" <<'EOF'
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.rows = {}; s.key = None; s.cell = None; s.text = {}
    def handle_starttag(s, tag, a):
        a = dict(a)
        if tag == 'tr' and ('data-branch' in a or 'data-incident' in a):
            s.key = a.get('data-branch') or a.get('data-incident'); s.rows[s.key] = []
        elif tag == 'td' and s.key: s.cell = []
    def handle_endtag(s, tag):
        if tag == 'td' and s.key and s.cell is not None:
            s.rows[s.key].append(''.join(s.cell).strip()); s.cell = None
        elif tag == 'tr': s.key = None
    def handle_data(s, d):
        if s.cell is not None: s.cell.append(d)
p = P(); p.feed(open(sys.argv[1], encoding='utf-8').read())
print('|'.join(p.rows.get(sys.argv[2], [])))
EOF
}
IFS='|' read -r name last backlog waiting uploading failures incidents approvals _ \
    <<<"$(cells "$T/dom.html" DEMO01)"
case "$name" in *"branch DEMO01"*) ok ;; *) bad "DEMO01's name: '$name'" ;; esac
same "$backlog" 0 "DEMO01: the backlog after its pass"
same "$approvals" 2 "DEMO01: two orders wait for the authority"
same "$failures" 0 "DEMO01: no failures today"
same "$incidents" 0 "DEMO01: no incident"
hq_branch() { hq_admin branch list --json | json "[b for b in d if b['id']=='$1'][0]$2"; }
same "$waiting" "$(hq_branch DEMO01 "['backlog']")" "DEMO01: the changes waiting are HQ's count"
same "$uploading" 0 "DEMO01: nothing uploading"
case "$last" in "$(TZ=Asia/Shanghai date +%Y-%m-%d)"*) ok ;; *) bad "DEMO01's last sync '$last'" ;; esac
grep -q "<title>$WANT_MAX</title>" "$T/dom.html" && ok ||
    bad "today's bar is the largest backlog reported ($WANT_MAX): $(grep -o '<title>[0-9]*</title>' "$T/dom.html")"
IFS='|' read -r _ _ _ _ _ failures incidents approvals _ <<<"$(cells "$T/dom.html" DEMO02)"
same "$failures" 1 "DEMO02: the refused push is today's failure"
same "$incidents" 1 "DEMO02: one open incident"
same "$approvals" 0 "DEMO02: nothing waits for the authority"
grep -q 'id="t-approvals">2<' "$T/dom.html" && ok || bad "the total of approvals"
grep -q '<script>' "$T/dom.html" && bad "a branch's markup reached the page" || ok
grep -q 'alert(1)' "$T/dom.html" && ok || bad "the incident's summary is shown (escaped)"
U=$(hq_admin incidents --json | json 'd[0]["uuid"]')

# The ladder on an injected clock, read by Chromium from the page rahq writes.
rung() { # HOURS RUNG WORDS
    RAKIOSK_NOW=$(at "$1") hq_admin fleet --html "$T/at-$1.html" || die "admin fleet"
    chrome --dump-dom "file://$T/at-$1.html" >"$T/at-$1.dom"
    grep -q "data-incident=\"$U\" data-rung=\"$2\"" "$T/at-$1.dom" && ok ||
        bad "+${1}h: not at rung $2: $(grep -o 'data-rung="[0-9]*"' "$T/at-$1.dom")"
    local esc
    esc=$(cells "$T/at-$1.dom" "$U" | cut -d'|' -f6)
    same "$esc" "$3" "+${1}h: escalated to"
}
rung 1.5 0 "—"
rung 2 1 "客户经理 (account manager)"
rung 8 2 "客服经理 (support manager)"
rung 12 3 "技术总监 (technical director)"
rung 24 4 "总裁 (president)"

# Read-only, and only on its own port.
same "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$FLEET/")" 405 "POST to the fleet page"
same "$(curl -s -o /dev/null -w '%{http_code}' "$FLEET/nosuch")" 404 "another path"
r=$(hq_curl two "$URL/fleet")
same "$(echo "$r" | tail -1)" 404 "the branches' port has no fleet page"
r=$(hq_curl two -X POST -H 'Content-Type: application/json' \
    --data '{"pending": -3, "events": [{"seq": 1}]}' "$URL/v1/events")
case "$r" in *"'pending' is negative"*400) ok ;; *) bad "a negative backlog: $r" ;; esac
finish
