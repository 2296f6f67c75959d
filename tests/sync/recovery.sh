#!/usr/bin/env bash
# Key recovery through HQ, end to end (docs/SYNC-PROTOCOL.md section 5,
# `key.recovered`; sync/hq/recovery.h):
# - a dual-certificate enrolment at DEMO01 escrows the encryption key to
#   HQ's recovery certificate and pushes it (`key.escrowed`);
# - `rahq admin recover-key` opens it with HQ's recovery key and wraps it
#   again to DEMO01's device certificate, for DEMO01 alone; it refuses an
#   order that is not a key recovery, another subscriber's certificate, a
#   certificate another branch escrowed, another branch's order, and a
#   revoked device certificate;
# - DEMO01 pulls it and keeps it; DEMO02 gets nothing; forged key.recovered
#   changes (garbage base64, not CMS, wrapped to another certificate) are
#   refused with a log line and nothing kept;
# - `ractl key recover` (no --recovery-key) opens it with the device key in
#   the HSM and writes the same key onto the new USB key, from the order's
#   authorisation code; no login and the wrong role are refused.
source "$(dirname "$0")/sync-lib.bash"
export RAKIOSK_TOKEN_MODULE=$RAKIOSK_HSM_MODULE
PIN=12345678
M=$RAKIOSK_HSM_MODULE
WANG=(--field applicant_name=王小明 --field applicant_id=11010519491231002X
    --field applicant_mobile=13800138000 --field email=a@example.com
    --field invoice_type=ordinary --field delivery=pickup)
LI=(--field applicant_name=李四 --field applicant_id=110105198001010032
    --field applicant_mobile=13800138001 --field email=b@example.com
    --field invoice_type=ordinary --field delivery=pickup)

# on ID CLERK CMD...: CMD as CLERK at branch ID.
on() {
    local id=$1 who=$2
    shift 2
    RAKIOSK_CONF="$T/$id/kiosk.conf" RAKIOSK_SESSION="$T/$id/session.$who" \
        SOFTHSM2_CONF="$T/$id/data/softkeys/softhsm2.conf" "$@"
}
clerks() {
    local id=$1
    echo supervisor-pass | on "$id" boss "$RACTL" -q clerk login boss >/dev/null || die "boss $id"
    echo lilypass1 | on "$id" boss "$RACTL" -q clerk add lily --name 李录入 --roles entry,issue \
        >/dev/null || die "lily $id"
    echo raypass11 | on "$id" boss "$RACTL" -q clerk add ray --name 芮审核 --roles review \
        >/dev/null || die "ray $id"
    echo lilypass1 | on "$id" lily "$RACTL" -q clerk login lily >/dev/null || die "login lily"
    echo raypass11 | on "$id" ray "$RACTL" -q clerk login ray >/dev/null || die "login ray"
}
new_key() { # ID LABEL
    echo $PIN | on "$1" lily "$RACTL" --json key init blank --label "$2" --pin-stdin |
        json 'd["serial"]'
}
# order ID BUSINESS FIELDS...: a submitted order, approved by ray (its code
# kept in $T/ID.code.REF) and paid; prints its reference.
order() {
    local id=$1 business=$2 ref fee
    shift 2
    ref=$(on "$id" lily "$RACTL" -q order new --business "$business" --kind individual "$@" \
        --paper application_form --paper id_card --submit) || die "order $business at $id"
    on "$id" ray "$RACTL" --json order approve "$ref" | json 'd.get("authcode", "")' \
        >"$T/$id.code.$ref" || die "approve $ref"
    fee=$(on "$id" lily "$RACTL" --json order show "$ref" |
        json '"%d.%02d" % (d["fee_total"] // 100, d["fee_total"] % 100)')
    [ "$fee" = 0.00 ] || on "$id" lily "$RACTL" -q order pay "$ref" --method cash --amount "$fee" ||
        die "pay $ref"
    echo "$ref"
}
code() { cat "$T/$1.code.$2"; }

hq_init
hq_start
[ -s "$HQ/ca/recovery.pem" ] && [ -s "$HQ/ca/recovery.key" ] && ok || bad "rahq init made no recovery pair"
for b in DEMO01 DEMO02; do
    branch_up "$b"
    # HQ's recovery certificate at the branch: escrowed keys are wrapped to it.
    cp "$HQ/ca/recovery.pem" "$T/$b/data/ca/recovery.pem"
    clerks "$b"
