#!/bin/bash
# tests/sync/update.sh: a system update fetched during the sync
# (docs/SYNC-PROTOCOL.md section 13), through the fault proxy against a real
# rahq. A signed RAUC bundle made by image/bundle is published with `rahq
# admin update publish`; the branch's nightly pass fetches it a range at a
# time. Checked:
#  - HQ's side: the announcement, ranges (206 and Content-Range, 416 past
#    the end, the whole file without Range), nothing but <sha256>.raucb
#    served, no client certificate no bundle;
#  - without [sync] update_install nothing is fetched;
#  - a pass cut after three ranges (the proxy resets two answers in the
#    middle, max_attempts 2) keeps the ranges it has; the next pass goes on
#    from there (update_resumed_from), retries a truncated answer, fetches
#    only the rest, checks the SHA-256 and hands the bundle to the
#    installer, which runs the real `rauc info` against the update
#    certificate (the install itself is tests/image/update-test's);
#  - a bundle installed is not fetched or installed again;
#  - a bundle whose bytes do not match the announced SHA-256 is refused and
#    never handed to the installer; an installer that fails keeps the
#    bundle, and the next pass installs it without fetching it again.
. "$(dirname "$0")/sync-lib.bash"
command -v rauc >/dev/null && command -v mksquashfs >/dev/null || die "rauc and squashfs-tools are needed (image/install-deps)"

hq_init
hq_start
branch_up U1

# ---- a signed bundle, as image/bundle makes it for a build ------------------------------
B=$T/build
mkdir -p "$B/keys" "$B/tree"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/O=rakiosk tests/CN=rakiosk update signing (test)" \
    -keyout "$B/keys/update.key.pem" -out "$B/keys/update.cert.pem" 2>/dev/null || die "update key"
head -c 2500000 /dev/urandom >"$B/tree/payload" # incompressible: the bundle is ~2.5 MB
mkfs.ext4 -q -F -d "$B/tree" "$B/rootfs.ext4" 8M 2>/dev/null || die "mkfs.ext4"
echo "0.1.0+test-1" >"$B/build-id"
expect 0 "image/bundle" -- "$RK_SOURCE_DIR/image/bundle" "$B"
BUNDLE=$B/rakiosk.raucb
SIZE=$(stat -c %s "$BUNDLE")
SHA=$(sha256sum "$BUNDLE" | cut -d' ' -f1)

expect 6 "update show before anything was published" -- hq_admin update show
expect 2 "publish without --version" -- hq_admin update publish "$BUNDLE"
expect 2 "a version a manifest cannot carry" -- hq_admin update publish "$BUNDLE" --version 'a b'
expect 0 "update publish" -- hq_admin update publish "$BUNDLE" --version 0.1.0+test-1
contains "sha256 $SHA" "publish prints the bundle's SHA-256"
expect 0 "update show --json" -- hq_admin update show --json
same "$(echo "$OUT" | json 'd["size"], d["url"], d["version"]')" \
    "($SIZE, '/v1/update/$SHA.raucb', '0.1.0+test-1')" "the announcement"

