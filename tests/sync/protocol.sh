#!/usr/bin/env bash
# rahq's side of docs/SYNC-PROTOCOL.md, driven by outside clients (curl,
# openssl cmp, raw sockets) against a real rahq on loopback:
# - the client certificate checked on every request: none, a self-signed
#   look-alike, another CA's, one of HQ's CA without a branch identity, a
#   revoked device certificate: refused and logged;
# - a branch touching another's data (a push naming another branch, an order
#   UUID held for another branch, another branch's upload): refused 403 and
#   logged; feeds and digests show a branch only its own;
# - pushes idempotent by (branch, seq): duplicates, gaps, conflicts; limits,
#   content types, methods; the audit chain and its anchor;
# - the tus endpoint: OPTIONS, creation (idempotent by SHA-256), PATCH with
#   and without checksums, 409 on a wrong offset, 460 on a bad checksum,
#   HEAD, receipts;
# - CRL and bundle publication with conditional GET;
# - CMP enrolment: a used, unknown or wrongly keyed reference refused;
# - stalled clients on both ports do not hold up anyone else;
# - --help of every command and numeric options checked.
source "$(dirname "$0")/sync-lib.bash"

# --help everywhere, and numbers checked.
for args in "" "init" "serve" "admin" "admin branch add" "admin branch reenrol" "admin branch list" \
    "admin branch show" \
    "admin approve" "admin reject" "admin order-status" "admin clerk" "admin revoke" \
    "admin crl" "admin config" "admin orders" "admin uploads"; do
    # shellcheck disable=SC2086
    expect 0 "rahq $args --help" -- "$RAHQ" $args --help
    contains "usage: rahq" "rahq $args --help"
done
expect 0 "rasync --help" -- "$RASYNC" --help
contains "--once" "rasync --help"
for c in "" status enrol queue; do
    # shellcheck disable=SC2086
    expect 0 "ractl sync $c --help" -- "$RACTL" sync $c --help
done
expect 2 "rahq serve --port abc" -- "$RAHQ" serve --home "$T/x" --port abc
contains "--port takes a number" "non-number refused"
expect 2 "rahq serve --threads 0" -- "$RAHQ" serve --home "$T/x" --threads 0
expect 2 "rasync --backoff-ms x" -- "$RASYNC" --once --backoff-ms x
expect 2 "rasync --only nonsense" -- "$RASYNC" --once --only nonsense
expect 2 "rahq unknown" -- "$RAHQ" frobnicate

hq_init
expect 7 "rahq init twice" -- "$RAHQ" init --home "$HQ" --name again
hq_start --threads 4
hq_admin branch add DEMO01 --name one --secret-file "$T/one.secret" >/dev/null || die "branch add"
hq_admin branch add DEMO02 --name two --secret-file "$T/two.secret" >/dev/null || die "branch add"
expect 7 "branch added twice" -- hq_admin branch add DEMO01 --name x --secret-file "$T/x.secret"
same "$(stat -c %a "$T/one.secret")" 600 "the enrolment secret file is 0600"
expect 0 "branch list" -- hq_admin branch list --json
[ "$(echo "$OUT" | json 'len(d)')" = 2 ] && ok || bad "two branches listed: $OUT"
! grep -q "$(cat "$T/one.secret")" "$T/hq.log" && ok || bad "the secret reached the log"

URL=https://127.0.0.1:$HQ_PORT
mkcert one DEMO01 "URI:urn:rakiosk:branch:DEMO01"
mkcert two DEMO02 "URI:urn:rakiosk:branch:DEMO02"
mkcert noid DEMO01 ""
mkcert ghost GHOST "URI:urn:rakiosk:branch:GHOST"
# A look-alike: self-signed, the same names.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -keyout "$T/certs/fake.key" -out "$T/certs/fake.pem" -subj "/CN=DEMO01/O=Test HQ" \
    -addext "subjectAltName=URI:urn:rakiosk:branch:DEMO01" -addext "extendedKeyUsage=clientAuth" \
    2>/dev/null
