# Paper out on the virtual printer: the receipt is held (exit 8, a clear
# message for the clerk), nothing is printed or lost, and after the paper is
# loaded `ractl printer flush` prints it. The same for a cover left open, and
# for a printer that is switched off (connection refused).
source "$RK_SOURCE_DIR/tests/integration/print-lib.bash"

start_vprinter "$T/vp" 80
P=tcp://127.0.0.1:$VP_PORT

echo paper-out >"$T/vp/faults"
set +e
"$RACTL" printer status --printer "$P" >"$T/status"
rc=$?
"$RACTL" print receipt --sample --printer "$P" 2>"$T/err"
rc2=$?
set -e
[ $rc = 1 ] || fail "status with paper out: exit $rc"
grep -q 'paper out' "$T/status" || fail "status: $(cat "$T/status")"
[ $rc2 = 8 ] || fail "print with paper out: exit $rc2, want 8"
grep -q 'held.*paper out (缺纸)' "$T/err" || fail "message: $(cat "$T/err")"
[ "$("$RACTL" printer pending | wc -l)" = 1 ] || fail "the job is not in the spool"
sleep 0.3
! ls "$T/vp"/job-* >/dev/null 2>&1 || fail "something printed while out of paper"

# a second receipt queues behind it; a cover open still holds both
echo cover-open >"$T/vp/faults"
set +e
"$RACTL" print receipt --from /dev/null --printer "$P" 2>/dev/null # refused: empty
"$RACTL" print receipt --sample --printer "$P" 2>"$T/err"
rc=$?
set -e
[ $rc = 8 ] && grep -q 'cover open' "$T/err" || fail "cover open: exit $rc: $(cat "$T/err")"
[ "$("$RACTL" printer pending | wc -l)" = 2 ] || fail "two jobs should wait"

# paper loaded, cover closed: both print, in order, nothing lost
echo ok >"$T/vp/faults"
"$RACTL" printer flush --printer "$P" >"$T/flush" || fail "flush: $(cat "$T/flush")"
grep -q '2 receipts printed, 0 waiting' "$T/flush" || fail "flush: $(cat "$T/flush")"
wait_for "$T/vp/job-0002.png" || fail "held jobs did not print"
for j in 1 2; do
    [ "$(qr_payloads "$T/vp/job-000$j.png" | head -1)" = "RAK1:DEMO01:DEMO01-20240513-0042" ] ||
        fail "job $j QR"
done
[ -z "$("$RACTL" printer pending)" ] || fail "spool not empty"
[ "$(ls "$T/spool/archive" | wc -l)" = 2 ] || fail "archive should hold 2 jobs"

# printer switched off: held, and prints once it is back
kill "${PIDS[0]}"
wait "${PIDS[0]}" 2>/dev/null || true
set +e
"$RACTL" print receipt --sample --printer "$P" --timeout 500 2>"$T/err"
rc=$?
set -e
[ $rc = 8 ] && grep -q 'held' "$T/err" || fail "printer off: exit $rc: $(cat "$T/err")"
"$VPRINTER" --dir "$T/vp" --port "$VP_PORT" </dev/null >"$T/vp2.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do "$RACTL" -q printer status --printer "$P" 2>/dev/null && break; sleep 0.1; done
"$RACTL" -q printer flush --printer "$P" || fail "flush after restart"
wait_for "$T/vp/job-0003.png" || fail "job held while the printer was off did not print"
echo "paper out: ok"