done
db1=$T/DEMO01/data/rakiosk.db
db2=$T/DEMO02/data/rakiosk.db
q1() { sqlite3 "$db1" "$1"; }

# 1. Wang's dual certificates at DEMO01; the escrow goes to HQ with the order.
K1=$(new_key DEMO01 "Wang first")
NEW=$(order DEMO01 new "${WANG[@]}")
printf '%s\n%s\n' "$(code DEMO01 "$NEW")" $PIN | on DEMO01 lily "$RACTL" -q key enrol "$NEW" \
    --key "$K1" >"$T/enrol.out" 2>&1 || die "enrol: $(cat "$T/enrol.out")"
ENC=$(q1 "SELECT serial FROM certificate WHERE usage = 'enc' AND key_serial = '$K1'")
[ -n "$ENC" ] || die "no encryption certificate"
same "$(q1 "SELECT count(*) FROM outbox WHERE kind = 'key.escrowed' AND entity_id = '$ENC'")" 1 \
    "the escrow is in the outbox"
q1 "SELECT payload FROM outbox WHERE kind = 'key.escrowed'" >"$T/escrow.json"
same "$(json 'sorted(d)' <"$T/escrow.json")" "['holder', 'order', 'recovery_fp', 'serial', 'wrapped']" \
    "the escrow event's fields"
lacks_file() { grep -q "$1" "$2" && bad "$3" || ok; }
lacks_file 11010519491231002X "$T/escrow.json" "the escrow event carries the ID number"
RREF=$(order DEMO01 recovery "${WANG[@]}" --field cert_serial="$ENC" --field key_serial="$K1")
RREF2=$(order DEMO01 recovery "${WANG[@]}" --field cert_serial="$ENC" --field key_serial="$K1")
OTHER=$(order DEMO01 recovery "${LI[@]}" --field cert_serial="$ENC" --field key_serial="$K1")
NOTREC=$(order DEMO01 new "${WANG[@]}")
# DEMO02 cannot even take a recovery order for DEMO01's certificate (its
# ledger does not hold it); a compromised DEMO02 pushes one all the same:
# its own recovery order, rewritten at HQ to name DEMO01's certificate.
expect 6 "DEMO02 refuses a recovery of a certificate it does not hold" -- on DEMO02 lily \
    "$RACTL" -q order new --business recovery --kind individual "${WANG[@]}" \
    --field cert_serial="$ENC" --field key_serial="$K1" --paper application_form --paper id_card \
    --submit
contains "no certificate with serial $ENC in this branch's records" "says why"
K3=$(new_key DEMO02 "Wang at DEMO02")
NEW2=$(order DEMO02 new "${WANG[@]}")
printf '%s\n%s\n' "$(code DEMO02 "$NEW2")" $PIN | on DEMO02 lily "$RACTL" -q key enrol "$NEW2" \
    --key "$K3" >"$T/enrol2.out" 2>&1 || die "enrol at DEMO02: $(cat "$T/enrol2.out")"
ENC2=$(sqlite3 "$db2" "SELECT serial FROM certificate WHERE usage = 'enc' AND key_serial = '$K3'")
R2=$(order DEMO02 recovery "${WANG[@]}" --field cert_serial="$ENC2" --field key_serial="$K3")
sync_once DEMO01
same "$RC" 0 "DEMO01 pushes: $OUT"
sync_once DEMO02
same "$RC" 0 "DEMO02 pushes: $OUT"
U_R2=$(sqlite3 "$db2" "SELECT uuid FROM orders WHERE ref = '$R2'")
hq_sql "UPDATE event SET payload = replace(payload, '$ENC2', '$ENC') WHERE branch = 'DEMO02' AND entity_id = '$U_R2'"

# 2. HQ releases the key, and refuses what it must.
expect 7 "not a key recovery" -- hq_admin recover-key --branch DEMO01 --order "$NOTREC"
contains "not a key recovery" "says why"
expect 7 "another subscriber's certificate" -- hq_admin recover-key --branch DEMO01 --order "$OTHER"
contains "belongs to another subscriber" "says why"
# (References are per branch: DEMO01's order by its UUID.)
expect 6 "DEMO01's order named as DEMO02's" -- hq_admin recover-key --branch DEMO02 \
    --order "$(q1 "SELECT uuid FROM orders WHERE ref = '$RREF'")"