# Another CA's certificate with the same names.
mkdir -p "$T/other"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -keyout "$T/other/ca.key" -out "$T/other/ca.pem" -subj "/CN=Test HQ CA/O=Test HQ" 2>/dev/null
mkcert other DEMO01 "URI:urn:rakiosk:branch:DEMO01" "$T/other"

# 1. The client certificate on every request.
r=$(hq_curl - "$URL/v1/hello")
same "$(echo "$r" | tail -1)" 401 "no certificate"
case "$r" in *no_certificate*) ok ;; *) bad "no_certificate token: $r" ;; esac
for c in fake other; do
    r=$(hq_curl $c "$URL/v1/hello")
    same "$(echo "$r" | tail -1)" 401 "$c certificate refused"
done
r=$(hq_curl noid "$URL/v1/hello")
same "$(echo "$r" | tail -1)" 403 "a certificate without a branch identity"
r=$(hq_curl ghost "$URL/v1/hello")
same "$(echo "$r" | tail -1)" 403 "an unknown branch"
case "$r" in *unknown_branch*) ok ;; *) bad "unknown_branch: $r" ;; esac
r=$(hq_curl one "$URL/v1/hello")
same "$(echo "$r" | tail -1)" 200 "DEMO01 says hello"
[ "$(echo "$r" | head -1 | json 'd["branch"]')" = DEMO01 ] && ok || bad "hello names DEMO01: $r"
grep -q "refused GET /v1/hello from 127.0.0.1:[0-9]*: no_certificate" "$T/hq.log" && ok ||
    bad "refusal without a certificate not logged"
grep -q "does not verify against HQ's CA" "$T/hq.log" && ok || bad "look-alike refusal not logged"
# Keep-alive: the check is per request, not per connection.
r=$(curl -s --cacert "$HQ/ca/ca.pem" --cert "$T/certs/one.pem" --key "$T/certs/one.key" \
    -o /dev/null -w '%{http_code} %{num_connects}\n' "$URL/v1/hello" -o /dev/null "$URL/v1/hello")
[ "$(echo "$r" | tail -1)" = "200 0" ] && ok || bad "second request on the kept connection: $r"

# 2. Pushes.
U1=11111111-1111-4111-8111-111111111111
ev() { # SEQ UUID ORDER STATE [BRANCH]
    printf '{"seq":%s,"uuid":"%s","at":1772418000,"entity":"order","entity_id":"%s",' "$1" "$2" "$3"
    printf '"kind":"order.%s","payload":{"uuid":"%s","ref":"R%s","branch":"%s","state":"%s"}}' \
        "$4" "$3" "$1" "${5:-DEMO01}" "$4"
}
push() { # CERT BODY
    hq_curl "$1" -H 'Content-Type: application/json' --data-binary "$2" "$URL/v1/events"
}
B="{\"protocol\":1,\"branch\":\"DEMO01\",\"events\":[$(ev 1 e-1 $U1 submitted),$(ev 2 e-2 $U1 approved)]}"
r=$(push one "$B")
same "$(echo "$r" | tail -1)" 200 "a push"
[ "$(echo "$r" | head -1 | json 'd["acked_seq"], d["applied"]')" = "(2, 2)" ] && ok || bad "ack: $r"
r=$(push one "$B")
[ "$(echo "$r" | head -1 | json 'd["acked_seq"], d["applied"], d["duplicates"]')" = "(2, 0, 2)" ] &&
    ok || bad "the same push again is only duplicates: $r"
r=$(push one "{\"events\":[$(ev 5 e-5 $U1 paid)]}")
same "$(echo "$r" | tail -1)" 409 "a gap"
[ "$(echo "$r" | head -1 | json 'd["error"], d["expected"]')" = "('sequence_gap', 3)" ] && ok ||
    bad "gap names the next sequence: $r"
