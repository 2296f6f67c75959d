#!/bin/bash
# The demo panel ([kiosk] demo = 1) against the real program and the real
# device doubles: the ID card simulator (tests/idsim_main, its control
# FIFO), the virtual printer's faults file (tests/vprinter_main --dir), a
# demo USB key behind p11lock, the network switch; what each switch did is
# checked on the double itself. With demo off the panel cannot be reached.
# Screenshots: build/tests/kiosk/shots/demo/<variant>/.
source "$(dirname "$0")/lib.bash"
out=$RK_BUILD_DIR/tests/kiosk/shots/demo
rm -rf "$out"
export RAKIOSK_TOKEN_MODULE=$RK_BUILD_DIR/app/p11lock/rkp11lock.so
unset SOFTHSM2_CONF RK_P11LOCK_STATE_DIR RK_P11LOCK_MAX_TRIES RK_P11LOCK_PULL_AT
kiosk_init

# A configuration of this test's own: the shipped files, with the panel's
# doubles here (demo) or the panel off (nodemo).
conf_with() { # conf_with DIR SED-EXPRESSION
    mkdir -p "$1"
    ln -sf "$RK_SOURCE_DIR"/conf/* "$1"/
    rm -f "$1/kiosk.conf"
    sed "$2" "$RK_SOURCE_DIR/conf/kiosk.conf" >"$1/kiosk.conf"
}
conf_with "$T/demo" "s|^demo_idsim = .*|demo_idsim = $T/ctl|; s|^demo_printer = .*|demo_printer = $T/printer|"
conf_with "$T/nodemo" "s|^demo = 1|demo = 0|"
grep -q '^demo = 1' "$T/demo/kiosk.conf" && grep -q '^demo = 0' "$T/nodemo/kiosk.conf" && ok ||
    bad "the shipped conf/kiosk.conf has no 'demo = 1'"

SIM=$RK_BUILD_DIR/tests/idsim_main
"$SIM" --link "$T/reader" --control "$T/ctl" >"$T/sim.out" 2>"$T/sim.err" &
sim=$!
mkdir -p "$T/printer"
for _ in $(seq 50); do [ -L "$T/reader" ] && [ -p "$T/ctl" ] && break; sleep 0.1; done
[ -L "$T/reader" ] && ok || bad "the reader simulator did not start: $(cat "$T/sim.err")"
export RAKIOSK_IDREADER=$T/reader
SERIAL=$(echo 12345678 | "$RACTL" --json key init blank --label "Demo key" --pin-stdin |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["serial"])') || bad "key init"
STATE=$RAKIOSK_DATA_DIR/softkeys/p11lock

RAKIOSK_CONF=$T/demo/kiosk.conf play "$out/zh-CN" demo.txt
[ "$(cat "$T/printer/faults" 2>/dev/null)" = paper-out ] && ok || bad "the printer's faults: $(cat "$T/printer/faults")"
grep -qx "$SERIAL" "$STATE/pulled" 2>/dev/null && ok || bad "the key is not pulled: $(cat "$STATE/pulled" 2>&1)"
RAKIOSK_CONF=$T/demo/kiosk.conf play "$out/en" demo-back.txt --lang en
[ "$(cat "$T/printer/faults")" = ok ] && ok || bad "the printer's faults: $(cat "$T/printer/faults")"
grep -qx "$SERIAL" "$STATE/pulled" 2>/dev/null && bad "the key is still pulled" || ok
RAKIOSK_CONF=$T/demo/kiosk.conf play "$out/large" demo.txt --large

RAKIOSK_CONF=$T/nodemo/kiosk.conf play "$out/off" demo-off.txt
# The installed configuration (image/packaging.cmake) has the panel off.
if [ -f "$RK_BUILD_DIR/pkg/kiosk.conf" ]; then
    grep -qx 'demo = 0' "$RK_BUILD_DIR/pkg/kiosk.conf" && ok || bad "the package's kiosk.conf turns the demo panel on"
fi

kill "$sim" 2>/dev/null
wait "$sim" 2>/dev/null
for f in zh-CN/demo zh-CN/demo-switched en/demo-back large/demo-switched off/attract-no-demo; do
    [ -s "$out/$f.png" ] && ok || bad "no screenshot $f"
done
finish
