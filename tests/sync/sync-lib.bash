# Shared helpers of the sync tests: a private folder per test, a real rahq
# started on free loopback ports (port files, never fixed ports), branches
# set up and enrolled with it through ractl, and expectations. Source it;
# everything started here is stopped on exit. With RK_TEST_STORE=postgresql
# the test starts its own PostgreSQL (pg-lib.bash) and rahq keeps HQ's data
# there (RAHQ_STORE); hq_sql reaches whichever store the test runs on.
set -uo pipefail
: "${RACTL:?RACTL must point at the ractl binary}"
: "${RASYNC:?RASYNC must point at the rasync binary}"
: "${RAHQ:?RAHQ must point at the rahq binary}"
: "${RK_SOURCE_DIR:?}"
: "${RK_BUILD_DIR:?}"
T=$(mktemp -d "${TMPDIR:-/tmp}/rksync.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if declare -F pg_stop >/dev/null; then pg_stop; fi
    [ -n "${RK_KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
export RAKIOSK_HSM_MODULE="$RK_BUILD_DIR/app/p11lock/rkp11lock.so"
unset SOFTHSM2_CONF RK_P11LOCK_STATE_DIR RK_P11LOCK_MAX_TRIES RAKIOSK_NOW RAKIOSK_HSM_PIN_FILE
unset RAKIOSK_CONF RAKIOSK_DATA_DIR https_proxy HTTPS_PROXY http_proxy all_proxy
export RAKIOSK_LOG=${RAKIOSK_LOG:-info}
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
die() { echo "FAIL: $*" >&2; echo "$passed passed, $((failed + 1)) failed"; exit 1; }

# expect CODE DESCRIPTION -- COMMAND...: runs the command, checks its exit
# code; its stdout+stderr are kept in $OUT.
expect() {
    local want=$1 what=$2
    shift 3
    OUT=$("$@" 2>&1)
    local got=$?
    if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, expected $want; output: $OUT"; fi
}
contains() {
    case "$OUT" in *"$1"*) ok ;; *) bad "$2: output lacks '$1': $OUT" ;; esac
}
lacks() {
    case "$OUT" in *"$1"*) bad "$2: output has '$1': $OUT" ;; *) ok ;; esac
}
same() { # GOT WANT DESCRIPTION
    if [ "$1" = "$2" ]; then ok; else bad "$3: got '$1', expected '$2'"; fi
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

# wait_for FILE [tenths]: until FILE exists and is not empty.
wait_for() {
    local n=${2:-100}
    while [ ! -s "$1" ] && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
    [ -s "$1" ]
}

# ---- HQ ---------------------------------------------------------------------------
HQ=$T/hq
case "${RK_TEST_STORE:-sqlite}" in
sqlite) ;;
postgresql)
    # shellcheck source=pg-lib.bash
    . "$RK_SOURCE_DIR/tests/sync/pg-lib.bash"
    pg_start -c fsync=off || die "cannot start the test's PostgreSQL"
    export RAHQ_STORE=$PG_URL
    ;;
*) die "RK_TEST_STORE must be sqlite or postgresql, not '$RK_TEST_STORE'" ;;
esac
# hq_sql SQL: runs SQL in HQ's store (SQLite or the test's PostgreSQL).
hq_sql() {
    if [ -n "${PG_URL:-}" ]; then pg_sql "$1"; else sqlite3 "$HQ/hq.db" "$1"; fi
}
hq_init() {
    "$RAHQ" init --home "$HQ" --name "Test HQ" >/dev/null || die "rahq init"
}

# hq_start [extra serve args]: rahq serve on free ports; sets HQ_PORT,
# HQ_CMP_PORT, HQ_PID; its log is $T/hq.log (appended: restarts keep it).
hq_start() {
    rm -f "$T/hq.port" "$T/hq.cmpport"
    "$RAHQ" serve --home "$HQ" --port "${HQ_PORT:-0}" --cmp-port "${HQ_CMP_PORT:-0}" \
        --port-file "$T/hq.port" --cmp-port-file "$T/hq.cmpport" "$@" >>"$T/hq.log" 2>&1 &
    HQ_PID=$!
    PIDS+=("$HQ_PID")
    wait_for "$T/hq.port" && wait_for "$T/hq.cmpport" || die "rahq did not start: $(cat "$T/hq.log")"
    HQ_PORT=$(cat "$T/hq.port")
    HQ_CMP_PORT=$(cat "$T/hq.cmpport")
}
hq_stop() {
    kill "$HQ_PID" 2>/dev/null
    wait "$HQ_PID" 2>/dev/null
    return 0
}
hq_admin() { "$RAHQ" admin --home "$HQ" "$@"; }

