#!/usr/bin/env bash
# The branch sub-CA through ractl, checked with the openssl command: `ractl
# ca init` (demo root, sub-CA key in the SoftHSM2 token "rakiosk-hsm", PIN
# file 0600), `ca issue` from a request made by `openssl req` (and from an
# RSA one for the server profile), `openssl verify` of the chain, pkcs11-tool
# showing the sub-CA key non-extractable in the HSM, revoke/suspend/resume
# with CRLs verified by `openssl crl -CAfile`, CRL numbers increasing across
# runs, HQ CRL import with its refusals, `ca status` and exit codes.
set -euo pipefail

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
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
expect_exit 6 "$RACTL" ca import-crl "$D/crl.der" --issuer "$D/root.pem"
grep -q "not a configured CA" "$T/err" || fail "wrong issuer message"
head -c 100 "$D/crl.der" >"$T/trunc.der"
expect_exit 1 "$RACTL" ca import-crl "$T/trunc.der"
grep -q "not a valid CRL" "$T/err" || fail "truncated message"
expect_exit 1 "$RACTL" ca status "$S1"
grep -q "revoked (keyCompromise" "$T/out" || fail "status revoked"
grep -q "on HQ CRL   revoked keyCompromise" "$T/out" || fail "status on CRL"
[ "$("$RACTL" --json ca status "$S2" | json 'd["crl_status"]')" = suspended ] || fail "hold on CRL"
expect_exit 0 "$RACTL" ca status "$S3"

# 5. resume; CRL numbers keep increasing across runs; the hold is gone.
as boss; "$RACTL" ca resume "$S2"; as lily
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
