#!/usr/bin/env bash
# USB keys checked with tools nobody here wrote. A demo key (SoftHSM2 behind
# the p11lock module) is initialised with `ractl key init`; a key pair and a
# test-CA certificate go onto it through the key layer (key_enrol_helper);
# then pkcs11-tool must list private key, public key and certificate under
# one ID, with the private key sensitive and never extractable; the
# certificate read back by pkcs11-tool must pass `openssl verify`; a
# signature made through OpenSSL's pkcs11 engine must verify with the
# certificate. Then: wrong PINs through pkcs11-tool lock the key, ractl
# refuses the right PIN with a clear message, a clerk unlocks it from its
# unlock order and the objects survive; diagnose maps expiry and a pulled
# key to DOMAIN.md codes.
set -euo pipefail

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export RAKIOSK_CONF="$RK_SOURCE_DIR/conf/kiosk.conf"
export RAKIOSK_DATA_DIR="$T/data"
export RAKIOSK_SESSION="$T/session"
export RAKIOSK_TOKEN_MODULE="$RK_BUILD_DIR/app/p11lock/rkp11lock.so"
unset SOFTHSM2_CONF RK_P11LOCK_STATE_DIR RK_P11LOCK_MAX_TRIES RAKIOSK_NOW
M="$RAKIOSK_TOKEN_MODULE"
HELPER="$RK_BUILD_DIR/tests/key_enrol_helper"

