# What docs/ractl.md tells a support engineer who points outside tools at
# the demo keys and the CA chain (issue 12 item 13) is true: every
# <data_dir> path its "Outside tools" paragraph names exists on a branch
# with the sub-CA and an enrolled key; with SOFTHSM2_CONF and the module
# it names, pkcs11-tool lists the key and reads its certificates; and the
# `openssl verify` line it gives, run as written, verifies them.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/enrol_lib.bash"
DOC=$RK_SOURCE_DIR/docs/ractl.md
enrol_setup
unset SOFTHSM2_CONF # what the docs say must be set, set below from them
KEY=$(new_key "Outside Tools")
REF=$(paid_order 王外部)
as lily
enrol_with "$REF" "$KEY" >/dev/null 2>&1 || bad "enrolment"

para=$(awk '/^Outside tools need/,/^$/' "$DOC")
[ -n "$para" ] && ok || bad "docs/ractl.md has no paragraph on outside tools"
# Every <data_dir> path named there exists.
paths=$(grep -o '<data_dir>/[A-Za-z0-9_./-]*' <<<"$para" | sed 's/[.)]*$//' | sort -u)
[ "$(wc -l <<<"$paths")" -ge 5 ] && ok || bad "the paragraph names few paths: $paths"
for p in $paths; do
    f=$RAKIOSK_DATA_DIR/${p#<data_dir>/}
    [ -e "$f" ] && ok || bad "docs/ractl.md names $p, which is not there ($f)"
done
# The settings it gives, used as given.
conf=$(grep -o 'SOFTHSM2_CONF=<data_dir>/[A-Za-z0-9_./-]*' <<<"$para" | head -1)
module=$(grep -o 'app/p11lock/[A-Za-z0-9_.]*\.so' <<<"$para" | head -1)
[ -n "$conf" ] && [ -n "$module" ] && ok || bad "no SOFTHSM2_CONF or module in: $para"
export SOFTHSM2_CONF=$RAKIOSK_DATA_DIR/${conf#SOFTHSM2_CONF=<data_dir>/}
M=$RK_BUILD_DIR/$module
pkcs11-tool --module "$M" --list-token-slots >"$T/slots" 2>&1
grep -q "Outside Tools" "$T/slots" && ok || bad "pkcs11-tool does not list the key: $(cat "$T/slots")"
ids=$(pkcs11-tool --module "$M" --token-label "Outside Tools" --list-objects --type cert 2>/dev/null | awk '/ID:/ {print $2}')
[ "$(wc -w <<<"$ids")" = 2 ] && ok || bad "pkcs11-tool does not find the two certificates: $ids"
verify=$(grep -o 'openssl verify -CAfile <data_dir>/[^`]*CERT' <<<"$(tr '\n' ' ' <<<"$para")" | head -1)
[ -n "$verify" ] && ok || bad "no openssl verify line in: $para"
for id in $ids; do
    pkcs11-tool --module "$M" --token-label "Outside Tools" --read-object --type cert --id "$id" \
        -o "$T/$id.der" 2>/dev/null
    openssl x509 -inform DER -in "$T/$id.der" -out "$T/$id.pem" 2>/dev/null
    cmd=${verify//<data_dir>/$RAKIOSK_DATA_DIR}
    # shellcheck disable=SC2086
    out=$(${cmd%CERT} "$T/$id.pem" 2>&1) && ok || bad "the documented verify fails: $cmd: $out"
done
finish
