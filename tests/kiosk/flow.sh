#!/bin/bash
# The guided business flow against the real program: a new certificate
# for an individual end to end with the USB stick folder, the virtual
# receipt printer and the branch online (payment QR decoded from the
# screenshot and from the printed receipt), then offline with the printer
# away; the orders the kiosk took are checked in the ledger with ractl, as
# a clerk sees them (drafts from self-service, fields and documents).
source "$(dirname "$0")/lib.bash"
out=$RK_BUILD_DIR/tests/kiosk/shots/flow
rm -rf "$out"
kiosk_init
VPRINTER=$RK_BUILD_DIR/tests/vprinter_main
mkdir -p "$T/usb" "$T/printer"
cp "$RK_SOURCE_DIR/tests/data/images/ok.jpg" "$T/usb/form.jpg"
"$VPRINTER" --dir "$T/printer" --port 0 --port-file "$T/printer.port" </dev/null >"$T/vp.log" 2>&1 &
vp=$!
for _ in $(seq 100); do [ -s "$T/printer.port" ] && break; sleep 0.1; done
export RAKIOSK_PRINTER=tcp://127.0.0.1:$(cat "$T/printer.port") RAKIOSK_PRINT_SPOOL=$T/spool

play "$out/zh-CN" apply.txt --import-dir "$T/usb"
play "$out/en" apply.txt --import-dir "$T/usb" --lang en
play "$out/large" apply.txt --import-dir "$T/usb" --large

# The orders, as a clerk sees them.
echo 'supervisor-pass' | "$RACTL" clerk add boss --name 王主管 --roles supervisor,entry >/dev/null 2>&1
echo 'supervisor-pass' | "$RACTL" clerk login boss >/dev/null 2>&1 || bad "clerk login"
list=$("$RACTL" --json order list 2>&1)
n=$(printf '%s' "$list" | grep -o '"state":"draft"' | wc -l)
[ "$n" = 3 ] && ok || bad "three drafts expected: $list"
ref=$(printf '%s' "$list" | grep -o '"ref":"[0-9-]*"' | head -1 | cut -d'"' -f4)
show=$("$RACTL" order show "$ref" 2>&1)
case "$show" in *application_form*) ok ;; *) bad "the imported document: $show" ;; esac
case "$show" in *new*individual*|*individual*new*|*证书新办*) ok ;; *) bad "business and kind: $show" ;; esac
# The ID number is masked in what the clerk's list shows unrevealed.
case "$show" in *11010519491231002X*) bad "the ID number in clear: $show" ;; *) ok ;; esac

# The payment QR on screen carries the reference and the amount (180.00).
qr=$(zbarimg --raw -q "$out/zh-CN/pay.png" 2>/dev/null)
case "$qr" in RAKPAY1:DEMO01:*:18000) ok ;; *) bad "payment QR on screen: '$qr'" ;; esac
# The printer got the receipts, each with the tracking and payment QRs.
jobs=$(ls "$T/printer"/*.png 2>/dev/null | wc -l)
[ "$jobs" -ge 3 ] && ok || bad "printed receipts: $jobs ($(ls "$T/printer"))"
first=$(ls "$T/printer"/*.png | head -1)
codes=$(zbarimg --raw -q "$first" 2>/dev/null | sort | tr '\n' ' ')
case "$codes" in *RAK1:DEMO01:*RAKPAY1:DEMO01:*) ok ;; *) bad "receipt QRs: $codes" ;; esac

# Offline, with the printer away.
kill "$vp"
wait "$vp" 2>/dev/null
play "$out/offline" apply-offline.txt --import-dir "$T/usb"
pending=$(find "$T/spool" -name '*.escpos' -not -path '*/archive/*' | wc -l)
[ "$pending" -ge 1 ] && ok || bad "the held receipt is not in the spool: $(find "$T/spool")"
list=$("$RACTL" --json order list 2>&1)
n=$(printf '%s' "$list" | grep -o '"state":"draft"' | wc -l)
[ "$n" = 4 ] && ok || bad "four drafts expected: $list"

# The ratings: three 4s online and the 2 given before the offline
# subscriber walked away, each a survey of its order, in the audit log and
# the outbox for HQ, and in the week's figures a clerk reports.
DB=$RAKIOSK_DATA_DIR/rakiosk.db
[ "$(sqlite3 "$DB" "SELECT count(*) FROM survey WHERE order_id IS NOT NULL")" = 4 ] && ok ||
    bad "surveys: $(sqlite3 "$DB" "SELECT * FROM survey")"
[ "$(sqlite3 "$DB" "SELECT group_concat(score, ',') FROM (SELECT score FROM survey ORDER BY id)")" = 4,4,4,2 ] &&
    ok || bad "scores: $(sqlite3 "$DB" "SELECT score FROM survey")"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE kind = 'record.survey' AND json_extract(payload, '$.order') IS NOT NULL")" = 4 ] &&
    ok || bad "the ratings are not in the outbox"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'record.survey'")" = 4 ] && ok ||
    bad "the ratings are not audited"
stats=$("$RACTL" record survey stats 2>&1)
case "$stats" in *"4 surveys, average 3.50"*) ok ;; *) bad "survey stats: $stats" ;; esac
finish
