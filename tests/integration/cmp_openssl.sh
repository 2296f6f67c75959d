# CMP checked with a tool nobody here wrote, both ways:
# (a) `openssl cmp` as a client gets real, correctly signed certificates from
#     the project's CMP server (`ractl cmp serve`): ir, p10cr, kur, rr, and a
#     wrong secret refused;
# (b) the project's CMP client (`ractl cmp request`) gets its certificate from
#     `openssl cmp`'s mock server, whose -rsp_cert was made for the very key
#     requested, and refuses it for any other key.
. "$(dirname "$0")/lib.bash"
command -v openssl >/dev/null || { echo "openssl missing"; exit 1; }

cd "$T"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
same_pubkey() { # CERT KEY
    [ "$(openssl x509 -in "$1" -noout -pubkey)" = "$(openssl pkey -in "$2" -pubout)" ]
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
    -out ca.pem -subj "/CN=Test HQ CA/O=rakiosk tests" -days 30 \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
echo "branch-secret-$$" >secret
echo "not-the-secret" >wrong

# ---- (a) openssl cmp client -> project server ------------------------------
"$RACTL" cmp serve --port 0 --port-file port --ca-cert ca.pem --ca-key ca.key \
    --ref DEMO01 --secret-file secret --revoked-file revoked --days 20 >serve.log 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -s port ] && break; sleep 0.1; done
PORT=$(cat port 2>/dev/null)
if [ -z "$PORT" ]; then bad "ractl cmp serve did not start: $(cat serve.log)"; finish; exit 1; fi
ok
SRV="-server 127.0.0.1:$PORT -path pkix/ -trusted ca.pem"

ec_key k1.pem
expect 0 "openssl cmp ir" -- openssl cmp -cmd ir $SRV -ref DEMO01 -secret file:secret \
    -newkey k1.pem -subject "/CN=Li Lu/O=Demo Branch" -certout c1.pem
expect 0 "ir cert verifies" -- openssl verify -CAfile ca.pem c1.pem
contains "c1.pem: OK" "verify ok"
if same_pubkey c1.pem k1.pem; then ok; else bad "ir cert is not for k1.pem"; fi
expect 0 "ir subject" -- openssl x509 -in c1.pem -noout -subject -enddate
contains "CN = Li Lu" "subject from the request"

ec_key k2.pem
openssl req -new -key k2.pem -subj "/CN=Wang Wu/O=Demo Org" -out k2.csr 2>/dev/null
expect 0 "openssl cmp p10cr" -- openssl cmp -cmd p10cr $SRV -ref DEMO01 -secret file:secret \
    -csr k2.csr -certout c2.pem
expect 0 "p10cr cert verifies" -- openssl verify -CAfile ca.pem c2.pem
if same_pubkey c2.pem k2.pem; then ok; else bad "p10cr cert is not for k2.pem"; fi

ec_key k3.pem
expect 0 "openssl cmp kur (signature-authenticated)" -- openssl cmp -cmd kur $SRV \
    -cert c1.pem -key k1.pem -newkey k3.pem -certout c3.pem
expect 0 "kur cert verifies" -- openssl verify -CAfile ca.pem c3.pem
if same_pubkey c3.pem k3.pem; then ok; else bad "kur cert is not for k3.pem"; fi

expect 0 "openssl cmp rr" -- openssl cmp -cmd rr $SRV -ref DEMO01 -secret file:secret \
    -oldcert c3.pem -revreason 1
SERIAL=$(openssl x509 -in c3.pem -noout -serial | cut -d= -f2)
if grep -qx "$SERIAL" revoked 2>/dev/null; then ok; else bad "serial $SERIAL not recorded as revoked"; fi

ec_key k4.pem
expect 1 "wrong secret refused" -- openssl cmp -cmd ir $SRV -ref DEMO01 -secret file:wrong \
    -newkey k4.pem -subject "/CN=Mallory" -certout c4.pem -unprotected_errors
contains "wrong pbm value" "the refusal says why"
[ ! -e c4.pem ] && ok || bad "a certificate was written despite the wrong secret"

# The fixed secret with another reference: refused (the reference is
# checked, not only the secret).
expect 1 "another reference with the right secret" -- openssl cmp -cmd ir $SRV -ref MALLORY \
    -secret file:secret -newkey k4.pem -subject "/CN=Mallory" -certout c4.pem -unprotected_errors
[ ! -e c4.pem ] && ok || bad "a certificate for an unknown reference"
logged serve.log "refused ir (reference MALLORY): unknown reference" && ok \
    || bad "the refusal is not logged: $(cat serve.log)"

# The project's client against the project's server, over HTTP.
expect 0 "ractl cmp request ir" -- "$RACTL" cmp request --server "http://127.0.0.1:$PORT/pkix/" \
    --ref DEMO01 --secret-file secret --newkey k4.pem --subject "/CN=Zhao Liu" \
    --trusted ca.pem --out c5.pem
