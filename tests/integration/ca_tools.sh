#!/usr/bin/env bash
# The branch sub-CA through ractl, checked with the openssl command: `ractl
# ca init` (demo root, sub-CA key in the SoftHSM2 token "rakiosk-hsm", PIN
# file 0600), `ca issue` from a request made by `openssl req` (and from an
# RSA one for the server profile), `openssl verify` of the chain, pkcs11-tool
# showing the sub-CA key non-extractable in the HSM, revoke/suspend/resume
# with CRLs verified by `openssl crl -CAfile`, CRL numbers increasing across
# runs, HQ CRL import with its refusals, `ca status` and exit codes; the
# trust of imported CRLs: HQ's CA certificates configured ([hq] ca_certs),
# a forged CRL made by `openssl ca -gencrl` under a self-made certificate
# carrying the sub-CA's name refused with the CRL in force kept, CRLs of
# another configured CA looked up by issuer, stale CRLs, decimal numbers.
set -euo pipefail

T=$(mktemp -d)
trap '[ -n "${RK_KEEP:-}" ] || rm -rf "$T"' EXIT
export RAKIOSK_CONF="$RK_SOURCE_DIR/conf/kiosk.conf"
export RAKIOSK_DATA_DIR="$T/data"
export RAKIOSK_HSM_MODULE="$RK_BUILD_DIR/app/p11lock/rkp11lock.so"
unset SOFTHSM2_CONF RK_P11LOCK_STATE_DIR RK_P11LOCK_MAX_TRIES RAKIOSK_NOW RAKIOSK_HSM_PIN_FILE
D="$T/data/ca"

