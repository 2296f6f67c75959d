#!/usr/bin/env bash
# Payment reconciliation at HQ (issue 16 section 2): two branches take
# orders on 2026-03-02 (an injected clock), paid by WeChat Pay and Alipay,
# issued, left unissued, cancelled with refunds; rasync pushes them to a
# real rahq. The test writes that day's statements in the providers'
# public formats (tests/data/statements/make.py: WeChat's UTF-8 trade bill,
# Alipay's GBK business statement) with one line for every kind of
# difference, imports them with `rahq admin statement import` and checks
# that `rahq admin reconcile` finds each kind exactly once and nothing
# else, per branch too; the same file twice changes nothing; damaged files
# are refused with their line and store nothing. Runs on SQLite and, as
# sync_recon_pg, on PostgreSQL.
. "$(dirname "$0")/sync-lib.bash"

MAKE="python3 $RK_SOURCE_DIR/tests/data/statements/make.py"
DAY=2026-03-02
NOW=${DAY}T10:00:00+08:00
hq_init
hq_start
branch_up DEMO01
branch_up DEMO02

load() { # BRANCH ARGS...: sync_load on the day; prints "ref state fee" per order
    local b=$1
    shift
    RAKIOSK_NOW=$NOW as_branch "$b" "$SYNC_LOAD" --list "$@" >"$T/load.out" || die "sync_load $b $*"
    python3 -c 'import json,sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if "ref" in d: print(d["ref"], d["state"], d["fee"])' "$T/load.out"
}
yuan() { python3 -c "import sys; print('%.2f' % (int(sys.argv[1]) / 100 + float(sys.argv[2])))" "$1" "${2:-0}"; }

# DEMO01: r1..r3 issued, paid by WeChat Pay; r4 paid by Alipay, not issued;
# r5 paid by Alipay and cancelled with its refund; r6 issued, paid by
# Alipay; r7, r8 paid by WeChat Pay and cancelled with their refunds.
mapfile -t A < <(load DEMO01 --orders 3 --issue 3 --pay-method wechat)
mapfile -t B < <(load DEMO01 --orders 2 --pay-method alipay --refund 1)
mapfile -t C < <(load DEMO01 --orders 1 --issue 1 --pay-method alipay)
mapfile -t D < <(load DEMO01 --orders 2 --pay-method wechat --refund 2)
mapfile -t E < <(load DEMO02 --orders 1 --issue 1 --pay-method wechat)
read -r R1 S1 F1 <<<"${A[0]}"
read -r R2 S2 F2 <<<"${A[1]}"
read -r R3 S3 F3 <<<"${A[2]}"
read -r R4 S4 F4 <<<"${B[0]}"
read -r R5 S5 F5 <<<"${B[1]}"
read -r R6 S6 F6 <<<"${C[0]}"
read -r R7 S7 F7 <<<"${D[0]}"
read -r R8 S8 F8 <<<"${D[1]}"
read -r Q1 T1 G1 <<<"${E[0]}"
same "$S1 $S2 $S3 $S4 $S5 $S6 $S7 $S8 $T1" \
    "issued issued issued paid cancelled issued cancelled cancelled issued" "the branches' orders"
same "$Q1" "$R1" "both branches have an order of the same reference"
sync_once DEMO01
same "$RC" 0 "DEMO01 pushed: $OUT"
sync_once DEMO02
same "$RC" 0 "DEMO02 pushed: $OUT"
same "$(hq_sql "SELECT count(*) FROM event WHERE kind = 'order.paid' AND payload LIKE '%\"pay_method\":\"wechat\"%'")" \
    6 "HQ holds the payments with their method"

