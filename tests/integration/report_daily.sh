# The daily close through ractl: a day of orders (taken, submitted, one
# rejected and resubmitted, approved, paid by two methods, issued,
# delivered, one paid and cancelled with its refund) is counted by business
# type and its takings by payment method exactly as they happened; the
# supervisor alone may see and close it (no login and an entry clerk are
# refused); the close is audited and queued for HQ with the figures; the
# warning names the events not yet sent; the A4 close renders with the
# figures in it (pdftoppm, pdftotext) and the workbook holds them too.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/pdf-lib.bash"
export TZ=Asia/Shanghai
DB=$RAKIOSK_DATA_DIR/rakiosk.db
as() { export RAKIOSK_SESSION=$T/session.$1; }
export RAKIOSK_NOW=2026-03-03T09:00:00+08:00

expect 0 "init" -- "$RACTL" init
as boss
echo bosspass1 | "$RACTL" -q clerk add boss --name 王主管 --roles supervisor
echo bosspass1 | "$RACTL" -q clerk login boss
echo entrypass1 | "$RACTL" -q clerk add lily --name 李录入 --roles entry,issue
echo reviewpass1 | "$RACTL" -q clerk add ray --name 芮审核 --roles review
as lily; echo entrypass1 | "$RACTL" -q clerk login lily
as ray; echo reviewpass1 | "$RACTL" -q clerk login ray

as nobody
expect 5 "no session: refused" -- "$RACTL" report daily
contains "logged in" "says to log in"
as lily
expect 5 "an entry clerk: refused" -- "$RACTL" report daily
contains "supervisor" "names the role"

FIELDS=(--field applicant_name=王小明 --field applicant_id=11010519491231002X
    --field applicant_mobile=13800138000 --field email=a@example.com
    --field invoice_type=ordinary --field delivery=pickup)
fee() { "$RACTL" --json order show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fee_total"])'; }
yuan() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }
new() { "$RACTL" -q order new --kind individual "${FIELDS[@]}" --paper id_card "$@"; }

# A new certificate: approved, paid by wechat, issued (no key here: the
# issue step is the ledger's) ... the day's "new" orders.
as lily
A=$(new --business new --paper application_form --submit) || bad "order A"
B=$(new --business new --paper application_form --submit) || bad "order B"
C=$(new --business unlock --field key_serial=5500001 --submit) || bad "order C"
D=$(new --business new) || bad "draft D"
as ray
expect 0 "approve A" -- "$RACTL" order approve "$A"
expect 0 "reject B" -- "$RACTL" order reject "$B" --reason 照片不清晰
as lily; expect 0 "resubmit B" -- "$RACTL" order submit "$B"
as ray; expect 0 "approve B" -- "$RACTL" order approve "$B"
expect 0 "approve C" -- "$RACTL" order approve "$C"
as lily
FA=$(fee "$A"); FB=$(fee "$B"); FC=$(fee "$C")
expect 0 "pay A by wechat" -- "$RACTL" order pay "$A" --method wechat --amount "$(yuan "$FA")"
expect 0 "pay B by cash" -- "$RACTL" order pay "$B" --method cash --amount "$(yuan "$FB")"
if [ "$FC" -gt 0 ]; then
    expect 0 "pay C by cash" -- "$RACTL" order pay "$C" --method cash --amount "$(yuan "$FC")"
fi
expect 0 "issue C" -- "$RACTL" order issue "$C"
expect 0 "deliver C" -- "$RACTL" order deliver "$C" --method pickup
as boss
expect 0 "cancel B with a wechat refund" -- "$RACTL" order cancel "$B" --reason 不办了 --refund wechat

as boss
expect 0 "the day" -- "$RACTL" --json report daily --day 2026-03-03
python3 - "$OUT" "$FA" "$FB" "$FC" <<'PY' && ok || bad "figures: $OUT"
import json, sys
r = json.loads(sys.argv[1]); fa, fb, fc = map(int, sys.argv[2:5])
d = r["day"]
assert d["date"] == "2026-03-03", d
want = {"taken": 4, "submitted": 4, "approved": 3, "rejected": 1, "issued": 1,
        "delivered": 1, "cancelled": 1}
assert d["orders"] == want, d["orders"]
by = {b["business"]: b["counts"] for b in d["business"]}
assert by["new"]["taken"] == 3 and by["new"]["submitted"] == 3 and by["new"]["rejected"] == 1, by
assert by["unlock"]["approved"] == 1 and by["unlock"]["taken"] == 1, by
assert by["unlock"]["issued"] == 1 and by["unlock"]["delivered"] == 1 and by["new"]["issued"] == 0, by
t = d["takings"]
m = {x["method"]: x for x in t["methods"]}
assert m["wechat"]["paid_fen"] == fa and m["wechat"]["refunded_fen"] == fb, m
assert m["cash"]["paid_fen"] == fb + fc and m["cash"]["refunds"] == 0, m
assert t["paid_fen"] == fa + fb + fc and t["refunded_fen"] == fb and t["net_fen"] == fa + fc, t
assert r["closed"] is False and r["sync"]["unsent_events"] > 0, r
assert "not yet sent to HQ" in r["sync"]["warning"] and "never synced" in r["sync"]["warning"], r
PY
expect 0 "the text" -- "$RACTL" report daily --day 2026-03-03
contains "total      paid $(yuan $((FA + FB + FC)))" "the total takings line"
contains "not yet sent to HQ; never synced" "the shift-close warning"
contains "not closed yet" "not closed"
expect 0 "another day is empty" -- "$RACTL" --json report daily --day 2026-03-02
python3 -c 'import json,sys; d = json.loads(sys.argv[1])["day"]
assert sum(d["orders"].values()) == 0 and d["takings"]["paid_fen"] == 0, d' "$OUT" && ok \
    || bad "another day: $OUT"
