#!/bin/bash
# The kiosk cannot be left without a clerk (scripts/lockdown.txt): key
# combinations and the window's close button are ignored, the offline
# banner shows "never" synced, and only a clerk's login ends it, with exit
# code 10 (which rakiosk.service does not restart); the refused and the
# accepted login are in the audit log.
source "$(dirname "$0")/lib.bash"
out=$RK_BUILD_DIR/tests/kiosk/shots/lockdown
rm -rf "$out"
mkdir -p "$out"
kiosk_init
echo 'supervisor-pass' | "$RACTL" clerk add boss --name 王主管 --roles supervisor >"$T/clerk.log" 2>&1 ||
    bad "clerk add: $(cat "$T/clerk.log")"
"$RAKIOSK" --fit-check --no-voice --size 1920x1080 --script "$SCRIPTS/lockdown.txt" \
    --shots "$out" >"$out/log" 2>&1
rc=$?
[ "$rc" = 10 ] && ok || bad "exit code $rc, expected 10 (the clerk's exit): $(cat "$out/log")"
grep -q "FIT" "$out/log" && bad "text did not fit: $(grep FIT "$out/log")" || ok
[ -s "$out/clerk-exit-refused.png" ] && ok || bad "no screenshot of the refused login"
# The password never reaches the log or the screen's text.
grep -q "supervisor-pass\|wrong-password" "$out/log" && bad "a password in the log" || ok
finish
