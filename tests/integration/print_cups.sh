# The CUPS path on this machine: our own cupsd (its own config, spool and
# logs in a temporary folder, on a free loopback port), a queue with the
# Generic PDF Printer PPD writing to a file: device, and a raw queue to the
# virtual receipt printer. ractl sends the A4 form and a receipt through
# them. Skips (exit 77) only when cupsd cannot be started at all.
source "$RK_SOURCE_DIR/tests/integration/print-lib.bash"
CUPSD=$(command -v cupsd || echo /usr/sbin/cupsd)
PPD=/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd
[ -x "$CUPSD" ] || { echo "SKIP: cupsd is not installed (package cups)"; exit 77; }
[ -f "$PPD" ] || { echo "SKIP: $PPD missing (package cups-filters)"; exit 77; }

C=$T/cups
mkdir -p "$C"/{spool,log,cache,state,out}
chmod 755 "$T" "$C"
chmod 1777 "$C/out" # the file: device is written by the lp user
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$C/cupsd.conf" <<CONF
Listen 127.0.0.1:$PORT
LogLevel warn
WebInterface No
Browsing Off
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  JobPrivateAccess default
  JobPrivateValues default
  SubscriptionPrivateAccess default
  SubscriptionPrivateValues default
  <Limit All>
    Order allow,deny
    Allow all
  </Limit>
</Policy>
CONF
cat >"$C/cups-files.conf" <<CONF
ServerRoot $C
RequestRoot $C/spool
CacheDir $C/cache
StateDir $C/state
TempDir $C/spool
ErrorLog $C/log/error_log
AccessLog $C/log/access_log
PageLog $C/log/page_log
FileDevice Yes
CONF
"$CUPSD" -f -c "$C/cupsd.conf" -s "$C/cups-files.conf" >"$C/cupsd.out" 2>&1 &
PIDS+=($!)
S=127.0.0.1:$PORT
up=0
for _ in $(seq 100); do lpstat -h "$S" -r >/dev/null 2>&1 && { up=1; break; }; sleep 0.1; done
if [ $up = 0 ]; then
    echo "SKIP: cupsd could not be started: $(cat "$C/cupsd.out" "$C/log/error_log" 2>/dev/null | tail -3)"
    exit 77
fi

# lpadmin with a few retries: a cupsd that already answers lpstat may still
# refuse a new queue for a moment while it starts (seen once in CI).
add_queue() {
    local i
    for i in $(seq 30); do
        lpadmin -h "$S" "$@" 2>"$C/lpadmin.err" && return 0
        sleep 0.2
    done
    return 1
}

# A4: PDF printer to a file. cups 2.4.2-3+deb12u10 (Debian 12's security
# update) opens a file: device with O_WRONLY|O_EXCL and no O_CREAT, so the
# job stops ("could not open the output file") unless the file exists and
# the lp user may write it: make it first, as a site with such a queue does.
: >"$C/out/a4.pdf"
chmod 666 "$C/out/a4.pdf"
add_queue -p a4 -E -v "file://$C/out/a4.pdf" -P "$PPD" || fail "lpadmin a4: $(cat "$C/lpadmin.err")"
"$RACTL" print form --sample --out "$T/form.pdf" --queue a4 --server "$S" >"$T/out" ||
    fail "print form to CUPS: $(cat "$T/out")"
grep -q 'sent to a4 (a4-' "$T/out" || fail "no CUPS job id: $(cat "$T/out")"
wait_for "$C/out/a4.pdf" 100 || fail "CUPS wrote no PDF: $(tail -5 "$C/log/error_log")"
# The file grows while the filter writes: wait until it is a whole PDF.
for _ in $(seq 100); do pdfinfo "$C/out/a4.pdf" >/dev/null 2>&1 && break; sleep 0.1; done
pdfinfo "$C/out/a4.pdf" | grep -q 'A4' || fail "not A4: $(pdfinfo "$C/out/a4.pdf" | grep 'Page size')"
pdftotext "$C/out/a4.pdf" - | grep -q 北京如意科技有限公司 || fail "the printed PDF lost the text"

# receipts: a raw queue to the virtual printer's socket
start_vprinter "$T/vp" 80
add_queue -p receipt -E -v "socket://127.0.0.1:$VP_PORT" || fail "lpadmin receipt: $(cat "$C/lpadmin.err")"
"$RACTL" -q print receipt --sample --printer "cups://receipt@$S" 2>/dev/null || fail "cups receipt"
wait_for "$T/vp/job-0001.png" 100 || fail "the raw queue delivered nothing: $(tail -5 "$C/log/error_log")"
cmp -s "$T/vp/job-0001.bin" "$(ls "$T/spool/archive"/*.escpos | head -1)" ||
    fail "the raw queue changed the bytes"
[ "$(qr_payloads "$T/vp/job-0001.png" | head -1)" = "RAK1:DEMO01:DEMO01-20240513-0042" ] ||
    fail "QR through CUPS"
echo "cups: ok"