# ---- branches --------------------------------------------------------------------------
# branch_conf ID URL: writes $T/<ID>/kiosk.conf for branch ID syncing with URL.
branch_conf() {
    local id=$1 url=$2 dir=$T/$1
    mkdir -p "$dir"
    python3 - "$RK_SOURCE_DIR/conf/kiosk.conf" "$dir/kiosk.conf" "$id" "$dir/data" "$url" \
        "$HQ/ca/ca.pem" "$HQ/ca/config.pem" "http://127.0.0.1:${HQ_CMP_PORT:-1}/pkix/" \
        "$RK_SOURCE_DIR/conf" <<'EOF'
import re, sys
src, dst, bid, data, url, ca, cfg, cmp, confdir = sys.argv[1:]
out, sec = [], None
for line in open(src, encoding='utf-8'):
    m = re.match(r'\s*\[(.*)\]', line)
    if m:
        sec = m.group(1)
    elif sec == 'branch' and line.startswith('id ='):
        line = 'id = %s\n' % bid
    elif sec == 'branch' and line.startswith('name ='):
        line = 'name = branch %s\n' % bid
    elif sec == 'paths' and line.startswith('data_dir ='):
        line = 'data_dir = %s\n' % data
    elif sec == 'hq' and re.match(r'(ca_certs|config_cert|cmp_url|enrol_ref)\s*=', line):
        continue
    elif sec == 'hq' and line.startswith('url ='):
        line = 'url = %s\nca_certs = %s\nconfig_cert = %s\ncmp_url = %s\n' % (url, ca, cfg, cmp)
    elif sec == 'files' and '=' in line and not line.startswith(';'):
        k, v = [x.strip() for x in line.split('=', 1)]
        line = '%s = %s/%s\n' % (k, confdir, v)
    out.append(line)
out.append('\n[sync]\nmax_attempts = 4\nconnect_timeout = 5\ntimeout = 15\n')
open(dst, 'w', encoding='utf-8').write(''.join(out))
EOF
}

# as_branch ID CMD...: runs CMD with branch ID's configuration.
as_branch() {
    local id=$1
    shift
    RAKIOSK_CONF="$T/$id/kiosk.conf" RAKIOSK_SESSION="$T/$id/session" "$@"
}

# branch_up ID: a branch with its database, a supervisor and an entry, a
# review and an issue clerk, its sub-CA (which makes the HSM token), and a
# device certificate enrolled with HQ.
branch_up() {
    local id=$1
    branch_conf "$id" "https://127.0.0.1:$HQ_PORT"
    as_branch "$id" "$RACTL" -q init >/dev/null || die "ractl init $id"
    echo 'supervisor-pass' | as_branch "$id" "$RACTL" -q clerk add boss --name 王主管 \
        --roles supervisor >/dev/null || die "clerk add $id"
    as_branch "$id" "$RACTL" -q ca init --name "branch $id" >/dev/null || die "ca init $id"
    hq_admin branch add "$id" --name "branch $id" --secret-file "$T/$id/enrol.secret" \
        >"$T/$id/enrol.out" || die "rahq branch add $id"
    local ref
    ref=$(sed -n 's/.*enrolment reference \([^ ]*\).*/\1/p' "$T/$id/enrol.out")
    as_branch "$id" "$RACTL" -q sync enrol --ref "$ref" --secret-file "$T/$id/enrol.secret" \
        >"$T/$id/enrol.log" 2>&1 || die "sync enrol $id: $(cat "$T/$id/enrol.log")"
}

# sync_once ID [rasync args]: one pass of rasync for branch ID; $OUT holds
# its output, $RC its exit code.
sync_once() {
    local id=$1
    shift
    OUT=$(as_branch "$id" "$RASYNC" --once --backoff-ms 50 "$@" 2>&1)
    RC=$?
}

# mkcert NAME CN [SAN] [CA_DIR]: a client certificate with a software key in
# $T/certs/NAME.{pem,key}, signed by HQ's CA (or the CA in CA_DIR, whose
# ca.pem/ca.key are used); SAN e.g. "URI:urn:rakiosk:branch:DEMO01" ("" for
# none). For the tests' outside clients (curl, the fault proxy).
mkcert() {
    local name=$1 cn=$2 san=${3-} cadir=${4:-$HQ/ca} d=$T/certs
    mkdir -p "$d"
    openssl ecparam -genkey -name prime256v1 -noout -out "$d/$name.key" 2>/dev/null
    openssl req -new -key "$d/$name.key" -subj "/CN=$cn/O=Test HQ" -out "$d/$name.csr"
    {
        echo "basicConstraints=critical,CA:FALSE"
        echo "keyUsage=critical,digitalSignature"
        echo "extendedKeyUsage=clientAuth"
        [ -n "$san" ] && echo "subjectAltName=$san"
    } >"$d/$name.ext"
    openssl x509 -req -in "$d/$name.csr" -CA "$cadir/ca.pem" -CAkey "$cadir/ca.key" \
        -CAcreateserial -days 30 -extfile "$d/$name.ext" -out "$d/$name.pem" 2>/dev/null
}