# ---- HQ's side, with curl ------------------------------------------------------------------
mkcert u1 U1 "URI:urn:rakiosk:branch:U1"
H=https://127.0.0.1:$HQ_PORT
OUT=$(hq_curl u1 "$H/v1/update")
same "$(echo "$OUT" | tail -1)" 200 "GET /v1/update"
same "$(echo "$OUT" | head -n -1 | json 'd["sha256"], d["protocol"]')" "('$SHA', 1)" "the announcement's body"
OUT=$(hq_curl u1 -D "$T/h1" -H 'Range: bytes=100-199' "$H/v1/update/$SHA.raucb" -o "$T/r1" | tail -1)
same "$OUT" 206 "a range"
same "$(tr -d '\r' <"$T/h1" | sed -n 's/^Content-Range: //ip')" "bytes 100-199/$SIZE" "its Content-Range"
same "$(cmp <(tail -c +101 "$BUNDLE" | head -c 100) "$T/r1" && echo same)" same "the range's bytes"
OUT=$(hq_curl u1 -D "$T/h2" -H "Range: bytes=$((SIZE - 10))-" "$H/v1/update/$SHA.raucb" -o "$T/r2" | tail -1)
same "$OUT $(stat -c %s "$T/r2")" "206 10" "an open range to the end"
OUT=$(hq_curl u1 -H "Range: bytes=$SIZE-" "$H/v1/update/$SHA.raucb" -o /dev/null | tail -1)
same "$OUT" 416 "a range past the end"
OUT=$(hq_curl u1 "$H/v1/update/$SHA.raucb" -o "$T/whole" | tail -1)
same "$OUT $(sha256sum <"$T/whole" | cut -d' ' -f1)" "200 $SHA" "the whole bundle without Range"
OUT=$(hq_curl u1 "$H/v1/update/latest.json" -o /dev/null | tail -1)
same "$OUT" 404 "only bundles are served from the updates folder"
OUT=$(hq_curl u1 --path-as-is "$H/v1/update/../hq.db" -o /dev/null | tail -1)
same "$OUT" 404 "no way out of the updates folder"
OUT=$(hq_curl - "$H/v1/update/$SHA.raucb" -o /dev/null | tail -1)
same "$OUT" 401 "no client certificate, no bundle"

# ---- the branch, through the fault proxy ---------------------------------------------------
proxy_start U1
via_proxy U1
sync_once U1 --json
same "$RC" 0 "a pass without update_install"
same "$(echo "$OUT" | grep '^{' | json 'd["last"]["update"], d["last"]["update_bytes"]')" "(0, 0)" \
    "nothing fetched without [sync] update_install"
[ ! -e "$T/U1/data/update" ] && ok || bad "an update folder without update_install"

# The installer: records its argument and checks the bundle with the real
# RAUC against the update certificate the terminal would trust.
cat >"$T/install.sh" <<EOF
#!/bin/sh
echo "\$1" >>"$T/installed.list"
cp "\$1" "$T/installed.raucb"
rauc info --keyring="$B/keys/update.cert.pem" "\$1" 2>&1 | grep -E 'Verified|Version' || exit 1
exit \${RK_INSTALL_FAIL:-0}
EOF
chmod +x "$T/install.sh"
CHUNK=262144
sync_set U1 update_install "$T/install.sh"
sync_set U1 update_chunk $CHUNK
sync_set U1 max_attempts 2
# Three ranges pass, then the answers to the fourth are cut twice: the pass
# gives up the update step with three ranges kept.
cat >"$T/faults.json" <<'EOF'
{"mode": "script", "steps": [
  {"match": "GET /v1/update/", "fault": "pass", "times": 3},
  {"match": "GET /v1/update/", "fault": "reset_reply", "times": 2}]}
EOF
sync_once U1 --json --only update
same "$RC" 1 "a pass whose update was cut fails"
same "$(echo "$OUT" | grep '^{' | json 'd["last"]["update"], d["last"]["update_bytes"]')" "(0, $((3 * CHUNK)))" \
    "three ranges fetched before the cut"
PART=$T/U1/data/update/$SHA.part
same "$(stat -c %s "$PART" 2>/dev/null)" $((3 * CHUNK)) "the part holds the three ranges"
same "$(cmp <(head -c $((3 * CHUNK)) "$BUNDLE") "$PART" && echo same)" same "the part's bytes are the bundle's"
[ ! -e "$T/installed.list" ] && ok || bad "a cut bundle was installed"
same "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("reset_reply", 0))' "$T/proxy.stats")" 2 \
    "the proxy cut two answers"