r=$(push one "{\"events\":[$(ev 2 other-uuid $U1 paid)]}")
same "$(echo "$r" | tail -1)" 409 "a conflict"
case "$r" in *sequence_conflict*) ok ;; *) bad "sequence_conflict: $r" ;; esac
r=$(push one '{"events":[{"seq":3}]}')
same "$(echo "$r" | tail -1)" 400 "an event without its fields"
r=$(push one '{"events":[')
same "$(echo "$r" | tail -1)" 400 "truncated JSON"
r=$(hq_curl one -H 'Content-Type: text/plain' --data-binary "$B" "$URL/v1/events")
same "$(echo "$r" | tail -1)" 415 "wrong content type"
r=$(hq_curl one "$URL/v1/events")
same "$(echo "$r" | tail -1)" 405 "GET on the push"
head -c 9000000 /dev/zero | tr '\0' ' ' >"$T/big.json"
r=$(hq_curl one -H 'Content-Type: application/json' --data-binary @"$T/big.json" "$URL/v1/events")
same "$(echo "$r" | tail -1)" 413 "a body over the limit"
r=$(hq_curl one "$URL/v1/nothing")
same "$(echo "$r" | tail -1)" 404 "an unknown path"

# 3. Another branch's data.
r=$(push two "{\"branch\":\"DEMO01\",\"events\":[$(ev 1 t-1 22222222-2222-4222-8222-222222222222 submitted)]}")
same "$(echo "$r" | tail -1)" 403 "DEMO02 naming DEMO01 in a push"
r=$(push two "{\"events\":[$(ev 1 t-1 $U1 cancelled DEMO02)]}")
same "$(echo "$r" | tail -1)" 403 "DEMO02 pushing DEMO01's order UUID"
case "$r" in *wrong_branch*) ok ;; *) bad "wrong_branch: $r" ;; esac
r=$(push two "{\"events\":[$(ev 1 t-1 33333333-3333-4333-8333-333333333333 submitted DEMO01)]}")
same "$(echo "$r" | tail -1)" 403 "DEMO02 pushing an order that claims DEMO01"
grep -q "refused POST /v1/events from DEMO02: wrong_branch: order $U1 belongs to branch DEMO01" \
    "$T/hq.log" && ok || bad "the cross-branch push is not logged"
expect 0 "HQ's orders of DEMO01" -- hq_admin orders --branch DEMO01 --json
[ "$(echo "$OUT" | json '[(o["state"], o["last_seq"]) for o in d]')" = "[('approved', 2)]" ] &&
    ok || bad "DEMO01's order untouched by DEMO02: $OUT"
expect 0 "HQ's orders of DEMO02" -- hq_admin orders --branch DEMO02 --json
same "$(echo "$OUT" | json 'len(d)')" 0 "DEMO02 holds no order"
# The same, racing: DEMO01's order is being inserted (its transaction still
# open) when DEMO02 pushes its UUID, so DEMO02's push finds no owner and its
# upsert waits on the row. When DEMO01's commits, DEMO02's push fails whole
# (busy, to be sent again) and the retry is refused: nothing of DEMO02's
# lands, DEMO01's order is untouched. (PostgreSQL: SQLite's one writer
# cannot interleave the two.)
if [ -n "${PG_URL:-}" ]; then
    U4=44444444-4444-4444-8444-444444444444
    psql -X -q -At -v ON_ERROR_STOP=1 "$PG_URL" -c "BEGIN; INSERT INTO hq_order(uuid, branch, ref, \
        state, first_at, last_seq, last_at) VALUES ('$U4', 'DEMO01', 'R-RACE', 'submitted', 1, 9, 1); \
        SELECT pg_sleep(5); COMMIT;" >/dev/null &
    racer=$!
    for _ in $(seq 50); do
        [ "$(hq_sql "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
            WHERE a.query LIKE '%R-RACE%' AND l.mode = 'RowExclusiveLock'")" != 0 ] && break
        sleep 0.1
    done
    r=$(push two "{\"events\":[$(ev 1 t-1 $U4 submitted DEMO02)]}")
    wait "$racer" || bad "the racing insert failed"
    same "$(echo "$r" | tail -1)" 503 "DEMO02's push racing DEMO01's insert of the same order"
    r=$(push two "{\"events\":[$(ev 1 t-1 $U4 submitted DEMO02)]}")
    same "$(echo "$r" | tail -1)" 403 "its retry"
    case "$r" in *wrong_branch*) ok ;; *) bad "the retry is not wrong_branch: $r" ;; esac
    same "$(hq_sql "SELECT branch || ' ' || ref || ' ' || last_seq FROM hq_order WHERE uuid = '$U4'")" \
        "DEMO01 R-RACE 9" "the raced order is DEMO01's, unchanged"
    same "$(hq_sql "SELECT count(*) FROM event WHERE branch = 'DEMO02'")" 0 "no event of DEMO02 stored"
    hq_sql "DELETE FROM hq_order WHERE uuid = '$U4'" >/dev/null
