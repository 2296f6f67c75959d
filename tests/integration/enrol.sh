# `ractl key enrol` end to end, checked with tools nobody here wrote:
# dual certificates: pkcs11-tool lists two pairs (signing, and the escrowed
# encryption key) each with private key, public key and certificate under
# one ID; the encryption certificate decrypts a message made with
# `openssl cms -encrypt` through the pkcs11 engine;
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
# An unpaid order is refused for what it is, before a PIN is asked (stdin
# gives none); nothing is pending.
as lily
UNPAID=$("$RACTL" -q order new --business new --kind individual --field applicant_name=钱七 \
    --field applicant_id=11010519491231002X --field applicant_mobile=13800138000 \
    --field email=a@example.com --field invoice_type=ordinary --field delivery=pickup \
    --paper application_form --paper id_card --submit)
as ray; "$RACTL" -q order approve "$UNPAID"
as lily
expect 7 "unpaid: refused before the PIN" -- "$RACTL" key enrol "$UNPAID" --key "$KEY" </dev/null
contains "not paid yet" "says it is unpaid"
case "$OUT" in *PIN* | *password*) bad "asked for a PIN first: $OUT" ;; *) ok ;; esac
expect 0 "nothing pending" -- "$RACTL" key enrol --pending
contains "no enrolment is pending" "says so"
# The order's authorisation code (printed once at its approval) is asked
# next, before the PIN: none or a wrong one is refused, audited, before a
# PIN is read; the code alone says the subscriber's PIN is missing, never
# a "password"; none of it starts an enrolment.
REF=$(paid_order 王小明)
[ "$(code_of "$REF")" != "" ] && ok || bad "the approval printed no authorisation code"
expect 1 "no code given" -- "$RACTL" key enrol "$REF" --key "$KEY" </dev/null
contains "no authorisation code of order $REF given on standard input" "asks for the code"
expect 5 "a wrong code" -- sh -c "echo AAAA-BBBB-CCCC-DDDD | '$RACTL' key enrol $REF --key $KEY"
contains "that is not the authorisation code of order $REF" "says the code is wrong"
case "$OUT" in *PIN*) bad "a wrong code reached the PIN: $OUT" ;; *) ok ;; esac
expect 5 "an empty code" -- sh -c "printf '\\n$PIN\\n' | '$RACTL' key enrol $REF --key $KEY"
contains "has an authorisation code (printed once at its approval): give it" "says to give it"
contains "ractl order authcode $REF" "says how a lost code is replaced"
[ "$(sqlite3 "$RAKIOSK_DATA_DIR/rakiosk.db" "SELECT count(*) FROM audit WHERE action = 'order.authcode_refused' AND actor = 'lily'")" = 2 ] &&
    ok || bad "the refused codes are not audited"
expect 1 "the code but no PIN" -- sh -c "code_of() { cat '$T/code.'\$1; }; code_of $REF | '$RACTL' key enrol $REF --key $KEY"
contains "no subscriber's PIN given on standard input" "names the subscriber's PIN"
case "$OUT" in *password*) bad "asks for a password: $OUT" ;; *) ok ;; esac
expect 0 "still nothing pending" -- "$RACTL" --json key enrol --pending
[ "$OUT" = "[]" ] && ok || bad "a refused code started an enrolment: $OUT"
# Typed in lower case and without the dashes, the code works as well.
LOWER=$(code_of "$REF" | tr -d - | tr A-Z a-z)
expect 0 "enrol" -- sh -c "printf '%s\\n%s\\n' $LOWER $PIN | '$RACTL' key enrol $REF --key $KEY"
# The progress it prints climbs to 100 and never goes back (two halves,
# signing and encryption, are one operation).
progress_climbs() {
    echo "$OUT" | python3 -c 'import re, sys
p = [int(x) for x in re.findall(r"^ *(-?\d+)%", sys.stdin.read(), re.M)]
assert len(p) >= 5 and p[0] >= 0 and p == sorted(p) and p[-1] == 100, p' && ok || bad "$1: progress goes backwards: $OUT"
}
progress_climbs "enrol"
contains "issued: certificate" "says issued"
expect 0 "diagnose" -- "$RACTL" key diagnose "$KEY"
contains "CN=王小明" "the subject name is printed as it is, not as escaped bytes"