expect 7 "escrowed by another branch" -- hq_admin recover-key --branch DEMO02 --order "$R2"
contains "escrowed by branch DEMO01" "says why"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/wrong.key" 2>/dev/null
expect 1 "a wrong recovery key" -- hq_admin recover-key --branch DEMO01 --order "$RREF" \
    --recovery-key "$T/wrong.key"
contains "recovery key does not open" "says why"
same "$(hq_sql "SELECT count(*) FROM change WHERE kind = 'key.recovered'")" 0 \
    "nothing went into the feed for a refusal"

# 3. Forged changes for RREF2 at DEMO01 (as a broken or hostile HQ might
# send them): refused with a line each, nothing kept.
U2=$(q1 "SELECT uuid FROM orders WHERE ref = '$RREF2'")
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=someone-else \
    -keyout "$T/else.key" -out "$T/else.pem" -days 2 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/some.key" 2>/dev/null
openssl cms -encrypt -binary -aes256 -outform DER -in "$T/some.key" -out "$T/else.der" "$T/else.pem"
forge() { hq_sql "INSERT INTO change(branch, kind, payload, at) VALUES ('DEMO01', 'key.recovered', '{\"order\":\"$U2\",\"serial\":\"$ENC\",\"wrapped\":\"$1\"}', 0)"; }
forge '%%%not-base64%%%'
forge "$(printf 'garbage, not CMS' | base64 -w0)"
forge "$(base64 -w0 <"$T/else.der")"
sync_once DEMO01
same "$RC" 0 "pass with forged changes: $OUT"
contains "the key is not base64; nothing kept" "garbage base64 logged"
contains "the key is not a CMS EnvelopedData; nothing kept" "garbage CMS logged"
contains "not wrapped to this branch's device certificate; nothing kept" "foreign wrap logged"
same "$(q1 "SELECT count(*) FROM sync_recovered_key")" 0 "nothing kept from forged changes"
hq_sql "DELETE FROM change WHERE kind = 'key.recovered'"

# 4. HQ releases the key to DEMO01 alone, wrapped to its device certificate.
expect 0 "recover-key" -- hq_admin recover-key --branch DEMO01 --order "$RREF"
contains "released to DEMO01 for order $RREF" "says released"
DEV1=$(openssl x509 -in "$T/DEMO01/data/sync/device.pem" -noout -serial | cut -d= -f2 |
    tr A-F a-f | sed 's/^0*//')
contains "device certificate $DEV1" "names DEMO01's device certificate"
expect 0 "recover-key for the second order" -- hq_admin recover-key --branch DEMO01 --order "$RREF2"
same "$(hq_sql "SELECT count(*) FROM change WHERE kind = 'key.recovered' AND branch = 'DEMO01'")" 2 \
    "two key.recovered changes, for DEMO01 alone"
hq_sql "SELECT payload FROM change WHERE kind = 'key.recovered' LIMIT 1" |
    json 'd["wrapped"]' | base64 -d >"$T/hq-wrapped.der"
openssl cms -cmsout -print -inform DER -in "$T/hq-wrapped.der" >"$T/hq-wrapped.txt" 2>&1
grep -q "kari" "$T/hq-wrapped.txt" && ok || bad "not EC key agreement: $(head -20 "$T/hq-wrapped.txt")"
grep -q "dhSinglePass-stdDH-sha256kdf-scheme" "$T/hq-wrapped.txt" && ok ||
    bad "not the SHA-256 KDF: $(grep -i kdf "$T/hq-wrapped.txt")"
sync_once DEMO01
same "$RC" 0 "DEMO01 pulls: $OUT"
contains "recovered key of certificate $ENC kept for order $RREF" "logged kept"
same "$(q1 "SELECT count(*) FROM sync_recovered_key")" 2 "DEMO01 keeps both"
sync_once DEMO02
same "$RC" 0 "DEMO02 pulls: $OUT"
same "$(sqlite3 "$db2" "SELECT count(*) FROM sync_recovered_key")" 0 "DEMO02 gets nothing"
# DEMO02's own certificate opens nothing of DEMO01's: its feed never had it,
# and the blob is not wrapped to it.
openssl cms -cmsout -print -inform DER -in "$T/hq-wrapped.der" | grep -A3 "issuerAndSerialNumber" |
    grep -qi "serialNumber: *0x$(openssl x509 -in "$T/DEMO02/data/sync/device.pem" -noout -serial |
        cut -d= -f2)" && bad "wrapped to DEMO02 too" || ok

