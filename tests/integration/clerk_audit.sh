# ractl end to end: init, clerks with roles, logins, refusals with the
# documented exit codes, the audit chain verified, then broken by hand in
# the database and the broken row named.
. "$(dirname "$0")/lib.bash"

expect 2 "no command" -- "$RACTL"
expect 0 "help" -- "$RACTL" --help
contains "exit codes" "help lists exit codes"
expect 0 "clerk help" -- "$RACTL" clerk --help
contains "login" "clerk help lists login"
expect 2 "unknown command" -- "$RACTL" frobnicate
expect 4 "before init" -- "$RACTL" clerk list
contains "ractl init" "tells to run init"
expect 0 "init" -- "$RACTL" init
contains "initialised branch DEMO01" "init message"
expect 0 "init again" -- "$RACTL" init
contains "already initialised" "second init"

expect 5 "first clerk not supervisor" -- sh -c "echo password1 | '$RACTL' clerk add alice --name 'Li Lu' --roles entry"
contains "supervisor" "bootstrap rule"
expect 0 "first clerk" -- sh -c "echo bosspass1 | '$RACTL' clerk add boss --name 王主管 --roles supervisor"
expect 5 "add without login" -- sh -c "echo password1 | '$RACTL' clerk add alice --name 'Li Lu' --roles entry"
expect 5 "wrong password" -- sh -c "echo nope | '$RACTL' clerk login boss"
contains "wrong login or password" "wrong password"
WRONG=$OUT
expect 5 "unknown login" -- sh -c "echo nope | '$RACTL' clerk login nosuch"
[ "$OUT" = "$WRONG" ] && ok || bad "an unknown login answers otherwise: '$OUT' against '$WRONG'"
expect 0 "login" -- sh -c "echo bosspass1 | '$RACTL' clerk login boss"
expect 0 "add entry clerk" -- sh -c "echo password1 | '$RACTL' clerk add alice --name 李录入 --roles entry"
expect 0 "add review clerk" -- sh -c "echo password2 | '$RACTL' clerk add bob --name 'Bob Shen' --roles review,issue"
expect 7 "duplicate" -- sh -c "echo password2 | '$RACTL' clerk add bob --name 'Bob' --roles review"
expect 1 "bad role" -- sh -c "echo password2 | '$RACTL' clerk add carol --name 'C' --roles cook"
expect 0 "whoami" -- "$RACTL" clerk whoami
contains "boss (supervisor)" "whoami"
expect 0 "list json" -- "$RACTL" --json clerk list
contains '"login":"alice","name":"李录入","roles":"entry"' "json list"
expect 0 "logout" -- "$RACTL" clerk logout
expect 5 "whoami after logout" -- "$RACTL" clerk whoami
expect 0 "login alice" -- sh -c "echo password1 | '$RACTL' clerk login alice"
expect 5 "entry clerk cannot change roles" -- "$RACTL" clerk roles bob supervisor
contains "alice does not hold the supervisor role" "role refusal"
expect 0 "logout alice" -- "$RACTL" clerk logout

# A lock: the session opened before it stops working; the locked clerk,
# even with the right password, an unknown login and a deactivated clerk
# all get the one answer with the same exit code; a supervisor sees the
# lock; every attempt is audited.
expect 0 "login bob" -- sh -c "echo password2 | '$RACTL' clerk login bob"
for i in 1 2 3 4 5; do
    RAKIOSK_SESSION=$T/other sh -c "echo wrong-$i | '$RACTL' clerk login bob" >/dev/null 2>&1
done
expect 5 "the session from before the lock" -- "$RACTL" clerk whoami
expect 5 "locked, with the right password" -- sh -c "echo password2 | '$RACTL' clerk login bob"
[ "$OUT" = "$WRONG" ] && ok || bad "a locked clerk answers otherwise: '$OUT'"
expect 0 "login boss again" -- sh -c "echo bosspass1 | '$RACTL' clerk login boss"
expect 0 "clerk list" -- "$RACTL" clerk list
contains "locked until" "the supervisor sees the lock"
expect 0 "deactivate alice" -- "$RACTL" clerk deactivate alice
expect 5 "deactivated" -- sh -c "echo password1 | RAKIOSK_SESSION=$T/other '$RACTL' clerk login alice"
[ "$OUT" = "$WRONG" ] && ok || bad "a deactivated clerk answers otherwise: '$OUT'"
expect 5 "deactivated, json" -- sh -c "echo password1 | RAKIOSK_SESSION=$T/other '$RACTL' --json clerk login alice"
contains '"ok":false' "json refusal"
A=$RAKIOSK_DATA_DIR/rakiosk.db
[ "$(sqlite3 "$A" "SELECT count(*) FROM audit WHERE action = 'clerk.login_refused' AND actor = 'nosuch' AND detail = 'unknown login'")" = 1 ] \
    && ok || bad "the unknown login's attempt is not audited"
[ "$(sqlite3 "$A" "SELECT count(*) FROM audit WHERE action = 'clerk.login_refused' AND actor = 'bob' AND detail LIKE 'locked%'")" = 1 ] \
    && ok || bad "the locked clerk's attempt is not audited"
[ "$(sqlite3 "$A" "SELECT count(*) FROM audit WHERE action = 'clerk.locked' AND actor = 'bob' AND detail LIKE '%1 session ended'")" = 1 ] \
    && ok || bad "the lock is not audited with the session it ended"
[ "$(sqlite3 "$A" "SELECT count(*) FROM audit WHERE action = 'clerk.login_refused' AND actor = 'alice' AND detail = 'clerk deactivated'")" = 2 ] \
    && ok || bad "the deactivated clerk's attempts are not audited"
expect 0 "logout boss" -- "$RACTL" clerk logout

expect 0 "audit verify" -- "$RACTL" audit verify
contains "audit chain OK" "verify ok"
expect 0 "db check" -- "$RACTL" db check

DB=$RAKIOSK_DATA_DIR/rakiosk.db
sqlite3 "$DB" "DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'mallory' WHERE seq = 3"
expect 1 "audit verify after tampering" -- "$RACTL" audit verify
contains "audit entry 3" "names the changed row"
expect 1 "db check sees the missing guard" -- "$RACTL" db check
contains "audit guards: missing" "guard reported"
expect 1 "audit verify json" -- "$RACTL" --json audit verify
contains '"first_bad":3' "json names row"
finish
