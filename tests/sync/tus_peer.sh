#!/usr/bin/env bash
# rasync's tus client against an outside tus 1.0 server: npm's @tus/server
# with @tus/file-store on Node (installed with npm into the build folder on
# first use). The archive files arrive byte for byte; a server killed in
# the middle of an upload and started again is asked for its offset (HEAD)
# and the upload resumes, sending again at most one chunk; since that server
# gives no receipt, nothing is deleted at the branch.
# If npm cannot fetch the packages this test cannot run: it says so loudly
# and exits 77 (ctest shows it as skipped, never as passed).
source "$(dirname "$0")/sync-lib.bash"

PEER=$RK_BUILD_DIR/tus-peer
if [ ! -d "$PEER/node_modules/@tus/file-store" ]; then
    mkdir -p "$PEER"
    if ! timeout 300 npm install --no-audit --no-fund --prefix "$PEER" \
        @tus/server@2.4.5 @tus/file-store@2.1.1 >"$T/npm.log" 2>&1; then
        cat >&2 <<EOF
****************************************************************************
*** sync_tus_peer: NOT RUN. npm could not install @tus/server and        ***
*** @tus/file-store (the npm registry is unreachable?):                  ***
$(tail -3 "$T/npm.log" | sed 's/^/***   /')
*** rasync was NOT tested against an outside tus server in this run.     ***
****************************************************************************
EOF
        exit 77
    fi
fi
cp "$RK_SOURCE_DIR/tests/sync/tus-peer.mjs" "$PEER/tus-peer.mjs"
node --version | grep -qE '^v(2[1-9]|20\.(19|[2-9][0-9]))' || die "@tus/server 2.4 needs Node >= 20.19: $(node --version)"

peer_start() { # [PORT]
    rm -f "$T/peer.port"
    node "$PEER/tus-peer.mjs" "$T/store" "$T/peer.port" "${1:-0}" >>"$T/peer.log" 2>&1 &
    PEER_PID=$!
    PIDS+=("$PEER_PID")
    wait_for "$T/peer.port" || die "the tus peer did not start: $(cat "$T/peer.log")"
    PEER_PORT=$(cat "$T/peer.port")
}
mkdir -p "$T/store"

hq_init
hq_start
branch_up DEMO01
sed -i 's/^\[sync\]$/[sync]\narchive_chunk = 262144\nbandwidth = 1500000\narchive_keep_days = 0/' \
    "$T/DEMO01/kiosk.conf"
head -c 3000000 /dev/urandom >"$T/a.pdf"
head -c 700001 /dev/urandom >"$T/b.pdf"
printf 'seventeen bytes!\n' >"$T/c.pdf"
for f in a b c; do
    expect 0 "queue $f" -- as_branch DEMO01 "$RACTL" sync queue "$T/$f.pdf" --kind form
done

peer_start
ENDPOINT=http://127.0.0.1:$PEER_PORT/files
# A first pass, cut: the server dies while the first file is under way.
as_branch DEMO01 "$RASYNC" --once --backoff-ms 50 --only archives --archive-url "$ENDPOINT" \
    --plain-http >"$T/pass1.log" 2>&1 &
SYNC_PID=$!
sleep 1
kill -9 "$PEER_PID"
wait "$PEER_PID" 2>/dev/null
wait "$SYNC_PID"
same "$?" 1 "the pass cut by the server's death fails"
grep -q "tus PATCH at" "$T/pass1.log" && ok || bad "the cut is logged: $(cat "$T/pass1.log")"
sent1=$(as_branch DEMO01 "$RACTL" --json sync status | json 'd["last"]["archive_bytes"]')
[ "$sent1" -gt 0 ] && [ "$sent1" -lt 3000000 ] && ok || bad "the cut came mid-file ($sent1 bytes)"

peer_start "$PEER_PORT"
sync_once DEMO01 --only archives --archive-url "$ENDPOINT" --plain-http
same "$RC" 0 "the pass after the server's restart: $OUT"
sent2=$(as_branch DEMO01 "$RACTL" --json sync status | json 'd["last"]["archive_bytes"]')
total=$((3000000 + 700001 + 17))
again=$((sent1 + sent2 - total))
echo "bytes sent: $sent1 + $sent2 for $total (again: $again, chunk 262144)"
[ "$again" -le 262144 ] && ok || bad "sent again $again bytes, more than one chunk"
for f in a b c; do
    id=$(grep -l "\"filename\":\"$f.pdf\"" "$T"/store/*.json 2>/dev/null | head -1)
    [ -n "$id" ] && cmp -s "$T/$f.pdf" "${id%.json}" && ok || bad "$f.pdf arrived whole at the peer"
done
same "$(sqlite3 "$T/DEMO01/data/rakiosk.db" "SELECT count(*) FROM sync_archive WHERE uploaded_at IS NOT NULL AND confirmed_at IS NULL")" \
    3 "uploaded, but not confirmed: the peer gives no receipt"
for f in a b c; do
    [ -f "$T/$f.pdf" ] && ok || bad "$f.pdf deleted without HQ's receipt"
done
sync_once DEMO01 --only archives --archive-url "$ENDPOINT" --plain-http
contains "0 archives sent" "uploaded files are not sent again"
finish
