#!/bin/bash
# The identity step with an ID card on the reader: the simulator
# (tests/idsim_main) plays the reader on a pseudo-terminal with a card
# placed, the kiosk reads it through the branch's reader (RAKIOSK_IDREADER)
# on its job runner and fills the form (scripts/idcard.txt); without a
# reader the number is typed (the other scripts).
source "$(dirname "$0")/lib.bash"
out=$RK_BUILD_DIR/tests/kiosk/shots/idcard
rm -rf "$out"
kiosk_init
SIM=$RK_BUILD_DIR/tests/idsim_main
"$SIM" --link "$T/reader" --control "$T/ctl" >"$T/sim.out" 2>"$T/sim.err" &
sim=$!
for _ in $(seq 50); do [ -L "$T/reader" ] && break; sleep 0.1; done
[ -L "$T/reader" ] && ok || bad "the reader simulator did not start: $(cat "$T/sim.err")"
printf '%s\n' "card resident" "set name 张三" "set sex 1" "set nation 01" "set birth 19491231" \
    "set address 北京市朝阳区演示路1号" "set id 11010519491231002X" \
    "set authority 北京市公安局朝阳分局" "set from 20200101" "set until 20400101" "place" >"$T/ctl"
sleep 0.3
export RAKIOSK_IDREADER=$T/reader
play "$out" idcard.txt
kill "$sim" 2>/dev/null
wait "$sim" 2>/dev/null
finish
