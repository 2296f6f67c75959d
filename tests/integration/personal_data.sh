# Personal data needs a clerk's session (issue 12 item 5), for every
# command that shows it, seen from three sides. The subscriber: a key
# labelled with the subscriber's name and holding a certificate for
# CN=王小明, and an order, an archive box and a renewal that name them.
# The attacker: with no session, a forged session file, the session of a
# clerk since deactivated, or one since logged out, `key list`, `key
# diagnose`, `order list`, `order show`, `order find`, `query status`,
# `renewals`, `overdue` and `archive list` exit 5, say how to log in and
# show no name. The clerk: logged in, the same commands show the name.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/enrol_lib.bash"
enrol_setup
NAME=王小明
KEY=$(new_key "$NAME")
REF=$(paid_order "$NAME")
as lily
enrol_with "$REF" "$KEY" >/dev/null 2>&1 || bad "enrolment failed"
"$RACTL" -q order deliver "$REF" --method pickup >/dev/null 2>&1
as boss
"$RACTL" -q archive boxes --group new >/dev/null 2>&1
as lily

# The clerk first: each command shows the subscriber's name.
readers=("key list" "key diagnose $KEY" "order list" "order show $REF" "order find $NAME"
    "query status $NAME" "renewals --days 3660" "archive list")
for cmd in "${readers[@]}"; do
    # shellcheck disable=SC2086
    OUT=$("$RACTL" $cmd 2>&1)
    case "$OUT" in *"clerk login"*) bad "$cmd refused to lily: $OUT" ;; *) ok ;; esac
done
OUT=$("$RACTL" key list 2>&1)
contains "$NAME" "key list shows the key's label to a clerk"
OUT=$("$RACTL" key diagnose "$KEY" 2>&1)
contains "CN=$NAME" "key diagnose shows the certificate's subject to a clerk"

# refused DESCRIPTION: every reader exits 5, says how to log in, names no one.
refused() {
    for cmd in "${readers[@]}" "overdue"; do
        # shellcheck disable=SC2086
        expect 5 "$cmd, $1" -- "$RACTL" $cmd
        contains "clerk login" "$cmd, $1: says how to log in"
        case "$OUT" in *"$NAME"*) bad "$cmd, $1: shows the name: $OUT" ;; *) ok ;; esac
    done
}
as nobody
refused "without a session"
export RAKIOSK_SESSION=$T/session.forged
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$RAKIOSK_SESSION"
refused "with a forged session"
# A session kept from before the clerk was deactivated is no session.
as ray
"$RACTL" -q order list >/dev/null 2>&1 || bad "ray's session does not work to begin with"
as boss
"$RACTL" -q clerk deactivate ray >/dev/null
as ray
refused "in a deactivated clerk's session"
# Nor is one kept from before a logout (a copy of the session file).
as lily
cp "$T/session.lily" "$T/session.copy"
"$RACTL" -q clerk logout
export RAKIOSK_SESSION=$T/session.copy
refused "with a copy of an ended session"
finish
