#!/bin/bash
# The self-service corner played on the offscreen driver: help (the
# knowledge base by words and by code), the key self-check and the PIN
# change on a demo key (p11lock counts and locks like a real key), and
# the status query against a real order; in both languages and large
# type, with the text-fit check. What the screens did is checked on the
# branch afterwards: the new PIN opens the key, the old one no longer.
# Screenshots: build/tests/kiosk/shots/self/<variant>/.
source "$(dirname "$0")/lib.bash"
out=$RK_BUILD_DIR/tests/kiosk/shots/self
rm -rf "$out"
export RAKIOSK_TOKEN_MODULE=$RK_BUILD_DIR/app/p11lock/rkp11lock.so
unset SOFTHSM2_CONF RK_P11LOCK_STATE_DIR RK_P11LOCK_MAX_TRIES RK_P11LOCK_PULL_AT
kiosk_init

# An approved order in production, for the status query.
as() { export RAKIOSK_SESSION=$T/session.$1; }
as boss
echo bosspass1 | "$RACTL" -q clerk add boss --name 王主管 --roles supervisor >/dev/null
echo bosspass1 | "$RACTL" -q clerk login boss
echo entrypass1 | "$RACTL" -q clerk add lily --name 李录入 --roles entry,issue >/dev/null
echo reviewpass1 | "$RACTL" -q clerk add ray --name 芮审核 --roles review >/dev/null
as lily; echo entrypass1 | "$RACTL" -q clerk login lily
as ray; echo reviewpass1 | "$RACTL" -q clerk login ray
as lily
REF=$("$RACTL" -q order new --business new --kind individual --field applicant_name=王小明 \
    --field applicant_id=11010519491231002X --field applicant_mobile=13800138000 \
    --field email=a@example.com --field invoice_type=ordinary --field delivery=pickup \
    --paper application_form --paper id_card --submit) || bad "new order"
as ray; "$RACTL" -q order approve "$REF" >/dev/null || bad "approve"
unset RAKIOSK_SESSION
export RAKIOSK_SESSION=$T/session

for variant in "zh-CN" "en" "zh-CN --large" "en --large"; do
    set -- $variant
    lang=$1
    shift
    dir=$out/$lang${1:-}
    play "$dir" self_faq.txt --lang "$lang" "$@"
    play "$dir" self_query.txt --lang "$lang" "$@"
    play "$dir" self_nokey.txt --lang "$lang" "$@"
done

# The self-check and PIN change: a fresh key with 3 tries each time.
STATE=$RAKIOSK_DATA_DIR/softkeys/p11lock
n=0
for variant in "zh-CN" "en --large"; do
    set -- $variant
    lang=$1
    shift
    dir=$out/$lang${1:-}
    n=$((n + 1))
    SERIAL=$(echo 12345678 | "$RACTL" --json key init blank --label "Self $n" --pin-stdin |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["serial"])') || bad "key init"
    export SOFTHSM2_CONF=$RAKIOSK_DATA_DIR/softkeys/softhsm2.conf
    echo 3 >"$STATE/$SERIAL.max"
    # the previous variant's key out of the reader
    [ -n "${LAST:-}" ] && "$RACTL" -q key pull "$LAST"
    LAST=$SERIAL
    play "$dir" self_check.txt --lang "$lang" "$@"
    [ $n = 1 ] && play "$dir" self_tokens.txt --lang "$lang" "$@"
    # The new PIN is the key's now; the old one is refused.
    if printf '24681357\n13572468\n' | "$RACTL" -q key passwd "$SERIAL" >"$T/passwd.log" 2>&1; then
        ok
    else
        bad "the new PIN does not open the key: $(cat "$T/passwd.log")"
    fi
    if printf '12345678\n11223344\n' | "$RACTL" -q key passwd "$SERIAL" >"$T/passwd.log" 2>&1; then
        bad "the old PIN still opens the key"
    else
        ok
    fi
done
for f in faq faq-expired faq-article faq-none query-found query-none selfcheck-nokey; do
    [ -s "$out/zh-CN/$f.png" ] && ok || bad "no screenshot $f"
done
for f in selfcheck-nocert pin pin-wrong pin-final pin-final-confirm pin-changed; do
    [ -s "$out/zh-CN/$f.png" ] && ok || bad "no screenshot $f"
done
finish