fail() { echo "FAIL: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

"$RACTL" -q init >/dev/null
# Key list and diagnose show subscribers' names: the boss reads them in a
# session of his own (the shell's own session stays empty until step 8).
echo 'correct horse battery' | "$RACTL" -q clerk add boss --name Boss --roles supervisor,issue
echo 'correct horse battery' | RAKIOSK_SESSION="$T/s.boss" "$RACTL" -q clerk login boss
K() { RAKIOSK_SESSION="$T/s.boss" "$RACTL" "$@"; }

# 1. A blank key is in the reader; ractl initialises it with a given PIN.
K --json key list >"$T/list.json"
[ "$(json 'len(d)' <"$T/list.json")" = 1 ] || fail "expected one blank key"
[ "$(json 'd[0]["initialised"]' <"$T/list.json")" = False ] || fail "the key is not blank"
SERIAL=$(echo 12345678 | "$RACTL" --json key init blank --label "Li Si" --pin-stdin | json 'd["serial"]')
[ ${#SERIAL} = 16 ] || fail "no serial: $SERIAL"
[ "$(stat -c %a "$T/data/branch.secret")" = 600 ] || fail "branch secret not 0600"
export SOFTHSM2_CONF="$T/data/softkeys/softhsm2.conf"

# A generated first PIN is printed once, 6 digits.
GEN=$("$RACTL" --json key init blank --label "Wang Wu" --generate-pin)
[[ "$(echo "$GEN" | json 'd["pin"]')" =~ ^[0-9]{6}$ ]] || fail "no generated PIN: $GEN"

# 2. Key pair + certificate through the layer.
ID=$(echo 12345678 | "$HELPER" "$M" "$SERIAL" ec "$T/ca.pem" "$T/cert.pem")
[ ${#ID} = 32 ] || fail "no key id"

# 3. pkcs11-tool sees private key, public key and certificate with one ID.
pkcs11-tool --module "$M" --token-label "Li Si" --login --pin 12345678 --list-objects \
    >"$T/objects.txt" 2>/dev/null
cat "$T/objects.txt"
[ "$(grep -c '^Private Key Object' "$T/objects.txt")" = 1 ] || fail "private key count"
[ "$(grep -c '^Public Key Object' "$T/objects.txt")" = 1 ] || fail "public key count"
[ "$(grep -c '^Certificate Object' "$T/objects.txt")" = 1 ] || fail "certificate count"
[ "$(grep -c "ID:[[:space:]]*$ID" "$T/objects.txt")" = 3 ] || fail "objects do not share ID $ID"
grep -A8 '^Private Key Object' "$T/objects.txt" | grep -q 'never extractable' ||
    fail "private key extractable"
grep -A8 '^Private Key Object' "$T/objects.txt" | grep -q 'Usage:[[:space:]]*sign$' ||
    fail "private key usage is not sign only"

# 4. The certificate read back by pkcs11-tool passes openssl verify.
pkcs11-tool --module "$M" --token-label "Li Si" --read-object --type cert --id "$ID" \
    -o "$T/cert.der" 2>/dev/null
openssl x509 -inform DER -in "$T/cert.der" -out "$T/readback.pem"
cmp <(openssl x509 -in "$T/cert.pem" -outform DER) "$T/cert.der" || fail "read-back differs"
openssl verify -CAfile "$T/ca.pem" "$T/readback.pem"

# 5. A signature through OpenSSL's pkcs11 engine verifies with the certificate.
echo "signed at the counter" >"$T/data.txt"
PKCS11_MODULE_PATH="$M" openssl dgst -sha256 -engine pkcs11 -keyform engine \
    -sign "pkcs11:token=Li%20Si;id=%$(echo "$ID" | sed 's/../&%/g;s/%$//');type=private;pin-value=12345678" \
    -out "$T/sig.bin" "$T/data.txt" 2>"$T/engine.err" || { cat "$T/engine.err"; fail "engine sign"; }
openssl x509 -in "$T/readback.pem" -pubkey -noout >"$T/pub.pem"
openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig.bin" "$T/data.txt"

# 6. Healthy key: diagnose says so (exit 0); in two years the certificate
# has expired (-10101039).
K key diagnose "$SERIAL"
set +e
LATER=@$(($(date +%s) + 2 * 366 * 86400))
echo 'correct horse battery' | RAKIOSK_NOW=$LATER RAKIOSK_SESSION="$T/s.later" "$RACTL" -q clerk login boss
OUT=$(RAKIOSK_NOW=$LATER RAKIOSK_SESSION="$T/s.later" "$RACTL" key diagnose "$SERIAL")
RC=$?
set -e
echo "$OUT"
[ $RC = 1 ] && grep -q -- -10101039 <<<"$OUT" || fail "expiry not diagnosed"

# 7. Wrong PINs through pkcs11-tool count; the key locks at its model's limit.
MAX=$(K --json key list | json "[k['max_tries'] for k in d if k['serial']=='$SERIAL'][0]")
for i in $(seq 1 "$MAX"); do
    ! pkcs11-tool --module "$M" --token-label "Li Si" --login --pin 999999 --list-objects \
        >/dev/null 2>&1 || fail "wrong PIN accepted"
done
K key list | grep "$SERIAL" | grep -q locked || fail "not shown locked"
set +e
OUT=$(printf '12345678\n87654321\n' | "$RACTL" key passwd "$SERIAL" 2>&1)
RC=$?
set -e
echo "$OUT"
[ $RC = 5 ] || fail "passwd on a locked key: exit $RC"
grep -q "locked after too many wrong PINs; a clerk can unlock it" <<<"$OUT" || fail "lock message"
! pkcs11-tool --module "$M" --token-label "Li Si" --login --pin 12345678 --list-objects \
    >/dev/null 2>&1 || fail "right PIN accepted on a locked key"

# 8. Unlock needs a clerk with the issue role and the key's approved, paid
# unlock order (entered and reviewed by two other clerks); the objects survive.
set +e
echo 11223344 | "$RACTL" key unlock 000000-0000 --key "$SERIAL" 2>"$T/err.txt"
RC=$?
set -e
[ $RC = 5 ] || fail "unlock without a clerk: exit $RC"
echo 'correct horse battery' | "$RACTL" -q clerk login boss
echo 'entry horse battery' | "$RACTL" -q clerk add lily --name Lily --roles entry
echo 'review horse battery' | "$RACTL" -q clerk add ray --name Ray --roles review
echo 'entry horse battery' | RAKIOSK_SESSION="$T/s.lily" "$RACTL" -q clerk login lily
echo 'review horse battery' | RAKIOSK_SESSION="$T/s.ray" "$RACTL" -q clerk login ray
UREF=$(RAKIOSK_SESSION="$T/s.lily" "$RACTL" -q order new --business unlock --kind individual \
    --field applicant_name=李四 --field applicant_id=11010519491231002X \
    --field applicant_mobile=13800138000 --field email=a@example.com \
    --field invoice_type=ordinary --field delivery=pickup --field key_serial="$SERIAL" \
    --paper id_card --submit)
RAKIOSK_SESSION="$T/s.ray" "$RACTL" -q order approve "$UREF" >/dev/null
UFEE=$("$RACTL" --json order show "$UREF" | json '"%d.%02d" % (d["fee_total"] // 100, d["fee_total"] % 100)')
RAKIOSK_SESSION="$T/s.lily" "$RACTL" -q order pay "$UREF" --method cash --amount "$UFEE"
echo 11223344 | "$RACTL" key unlock "$UREF" --key "$SERIAL"
pkcs11-tool --module "$M" --token-label "Li Si" --login --pin 11223344 --list-objects \
    >"$T/objects2.txt" 2>/dev/null
[ "$(grep -c "ID:[[:space:]]*$ID" "$T/objects2.txt")" = 3 ] || fail "objects lost by unlock"
printf '11223344\n55667788\n' | "$RACTL" key passwd "$SERIAL"

# 9. Two processes cannot spend the same try: wrong PINs at once from 8
# pkcs11-tool processes on a 20-try key each count. (SoftHSM itself
# sometimes fails to load its store under concurrent access, "No slot with
# token": only the attempts that reached C_Login are counted.)
SERIAL2=$(echo "$GEN" | json 'd["serial"]')
echo 20 >"$T/data/softkeys/p11lock/$SERIAL2.max"
for i in $(seq 8); do
    pkcs11-tool --module "$M" --token-label "Wang Wu" --login --pin 999999 --list-objects \
        >"$T/par$i.txt" 2>&1 &
done
wait
TRIED=$(cat "$T"/par*.txt | grep -c CKR_PIN_INCORRECT || true)
LEFT=$(K --json key list | json "[k['tries_left'] for k in d if k['serial']=='$SERIAL2'][0]")
echo "parallel wrong PINs: $TRIED reached the key, $LEFT of 20 tries left"
[ "$TRIED" -ge 2 ] || fail "too few parallel attempts reached the key to test"
[ "$LEFT" = $((20 - TRIED)) ] || fail "parallel wrong PINs: $LEFT tries left after $TRIED"

# 10. Pulled: not listed, diagnose says -10101042; plugged back, it is there.
"$RACTL" -q key pull "$SERIAL"
! K key list | grep -q "$SERIAL" || fail "pulled key listed"
set +e
OUT=$(K key diagnose "$SERIAL")
RC=$?
set -e
[ $RC = 1 ] && grep -q -- -10101042 <<<"$OUT" || fail "pulled key not diagnosed"
"$RACTL" -q key plug "$SERIAL"
K key list | grep -q "$SERIAL" || fail "plugged key not listed"
echo "key_tools: all checks passed"
