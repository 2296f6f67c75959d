#!/bin/bash
# Every gallery screen in both languages, normal and large type, high
# contrast, portrait and a smaller display, with the text-fit check on: the
# tour must pass and leave one screenshot per screen. The screenshots stay
# in build/tests/ui/shots/<variant>/ to look at.
set -euo pipefail
: "${UI_GALLERY:?}" "${RK_BUILD_DIR:?}" "${RK_SOURCE_DIR:?}"
script=$RK_SOURCE_DIR/tests/ui/scripts/tour.txt
want=$(grep -c '^screenshot ' "$script")
status=0
run() {
    local name=$1
    shift
    local out=$RK_BUILD_DIR/tests/ui/shots/$name
    rm -rf "$out"
    mkdir -p "$out"
    if ! "$UI_GALLERY" --fit-check --script "$script" --shots "$out" "$@" >"$out/log.txt" 2>&1; then
        echo "FAIL $name"
        cat "$out/log.txt"
        status=1
        return
    fi
    local n
    n=$(ls "$out"/*.png | wc -l)
    if [ "$n" -ne "$want" ]; then
        echo "FAIL $name: $n screenshots, expected $want"
        status=1
        return
    fi
    for f in "$out"/*.png; do
        if [ "$(head -c 8 "$f" | xxd -p)" != "89504e470d0a1a0a" ]; then
            echo "FAIL $name: $f is not a PNG"
            status=1
        fi
    done
    echo "ok $name ($n screenshots)"
}
run zh
run en --lang en
run zh-large --large
run en-large --lang en --large
run zh-contrast --contrast
run en-contrast-large --lang en --contrast --large
run zh-portrait --size 1080x1920
run en-portrait --size 1080x1920 --lang en
run zh-1280x720 --size 1280x720
exit $status