pkcs11-tool --module "$M" --token-label "Wang Xiaoming" --login --pin $PIN --list-objects \
    >"$T/objects" 2>/dev/null
ids=$(grep -E '^\s+ID:' "$T/objects" | sort -u | wc -l)
[ "$(grep -c 'Private Key Object' "$T/objects")" = 2 ] && ok || bad "not two private keys: $(cat "$T/objects")"
[ "$(grep -c 'Public Key Object' "$T/objects")" = 2 ] && ok || bad "not two public keys"
[ "$(grep -c 'Certificate Object' "$T/objects")" = 2 ] && ok || bad "not two certificates"
[ "$ids" = 2 ] && ok || bad "objects under $ids different IDs"
# The signing pair is labelled rk-<order uuid>, the encryption pair rk-<uuid>-enc.
id_of() { grep -A3 "label: *$1\$" "$T/objects" | grep -E '^\s+ID:' | head -1 | awk '{print $2}'; }
SLABEL=$(grep -oE 'label: *rk-[0-9a-f-]{36}$' "$T/objects" | head -1 | awk '{print $2}')
ID=$(id_of "$SLABEL")
EID=$(id_of "$SLABEL-enc")
[ -n "$ID" ] && [ -n "$EID" ] && [ "$ID" != "$EID" ] && ok || bad "pair ids: '$ID' '$EID'"
pkcs11-tool --module "$M" --token-label "Wang Xiaoming" --read-object --type cert --id "$ID" \
    -o "$T/cert.der" 2>/dev/null
openssl x509 -inform DER -in "$T/cert.der" -out "$T/cert.pem"
CA=$RAKIOSK_DATA_DIR/ca
expect 0 "openssl verify" -- openssl verify -CAfile "$CA/root.pem" -untrusted "$CA/subca.pem" "$T/cert.pem"
echo "a document to sign" >"$T/doc"
PKCS11_MODULE_PATH=$M openssl dgst -sha256 -engine pkcs11 -keyform engine \
    -sign "pkcs11:token=Wang%20Xiaoming;object=$SLABEL;type=private;pin-value=$PIN" -out "$T/sig" "$T/doc" \
    >/dev/null 2>&1 && ok || bad "engine signature failed"
openssl x509 -in "$T/cert.pem" -pubkey -noout >"$T/pub.pem"
expect 0 "signature verifies" -- openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/doc"

# The encryption certificate: verifies, is the ledger's 'enc' one, and its
# key on the USB key (sensitive, never extractable) decrypts a CMS message.
pkcs11-tool --module "$M" --token-label "Wang Xiaoming" --read-object --type cert --id "$EID" \
    -o "$T/enc.der" 2>/dev/null
openssl x509 -inform DER -in "$T/enc.der" -out "$T/enc.pem"
expect 0 "enc cert verifies" -- openssl verify -CAfile "$CA/root.pem" -untrusted "$CA/subca.pem" "$T/enc.pem"
ENC_SERIAL=$(openssl x509 -in "$T/enc.pem" -noout -serial | cut -d= -f2)
[ "$(sqlite3 "$RAKIOSK_DATA_DIR/rakiosk.db" "SELECT usage FROM certificate WHERE serial = '$ENC_SERIAL'")" = enc ] \
    && ok || bad "the ledger does not record $ENC_SERIAL as the encryption certificate"
pkcs11-tool --module "$M" --token-label "Wang Xiaoming" --login --pin $PIN --list-objects \
    --type privkey --id "$EID" >"$T/encpriv" 2>/dev/null
grep -q 'Access: *sensitive, always sensitive\|Access: *sensitive' "$T/encpriv" && ok || bad "enc key not sensitive: $(cat "$T/encpriv")"
grep -q 'never extractable\|extractable' "$T/encpriv" && ! grep -q 'Access:.*, extractable' "$T/encpriv" \
    && ok || bad "enc key extractable: $(cat "$T/encpriv")"
