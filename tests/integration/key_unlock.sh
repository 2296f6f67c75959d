# An unlock runs from its order (issue 12 item 4), seen from three sides.
# The subscriber: after `ractl key unlock ORDER --key SERIAL` the key takes
# the new PIN and keeps its objects, and the order is complete. The clerk:
# an unpaid, unapproved or spent order, or an order of another business, is
# refused with what is missing, before any PIN is asked. The attacker: no
# session, no issue role, an order made for another key, and an order for
# one subscriber used on another subscriber's key are refused, and the
# key's PIN stays as it was. Every unlock is audited with its order.
. "$(dirname "$0")/lib.bash"
export RAKIOSK_TOKEN_MODULE="$RK_BUILD_DIR/app/p11lock/rkp11lock.so"
unset SOFTHSM2_CONF RK_P11LOCK_STATE_DIR RK_P11LOCK_MAX_TRIES RAKIOSK_NOW
DB=$RAKIOSK_DATA_DIR/rakiosk.db
as() { export RAKIOSK_SESSION=$T/session.$1; }
pin_is() { printf '%s\n%s\n' "$1" "$1" | "$RACTL" -q key passwd "$2" >/dev/null 2>&1; }

expect 0 "init" -- "$RACTL" init
SERIAL=$(echo 12345678 | "$RACTL" --json key init blank --label "Wang" --pin-stdin |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["serial"])')
OTHER=$(echo 12345678 | "$RACTL" --json key init blank --label "Zhang" --pin-stdin |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["serial"])')
export SOFTHSM2_CONF="$RAKIOSK_DATA_DIR/softkeys/softhsm2.conf"
as boss
echo bosspass1 | "$RACTL" -q clerk add boss --name 王主管 --roles supervisor,issue
echo bosspass1 | "$RACTL" -q clerk login boss
echo entrypass1 | "$RACTL" -q clerk add lily --name 李录入 --roles entry
echo reviewpass1 | "$RACTL" -q clerk add ray --name 芮审核 --roles review
as lily; echo entrypass1 | "$RACTL" -q clerk login lily
as ray; echo reviewpass1 | "$RACTL" -q clerk login ray

WANG=(--field applicant_name=王小明 --field applicant_id=11010519491231002X
    --field applicant_mobile=13800138000 --field email=a@example.com
    --field invoice_type=ordinary --field delivery=pickup)
ZHANG=(--field applicant_name=张三 --field applicant_id=110105195001010012
    --field applicant_mobile=13900139000 --field email=z@example.com
    --field invoice_type=ordinary --field delivery=pickup)
# unlock_order KEY FIELDS...: an unlock order entered by lily, submitted.
unlock_order() {
    local key=$1
    shift
    as lily
    "$RACTL" -q order new --business unlock --kind individual "$@" --field key_serial="$key" \
        --paper id_card --submit
}
fee_of() { "$RACTL" --json order show "$1" | python3 -c 'import json,sys; f=json.load(sys.stdin)["fee_total"]; print("%d.%02d" % (f // 100, f % 100))'; }

# Zhang's key holds Zhang's certificate in the branch's records.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/z.key" \
    -subj "/CN=张三" -utf8 -days 30 -out "$T/z.pem" 2>/dev/null
as lily
ZREF=$("$RACTL" -q order new --business new --kind individual "${ZHANG[@]}" \
    --paper application_form --paper id_card --submit) || bad "Zhang's order"
as ray; "$RACTL" -q order approve "$ZREF" >/dev/null || bad "approve Zhang's order"
as lily; "$RACTL" -q order pay "$ZREF" --method cash --amount "$(fee_of "$ZREF")" || bad "pay"
as boss; "$RACTL" -q order issue "$ZREF" --cert "$T/z.pem" --key-serial "$OTHER" || bad "issue"

REF=$(unlock_order "$SERIAL" "${WANG[@]}") || bad "Wang's unlock order"

