#!/bin/bash
# The kiosk's own screens played on the offscreen driver: attract, home,
# the switches, call a clerk, back and start over, the idle countdown and
# wipe; in both languages, in large type and high contrast, with the
# text-fit check (every text fits its box, every target is big enough).
# Screenshots: build/tests/kiosk/shots/screens/<variant>/.
source "$(dirname "$0")/lib.bash"
out=$RK_BUILD_DIR/tests/kiosk/shots/screens
rm -rf "$out"
kiosk_init
for variant in "zh-CN" "en" "zh-CN --large" "en --large" "zh-CN --contrast"; do
    set -- $variant
    lang=$1
    shift
    dir=$out/$lang${1:-}
    play "$dir" home.txt --lang "$lang" "$@"
    case "$OUT" in *"5 screenshots"*) ok ;; *) bad "home.txt $variant: screenshots: $OUT" ;; esac
    play "$dir" idle.txt --lang "$lang" "$@"
done
play "$out/zh-CN" switches.txt
# Portrait, as a kiosk mounted upright shows it.
play "$out/portrait" home.txt --size 1080x1920
for f in attract home kind call-clerk home-large; do
    [ -s "$out/zh-CN/$f.png" ] && ok || bad "no screenshot $f"
done
# A script that expects what is not there fails the run.
printf 'app expect-screen home\n' >"$T/fail.txt"
if "$RAKIOSK" --no-voice --script "$T/fail.txt" >"$T/fail.log" 2>&1; then
    bad "a wrong expectation passed"
else
    grep -q "expected screen home, it is attract" "$T/fail.log" && ok || bad "$(cat "$T/fail.log")"
fi
# Bad options are refused with a message.
"$RAKIOSK" --size 12 >"$T/usage.log" 2>&1
[ $? = 2 ] && grep -q "expected WxH" "$T/usage.log" && ok || bad "--size 12: $(cat "$T/usage.log")"
finish
