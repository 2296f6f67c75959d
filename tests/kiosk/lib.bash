# Shared helpers of the kiosk's scripted tests: a private branch (data
# folder with `ractl init`) per test, and play, which runs rakiosk on SDL's
# offscreen driver with an event script (ui/player.h), the text-fit check
# on, and keeps its log and screenshots under the build tree. Source it
# from a tests/kiosk/*.sh; it counts like tests/integration/lib.bash
# (ok, bad, finish).
set -uo pipefail
: "${RAKIOSK:?RAKIOSK must point at the rakiosk binary}"
: "${RACTL:?}" "${RK_SOURCE_DIR:?}" "${RK_BUILD_DIR:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/rkkiosk.XXXXXX")
trap 'rm -rf "$T"' EXIT
export RAKIOSK_CONF=${RAKIOSK_CONF:-$RK_SOURCE_DIR/conf/kiosk.conf}
export RAKIOSK_DATA_DIR=$T/data
export RAKIOSK_SESSION=$T/session
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy
SCRIPTS=$RK_SOURCE_DIR/tests/kiosk/scripts
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# kiosk_init: the branch database of this test.
kiosk_init() {
    "$RACTL" init >"$T/init.log" 2>&1 || { cat "$T/init.log"; bad "ractl init"; }
}

# play SHOTS_DIR SCRIPT [rakiosk options...]: plays tests/kiosk/scripts/SCRIPT
# (or a path) with the fit check; screenshots in SHOTS_DIR, the output in
# $OUT and SHOTS_DIR/SCRIPT.log. Counts ok or bad.
play() {
    local shots=$1 script=$2
    shift 2
    [ -f "$script" ] || script=$SCRIPTS/$script
    mkdir -p "$shots"
    local log
    log=$shots/$(basename "$script").log
    if "$RAKIOSK" --fit-check --no-voice --script "$script" --shots "$shots" "$@" >"$log" 2>&1; then
        ok
    else
        bad "$(basename "$script") $*: $(cat "$log")"
    fi
    OUT=$(cat "$log")
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}
