#!/bin/bash
# The desk's issue on the offscreen driver, with the demo keys (SoftHSM2
# behind p11lock): an issuing clerk logs in with their own USB key, opens a
# paid order from the issue queue, a blank key is inserted, the order's
# authorisation code and the applicant's new PIN typed, and the enrolment
# runs to the certificate (zh-CN, en, large type, 1920x1080): the order is issued and
# its certificate is on the key. Then the key is pulled mid-way and put
# back (the enrolment resumes from the journal), the kiosk is killed with
# SIGKILL mid-way (the next start opens the unfinished enrolment, says so,
# and resumes it; nothing is issued twice), and an unpaid order is refused
# with the core's words. Screenshots: build/tests/kiosk/shots/desk_issue/.
source "$(dirname "$0")/lib.bash"
source "$RK_SOURCE_DIR/tests/integration/enrol_lib.bash"
out=$RK_BUILD_DIR/tests/kiosk/shots/desk_issue
rm -rf "$out"
DB=$RAKIOSK_DATA_DIR/rakiosk.db
CADB=$RAKIOSK_DATA_DIR/ca/ca.db
M=$RAKIOSK_TOKEN_MODULE
q() { sqlite3 "$DB" "$1"; }
state_of() { q "SELECT state FROM orders WHERE ref = '$1'"; }
key_of() { q "SELECT c.key_serial FROM certificate c JOIN orders o ON o.id = c.order_id WHERE o.ref = '$1' AND c.usage = 'sign'"; }
cert_of() { q "SELECT c.serial FROM certificate c JOIN orders o ON o.id = c.order_id WHERE o.ref = '$1' AND c.usage = 'sign'"; }
enrol_setup
as boss
echo dorapass1 | "$RACTL" -q clerk add dora --name 朵制证 --roles review,issue,archive >/dev/null
DORA=$(new_key "Dora clerk")
echo $PIN | "$RACTL" -q clerk key-issue dora --key "$DORA" >/dev/null || bad "key-issue dora"

# script NAME REF: the login lines and NAME with REF's authorisation code in.
script() {
    cat "$SCRIPTS/desk-login-only.txt" "$SCRIPTS/$1" | sed "s/@CODE@/$(code_of "$2")/" >"$T/$1"
    echo "$T/$1"
}
# issued_ok REF WHAT: REF is issued, its certificate at the sub-CA once and
# on the key the ledger names (PIN 135790, the one typed); the key then
# goes back in the drawer (pulled) so the next run sees a blank one.
issued_ok() {
    local ref=$1 what=$2 key cert
    [ "$(state_of "$ref")" = issued ] && ok || bad "$what: $ref is $(state_of "$ref")"
    key=$(key_of "$ref")
    cert=$(cert_of "$ref")
    [ -n "$key" ] && [ -n "$cert" ] && ok || bad "$what: no certificate recorded for $ref"
    [ "$(sqlite3 "$CADB" "SELECT count(*) FROM issued WHERE status = 0 AND ltrim(upper(serial), '0') = ltrim(upper('$cert'), '0')")" = 1 ] &&
        ok || bad "$what: the sub-CA does not hold $cert once"
    pkcs11-tool --module "$M" --token-label "$ref" --login --pin 135790 --list-objects --type cert >"$T/objs" 2>/dev/null
    grep -qi "serial: *$cert" "$T/objs" && ok || { bad "$what: key $key lacks certificate $cert"; cat "$T/objs" >&2; }
    "$RACTL" -q key pull "$key" >/dev/null
}
unset RAKIOSK_SESSION

# End to end, in each language and in large type.
for variant in "zh-CN" "en" "zh-CN --large" "zh-CN --size 1920x1080"; do
    set -- $variant
    lang=$1
    shift
    REF=$(paid_order "赵六") && ok || bad "a paid order"
    unset RAKIOSK_SESSION
    play "$out/$lang${1:-}" "$(script desk-issue.txt "$REF")" --lang "$lang" "$@"
    issued_ok "$REF" "$variant"
    for f in issue-ready issue-typing issue-running issue-done; do
        [ -s "$out/$lang${1:-}/$f.png" ] && ok || bad "$variant: no screenshot $f"
    done
done
[ "$(q "SELECT count(*) FROM audit WHERE action LIKE 'order.issued%' AND actor = 'dora'")" -ge 3 ] &&
    ok || bad "the desk's issues are not dora's in the audit"

# The key pulled mid-way and put back.
REF=$(paid_order "钱七")
unset RAKIOSK_SESSION
play "$out/pulled" "$(script desk-issue-pulled.txt "$REF")"
issued_ok "$REF" "pulled"
[ "$(q "SELECT count(*) FROM enrolment e JOIN orders o ON o.id = e.order_id WHERE o.ref = '$REF' AND e.attempts >= 2")" -ge 1 ] &&
    ok || bad "pulled: the journal does not show the resumed attempt"

# The kiosk killed mid-way, then started again.
REF=$(paid_order "孙八")
unset RAKIOSK_SESSION
mkdir -p "$out/killed"
"$RAKIOSK" --fit-check --no-voice --script "$(script desk-issue-kill.txt "$REF")" --shots "$out/killed" \
    >"$T/kill.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
    grep -q "note: held" "$T/kill.log" && break
    sleep 0.1
done
grep -q "note: held" "$T/kill.log" && ok || { bad "the enrolment never reached its write"; cat "$T/kill.log" >&2; }
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
as lily
"$RACTL" key enrol --pending >"$T/pending" 2>&1
grep -q "^$REF " "$T/pending" && ok || { bad "no unfinished enrolment after the kill"; cat "$T/pending" >&2; }
[ "$(state_of "$REF")" = paid ] && ok || bad "killed: $REF is $(state_of "$REF") before the resume"
unset RAKIOSK_SESSION
play "$out/killed" "$(script desk-issue-resume.txt "$REF")"
issued_ok "$REF" "killed"
# Nothing issued twice: the sub-CA signed the ledger's certificates and
# dora's clerk certificate, and nothing else.
ca=$(sqlite3 "$CADB" "SELECT count(*) FROM issued")
[ "$ca" = "$(($(q "SELECT count(*) FROM certificate") + 1))" ] && ok ||
    bad "the sub-CA signed $ca certificates, the ledger holds $(q "SELECT count(*) FROM certificate") and one clerk's"

# Payment before issue: the core's rule, said.
as lily
UNPAID=$("$RACTL" -q order new --business new --kind individual --field "applicant_name=周九" \
    --field applicant_id=11010519491231002X --field applicant_mobile=13800138000 \
    --field email=a@example.com --field invoice_type=ordinary --field delivery=pickup \
    --paper application_form --paper id_card --submit)
unset RAKIOSK_SESSION
play "$out/unpaid" "$(script desk-issue-unpaid.txt "$UNPAID")"
[ "$(state_of "$UNPAID")" = approved ] && ok || bad "unpaid: $UNPAID is $(state_of "$UNPAID")"
finish