at() { echo "$DAY $1"; }
$MAKE wechat "$T/wx.csv" \
    "pay,DEMO01-$R1,$(yuan "$F1"),$(at 10:00:05)" \
    "pay,DEMO01-$R3,$(yuan "$F3" 1),$(at 10:00:06)" \
    "pay,DEMO01-$R7,$(yuan "$F7"),$(at 10:00:07)" \
    "pay,DEMO01-$R8,$(yuan "$F8"),$(at 10:00:08)" \
    "refund,DEMO01-$R8,$(yuan "$F8" -10),$(at 10:30:00)" \
    "pay,$Q1,$(yuan "$G1"),$(at 10:00:09),DEMO02" \
    "pay,DEMO01-260302-0999,88.00,$(at 11:00:00)" || die "make the WeChat bill"
$MAKE alipay "$T/ali.csv" \
    "pay,DEMO01-$R4,$(yuan "$F4"),$(at 10:00:10)" \
    "pay,DEMO01-$R5,$(yuan "$F5"),$(at 10:00:11)" \
    "refund,DEMO01-$R5,$(yuan "$F5"),$(at 10:20:00)" \
    "pay,DEMO01-$R6,$(yuan "$F6"),$(at 10:00:12)" \
    "refund,DEMO01-$R6,$(yuan "$F6"),$(at 10:40:00)" || die "make the Alipay statement"
file -b --mime-encoding "$T/ali.csv" | grep -qv utf-8 && ok || bad "the Alipay file is not UTF-8"

expect 0 "import the WeChat bill" -- hq_admin statement import --provider wechat "$T/wx.csv" --json
same "$(echo "$OUT" | json 'd["lines"], d["new_lines"], d["already_imported"]')" "(7, 7, False)" \
    "the bill's lines kept"
expect 0 "import the Alipay statement" -- hq_admin statement import --provider alipay "$T/ali.csv"
contains "5 lines, 5 new" "the statement's lines kept"

# the day, every branch: each kind of difference once, nothing else
counts() { echo "$OUT" | json '" ".join("%s=%d" % (k, d["counts"][k]) for k in sorted(d["counts"]))'; }
kinds() { # KIND: "branch ref" of the items of that kind
    echo "$OUT" | json "' '.join(sorted('%s/%s' % (x['branch'], x['ref'] or x['merchant_ref']) for x in d['items'] if x['kind'] == '$1'))"
}
reconcile_all() {
    expect 0 "reconcile $DAY" -- hq_admin reconcile --day "$DAY" --json
    same "$(counts)" "amount_mismatch=1 issued_not_paid=1 matched=6 paid_not_issued=1 refund_matched=1 refund_mismatch=1 refund_missing=1 refund_unrecorded=1 unknown_payment=1" \
        "every kind once: $1"
    same "$(echo "$OUT" | json 'd["differences"], d["lines"]')" "(7, 12)" "seven differences in twelve lines: $1"
    same "$(kinds matched)" "$(printf '%s\n' "DEMO01/$R1" "DEMO01/$R5" "DEMO01/$R6" "DEMO01/$R7" "DEMO01/$R8" "DEMO02/$Q1" | sort | tr '\n' ' ' | sed 's/ $//')" "matched: $1"
    same "$(kinds paid_not_issued)" "DEMO01/$R4" "paid, not issued: $1"
    same "$(kinds issued_not_paid)" "DEMO01/$R2" "issued, not paid: $1"
    same "$(kinds amount_mismatch)" "DEMO01/$R3" "amount mismatch: $1"
    same "$(kinds unknown_payment)" "DEMO01/DEMO01-260302-0999" "unknown payment: $1"
    same "$(kinds refund_matched)" "DEMO01/$R5" "refund matched: $1"
    same "$(kinds refund_unrecorded)" "DEMO01/$R6" "refund not recorded: $1"
    same "$(kinds refund_missing)" "DEMO01/$R7" "refund missing: $1"
    same "$(kinds refund_mismatch)" "DEMO01/$R8" "refund mismatch: $1"
}
reconcile_all "first import"
same "$(echo "$OUT" | json "[(x['statement_fen'], x['branch_fen']) for x in d['items'] if x['kind'] == 'amount_mismatch'][0]")" \
    "($((F3 + 100)), $F3)" "the mismatch shows both amounts"