echo "a secret for the subscriber" >"$T/secret"
openssl cms -encrypt -binary -aes256 -in "$T/secret" -out "$T/secret.cms" -outform DER "$T/enc.pem"
PKCS11_MODULE_PATH=$M openssl cms -decrypt -binary -inform DER -in "$T/secret.cms" -engine pkcs11 \
    -keyform engine -inkey "pkcs11:token=Wang%20Xiaoming;object=$SLABEL-enc;type=private;pin-value=$PIN" \
    -recip "$T/enc.pem" -out "$T/secret.out" >/dev/null 2>"$T/cms.err"
cmp -s "$T/secret" "$T/secret.out" && ok || bad "CMS decryption on the key failed: $(cat "$T/cms.err")"
# The escrowed copy opens with the (demo) recovery key to the same key.
[ "$(sqlite3 "$RAKIOSK_DATA_DIR/rakiosk.db" "SELECT count(*) FROM escrow WHERE cert_serial = '$ENC_SERIAL'")" = 1 ] \
    && ok || bad "no escrowed key for $ENC_SERIAL"
sqlite3 "$RAKIOSK_DATA_DIR/rakiosk.db" "SELECT hex(wrapped) FROM escrow WHERE cert_serial = '$ENC_SERIAL'" |
    xxd -r -p >"$T/escrow.der"
openssl cms -decrypt -binary -inform DER -in "$T/escrow.der" -inkey "$CA/demo-recovery.key" \
    -out "$T/escrow.key" 2>/dev/null && ok || bad "the recovery key does not open the escrowed key"
openssl pkey -inform DER -in "$T/escrow.key" -pubout 2>/dev/null >"$T/escrow.pub"
openssl x509 -in "$T/enc.pem" -pubkey -noout >"$T/enc.pub"
cmp -s "$T/escrow.pub" "$T/enc.pub" && ok || bad "the escrowed key is not the certificate's"

# Key recovery: an approved, paid recovery order puts the same encryption
# key and certificate onto a new key; a wrong recovery key is refused.
KEYR=$(new_key "Recovered Key")
as lily
RREF=$("$RACTL" -q order new --business recovery --kind individual \
    --field applicant_name=王小明 --field applicant_id=11010519491231002X \
    --field applicant_mobile=13800138000 --field email=a@example.com \
    --field cert_serial="$ENC_SERIAL" --field key_serial="$KEY" \
    --field invoice_type=ordinary --field delivery=pickup \
    --paper application_form --paper id_card --submit 2>"$T/rec.err") || bad "recovery order: $(cat "$T/rec.err")"
approve "$RREF"
as lily
fee=$("$RACTL" --json order show "$RREF" | python3 -c \
    'import json,sys; f=json.load(sys.stdin)["fee_total"]; print("%d.%02d" % (f // 100, f % 100))')
[ "$fee" = 0.00 ] || "$RACTL" -q order pay "$RREF" --method cash --amount "$fee"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/wrong.key" 2>/dev/null
# Like every order that produces a certificate, the recovery is done from
# its authorisation code, asked before the PIN.
RCODE=$(code_of "$RREF")
[ -n "$RCODE" ] && ok || bad "the recovery order's approval printed no code"
expect 5 "recover without the code" -- sh -c "printf 'AAAA-BBBB-CCCC-DDDD\\n$PIN\\n' | '$RACTL' key recover $RREF --key $KEYR --recovery-key '$CA/demo-recovery.key'"
contains "that is not the authorisation code of order $RREF" "asks for the recovery order's code"
# Without HQ's key (nothing came over the sync) and no --recovery-key: said.
expect 6 "no key from HQ yet" -- sh -c "printf '%s\\n%s\\n' $RCODE $PIN | '$RACTL' key recover $RREF --key $KEYR"
contains "HQ has not returned the key of order $RREF yet" "says HQ's key has not come"
expect 5 "a wrong recovery key is refused" -- sh -c "printf '%s\\n%s\\n' $RCODE $PIN | '$RACTL' key recover $RREF --key $KEYR --recovery-key '$T/wrong.key'"
contains "recovery key does not open" "says why"
expect 0 "recover" -- sh -c "printf '%s\\n%s\\n' $RCODE $PIN | '$RACTL' key recover $RREF --key $KEYR --recovery-key '$CA/demo-recovery.key'"
contains "recovered onto key $KEYR" "says recovered"
pkcs11-tool --module "$M" --token-label "Recovered Key" --login --pin $PIN --list-objects \
    >"$T/robjects" 2>/dev/null
