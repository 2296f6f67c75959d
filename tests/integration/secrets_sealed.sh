# The appliance's secrets at rest sealed to its TPM, on this host: two
# software TPMs (swtpm) stand for two terminals' chips. image/pkg/rakiosk-seal
# makes the data key, the branch secret and the HSM PIN and seals them with
# systemd-creds to TPM A; with [secrets] store = credentials ractl reads
# them only from a credentials folder (as systemd hands a unit), refuses and
# makes no file without one. A branch is set up (database, sub-CA in the HSM
# with the sealed PIN) and an order with personal data is taken. Then the
# data folder holds no plain secret, and neither it nor its copy holds the
# ID number, the mobile number, the HSM PIN or the data key. The copy on
# TPM B opens nothing (rakiosk-seal refuses, and does not replace the sealed
# files); the original on TPM A still opens everything. A plain data key of
# an older version is sealed and shredded; a terminal without a TPM is
# refused unless rakiosk.allow_unsealed, and then warned about.
# swtpm without the kernel's resource manager keeps every session a
# program leaves, and systemd-creds leaves one: tpm/systemd-creds restarts
# the software TPM (its state kept) before each call, as closing
# /dev/tpmrm0 would flush them.
. "$(dirname "$0")/lib.bash"
SEAL=$RK_SOURCE_DIR/image/pkg/rakiosk-seal
for tool in swtpm swtpm_ioctl systemd-creds; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: no $tool (image/packages.txt: build swtpm swtpm-tools)"
        exit 0
    fi
