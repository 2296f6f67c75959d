# The CMP server bound to the order ledger, checked with `openssl cmp` as
# the client: the PBM reference and secret are an approved order's
# reference and authorisation code (printed once by `ractl order approve`),
# usable once; unknown, spent, unpaid and other orders' references are
# refused with the same answer as a wrong secret; a revoke order's code
# revokes only the certificate it names, once; a revoked certificate
# authenticates no kur or rr; a malformed body gets HTTP 400; every refusal
# is logged, and the closing line counts them all.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/enrol_lib.bash"
command -v openssl >/dev/null || { echo "openssl missing"; exit 1; }

cd "$T"
PID=
cleanup() {
    [ -n "$PID" ] && { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }
    rm -rf "$T"
}
trap cleanup EXIT
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

branch_clerks

new_order() { # NAME: an individual's new certificate, submitted; prints its ref
    as lily
    "$RACTL" -q order new --business new --kind individual --field "applicant_name=$1" \
        --field applicant_id=11010519491231002X --field applicant_mobile=13800138000 \
        --field email=a@example.com --field invoice_type=ordinary --field delivery=pickup \
        --paper application_form --paper id_card --submit
}
pay() { # REF
    as lily
    local fee
    fee=$("$RACTL" --json order show "$1" | python3 -c \
        'import json,sys; f=json.load(sys.stdin)["fee_total"]; print("%d.%02d" % (f // 100, f % 100))')
    "$RACTL" -q order pay "$1" --method cash --amount "$fee"
}

# Approval prints the code once; JSON carries it; the audit log does not.
R1=$(new_order 李路)
as ray
expect 0 "approve prints the code" -- "$RACTL" order approve "$R1"
contains "authorisation code" "approve shows the code"
C1=$(echo "$OUT" | sed -n 's/^authorisation code \([0-9A-Z-]*\) .*/\1/p')
case "$C1" in ????-????-????-????) ok ;; *) bad "authorisation code '$C1'" ;; esac
if sqlite3 "$RAKIOSK_DATA_DIR/rakiosk.db" "SELECT * FROM audit; SELECT * FROM outbox;" | grep -q -- "$C1"; then
    bad "the code is in the audit log or the outbox"
else ok; fi
if sqlite3 "$RAKIOSK_DATA_DIR/rakiosk.db" "SELECT hex(authcode) FROM orders" | grep -qi "$(printf %s "$C1" | od -An -tx1 | tr -d ' \n')"; then
    bad "the code is stored in clear"