[ "$(grep -c 'Certificate Object' "$T/robjects")" = 1 ] && ok || bad "recovered key: $(cat "$T/robjects")"
RID=$(grep -E '^\s+ID:' "$T/robjects" | head -1 | awk '{print $2}')
pkcs11-tool --module "$M" --token-label "Recovered Key" --read-object --type cert --id "$RID" \
    -o "$T/renc.der" 2>/dev/null
cmp -s "$T/renc.der" "$T/enc.der" && ok || bad "the recovered certificate differs"
RLABEL=$(grep -oE 'label: *rk-[0-9a-f-]{36}-enc$' "$T/robjects" | head -1 | awk '{print $2}')
PKCS11_MODULE_PATH=$M openssl cms -decrypt -binary -inform DER -in "$T/secret.cms" -engine pkcs11 \
    -keyform engine -inkey "pkcs11:token=Recovered%20Key;object=$RLABEL;type=private;pin-value=$PIN" \
    -recip "$T/enc.pem" -out "$T/secret.rout" >/dev/null 2>"$T/cms.err"
cmp -s "$T/secret" "$T/secret.rout" && ok || bad "the recovered key does not decrypt: $(cat "$T/cms.err")"
[ "$(sqlite3 "$RAKIOSK_DATA_DIR/rakiosk.db" "SELECT key_serial FROM certificate WHERE serial = '$ENC_SERIAL'")" = "$KEYR" ] \
    && ok || bad "the ledger does not put $ENC_SERIAL on $KEYR"
expect 0 "recovery order issued" -- "$RACTL" --json order show "$RREF"
contains '"state":"issued"' "issued"

SERIAL=$(openssl x509 -in "$T/cert.pem" -noout -serial | cut -d= -f2)
expect 0 "order issued" -- "$RACTL" --json order show "$REF"
contains '"state":"issued"' "issued"
expect 0 "status" -- "$RACTL" query status "$SERIAL"
contains "in_use" "in use"
expect 7 "enrol twice" -- enrol_with $REF $KEY
expect 0 "audit" -- "$RACTL" audit verify

# A pulled key: the journal waits; plugged back, the same command resumes.
KEY2=$(new_key "Zhao Liu")
REF2=$(paid_order 赵六)
"$RACTL" -q key pull "$KEY2"
expect 8 "pulled key" -- enrol_with $REF2 $KEY2
expect 0 "pending" -- "$RACTL" key enrol --pending
contains "$REF2" "pending lists the order"
KEY3=$(new_key "Other Key")
expect 7 "another key is refused while one is pending" -- enrol_with $REF2 $KEY3
contains "unfinished enrolment on key $KEY2" "names the key"
"$RACTL" -q key plug "$KEY2"
expect 0 "resume" -- enrol_with $REF2 $KEY2
contains "(resumed)" "resumed"
progress_climbs "resume"

# Rollback: the order can then be enrolled onto another key.
REF3=$(paid_order 孙七)
"$RACTL" -q key pull "$KEY3"
expect 8 "pulled again" -- enrol_with $REF3 $KEY3
expect 0 "rollback" -- "$RACTL" key enrol "$REF3" --rollback </dev/null
"$RACTL" -q key plug "$KEY3"
expect 0 "enrol after rollback" -- enrol_with $REF3 $KEY3

