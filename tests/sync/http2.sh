#!/usr/bin/env bash
# rasync over HTTP/2 where the server offers it (issue 14 section 2,
# "Transport"), against a real h2 server: nginx from Debian, started by the
# test on loopback as a TLS-terminating front of rahq (the arrangement is
# docs/SYNC-PROTOCOL.md's "HTTP/2"):
# - towards the branch nginx offers h2 and http/1.1 by ALPN and asks for
#   the branch's client certificate, verified against HQ's CA, and admits
#   only this branch's device certificate (by fingerprint): no certificate,
#   another CA's, or another branch's certificate from HQ's CA is refused;
# - towards rahq nginx speaks HTTP/1.1 with mutual TLS of its own, with a
#   certificate for that same branch (rahq takes the identity from its TLS
#   peer, never from a header);
# - a whole pass through it (events, audit, HQ's decision pulled, CRL,
#   configuration bundle, archives by tus) converges, and HTTP/2 was used:
#   rasync's log and `ractl sync status` say HTTP/2, nginx's access log has
#   every request as HTTP/2.0; straight to rahq the same branch says 1.1;
# - with nothing new at HQ the CRL and the bundle come back 304 (the
#   branch's conditional GETs, seen at the server);
# - an upload cut by killing rasync mid-chunk resumes over h2 (HEAD for the
#   offset) and sends again at most one chunk.
# Without nginx the test says so loudly and exits 77 (skipped, never passed).
source "$(dirname "$0")/sync-lib.bash"

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ]; then
    cat >&2 <<'EOF'
***************************************************************************
*** sync_http2: NOT RUN. nginx is not installed (image/packages.txt has  ***
*** it in the build section: run image/install-deps).                    ***
***************************************************************************
EOF
    exit 77
fi

hq_init
hq_start
branch_up DEMO01
db1=$T/DEMO01/data/rakiosk.db
q1() { sqlite3 "$db1" "$1"; }
show() { hq_admin branch show DEMO01 --json | json "$1"; }

# Straight to rahq (libmicrohttpd: HTTP/1.1 only).
as_branch DEMO01 "$SYNC_LOAD" --orders 2 --seed 1 >/dev/null || die "load"
sync_once DEMO01
same "$RC" 0 "a pass straight to rahq: $OUT"
contains "https://127.0.0.1:$HQ_PORT answers over HTTP/1.1" "rahq answers over HTTP/1.1"
expect 0 "status" -- as_branch DEMO01 "$RACTL" --json sync status
same "$(echo "$OUT" | json 'd["last"]["http"]')" 1.1 "the status says 1.1 straight to rahq"

