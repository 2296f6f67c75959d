# Printing from the ledger end to end: an order made through ractl, its
# receipt printed through the spool to the virtual printer, the rendered
# PNG's QR decoded by zbarimg to exactly "RAK1:DEMO01:<ref>", and that
# payload scanned back with `ractl scan barcode` finds the order and its
# state. An approved unpaid order's receipt carries the payment QR
# "RAKPAY1:DEMO01:<ref>:<fen>". The A4 form (pdftotext: every field with its
# forms.ini label) and the task-completion record come from the same order;
# every print is in the audit log and the chain verifies.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/pdf-lib.bash"
export TZ=Asia/Shanghai
for tool in zbarimg pdftotext sqlite3; do
    command -v $tool >/dev/null || { echo "FAIL: $tool is required"; exit 1; }
done
VPRINTER=$RK_BUILD_DIR/tests/vprinter_main
VP_PID=
trap '[ -n "$VP_PID" ] && kill $VP_PID 2>/dev/null; rm -rf "$T"' EXIT
"$VPRINTER" --dir "$T/vp" --port 0 --port-file "$T/vp.port" --width 80 </dev/null >"$T/vp.log" 2>&1 &
VP_PID=$!
for _ in $(seq 100); do [ -s "$T/vp.port" ] && break; sleep 0.1; done
[ -s "$T/vp.port" ] || { echo "FAIL: virtual printer: $(cat "$T/vp.log")"; exit 1; }
export RAKIOSK_PRINTER=tcp://127.0.0.1:$(cat "$T/vp.port")
export RAKIOSK_PRINT_SPOOL=$T/spool

wait_png() { for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
qr() { zbarimg --raw -q "$1" 2>/dev/null | sort; }
as() { export RAKIOSK_SESSION=$T/session.$1; }
login() { as "$1"; echo "$2" | "$RACTL" -q clerk login "$1" >/dev/null || bad "login $1"; }

expect 0 "init" -- "$RACTL" init
as boss
expect 0 "boss" -- sh -c "echo bosspass1 | '$RACTL' clerk add boss --name 王主管 --roles supervisor"
login boss bosspass1
echo entrypass1 | "$RACTL" -q clerk add lily --name 李录入 --roles entry,issue
echo reviewpass1 | "$RACTL" -q clerk add ray --name 芮审核 --roles review
login lily entrypass1
login ray reviewpass1

as lily
expect 0 "new order" -- "$RACTL" -q order new --business new --kind organisation \
    --field enterprise_name=北京示例科技有限公司 --field uscc=91350100M000100Y43 \
    --field legal_rep_name=张三 --field legal_rep_id=11010519491231002X \
    --field legal_rep_mobile=13800138000 --field agent_name=李四 \
    --field agent_id=110105491231002 --field "agent_mobile=+86 139-0013-9000" \
    --field email=it@example.com --field invoice_type=ordinary --field delivery=pickup \
    --field ssn=SB1100001
REF=$OUT
IMG=$RK_SOURCE_DIR/tests/data/images
expect 7 "a draft has no receipt" -- "$RACTL" print receipt --order "$REF"
contains "submit it first" "says why"
"$RACTL" -q order attach "$REF" business_licence "$IMG/ok.png" || bad "attach"
"$RACTL" -q order attach "$REF" agent_id_card "$IMG/ok.jpg" || bad "attach"
"$RACTL" -q order paper "$REF" application_form || bad "paper"
"$RACTL" -q order paper "$REF" orgcode_cert || bad "paper"
expect 0 "submit" -- "$RACTL" order submit "$REF"
FEE=$("$RACTL" --json order show "$REF" | sed -n 's/.*"fee_total":\([0-9]*\).*/\1/p')
[ "${FEE:-0}" -gt 0 ] && ok || bad "fee total $FEE"
YUAN=$(printf '%d.%02d' $((FEE / 100)) $((FEE % 100)))

# Not logged in: printing an order is audited, so it needs a clerk.
RAKIOSK_SESSION=$T/nobody expect 5 "printing needs a login" -- "$RACTL" print receipt --order "$REF"

expect 0 "receipt of a submitted order" -- "$RACTL" print receipt --order "$REF"
wait_png "$T/vp/job-0001.png" && ok || bad "no PNG rendered"
PAYLOAD=$(qr "$T/vp/job-0001.png")
[ "$PAYLOAD" = "RAK1:DEMO01:$REF" ] && ok || bad "QR payload '$PAYLOAD', want RAK1:DEMO01:$REF"
TXT=$(cat "$T/vp/job-0001.txt")
for want in 演示受理点 "$REF" 证书新办 北京示例科技有限公司 "110105********002X" \
    "￥$YUAN" 待支付 李录入 承诺办结日期; do
    case "$TXT" in *"$want"*) ok ;; *) bad "receipt lacks '$want': $TXT" ;; esac