fi
day=$(date -u -d @1772418000 +%F)
r=$(hq_curl two "$URL/v1/digests?from=$day&to=$day")
[ "$(echo "$r" | head -1 | json 'd["days"]')" = "[]" ] && ok || bad "DEMO02's digests are its own: $r"
r=$(hq_curl one "$URL/v1/digests?from=$day&to=$day")
[ "$(echo "$r" | head -1 | json 'd["days"][0]["orders"]')" = 1 ] && ok || bad "DEMO01's digest: $r"
r=$(hq_curl one "$URL/v1/digests/$day")
[ "$(echo "$r" | head -1 | json 'd["orders"][0]["uuid"]')" = $U1 ] && ok || bad "day list: $r"
r=$(hq_curl one "$URL/v1/digests?from=2026-02-30&to=$day")
same "$(echo "$r" | tail -1)" 400 "a day that is not in the calendar"

# The feed: a decision for DEMO01 is not DEMO02's.
expect 0 "approve waits for the authority state" -- true
expect 7 "approve an order not waiting for the authority" -- \
    hq_admin approve --branch DEMO01 --order $U1 --authority-ref X
push one "{\"events\":[$(ev 3 e-3 $U1 authority)]}" >/dev/null
expect 0 "approve" -- hq_admin approve --branch DEMO01 --order R3 --authority-ref SSB-7
r=$(hq_curl one "$URL/v1/changes?after=0")
[ "$(echo "$r" | head -1 | json '[c["kind"] for c in d["changes"]]')" = "['authority.decision']" ] &&
    ok || bad "DEMO01's feed: $r"
r=$(hq_curl two "$URL/v1/changes?after=0")
[ "$(echo "$r" | head -1 | json 'd["changes"]')" = "[]" ] && ok || bad "DEMO02's feed is empty: $r"
r=$(hq_curl one "$URL/v1/changes?after=abc")
same "$(echo "$r" | tail -1)" 400 "a cursor that is not a number"
# An order id and reference with the characters of PostgreSQL's array and
# JSON literals ( " \ , { } ): held as sent (the store quotes them itself).
Q='q\"u\\o,t{e}'
r=$(push one "{\"events\":[{\"seq\":4,\"uuid\":\"e-4\",\"at\":1772418000,\"entity\":\"order\",\"entity_id\":\"$Q\",\"kind\":\"order.submitted\",\"payload\":{\"ref\":\"$Q\",\"branch\":\"DEMO01\",\"state\":\"submitted\"}}]}")
same "$(echo "$r" | tail -1)" 200 "an order id with quotes, a backslash, a comma and braces"
expect 0 "HQ's orders of DEMO01" -- hq_admin orders --branch DEMO01 --json
[ "$(echo "$OUT" | json '[(o["uuid"], o["ref"]) for o in d if o["uuid"].startswith("q")]')" = \
    "[('q\"u\\\\o,t{e}', 'q\"u\\\\o,t{e}')]" ] && ok || bad "the odd order id as sent: $OUT"

