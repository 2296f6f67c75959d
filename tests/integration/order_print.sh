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
# The record names the certificate the order produced, in Chinese.
S1=$(openssl x509 -in "$T/cert.pem" -noout -serial | cut -d= -f2)
case "$REC" in *"$S1（签名）"*) ok ;; *) bad "record lacks the new certificate $S1: $REC" ;; esac
case "$REC" in *柜台领取*) ok ;; *) bad "record remark not in Chinese: $REC" ;; esac
case "$REC" in *"entered by"*|*"delivered by"*) bad "English in the record: $REC" ;; *) ok ;; esac
# order show lists the certificates the order produced.
expect 0 "show lists the certificate" -- "$RACTL" order show "$REF"
contains "certificates:" "a certificates section"
contains "$S1" "the produced serial"
SHOWN=$("$RACTL" --json order show "$REF" | python3 -c \
    'import json,sys; d=json.load(sys.stdin); print(d["certificates"][0]["serial"], d["certificates"][0]["usage"], d["certificates"][0]["key_serial"])')
[ "$SHOWN" = "$S1 sign 5500001" ] && ok || bad "order show --json certificates: $SHOWN"

# A lost key's reissue: its record shows the new certificate, not the
# revoked one it replaced; order show names both.
as lily
R2=$("$RACTL" -q order new --business reissue --kind organisation --field "cert_serial=$S1" \
    --field reason=丢失 --field enterprise_name=北京示例科技有限公司 --field uscc=91350100M000100Y43 \
    --field legal_rep_name=张三 --field legal_rep_id=11010519491231002X \
    --field legal_rep_mobile=13800138000 --field agent_name=李四 --field agent_id=110105491231002 \
    --field agent_mobile=13900139000 --field email=it@example.com --field invoice_type=ordinary \
    --field delivery=pickup --field ssn=SB1100001 --paper application_form --paper agent_id_card \
    --submit) && ok || bad "reissue order: $R2"
as ray; "$RACTL" -q order approve "$R2" >/dev/null || bad "approve reissue"
as lily
FEE2=$("$RACTL" --json order show "$R2" | sed -n 's/.*"fee_total":\([0-9]*\).*/\1/p')
[ "${FEE2:-0}" -gt 0 ] && "$RACTL" -q order pay "$R2" --method cash \
    --amount "$(printf '%d.%02d' $((FEE2 / 100)) $((FEE2 % 100)))"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/k2.pem" \
    -out "$T/cert2.pem" -subj "/CN=北京示例科技有限公司" -days 365 -utf8 2>/dev/null
S2=$(openssl x509 -in "$T/cert2.pem" -noout -serial | cut -d= -f2)
expect 0 "issue the reissue" -- "$RACTL" order issue "$R2" --cert "$T/cert2.pem" --key-serial 5500002
expect 0 "deliver the reissue" -- "$RACTL" order deliver "$R2" --method pickup
expect 0 "record of the reissue" -- "$RACTL" print record --order "$R2" --out "$T/rec2.pdf"
REC2=$(pdftotext "$T/rec2.pdf" - | tr -d ' ')
case "$REC2" in *"$S2（签名）"*) ok ;; *) bad "reissue record lacks the new $S2: $REC2" ;; esac
case "$REC2" in *"$S1"*) bad "reissue record shows the old, revoked $S1" ;; *) ok ;; esac
pdf_renders "$T/rec2.pdf" 1 && ok || bad "the reissue record does not render"
ACTS=$("$RACTL" --json order show "$R2" | python3 -c \
    'import json,sys; d=json.load(sys.stdin); print(d["acts_on"], d["certificates"][0]["serial"])')
[ "$ACTS" = "$S1 $S2" ] && ok || bad "reissue order show: $ACTS"

# An individual's record: the person's name and masked ID number, not a unit.
as lily
R3=$("$RACTL" -q order new --business new --kind individual --field applicant_name=赵六 \
    --field applicant_id=11010519491231002X --field applicant_mobile=13800138000 \
    --field email=a@example.com --field invoice_type=ordinary --field delivery=pickup \
    --paper application_form --paper id_card --submit) && ok || bad "individual order"