done
! grep -q 11010519491231002X "$T/vp/job-0001.bin" && ok || bad "full ID number sent to the printer"

# The receipt's QR, scanned, opens the order.
expect 0 "scan the printed QR" -- "$RACTL" scan barcode "$PAYLOAD"
contains "order $REF of branch DEMO01: submitted" "order and state"
expect 0 "scan json" -- "$RACTL" --json scan barcode "$PAYLOAD"
contains '"state":"submitted"' "json state"
expect 6 "unknown order of this branch" -- "$RACTL" scan barcode "RAK1:DEMO01:991231-9999"
contains "no such order" "says so"
expect 0 "another branch's receipt" -- "$RACTL" scan barcode "RAK1:BJ07:240601-0007"
contains "order 240601-0007 of branch BJ07" "classified only"

# Approved and unpaid: the payment QR joins the tracking QR.
as ray
expect 0 "approve" -- "$RACTL" order approve "$REF"
as lily
expect 0 "receipt of an approved order" -- "$RACTL" --json print receipt --order "$REF" --width 58
contains '"printed":1' "printed"
wait_png "$T/vp/job-0002.png" && ok || bad "no second PNG"
GOT=$(qr "$T/vp/job-0002.png")
WANT=$(printf '%s\n' "RAK1:DEMO01:$REF" "RAKPAY1:DEMO01:$REF:$FEE" | sort)
[ "$GOT" = "$WANT" ] && ok || bad "QR payloads '$GOT', want '$WANT'"
expect 0 "scan after approval" -- "$RACTL" scan barcode "RAK1:DEMO01:$REF"
contains ": approved" "state approved"

expect 0 "pay" -- "$RACTL" order pay "$REF" --method alipay --amount "$YUAN"
expect 0 "receipt of a paid order" -- "$RACTL" print receipt --order "$REF"
wait_png "$T/vp/job-0003.png" && ok || bad "no third PNG"
[ "$(qr "$T/vp/job-0003.png")" = "RAK1:DEMO01:$REF" ] && ok || bad "paid: only the tracking QR"
grep -q '已支付 (支付宝)' "$T/vp/job-0003.txt" && ok || bad "paid state: $(cat "$T/vp/job-0003.txt")"

# The A4 form from the order's fields with forms.ini labels.
expect 0 "form" -- "$RACTL" print form --order "$REF" --out "$T/form.pdf"
FORM=$(pdftotext "$T/form.pdf" - | tr -d ' ')
for want in 数字证书业务申请表 "$REF" 证书新办 单位名称 北京示例科技有限公司 统一社会信用代码 \
    91350100M000100Y43 法定代表人姓名 张三 11010519491231002X 经办人 李四 it@example.com \
    自取 SB1100001; do
    case "$FORM" in *"$want"*) ok ;; *) bad "form lacks '$want'" ;; esac
done
pdf_renders "$T/form.pdf" 1 && ok || bad "the form does not render"

# The task-completion record exists once the order is delivered.
expect 7 "no record before delivery" -- "$RACTL" print record --order "$REF" --out "$T/rec.pdf"
contains "task-completion record" "says why"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/k.pem" \
    -out "$T/cert.pem" -subj "/CN=北京示例科技有限公司" -days 365 -utf8 2>/dev/null
expect 0 "issue" -- "$RACTL" order issue "$REF" --cert "$T/cert.pem" --key-serial 5500001
expect 0 "deliver" -- "$RACTL" order deliver "$REF" --method pickup
expect 0 "record" -- "$RACTL" print record --order "$REF" --out "$T/rec.pdf"
REC=$(pdftotext "$T/rec.pdf" - | tr -d ' ')
for want in 任务完成记录单 "$REF" 北京示例科技有限公司 5500001 李录入 芮审核 已交付; do
    case "$REC" in *"$want"*) ok ;; *) bad "record lacks '$want'" ;; esac
done
pdf_renders "$T/rec.pdf" 1 && ok || bad "the record does not render"

ACTIONS=$(sqlite3 "$RAKIOSK_DATA_DIR/rakiosk.db" \
    "SELECT action || ' ' || actor FROM audit WHERE action LIKE 'print.%' ORDER BY seq")
[ "$(echo "$ACTIONS" | grep -c '^print.receipt lily$')" = 3 ] && ok || bad "audit: $ACTIONS"
echo "$ACTIONS" | grep -q '^print.form lily$' && ok || bad "audit form: $ACTIONS"
echo "$ACTIONS" | grep -q '^print.record lily$' && ok || bad "audit record: $ACTIONS"
expect 0 "audit verify" -- "$RACTL" audit verify
finish