# 4. Audit: a chain HQ recomputes, anchored.
G=0000000000000000000000000000000000000000000000000000000000000000
H1=$(printf '1:1;10:1772418000;4:boss;10:supervisor;9:clerk.add;-;-;-;-;64:%s;' $G | sha256sum | cut -d' ' -f1)
A1="{\"seq\":1,\"at\":1772418000,\"actor\":\"boss\",\"role\":\"supervisor\",\"action\":\"clerk.add\",\"order_id\":null,\"before\":null,\"after\":null,\"detail\":null,\"prev_hash\":\"$G\",\"hash\":\"$H1\"}"
audit() { hq_curl one -H 'Content-Type: application/json' --data-binary "$1" "$URL/v1/audit"; }
r=$(audit "{\"head\":{\"seq\":1,\"hash\":\"$H1\"},\"entries\":[$A1]}")
[ "$(echo "$r" | head -1 | json 'd["acked_seq"]')" = 1 ] && ok || bad "audit push: $r"
r=$(audit "{\"head\":{\"seq\":2,\"hash\":\"$G\"},\"entries\":[{\"seq\":2,\"at\":1,\"actor\":\"x\",\"role\":\"y\",\"action\":\"z\",\"prev_hash\":\"$H1\",\"hash\":\"$G\"}]}")
same "$(echo "$r" | tail -1)" 409 "an entry whose hash is not its content's"
case "$r" in *audit_chain*) ok ;; *) bad "audit_chain: $r" ;; esac
r=$(audit "{\"head\":{\"seq\":0,\"hash\":\"$G\"},\"entries\":[]}")
same "$(echo "$r" | tail -1)" 409 "a head below the anchor"
case "$r" in *audit_truncated*) ok ;; *) bad "audit_truncated: $r" ;; esac
grep -q "error: rahq: branch DEMO01's audit log: .* ends at entry 0, but HQ holds it up to entry 1" \
    "$T/hq.log" && ok || bad "the truncation is not logged as an error"

# 5. tus.
r=$(curl -s -i -X OPTIONS --cacert "$HQ/ca/ca.pem" --cert "$T/certs/one.pem" \
    --key "$T/certs/one.key" "$URL/v1/archives/")