done
if ! ls /usr/lib/*/libtss2-tcti-swtpm.so.0 >/dev/null 2>&1; then
    echo "SKIP: no libtss2-tcti-swtpm0 (image/packages.txt)"
    exit 0
fi

# tpm_start NAME: a software TPM with its state in $T/NAME.
tpm_start() {
    mkdir -p "$T/$1"
    swtpm socket --tpm2 --tpmstate "dir=$T/$1" --server "type=unixio,path=$T/$1.sock" \
        --ctrl "type=unixio,path=$T/$1.sock.ctrl" --flags startup-clear --daemon \
        --pid "file=$T/$1.pid" || bad "swtpm $1 did not start"
}
tpm_stop() {
    [ -f "$T/$1.pid" ] || return 0
    swtpm_ioctl --unix "$T/$1.sock.ctrl" -s >/dev/null 2>&1 || kill "$(cat "$T/$1.pid")" 2>/dev/null
    local _
    for _ in $(seq 50); do kill -0 "$(cat "$T/$1.pid" 2>/dev/null)" 2>/dev/null || break; sleep 0.1; done
    rm -f "$T/$1.pid"
}
trap 'tpm_stop A; tpm_stop B; rm -rf "$T"' EXIT
tpm_start A
tpm_start B
mkdir -p "$T/tpm"
cat >"$T/tpm/systemd-creds" <<EOF
#!/bin/sh
# A fresh start of the software TPM the test names in RK_TEST_TPM.
# TPM2_Shutdown(CLEAR) first: an orderly stop, or the TPM counts each
# restart against its dictionary-attack limit and locks itself.
if [ -n "\${RK_TEST_TPM:-}" ]; then
    python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(bytes.fromhex("80010000000c000001450000")); s.recv(64)' "$T/\$RK_TEST_TPM.sock" 2>/dev/null
    swtpm_ioctl --unix "$T/\$RK_TEST_TPM.sock.ctrl" -s >/dev/null 2>&1
    n=0; while kill -0 "\$(cat "$T/\$RK_TEST_TPM.pid")" 2>/dev/null && [ \$n -lt 50 ]; do sleep 0.1; n=\$((n+1)); done
    swtpm socket --tpm2 --tpmstate "dir=$T/\$RK_TEST_TPM" --server "type=unixio,path=$T/\$RK_TEST_TPM.sock" \\
        --ctrl "type=unixio,path=$T/\$RK_TEST_TPM.sock.ctrl" --flags startup-clear --daemon \\
        --pid "file=$T/\$RK_TEST_TPM.pid" || exit 99
fi
exec $(command -v systemd-creds) "\$@"
EOF
chmod +x "$T/tpm/systemd-creds"
export PATH=$T/tpm:$PATH
# on TPM NAME: the next commands' terminal
on() {
    export RK_TEST_TPM=$1 RK_TPM2_DEVICE=swtpm:path=$T/$1.sock
}

# The appliance's layout: the data partition $T/part with branch/ (data_dir)
# and creds/; the configuration says store = credentials.
mkdir -p "$T/conf" "$T/part/branch"
cp "$RK_SOURCE_DIR"/conf/*.ini "$RK_SOURCE_DIR/conf/kiosk.conf" "$T/conf/"
cp -r "$RK_SOURCE_DIR/conf/strings" "$T/conf/" 2>/dev/null || true
sed -i 's/^store = file$/store = credentials/' "$T/conf/kiosk.conf"
grep -q '^store = credentials$' "$T/conf/kiosk.conf" && ok || bad "conf/kiosk.conf has no [secrets] store"
export RAKIOSK_CONF=$T/conf/kiosk.conf RAKIOSK_DATA_DIR=$T/part/branch
export RK_CREDS_DIR=$T/part/creds RK_PLAIN_DIR=$T/part/branch RK_CMDLINE=$T/cmdline
: >"$T/cmdline"
unset CREDENTIALS_DIRECTORY SOFTHSM2_CONF RK_P11LOCK_STATE_DIR RAKIOSK_HSM_PIN_FILE RAKIOSK_NOW
unset RAKIOSK_HSM_MODULE

# 1. First boot on terminal A: the secrets made and sealed.
on A
expect 0 "rakiosk-seal seal on TPM A" -- "$SEAL" seal
for n in data-key branch-secret hsm-pin; do
    [ -s "$T/part/creds/$n.cred" ] && ok || bad "no sealed $n"
done
[ "$(stat -c %a "$T/part/creds")" = 700 ] && ok || bad "creds/ is not 0700"

# 2. Without its credentials a sealed branch refuses and makes no file.
expect 3 "ractl init without credentials" -- "$RACTL" init
contains "sealed to this terminal" "ractl init says the data key is sealed"
contains "LoadCredentialEncrypted=rakiosk-data-key" "... and which unit setting hands it over"
[ ! -e "$T/part/branch/data.key" ] && ok || bad "ractl init made a plain data key"
mkdir -m 0700 "$T/empty"
CREDENTIALS_DIRECTORY=$T/empty expect 3 "ractl init with an empty credentials folder" -- "$RACTL" init
contains "holds no rakiosk-data-key" "names the missing credential"

# run_a CMD...: CMD with the secrets opened from TPM A into a folder that is
# removed afterwards (what systemd does for a unit).
run_on() {
    local tpm=$1 dir rc=0
    shift
    dir=$(mktemp -d "$T/run.XXXXXX")
    (on "$tpm" && "$SEAL" open "$dir") || { rm -rf "$dir"; return 97; }
    CREDENTIALS_DIRECTORY=$dir "$@" || rc=$?
    rm -rf "$dir"
    return $rc
}
IDNO=11010519491231002X
MOBILE=13912345678
expect 0 "ractl init with the credentials" -- run_on A "$RACTL" -q init
expect 0 "ractl ca init (the HSM PIN from its credential)" -- run_on A "$RACTL" -q ca init
echo bosspass1 | run_on A "$RACTL" -q clerk add boss --name 王主管 --roles supervisor,entry >/dev/null ||
    bad "clerk add"
echo bosspass1 | run_on A "$RACTL" -q clerk login boss >/dev/null || bad "clerk login"
REF=$(run_on A "$RACTL" -q order new --business new --kind individual \
    --field applicant_name=赵秘密 --field "applicant_id=$IDNO" \
    --field "applicant_mobile=$MOBILE" --field email=z@example.com \
    --field invoice_type=ordinary --field delivery=pickup \
    --paper application_form --paper id_card --submit 2>&1) && [ -n "$REF" ] && ok ||
    bad "no order: $REF"
expect 0 "order show --reveal on A" -- run_on A "$RACTL" order show "$REF" --reveal
contains "$IDNO" "terminal A shows the ID number"

# 3. What is at rest: no plain secret, and no secret or sealed field readable.
for f in data.key branch.secret hsm.pin; do
    [ ! -e "$T/part/branch/$f" ] && ok || bad "a plain $f beside the database"
done
PIN=$(on A && systemd-creds "--tpm2-device=$RK_TPM2_DEVICE" decrypt --name=rakiosk-hsm-pin \
    "$T/part/creds/hsm-pin.cred" - 2>/dev/null)
[ ${#PIN} = 16 ] && ok || bad "the sealed HSM PIN does not open on A (${#PIN} characters)"
KEYHEX=$(on A && systemd-creds "--tpm2-device=$RK_TPM2_DEVICE" decrypt --name=rakiosk-data-key \
    "$T/part/creds/data-key.cred" - 2>/dev/null | od -An -tx1 | tr -d ' \n')
[ ${#KEYHEX} = 64 ] && ok || bad "the sealed data key does not open on A"
# at_rest WHAT: nothing under the partition holds WHAT (text, or its bytes
# in hex with hex:).
at_rest() {
    python3 - "$T/part" "$1" <<'PY' && ok || bad "the data partition holds $2"
import os, sys
root, what = sys.argv[1], sys.argv[2]
needle = bytes.fromhex(what[4:]) if what.startswith("hex:") else what.encode()
for d, _, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        if os.path.islink(p):
            continue
        with open(p, "rb") as fh:
            if needle in fh.read():
                print("found in", p)
                sys.exit(1)
PY
}
at_rest "$IDNO" "the ID number"
at_rest "$MOBILE" "the mobile number"
at_rest "$PIN" "the HSM PIN"
at_rest "hex:$KEYHEX" "the data key"

# 4. The partition copied to terminal B: nothing opens, nothing replaced.
cp -a "$T/part" "$T/copy"
export RK_CREDS_DIR=$T/copy/creds RK_PLAIN_DIR=$T/copy/branch RAKIOSK_DATA_DIR=$T/copy/branch
sum_before=$(cat "$T/copy/creds"/*.cred | sha256sum)
mkdir -m 0700 "$T/openB"
on B
expect 1 "rakiosk-seal open on TPM B" -- "$SEAL" open "$T/openB"
[ -z "$(ls -A "$T/openB")" ] && ok || bad "TPM B opened something: $(ls "$T/openB")"
expect 1 "rakiosk-seal seal on TPM B" -- "$SEAL" seal
contains "sealed by another machine" "B says the partition is another terminal's"
[ "$(cat "$T/copy/creds"/*.cred | sha256sum)" = "$sum_before" ] && ok ||
    bad "B replaced the sealed secrets"
expect 3 "order show on the copy without credentials" -- "$RACTL" order show "$REF" --reveal
case "$OUT" in *"$IDNO"*) bad "the copy shows the ID number" ;; *) ok ;; esac
expect 97 "the copy's secrets on B" -- run_on B "$RACTL" order show "$REF" --reveal

# 5. Terminal A with its own TPM still opens everything.
export RK_CREDS_DIR=$T/part/creds RK_PLAIN_DIR=$T/part/branch RAKIOSK_DATA_DIR=$T/part/branch
on A
expect 0 "rakiosk-seal seal again on A (all sealed already)" -- "$SEAL" seal
expect 0 "order show --reveal on A afterwards" -- run_on A "$RACTL" order show "$REF" --reveal
contains "$IDNO" "A still reads the ID number"
expect 0 "ractl ca status on A (the HSM PIN)" -- run_on A "$RACTL" ca status

# 6. An older version's plain data key: sealed to the same key, shredded.
mkdir -p "$T/old/branch"
head -c 32 /dev/urandom >"$T/old/branch/data.key"
chmod 600 "$T/old/branch/data.key"
OLDHEX=$(od -An -tx1 <"$T/old/branch/data.key" | tr -d ' \n')
RK_CREDS_DIR=$T/old/creds RK_PLAIN_DIR=$T/old/branch expect 0 "sealing an old plain key" -- "$SEAL" seal
contains "sealed and shredded" "says the plain file was sealed"
[ ! -e "$T/old/branch/data.key" ] && ok || bad "the old plain data key is still there"
NEWHEX=$(systemd-creds "--tpm2-device=$RK_TPM2_DEVICE" decrypt --name=rakiosk-data-key \
    "$T/old/creds/data-key.cred" - 2>/dev/null | od -An -tx1 | tr -d ' \n')
[ "$NEWHEX" = "$OLDHEX" ] && ok || bad "the sealed key is not the old one"

# 7. No TPM: refused; with rakiosk.allow_unsealed, warned and done.
if systemd-creds has-tpm2 >/dev/null 2>&1; then
    echo "this host has a TPM2: the no-TPM refusal is not tried"
else
    unset RK_TEST_TPM RK_TPM2_DEVICE
    RK_CREDS_DIR=$T/none/creds RK_PLAIN_DIR=$T/none/branch expect 1 "no TPM" -- "$SEAL" seal
    contains "has no TPM2" "says why"
    [ ! -e "$T/none/creds/data-key.cred" ] && ok || bad "sealed without a TPM"
    echo "BOOT_IMAGE=/vmlinuz ro rakiosk.allow_unsealed" >"$T/cmdline"
    RK_CREDS_DIR=$T/none/creds RK_PLAIN_DIR=$T/none/branch expect 0 "no TPM, allowed" -- "$SEAL" seal
    contains "NOT protected" "warns that nothing is protected"
fi
finish
