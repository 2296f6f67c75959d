#!/bin/bash
# Scripted sessions against the gallery (the same player the kiosk's tests
# use): the keyboard and IME, the dialogs, switches, idle countdown, lists,
# zoom, and touch on a rotated, mirrored panel.
set -euo pipefail
: "${UI_GALLERY:?}" "${RK_BUILD_DIR:?}" "${RK_SOURCE_DIR:?}"
dir=$RK_SOURCE_DIR/tests/ui/scripts
out=$RK_BUILD_DIR/tests/ui/shots/scripted
rm -rf "$out"
mkdir -p "$out"
status=0
play() {
    local script=$1
    shift
    if "$UI_GALLERY" --fit-check --script "$dir/$script" --shots "$out" "$@" >"$out/$script.log" 2>&1; then
        echo "ok $script $*"
    else
        echo "FAIL $script $*"
        cat "$out/$script.log"
        status=1
    fi
}
play ime.txt
play ime.txt --lang en
play dialogs.txt
play dialogs.txt --lang en --large
# Portrait panels: the picture turned 90 and 270 degrees, and a touch panel
# glued mirrored: the scripted touches still land on their widgets.
play rotated.txt --size 1080x1920 --rotation 90
play rotated.txt --size 1080x1920 --rotation 270 --flip-x
play rotated.txt --size 1920x1080 --rotation 180 --touch-rotation 180 --flip-y
# A failing expectation fails the run.
printf 'expect no.such.widget\n' >"$out/fail.txt"
if "$UI_GALLERY" --script "$out/fail.txt" >/dev/null 2>&1; then
    echo "FAIL: a missing widget was not noticed"
    status=1
fi
exit $status