case "$r" in *"Tus-Extension: creation,checksum,termination"*) ok ;; *) bad "OPTIONS: $r" ;; esac
case "$r" in *"Tus-Checksum-Algorithm: sha256"*) ok ;; *) bad "checksum algorithm: $r" ;; esac
head -c 300000 /dev/urandom >"$T/doc.bin"
SHA=$(sha256sum "$T/doc.bin" | cut -d' ' -f1)
b64() { printf '%s' "$1" | base64 -w0; }
META="filename $(b64 doc.bin),sha256 $(b64 "$SHA"),kind $(b64 form)"
tus() { hq_curl "$1" -H 'Tus-Resumable: 1.0.0' "${@:2}"; }
r=$(tus one -i -X POST -H "Upload-Length: 300000" -H "Upload-Metadata: $META" "$URL/v1/archives/")
LOC=$(echo "$r" | tr -d '\r' | sed -n 's/^Location: //p')
case "$LOC" in /v1/archives/*) ok ;; *) bad "creation: $r" ;; esac
r=$(tus one -i -X POST -H "Upload-Length: 300000" -H "Upload-Metadata: $META" "$URL/v1/archives/")
same "$(echo "$r" | tr -d '\r' | sed -n 's/^Location: //p')" "$LOC" "creation is idempotent by SHA-256"
# Twelve creations of one new file at once (a branch retrying a POST that HQ
# is still serving): one upload, the same Location for all.
head -c 1000 /dev/urandom >"$T/race.bin"
RMETA="filename $(b64 race.bin),sha256 $(b64 "$(sha256sum "$T/race.bin" | cut -d' ' -f1)")"
racers=()
for i in $(seq 12); do
    tus one -i -X POST -H "Upload-Length: 1000" -H "Upload-Metadata: $RMETA" "$URL/v1/archives/" \
        | tr -d '\r' | sed -n 's/^Location: //p' >"$T/loc.$i" &
    racers+=($!)
done
wait "${racers[@]}"
same "$(cat "$T"/loc.* | sort -u | wc -l)" 1 "concurrent creations of one file: one Location"
same "$(hq_admin uploads --branch DEMO01 --json | json 'len([u for u in d if u["filename"] == "race.bin"])')" \
    1 "concurrent creations of one file: one upload at HQ"
r=$(tus one -X POST "$URL/v1/archives/")
same "$(echo "$r" | tail -1)" 400 "creation without Upload-Length"
r=$(hq_curl one -X POST -H "Upload-Length: 10" "$URL/v1/archives/")
same "$(echo "$r" | tail -1)" 412 "no Tus-Resumable"
patch() { # CERT OFFSET FROM LEN [extra curl args]
    tail -c +$(($3 + 1)) "$T/doc.bin" | head -c "$4" >"$T/chunk"
    tus "$1" -X PATCH -H 'Content-Type: application/offset+octet-stream' -H "Upload-Offset: $2" \
        --data-binary @"$T/chunk" "${@:5}" "$URL$LOC"
}
r=$(patch one 0 0 100000)
same "$(echo "$r" | tail -1)" 204 "first chunk"
r=$(patch one 0 0 100000)
same "$(echo "$r" | tail -1)" 409 "a chunk at the wrong offset"
r=$(patch two 100000 100000 100000)
same "$(echo "$r" | tail -1)" 403 "DEMO02 writing DEMO01's upload"
r=$(patch one 100000 100000 100000 -H "Upload-Checksum: sha256 $(head -c 32 /dev/zero | base64)")
same "$(echo "$r" | tail -1)" 460 "a chunk whose checksum fails"
r=$(tus one -I "$URL$LOC")
case "$r" in *"Upload-Offset: 100000"*) ok ;; *) bad "HEAD after the refused chunk: $r" ;; esac
sum=$(tail -c +100001 "$T/doc.bin" | head -c 100000 | openssl dgst -sha256 -binary | base64)
r=$(patch one 100000 100000 100000 -H "Upload-Checksum: sha256 $sum")
same "$(echo "$r" | tail -1)" 204 "a chunk with its checksum"
r=$(tus one "$URL$LOC/receipt")
[ "$(echo "$r" | head -1 | json 'd["complete"]')" = False ] && ok || bad "incomplete receipt: $r"
r=$(patch one 200000 200000 100000)
same "$(echo "$r" | tail -1)" 204 "last chunk"
r=$(tus one "$URL$LOC/receipt")
[ "$(echo "$r" | head -1 | json 'd["complete"], d["matches"], d["sha256"]')" = "(True, True, '$SHA')" ] &&
    ok || bad "receipt: $r"
r=$(tus two "$URL$LOC/receipt")
same "$(echo "$r" | tail -1)" 403 "DEMO02 reading DEMO01's receipt"
r=$(tus two -I "$URL$LOC")
case "$r" in *403*) ok ;; *) bad "DEMO02's HEAD on DEMO01's upload: $r" ;; esac
cmp -s "$T/doc.bin" "$HQ/archives/DEMO01/${LOC##*/}" && ok || bad "HQ's copy differs"
grep -q "refused .* from DEMO02: wrong_branch: upload ${LOC##*/} belongs to DEMO01" "$T/hq.log" &&
    ok || bad "the cross-branch upload access is not logged"

# 6. CRL and configuration, by conditional GET.
r=$(hq_curl one "$URL/v1/crl")
same "$(echo "$r" | tail -1)" 404 "no CRL yet"
expect 0 "crl publish" -- hq_admin crl publish --days 7
r=$(curl -s -D "$T/h" -o "$T/crl.der" --cacert "$HQ/ca/ca.pem" --cert "$T/certs/one.pem" \
    --key "$T/certs/one.key" -w '%{http_code}' "$URL/v1/crl")