else ok; fi
R2=$(new_order 王五)
as ray
C2=$("$RACTL" --json order approve "$R2" | json 'd["authcode"]')
[ ${#C2} = 19 ] && ok || bad "json authcode '$C2'"
# A lost code: a new one replaces it, the old one stops working.
expect 0 "authcode renews" -- "$RACTL" order authcode "$R2"
C2OLD=$C2
C2=$(echo "$OUT" | sed -n 's/^authorisation code \([0-9A-Z-]*\) .*/\1/p')
[ -n "$C2" ] && [ "$C2" != "$C2OLD" ] && ok || bad "renewed code '$C2'"
as lily
expect 5 "only a review clerk renews a code" -- "$RACTL" order authcode "$R2"
pay "$R1"   # R2 stays unpaid

# The CA of `cmp serve`, made by openssl.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
    -out ca.pem -subj "/CN=Test HQ CA/O=rakiosk tests" -days 30 \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
"$RACTL" cmp serve --port 0 --port-file port --ca-cert ca.pem --ca-key ca.key \
    --revoked-file revoked --days 20 >serve.log 2>&1 &
PID=$!
for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
PORT=$(cat port 2>/dev/null)
if [ -z "$PORT" ]; then bad "ractl cmp serve did not start: $(cat serve.log)"; finish; exit 1; fi
SRV="-server 127.0.0.1:$PORT -path pkix/ -trusted ca.pem -unprotected_errors"
REFUSED=0
refused() { REFUSED=$((REFUSED + 1)); }

ec_key k1.pem; ec_key k2.pem; ec_key k3.pem
# The order's reference and code: one certificate.
expect 0 "ir with the order's reference and code" -- openssl cmp -cmd ir $SRV -ref "$R1" \
    -secret "pass:$C1" -newkey k1.pem -subject "/CN=Li Lu" -certout c1.pem
expect 0 "it verifies" -- openssl verify -CAfile ca.pem c1.pem
# Used once.
expect 1 "the same reference again" -- openssl cmp -cmd ir $SRV -ref "$R1" -secret "pass:$C1" \
    -newkey k2.pem -subject "/CN=Li Lu again" -certout c2.pem
refused
SAME=$OUT
[ ! -e c2.pem ] && ok || bad "a second certificate from one code"
# Unknown reference, another order's reference, a wrong code: the same answer.
expect 1 "unknown reference" -- openssl cmp -cmd ir $SRV -ref 999999-9999 -secret "pass:$C1" \
    -newkey k2.pem -subject "/CN=Mallory" -certout c2.pem
refused
contains "wrong pbm value" "refused as credentials"
UNKNOWN=$OUT
expect 1 "another order's reference with this code" -- openssl cmp -cmd ir $SRV -ref "$R2" \
    -secret "pass:$C1" -newkey k2.pem -subject "/CN=Mallory" -certout c2.pem
refused
expect 1 "the order is not paid" -- openssl cmp -cmd ir $SRV -ref "$R2" -secret "pass:$C2" \
    -newkey k2.pem -subject "/CN=Wang Wu" -certout c2.pem
refused
# Paid: the old code (replaced) fails the MAC, the new one works.
pay "$R2"
expect 1 "the old code after renewal" -- openssl cmp -cmd ir $SRV -ref "$R2" \
    -secret "pass:$C2OLD" -newkey k2.pem -subject "/CN=Wang Wu" -certout c2.pem
refused
WRONG=$OUT
expect 0 "the renewed code" -- openssl cmp -cmd ir $SRV -ref "$R2" -secret "pass:$C2" \
    -newkey k2.pem -subject "/CN=Wang Wu" -certout c2.pem
rm -f c2.pem
strip() { echo "$1" | grep -o 'StatusString: "[^"]*"\|PKIFailureInfo: [a-zA-Z]*' | sort -u; }
[ "$(strip "$SAME")" = "$(strip "$UNKNOWN")" ] && [ "$(strip "$SAME")" = "$(strip "$WRONG")" ] && ok \
    || bad "spent, unknown and wrong-secret answers differ: $(strip "$SAME") / $(strip "$UNKNOWN") / $(strip "$WRONG")"
logged serve.log "refused ir (reference 999999-9999): unknown reference" || bad "log: $(cat serve.log)"
logged serve.log "refused ir (reference $R1): the authorisation code of order $R1 has been used" \
    || bad "log does not say the code was used"
logged serve.log "refused ir (reference $R2): order $R2 is not paid yet" || bad "log: unpaid"
logged serve.log "refused ir (reference $R2): wrong secret" || bad "log: wrong secret"
if grep -q -- "$C1\|$C2" serve.log; then bad "a code is in the server's log"; else ok; fi
[ ! -e c2.pem ] && ok || bad "a refused request wrote a certificate"

# The certificate joins the ledger; a revoke order for it.
as lily
expect 0 "order issue" -- "$RACTL" order issue "$R1" --cert c1.pem
S1=$(openssl x509 -in c1.pem -noout -serial | cut -d= -f2)
R3=$("$RACTL" -q order new --business revoke --kind individual --field "cert_serial=$S1" \
    --field reason=keyCompromise --field applicant_name=李路 --field applicant_id=11010519491231002X \
    --field applicant_mobile=13800138000 --field email=a@example.com --field invoice_type=ordinary \
    --field delivery=pickup --paper application_form --paper id_card --submit)
[ -n "$R3" ] && ok || bad "revoke order"
as ray
C3=$("$RACTL" --json order approve "$R3" | json 'd["authcode"]')
[ ${#C3} = 19 ] && ok || bad "revoke order's code '$C3'"
# It revokes only the certificate it names.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key \
    -out other.pem -subj "/CN=Other" -days 1 2>/dev/null
openssl x509 -x509toreq -in other.pem -signkey other.key -out other.csr 2>/dev/null
openssl x509 -req -in other.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 5 -out c9.pem 2>/dev/null
expect 1 "rr of another certificate with the revoke order's code" -- openssl cmp -cmd rr $SRV \
    -ref "$R3" -secret "pass:$C3" -oldcert c9.pem -revreason 1
refused
contains "revokes certificate" "says which certificate the order revokes"
[ ! -s revoked ] && ok || bad "revoked: $(cat revoked)"
expect 0 "rr of its certificate" -- openssl cmp -cmd rr $SRV -ref "$R3" -secret "pass:$C3" \
    -oldcert c1.pem -revreason 1
[ "$(grep -ci "^$S1$" revoked)" = 1 ] && ok || bad "revoked file: $(cat revoked)"
expect 1 "the same rr again" -- openssl cmp -cmd rr $SRV -ref "$R3" -secret "pass:$C3" \
    -oldcert c1.pem -revreason 1
refused
[ "$(grep -ci "^$S1$" revoked)" = 1 ] && ok || bad "revoked twice: $(cat revoked)"
# A revoked certificate authenticates nothing.
expect 1 "kur signed by the revoked certificate" -- openssl cmp -cmd kur $SRV -cert c1.pem \
    -key k1.pem -newkey k3.pem -certout c3.pem
refused
contains "revoked" "the kur refusal says the certificate is revoked"
[ ! -e c3.pem ] && ok || bad "a revoked certificate renewed"
expect 1 "rr signed by the revoked certificate" -- openssl cmp -cmd rr $SRV -cert c1.pem \
    -key k1.pem -oldcert c9.pem -revreason 1
refused

# Malformed requests: 400, not 500; the listener goes on.
http() { # BODY-FILE: POST it, print the status line
    exec 3<>"/dev/tcp/127.0.0.1/$PORT"
    printf 'POST /pkix/ HTTP/1.0\r\nContent-Type: application/pkixcmp\r\nContent-Length: %d\r\n\r\n' \
        "$(stat -c %s "$1")" >&3
    cat "$1" >&3
    head -1 <&3 | tr -d '\r'
    exec 3<&- 3>&-
}
printf 'this is not DER' >junk.bin
STATUS=$(http junk.bin)
refused
case "$STATUS" in *" 400 "*) ok ;; *) bad "garbage body: $STATUS" ;; esac
printf '\x30\x03\x02\x01\x02' >seq.der # DER, but no CMP message
STATUS=$(http seq.der)
refused
case "$STATUS" in *" 400 "*) ok ;; *) bad "DER that is no CMP message: $STATUS" ;; esac
exec 3<>"/dev/tcp/127.0.0.1/$PORT" && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && RESP=$(cat <&3)
exec 3<&- 3>&-
refused
case "$RESP" in *"405"*) ok ;; *) bad "GET not refused with 405: $RESP" ;; esac

# The closing line counts every refusal.
kill -TERM "$PID"; wait "$PID" 2>/dev/null; PID=
grep -q "stopped: .* 2 issued, $REFUSED rejected, 1 revoked" serve.log \
    || bad "closing line, expected $REFUSED rejected: $(tail -3 serve.log)"
[ "$(grep -c "cmp server: refused" serve.log)" = "$REFUSED" ] \
    || bad "$REFUSED refusals, $(grep -c "cmp server: refused" serve.log) logged"
"$RACTL" audit verify >/dev/null && ok || bad "audit verify"
[ "$(sqlite3 "$RAKIOSK_DATA_DIR/rakiosk.db" "SELECT count(*) FROM audit WHERE action = 'order.authcode_used'")" = 3 ] \
    && ok || bad "the three uses are not audited"
finish