expect 0 "ractl-issued cert verifies" -- openssl verify -CAfile ca.pem c5.pem
expect 5 "ractl cmp request, wrong secret" -- "$RACTL" cmp request \
    --server "http://127.0.0.1:$PORT/pkix/" --ref DEMO01 --secret-file wrong --newkey k4.pem \
    --subject "/CN=Zhao Liu" --trusted ca.pem --out c6.pem
contains "HQ refused our credentials" "clear refusal"
case "$OUT" in *"not-the-secret"*) bad "the secret was printed" ;; *) ok ;; esac
expect 0 "ractl cmp renew" -- "$RACTL" --json cmp renew --server "http://127.0.0.1:$PORT/pkix/" \
    --trusted ca.pem --cert c5.pem --key k4.pem --newkey k2.pem --out c7.pem
contains '"ok":true' "json output"
if same_pubkey c7.pem k2.pem; then ok; else bad "renewed cert is not for k2.pem"; fi
expect 0 "ractl cmp revoke" -- "$RACTL" cmp revoke --server "http://127.0.0.1:$PORT/pkix/" \
    --trusted ca.pem --ref DEMO01 --secret-file secret --revoke c7.pem --reason 4
SERIAL=$(openssl x509 -in c7.pem -noout -serial | cut -d= -f2)
if grep -qx "$SERIAL" revoked; then ok; else bad "serial $SERIAL not recorded"; fi

# Garbage at the HTTP listener does not stop it.
exec 3<>"/dev/tcp/127.0.0.1/$PORT" && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && RESP=$(cat <&3)
exec 3<&- 3>&-
case "$RESP" in *"405"*) ok ;; *) bad "GET not refused with 405: $RESP" ;; esac
expect 0 "still serving after garbage" -- openssl cmp -cmd ir $SRV -ref DEMO01 \
    -secret file:secret -newkey k1.pem -subject "/CN=After Garbage" -certout c8.pem

# ---- (b) project client -> openssl cmp mock server -------------------------
ec_key mk.pem
openssl req -new -key mk.pem -subj "/CN=Mock Subject/O=Demo Branch" -out mk.csr 2>/dev/null
openssl x509 -req -in mk.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 10 \
    -out rsp.pem 2>/dev/null
MPORT=
for _ in 1 2 3 4 5 6 7 8; do
    P=$((20000 + RANDOM % 40000))
    openssl cmp -port "$P" -srv_ref DEMO01 -srv_secret file:secret -srv_cert ca.pem \
        -srv_key ca.key -rsp_cert rsp.pem >mock.log 2>&1 &
    MPID=$!
    for _ in $(seq 30); do grep -q ACCEPT mock.log && break; kill -0 $MPID 2>/dev/null || break; sleep 0.1; done
    if kill -0 $MPID 2>/dev/null && grep -q ACCEPT mock.log; then
        PIDS+=($MPID)
        MPORT=$P
        break
    fi
    wait $MPID 2>/dev/null
done
if [ -z "$MPORT" ]; then bad "openssl cmp mock server did not start: $(cat mock.log)"; finish; exit 1; fi
MURL="http://127.0.0.1:$MPORT/pkix/"

expect 0 "ractl cmp request ir from the mock" -- "$RACTL" cmp request --server "$MURL" \
    --ref DEMO01 --secret-file secret --newkey mk.pem --subject "/CN=Mock Subject/O=Demo Branch" \
    --trusted ca.pem --out got.pem
if cmp -s got.pem rsp.pem; then ok; else bad "the certificate received is not the mock's"; fi
expect 0 "received cert verifies" -- openssl verify -CAfile ca.pem got.pem
expect 0 "ractl cmp request p10cr from the mock" -- sh -c \
    "cat secret | '$RACTL' --json cmp request --server '$MURL' --ref DEMO01 --secret-file - \
     --csr mk.csr --trusted ca.pem --out got2.pem"
contains '"ok":true' "json"
if cmp -s got2.pem rsp.pem; then ok; else bad "p10cr: not the mock's certificate"; fi
expect 1 "the mock's certificate is refused for another key" -- "$RACTL" cmp request \
    --server "$MURL" --ref DEMO01 --secret-file secret --newkey k1.pem --subject "/CN=Other" \
    --trusted ca.pem --out bad.pem
contains "does not fit" "says the certificate does not match"
[ ! -e bad.pem ] && ok || bad "a refused certificate was written"

# A server that is not there.
expect 8 "no server" -- "$RACTL" cmp request --server "http://127.0.0.1:1/pkix/" --timeout 2 \
    --ref DEMO01 --secret-file secret --newkey k1.pem --subject "/CN=x" --trusted ca.pem \
    --out none.pem
contains "cannot connect to HQ" "clear transport error"
finish
