# SIGKILL at random points of `ractl key enrol`, then the same command again:
# afterwards every order is issued exactly once, with its two certificates
# (signing and escrowed encryption: dual certificates) in the ledger, two
# good certificates at the sub-CA (no double issuance), those same
# certificates on its key, and the encryption key's escrowed copy bound to
# its certificate; or, where the
# key itself was left unusable, cleanly retriable (rolled back and enrolled
# onto a new key). ENROL_KILLS sets the number of rounds (ctest runs a few;
# run by hand with ENROL_KILLS=200 for the full drill).
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/enrol_lib.bash"
# kill -9 must reach ractl itself, not the suite's UTF-8 checking wrapper.
RACTL=${RK_REAL_RACTL:-$RACTL}
M=$RAKIOSK_TOKEN_MODULE
KILLS=${ENROL_KILLS:-8}
enrol_setup
DB=$RAKIOSK_DATA_DIR/rakiosk.db
CADB=$RAKIOSK_DATA_DIR/ca/ca.db
landed=0 rerolled=0
declare -A KEY_OF LABEL_OF

# The kills land at a uniform random point of an enrolment as long as one
# takes here: timed once, uninterrupted (in ms, with the process start).
tkey=$(new_key "timing")
tref=$(paid_order "计时")
t0=$(date +%s%N)
typed "$tref" | "$RACTL" -q key enrol "$tref" --key "$tkey" >/dev/null || bad "timing enrolment"
SPAN=$((($(date +%s%N) - t0) / 1000000))
[ "$SPAN" -ge 20 ] || SPAN=20
echo "an enrolment takes $SPAN ms here: kills land in 0..$SPAN ms"

for round in $(seq 1 "$KILLS"); do
    label=$(printf "key-%03d" "$round")
    key=$(new_key "$label")
    ref=$(paid_order "持证人$round")
    # $! must be ractl itself (a pipeline would leave it running).
    "$RACTL" -q key enrol "$ref" --key "$key" <<<"$(typed "$ref")" >/dev/null 2>&1 &
    pid=$!
    at=$((RANDOM % SPAN))
    sleep "$((at / 1000)).$(printf '%03d' $((at % 1000)))"
    kill -9 $pid 2>/dev/null && landed=$((landed + 1))
    wait $pid 2>/dev/null
    done_ok=0
    for attempt in 1 2 3; do
        out=$(typed "$ref" | "$RACTL" key enrol "$ref" --key "$key" 2>&1) && { done_ok=1; break; }
        case "$out" in *"is issued"*) done_ok=1; break ;; esac
    done
    if [ $done_ok = 0 ]; then
        # The key was left unusable: roll back, enrol onto a fresh key.
        echo "round $round: resume failed ($out); rolling back" >&2
        echo $PIN | "$RACTL" -q key enrol "$ref" --rollback >/dev/null 2>&1 || bad "rollback of $ref"
        label=$(printf "key-%03d-b" "$round")
        key=$(new_key "$label")
        typed "$ref" | "$RACTL" -q key enrol "$ref" --key "$key" >/dev/null || bad "re-enrol of $ref"
        rerolled=$((rerolled + 1))
    fi
    KEY_OF[$ref]=$key
    LABEL_OF[$ref]=$label
done
echo "$KILLS rounds, $landed kills landed mid-enrolment, $rerolled rolled back onto a new key"

for ref in "${!KEY_OF[@]}"; do
    key=${KEY_OF[$ref]}
    state=$("$RACTL" --json order show "$ref" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
    [ "$state" = issued ] && ok || bad "$ref is $state"
    n=$(sqlite3 "$DB" "SELECT count(*) FROM certificate c JOIN orders o ON o.id = c.order_id WHERE o.ref = '$ref'")
    [ "$n" = 2 ] && ok || bad "$ref has $n certificates in the ledger"
    pkcs11-tool --module "$M" --token-label "${LABEL_OF[$ref]}" --login --pin $PIN --list-objects --type cert >"$T/objs" 2>/dev/null
    [ "$(grep -c "Certificate Object" "$T/objs")" = 2 ] && ok || { bad "$ref: key $key holds $(grep -c "Certificate Object" "$T/objs") certificates"; cat "$T/objs" >&2; sqlite3 "$DB" "SELECT usage, step, phase, attempts, outcome, error FROM enrolment e JOIN orders o ON o.id = e.order_id WHERE o.ref = '$ref'" >&2; }
    for usage in sign enc; do
        serial=$(sqlite3 "$DB" "SELECT c.serial FROM certificate c JOIN orders o ON o.id = c.order_id WHERE o.ref = '$ref' AND c.usage = '$usage'")
        label=$(sqlite3 "$DB" "SELECT key_serial FROM certificate WHERE serial = '$serial'")
        [ "$label" = "$key" ] && ok || bad "$ref: ledger says key $label for its $usage certificate, expected $key"
        grep -qi "serial: *$serial" "$T/objs" && ok || bad "$ref: the key lacks its $usage certificate $serial"
    done
    esc=$(sqlite3 "$DB" "SELECT count(*) FROM escrow e JOIN orders o ON o.id = e.order_id WHERE o.ref = '$ref' AND e.cert_serial = '$serial'")
    [ "$esc" = 1 ] && ok || bad "$ref: $esc escrowed keys bound to its encryption certificate"
done
good=$(sqlite3 "$CADB" "SELECT count(*) FROM issued WHERE status = 0")
revoked=$(sqlite3 "$CADB" "SELECT count(*) FROM issued WHERE status = 2")
[ "$good" = $((2 * KILLS + 2)) ] && ok || bad "$good good certificates at the sub-CA for $KILLS orders and the timing one (double issuance?)"
[ "$revoked" -le $((2 * rerolled)) ] && ok || bad "$revoked revoked certificates, $rerolled rollbacks"
expect 0 "no pending enrolment" -- "$RACTL" --json key enrol --pending
[ "$OUT" = "[]" ] && ok || bad "pending: $OUT"
expect 0 "audit" -- "$RACTL" audit verify
finish
