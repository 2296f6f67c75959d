#!/bin/bash
# The desktop path: the gallery on SDL's x11 driver against a private Xvfb
# (started here on a free display, stopped at the end). The backend waits
# in poll(2) on the X connection there: the scripts must pass (keyboard,
# IME, dialogs, a rotated panel), and a static screen must sleep (a busy
# loop would burn the whole 3 s; the bound is generous, it is no benchmark).
set -euo pipefail
: "${UI_GALLERY:?}" "${RK_BUILD_DIR:?}" "${RK_SOURCE_DIR:?}"
work=$(mktemp -d "${TMPDIR:-/tmp}/rkui-x11.XXXXXX")
xpid=
cleanup() {
    [ -n "$xpid" ] && kill "$xpid" 2>/dev/null && wait "$xpid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
Xvfb -displayfd 3 -screen 0 1920x1080x24 -nolisten tcp 3>"$work/display" >"$work/xvfb.log" 2>&1 &
xpid=$!
for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.1; done
[ -s "$work/display" ] || { echo "Xvfb did not start"; cat "$work/xvfb.log"; exit 1; }
export DISPLAY=:$(cat "$work/display")
unset SDL_VIDEODRIVER
dir=$RK_SOURCE_DIR/tests/ui/scripts
status=0
play() {
    if "$UI_GALLERY" --driver x11 --fit-check "$@" >"$work/out" 2>&1; then
        echo "ok x11 $*"
    else
        echo "FAIL x11 $*"
        cat "$work/out"
        status=1
    fi
}
play --script "$dir/ime.txt"
play --script "$dir/dialogs.txt" --lang en
play --script "$dir/rotated.txt" --size 1080x1920 --rotation 90
# Idle: CPU ticks of a static screen over 3 s.
"$UI_GALLERY" --driver x11 --first-frame --idle 6 >"$work/idle" 2>&1 &
gpid=$!
for _ in $(seq 100); do grep -q first-frame "$work/idle" 2>/dev/null && break; sleep 0.1; done
sleep 1
a=$(awk '{print $14 + $15}' "/proc/$gpid/stat")
sleep 3
b=$(awk '{print $14 + $15}' "/proc/$gpid/stat")
wait "$gpid" || { echo "FAIL: idle gallery exited badly"; status=1; }
ticks=$((b - a))
hz=$(getconf CLK_TCK)
if [ $((ticks * 1000 / hz)) -gt 300 ]; then
    echo "FAIL x11 idle: $ticks ticks of CPU in 3 s: the wait is spinning"
    status=1
else
    echo "ok x11 idle: $ticks ticks of CPU in 3 s"
fi
exit $status