expect 0 "DEMO02 alone" -- hq_admin reconcile --day "$DAY" --branch DEMO02 --json
same "$(counts)" "amount_mismatch=0 issued_not_paid=0 matched=1 paid_not_issued=0 refund_matched=0 refund_mismatch=0 refund_missing=0 refund_unrecorded=0 unknown_payment=0" \
    "DEMO02's report holds its one matched payment"
expect 0 "DEMO01 alone" -- hq_admin reconcile --day "$DAY" --branch DEMO01 --json
same "$(echo "$OUT" | json 'd["counts"]["matched"], d["differences"]')" "(5, 7)" "DEMO01's report"
expect 0 "the day before" -- hq_admin reconcile --day 2026-03-01 --json
same "$(echo "$OUT" | json 'd["lines"], len(d["items"])')" "(0, 0)" "nothing on the day before"
expect 0 "text report" -- hq_admin reconcile --day "$DAY"
contains "7 differences" "the text report counts the differences"
contains "refund_missing" "the text report lists them"

# Idempotent: the same file again, and a file repeating some of its lines.
expect 0 "the same bill again" -- hq_admin statement import --provider wechat "$T/wx.csv"
contains "imported before" "a second import says so"
$MAKE wechat "$T/wx-part.csv" "pay,DEMO01-$R1,$(yuan "$F1"),$(at 10:00:05)" || die "make part"
expect 0 "a bill repeating a line" -- hq_admin statement import --provider wechat "$T/wx-part.csv"
contains "1 lines, 0 new" "the repeated line is not added again"
reconcile_all "after importing again"
LINES=$(hq_sql "SELECT count(*) FROM statement_line")
FILES=$(hq_sql "SELECT count(*) FROM statement")
same "$LINES $FILES" "12 3" "HQ keeps each line once"

# Refusals: nothing kept.
$MAKE wechat "$T/wx-other.csv" "pay,DEMO01-$R1,$(yuan "$F1" 5),$(at 10:00:05)" || die "make other"
expect 7 "a known trade with another amount" -- hq_admin statement import --provider wechat "$T/wx-other.csv"
contains "differs from the one imported from wx.csv" "the conflict names the first file"
sed '3s/^`//' "$T/wx.csv" >"$T/wx-bad.csv"
expect 1 "a WeChat value without its backtick" -- hq_admin statement import --provider wechat "$T/wx-bad.csv"
contains "line 3" "the damaged line is named"
head -n 4 "$T/wx.csv" >"$T/wx-cut.csv"
expect 1 "a WeChat bill cut short" -- hq_admin statement import --provider wechat "$T/wx-cut.csv"
contains "cut short" "a cut bill is refused"
iconv -f GBK -t UTF-8 "$T/ali.csv" >"$T/ali-utf8.csv"
expect 1 "Alipay's statement in UTF-8" -- hq_admin statement import --provider alipay "$T/ali-utf8.csv"
contains "line" "the place is named"
python3 - "$T/ali.csv" "$T/ali-bad.csv" <<'PY'
import sys
lines = open(sys.argv[1], 'rb').read().split(b'\r\n')
lines[6] = lines[6].replace('交易'.encode('gbk'), '冻结'.encode('gbk'), 1)
open(sys.argv[2], 'wb').write(b'\r\n'.join(lines))
PY
expect 1 "an Alipay line of no known business type" -- hq_admin statement import --provider alipay "$T/ali-bad.csv"
contains "line 7" "the Alipay line is named"
contains "业务类型" "the column is named"
expect 2 "no provider" -- hq_admin statement import "$T/wx.csv"
expect 2 "an unknown provider" -- hq_admin statement import --provider card "$T/wx.csv"
expect 6 "a missing file" -- hq_admin statement import --provider wechat "$T/none.csv"
expect 2 "a bad day" -- hq_admin reconcile --day 2026-3-2
same "$(hq_sql "SELECT count(*) FROM statement_line") $(hq_sql "SELECT count(*) FROM statement")" \
    "12 3" "refused files keep nothing"
