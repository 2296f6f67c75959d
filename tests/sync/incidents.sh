#!/bin/bash
# Incidents from the counter to HQ on an injected clock (RAKIOSK_NOW): the
# clerk records an urgent incident with `ractl incident record`; the sync
# pushes it; at 2, 8, 12 and 24 hours the branch's list and HQ's
# (`rahq admin incidents`) both show the ladder reached the account
# manager, the support manager, the technical director and the president;
# a serious one recorded at the same time starts only at 8 h. First contact
# and closing reach HQ too, and a closed incident's ladder stops. Bad input
# is refused and records nothing. Runs on SQLite and, as
# sync_incidents_pg, on PostgreSQL.
. "$(dirname "$0")/sync-lib.bash"

hq_init
hq_start
branch_up DEMO01
T0=2026-12-01T09:00:00+08:00
at() { # HOURS: the time T0 + HOURS
    python3 -c "import datetime,sys; t=datetime.datetime.fromisoformat(sys.argv[1]); print((t+datetime.timedelta(hours=float(sys.argv[2]))).isoformat())" "$T0" "$1"
}
ctl_at() { # HOURS ARGS...: ractl as the clerk at T0 + HOURS (logged in then)
    local t
    t=$(at "$1")
    shift
    echo 'supervisor-pass' | RAKIOSK_NOW=$t as_branch DEMO01 "$RACTL" -q clerk login boss >/dev/null ||
        die "login at $t"
    RAKIOSK_NOW=$t as_branch DEMO01 "$RACTL" "$@"
}
hq_at() { RAKIOSK_NOW=$(at "$1") hq_admin incidents "${@:2}"; }
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

expect 0 "record an urgent incident" -- ctl_at 0 --json incident record --level urgent \
    --affected "证书发放服务 (RA)" --summary "RA 系统不能正常发放数字证书"
U=$(echo "$OUT" | jq_ 'd["uuid"]')
expect 0 "record a serious incident" -- ctl_at 0.1 --json incident record --level serious \
    --affected "USBKey 驱动" --summary "客户端驱动安装异常"
S=$(echo "$OUT" | jq_ 'd["uuid"]')
expect 2 "an unknown level" -- ctl_at 0 incident record --level minor --affected a --summary b
contains "urgent" "the levels are named"
expect 1 "nothing affected" -- ctl_at 0 incident record --level general --affected "" --summary b
contains "affected" "the field is named"
same "$(sqlite3 "$T/DEMO01/data/rakiosk.db" "SELECT count(*) FROM incident")" 2 "refusals record nothing"

sync_once DEMO01
same "$RC" 0 "the incidents pushed: $OUT"

check_rung() { # HOURS ROLE SERIOUS_ROLE
    local h=$1 want=$2 want_s=$3 got
    expect 0 "branch list at +${h}h" -- ctl_at "$h" --json incident list
    got=$(echo "$OUT" | jq_ "[x['escalated_to'] for x in d if x['uuid']=='$U'][0]")
    same "$got" "$want" "branch: urgent escalated at +${h}h"
    got=$(echo "$OUT" | jq_ "[x['escalated_to'] for x in d if x['uuid']=='$S'][0]")
    same "$got" "$want_s" "branch: serious escalated at +${h}h"
    expect 0 "HQ list at +${h}h" -- hq_at "$h" --json
    got=$(echo "$OUT" | jq_ "[x['escalated_to'] for x in d if x['uuid']=='$U' and x['branch']=='DEMO01'][0]")
    same "$got" "$want" "HQ: urgent escalated at +${h}h"
    got=$(echo "$OUT" | jq_ "[x['escalated_to'] for x in d if x['uuid']=='$S'][0]")
    same "$got" "$want_s" "HQ: serious escalated at +${h}h"
}
check_rung 1.9 "" ""
check_rung 2 "account manager" ""
check_rung 8 "support manager" ""
check_rung 8.1 "support manager" "account manager"
check_rung 12 "technical director" "account manager"
check_rung 12.1 "technical director" "support manager"
check_rung 24 "president" "support manager"
expect 0 "HQ's text list" -- hq_at 24
contains "escalated to: president" "HQ's list says who was reached"
contains "first contact overdue" "HQ's list says first contact is overdue"

# First contact (late) and closing reach HQ; the ladder stops there.
expect 0 "first contact" -- ctl_at 3 incident contact "$U"
expect 7 "contact twice" -- ctl_at 3.5 incident contact "$U"
expect 0 "close" -- ctl_at 5 incident close "$U" --resolution "备用服务器接管发放"
expect 7 "close twice" -- ctl_at 6 incident close "$U" --resolution again
sync_once DEMO01
same "$RC" 0 "contact and close pushed: $OUT"
expect 0 "HQ at +24h, all" -- hq_at 24 --json --all
same "$(echo "$OUT" | jq_ "[x['open'] for x in d if x['uuid']=='$U'][0]")" False "HQ: closed"
same "$(echo "$OUT" | jq_ "[x['escalated_to'] for x in d if x['uuid']=='$U'][0]")" \
    "account manager" "HQ: the ladder stopped where it was at closing (5 h)"
expect 0 "HQ open only" -- hq_at 24 --json
same "$(echo "$OUT" | jq_ "len(d)")" 1 "HQ lists the one open incident"
same "$(hq_sql "SELECT count(*) FROM event WHERE branch = 'DEMO01' AND entity = 'incident'")" 4 \
    "HQ holds each incident event once"
finish