expect 2 "a bad date" -- "$RACTL" report daily --day 2026-13-40
expect 1 "a day not yet begun" -- "$RACTL" report daily --day 2026-03-05 --close
contains "has not begun" "says why"

# The close: audited, in the outbox with the figures, and shown after.
N0=$(sqlite3 "$DB" "SELECT count(*) FROM outbox")
export RAKIOSK_NOW=2026-03-03T18:30:00+08:00
echo bosspass1 | "$RACTL" -q clerk login boss
expect 0 "close" -- "$RACTL" report daily --day 2026-03-03 --close --pdf "$T/day.pdf" \
    --xlsx "$T/day.xlsx"
contains "closed 2026-03-03" "says closed"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'day.closed' AND actor = 'boss' AND role = 'supervisor' AND detail = '2026-03-03'")" = 1 ] \
    && ok || bad "the close is not audited"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE seq > $N0 AND entity = 'report' AND entity_id = 'daily:2026-03-03' AND kind = 'report.daily' AND json_extract(payload, '$.takings.net_fen') = $((FA + FC)) AND json_extract(payload, '$.orders.rejected') = 1 AND json_extract(payload, '$.closed_by') = 'boss'")" = 1 ] \
    && ok || bad "HQ is not told of the close: $(sqlite3 "$DB" "SELECT payload FROM outbox WHERE entity = 'report'")"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE entity = 'report' AND payload LIKE '%王小明%'")" = 0 ] \
    && ok || bad "personal data in the close"
expect 0 "closed, shown" -- "$RACTL" --json report daily --day 2026-03-03
python3 -c 'import json,sys; r = json.loads(sys.argv[1])
assert r["closed"] and r["closed_by"] == "boss", r' "$OUT" && ok || bad "closed: $OUT"

# The A4 close: one page with ink, the figures in its text.
pdf_renders "$T/day.pdf" 1 && ok || bad "the A4 close does not render"
pdftotext -layout "$T/day.pdf" - >"$T/day.txt"
tr -d ' ' <"$T/day.txt" >"$T/day.flat"
grep -q "营业日结单" "$T/day.flat" && ok || bad "no title: $(cat "$T/day.txt")"
grep -q "营业日期:2026-03-03" "$T/day.flat" && ok || bad "no date"
grep -q "日结人:王主管" "$T/day.flat" && ok || bad "no closing clerk"
grep -q "条记录尚未上传总部" "$T/day.flat" && ok || bad "no sync warning"
grep -q "微信1$(yuan "$FA")1$(yuan "$FB")$(yuan $((FA - FB)))" "$T/day.flat" && ok \
    || bad "the wechat row: $(grep 微信 "$T/day.txt")"
grep -q "合计$((FC > 0 ? 3 : 2))$(yuan $((FA + FB + FC)))1$(yuan "$FB")$(yuan $((FA + FC)))" \
    "$T/day.flat" && ok || bad "the takings total: $(grep 合计 "$T/day.txt")"
grep -q "合计4431111" "$T/day.flat" && ok || bad "the orders total: $(grep 合计 "$T/day.txt")"
pdf_line_with "$T/day.pdf" "营业日结单" 14 >/dev/null && ok || bad "the title is not large"

# The workbook: the same figures as numbers.
python3 - "$T/day.xlsx" "$FA" "$FB" "$FC" <<'PY' && ok || bad "the workbook"
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1]); fa, fb, fc = map(int, sys.argv[2:5])
strings = re.findall(r"<t[^>]*>([^<]*)</t>", z.read("xl/sharedStrings.xml").decode())
sheet = z.read("xl/worksheets/sheet1.xml").decode()
assert "营业日结单" in strings and "王主管" in strings and "微信" in strings, strings
nums = [float(v) for v in re.findall(r"<v>([-0-9.]+)</v>", sheet)]
assert (fa + fc) / 100 in nums and fb / 100 in nums, nums
PY

# The next day: its order counts there, not in the day closed; a preview
# PDF says it is no close.
export RAKIOSK_NOW=2026-03-04T12:00:00+08:00
as lily; echo entrypass1 | "$RACTL" -q clerk login lily
new --business new --paper application_form --submit >/dev/null || bad "next day's order"
expect 5 "the entry clerk cannot close" -- "$RACTL" report daily --close
as boss; echo bosspass1 | "$RACTL" -q clerk login boss
expect 0 "preview" -- "$RACTL" report daily --pdf "$T/preview.pdf"
pdftotext "$T/preview.pdf" - | tr -d ' ' | grep -q "预览" && ok || bad "the preview is not marked"
expect 0 "today" -- "$RACTL" --json report daily
python3 -c 'import json,sys; d = json.loads(sys.argv[1])["day"]
assert d["date"] == "2026-03-04" and d["orders"]["taken"] == 1, d' "$OUT" && ok || bad "today: $OUT"
expect 0 "the day closed, again" -- "$RACTL" --json report daily --day 2026-03-03
python3 -c 'import json,sys; d = json.loads(sys.argv[1])["day"]
assert d["orders"]["taken"] == 4, d' "$OUT" && ok || bad "the closed day moved: $OUT"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'day.closed'")" = 1 ] && ok \
    || bad "a refused close left a record"
expect 0 "audit verify" -- "$RACTL" audit verify
finish