reconcile_all "after the refusals"

# The supervisor's report: A4 PDF (rendered and read back) and the workbook.
. "$RK_SOURCE_DIR/tests/integration/pdf-lib.bash"
SHOTS=$RK_BUILD_DIR/tests/sync/shots
mkdir -p "$SHOTS"
expect 0 "the report as PDF and XLSX" -- hq_admin reconcile --day "$DAY" --pdf "$SHOTS/recon.pdf" \
    --xlsx "$T/recon.xlsx"
msg=$(pdf_renders "$SHOTS/recon.pdf" 2) && ok || bad "the report renders on two pages: $msg"
TXT=$(pdftotext -layout "$SHOTS/recon.pdf" -)
for want in 支付对账报告 "对账日期: $DAY" "差异 7 笔" 已发放未收款 已收款未发放 金额不符 未知收款 \
    退款未登记 退款未入账单 退款金额不符 "$R2" "$R3" "$R4" 302-0999 "$(yuan "$F3" 1)" \
    负责人签字; do
    case "$TXT" in *"$want"*) ok ;; *) bad "the PDF lacks '$want'" ;; esac
done
# Each difference says why in Chinese (read with the cells' line breaks taken out).
FLAT=$(pdftotext "$SHOTS/recon.pdf" - | tr -d ' \n')
for want in 受理点登记微信收款180.00元 受理点登记微信退款，账单中没有 订单已办结，受理点未登记退款 \
    总部没有受理点DEMO01的订单260302-0999 订单已缴费，受理点登记支付宝收款180.00元; do
    case "$FLAT" in *"$want"*) ok ;; *) bad "the PDF lacks the note '$want'" ;; esac
done
# The supervisor reads Chinese: no English note or state is left in the report.
for word in recorded statement " by " paid issued wechat alipay; do
    case "$(echo "$TXT" | tr -s ' \n' ' ')" in *"$word"*) bad "the PDF says '$word'" ;; *) ok ;; esac
done
msg=$(pdf_line_with "$SHOTS/recon.pdf" 支付对账报告 15) && ok || bad "the title is large: $msg"
python3 - "$T/recon.xlsx" "$R3" "$F3" <<'PY' && ok || bad "the workbook holds the report"
import sys, zipfile, re
z = zipfile.ZipFile(sys.argv[1])
shared = re.findall(r"<t[^>]*>([^<]*)</t>", z.read("xl/sharedStrings.xml").decode())
sheet = z.read("xl/worksheets/sheet2.xml").decode()
rows = re.findall(r"<row [^>]*>(.*?)</row>", sheet)
assert len(rows) == 1 + 14, len(rows)  # the heading and one row per item
for need in ("金额不符", "amount_mismatch", "refund_missing", "汇总", "明细", sys.argv[2],
             "微信", "支付宝", "已办结", "受理点登记微信退款，账单中没有"):
    assert need in shared or need in z.read("xl/workbook.xml").decode(), need
assert ("<v>%s</v>" % (int(sys.argv[3]) / 100 + 1)).replace(".0<", "<") in sheet, "the amount as a number"
PY
expect 0 "DEMO02's report" -- hq_admin reconcile --day "$DAY" --branch DEMO02 --pdf "$SHOTS/recon-demo02.pdf"
msg=$(pdf_renders "$SHOTS/recon-demo02.pdf" 1) && ok || bad "one branch's report on one page: $msg"
TXT=$(pdftotext -layout "$SHOTS/recon-demo02.pdf" -)
case "$TXT" in *"差异 0 笔"*) ok ;; *) bad "DEMO02's report says no difference" ;; esac
expect 1 "a report into a missing folder" -- hq_admin reconcile --day "$DAY" --pdf "$T/none/r.pdf"
contains "rahq-report" "the failure says which part failed"