# A key pulled just as its certificate is written: the journal keeps the
# certificate. A power cut that took the sub-CA's newest record before it
# reached the disk (the register's commit waits for the disk on a thread
# while the key is written) is played by deleting that record: the resumed
# enrolment records the same certificate again and delivers it.
DB=$RAKIOSK_DATA_DIR/rakiosk.db
CADB=$RAKIOSK_DATA_DIR/ca/ca.db
KEY4=$(new_key "Zhou Ba")
REF4=$(paid_order 周八)
expect 8 "pulled mid-write" -- \
    sh -c "printf '%s\\n%s\\n' $(code_of $REF4) $PIN | RK_P11LOCK_PULL_AT=certificate '$RACTL' key enrol $REF4 --key $KEY4"
contains "insert it again" "says to insert the key again"
journal_of() { sqlite3 "$DB" "SELECT e.$1 FROM enrolment e JOIN orders o ON o.id = e.order_id WHERE o.ref = '$REF4' AND e.usage = 'sign' AND e.outcome IS NULL"; }
[ "$(journal_of step)" = write ] && ok || bad "journal at '$(journal_of step)', not write"
SER4=$(journal_of cert_serial | tr A-F a-f | sed 's/^0*//')
[ -n "$SER4" ] && ok || bad "the journal kept no certificate"
[ "$(sqlite3 "$CADB" "SELECT count(*) FROM issued WHERE serial = '$SER4'")" = 1 ] && ok || bad "the sub-CA did not record $SER4"
sqlite3 "$CADB" "DELETE FROM issued WHERE serial = '$SER4'"
"$RACTL" -q key plug "$KEY4"
expect 0 "resumed after the pull" -- enrol_with $REF4 $KEY4
contains "(resumed)" "resumed"
[ "$(sqlite3 "$CADB" "SELECT profile FROM issued WHERE serial = '$SER4'")" = re-recorded ] && ok || bad "$SER4 not recorded again"
LSER=$(sqlite3 "$DB" "SELECT lower(c.serial) FROM certificate c JOIN orders o ON o.id = c.order_id WHERE o.ref = '$REF4' AND c.usage = 'sign'" | sed 's/^0*//')
[ "$LSER" = "$SER4" ] && ok || bad "the order got $LSER, not the journal's $SER4"
expect 0 "ca status" -- "$RACTL" ca status
expect 0 "audit after the pull" -- "$RACTL" audit verify

expect 0 "no pending" -- "$RACTL" --json key enrol --pending
[ "$OUT" = "[]" ] && ok || bad "still pending: $OUT"