as ray; "$RACTL" -q order approve "$R3" >/dev/null || bad "approve individual"
as lily
FEE3=$("$RACTL" --json order show "$R3" | sed -n 's/.*"fee_total":\([0-9]*\).*/\1/p')
"$RACTL" -q order pay "$R3" --method cash --amount "$(printf '%d.%02d' $((FEE3 / 100)) $((FEE3 % 100)))"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/k3.pem" \
    -out "$T/cert3.pem" -subj "/CN=赵六" -days 365 -utf8 2>/dev/null
"$RACTL" -q order issue "$R3" --cert "$T/cert3.pem" --key-serial 5500003 || bad "issue individual"
"$RACTL" -q order deliver "$R3" --method pickup || bad "deliver individual"
expect 0 "record of an individual" -- "$RACTL" print record --order "$R3" --out "$T/rec3.pdf"
REC3=$(pdftotext "$T/rec3.pdf" - | tr -d ' ')
case "$REC3" in *申请人姓名*赵六*) ok ;; *) bad "individual record: $REC3" ;; esac
case "$REC3" in *单位名称*|*统一社会信用代码*) bad "an individual's record names a unit: $REC3" ;; *) ok ;; esac
case "$REC3" in *证件号码*) ok ;; *) bad "individual record lacks the ID row" ;; esac
case "$REC3" in *11010519491231002X*) bad "the ID number is not masked" ;; *) ok ;; esac
pdf_renders "$T/rec3.pdf" 1 && ok || bad "the individual's record does not render"

ACTIONS=$(sqlite3 "$RAKIOSK_DATA_DIR/rakiosk.db" \
    "SELECT action || ' ' || actor FROM audit WHERE action LIKE 'print.%' ORDER BY seq")
[ "$(echo "$ACTIONS" | grep -c '^print.receipt lily$')" = 3 ] && ok || bad "audit: $ACTIONS"
echo "$ACTIONS" | grep -q '^print.form lily$' && ok || bad "audit form: $ACTIONS"
echo "$ACTIONS" | grep -q '^print.record lily$' && ok || bad "audit record: $ACTIONS"
# A receipt written to a file is a copy like a printed one: audited, with
# the file named; without a login there is neither file nor entry.
RAKIOSK_SESSION=$T/nobody expect 5 "a receipt file needs a login" -- "$RACTL" print receipt \
    --order "$R3" --out "$T/nobody.bin"
[ -e "$T/nobody.bin" ] && bad "a receipt file was written without a login" || ok
expect 0 "receipt to a file" -- "$RACTL" print receipt --order "$R3" --out "$T/r3.bin"
[ -s "$T/r3.bin" ] && ok || bad "no receipt file"
[ "$(sqlite3 "$RAKIOSK_DATA_DIR/rakiosk.db" "SELECT count(*) FROM audit WHERE action = 'print.receipt' AND actor = 'lily' AND detail = 'receipt written to the file $T/r3.bin'")" = 1 ] \
    && ok || bad "the receipt file is not audited"
expect 8 "an unwritable receipt file" -- "$RACTL" print receipt --order "$R3" --out "$T/no/such/dir.bin"
[ "$(sqlite3 "$RAKIOSK_DATA_DIR/rakiosk.db" "SELECT count(*) FROM audit WHERE action = 'print.receipt' AND detail LIKE '%no/such%'")" = 0 ] \
    && ok || bad "a receipt never written is audited"
# A form of no such order into a file that exists leaves that file alone.
echo "not a form" >"$T/keep.pdf"
expect 6 "the form of no order" -- "$RACTL" print form --order NO-SUCH-ORDER --out "$T/keep.pdf"
[ "$(cat "$T/keep.pdf")" = "not a form" ] && ok || bad "a failed form removed or changed the file named"
expect 0 "audit verify" -- "$RACTL" audit verify
finish
