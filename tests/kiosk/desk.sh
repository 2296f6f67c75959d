#!/bin/bash
# The clerks' desk on the offscreen driver: a clerk (review, issue and
# archive roles) logs in with their own USB key (issued by the branch
# sub-CA, `ractl clerk key-issue`), a wrong PIN first; the queues show
# what waits for those roles, overdue first; the key pulled logs the clerk
# out, and so does the idle time. Checked against the database: the
# sessions opened and ended, the refusal audited. Screenshots:
# build/tests/kiosk/shots/desk/.
source "$(dirname "$0")/lib.bash"
source "$RK_SOURCE_DIR/tests/integration/enrol_lib.bash"
out=$RK_BUILD_DIR/tests/kiosk/shots/desk
rm -rf "$out"
DB=$RAKIOSK_DATA_DIR/rakiosk.db
q() { sqlite3 "$DB" "$1"; }
enrol_setup
as boss
echo dorapass1 | "$RACTL" -q clerk add dora --name 朵审核 --roles review,issue,archive >/dev/null
KEY=$(new_key "Dora clerk")
echo $PIN | "$RACTL" -q clerk key-issue dora --key "$KEY" >/dev/null || bad "key-issue"
# Two orders to review, one of them entered a month ago (overdue), and one
# approved and paid (to issue).
submitted() {
    "$RACTL" -q order new --business new --kind individual --field "applicant_name=$1" \
        --field applicant_id=11010519491231002X --field applicant_mobile=13800138000 \
        --field email=a@example.com --field invoice_type=ordinary --field delivery=pickup \
        --paper application_form --paper id_card --submit
}
as lily
OLD=$(RAKIOSK_NOW=@$(($(date +%s) - 30 * 86400)) submitted 张三)
NEW=$(submitted 李四)
PAID=$(paid_order 王五)
[ -n "$OLD" ] && [ -n "$NEW" ] && [ -n "$PAID" ] && ok || bad "orders: '$OLD' '$NEW' '$PAID'"
# No other key holds a clerk certificate; lily's session stays out of it.
unset RAKIOSK_SESSION

for variant in "zh-CN" "en" "zh-CN --large"; do
    set -- $variant
    lang=$1
    shift
    play "$out/$lang${1:-}" desk-login.txt --lang "$lang" "$@"
done
[ "$(q "SELECT count(*) FROM audit WHERE action = 'clerk.login' AND actor = 'dora' AND detail LIKE 'USB key $KEY,%'")" = 3 ] &&
    ok || bad "the desk's key logins are not audited"
[ "$(q "SELECT count(*) FROM audit WHERE action = 'clerk.login_refused' AND detail LIKE 'USB key $KEY: wrong PIN%'")" = 3 ] &&
    ok || bad "the wrong PINs are not audited"
[ "$(q "SELECT count(*) FROM audit WHERE action = 'clerk.logout' AND actor = 'dora'")" = 3 ] &&
    ok || bad "pulling the key did not end the session"
[ "$(q "SELECT count(*) FROM clerk_session s JOIN clerk c ON c.id = s.clerk_id WHERE c.login = 'dora'")" = 0 ] &&
    ok || bad "a desk session is still open"
play "$out/zh-CN" desk-idle.txt --idle 5 --countdown 2
[ "$(q "SELECT count(*) FROM audit WHERE action = 'clerk.logout' AND actor = 'dora'")" = 4 ] &&
    ok || bad "the idle time did not end the session"
for f in desk-login desk-refused desk-queues desk-queue-issue desk-pulled desk-idle; do
    [ -s "$out/zh-CN/$f.png" ] && ok || bad "no screenshot $f"
done
# The order states are as they were: the desk only looked.
[ "$(q "SELECT state FROM orders WHERE ref = '$OLD'")" = submitted ] && [ "$(q "SELECT state FROM orders WHERE ref = '$PAID'")" = paid ] &&
    ok || bad "the desk changed an order"
finish
