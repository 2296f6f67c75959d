# Shared helpers of the integration scripts: a private data folder per
# test, pass/fail counting with the closing "N passed, N failed" line, and
# expectations on exit codes and output. Source it; it sets RAKIOSK_DATA_DIR.
set -uo pipefail
: "${RACTL:?RACTL must point at the ractl binary}"
: "${RK_SOURCE_DIR:?}"
: "${RK_BUILD_DIR:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/rkit.XXXXXX")
trap 'rm -rf "$T"' EXIT
export RAKIOSK_CONF=${RAKIOSK_CONF:-$RK_SOURCE_DIR/conf/kiosk.conf}
export RAKIOSK_DATA_DIR=$T/data
export RAKIOSK_SESSION=$T/session
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# expect CODE DESCRIPTION -- COMMAND...: runs the command, checks its exit
# code; its stdout+stderr are kept in $OUT.
expect() {
    local want=$1 what=$2
    shift 3
    OUT=$("$@" 2>&1)
    local got=$?
    if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, expected $want; output: $OUT"; fi
}

# contains TEXT DESCRIPTION: checks that $OUT contains TEXT.
contains() {
    case "$OUT" in *"$1"*) ok ;; *) bad "$2: output lacks '$1': $OUT" ;; esac
}

# logged FILE TEXT: 0 once FILE holds a line containing TEXT,
# waiting up to 5 s: a server writes its log line after it has answered.
logged() {
    local _
    for _ in $(seq 50); do grep -qF -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}
