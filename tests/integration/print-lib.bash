# Shared by the print_*.sh tests (sourced, not run): a scratch folder, the
# virtual receipt printer on a free loopback port, waiting helpers.
set -euo pipefail
RACTL=${RACTL:-$RK_BUILD_DIR/app/ctl/ractl}
VPRINTER=$RK_BUILD_DIR/tests/vprinter_main
T=$(mktemp -d "${TMPDIR:-/tmp}/rkprint.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$T"
}
trap cleanup EXIT
export RAKIOSK_PRINT_SPOOL=$T/spool

fail() { echo "FAIL: $*" >&2; exit 1; }

# wait_for FILE [tenths]: until FILE exists and is not empty
wait_for() {
    local n=${2:-100}
    for _ in $(seq "$n"); do [ -s "$1" ] && return 0; sleep 0.1; done
    return 1
}

# start_vprinter DIR [WIDTH]: sets VP_PORT
start_vprinter() {
    "$VPRINTER" --dir "$1" --port 0 --port-file "$1.port" --width "${2:-80}" \
        </dev/null >"$1.log" 2>&1 &
    PIDS+=($!)
    wait_for "$1.port" || fail "the virtual printer did not start: $(cat "$1.log")"
    VP_PORT=$(cat "$1.port")
}

# qr_payloads PNG: the decoded QR payloads, one per line, sorted
qr_payloads() { zbarimg --raw -q "$1" 2>/dev/null | sort; }
