#!/usr/bin/env bash
# The sync benchmark's runs (tests/bench/bench_sync.sh) at a small scale, as
# a test: a busy day of 50 orders and 5 archives under a bandwidth cap, then
# an archive cut in the middle of its second chunk. It checks what does not
# depend on the machine's speed: the script runs end to end (HQ holds every
# event and every archive confirmed, or it fails), prints every figure, the
# day sends nothing twice, and the cut costs at most one chunk sent again
# (rasync's count and the fault proxy's). Times are printed, never judged:
# the full day's figures are bench_sync's (`make bench`).
source "$(dirname "$0")/sync-lib.bash"
export BENCH_ORDERS=50 BENCH_ARCHIVES=5 BENCH_ARCHIVE_BYTES=1500000 BENCH_BPS=20000000
export BENCH_CUT_BYTES=3145728
OUT=$(bash "$RK_SOURCE_DIR/tests/bench/bench_sync.sh" 2>&1)
RC=$?
echo "$OUT" | grep '^figure '
same "$RC" 0 "the benchmark's runs: $OUT"
fig() { echo "$OUT" | sed -n "s/^figure $1 //p"; }
for f in events archives bytes bps day_seconds day_again cut_bytes cut_chunk cut_again cut_proxy_again; do
    [ -n "$(fig $f)" ] && ok || bad "no figure $f: $OUT"
done
[ "$(fig events)" -ge 150 ] 2>/dev/null && ok || bad "the day's events: $(fig events), not three per order or more"
same "$(fig day_again)" 0 "the day sent nothing twice"
python3 - "$(fig cut_again)" "$(fig cut_proxy_again)" "$(fig cut_chunk)" <<'PY' && ok || bad "the cut sent again $(fig cut_again) bytes (proxy: $(fig cut_proxy_again)), chunk $(fig cut_chunk)"
import sys
again, proxy, chunk = (float(x or -1) for x in sys.argv[1:])
sys.exit(0 if 0 <= again <= chunk and 0 <= proxy <= chunk else 1)
PY
finish
