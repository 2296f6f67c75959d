#!/bin/bash
# Stroke input beside pinyin on the kiosk's on-screen keyboard, in the
# guided flow's form (the Rime cache compiled at build time, never at
# kiosk start): a name with a character typed by strokes, in zh-CN, en and
# large type with the text-fit check.
# Screenshots: build/tests/kiosk/shots/stroke/<variant>/.
source "$(dirname "$0")/lib.bash"
out=$RK_BUILD_DIR/tests/kiosk/shots/stroke
rm -rf "$out"
kiosk_init
play "$out/zh-CN" stroke.txt
play "$out/en" stroke.txt --lang en
play "$out/large" stroke.txt --large
for v in zh-CN en large; do
    for f in form-pinyin form-stroke form-after-stroke; do
        [ -s "$out/$v/$f.png" ] && ok || bad "no screenshot $v/$f"
    done
done
# The dictionaries are the build's: the kiosk compiled nothing at start.
if grep -q -i "deploy" "$out"/*/stroke.txt.log; then bad "Rime deployed at start"; else ok; fi
finish
