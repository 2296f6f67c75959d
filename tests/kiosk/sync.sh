#!/bin/bash
# The running kiosk and HQ's sync: rakiosk stays up (offscreen, an event
# script) while rahq publishes a configuration bundle with a dearer
# individual certificate (150.00 instead of 100.00) and one more help
# entry, and rasync --once applies it; the next visit's fees screen quotes
# the new fee and its help lists the new entry, without a restart. Then HQ goes away: rasync's pass fails, and the running kiosk
# shows the offline banner with the time of the last pass that reached
# HQ, as rasync recorded it; online, a quiet line atop the screen says the
# same ("last synced at ..."). Screenshots under shots/sync.
source "$RK_SOURCE_DIR/tests/sync/sync-lib.bash"
: "${RAKIOSK:?}"
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy
out=$RK_BUILD_DIR/tests/kiosk/shots/sync
rm -rf "$out"
mkdir -p "$out"

hq_init
hq_start
branch_up DEMO01
sync_once DEMO01
same "$RC" 0 "the first pass: $OUT"
DB=$T/DEMO01/data/rakiosk.db

visit() { # the individual's new certificate up to the fees screen
    cat <<'VISIT'
tap attract.start
tap tile.new
tap kind.individual
text 11010519491231002X
key Return
text 李四
key Return
text 13800138000
key Return
text li.si@example.com
key Return
tap choice.ordinary
tap form.next
tap choice.pickup
tap form.next
tap form.next
tap form.next
tap doc.application_form.paper
tap doc.id_card.paper
tap documents.next
app expect-screen fees
VISIT
}
faq() { # help: N entries listed
    printf 'tap attract.start\nwait 100\ntap tile.faq\nwait 100\napp expect-screen faq\napp self-faq-hits %s\n' "$1"
}
away() { # the subscriber walks away: the idle wipe, back to attract
    printf 'app idle\nwait 1000\nwait 31000\napp expect-screen attract\n'
}
{
    echo "app expect-online yes"
    # Online, the banner says when the branch last synced, quietly.
    echo "tap attract.start"
    echo "wait 100"
    echo "expect banner.synced"
    echo "expect-no banner.offline"
    echo "screenshot banner-online"
    away
    faq 7
    away
    visit
    echo "app expect-fee-total 18000"
    echo "screenshot fees-before"
    away
    echo "app note ready-for-bundle"
    echo "app await $T/bundle-applied"
    visit
    echo "app expect-fee-total 23000"
    echo "screenshot fees-after"
    away
    faq 8
    echo "screenshot faq-after"
    away
    echo "app note ready-for-offline"
    echo "app await $T/hq-gone"
    echo "wait 1100"
    echo "wait 100"
    echo "app expect-online no"
    echo "tap attract.start"
    echo "wait 100"
    echo "expect banner.offline"
    echo "expect-no banner.synced"
    echo "screenshot banner-offline"
} >"$T/sync.txt"

log=$out/sync.log
as_branch DEMO01 "$RAKIOSK" --fit-check --no-voice --script "$T/sync.txt" --shots "$out" \
    >"$log" 2>&1 &
kiosk=$!
PIDS+=("$kiosk")
await_log() { # TEXT: until the kiosk's log has TEXT (60 s)
    for _ in $(seq 600); do
        grep -q "$1" "$log" && return 0
        kill -0 "$kiosk" 2>/dev/null || break
        sleep 0.1
    done
    bad "the kiosk never said '$1': $(cat "$log")"
    return 1
}

# 1. A bundle while the kiosk runs.
await_log "note: ready-for-bundle"
sed 's/^individual = 100.00/individual = 150.00/' "$RK_SOURCE_DIR/conf/fees.ini" >"$T/fees.ini"
grep -q '^individual = 150.00' "$T/fees.ini" || bad "the test's fees.ini"
cp "$RK_SOURCE_DIR/conf/knowledge.ini" "$T/knowledge.ini"
printf '\n[entry bundle-test]\ntitle_zh = 新的帮助条目\ntitle_en = A new help entry\nkeywords = 新条目, new entry\nanswer_zh = 这一条随配置包而来。\nanswer_en = This one came with the bundle.\n' >>"$T/knowledge.ini"
expect 0 "publish a bundle" -- hq_admin config publish --file fees.ini="$T/fees.ini" \
    --file knowledge.ini="$T/knowledge.ini"
sync_once DEMO01
same "$RC" 0 "the bundle's pass: $OUT"
contains "configuration bundle 1 in force" "the bundle installed"
touch "$T/bundle-applied"

# 2. HQ out of reach: the pass fails, the banner keeps the last good one.
await_log "note: ready-for-offline"
last_ok=$(sqlite3 "$DB" "SELECT value FROM meta WHERE key = 'sync.last_ok'")
hq_stop
sync_once DEMO01
[ "$RC" != 0 ] && ok || bad "a pass without HQ succeeded: $OUT"
touch "$T/hq-gone"
wait "$kiosk"
rc=$?
[ "$rc" = 0 ] && ok || bad "the kiosk's script: exit $rc: $(cat "$log")"
grep -q "bundle 1 taken up" "$log" && ok || bad "the kiosk did not say it took the bundle up"
when=$(date -d "@$last_ok" '+%Y-%m-%d %H:%M')
grep -q "kiosk: last synced $when, HQ reachable" "$log" && ok ||
    bad "the kiosk's last synced after the pass ($when): $(grep 'last synced' "$log")"
grep -q "kiosk: last synced $when, HQ out of reach" "$log" && ok ||
    bad "the offline banner's last synced ($when): $(grep 'last synced' "$log")"
for s in banner-online fees-before fees-after faq-after banner-offline; do
    [ -s "$out/$s.png" ] && ok || bad "no screenshot $s"
done
finish
