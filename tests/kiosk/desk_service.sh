#!/bin/bash
# The desk's after-sales services and the daily close on the offscreen
# driver (scripts/desk-service.txt), in zh-CN, English and large type,
# each with orders of its own: a clerk (issue and supervisor roles) logs in
# with their USB key, unlocks a subscriber's key from its unlock order
# (the PINs typed twice must agree), carries out a suspension, reprints a
# receipt, prints the application form and a delivered order's
# task-completion record; a second suspension of the same certificate is
# refused by the core and the screen says so; the day is closed with the outbox
# warning shown. Checked afterwards: the orders' states, the key's new
# PIN, the certificate suspended, the receipt at the virtual printer, the
# PDFs written with their text, the audit entries and the close in the
# outbox. A revocation, and (scripts/desk-resume.txt, desk-recover.txt) a
# resumption and a key recovery onto a new key too; a top-bar logout with
# an order loaded leaves nothing of it on the screen (desk-logout-wipe.txt).
# Screenshots: build/tests/kiosk/shots/desk_service/.
source "$(dirname "$0")/lib.bash"
source "$RK_SOURCE_DIR/tests/integration/enrol_lib.bash"
out=$RK_BUILD_DIR/tests/kiosk/shots/desk_service
rm -rf "$out"
DB=$RAKIOSK_DATA_DIR/rakiosk.db
q() { sqlite3 "$DB" "$1"; }
enrol_setup
VPRINTER=$RK_BUILD_DIR/tests/vprinter_main
mkdir -p "$T/printer"
"$VPRINTER" --dir "$T/printer" --port 0 --port-file "$T/printer.port" </dev/null >"$T/vp.log" 2>&1 &
vp=$!
trap 'kill $vp 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do [ -s "$T/printer.port" ] && break; sleep 0.1; done
export RAKIOSK_PRINTER=tcp://127.0.0.1:$(cat "$T/printer.port") RAKIOSK_PRINT_SPOOL=$T/spool

as boss
echo dorapass1 | "$RACTL" -q clerk add dora --name 朵柜员 --roles entry,issue,supervisor >/dev/null
as dora; echo dorapass1 | "$RACTL" -q clerk login dora >/dev/null
DKEY=$(new_key "Dora clerk")
as boss
echo $PIN | "$RACTL" -q clerk key-issue dora --key "$DKEY" >/dev/null || bad "key-issue"

WANG=(--field applicant_name=王小明 --field applicant_id=11010519491231002X
    --field applicant_mobile=13800138000 --field email=a@example.com
    --field invoice_type=ordinary --field delivery=pickup)
fee_of() { "$RACTL" --json order show "$1" | python3 -c 'import json,sys; f=json.load(sys.stdin)["fee_total"]; print("%d.%02d" % (f // 100, f % 100))'; }
# approved_paid REF: ray approves, lily takes the fee.
approved_paid() {
    as ray; "$RACTL" -q order approve "$1" >/dev/null || bad "approve $1"
    as lily
    local fee
    fee=$(fee_of "$1")
    [ "$fee" = 0.00 ] || "$RACTL" -q order pay "$1" --method cash --amount "$fee" || bad "pay $1"
}
# orders VARIANT: the orders of one run, as NAME=REF lines for the script.
orders() {
    local key cert serial ref
    key=$(echo 11111111 | "$RACTL" --json key init blank --label "Wang $1" --pin-stdin |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["serial"])')
    echo "KEY=$key"
    as lily
    ref=$("$RACTL" -q order new --business unlock --kind individual "${WANG[@]}" \
        --field key_serial="$key" --paper id_card --submit) || bad "unlock order"
    approved_paid "$ref"
    echo "UNLOCK=$ref"
    # A certificate of Wang's in the ledger, and its suspension order.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/w$1.key" \
        -subj "/CN=王小明" -utf8 -days 30 -out "$T/w$1.pem" 2>/dev/null
    as lily
    ref=$("$RACTL" -q order new --business new --kind individual "${WANG[@]}" \
        --paper application_form --paper id_card --submit) || bad "new order"
    approved_paid "$ref"
    as lily
    "$RACTL" -q order issue "$ref" --cert "$T/w$1.pem" --key-serial "$key" >/dev/null || bad "issue"
    "$RACTL" -q order deliver "$ref" --method pickup >/dev/null || bad "deliver"
    echo "DELIVERED=$ref"
    serial=$(openssl x509 -in "$T/w$1.pem" -noout -serial | cut -d= -f2)
    echo "CERT=$serial"
    ref=$("$RACTL" -q order new --business suspend --kind individual "${WANG[@]}" \
        --field cert_serial="$serial" --field reason=挂失 --paper application_form --paper id_card --submit) ||
        bad "suspend order"
    approved_paid "$ref"
    echo "SUSPEND=$ref"
    # Another certificate of Wang's, to revoke.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/v$1.key" \
        -subj "/CN=王小明" -utf8 -days 30 -out "$T/v$1.pem" 2>/dev/null
    as lily
    ref=$("$RACTL" -q order new --business new --kind individual "${WANG[@]}" \
        --paper application_form --paper id_card --submit) || bad "second new order"
    approved_paid "$ref"
    as lily
    # (on a key of its own: a revocation ends every certificate on its key)
    "$RACTL" -q order issue "$ref" --cert "$T/v$1.pem" --key-serial "55000000${#1}" >/dev/null ||
        bad "issue 2"
    serial=$(openssl x509 -in "$T/v$1.pem" -noout -serial | cut -d= -f2)
    echo "CERT2=$serial"
    ref=$("$RACTL" -q order new --business revoke --kind individual "${WANG[@]}" \
        --field cert_serial="$serial" --field reason=keyCompromise --paper application_form \
        --paper id_card --submit) || bad "revoke order"
    approved_paid "$ref"
    echo "REVOKE=$ref"
    serial=$(openssl x509 -in "$T/w$1.pem" -noout -serial | cut -d= -f2)
    # A second suspension of the same certificate, approved too: once the
    # first is carried out the core refuses it.
    as dora
    ref=$("$RACTL" -q order new --business suspend --kind individual "${WANG[@]}" \
        --field cert_serial="$serial" --field reason=挂失 --paper application_form --paper id_card --submit) ||
        bad "own order"
    as ray; "$RACTL" -q order approve "$ref" >/dev/null || bad "approve own"
    echo "OWN=$ref"
}
unset RAKIOSK_SESSION

