#!/bin/bash
# Untimed set-up for bench_kiosk's key enrolment at the desk, made as
# tests/kiosk/desk_issue.sh makes it: in DIR a branch with the demo sub-CA
# in the HSM token of the demo keys' SoftHSM store (enrol_lib.bash), the
# issuing clerk dora with her own clerk key, a paid order and a blank key
# inserted. Prints the environment rakiosk needs (NAME=VALUE lines) and, last,
# SCRIPT=<the event file that logs dora in and issues the order>.
# Needs RACTL, RK_SOURCE_DIR and RK_BUILD_DIR.
set -euo pipefail
: "${RACTL:?}" "${RK_SOURCE_DIR:?}" "${RK_BUILD_DIR:?}"
T=$1
export RAKIOSK_CONF=$RK_SOURCE_DIR/conf/kiosk.conf
export RAKIOSK_DATA_DIR=$T/data
# shellcheck source=../integration/enrol_lib.bash
source "$RK_SOURCE_DIR/tests/integration/enrol_lib.bash"
SCRIPTS=$RK_SOURCE_DIR/tests/kiosk/scripts
{
    enrol_setup
    as boss
    echo dorapass1 | "$RACTL" -q clerk add dora --name 朵制证 --roles review,issue,archive
    DORA=$(new_key "Dora clerk")
    echo $PIN | "$RACTL" -q clerk key-issue dora --key "$DORA"
    REF=$(paid_order "赵六")
} >"$T/setup.log" 2>&1
cat "$SCRIPTS/desk-login-only.txt" "$SCRIPTS/desk-issue.txt" | sed "s/@CODE@/$(code_of "$REF")/" \
    >"$T/issue.txt"
for v in RAKIOSK_CONF RAKIOSK_DATA_DIR RAKIOSK_TOKEN_MODULE RAKIOSK_HSM_MODULE SOFTHSM2_CONF; do
    echo "$v=${!v}"
done
echo "SCRIPT=$T/issue.txt"
