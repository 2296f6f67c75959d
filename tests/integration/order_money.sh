# A paid order that is cancelled, and an order rejected twice, through
# ractl: the cancel is refused until the supervisor says how the money goes
# back; the refund (amount, method, supervisor) is then recorded with the
# cancellation, shown by `order show` (text and --json), audited, sent to
# HQ and counted in the weekly takings; every rejection's reason stays in
# the order's history after it is resubmitted.
. "$(dirname "$0")/lib.bash"
export TZ=Asia/Shanghai
DB=$RAKIOSK_DATA_DIR/rakiosk.db
as() { export RAKIOSK_SESSION=$T/session.$1; }

expect 0 "init" -- "$RACTL" init
as boss
echo bosspass1 | "$RACTL" -q clerk add boss --name 王主管 --roles supervisor
echo bosspass1 | "$RACTL" -q clerk login boss
echo entrypass1 | "$RACTL" -q clerk add lily --name 李录入 --roles entry,issue
echo reviewpass1 | "$RACTL" -q clerk add ray --name 芮审核 --roles review
as lily; echo entrypass1 | "$RACTL" -q clerk login lily
as ray; echo reviewpass1 | "$RACTL" -q clerk login ray

FIELDS=(--field applicant_name=王小明 --field applicant_id=11010519491231002X
    --field applicant_mobile=13800138000 --field email=a@example.com
    --field invoice_type=ordinary --field delivery=pickup)
as lily
REF=$("$RACTL" -q order new --business new --kind individual "${FIELDS[@]}" \
    --paper application_form --paper id_card --submit) || bad "new order"
as ray; "$RACTL" -q order approve "$REF" || bad "approve"
as lily
FEE=$("$RACTL" --json order show "$REF" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fee_total"])')
YUAN=$(printf '%d.%02d' $((FEE / 100)) $((FEE % 100)))
expect 0 "pay" -- "$RACTL" order pay "$REF" --method wechat --amount "$YUAN"

expect 5 "the entry clerk cannot cancel a paid order" -- "$RACTL" order cancel "$REF" --reason 不办了
as boss
expect 7 "no cancel without the refund" -- "$RACTL" order cancel "$REF" --reason 不办了
contains "--refund" "says how to record the refund"
contains "paid $YUAN" "names the amount paid"
expect 2 "an unknown refund method" -- "$RACTL" order cancel "$REF" --reason 不办了 --refund bitcoin
contains "cash" "lists the methods"
expect 0 "still paid" -- "$RACTL" --json order show "$REF"
contains '"state":"paid"' "nothing changed"
expect 0 "cancel with the refund" -- "$RACTL" order cancel "$REF" --reason 不办了 --refund wechat
contains "refunded" "says refunded"
expect 0 "show" -- "$RACTL" order show "$REF"
contains "refunded    $YUAN yuan by wechat, boss" "order show: the refund"
expect 0 "show json" -- "$RACTL" --json order show "$REF"
python3 -c 'import json,sys
d = json.loads(sys.argv[1]); r = d["refund"]
assert d["state"] == "cancelled" and r["fen"] == int(sys.argv[2]) and r["method"] == "wechat" \
    and r["by"] == "boss" and r["at"] > 0, d' "$OUT" "$FEE" && ok || bad "json refund: $OUT"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE kind = 'order.cancelled' AND json_extract(payload, '$.refund_fen') = $FEE AND json_extract(payload, '$.refund_method') = 'wechat'")" = 1 ] \
    && ok || bad "HQ is not told of the refund"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'order.cancelled' AND actor = 'boss' AND detail = '不办了; refunded $FEE fen by wechat'")" = 1 ] \
    && ok || bad "the refund is not audited"
as lily
REF2=$("$RACTL" -q order new --business unlock --kind individual "${FIELDS[@]}" \
    --field key_serial=5500001) || bad "unpaid order"
as boss
expect 7 "an unpaid order has nothing to refund" -- "$RACTL" order cancel "$REF2" --reason x \
    --refund cash
contains "nothing to refund" "says so"

# The week's takings: the payment and its refund.
expect 0 "weekly report" -- "$RACTL" report weekly
contains "takings        1 payment $YUAN, 1 refund $YUAN, net 0.00 yuan" "the takings line"
expect 0 "weekly report json" -- "$RACTL" --json report weekly
python3 -c 'import json,sys
t = json.loads(sys.argv[1])["takings"]; fen = int(sys.argv[2])
assert t["paid_fen"] == fen and t["refunded_fen"] == fen and t["net_fen"] == 0, t
assert sum(d["refunded_fen"] for d in t["days"]) == fen and len(t["days"]) == 7, t' "$OUT" "$FEE" \
    && ok || bad "json takings: $OUT"
expect 0 "weekly pdf" -- "$RACTL" report weekly --pdf "$T/weekly.pdf"
pdftotext "$T/weekly.pdf" - | tr -d ' ' >"$T/weekly.txt"
grep -q "退款" "$T/weekly.txt" && grep -q "合计${YUAN}元，净收0.00元" "$T/weekly.txt" && ok \
    || bad "the weekly PDF lacks the refund: $(cat "$T/weekly.txt")"

# Rejected twice, resubmitted: both reasons stay, oldest first.
as lily
REF3=$("$RACTL" -q order new --business unlock --kind individual "${FIELDS[@]}" \
    --field key_serial=5500001 --paper id_card --submit) || bad "third order"
as ray; expect 0 "first rejection" -- "$RACTL" order reject "$REF3" --reason "身份证复印件不清晰"
as lily; expect 0 "resubmit" -- "$RACTL" order submit "$REF3"
as ray; expect 0 "second rejection" -- "$RACTL" order reject "$REF3" --reason "缺少经办人签字"
as lily; expect 0 "resubmit again" -- "$RACTL" order submit "$REF3"
expect 0 "show the history" -- "$RACTL" order show "$REF3"
contains "身份证复印件不清晰 (ray)" "the first reason"
contains "缺少经办人签字 (ray)" "the second reason"
expect 0 "history in json" -- "$RACTL" --json order show "$REF3"
python3 -c 'import json,sys
d = json.loads(sys.argv[1]); r = d["rejections"]
assert [x["reason"] for x in r] == ["身份证复印件不清晰", "缺少经办人签字"] and r[0]["by"] == "ray", r
assert d["reject_reason"] == "" and d["state"] == "submitted", d' "$OUT" && ok || bad "json history: $OUT"

expect 0 "audit verify" -- "$RACTL" audit verify
finish