# ---- nginx in front -------------------------------------------------------------
front_certs DEMO01
N=$T/nginx
mkdir -p "$N"
fp=$(openssl x509 -in "$T/DEMO01/data/sync/device.pem" -noout -fingerprint -sha1 |
    sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
[ -n "$fp" ] || die "the device certificate's fingerprint"
nginx_conf() {
    cat >"$N/nginx.conf" <<EOF
# The test's h2 front of rahq (tests/sync/http2.sh). One process, in the foreground.
daemon off;
master_process off;
error_log $N/error.log info;
pid $N/nginx.pid;
events { worker_connections 64; }
http {
    log_format h2 '\$request_method \$uri \$server_protocol \$status \$ssl_client_fingerprint';
    access_log $N/access.log h2;
    client_body_temp_path $N/body;
    proxy_temp_path $N/proxy;
    fastcgi_temp_path $N/fastcgi;
    uwsgi_temp_path $N/uwsgi;
    scgi_temp_path $N/scgi;
    server {
        listen 127.0.0.1:$1 ssl http2;
        ssl_certificate $T/certs/proxy-srv.pem;
        ssl_certificate_key $T/certs/proxy-srv.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        # The branch's certificate, verified against HQ's CA; this front
        # stands for one branch, so it admits that branch's alone.
        ssl_client_certificate $HQ/ca/ca.pem;
        ssl_verify_client on;
        ssl_verify_depth 2;
        if (\$ssl_client_fingerprint != "$fp") { return 403; }
        client_max_body_size 0;
        location / {
            proxy_pass https://127.0.0.1:$HQ_PORT;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
            proxy_request_buffering off;
            proxy_buffering off;
            proxy_ssl_certificate $T/certs/proxy-DEMO01.pem;
            proxy_ssl_certificate_key $T/certs/proxy-DEMO01.key;
            proxy_ssl_trusted_certificate $HQ/ca/ca.pem;
            proxy_ssl_verify on;
            proxy_ssl_name localhost; # rahq's certificate names it (nginx checks DNS names, not IP addresses)
            proxy_ssl_session_reuse on;
            proxy_read_timeout 60s;
        }
    }
}
EOF
}
# A free port, then nginx on it (tried again if another process took it).
for _ in 1 2 3 4 5; do
    NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    nginx_conf "$NGINX_PORT"
    "$NGINX" -t -q -p "$N" -c "$N/nginx.conf" -e "$N/error.log" 2>>"$N/start.log" ||
        die "nginx refuses the test's configuration: $(cat "$N/start.log")"
    "$NGINX" -p "$N" -c "$N/nginx.conf" -e "$N/error.log" >>"$N/start.log" 2>&1 &
    NGINX_PID=$!
    PIDS+=("$NGINX_PID")
    for _ in $(seq 50); do
        curl -s -o /dev/null --max-time 1 --cacert "$HQ/ca/ca.pem" "https://127.0.0.1:$NGINX_PORT/" && break
        kill -0 "$NGINX_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$NGINX_PID" 2>/dev/null && break
done
kill -0 "$NGINX_PID" 2>/dev/null || die "nginx did not start: $(cat "$N/start.log" "$N/error.log")"

# Who gets in: this branch's device certificate only.
mkcert other DEMO02 "URI:urn:rakiosk:branch:DEMO02"
mkdir -p "$T/rogue"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=rogue" -keyout "$T/rogue/ca.key" -out "$T/rogue/ca.pem" 2>/dev/null
mkcert rogue DEMO01 "URI:urn:rakiosk:branch:DEMO01" "$T/rogue"
OUT=$(hq_curl - --http2 "https://127.0.0.1:$NGINX_PORT/v1/changes")
same "$(echo "$OUT" | tail -1)" 400 "no client certificate: refused"
OUT=$(hq_curl rogue --http2 "https://127.0.0.1:$NGINX_PORT/v1/changes")
case "$(echo "$OUT" | tail -1)" in 400 | 000) ok ;; *) bad "another CA's certificate got in: $OUT" ;; esac
OUT=$(hq_curl other --http2 "https://127.0.0.1:$NGINX_PORT/v1/changes")
same "$(echo "$OUT" | tail -1)" 403 "another branch's certificate from HQ's CA: refused"

# ---- a whole pass over h2 -----------------------------------------------------------
via_proxy DEMO01 "$NGINX_PORT"
as_branch DEMO01 "$SYNC_LOAD" --orders 20 --authority 2 --seed 2 >/dev/null || die "load"
mkdir -p "$T/arch"
as_branch DEMO01 "$SYNC_LOAD" --archives 3 --archive-min 1500000 --archive-max 2500000 \
    --archive-dir "$T/arch" --seed 3 >/dev/null || die "archives"
sync_once DEMO01 --only events
same "$RC" 0 "the events over h2: $OUT"
mapfile -t AUTH < <(q1 "SELECT ref FROM orders WHERE state = 'authority' ORDER BY ref")
expect 0 "approve" -- hq_admin approve --branch DEMO01 --order "${AUTH[0]}" --authority-ref H2-1
expect 0 "publish a bundle" -- hq_admin config publish --file fees.ini="$RK_SOURCE_DIR/conf/fees.ini"
expect 0 "publish a CRL" -- hq_admin crl publish
audit0=$(q1 'SELECT max(seq) FROM audit')
: >"$N/access.log"
sync_once DEMO01
same "$RC" 0 "a whole pass over h2: $OUT"
contains "https://127.0.0.1:$NGINX_PORT answers over HTTP/2 (negotiated by ALPN)" "rasync logs h2"
contains "HQ over HTTP/2" "the pass's summary says h2"
expect 0 "status" -- as_branch DEMO01 "$RACTL" --json sync status
same "$(echo "$OUT" | json 'd["last"]["http"]')" 2 "the status says HTTP/2"
same "$(echo "$OUT" | json 'd["last"]["ok"]')" True "the pass through nginx succeeded"
same "$(q1 "SELECT state || '|' || authority_ref FROM orders WHERE ref = '${AUTH[0]}'")" "approved|H2-1" \
    "HQ's decision pulled over h2"