fail() { echo "FAIL: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
expect_exit() { # CODE CMD...
    local want=$1; shift
    set +e; "$@" >"$T/out" 2>"$T/err"; local got=$?; set -e
    [ "$got" = "$want" ] || { cat "$T/out" "$T/err" >&2; fail "exit $got, expected $want: $*"; }
}

"$RACTL" -q init >/dev/null
"$RACTL" ca --help | grep -q import-crl || fail "ca --help"
"$RACTL" ca issue --help | grep -q -- --profile || fail "ca issue --help"
expect_exit 6 "$RACTL" ca status
grep -q "ractl ca init" "$T/err" || fail "status before init does not say what to do"

# 1. init: demo root + sub-CA in the HSM.
"$RACTL" --json ca init --name "Demo branch" >"$T/init.json"
[ "$(json 'd["demo_root"]' <"$T/init.json")" = True ] || fail "demo root"
[ "$(stat -c %a "$T/data/hsm.pin")" = 600 ] || fail "hsm.pin not 0600"
[ "$(stat -c %a "$D/demo-root.key")" = 600 ] || fail "demo-root.key not 0600"
expect_exit 7 "$RACTL" ca init
openssl verify -CAfile "$D/root.pem" "$D/subca.pem" >/dev/null || fail "sub-CA does not chain"
openssl x509 -in "$D/subca.pem" -noout -text | grep -q "CA:TRUE, pathlen:0" || fail "pathlen"
SOFTHSM2_CONF="$T/data/softkeys/softhsm2.conf" pkcs11-tool --module "$RAKIOSK_HSM_MODULE" \
    --token-label rakiosk-hsm --login --pin "$(cat "$T/data/hsm.pin")" --list-objects \
    >"$T/hsm.txt" 2>/dev/null
grep -A8 '^Private Key Object' "$T/hsm.txt" | grep -q "never extractable" \
    || { cat "$T/hsm.txt"; fail "the sub-CA key is not in the HSM as never extractable"; }

# 2. issue from openssl-made requests: a clerk with the issue role.
openssl ecparam -genkey -name prime256v1 -noout -out "$T/ec.key"
openssl req -new -key "$T/ec.key" -subj "/CN=ignored/O=ignored" -out "$T/ec.csr"
as() { export RAKIOSK_SESSION=$T/session.$1; }
clerks() { # a supervisor (boss) and an issuing clerk (lily), logged in
    as boss
    echo bosspass1 | "$RACTL" -q clerk add boss --name 王主管 --roles supervisor >/dev/null
    echo bosspass1 | "$RACTL" -q clerk login boss >/dev/null
    echo lilypass1 | "$RACTL" -q clerk add lily --name 李发证 --roles issue >/dev/null
    as lily; echo lilypass1 | "$RACTL" -q clerk login lily >/dev/null
}
as nobody
expect_exit 5 "$RACTL" ca issue --profile orgperson-sign --csr "$T/ec.csr" --out "$T/c1.pem"
grep -q "clerk login" "$T/err" || fail "ca issue without a clerk does not say to log in"
clerks
"$RACTL" --json ca issue --profile orgperson-sign --csr "$T/ec.csr" --out "$T/c1.pem" \
    --field applicant_name=赵六 --field id_number=110105194912310021 \
    --field enterprise_name=示例科技有限公司 --field credit_code=91110108MA01ABCD2X \
    --field department=财务部 >"$T/issue.json"
S1=$(json 'd["serial"]' <"$T/issue.json")
[ ${#S1} -ge 31 ] || fail "serial $S1"
openssl verify -CAfile "$D/root.pem" -untrusted "$D/subca.pem" "$T/c1.pem" || fail "verify c1"
openssl x509 -in "$T/c1.pem" -noout -text -nameopt utf8 >"$T/c1.txt"
grep -q "O=示例科技有限公司, OU=财务部, CN=赵六" "$T/c1.txt" || { cat "$T/c1.txt"; fail "subject"; }
grep -q "ignored" "$T/c1.txt" && fail "subject taken from the request"
grep -q "1.2.156.10260.4.1.1" "$T/c1.txt" || fail "identity extension"
grep -q "1.2.156.10260.4.4" "$T/c1.txt" || fail "credit code extension"
# asn1parse: the extension value is a PrintableString
OFF=$(openssl asn1parse -in "$T/c1.pem" | grep -A2 ':1.2.156.10260.4.4' | grep 'OCTET STRING' \
      | head -1 | cut -d: -f1 | tr -d ' ')
openssl asn1parse -in "$T/c1.pem" -strparse "$OFF" | grep -q "PRINTABLESTRING *:91110108MA01ABCD2X" \
    || fail "credit code is not a PrintableString"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/rsa.key" 2>/dev/null
openssl req -new -key "$T/rsa.key" -subj "/CN=x" -out "$T/rsa.csr"
S2=$("$RACTL" --json ca issue --profile server-sign --csr "$T/rsa.csr" --out "$T/c2.pem" \
    --field enterprise_name=示例 --field domain=www.example.cn | json 'd["serial"]')
openssl verify -CAfile "$D/root.pem" -untrusted "$D/subca.pem" -verify_hostname www.example.cn \
    -purpose sslserver "$T/c2.pem" || fail "server certificate"
S3=$("$RACTL" --json ca issue --profile server-sign --csr "$T/rsa.csr" --out "$T/c3.pem" \
    --field enterprise_name=示例 --field domain=api.example.cn | json 'd["serial"]')
# refusals: wrong key type, missing field, unknown profile, garbage request
expect_exit 1 "$RACTL" ca issue --profile server-sign --csr "$T/ec.csr" --out "$T/x.pem" \
    --field enterprise_name=x --field domain=a.cn
grep -q "rsa-2048" "$T/err" || fail "wrong key message"
expect_exit 1 "$RACTL" ca issue --profile individual-sign --csr "$T/ec.csr" --out "$T/x.pem"
grep -q "applicant_name" "$T/err" || fail "missing field message"
expect_exit 6 "$RACTL" ca issue --profile nope --csr "$T/ec.csr" --out "$T/x.pem"
echo garbage >"$T/bad.csr"
expect_exit 1 "$RACTL" ca issue --profile individual-sign --csr "$T/bad.csr" --out "$T/x.pem"
expect_exit 2 "$RACTL" ca issue --profile individual-sign

# 3. revoke, suspend (a supervisor), CRL verified by openssl.
expect_exit 5 "$RACTL" ca revoke "$S1" --reason keyCompromise
as boss
"$RACTL" ca revoke "$S1" --reason keyCompromise
"$RACTL" ca suspend "$S2"
expect_exit 7 "$RACTL" ca revoke "$S1"
expect_exit 2 "$RACTL" ca revoke "$S1" --reason certificateHold
expect_exit 6 "$RACTL" ca revoke 0123abcd
as lily
N1=$("$RACTL" --json ca crl | json 'd["number"]')
cat "$D/subca.pem" "$D/root.pem" >"$T/chain.pem"
openssl crl -in "$D/crl.pem" -CAfile "$T/chain.pem" -noout -text >"$T/crl.txt" 2>&1
grep -q "verify OK" "$T/crl.txt" || { cat "$T/crl.txt"; fail "CRL does not verify"; }
grep -qi "$S1" "$T/crl.txt" && grep -q "Key Compromise" "$T/crl.txt" || fail "revoked entry"
grep -qi "$S2" "$T/crl.txt" && grep -q "Certificate Hold" "$T/crl.txt" || fail "hold entry"
grep -qi "$S3" "$T/crl.txt" && fail "good certificate on the CRL"
openssl verify -crl_check -CRLfile "$D/crl.pem" -CAfile "$T/chain.pem" "$T/c3.pem" >/dev/null \
    || fail "good certificate refused with the CRL"
if openssl verify -crl_check -CRLfile "$D/crl.pem" -CAfile "$T/chain.pem" "$T/c1.pem" >/dev/null 2>&1; then
    fail "revoked certificate accepted with the CRL"
fi

# 4. HQ CRL import (here the sub-CA's own CRL stands in) and status.
"$RACTL" ca import-crl "$D/crl.der" | grep -q "imported CRL number"
expect_exit 7 "$RACTL" ca import-crl "$D/crl.der"
grep -q "not newer" "$T/err" || fail "same number message"
# A CRL of a CA nobody configured (made by openssl ca), even with its
# certificate given: not a configured CA / does not chain.
mkdir -p "$T/other"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/other/ca.key" \
    -out "$T/other/ca.pem" -subj "/CN=Other HQ CA/O=rakiosk tests" -days 30 \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
gencrl() { # DIR CERT KEY OUT [INDEX-LINE...]: a CRL made by `openssl ca -gencrl`
    local dir=$1 cert=$2 key=$3 out=$4; shift 4
    : >"$dir/index.txt"
    for l in "$@"; do printf '%s\n' "$l" >>"$dir/index.txt"; done
    [ -e "$dir/crlnumber" ] || echo 1000 >"$dir/crlnumber"
    printf '%s\n' "[ca]" "default_ca = d" "[d]" "database = $dir/index.txt" \
        "crlnumber = $dir/crlnumber" "default_md = sha256" "default_crl_days = 7" \
        "crl_extensions = ext" "[ext]" "authorityKeyIdentifier = keyid:always" >"$dir/ca.cnf"
    openssl ca -config "$dir/ca.cnf" -gencrl -cert "$cert" -keyfile "$key" -out "$out.pem" \
        2>"$dir/gencrl.log" || { cat "$dir/gencrl.log" >&2; fail "openssl ca -gencrl"; }
    openssl crl -in "$out.pem" -outform DER -out "$out"
}
revoked_line() { # SERIAL REASON (openssl's index wants an even number of digits)
    local s=$1
    [ $(( ${#s} % 2 )) = 0 ] || s=0$s
    printf 'R\t%s\t%s,%s\t%s\tunknown\t/CN=x' 301231000000Z 250101000000Z "$2" "$s"
}
gencrl "$T/other" "$T/other/ca.pem" "$T/other/ca.key" "$T/other.der" \
    "$(revoked_line 1234ABCD keyCompromise)"
expect_exit 6 "$RACTL" ca import-crl "$T/other.der"
grep -q "not a configured CA" "$T/err" || fail "wrong issuer message"
expect_exit 1 "$RACTL" ca import-crl "$T/other.der" --issuer "$T/other/ca.pem"
grep -q "does not chain to a configured root" "$T/err" || fail "unconfigured CA message: $(cat "$T/err")"

# A forged CRL: a self-made certificate carrying the sub-CA's name (the
# sub-CA's certificate re-signed with another key), whose CRL, with a far
# higher number, revokes the good S3 and lists neither S1 nor S2. Refused
# with --issuer and without; the genuine CRL stays in force.
mkdir -p "$T/forge"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/forge/key.pem" 2>/dev/null
openssl x509 -in "$D/subca.pem" -signkey "$T/forge/key.pem" -out "$T/forge/cert.pem" 2>/dev/null
[ "$(openssl x509 -in "$T/forge/cert.pem" -noout -subject)" = \
  "$(openssl x509 -in "$D/subca.pem" -noout -subject)" ] || fail "forged certificate's name"
echo 7FFFFFFF >"$T/forge/crlnumber"
gencrl "$T/forge" "$T/forge/cert.pem" "$T/forge/key.pem" "$T/forged.der" \
    "$(revoked_line "$S3" keyCompromise)"
expect_exit 1 "$RACTL" ca import-crl "$T/forged.der" --issuer "$T/forge/cert.pem"
grep -q "does not chain to a configured root of HQ" "$T/err" || fail "forged: no chain message"
grep -q "stays in force" "$T/err" || fail "forged: the message does not say the CRL held stays"
expect_exit 1 "$RACTL" ca import-crl "$T/forged.der"
grep -q "signature does not verify" "$T/err" || fail "forged without --issuer: $(cat "$T/err")"
[ "$(sqlite3 "$T/data/rakiosk.db" "SELECT count(*) FROM audit WHERE action = 'ca.import_crl_refused'")" -ge 4 ] \
    || fail "refused imports are not audited"
expect_exit 0 "$RACTL" ca status "$S3"
grep -q "on HQ CRL   good" "$T/out" || fail "the forged CRL changed S3's answer"
expect_exit 1 "$RACTL" ca status "$S1"
grep -q "on HQ CRL   revoked keyCompromise" "$T/out" || fail "the forged CRL changed S1's answer"

# Without HQ's CA configured, the error says how to configure it.
cp -r "$RK_SOURCE_DIR/conf" "$T/conf2"
sed -i '/^ca_certs/d' "$T/conf2/kiosk.conf"
expect_exit 3 env RAKIOSK_CONF="$T/conf2/kiosk.conf" "$RACTL" ca import-crl "$D/crl.der"
grep -q "set ca_certs under \[hq\]" "$T/err" || fail "no how-to: $(cat "$T/err")"
head -c 100 "$D/crl.der" >"$T/trunc.der"
expect_exit 1 "$RACTL" ca import-crl "$T/trunc.der"
grep -q "not a valid CRL" "$T/err" || fail "truncated message"
expect_exit 1 "$RACTL" ca status "$S1"
grep -q "revoked (keyCompromise" "$T/out" || fail "status revoked"
grep -q "on HQ CRL   revoked keyCompromise" "$T/out" || fail "status on CRL"
[ "$("$RACTL" --json ca status "$S2" | json 'd["crl_status"]')" = suspended ] || fail "hold on CRL"
expect_exit 0 "$RACTL" ca status "$S3"
# The JSON answer carries the reasons and the CRL it used; numbers in decimal.
expect_exit 1 "$RACTL" --json ca status "$S1"
[ "$(json 'd["reason"]' <"$T/out")" = keyCompromise ] || fail "json reason: $(cat "$T/out")"
[ "$(json 'd["crl_reason"]' <"$T/out")" = keyCompromise ] || fail "json crl_reason"
[ "$(json 'd["crl_number"]' <"$T/out")" = "$N1" ] || fail "json crl_number: $(cat "$T/out")"
[ "$(json 'd["crl_stale"]' <"$T/out")" = False ] || fail "json crl_stale"
[ "$("$RACTL" --json ca status "$S3" | json 'd["reason"]')" = None ] || fail "good has a reason"
"$RACTL" ca status | grep -q "number $N1," || fail "ca status lists the CRL number otherwise"
# Stale once its next update has passed (the sub-CA's CRLs last 7 days).
LATER=@$(( $(date +%s) + 8 * 86400 ))
expect_exit 1 env RAKIOSK_NOW=$LATER "$RACTL" ca status "$S1"
grep -q "^STALE" "$T/out" || fail "a stale CRL's answer does not say so: $(cat "$T/out")"
[ "$(RAKIOSK_NOW=$LATER "$RACTL" --json ca status "$S3" | json 'd["crl_stale"]')" = True ] \
    || fail "json crl_stale when stale"

# Another CA of HQ, configured beside the root: its CRL imports, and its
# serials are looked up by issuer (id or name).
cat "$D/root.pem" "$T/other/ca.pem" >"$T/hq-bundle.pem"
sed -i "s|^\[hq\]|[hq]\nca_certs = $T/hq-bundle.pem|" "$T/conf2/kiosk.conf"
expect_exit 0 env RAKIOSK_CONF="$T/conf2/kiosk.conf" "$RACTL" --json ca import-crl "$T/other.der"
[ "$(json 'd["number"]' <"$T/out")" = 4096 ] || fail "CRL number not decimal: $(cat "$T/out")"
OTHER_ID=$(json 'd["issuer_id"]' <"$T/out")
OTHER_NAME=$(json 'd["issuer"]' <"$T/out")
expect_exit 1 "$RACTL" ca status 1234abcd --issuer "$OTHER_NAME"
grep -q "on the CRL   revoked keyCompromise" "$T/out" || fail "other CA's serial: $(cat "$T/out")"
grep -q "number 4096 of" "$T/out" || fail "other CA's CRL number"
expect_exit 1 "$RACTL" --json ca status 12:34:AB:CD --issuer "$OTHER_ID"
[ "$(json 'd["status"]' <"$T/out")" = revoked ] && [ "$(json 'd["crl_reason"]' <"$T/out")" = keyCompromise ] \
    || fail "other CA's serial in JSON: $(cat "$T/out")"
expect_exit 0 "$RACTL" ca status 1234abce --issuer "$OTHER_ID"
expect_exit 6 "$RACTL" ca status 1234abcd --issuer "CN=nobody"
expect_exit 2 "$RACTL" ca status 1234abcd
grep -q -- "--issuer" "$T/err" || fail "several CRLs held: no hint at --issuer"

# 5. resume; CRL numbers keep increasing across runs; the hold is gone.
as boss; "$RACTL" ca resume "$S2"; as lily
# The register says good, the CRL still holds it: revoked or suspended
# anywhere exits 1, and the answer says the two disagree.
expect_exit 1 "$RACTL" ca status "$S2"
grep -q "disagree" "$T/out" || fail "no note of the disagreement"
N2=$("$RACTL" --json ca crl --days 2 | json 'd["number"]')
N3=$("$RACTL" --json ca crl | json 'd["number"]')
[ "$N2" -gt "$N1" ] && [ "$N3" -gt "$N2" ] || fail "CRL numbers $N1 $N2 $N3"
openssl crl -in "$D/crl.pem" -CAfile "$T/chain.pem" -noout -text >"$T/crl2.txt" 2>&1
grep -q "verify OK" "$T/crl2.txt" || fail "CRL 3 does not verify"
grep -qi "$S2" "$T/crl2.txt" && fail "resumed certificate still on the CRL"
"$RACTL" ca import-crl "$D/crl.der" >/dev/null
[ "$("$RACTL" --json ca status "$S2" | json 'd["crl_status"]')" = good ] || fail "resume on CRL"
C=$("$RACTL" --json ca status)
[ "$(echo "$C" | json 'd["revoked"]')" = 1 ] && [ "$(echo "$C" | json 'd["good"]')" = 2 ] \
    || fail "counts: $C"
[ "$(echo "$C" | json 'd["crl_number"]')" = "$N3" ] || fail "status CRL number"

# Every action is in the ledger's audit log, and the chain holds.
for action in ca.issue ca.revoke ca.suspend ca.resume ca.crl ca.import_crl; do
    [ "$(sqlite3 "$T/data/rakiosk.db" "SELECT count(*) FROM audit WHERE action = '$action'")" -ge 1 ] \
        || fail "no $action in the audit log"
done
"$RACTL" audit verify >/dev/null || fail "audit verify"

# 6. An SM2 sub-CA in another data directory issues an SM2 certificate.
export RAKIOSK_DATA_DIR="$T/sm2"
"$RACTL" -q init >/dev/null
"$RACTL" -q ca init --key sm2
clerks
openssl genpkey -algorithm SM2 -out "$T/sm2.key" 2>/dev/null
openssl req -new -key "$T/sm2.key" -sm3 -sigopt distid:1234567812345678 -subj /CN=x -out "$T/sm2.csr"
"$RACTL" -q ca issue --profile individual-sm2-sign --csr "$T/sm2.csr" --out "$T/sm2.pem" \
    --field applicant_name=李四 --field id_number=110105194912310021
openssl x509 -in "$T/sm2.pem" -noout -text | grep -q "SM2-with-SM3" || fail "SM2 signature"
openssl verify -vfyopt distid:1234567812345678 -partial_chain -CAfile "$T/sm2/ca/subca.pem" \
    "$T/sm2.pem" >/dev/null || fail "SM2 certificate does not verify"
echo "ca_tools: all checks passed"