same "$r" 200 "the CRL"
openssl crl -inform DER -in "$T/crl.der" -CAfile "$HQ/ca/ca.pem" -noout 2>&1 | grep -q "verify OK" &&
    ok || bad "HQ's CRL does not verify with openssl"
ETAG=$(tr -d '\r' <"$T/h" | sed -n 's/^ETag: //p')
LM=$(tr -d '\r' <"$T/h" | sed -n 's/^Last-Modified: //p')
r=$(hq_curl one -H "If-None-Match: $ETAG" -o /dev/null "$URL/v1/crl")
same "$(echo "$r" | tail -1)" 304 "If-None-Match"
r=$(hq_curl one -H "If-Modified-Since: $LM" -o /dev/null "$URL/v1/crl")
same "$(echo "$r" | tail -1)" 304 "If-Modified-Since"
printf '[fee new]\n' >"$T/fees.ini"
expect 0 "config publish" -- hq_admin config publish --dir "$RK_SOURCE_DIR/conf"
r=$(curl -s -D "$T/h" -o "$T/bundle.der" --cacert "$HQ/ca/ca.pem" --cert "$T/certs/one.pem" \
    --key "$T/certs/one.key" -w '%{http_code}' "$URL/v1/config/latest")
same "$r" 200 "the bundle"
openssl cms -verify -binary -inform DER -in "$T/bundle.der" -CAfile "$HQ/ca/ca.pem" -purpose any \
    -out "$T/bundle.json" 2>/dev/null && ok || bad "the bundle does not verify with openssl cms"
[ "$(json 'sorted(d["files"])' <"$T/bundle.json")" = "['calendar.ini', 'fees.ini', 'forms.ini', 'knowledge.ini', 'profiles.ini']" ] &&
    ok || bad "bundle files: $(head -c 200 "$T/bundle.json")"
ETAG=$(tr -d '\r' <"$T/h" | sed -n 's/^ETag: //p')
r=$(hq_curl one -H "If-None-Match: $ETAG" -o /dev/null "$URL/v1/config/latest")
same "$(echo "$r" | tail -1)" 304 "the bundle in force"
expect 2 "config publish of a file no bundle carries" -- hq_admin config publish --file x.ini=/etc/hostname
contains "not a configuration file" "config publish of an unknown file"

# 7. CMP enrolment refusals.
CMP=127.0.0.1:$HQ_CMP_PORT
openssl ecparam -genkey -name prime256v1 -noout -out "$T/dev.key" 2>/dev/null
openssl req -new -key "$T/dev.key" -subj /CN=DEMO01 -out "$T/dev.csr"
REF1=$(hq_admin branch list --json | json '[b for b in d if b["id"]=="DEMO01"][0]["enrolled"]')
same "$REF1" False "DEMO01 not enrolled yet"
cmp_req() { # REF SECRET
    openssl cmp -cmd p10cr -server "$CMP" -path pkix/ -ref "$1" -secret "pass:$2" -csr "$T/dev.csr" \
        -trusted "$HQ/ca/ca.pem" -certout "$T/dev.pem" -unprotected_errors 2>&1
}
REF=$(hq_sql "SELECT enrol_ref FROM branch WHERE id='DEMO01'")
OUT=$(cmp_req "$REF" wrong-secret) && bad "a wrong secret enrolled" || ok
OUT=$(cmp_req enrol-NOSUCH-0000 "$(cat "$T/one.secret")") && bad "an unknown reference enrolled" || ok
grep -q "cmp server: refused p10cr (reference enrol-NOSUCH-0000): unknown reference" "$T/hq.log" && ok ||
    bad "unknown reference not logged"
OUT=$(cmp_req "$REF" "$(cat "$T/one.secret")") && ok || bad "enrolment: $OUT"
openssl x509 -in "$T/dev.pem" -noout -ext subjectAltName 2>/dev/null | grep -q "urn:rakiosk:branch:DEMO01" &&
    ok || bad "the device certificate names the branch"