# --- the clerk: refused with what is missing, before a PIN is asked ------
as boss
expect 2 "no order" -- "$RACTL" key unlock --key "$SERIAL"
contains "ORDER" "names what is missing"
expect 2 "no key" -- "$RACTL" key unlock "$REF"
expect 7 "not approved" -- "$RACTL" key unlock "$REF" --key "$SERIAL" </dev/null
contains "is submitted" "says the order's state"
contains "approved and paid" "says what it needs"
as ray; "$RACTL" -q order approve "$REF" >/dev/null || bad "approve"
as boss
expect 7 "not paid" -- "$RACTL" key unlock "$REF" --key "$SERIAL" </dev/null
contains "not paid yet" "says it is unpaid, not that no PIN was given"
expect 1 "an order of another business" -- "$RACTL" key unlock "$ZREF" --key "$OTHER" </dev/null
contains "not an unlock" "says so"
pin_is 12345678 "$SERIAL" || bad "a refusal changed the PIN"

# --- the attacker ---------------------------------------------------------
as lily; "$RACTL" -q order pay "$REF" --method cash --amount "$(fee_of "$REF")" || bad "pay"
as nobody
expect 5 "no session" -- "$RACTL" key unlock "$REF" --key "$SERIAL" </dev/null
as lily
expect 5 "no issue role" -- "$RACTL" key unlock "$REF" --key "$SERIAL" </dev/null
contains "issue role" "names the role"
as boss
expect 5 "the order is for another key" -- "$RACTL" key unlock "$REF" --key "$OTHER" </dev/null
contains "is for key $SERIAL" "names the order's key"
ZUNLOCK=$(unlock_order "$OTHER" "${WANG[@]}") || bad "an unlock order naming Zhang's key"
as ray; "$RACTL" -q order approve "$ZUNLOCK" >/dev/null || bad "approve"
as lily; "$RACTL" -q order pay "$ZUNLOCK" --method cash --amount "$(fee_of "$ZUNLOCK")" || bad "pay"
as boss
expect 5 "Wang's order on Zhang's key" -- "$RACTL" key unlock "$ZUNLOCK" --key "$OTHER" </dev/null
contains "another subscriber's certificates" "says whose key it is not"
pin_is 12345678 "$OTHER" || bad "the attack changed Zhang's PIN"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'key.unlock'")" = 0 ] && ok ||
    bad "a refused unlock was audited as an unlock"

# --- the subscriber: the key takes the new PIN; the order is complete ---------
as boss
expect 0 "unlock from the order" -- "$RACTL" key unlock "$REF" --key "$SERIAL" <<<"11223344"
contains "unlock order $REF is complete" "says the order is complete"
pin_is 11223344 "$SERIAL" && ok || bad "the key does not take the new PIN"
expect 0 "order state" -- "$RACTL" --json order show "$REF"
contains '"state":"issued"' "the order is complete"
UUID=$(sqlite3 "$DB" "SELECT uuid FROM orders WHERE ref = '$REF'")
[ "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'key.unlock' AND actor = 'boss' AND order_id = '$UUID'")" = 1 ] &&
    ok || bad "the unlock is not audited with its order"
expect 7 "the same order again" -- "$RACTL" key unlock "$REF" --key "$SERIAL" <<<"99887766"
contains "is issued" "says it is spent"
pin_is 11223344 "$SERIAL" && ok || bad "a spent order changed the PIN"
# Zhang's own unlock order works on Zhang's key.
ZOWN=$(unlock_order "$OTHER" "${ZHANG[@]}") || bad "Zhang's unlock order"
as ray; "$RACTL" -q order approve "$ZOWN" >/dev/null || bad "approve"
as lily; "$RACTL" -q order pay "$ZOWN" --method cash --amount "$(fee_of "$ZOWN")" || bad "pay"
as boss
expect 0 "Zhang's order on Zhang's key" -- "$RACTL" --json key unlock "$ZOWN" --key "$OTHER" <<<"24682468"
contains '"state":"issued"' "json reply"
pin_is 24682468 "$OTHER" && ok || bad "Zhang's key does not take the new PIN"
expect 0 "audit verify" -- "$RACTL" audit verify
finish
