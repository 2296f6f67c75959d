#!/bin/bash
# The desk's incidents on the offscreen driver (scripts/desk-incident.txt),
# in zh-CN, English and large type: a clerk
# logs in with their USB key, sees an urgent incident recorded three hours
# earlier by `ractl incident` escalated to the account manager with its
# first contact overdue, records a serious one typed in pinyin, notes the
# first contact of the urgent one and closes it with its resolution; then
# logs out and a subscriber's visit finds nothing of it left. Checked
# afterwards in the branch: the incidents as the desk left them (by the
# clerk, with the words typed), their audit entries and their events in
# the outbox for HQ, `ractl incident list`. The attacker's side: without a
# login (scripts/desk-incident-nologin.txt) the screen is never shown,
# and a shell without a session cannot record one either.
# Screenshots: build/tests/kiosk/shots/desk_incident/.
source "$(dirname "$0")/lib.bash"
source "$RK_SOURCE_DIR/tests/integration/enrol_lib.bash"
out=$RK_BUILD_DIR/tests/kiosk/shots/desk_incident
rm -rf "$out"
DB=$RAKIOSK_DATA_DIR/rakiosk.db
q() { sqlite3 "$DB" "$1"; }
enrol_setup
as boss
echo dorapass1 | "$RACTL" -q clerk add dora --name 朵档案 --roles archive >/dev/null
DKEY=$(new_key "Dora clerk")
echo $PIN | "$RACTL" -q clerk key-issue dora --key "$DKEY" >/dev/null || bad "key-issue"
for variant in "zh-CN" "en" "zh-CN --large"; do
    set -- $variant
    lang=$1
    shift
    name=$lang${1:-}
    # Each run starts with one open incident: urgent, recorded three hours ago.
    as lily
    for u in $(q "SELECT uuid FROM incident WHERE closed_at = 0"); do
        "$RACTL" -q incident close "$u" --resolution 已处理 >/dev/null || bad "$name: close $u"
    done
    URGENT=$(RAKIOSK_NOW=@$(($(date +%s) - 3 * 3600)) "$RACTL" --json incident record \
        --level urgent --affected 网上受理 --summary 受理页面打不开 |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["uuid"])') || bad "$name: record"
    seq0=$(q "SELECT max(seq) FROM audit")
    out0=$(q "SELECT max(seq) FROM outbox")
    unset RAKIOSK_SESSION
    cat "$SCRIPTS/desk-login-only.txt" "$SCRIPTS/desk-incident.txt" >"$T/incident.txt"
    play "$out/$name" "$T/incident.txt" --lang "$lang" "$@"
    # What the desk left in the branch.
    [ "$(q "SELECT contacted_at > 0, closed_at > 0, resolution FROM incident WHERE uuid = '$URGENT'")" = "1|1|中国" ] &&
        ok || bad "$name: the urgent incident: $(q "SELECT * FROM incident WHERE uuid = '$URGENT'")"
    [ "$(q "SELECT level, affected, summary, opened_by, contacted_at, closed_at FROM incident WHERE closed_at = 0")" = "2|中国|北京|dora|0|0" ] &&
        ok || bad "$name: the serious incident: $(q "SELECT * FROM incident WHERE closed_at = 0")"
    [ "$(q "SELECT group_concat(action, ',') FROM (SELECT action FROM audit WHERE seq > $seq0 AND action LIKE 'incident.%' AND actor = 'dora' ORDER BY seq)")" = "incident.opened,incident.contacted,incident.closed" ] &&
        ok || bad "$name: the audit: $(q "SELECT action, actor FROM audit WHERE seq > $seq0 AND action LIKE 'incident.%'")"
    [ "$(q "SELECT count(*) FROM outbox WHERE seq > $out0 AND entity = 'incident'")" = 3 ] && ok ||
        bad "$name: the outbox holds $(q "SELECT count(*) FROM outbox WHERE seq > $out0 AND entity = 'incident'") new incident events"
    as lily
    "$RACTL" incident list 2>&1 | grep -q "serious.*中国" && ok || bad "$name: ractl incident list: $("$RACTL" incident list 2>&1)"
    unset RAKIOSK_SESSION
    [ "$(q "SELECT count(*) FROM clerk_session s JOIN clerk c ON c.id = s.clerk_id WHERE c.login = 'dora'")" = 0 ] &&
        ok || bad "$name: dora's desk session is still open"
    for f in incident-list incident-need incident-typing incident-recorded incident-contacted \
        incident-need-resolution incident-closed subscriber-home; do
        [ -s "$out/$name/$f.png" ] && ok || bad "$name: no screenshot $f"
    done
    "$RACTL" -q audit verify >/dev/null && ok || bad "$name: the audit chain"
done
# The attacker: no login, no incidents screen, nothing read or recorded.
before=$(q "SELECT count(*) FROM audit")
play "$out/nologin" desk-incident-nologin.txt
[ "$(q "SELECT count(*) FROM audit")" = "$before" ] && ok || bad "the screen without a login did something"
unset RAKIOSK_SESSION
if "$RACTL" -q incident record --level general --affected x --summary y >"$T/anon.out" 2>&1; then
    bad "recorded without a login"
else
    grep -qi "log" "$T/anon.out" && ok || bad "the refusal: $(cat "$T/anon.out")"
fi
[ "$(q "SELECT count(*) FROM incident")" = 6 ] && ok || bad "an incident was recorded without a login"
finish
