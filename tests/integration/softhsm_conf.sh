# A stale or missing SoftHSM2 store, or a module that is not there (issue
# 12 item 11), is named with what is wrong and how to fix it, for the USB
# keys and for the HSM, before SoftHSM answers "CKR_GENERAL_ERROR" (0x5):
# a SOFTHSM2_CONF that names no file, a file without a token folder, a
# token folder that does not exist, and a module path that does not exist.
# A good store set from outside keeps working, and unsetting SOFTHSM2_CONF
# brings back the branch's own demo store, as the message says.
. "$(dirname "$0")/lib.bash"
export RAKIOSK_TOKEN_MODULE="$RK_BUILD_DIR/app/p11lock/rkp11lock.so"
export RAKIOSK_HSM_MODULE="$RAKIOSK_TOKEN_MODULE"
unset SOFTHSM2_CONF RK_P11LOCK_STATE_DIR RK_P11LOCK_MAX_TRIES RAKIOSK_NOW
OWN=$RAKIOSK_DATA_DIR/softkeys/softhsm2.conf

expect 0 "init" -- "$RACTL" init
# The key list names subscribers: a clerk reads it.
echo bosspass1 | "$RACTL" -q clerk add boss --name 王主管 --roles supervisor >/dev/null
echo bosspass1 | "$RACTL" -q clerk login boss >/dev/null
expect 0 "the branch's own store" -- "$RACTL" key list

# A SOFTHSM2_CONF left from another shell, naming a file that is gone.
export SOFTHSM2_CONF=$T/gone/softhsm2.conf
expect 3 "stale SOFTHSM2_CONF, keys" -- "$RACTL" key list
contains "SOFTHSM2_CONF names $SOFTHSM2_CONF, which does not exist" "says what is wrong"
contains "unset it to use this branch's own store ($OWN)" "says how to fix it"
case "$OUT" in *"0x5"* | *"cannot load the USB key module"*) bad "the old message: $OUT" ;; *) ok ;; esac
expect 3 "stale SOFTHSM2_CONF, HSM" -- "$RACTL" ca init
contains "SOFTHSM2_CONF names $SOFTHSM2_CONF, which does not exist" "the HSM says the same"
case "$OUT" in *"starting the HSM module"*) bad "the old message: $OUT" ;; *) ok ;; esac

# A file without a token folder line.
printf 'log.level = ERROR\n' >"$T/notokens.conf"
export SOFTHSM2_CONF=$T/notokens.conf
expect 3 "no tokendir" -- "$RACTL" key list
contains "names no token folder" "says what is missing"
contains "directories.tokendir = FOLDER" "says which line to add"

# A token folder that does not exist.
printf 'directories.tokendir = %s/nowhere/tokens\nobjectstore.backend = file\n' "$T" >"$T/nodir.conf"
export SOFTHSM2_CONF=$T/nodir.conf
expect 3 "tokendir missing" -- "$RACTL" key list
contains "the SoftHSM2 token folder $T/nowhere/tokens" "names the folder"
contains "does not exist: create it (mkdir -p $T/nowhere/tokens)" "says how to fix it"

# The good store set from outside keeps working; unset, the own store again.
export SOFTHSM2_CONF=$OWN
expect 0 "a good SOFTHSM2_CONF" -- "$RACTL" key list
unset SOFTHSM2_CONF
expect 0 "unset: the own store" -- "$RACTL" key list

# A module that is not there.
expect 3 "no key module" -- env RAKIOSK_TOKEN_MODULE="$T/nosuch.so" "$RACTL" key list
contains "the USB key module $T/nosuch.so (from RAKIOSK_TOKEN_MODULE) does not exist" "names it"
contains "set RAKIOSK_TOKEN_MODULE to the path of an installed one" "says how to fix it"
expect 3 "no HSM module" -- env RAKIOSK_HSM_MODULE="$T/nosuch.so" "$RACTL" ca init
contains "the HSM module $T/nosuch.so (from RAKIOSK_HSM_MODULE) does not exist" "names it"
[ ! -e "$RAKIOSK_DATA_DIR/ca/ca.db" ] && ok || bad "a refused ca init left a sub-CA behind"
# With the store right, the same command works.
expect 0 "ca init with the own store" -- "$RACTL" ca init
finish
