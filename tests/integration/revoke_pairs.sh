# What a subscriber can rely on after a lost key, a closure and a change,
# through ractl with the demo sub-CA and keys: every certificate the
# business ends is revoked with its reason, both halves of a dual pair,
# and the sub-CA's CRL says so at once (no `ractl ca crl` in between),
# checked with `openssl crl`; `query status`, `ca status` and `order show`
# agree; each revocation is audited and waits in the outbox for HQ. The
# renewal policy is configuration, and a wrong value is refused.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/enrol_lib.bash"
enrol_setup
DB=$RAKIOSK_DATA_DIR/rakiosk.db
CA=$RAKIOSK_DATA_DIR/ca

# ORDER's certificate of USAGE (sign, enc), upper-case hex.
cert_of() { sqlite3 "$DB" "SELECT c.serial FROM certificate c JOIN orders o ON o.id = c.order_id WHERE o.ref = '$1' AND c.usage = '$2'"; }
crl_has() { # SERIAL REASON-TEXT: the published CRL revokes SERIAL for REASON-TEXT
    local s
    s=$(echo "$1" | tr A-F a-f | sed 's/^0*//')
    openssl crl -in "$CA/crl.pem" -noout -text >"$T/crl.txt" || return 1
    grep -iA4 "Serial Number: 0*$s\$" "$T/crl.txt" | grep -q "$2"
}
crl_number() { echo $(($(openssl crl -in "$CA/crl.pem" -noout -crlnumber | cut -d= -f2))); }
acting() { # BUSINESS SERIAL [FIELD=VALUE...]: an order on SERIAL, approved and paid; its ref
    local business=$1 serial=$2 ref fee
    shift 2
    as lily
    ref=$("$RACTL" -q order new --business "$business" --kind individual \
        --field applicant_name=王挂失 --field applicant_id=11010519491231002X \
        --field applicant_mobile=13800138000 --field email=a@example.com \
        --field invoice_type=ordinary --field delivery=pickup --field "cert_serial=$serial" \
        --field reason=钥匙丢失 "$@" --paper application_form --paper id_card --submit) || return 1
    approve "$ref" || return 1
    as lily
    fee=$("$RACTL" --json order show "$ref" | python3 -c \
        'import json,sys; f=json.load(sys.stdin)["fee_total"]; print("%d.%02d" % (f // 100, f % 100))')
    [ "$fee" = 0.00 ] || "$RACTL" -q order pay "$ref" --method cash --amount "$fee" || return 1
    echo "$ref"
}

KEY1=$(new_key "Lost Key")
REF=$(paid_order 王挂失)
expect 0 "enrol a dual pair" -- enrol_with $REF $KEY1
S1=$(cert_of "$REF" sign)
E1=$(cert_of "$REF" enc)
[ -n "$S1" ] && [ -n "$E1" ] && ok || bad "no dual pair: '$S1' '$E1'"

# The key is lost: the reissue's enrolment revokes both halves, keyCompromise,
# and the CRL is signed at once.
KEY2=$(new_key "New Key")
RREF=$(acting reissue "$S1") || bad "reissue order"
expect 0 "enrol the reissue" -- enrol_with $RREF $KEY2
contains "took up 2 changes" "the sub-CA takes both halves up"
contains "CRL number" "a CRL is published"
crl_has "$S1" "Key Compromise" && ok || bad "the CRL does not revoke the signing half $S1: $(cat "$T/crl.txt")"
crl_has "$E1" "Key Compromise" && ok || bad "the CRL does not revoke the encryption half $E1"
S2=$(cert_of "$RREF" sign)
E2=$(cert_of "$RREF" enc)
crl_has "$S2" "" && bad "the new certificate $S2 is on the CRL" || ok
expect 0 "query the lost encryption certificate" -- "$RACTL" --json query status "$E1"
contains '"status":"revoked"' "the ledger says revoked"
expect 1 "ca status of the lost encryption certificate" -- "$RACTL" --json ca status "$E1"
contains '"reason":"keyCompromise"' "the register's reason"
expect 0 "query the new encryption certificate" -- "$RACTL" --json query status "$E2"
contains '"status":"in_use"' "the new pair is in use"
expect 0 "order show" -- "$RACTL" --json order show "$REF"
contains '"usage":"enc","status":"revoked"' "order show: the old encryption half revoked"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE kind = 'certificate.revoked' AND json_extract(payload, '$.reason') = 1")" = 2 ] \
    && ok || bad "HQ is not told of both revocations"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'certificate.revoked'")" = 2 ] \
    && ok || bad "the revocations are not audited"
N1=$(crl_number)

# The unit closes: a revoke order for cessationOfOperation, named by the
# encryption half, takes the signing half too; the CRL follows at once.
expect 1 "an unknown cause is refused" -- "$RACTL" order new --business revoke --kind individual \
    --field "cert_serial=$E2" --field revoke_cause=bankrupt
contains "Cause of the revocation" "names the field"
CREF=$(acting revoke "$E2" --field revoke_cause=closure) || bad "closure order"
expect 0 "issue the closure" -- "$RACTL" order issue "$CREF"
contains "took up 2 changes" "both halves taken up"
crl_has "$S2" "Cessation Of Operation" && ok || bad "the CRL does not revoke $S2 for the closure: $(cat "$T/crl.txt")"
crl_has "$E2" "Cessation Of Operation" && ok || bad "the CRL does not revoke $E2 for the closure"
[ "$(crl_number)" -gt "$N1" ] && ok || bad "no new CRL after the closure"
expect 7 "nothing more for a revoked pair" -- "$RACTL" order new --business renew --kind individual \
    --field "cert_serial=$S2" --field applicant_name=王挂失 --field applicant_id=11010519491231002X \
    --field applicant_mobile=13800138000 --field email=a@example.com --field invoice_type=ordinary \
    --field delivery=pickup --paper id_card --submit
contains "revoked" "says the certificate is revoked"

# The renewal policy: keep or supersede, nothing else.
sed 's/^renewal_old_pair = keep/renewal_old_pair = sometimes/' "$RAKIOSK_CONF" >"$T/bad.conf"
sed -i "s|^fees = |fees = $RK_SOURCE_DIR/conf/|; s|^forms = |forms = $RK_SOURCE_DIR/conf/|; s|^profiles = |profiles = $RK_SOURCE_DIR/conf/|; s|^calendar = |calendar = $RK_SOURCE_DIR/conf/|; s|^knowledge = |knowledge = $RK_SOURCE_DIR/conf/|" "$T/bad.conf"
expect 3 "a wrong renewal policy" -- "$RACTL" --conf "$T/bad.conf" order list
contains "renewal_old_pair" "names the key"
contains "keep or supersede" "says what it accepts"

expect 0 "audit" -- "$RACTL" audit verify
finish