# hq_curl NAME ARGS...: curl to HQ with client certificate NAME (or "-" for
# none); prints the body, then the status on the last line.
hq_curl() {
    local name=$1
    shift
    local cert=()
    [ "$name" != - ] && cert=(--cert "$T/certs/$name.pem" --key "$T/certs/$name.key")
    curl -s --max-time 20 --cacert "$HQ/ca/ca.pem" "${cert[@]}" -w '\n%{http_code}' "$@"
}

# ---- the fault proxy (faultproxy.py) ----------------------------------------------
# front_certs ID: what a front in place of rahq (the fault proxy, the
# HTTP/2 test's nginx) needs: $T/certs/proxy-srv.{pem,key}, a server
# certificate from HQ's CA for 127.0.0.1, and $T/certs/proxy-ID.{pem,key},
# a client certificate for branch ID towards rahq.
front_certs() {
    local id=$1 d=$T/certs
    mkdir -p "$d"
    if [ ! -s "$d/proxy-srv.pem" ]; then
        openssl ecparam -genkey -name prime256v1 -noout -out "$d/proxy-srv.key" 2>/dev/null
        openssl req -new -key "$d/proxy-srv.key" -subj "/CN=127.0.0.1/O=Test HQ" -out "$d/proxy-srv.csr"
        printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' \
            >"$d/proxy-srv.ext"
        openssl x509 -req -in "$d/proxy-srv.csr" -CA "$HQ/ca/ca.pem" -CAkey "$HQ/ca/ca.key" \
            -CAcreateserial -days 30 -extfile "$d/proxy-srv.ext" -out "$d/proxy-srv.pem" 2>/dev/null ||
            die "proxy certificate"
    fi
    [ -s "$d/proxy-$id.pem" ] || mkcert "proxy-$id" "$id" "URI:urn:rakiosk:branch:$id"
}

# proxy_start ID [extra proxy args]: a fault proxy in front of rahq for
# branch ID (front_certs), faults off; sets PROXY_PORT, PROXY_PID. The
# control file is $T/faults.json (write it with `faults`), the stats
# $T/proxy.stats, the log $T/proxy.log. Restarting rahq keeps the proxy:
# start rahq again with HQ_PORT unchanged. With PROXY_NAME=N set, a second
# proxy's files are $T/N.{port,stats,log} instead (the control is shared).
proxy_start() {
    local id=$1 d=$T/certs n=${PROXY_NAME:-proxy}
    shift
    front_certs "$id"
    [ -s "$T/faults.json" ] && [ "$n" != proxy ] || echo '{"mode": "off"}' >"$T/faults.json"
    rm -f "$T/$n.port"
    python3 "$RK_SOURCE_DIR/tests/sync/faultproxy.py" --upstream "127.0.0.1:$HQ_PORT" \
        --ca "$HQ/ca/ca.pem" --cert "$d/proxy-srv.pem" --key "$d/proxy-srv.key" \
        --client-cert "$d/proxy-$id.pem" --client-key "$d/proxy-$id.key" \
        --control "$T/faults.json" --stats "$T/$n.stats" --port-file "$T/$n.port" "$@" \
        >>"$T/$n.log" 2>&1 &
    PROXY_PID=$!
    PIDS+=("$PROXY_PID")
    wait_for "$T/$n.port" || die "the fault proxy did not start: $(cat "$T/$n.log")"
    PROXY_PORT=$(cat "$T/$n.port")
}

# via_proxy ID [PORT]: branch ID reaches HQ through the proxy (or whatever
# listens on PORT) from now on.
via_proxy() {
    local port=${2:-$PROXY_PORT}
    sed -i "s|^url = https://127.0.0.1:[0-9]*\$|url = https://127.0.0.1:$port|" "$T/$1/kiosk.conf"
    grep -q "^url = https://127.0.0.1:$port\$" "$T/$1/kiosk.conf" || die "via_proxy $1"
}

# sync_set ID KEY VALUE: sets [sync] KEY in branch ID's kiosk.conf (the
# last section there), replacing what it held.
sync_set() {
    python3 - "$T/$1/kiosk.conf" "$2" "$3" <<'EOF'
import sys
path, key, value = sys.argv[1:]
lines = open(path, encoding='utf-8').read().splitlines()
last = max(i for i, ln in enumerate(lines) if ln.strip() == '[sync]')
keep = lines[:last + 1] + [ln for ln in lines[last + 1:] if ln.split('=')[0].strip() != key]
open(path, 'w', encoding='utf-8').write('\n'.join(keep + ['%s = %s' % (key, value)]) + '\n')
EOF
}

# faults JSON: the proxy's control (see faultproxy.py), replaced at once.
faults() {
    printf '%s\n' "$1" >"$T/faults.json.tmp" && mv "$T/faults.json.tmp" "$T/faults.json"
}
# proxy_count KEY: how many requests (or faults of kind KEY) the proxy saw.
proxy_count() {
    python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0))" \
        "$T/proxy.stats" "$1" 2>/dev/null || echo 0
}