for variant in "zh-CN" "en" "zh-CN --large"; do
    set -- $variant
    lang=$1
    shift
    name=$lang${1:-}
    orders "$name" >"$T/orders.$name"
    unset RAKIOSK_SESSION
    script=$T/desk-service.$name.txt
    cp "$SCRIPTS/desk-service.txt" "$script"
    while IFS== read -r k v; do sed -i "s/@$k@/$v/g" "$script"; done <"$T/orders.$name"
    . "$T/orders.$name"
    play "$out/$name" "$script" --lang "$lang" "$@"
    # Afterwards: what is true for the subscriber.
    [ "$(q "SELECT state FROM orders WHERE ref = '$UNLOCK'")" = issued ] && ok ||
        bad "$name: the unlock order is $(q "SELECT state FROM orders WHERE ref = '$UNLOCK'")"
    printf '87654321\n87654321\n' | "$RACTL" -q key passwd "$KEY" >/dev/null 2>&1 && ok ||
        bad "$name: the key does not take its new PIN"
    [ "$(q "SELECT state FROM orders WHERE ref = '$SUSPEND'")" = issued ] && ok ||
        bad "$name: the suspension is $(q "SELECT state FROM orders WHERE ref = '$SUSPEND'")"
    [ "$(q "SELECT status FROM certificate WHERE serial = '$CERT'")" = suspended ] && ok ||
        bad "$name: the certificate is $(q "SELECT status FROM certificate WHERE serial = '$CERT'")"
    [ "$(q "SELECT state FROM orders WHERE ref = '$REVOKE'")" = issued ] &&
        [ "$(q "SELECT status FROM certificate WHERE serial = '$CERT2'")" = revoked ] && ok ||
        bad "$name: the revocation: $(q "SELECT status FROM certificate WHERE serial = '$CERT2'")"
    [ "$(q "SELECT state FROM orders WHERE ref = '$OWN'")" = approved ] && ok ||
        bad "$name: the refused order changed"
    [ "$(q "SELECT count(*) FROM audit a JOIN orders o ON o.uuid = a.order_id WHERE o.ref = '$SUSPEND' AND a.action = 'print.receipt' AND a.actor = 'dora' AND a.detail LIKE 'receipt reprinted%'")" = 1 ] &&
        ok || bad "$name: the reprint is not audited"
    pdftotext "$RAKIOSK_DATA_DIR/print/$SUSPEND-form.pdf" - 2>/dev/null | grep -q "数字证书业务申请表" &&
        ok || bad "$name: no application form"
    pdftotext "$RAKIOSK_DATA_DIR/print/$DELIVERED-record.pdf" - 2>/dev/null | tr -d ' ' |
        grep -q "任务完成记录单" && ok || bad "$name: no task-completion record"
    [ "$(q "SELECT count(*) FROM audit a JOIN orders o ON o.uuid = a.order_id WHERE o.ref = '$DELIVERED' AND a.action = 'print.record' AND a.actor = 'dora'")" = 1 ] &&
        ok || bad "$name: the record's print is not audited"
    for f in service-unlock service-unlocked service-suspend service-suspended service-record service-refused \
        service-revoked close-open close-done; do
        [ -s "$out/$name/$f.png" ] || bad "$name: no screenshot $f"
    done
done
# The top bar's logout with an order loaded: nothing of it stays on the
# services screen, for this clerk or the next (scripts/desk-logout-wipe.txt).
as lily
WIPE=$("$RACTL" -q order new --business unlock --kind individual "${WANG[@]}" \
    --field key_serial="$KEY" --paper id_card --submit) || bad "the wipe's unlock order"