# Status orders reach the sub-CA: a suspension, its resumption and a
# revocation, each an order a second clerk approved; the CRL the sub-CA
# signs then says what the ledger decided. A revocation takes the whole
# dual pair (the encryption half, recovered onto another key, too).
status_order() { # BUSINESS SERIAL [REASON [CHANGES]]
    local ref changes=${4:-1}
    as lily
    ref=$("$RACTL" -q order new --business "$1" --kind individual --field "cert_serial=$2" \
        ${3:+--field "reason=$3"} --field applicant_name=王小明 \
        --field applicant_id=11010519491231002X --field applicant_mobile=13800138000 \
        --field email=a@example.com --field invoice_type=ordinary --field delivery=pickup \
        --paper application_form --paper id_card --submit) || { bad "$1 order"; return; }
    as ray; "$RACTL" -q order approve "$ref"
    as lily; "$RACTL" order issue "$ref" >"$T/issue.out" 2>&1 || { bad "issue $1: $(cat "$T/issue.out")"; return; }
    grep -q "the sub-CA's register took up $changes change" "$T/issue.out" && ok || bad "$1 not taken up: $(cat "$T/issue.out")"
}
crl_text() { "$RACTL" -q ca crl && openssl crl -in "$CA/crl.pem" -noout -text >"$T/crl.txt"; }
CASER=$(echo "$SERIAL" | tr A-F a-f | sed 's/^0*//')
in_crl() { grep -qi "Serial Number: 0*$CASER\$" "$T/crl.txt"; }
status_order suspend "$SERIAL" 挂失
crl_text; in_crl && grep -q "Certificate Hold" "$T/crl.txt" && ok || bad "the CRL does not hold $SERIAL"
status_order resume "$SERIAL"
crl_text; in_crl && bad "$SERIAL still on the CRL after the resumption" || ok
status_order revoke "$SERIAL" keyCompromise 2
crl_text; in_crl && grep -q "Key Compromise" "$T/crl.txt" && ok || bad "the CRL does not revoke $SERIAL"
CAENC=$(echo "$ENC_SERIAL" | tr A-F a-f | sed 's/^0*//')
grep -qi "Serial Number: 0*$CAENC\$" "$T/crl.txt" && ok || bad "the CRL does not revoke the encryption half $ENC_SERIAL"
expect 1 "ca status (exit 1: revoked)" -- "$RACTL" ca status "$SERIAL"
contains "revoked" "the register says revoked"
# A follow that failed (the register changed behind its back) is mended by
# the next tick: put the register's entry back to good by hand.
sqlite3 "$CADB" "UPDATE issued SET status = 0, reason = NULL, revoked_at = NULL WHERE serial = '$CASER'"
expect 0 "tick" -- "$RACTL" tick
contains "the sub-CA's register took up 1 change from the ledger" "tick takes the change up again"
# The register's issuing commits do not wait for the disk (the ledger
# backs them): a power cut that took a delivered certificate's record, and
# so the follow's later watermark too, is mended from the ledger.
SER2L=$(sqlite3 "$DB" "SELECT lower(c.serial) FROM certificate c JOIN orders o ON o.id = c.order_id WHERE o.ref = '$REF2' AND c.usage = 'sign'" | sed 's/^0*//')
sqlite3 "$CADB" "DELETE FROM issued WHERE serial = '$SER2L'; DELETE FROM ca_meta WHERE key = 'ledger_seen'"
expect 0 "tick after a lost record" -- "$RACTL" tick
contains "the sub-CA's register took up 1 change from the ledger" "tick records the lost certificate again"
[ "$(sqlite3 "$CADB" "SELECT profile FROM issued WHERE serial = '$SER2L'")" = re-recorded ] && ok || bad "$SER2L not recorded again"

# An order's certificate does not change status at the sub-CA directly,
# not even by a supervisor: that is what orders (and their review) are for.
SER2=$(sqlite3 "$DB" "SELECT c.serial FROM certificate c JOIN orders o ON o.id = c.order_id WHERE o.ref = '$REF2' AND c.usage = 'sign'")
as boss
expect 7 "ca suspend of an order's certificate" -- "$RACTL" ca suspend "$SER2"
contains "is order $REF2's" "names the order"
# One enrolment of an order at a time: while another program holds the
# order's lock (its byte of locks/enrol.lock, as a record lock, which the
# open-file-description lock conflicts with), enrolling it stops at once;
# a lock on another order's byte does not stand in the way.
as lily
KEY3=$(new_key "Zhao Liu")
REF3=$(paid_order 赵六)
OID3=$(sqlite3 "$DB" "SELECT id FROM orders WHERE ref = '$REF3'")
hold_lock() { # BYTE: holds it until killed; $T/held appears once it does
    rm -f "$T/held"
    python3 -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, int(sys.argv[2]))
open(sys.argv[3], "w").close()
time.sleep(60)' "$RAKIOSK_DATA_DIR/locks/enrol.lock" "$1" "$T/held" &
    HOLDER=$!
    for _ in $(seq 100); do [ -e "$T/held" ] && break; sleep 0.05; done
}
hold_lock "$OID3"
expect 4 "enrol while another program enrols the order" -- \
    enrol_with $REF3 $KEY3
contains "is being enrolled by another program" "says the order is busy"
kill $HOLDER; wait $HOLDER 2>/dev/null
hold_lock $((OID3 + 1000))
expect 0 "enrol beside a lock on another order" -- \
    enrol_with $REF3 $KEY3
kill $HOLDER; wait $HOLDER 2>/dev/null

expect 0 "audit at the end" -- "$RACTL" audit verify
finish
