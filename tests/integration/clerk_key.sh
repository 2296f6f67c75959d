# Clerk login with the clerk's own USB key, end to end, from three sides.
# The subscriber's side: a subscriber's key with a certificate from this
# very sub-CA does not log anyone in, and issuing clerk keys touches no
# order. The clerk's side: what `clerk key-issue`, `key-list`, `login --key`,
# `whoami` and the refusals say, password logins switched off by conf. The
# attacker's side: a self-made certificate with the clerk's name, one from a
# look-alike sub-CA, another branch's clerk certificate under the same
# root, a revoked, a suspended-then-resumed (still on the newest CRL) and a
# deactivated clerk's certificate, a wrong PIN, a replayed answer and one to
# a challenge never given: each refused with the one answer, audited, and
# no session opened.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/enrol_lib.bash"
HELPER="$RK_BUILD_DIR/tests/keylogin_helper"
M=$RAKIOSK_TOKEN_MODULE
DB=$RAKIOSK_DATA_DIR/rakiosk.db
CA=$RAKIOSK_DATA_DIR/ca
REFUSED="wrong PIN, or not a clerk key of this branch"
enrol_setup
q() { sqlite3 "$DB" "$1"; }
refusals() { q "SELECT count(*) FROM audit WHERE action = 'clerk.login_refused'"; }
sessions() { q "SELECT count(*) FROM clerk_session"; }
# refused WHAT DETAIL-LIKE -- COMMAND: the one answer, exit 5, no new
# session, and one more audited refusal whose detail matches DETAIL-LIKE.
refused() {
    local what=$1 like=${2//\'/\'\'} before_r before_s
    shift 3
    before_r=$(refusals)
    before_s=$(sessions)
    expect 5 "$what" -- "$@"
    contains "$REFUSED" "$what: the one answer"
    [ "$(sessions)" = "$before_s" ] && ok || bad "$what: a session was opened"
    [ "$(refusals)" = $((before_r + 1)) ] && ok || bad "$what: the refusal is not audited once"
    [ "$(q "SELECT count(*) FROM audit WHERE seq = (SELECT max(seq) FROM audit) AND action = 'clerk.login_refused' AND detail LIKE '$like'")" = 1 ] &&
        ok || bad "$what: the audit detail is not like '$like': $(q 'SELECT actor, detail FROM audit ORDER BY seq DESC LIMIT 1')"
}

# --- the clerk's side: issuing ------------------------------------------------
LKEY=$(new_key "Lily clerk")
as lily
expect 5 "key-issue needs a supervisor" -- sh -c "echo $PIN | '$RACTL' clerk key-issue lily --key $LKEY"
contains "lily does not hold the supervisor role" "key-issue refusal names the role"
as boss
expect 2 "key-issue without --key" -- "$RACTL" clerk key-issue lily
ORDERS=$(q "SELECT count(*) FROM orders")
CERTS=$(q "SELECT count(*) FROM certificate")
expect 5 "key-issue with a wrong PIN" -- sh -c "echo 99999999 | '$RACTL' clerk key-issue lily --key $LKEY"
[ "$(q "SELECT count(*) FROM clerk_cert")" = 0 ] && ok || bad "a failed issuance left a roster entry"
expect 0 "key-issue" -- sh -c "echo $PIN | '$RACTL' clerk key-issue lily --key $LKEY"
contains "clerk certificate" "key-issue says what it issued"
contains "for lily on USB key $LKEY" "key-issue names clerk and key"
expect 0 "key-issue json" -- sh -c "echo $PIN | '$RACTL' --json clerk key-issue ray --key \$(echo $PIN | '$RACTL' --json key init blank --label 'Ray clerk' --pin-stdin | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"serial\"])')"
RSERIAL=$(echo "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["serial"])' 2>/dev/null)
RKEY=$(echo "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])' 2>/dev/null)
[ -n "$RSERIAL" ] && [ -n "$RKEY" ] && ok || bad "key-issue json lacks serial or key: $OUT"
expect 7 "a second issuance onto a key in force" -- sh -c "echo $PIN | '$RACTL' clerk key-issue lily --key $LKEY"
contains "revoke it first" "says to revoke first"
expect 0 "key-list" -- "$RACTL" clerk key-list
contains "lily" "key-list names lily"
contains "in force" "key-list shows the state"
LSERIAL=$(q "SELECT serial FROM clerk_cert k JOIN clerk c ON c.id = k.clerk_id WHERE c.login = 'lily'")
[ "$(q "SELECT count(*) FROM audit WHERE action = 'clerk.key_issued' AND actor = 'boss' AND detail LIKE '%$LSERIAL for lily%'")" = 1 ] &&
    ok || bad "the issuance is not audited"
[ "$(q "SELECT count(*) FROM outbox WHERE kind = 'certificate.issued' AND entity_id = '$LSERIAL'")" = 1 ] &&
    ok || bad "HQ hears nothing of the clerk certificate"

# The certificate on the key, checked with tools nobody here wrote.
pkcs11-tool --module "$M" --token-label "Lily clerk" --read-object --type cert --label rk-clerk-login \
    -o "$T/lily.der" 2>/dev/null
openssl x509 -inform DER -in "$T/lily.der" -out "$T/lily.pem" 2>/dev/null
expect 0 "openssl verify of the clerk certificate" -- openssl verify -CAfile "$CA/root.pem" -untrusted "$CA/subca.pem" "$T/lily.pem"
openssl x509 -in "$T/lily.pem" -noout -subject -nameopt utf8,sep_comma_plus >"$T/lily.subject"
grep -q "CN=李录入" "$T/lily.subject" && grep -q "serialNumber=lily" "$T/lily.subject" && grep -q "OU=clerk" "$T/lily.subject" &&
    ok || bad "clerk certificate subject: $(cat "$T/lily.subject")"
openssl x509 -in "$T/lily.pem" -noout -ext extendedKeyUsage 2>/dev/null | grep -q "Client Authentication" &&
    ok || bad "the clerk certificate is not for client authentication"
pkcs11-tool --module "$M" --token-label "Lily clerk" --login --pin $PIN --list-objects --type privkey >"$T/lilypriv" 2>/dev/null
grep -q "never extractable" "$T/lilypriv" && ok || bad "the clerk's private key is extractable: $(cat "$T/lilypriv")"

# --- the subscriber's side -----------------------------------------------------
[ "$(q "SELECT count(*) FROM orders")" = "$ORDERS" ] && [ "$(q "SELECT count(*) FROM certificate")" = "$CERTS" ] &&
    ok || bad "issuing clerk keys changed orders or the certificate ledger"
SKEY=$(new_key "Subscriber Wang")
REF=$(paid_order 王小明)
as lily
expect 0 "a subscriber's enrolment" -- enrol_with $REF $SKEY
as nobody
refused "a subscriber's key (this sub-CA's certificate, not a clerk's)" "USB key $SKEY: no clerk certificate%" -- \
    sh -c "echo $PIN | '$RACTL' clerk login --key --token $SKEY"
# Its certificate and key, presented as a clerk's, are not in the roster either.
pkcs11-tool --module "$M" --token-label "Subscriber Wang" --read-object --type cert \
    --id "$(pkcs11-tool --module "$M" --token-label "Subscriber Wang" --list-objects --type cert 2>/dev/null | awk '/ID:/ {print $2; exit}')" \
    -o "$T/sub.der" 2>/dev/null
openssl x509 -inform DER -in "$T/sub.der" -out "$T/sub.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$T/soft.key" 2>/dev/null
refused "a subscriber's certificate with another key" "%not signed with the certificate's key%" -- "$HELPER" answer "$T/sub.pem" "$T/soft.key"

# --- the clerk's side: logging in ---------------------------------------------
as lilykey
expect 2 "login with neither" -- "$RACTL" clerk login
expect 2 "--token without --key" -- "$RACTL" clerk login --token "$LKEY"
expect 1 "several clerk keys inserted" -- sh -c "echo $PIN | '$RACTL' clerk login --key"
contains "--token SERIAL" "names the option to pick one"
contains "$LKEY" "names the keys"
"$RACTL" -q key pull "$RKEY" >/dev/null
expect 0 "login --key (the one clerk key inserted)" -- sh -c "echo $PIN | '$RACTL' clerk login --key"
contains "logged in as lily (entry,issue) with USB key $LKEY" "login --key says who"
expect 0 "whoami" -- "$RACTL" clerk whoami
contains "lily (entry,issue)" "whoami after a key login"
[ "$(q "SELECT count(*) FROM audit WHERE action = 'clerk.login' AND actor = 'lily' AND detail LIKE 'USB key $LKEY, certificate $LSERIAL'")" = 1 ] &&
    ok || bad "the key login is not audited with key and certificate"
expect 0 "logout" -- "$RACTL" clerk logout
expect 0 "login --key --token, json" -- sh -c "echo $PIN | '$RACTL' --json clerk login --key --token $LKEY"
contains '"login":"lily"' "json names the clerk"
"$RACTL" -q clerk logout

# --- the attacker's side --------------------------------------------------------
as mallory
refused "wrong PIN" "USB key $LKEY: wrong PIN%" -- sh -c "echo 00000000 | '$RACTL' clerk login --key --token $LKEY"

# A self-made certificate with lily's very subject, on a key of its own.
AKEY=$(new_key "Attacker key")
pkcs11-tool --module "$M" --token-label "Attacker key" --login --pin $PIN --keypairgen --key-type EC:prime256v1 \
    --id 0a0b0c --label rk-clerk-login >/dev/null 2>&1
SUBJ=$(openssl x509 -in "$T/lily.pem" -noout -subject -nameopt RFC2253,-esc_msb | sed 's/^subject=//')
PKCS11_MODULE_PATH=$M openssl req -new -x509 -days 30 -engine pkcs11 -keyform engine \
    -key "pkcs11:token=Attacker%20key;object=rk-clerk-login;type=private;pin-value=$PIN" \
    -subj "/$(echo "$SUBJ" | awk -F, '{for (i = NF; i > 0; i--) printf "%s%s", $i, (i > 1 ? "/" : "")}')" \
    -utf8 -out "$T/self.pem" >/dev/null 2>&1
openssl x509 -in "$T/self.pem" -outform DER -out "$T/self.der" 2>/dev/null
pkcs11-tool --module "$M" --token-label "Attacker key" --login --pin $PIN --write-object "$T/self.der" \
    --type cert --id 0a0b0c --label rk-clerk-login >/dev/null 2>&1
[ -s "$T/self.der" ] && openssl x509 -in "$T/self.pem" -noout -subject -nameopt utf8 | grep -q "CN=李录入" && ok || bad "could not make the self-made certificate with lily's name"
refused "a self-made certificate with the clerk's name" "USB key $AKEY: %not issued by this branch's sub-CA%" -- \
    sh -c "echo $PIN | '$RACTL' clerk login --key --token $AKEY"

# A look-alike sub-CA: the branch sub-CA's very name, another key.
openssl x509 -in "$CA/subca.pem" -noout -subject -nameopt RFC2253,-esc_msb | sed 's/^subject=//' >"$T/casubj"
openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -keyout "$T/fakeca.key" -subj "/$(awk -F, '{for (i = NF; i > 0; i--) printf "%s%s", $i, (i > 1 ? "/" : "")}' "$T/casubj")" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out "$T/fakeca.pem" 2>/dev/null
openssl req -new -key "$T/soft.key" -subj "/CN=x" -out "$T/fake.csr" 2>/dev/null
openssl x509 -req -in "$T/fake.csr" -CA "$T/fakeca.pem" -CAkey "$T/fakeca.key" -set_serial "0x$LSERIAL" \
    -days 30 -out "$T/fake.pem" 2>/dev/null
refused "a look-alike sub-CA's certificate with lily's serial" "%" -- "$HELPER" answer "$T/fake.pem" "$T/soft.key"
q "SELECT detail FROM audit ORDER BY seq DESC LIMIT 1" | grep -qi "signature\|not issued\|chain" &&
    ok || bad "the look-alike is refused for something else: $(q 'SELECT detail FROM audit ORDER BY seq DESC LIMIT 1')"

# Another branch: its own sub-CA under the same root, a genuine clerk
# certificate for its own "lily", presented here.
B2=$T/data2
openssl req -new -key "$T/soft.key" -subj "/CN=lily" -out "$T/b2.csr" 2>/dev/null
(
    export RAKIOSK_DATA_DIR=$B2 RAKIOSK_SESSION=$T/session.b2
    unset SOFTHSM2_CONF
    "$RACTL" -q init >/dev/null
    echo bosspass1 | "$RACTL" -q clerk add boss --name 他主管 --roles supervisor,issue >/dev/null
    echo bosspass1 | "$RACTL" -q clerk login boss >/dev/null
    "$RACTL" -q ca init --name "Other branch" --root-cert "$CA/demo-root.pem" --root-key "$CA/demo-root.key" >/dev/null
    "$RACTL" -q ca issue --profile clerk --csr "$T/b2.csr" --field clerk_login=lily \
        --field clerk_name=李录入 --field branch_id=DEMO01 --out "$T/b2.pem" >/dev/null
) || bad "the other branch did not issue"
expect 0 "the other branch's certificate chains to the same root" -- \
    openssl verify -CAfile "$CA/root.pem" -untrusted "$B2/ca/subca.pem" "$T/b2.pem"
refused "another branch's clerk certificate" "%not issued by this branch's sub-CA%" -- "$HELPER" answer "$T/b2.pem" "$T/soft.key"

# Replayed: one answer counts once; an answer to a challenge never given
# counts never.
echo $PIN | "$HELPER" replay "$LKEY" >"$T/replay" 2>&1
grep -q "^first: ok lily$" "$T/replay" && ok || bad "the genuine answer was refused: $(cat "$T/replay")"
grep -q "^again: refused: $REFUSED$" "$T/replay" && ok || bad "a replayed answer: $(cat "$T/replay")"
grep -q "^unasked: refused: $REFUSED$" "$T/replay" && ok || bad "an unasked challenge: $(cat "$T/replay")"
[ "$(q "SELECT count(*) FROM audit WHERE action = 'clerk.login_refused' AND detail LIKE 'USB key $LKEY: the challenge is unknown%'")" = 2 ] &&
    ok || bad "replays are not audited"

# Suspended at the sub-CA, then resumed without a new CRL: the register
# says good but the newest CRL still lists it, and the CRL wins.
as boss
"$RACTL" -q ca suspend "$LSERIAL"
as mallory
refused "a suspended certificate" "%suspended at the sub-CA%" -- sh -c "echo $PIN | '$RACTL' clerk login --key --token $LKEY"
as lily
"$RACTL" -q ca crl >/dev/null
as boss
"$RACTL" -q ca resume "$LSERIAL"
as mallory
refused "a certificate on the newest CRL" "%listed on the newest CRL%" -- sh -c "echo $PIN | '$RACTL' clerk login --key --token $LKEY"
as lily
"$RACTL" -q ca crl >/dev/null
as lilykey
expect 0 "the next CRL clears it" -- sh -c "echo $PIN | '$RACTL' clerk login --key --token $LKEY"
"$RACTL" -q clerk logout

# A deactivated clerk's key.
as boss
"$RACTL" -q clerk deactivate lily
as mallory
refused "a deactivated clerk" "%clerk deactivated" -- sh -c "echo $PIN | '$RACTL' clerk login --key --token $LKEY"
as boss
"$RACTL" -q clerk activate lily

# Revoked: the roster refuses at once, the sub-CA and its CRL say so too.
as lily
expect 5 "key-revoke needs a supervisor" -- "$RACTL" clerk key-revoke "$LSERIAL"
as boss
expect 0 "key-revoke" -- "$RACTL" clerk key-revoke "$LSERIAL" --reason keyCompromise --why "key lost"
contains "CRL number" "key-revoke signs the CRL"
expect 1 "the sub-CA has it revoked" -- "$RACTL" ca status "$LSERIAL"
contains "revoked" "ca status shows the revocation"
openssl crl -inform DER -in "$CA/crl.der" -noout -text 2>/dev/null | grep -qi "$LSERIAL" &&
    ok || bad "the CRL does not list the revoked clerk certificate"
as mallory
refused "a revoked certificate" "%revoked in the roster" -- sh -c "echo $PIN | '$RACTL' clerk login --key --token $LKEY"
# A new certificate onto the same key replaces the revoked one.
as boss
expect 0 "key-issue after a revocation" -- sh -c "echo $PIN | '$RACTL' clerk key-issue lily --key $LKEY"
as lilykey
expect 0 "login with the new certificate" -- sh -c "echo $PIN | '$RACTL' clerk login --key --token $LKEY"
"$RACTL" -q clerk logout

# Password logins switched off by conf: refused before any password is
# checked, audited; the key still works.
sed 's/^password_login = yes/password_login = no/' "$RAKIOSK_CONF" >"$T/keyonly.conf"
sed -i "s|^fees = |fees = $RK_SOURCE_DIR/conf/|; s|^forms = |forms = $RK_SOURCE_DIR/conf/|; s|^profiles = |profiles = $RK_SOURCE_DIR/conf/|; s|^calendar = |calendar = $RK_SOURCE_DIR/conf/|; s|^knowledge = |knowledge = $RK_SOURCE_DIR/conf/|" "$T/keyonly.conf"
grep -q "^password_login = no" "$T/keyonly.conf" && ok || bad "could not switch password logins off"
expect 5 "a password login, switched off" -- sh -c "echo lilypass1 | RAKIOSK_CONF=$T/keyonly.conf '$RACTL' clerk login lily"
contains "password logins are off" "says password logins are off"
[ "$(q "SELECT count(*) FROM audit WHERE action = 'clerk.login_refused' AND actor = 'lily' AND detail = 'password logins are off'")" = 1 ] &&
    ok || bad "the switched-off password login is not audited"
expect 0 "the key, with password logins off" -- sh -c "echo $PIN | RAKIOSK_CONF=$T/keyonly.conf '$RACTL' clerk login --key --token $LKEY"
"$RACTL" -q clerk logout

# No PIN was written anywhere.
grep -rqs "$PIN" "$DB" "$RAKIOSK_DATA_DIR/sessions" 2>/dev/null && bad "the PIN is in the database" || ok
expect 0 "audit verify" -- "$RACTL" audit verify
finish