# An order number without a branch that two branches hold: unknown, named.
$MAKE wechat "$T/wx-next.csv" "pay,$R1,1.00,2026-03-03 09:00:00,,42000000000000009999" || die "make next"
expect 0 "the next day's bill" -- hq_admin statement import --provider wechat "$T/wx-next.csv"
expect 0 "reconcile the next day" -- hq_admin reconcile --day 2026-03-03 --json
same "$(echo "$OUT" | json 'd["counts"]["unknown_payment"], d["differences"], d["lines"]')" "(1, 1, 1)" \
    "an ambiguous order number is an unknown payment"
contains "2 个受理点都有订单" "the report says why"
# The business day is the deployment's ([hq] time_zone of rahq.conf,
# Asia/Shanghai by default): statement rows a second either side of its
# midnight fall on either side of it. The providers write China Standard
# Time; these rows are 23:59:59 and 00:00:01 there, and 07:59:59 and
# 08:00:01, UTC's midnight.
grep -q "^time_zone = Asia/Shanghai" "$HQ/rahq.conf" && ok || bad "rahq init writes the default zone"
$MAKE wechat "$T/wx-midnight.csv" "pay,DEMO01-260304-0901,1.00,2026-03-04 23:59:59,,42000000000000010001" \
    "pay,DEMO01-260305-0902,1.00,2026-03-05 00:00:01,,42000000000000010002" \
    "pay,DEMO01-260305-0903,1.00,2026-03-05 07:59:59,,42000000000000010003" \
    "pay,DEMO01-260305-0904,1.00,2026-03-05 08:00:01,,42000000000000010004" || die "make midnight"
expect 0 "the rows about midnight" -- hq_admin statement import --provider wechat "$T/wx-midnight.csv"
day_lines() { # DAY: the lines reconciled on DAY, and its zone
    hq_admin reconcile --day "$1" --json | json 'd["lines"], d["time_zone"]'
}
same "$(day_lines 2026-03-04)" "(1, 'Asia/Shanghai')" "Shanghai's 03-04 ends at its midnight"
same "$(day_lines 2026-03-05)" "(3, 'Asia/Shanghai')" "Shanghai's 03-05 starts at its midnight"
cp "$HQ/rahq.conf" "$T/rahq.conf.default"
printf '[hq]\ntime_zone = UTC\n' >"$HQ/rahq.conf"
same "$(day_lines 2026-03-04)" "(3, 'UTC')" "in UTC, 03-04 runs to 08:00 Beijing time"
same "$(day_lines 2026-03-05)" "(1, 'UTC')" "in UTC, 03-05 starts at 08:00 Beijing time"
expect 0 "the UTC day's report" -- hq_admin reconcile --day 2026-03-04 --pdf "$T/utc.pdf" --xlsx "$T/utc.xlsx"
FLAT=$(pdftotext "$T/utc.pdf" - | tr -d ' \n')
for want in 时区:UTC 2026-03-0415:59第 2026-03-0423:59第; do
    case "$FLAT" in *"$want"*) ok ;; *) bad "the UTC report lacks '$want'" ;; esac
done
printf '[hq]\ntime_zone = Mars/Olympus_Mons\n' >"$HQ/rahq.conf"
expect 1 "a zone the database lacks" -- hq_admin reconcile --day 2026-03-04
contains "rahq.conf" "the refusal names the file"
contains "Mars/Olympus_Mons" "the refusal names the zone"
printf '[hq]\ntimezone = UTC\n' >"$HQ/rahq.conf"
expect 1 "a misspelt key" -- hq_admin reconcile --day 2026-03-04
contains "rahq.conf:2" "the refusal names the line"
cp "$T/rahq.conf.default" "$HQ/rahq.conf"
same "$(day_lines 2026-03-04)" "(1, 'Asia/Shanghai')" "the default again"

expect 0 "help" -- "$RAHQ" admin reconcile --help
contains "refund_unrecorded" "reconcile --help names the kinds"
expect 0 "admin help" -- "$RAHQ" admin --help
contains "statement import" "admin help lists the import"
finish
