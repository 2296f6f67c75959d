#!/bin/bash
# The desk's review on the offscreen driver: a review clerk logs in with
# their own USB key, opens an order from the review queue (its scanned ID
# card beside the masked form, zoomed and panned), approves it, and rejects
# another with a reason from the list plus words typed on the keyboard; in
# zh-CN, in English and in large type. Afterwards `ractl order show` holds
# the state and the reason the subscriber reads, and the audit the looks at
# the document. Then a clerk who entered an order tries to approve it: the
# core refuses and the screen says why in plain words. Screenshots:
# build/tests/kiosk/shots/desk_review/.
source "$(dirname "$0")/lib.bash"
source "$RK_SOURCE_DIR/tests/integration/enrol_lib.bash"
out=$RK_BUILD_DIR/tests/kiosk/shots/desk_review
rm -rf "$out"
DB=$RAKIOSK_DATA_DIR/rakiosk.db
q() { sqlite3 "$DB" "$1"; }
show() { "$RACTL" --json order show "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)$2)"; }
enrol_setup
as boss
echo dorapass1 | "$RACTL" -q clerk add dora --name 朵审核 --roles review,issue,archive >/dev/null
echo evapass11 | "$RACTL" -q clerk add eva --name 伊录审 --roles entry,review >/dev/null
DORA=$(new_key "Dora clerk")
echo $PIN | "$RACTL" -q clerk key-issue dora --key "$DORA" >/dev/null || bad "key-issue dora"
EVA=$(new_key "Eva clerk")
echo $PIN | "$RACTL" -q clerk key-issue eva --key "$EVA" >/dev/null || bad "key-issue eva"
"$RACTL" -q key pull "$EVA" >/dev/null
python3 "$RK_SOURCE_DIR/tests/kiosk/make_card.py" "$T/card.png"

# order NAME: an individual's new certificate with its ID card scanned,
# submitted by lily; prints its ref.
order() {
    local ref
    ref=$("$RACTL" -q order new --business new --kind individual --field "applicant_name=$1" \
        --field applicant_id=11010519491231002X --field applicant_mobile=13800138000 \
        --field email=a@example.com --field invoice_type=ordinary --field delivery=pickup \
        --paper application_form) || return 1
    "$RACTL" -q order attach "$ref" id_card "$T/card.png" >/dev/null || return 1
    "$RACTL" -q order submit "$ref" >/dev/null || return 1
    echo "$ref"
}
# No other key holds a clerk certificate; the clerks' shell sessions stay out of it.
unset RAKIOSK_SESSION
cat "$SCRIPTS/desk-login-only.txt" "$SCRIPTS/desk-review.txt" >"$T/review.txt"
for variant in "zh-CN" "en" "zh-CN --large" "zh-CN --size 1920x1080"; do
    set -- $variant
    lang=$1
    shift
    as lily
    A=$(order 张三) && B=$(order 李四) && ok || bad "orders for $variant"
    unset RAKIOSK_SESSION
    play "$out/$lang${1:-}" "$T/review.txt" --lang "$lang" "$@"
    as lily
    [ "$(show "$A" '["state"]')" = approved ] && ok || bad "$variant: $A is $(show "$A" '["state"]')"
    [ "$(show "$A" '["reviewed_by"]')" = dora ] && ok || bad "$variant: the approval of $A is not dora's"
    [ "$(show "$B" '["state"]')" = rejected ] && ok || bad "$variant: $B is $(show "$B" '["state"]')"
    reason=$(show "$B" '["rejections"][-1]["reason"]')
    if [ "$lang" = en ]; then
        want="The identity document is not legible: please provide it again: 请带身份证原件来柜台"
    else
        want="身份证件不清晰，请重新提供：请带身份证原件来柜台"
    fi
    [ "$reason" = "$want" ] && ok || bad "$variant: the reason is '$reason', expected '$want'"
    # The document was looked at, and that is audited.
    [ "$(q "SELECT count(*) FROM audit WHERE action = 'order.document_viewed' AND actor = 'dora' AND order_id = (SELECT uuid FROM orders WHERE ref = '$A')")" -ge 1 ] &&
        ok || bad "$variant: the look at $A's ID card is not audited"
    for f in review review-zoom review-approved reject-empty reject-typing reject-confirm review-rejected; do
        [ -s "$out/$lang${1:-}/$f.png" ] && ok || bad "$variant: no screenshot $f"
    done
done
# The ID number never reached the screen in clear: the fields are masked.
grep -q "11010519491231002X" "$out"/*/*.log && bad "an ID number in clear in the kiosk's output" || ok

# Eva entered an order herself and reviews: the core refuses.
as eva
echo evapass11 | "$RACTL" -q clerk login eva >/dev/null
OWN=$(order 王五) && ok || bad "eva's order"
unset RAKIOSK_SESSION
"$RACTL" -q key pull "$DORA" >/dev/null
"$RACTL" -q key plug "$EVA" >/dev/null
cat "$SCRIPTS/desk-login-only.txt" "$SCRIPTS/desk-review-own.txt" >"$T/own.txt"
for lang in zh-CN en; do
    play "$out/own-$lang" "$T/own.txt" --lang "$lang"
    [ -s "$out/own-$lang/review-own.png" ] && ok || bad "no screenshot review-own ($lang)"
done
as lily
[ "$(show "$OWN" '["state"]')" = submitted ] && ok || bad "eva's own order is $(show "$OWN" '["state"]')"
finish
