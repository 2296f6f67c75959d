# `ractl key enrol` end to end, checked with tools nobody here wrote:
# pkcs11-tool lists private key, public key and certificate with one ID;
# the certificate read back passes `openssl verify` against the sub-CA and
# root; a signature made through OpenSSL's pkcs11 engine verifies with it.
# Then: issuing twice is refused; a pulled key leaves the journal waiting
# and the same command resumes when it is back; rollback revokes nothing
# that was not issued and frees the order for a new attempt.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/enrol_lib.bash"
M=$RAKIOSK_TOKEN_MODULE
enrol_setup

KEY=$(new_key "Wang Xiaoming")
REF=$(paid_order 王小明)
expect 0 "enrol" -- sh -c "echo $PIN | '$RACTL' key enrol $REF --key $KEY"
contains "issued: certificate" "says issued"

pkcs11-tool --module "$M" --token-label "Wang Xiaoming" --login --pin $PIN --list-objects \
    >"$T/objects" 2>/dev/null
ids=$(grep -E '^\s+ID:' "$T/objects" | sort -u | wc -l)
[ "$(grep -c 'Private Key Object' "$T/objects")" = 1 ] && ok || bad "no private key: $(cat "$T/objects")"
[ "$(grep -c 'Public Key Object' "$T/objects")" = 1 ] && ok || bad "no public key"
[ "$(grep -c 'Certificate Object' "$T/objects")" = 1 ] && ok || bad "no certificate"
[ "$ids" = 1 ] && ok || bad "objects under $ids different IDs"
ID=$(grep -E '^\s+ID:' "$T/objects" | head -1 | awk '{print $2}')
pkcs11-tool --module "$M" --token-label "Wang Xiaoming" --read-object --type cert --id "$ID" \
    -o "$T/cert.der" 2>/dev/null
openssl x509 -inform DER -in "$T/cert.der" -out "$T/cert.pem"
CA=$RAKIOSK_DATA_DIR/ca
expect 0 "openssl verify" -- openssl verify -CAfile "$CA/root.pem" -untrusted "$CA/subca.pem" "$T/cert.pem"
echo "a document to sign" >"$T/doc"
PKCS11_MODULE_PATH=$M openssl dgst -sha256 -engine pkcs11 -keyform engine \
    -sign "pkcs11:token=Wang%20Xiaoming;type=private;pin-value=$PIN" -out "$T/sig" "$T/doc" \
    >/dev/null 2>&1 && ok || bad "engine signature failed"
openssl x509 -in "$T/cert.pem" -pubkey -noout >"$T/pub.pem"
expect 0 "signature verifies" -- openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/doc"

SERIAL=$(openssl x509 -in "$T/cert.pem" -noout -serial | cut -d= -f2)
expect 0 "order issued" -- "$RACTL" --json order show "$REF"
contains '"state":"issued"' "issued"
expect 0 "status" -- "$RACTL" query status "$SERIAL"
contains "in_use" "in use"
expect 7 "enrol twice" -- sh -c "echo $PIN | '$RACTL' key enrol $REF --key $KEY"
expect 0 "audit" -- "$RACTL" audit verify

# A pulled key: the journal waits; plugged back, the same command resumes.
KEY2=$(new_key "Zhao Liu")
REF2=$(paid_order 赵六)
"$RACTL" -q key pull "$KEY2"
expect 8 "pulled key" -- sh -c "echo $PIN | '$RACTL' key enrol $REF2 --key $KEY2"
expect 0 "pending" -- "$RACTL" key enrol --pending
contains "$REF2" "pending lists the order"
KEY3=$(new_key "Other Key")
expect 7 "another key is refused while one is pending" -- sh -c "echo $PIN | '$RACTL' key enrol $REF2 --key $KEY3"
contains "unfinished enrolment on key $KEY2" "names the key"
"$RACTL" -q key plug "$KEY2"
expect 0 "resume" -- sh -c "echo $PIN | '$RACTL' key enrol $REF2 --key $KEY2"
contains "(resumed)" "resumed"

# Rollback: the order can then be enrolled onto another key.
REF3=$(paid_order 孙七)
"$RACTL" -q key pull "$KEY3"
expect 8 "pulled again" -- sh -c "echo $PIN | '$RACTL' key enrol $REF3 --key $KEY3"
expect 0 "rollback" -- "$RACTL" key enrol "$REF3" --rollback </dev/null
"$RACTL" -q key plug "$KEY3"
expect 0 "enrol after rollback" -- sh -c "echo $PIN | '$RACTL' key enrol $REF3 --key $KEY3"
expect 0 "no pending" -- "$RACTL" --json key enrol --pending
[ "$OUT" = "[]" ] && ok || bad "still pending: $OUT"
finish