# The next night: a truncated answer (retried), then the rest.
echo '{"mode": "script", "steps": [{"match": "GET /v1/update/", "fault": "truncate"}]}' >"$T/faults.json"
sync_once U1 --json --only update
same "$RC" 0 "the next pass"
same "$(echo "$OUT" | grep '^{' | json 'd["last"]["update"], d["last"]["update_resumed_from"], d["last"]["update_bytes"]')" \
    "(1, $((3 * CHUNK)), $((SIZE - 3 * CHUNK)))" "resumed at the cut, fetched only the rest, installed"
contains "going on from byte $((3 * CHUNK)) of $SIZE" "the log says where it went on from"
contains "HQ answered garbage to GET /v1/update/$SHA.raucb" "the truncated answer was seen and retried"
contains "Verified inline signature" "the installer's RAUC verified the bundle's signature"
contains "update 0.1.0+test-1 installed" "the log says it was installed"
same "$(wc -l <"$T/installed.list")" 1 "the installer ran once"
same "$(sha256sum <"$T/installed.raucb" | cut -d' ' -f1)" "$SHA" "the installer got HQ's bundle, whole"
[ ! -e "$PART" ] && [ ! -e "$T/U1/data/update/$SHA.raucb" ] && ok || bad "the installed bundle's files stayed"

echo '{"mode": "off"}' >"$T/faults.json"
sync_once U1 --json --only update
same "$(echo "$OUT" | grep '^{' | json 'd["last"]["update"], d["last"]["update_bytes"]')" "(0, 0)" \
    "an installed bundle is not fetched again"
same "$(wc -l <"$T/installed.list")" 1 "nor installed again"

# ---- a bundle whose bytes are not the announced ones ---------------------------------------
head -c 300000 /dev/urandom >"$B/tree/payload"
rm -f "$B/rootfs.ext4"
mkfs.ext4 -q -F -d "$B/tree" "$B/rootfs.ext4" 8M 2>/dev/null
echo "0.1.0+test-2" >"$B/build-id"
expect 0 "a second bundle" -- "$RK_SOURCE_DIR/image/bundle" "$B"
expect 0 "publish it" -- hq_admin update publish "$BUNDLE" --version 0.1.0+test-2
SHA2=$(sha256sum "$BUNDLE" | cut -d' ' -f1)
cp "$HQ/updates/$SHA2.raucb" "$T/good2"
printf 'X' | dd of="$HQ/updates/$SHA2.raucb" bs=1 seek=1000 conv=notrunc status=none
sync_once U1 --json --only update
same "$(echo "$OUT" | grep '^{' | json 'd["last"]["update"]')" -1 "a bundle that does not match its SHA-256"
contains "update bundle 0.1.0+test-2 refused" "the refusal is logged"
same "$(wc -l <"$T/installed.list")" 1 "a mismatched bundle never reaches the installer"
[ ! -e "$T/U1/data/update/$SHA2.part" ] && ok || bad "the mismatched part stayed"
[ ! -e "$T/U1/data/update/$SHA.raucb" ] && ok || bad "the older announcement's file stayed"

# ---- an installer that fails keeps the bundle ----------------------------------------------
cp "$T/good2" "$HQ/updates/$SHA2.raucb"
export RK_INSTALL_FAIL=3
sync_once U1 --json --only update
unset RK_INSTALL_FAIL
same "$(echo "$OUT" | grep '^{' | json 'd["last"]["update"]')" -1 "an installer that fails"
contains "not installed, kept for the next pass" "its failure is logged"
contains "exited 3" "with its exit status"
[ -s "$T/U1/data/update/$SHA2.raucb" ] && ok || bad "the bundle was not kept"
sync_once U1 --json --only update
same "$(echo "$OUT" | grep '^{' | json 'd["last"]["update"], d["last"]["update_bytes"]')" "(1, 0)" \
    "installed on the next pass without fetching it again"
same "$(sha256sum <"$T/installed.raucb" | cut -d' ' -f1)" "$SHA2" "the second bundle was installed"

finish
