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
contains "tries left" "tries left"
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