OUT=$(cmp_req "$REF" "$(cat "$T/one.secret")") && bad "a used reference enrolled again" || ok
same "$(hq_admin branch list --json | json '[b for b in d if b["id"]=="DEMO01"][0]["enrolled"]')" \
    True "DEMO01 enrolled"

# A revoked device certificate no longer reaches HQ.
serial=$(openssl x509 -in "$T/dev.pem" -noout -serial | cut -d= -f2)
cp "$T/dev.pem" "$T/certs/dev.pem"
cp "$T/dev.key" "$T/certs/dev.key"
r=$(hq_curl dev "$URL/v1/hello")
same "$(echo "$r" | tail -1)" 200 "the enrolled device certificate"
# Also on a connection kept open across the revocation: rahq keeps the
# certificate's verification for the connection, never the store's answer.
python3 - "$HQ_PORT" "$HQ/ca/ca.pem" "$T/certs/dev.pem" "$T/certs/dev.key" "$T/kept.go" \
    >"$T/kept.out" 2>&1 <<'EOF' &
import http.client, os, ssl, sys, time
port, ca, cert, key, go = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
ctx.load_cert_chain(cert, key)
c = http.client.HTTPSConnection("127.0.0.1", int(port), context=ctx, timeout=20)
for i in range(2):
    if i:
        while not os.path.exists(go):
            time.sleep(0.05)
    c.request("GET", "/v1/hello")
    r = c.getresponse()
    print(r.status, r.read().decode(), flush=True)
EOF
kept=$!
for _ in $(seq 200); do [ -s "$T/kept.out" ] && break; sleep 0.05; done
expect 0 "revoke the device certificate" -- hq_admin revoke "$serial" --reason 1
touch "$T/kept.go"
wait $kept
[ "$(head -1 "$T/kept.out" | cut -d' ' -f1)" = 200 ] && ok ||
    bad "the kept connection's hello: $(cat "$T/kept.out")"
case "$(sed -n 2p "$T/kept.out")" in 403*certificate_revoked*) ok ;;
*) bad "the kept connection after the revocation: $(cat "$T/kept.out")" ;; esac
r=$(hq_curl dev "$URL/v1/hello")
same "$(echo "$r" | tail -1)" 403 "a revoked device certificate"
case "$r" in *certificate_revoked*) ok ;; *) bad "certificate_revoked: $r" ;; esac

# 8. Stalled clients: 30 connections that send nothing, or half a TLS hello,
# and one that stops in the middle of a request, hold only themselves.
python3 - "$HQ_PORT" "$HQ_CMP_PORT" "$T/stall.ready" <<'EOF' &
import socket, sys, time
port, cmp_port, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(30):
    s = socket.create_connection(("127.0.0.1", port if i % 3 else cmp_port))
    if i % 2:
        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # half a ClientHello
    socks.append(s)
s = socket.create_connection(("127.0.0.1", cmp_port))
s.sendall(b"POST /pkix/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/pkixcmp\r\n"
          b"Content-Length: 1000\r\n\r\nabc")
socks.append(s)
open(ready, "w").write("1")
time.sleep(25)
EOF
PIDS+=($!)
wait_for "$T/stall.ready" || bad "the stalling client did not start"
for i in 1 2 3; do
    r=$(hq_curl one --max-time 5 "$URL/v1/hello")
    same "$(echo "$r" | tail -1)" 200 "a request while 30 clients stall ($i)"
done
OUT=$(openssl cmp -cmd genm -server "$CMP" -path pkix/ -ref enrol-NOSUCH-0000 -secret pass:x \
    -trusted "$HQ/ca/ca.pem" -unprotected_errors -msg_timeout 5 -total_timeout 5 2>&1)
case "$OUT" in *"timeout"* | *"Connection refused"*) bad "the CMP port is held up by a stalled client: $OUT" ;; *) ok ;; esac

hq_stop
finish