# 5. The key recovery at DEMO01: no login, the wrong role, the wrong code
# refused; then the key from HQ, opened in the HSM, onto a new USB key.
K2=$(new_key DEMO01 "Wang recovered")
RCODE=$(code DEMO01 "$RREF")
expect 5 "no login" -- sh -c "printf '%s\n%s\n' $RCODE $PIN | RAKIOSK_CONF='$T/DEMO01/kiosk.conf' \
    RAKIOSK_SESSION='$T/DEMO01/session.nobody' '$RACTL' key recover $RREF --key $K2"
contains "no clerk is logged in" "says so"
expect 5 "the review role" -- sh -c "printf '%s\n%s\n' $RCODE $PIN | RAKIOSK_CONF='$T/DEMO01/kiosk.conf' \
    RAKIOSK_SESSION='$T/DEMO01/session.ray' '$RACTL' key recover $RREF --key $K2"
contains "does not hold the issue role" "says so"
expect 5 "a wrong code" -- sh -c "printf 'AAAA-BBBB-CCCC-DDDD\n%s\n' $PIN | RAKIOSK_CONF='$T/DEMO01/kiosk.conf' \
    RAKIOSK_SESSION='$T/DEMO01/session.lily' '$RACTL' key recover $RREF --key $K2"
contains "not the authorisation code of order $RREF" "says the code is wrong"
same "$(q1 "SELECT state FROM orders WHERE ref = '$RREF'")" paid "nothing happened to the order"
expect 0 "key recover from HQ's key" -- sh -c "printf '%s\n%s\n' $RCODE $PIN | RAKIOSK_CONF='$T/DEMO01/kiosk.conf' \
    RAKIOSK_SESSION='$T/DEMO01/session.lily' SOFTHSM2_CONF='$T/DEMO01/data/softkeys/softhsm2.conf' \
    '$RACTL' key recover $RREF --key $K2"
contains "recovered onto key $K2 (key from HQ)" "says it came from HQ"
same "$(q1 "SELECT state FROM orders WHERE ref = '$RREF'")" issued "the recovery order is issued"
same "$(q1 "SELECT key_serial FROM certificate WHERE serial = '$ENC'")" "$K2" "the ledger moves the certificate"
# The certificate's public key is the key's on the new token.
export SOFTHSM2_CONF=$T/DEMO01/data/softkeys/softhsm2.conf
pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label "Wang recovered" --login --pin $PIN \
    --list-objects >"$T/objects" 2>/dev/null
PID=$(grep -A4 "Public Key Object" "$T/objects" | grep -E '^\s+ID:' | head -1 | awk '{print $2}')
pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label "Wang recovered" --read-object \
    --type pubkey --id "$PID" -o "$T/token-pub.der" 2>/dev/null
openssl pkey -pubin -inform DER -in "$T/token-pub.der" -outform PEM -out "$T/token-pub.pem" 2>/dev/null
q1 "SELECT hex(der) FROM certificate WHERE serial = '$ENC'" | xxd -r -p |
    openssl x509 -inform DER -pubkey -noout >"$T/cert-pub.pem"
[ -s "$T/cert-pub.pem" ] && cmp -s "$T/token-pub.pem" "$T/cert-pub.pem" && ok ||
    bad "the key on the token is not the certificate's: $(cat "$T/token-pub.pem" "$T/cert-pub.pem")"
unset SOFTHSM2_CONF

# 6. A revoked device certificate gets no key.
hq_sql "DELETE FROM change WHERE kind = 'key.recovered'"
expect 0 "revoke DEMO01's device certificate" -- hq_admin revoke "$DEV1"
expect 7 "a revoked device certificate" -- hq_admin recover-key --branch DEMO01 --order "$RREF2"
contains "device certificate $DEV1 is revoked" "says why"
same "$(hq_sql "SELECT count(*) FROM change WHERE kind = 'key.recovered'")" 0 \
    "nothing for a revoked device"
finish
