#!/bin/bash
# The ID card reader end to end over a REAL pseudo-terminal: the simulator
# (tests/integration/idsim_main.c) plays the reader, `ractl scan id` reads
# through the tty transport. Covers: no card (timeout), a hand-built card's
# fields, a foreigner's card and a residence permit, garbage before frames,
# damaged checksums, slow replies, a reply later than the timeout, and card
# placed/read/removed events with --watch.
set -euo pipefail
: "${RACTL:?}" "${RK_BUILD_DIR:?}"
SIM="$RK_BUILD_DIR/tests/idsim_main"
tmp=$(mktemp -d)
simpid=""
cleanup() {
    [ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/sim.err" ] && cat "$tmp/sim.err" >&2; exit 1; }

"$SIM" --link "$tmp/reader" --control "$tmp/ctl" >"$tmp/sim.out" 2>"$tmp/sim.err" &
simpid=$!
for _ in $(seq 50); do [ -L "$tmp/reader" ] && break; sleep 0.1; done
[ -L "$tmp/reader" ] || fail "simulator did not start"
grep -q '^PTY /dev/pts/' "$tmp/sim.out" || fail "simulator did not print its pty"
sim() { printf '%s\n' "$@" >"$tmp/ctl"; sleep 0.05; }
scan() { "$RACTL" --json scan id --device "$tmp/reader" "$@"; }
has() { grep -qF -- "$2" <<<"$1" || fail "expected $2 in: $1"; }

# 1. No card: times out with the device exit code and a clear message.
set +e
out=$("$RACTL" scan id --device "$tmp/reader" --timeout 0.5 2>&1); rc=$?
set -e
[ "$rc" = 8 ] || fail "no card: exit $rc, expected 8"
has "$out" "no card within"

# 2. A hand-built resident card, long-term validity.
sim "card resident" "set name 欧阳娜娜" "set sex 2" "set nation 05" "set birth 20000615" \
    "set address 新疆维吾尔自治区乌鲁木齐市天山区解放南路88号" \
    "set id 650102200006150028" "set authority 乌鲁木齐市公安局天山分局" \
    "set from 20210101" "set until 长期" "place"
out=$(scan --timeout 5 --photo "$tmp/photo.wlt")
has "$out" '"name":"欧阳娜娜"'
has "$out" '"sex":"女"'
has "$out" '"nation":"维吾尔族"'
has "$out" '"address":"新疆维吾尔自治区乌鲁木齐市天山区解放南路88号"'
has "$out" '"id_number":"650102200006150028"'
has "$out" '"valid_until":"长期","long_term":true'
has "$out" '"photo_wlt_bytes":1024'
[ "$(stat -c %s "$tmp/photo.wlt")" = 1024 ] || fail "photo not saved whole"
[ "$(head -c 2 "$tmp/photo.wlt")" = "WL" ] || fail "photo bytes differ"

# 3. Garbage before every reply: resynchronised, same fields.
sim "fault garbage 4"
out=$(scan --timeout 5)
has "$out" '"name":"欧阳娜娜"'

# 4. Damaged checksums: retried.
sim "fault checksum 2"
out=$(scan --timeout 5)
has "$out" '"id_number":"650102200006150028"'

# 5. Slow replies within the timeout, and split replies.
sim "fault slow 300 3"
out=$(scan --timeout 5)
has "$out" '"name":"欧阳娜娜"'
sim "fault split 3"
out=$(scan --timeout 5)
has "$out" '"name":"欧阳娜娜"'

# 6. A reply later than the timeout: the late frame is drained, the retry works.
sim "fault slow 700 1"
out=$(scan --timeout 8 --cmd-timeout 400)
has "$out" '"name":"欧阳娜娜"'

# 7. A foreigner's permanent residence card and a HK/Macau/Taiwan permit.
sim "card foreign" "set name_en ZHANG, WEI MICHAEL" "set name 张伟" "set sex 1" \
    "set id CAN110088061501" "set nationality CAN" "set from 20190101" \
    "set until 20290101" "set birth 19880615" "set version 01" "set authority 1100" "place"
out=$(scan --timeout 5)
has "$out" '"type":"foreign_permanent_resident"'
has "$out" '"name_en":"ZHANG, WEI MICHAEL"'
has "$out" '"nationality":"CAN"'
sim "card gat" "set name 陈大文" "set sex 1" "set birth 19800101" \
    "set address 广东省深圳市福田区福华路1号" "set id 810000198001010019" \
    "set authority 深圳市公安局" "set from 20200101" "set until 20250101" \
    "set pass H01234567" "set count 03" "place"
out=$(scan --timeout 5)
has "$out" '"pass_number":"H01234567","issue_count":"03"'

# 8. --watch: placed, read, removed, with an error from a silent reader.
sim "remove" "fault silent 3"
"$RACTL" --json scan id --device "$tmp/reader" --watch --timeout 20 --cmd-timeout 200 \
    >"$tmp/events" 2>"$tmp/watch.err" &
watch=$!
waitfor() {
    for _ in $(seq 100); do grep -qF "$1" "$tmp/events" && return 0; sleep 0.1; done
    fail "no '$1' event; got: $(cat "$tmp/events")"
}
waitfor '"event":"error"'
sim "card demo" "place"
waitfor '"event":"read"'
sim "remove"
waitfor '"event":"removed"'
kill -INT "$watch"
wait "$watch" || fail "watch exited with $?"
events=$(grep -o '"event":"[a-z]*"' "$tmp/events" | cut -d'"' -f4 | tr '\n' ' ')
[ "$events" = "error placed read removed " ] || fail "events: $events"
has "$(cat "$tmp/events")" '"name":"张三"'

sim "quit"
wait "$simpid" || fail "simulator exit $?"
simpid=""
grep -q "answered" "$tmp/sim.err" || fail "simulator summary missing"
echo "idcard_pty: all checks passed ($(grep -o 'answered.*' "$tmp/sim.err"))"