approved_paid "$WIPE"
unset RAKIOSK_SESSION
sed "s/@UNLOCK@/$WIPE/g" "$SCRIPTS/desk-logout-wipe.txt" >"$T/desk-logout-wipe.txt"
play "$out/logout-wipe" "$T/desk-logout-wipe.txt"
[ -s "$out/logout-wipe/service-after-logout.png" ] && ok || bad "no screenshot service-after-logout"
# The last run's suspended certificate resumed from its order.
as lily
RESUME=$("$RACTL" -q order new --business resume --kind individual "${WANG[@]}" \
    --field cert_serial="$CERT" --paper application_form --paper id_card --submit) ||
    bad "resume order"
approved_paid "$RESUME"
unset RAKIOSK_SESSION
sed "s/@RESUME@/$RESUME/g" "$SCRIPTS/desk-resume.txt" >"$T/desk-resume.txt"
play "$out/zh-CN" "$T/desk-resume.txt"
[ "$(q "SELECT state FROM orders WHERE ref = '$RESUME'")" = issued ] &&
    [ "$(q "SELECT status FROM certificate WHERE serial = '$CERT'")" = valid ] && ok ||
    bad "the resumption: $(q "SELECT status FROM certificate WHERE serial = '$CERT'")"
# A key recovery: Wang's key enrolled with both certificates (the
# encryption key escrowed), then recovered onto a new key at the desk.
RKEY=$(new_key "Wang enrolled")
as lily
ENREF=$(paid_order 王小明)
enrol_with "$ENREF" "$RKEY" >"$T/enrol.out" 2>&1 || bad "enrol: $(cat "$T/enrol.out")"
ENC=$(q "SELECT serial FROM certificate WHERE usage = 'enc' AND key_serial = '$RKEY'")
NEWKEY=$(new_key "Wang recovered")
as lily
RREF=$("$RACTL" -q order new --business recovery --kind individual "${WANG[@]}" \
    --field cert_serial="$ENC" --field key_serial="$RKEY" --paper application_form \
    --paper id_card --submit) || bad "recovery order"
# Approved with its authorisation code kept (enrol_lib's approve): the desk
# asks for it like for every certificate an order produces.
approve "$RREF"
as lily
fee=$(fee_of "$RREF")
[ "$fee" = 0.00 ] || "$RACTL" -q order pay "$RREF" --method cash --amount "$fee" || bad "pay $RREF"
[ -n "$(code_of "$RREF")" ] && ok || bad "the recovery order has no authorisation code"
unset RAKIOSK_SESSION
# No HQ here (no key came over the sync): the demo's recovery key on the
# USB stick opens the branch's own escrowed copy.
mkdir -p "$T/usb"
cp "$RAKIOSK_DATA_DIR/ca/demo-recovery.key" "$T/usb/recovery-key.pem"
sed "s/@RECOVER@/$RREF/g; s/@NEWKEY@/$NEWKEY/g; s/@CODE@/$(code_of "$RREF")/g" \
    "$SCRIPTS/desk-recover.txt" >"$T/desk-recover.txt"
play "$out/zh-CN" "$T/desk-recover.txt" --import-dir "$T/usb"
[ "$(q "SELECT state FROM orders WHERE ref = '$RREF'")" = issued ] &&
    [ "$(q "SELECT key_serial FROM certificate WHERE serial = '$ENC'")" = "$NEWKEY" ] && ok ||
    bad "the recovery: $(q "SELECT state FROM orders WHERE ref = '$RREF'"), on $(q "SELECT key_serial FROM certificate WHERE serial = '$ENC'")"
# The receipts reached the printer; the day was closed three times, by dora,
# each close in the outbox for HQ; its A4 close and workbook were written.
[ "$(ls "$T/printer"/*.png 2>/dev/null | wc -l)" -ge 3 ] && ok || bad "printed: $(ls "$T/printer")"
[ "$(q "SELECT count(*) FROM audit WHERE action = 'day.closed' AND actor = 'dora'")" = 3 ] && ok ||
    bad "the closes are not audited"
[ "$(q "SELECT count(*) FROM outbox WHERE kind = 'report.daily'")" = 3 ] && ok ||
    bad "the closes are not in the outbox"
day=$(date +%F)
pdftotext "$RAKIOSK_DATA_DIR/reports/daily-$day.pdf" - | tr -d ' ' | grep -q "日结人:朵柜员" && ok ||
    bad "the A4 close: $(pdftotext "$RAKIOSK_DATA_DIR/reports/daily-$day.pdf" - | head -20)"
[ -s "$RAKIOSK_DATA_DIR/reports/daily-$day.xlsx" ] && ok || bad "no workbook"
# Nothing of the subscriber's was left in a desk session.
[ "$(q "SELECT count(*) FROM clerk_session s JOIN clerk c ON c.id = s.clerk_id WHERE c.login = 'dora'")" -le 1 ] &&
    ok || bad "desk sessions left open"
"$RACTL" -q audit verify >/dev/null && ok || bad "the audit chain"
finish