same "$(show 'd["events"]')" "$(q1 'SELECT count(*) FROM outbox')" "HQ holds every event"
same "$(q1 'SELECT count(*) FROM outbox WHERE sent_at IS NULL')" 0 "the outbox is drained"
[ "$(show 'd["audit_seq"]')" -gt "$audit0" ] && ok || bad "the audit not anchored over h2"
expect 0 "uploads" -- hq_admin uploads --branch DEMO01 --json
same "$(echo "$OUT" | json 'sum(1 for u in d if u["matches"])')" 3 "three archives over h2, confirmed"
same "$(readlink "$T/DEMO01/data/config/current")" 1 "the bundle installed over h2"
# nginx's own word: every request of the pass came over HTTP/2.0, from
# this branch's certificate, and the pass used each part of the protocol.
log=$(cat "$N/access.log")
same "$(awk '$3 != "HTTP/2.0"' "$N/access.log" | wc -l)" 0 "nginx: every request over HTTP/2.0: $log"
same "$(awk -v fp="$fp" '$5 != fp' "$N/access.log" | wc -l)" 0 "nginx: every request from the device certificate"
for r in "GET /v1/hello" "POST /v1/events" "POST /v1/audit" "GET /v1/changes" "GET /v1/crl" \
    "GET /v1/config" "POST /v1/archives/" "PATCH /v1/archives/"; do
    grep -q "^$r.* HTTP/2.0 [23]" "$N/access.log" && ok || bad "nginx: no '$r' over HTTP/2.0: $log"
done

# Nothing new at HQ: the CRL and the bundle are asked for conditionally
# (ETag / If-Modified-Since), and nginx saw HQ answer 304 to both.
: >"$N/access.log"
sync_once DEMO01 --only crl,config
same "$RC" 0 "a pass with nothing new: $OUT"
for r in "GET /v1/crl" "GET /v1/config/latest"; do
    grep -q "^$r HTTP/2.0 304" "$N/access.log" && ok || bad "nginx: '$r' not answered 304: $(cat "$N/access.log")"
done

# ---- a cut upload resumed over h2 ---------------------------------------------------
sync_set DEMO01 bandwidth 800000
mkdir -p "$T/cut"
as_branch DEMO01 "$SYNC_LOAD" --archives 1 --archive-min 3000000 --archive-max 3000000 \
    --archive-dir "$T/cut" --seed 4 >/dev/null || die "the cut's archive"
: >"$N/access.log"
RAKIOSK_CONF="$T/DEMO01/kiosk.conf" "$RASYNC" --once --only archives >"$T/cut1.log" 2>&1 &
RPID=$!
# Killed once the first chunk is in and the second under way.
for _ in $(seq 100); do grep -q "^PATCH /v1/archives/.* 204" "$N/access.log" && break; sleep 0.1; done
sleep 0.6
kill -9 "$RPID"
wait "$RPID" 2>/dev/null
grep -q "^PATCH /v1/archives/.* 204" "$N/access.log" && ok || bad "no chunk went before the kill: $(cat "$N/access.log")"
sync_set DEMO01 bandwidth 0
OUT=$(as_branch DEMO01 "$RASYNC" --once --only archives --json 2>"$T/cut2.log")
same "$?" 0 "the resumed upload over h2: $(cat "$T/cut2.log")"
grep -q "sync: pass " "$T/cut1.log" && bad "the cut pass ended by itself: $(cat "$T/cut1.log")" || ok
again=$(echo "$OUT" | json 'd["last"]["archive_bytes_again"]')
[ "${again:-9999999}" -le 1048576 ] && ok || bad "sent again $again bytes, more than one chunk"
grep -q "^HEAD /v1/archives/.* HTTP/2.0 200" "$N/access.log" && ok ||
    bad "no HEAD for the offset over h2: $(cat "$N/access.log")"
expect 0 "uploads" -- hq_admin uploads --branch DEMO01 --json
same "$(echo "$OUT" | json 'sum(1 for u in d if u["matches"])')" 4 "the cut archive confirmed"

kill "$NGINX_PID"
wait "$NGINX_PID" 2>/dev/null
hq_stop
finish
