#!/usr/bin/env bash
# Two branches and a real rahq, end to end through rasync (docs/SYNC-PROTOCOL.md):
# - enrolment: the device key made in the HSM, the certificate over CMP;
# - the outbox pushed: HQ's copy of the orders equals the branch's;
# - HQ's decisions pulled and applied through the ledger's rules: the
#   competent authority's approval and rejection (audited, as
#   hq-authority), a decision that does not fit skipped with a log line,
#   the roster, a revocation done at HQ, HQ's processing status;
# - CRLs: imported through the CA module; a stale one and one signed by a
#   look-alike CA refused, the CRL in force kept;
# - configuration bundles: installed atomically and used (a new fee); an
#   older, an unsigned and a wrongly signed bundle refused, the bundle in
#   force kept;
# - archives: order documents and queued forms uploaded with receipts; a
#   confirmed file deleted locally when retention allows, kept otherwise;
# - reconciliation: per-day digests find HQ's copy altered and repair it;
# - the audit anchor: truncating the branch's newest audit rows is found by
#   the branch and by HQ, and logged;
# - `ractl sync status` tells all of it.
source "$(dirname "$0")/sync-lib.bash"

hq_init
hq_start
branch_up DEMO01
branch_up DEMO02
contains() { case "$OUT" in *"$1"*) ok ;; *) bad "$2: output lacks '$1': $OUT" ;; esac; }
same "$(sqlite3 "$T/DEMO01/data/rakiosk.db" "SELECT count(*) FROM audit WHERE action = 'sync.enrolled'")" 1 \
    "the enrolment audited"
[ -s "$T/DEMO01/data/sync/device.pem" ] && ok || bad "device certificate written"
expect 0 "the device key is in the HSM, not extractable" -- \
    env SOFTHSM2_CONF="$T/DEMO01/data/softkeys/softhsm2.conf" pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label rakiosk-hsm --login \
    --pin "$(cat "$T/DEMO01/data/hsm.pin")" --list-objects --type privkey
contains "rakiosk-device" "device key listed"
contains "never extractable" "device key never extractable"

db1=$T/DEMO01/data/rakiosk.db
q1() { sqlite3 "$db1" "$1"; }
printf 'docs' >/dev/null
as_branch DEMO01 "$SYNC_LOAD" --orders 40 --authority 4 --issue 2 --docs 2 \
    --doc-file "$RK_SOURCE_DIR/tests/data/images/ok-24.bmp" >"$T/load1.json" || die "load DEMO01"
as_branch DEMO02 "$SYNC_LOAD" --orders 10 >/dev/null || die "load DEMO02"
SERIAL=$(sed -n 's/.*"issued":"\([^"]*\)".*/\1/p' "$T/load1.json" | head -1)

# 1. Push: HQ's copy equals the branch's.
sync_once DEMO01
same "$RC" 0 "first pass of DEMO01: $OUT"
sync_once DEMO02
same "$RC" 0 "first pass of DEMO02"
hq_orders() { hq_admin orders --branch "$1" --json | json '"\n".join("%s %s" % (o["uuid"], o["state"]) for o in d)'; }
same "$(hq_orders DEMO01)" "$(q1 "SELECT uuid || ' ' || state FROM orders ORDER BY uuid")" \
    "HQ's orders of DEMO01 are the branch's"
same "$(hq_admin branch show DEMO01 --json | json 'd["events"], d["duplicate_events"]')" \
    "($(q1 'SELECT count(*) FROM outbox'), 0)" "every event once at HQ"
same "$(q1 'SELECT count(*) FROM outbox WHERE sent_at IS NULL')" 0 "the outbox is drained"
expect 0 "uploads of DEMO01" -- hq_admin uploads --branch DEMO01 --json
same "$(echo "$OUT" | json 'sum(1 for u in d if u["kind"]=="document" and u["matches"])')" 1 \
    "the order document uploaded and confirmed"
expect 0 "sync status" -- as_branch DEMO01 "$RACTL" sync status
contains "events waiting:     0" "status: outbox empty"
expect 0 "sync status --json" -- as_branch DEMO01 "$RACTL" --json sync status
[ "$(echo "$OUT" | json 'd["last"]["ok"], d["unsent_events"], d["last_ok"] > 0')" = "(True, 0, True)" ] &&
    ok || bad "status JSON: $OUT"

# 2. The competent authority decides at HQ; the branch applies it.
mapfile -t AUTH < <(q1 "SELECT ref FROM orders WHERE state = 'authority' ORDER BY ref")
same "${#AUTH[@]}" 4 "four orders wait for the authority"
expect 0 "approve" -- hq_admin approve --branch DEMO01 --order "${AUTH[0]}" --authority-ref SSB-2026-0042
expect 0 "reject" -- hq_admin reject --branch DEMO01 --order "${AUTH[1]}" --reason "单位社保登记不符"
U2=$(q1 "SELECT uuid FROM orders WHERE ref = '${AUTH[2]}'")
expect 6 "approve DEMO01's order as DEMO02's" -- hq_admin approve --branch DEMO02 --order "$U2" --authority-ref X
expect 0 "order status" -- hq_admin order-status --branch DEMO01 --order "${AUTH[3]}" --status queried --note "补充材料"
expect 0 "roster" -- hq_admin clerk --branch DEMO01 --login zhao.wu --name 赵武 --roles entry,review
# A decision for an order that no longer waits: HQ would refuse it, so put
# it into the feed directly, as a stale or malicious HQ might.
PAIDU=$(q1 "SELECT uuid FROM orders WHERE state = 'paid' LIMIT 1")
hq_sql "INSERT INTO change(branch, kind, payload, at) VALUES ('DEMO01', 'authority.decision', '{\"order\":\"$PAIDU\",\"decision\":\"rejected\",\"reason\":\"x\"}', 0)"
sync_once DEMO01
same "$RC" 0 "pass applying HQ's decisions: $OUT"
same "$(q1 "SELECT state || '|' || coalesce(authority_ref, '') FROM orders WHERE ref = '${AUTH[0]}'")" \
    "approved|SSB-2026-0042" "approved with the authority's reference"
same "$(q1 "SELECT state || '|' || reject_reason FROM orders WHERE ref = '${AUTH[1]}'")" \
    "rejected|单位社保登记不符" "rejected with the reason"
same "$(q1 "SELECT state FROM orders WHERE uuid = '$PAIDU'")" paid "a decision that does not fit changes nothing"
contains "is paid, not waiting for the competent authority" "the skipped decision is logged"
same "$(q1 "SELECT actor || ' ' || role FROM audit WHERE action = 'order.approved' AND order_id = (SELECT uuid FROM orders WHERE ref = '${AUTH[0]}')")" \
    "hq-authority review" "the approval is audited as the competent authority"
same "$(q1 "SELECT status || ' ' || note FROM sync_order_status")" "queried 补充材料" "HQ's status kept"
same "$(q1 "SELECT name || ' ' || roles || ' ' || active FROM clerk WHERE login = 'zhao.wu'")" \
    "赵武 3 1" "the roster's clerk added with its roles"
# The loop closes: HQ now holds the decisions as the branch recorded them.
same "$(hq_admin orders --branch DEMO01 --json | json "[o['state'] for o in d if o['ref']=='${AUTH[0]}'][0]")" \
    approved "HQ's copy follows the branch"
expect 7 "approve again" -- hq_admin approve --branch DEMO01 --order "${AUTH[0]}" --authority-ref SSB-2
expect 0 "roster: deactivate" -- hq_admin clerk --branch DEMO01 --login zhao.wu --name 赵武 --roles entry,review --inactive
sync_once DEMO01
same "$(q1 "SELECT active FROM clerk WHERE login = 'zhao.wu'")" 0 "the roster's clerk deactivated"

# 3. A certificate revoked at HQ: the branch's ledger follows; the others hear of it.
[ -n "$SERIAL" ] && ok || bad "no certificate issued by the load"
expect 0 "HQ revokes" -- hq_admin revoke "$SERIAL" --reason 1
sync_once DEMO01
same "$(q1 "SELECT status || ' ' || revoke_reason FROM certificate WHERE serial = '$SERIAL'")" \
    "revoked keyCompromise" "the branch's certificate revoked"
same "$(q1 "SELECT count(*) FROM audit WHERE action = 'certificate.revoked_elsewhere'")" 1 "audited"
sync_once DEMO02
case "$OUT" in *"changes (0 applied"* | *" 0 changes"*) bad "DEMO02 did not hear of the revocation: $OUT" ;; *) ok ;; esac

# 4. CRLs.
expect 0 "HQ revokes a device certificate" -- hq_admin revoke 0abc123 --reason 5
expect 0 "crl publish" -- hq_admin crl publish --days 7
sync_once DEMO01 --only crl
same "$RC" 0 "CRL pass"
contains "HQ's CRL 1 imported" "CRL imported"
crl_number() { as_branch DEMO01 "$RACTL" --json ca status | json '[c["number"] for c in d["hq_crls"]]'; }
same "$(crl_number)" "[1]" "the CRL in force"
sync_once DEMO01 --only crl
lacks "imported" "an unchanged CRL is not fetched again (304)"
RAKIOSK_NOW=@$(($(date +%s) - 10 * 86400)) hq_admin crl publish --days 1 >/dev/null || bad "stale publish"
sync_once DEMO01 --only crl
contains "HQ's CRL refused, the CRL in force stays: it is stale" "a stale CRL refused"
same "$(crl_number)" "[1]" "the CRL in force after the stale one"
mkdir -p "$T/fake"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 5 \
    -keyout "$T/fake/ca.key" -out "$T/fake/ca.pem" -subj "/CN=Test HQ CA/O=Test HQ" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
: >"$T/fake/index.txt"
echo 50 >"$T/fake/crlnumber"
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s\ncrlnumber=%s\ndefault_md=sha256\ndefault_crl_days=7\n' \
    "$T/fake/index.txt" "$T/fake/crlnumber" >"$T/fake/ca.cnf"
openssl ca -gencrl -config "$T/fake/ca.cnf" -keyfile "$T/fake/ca.key" -cert "$T/fake/ca.pem" \
    -out "$T/fake/crl.pem" 2>/dev/null && openssl crl -in "$T/fake/crl.pem" -outform DER -out "$T/fake/crl.der" ||
    bad "the look-alike CRL"
expect 0 "publish the look-alike CRL" -- hq_admin crl publish --file "$T/fake/crl.der"
sync_once DEMO01 --only crl
contains "HQ's CRL refused, the CRL in force stays" "a wrongly signed CRL refused"
same "$(crl_number)" "[1]" "the CRL in force after the forged one"
expect 0 "sync status shows the refusal" -- as_branch DEMO01 "$RACTL" sync status
contains "warning:" "status warning"

# 5. Configuration bundles.
cp "$RK_SOURCE_DIR/conf/fees.ini" "$T/fees.ini"
python3 - "$T/fees.ini" <<'EOF'
import re, sys
p = sys.argv[1]
s = open(p, encoding='utf-8').read()
# The individual certificate costs 10 yuan more: a change the branch must charge.
m = re.search(r'^individual\s*=\s*(\d+)\.(\d\d)\s*$', s, re.M)
s = s[:m.start(1)] + str(int(m.group(1)) + 10) + s[m.end(1):]
open(p, 'w', encoding='utf-8').write(s)
EOF
expect 0 "publish a bundle" -- hq_admin config publish --file fees.ini="$T/fees.ini"
sync_once DEMO01 --only config
same "$RC" 0 "bundle pass: $OUT"
contains "configuration bundle 1 in force" "bundle installed"
cmp -s "$T/DEMO01/data/config/current/fees.ini" "$T/fees.ini" && ok || bad "the bundle's fees.ini in force"
same "$(readlink "$T/DEMO01/data/config/current")" 1 "config/current links version 1"
[ -f "$T/DEMO01/data/config/current/forms.ini" ] && bad "files the bundle lacks should come from the shipped ones" || ok
before=$(q1 "SELECT fee_total FROM orders ORDER BY id DESC LIMIT 1")
as_branch DEMO01 "$SYNC_LOAD" --orders 1 >/dev/null || bad "an order after the bundle"
after=$(q1 "SELECT fee_total FROM orders ORDER BY id DESC LIMIT 1")
[ "$after" != "$before" ] && ok || bad "the new fee is not charged ($before -> $after)"
bundle() { # VERSION SIGNER_CERT SIGNER_KEY OUT
    python3 - "$1" "$T/fees.ini" >"$T/bundle.json" <<'EOF'
import base64, hashlib, json, sys
data = open(sys.argv[2], 'rb').read()
print(json.dumps({"rakiosk_config": 1, "version": int(sys.argv[1]), "issued_at": 1,
                  "files": {"fees.ini": {"sha256": hashlib.sha256(data).hexdigest(),
                                         "data": base64.b64encode(data).decode()}}},
                 sort_keys=True, separators=(',', ':')))
EOF
    if [ "$2" = none ]; then cp "$T/bundle.json" "$4"; else
        openssl cms -sign -binary -nodetach -outform DER -in "$T/bundle.json" -signer "$2" \
            -inkey "$3" -out "$4" 2>/dev/null
    fi
}
cfg_refused() { # WHAT FILE
    expect 0 "publish $1" -- hq_admin config publish --bundle "$2"
    sync_once DEMO01 --only config
    contains "refused, version 1 stays in force" "$1 refused"
    same "$(readlink "$T/DEMO01/data/config/current")" 1 "bundle 1 in force after $1"
    cmp -s "$T/DEMO01/data/config/current/fees.ini" "$T/fees.ini" && ok || bad "fees after $1"
}
bundle 1 "$HQ/ca/config.pem" "$HQ/ca/config.key" "$T/old.der"
cfg_refused "an older bundle" "$T/old.der"
contains "not newer than version 1" "the older bundle's reason"
bundle 9 none - "$T/unsigned.der"
cfg_refused "an unsigned bundle" "$T/unsigned.der"
contains "not a CMS message" "the unsigned bundle's reason"
bundle 9 "$T/fake/ca.pem" "$T/fake/ca.key" "$T/forged.der"
cfg_refused "a wrongly signed bundle" "$T/forged.der"
contains "not signed by HQ's configuration key" "the forged bundle's reason"
expect 0 "sync status" -- as_branch DEMO01 "$RACTL" sync status
contains "configuration:      bundle 1" "status: bundle in force"

# 6. Archives: retention.
printf 'signed form A\n' >"$T/formA.pdf"
printf 'signed form B\n' >"$T/formB.pdf"
expect 0 "queue a form (DEMO01, default retention)" -- as_branch DEMO01 "$RACTL" sync queue "$T/formA.pdf" --kind form
sed -i 's/^\[sync\]$/[sync]\narchive_keep_days = 0/' "$T/DEMO02/kiosk.conf"
expect 0 "queue a form (DEMO02, no retention)" -- as_branch DEMO02 "$RACTL" sync queue "$T/formB.pdf" --kind form
expect 2 "queue: a bad kind" -- as_branch DEMO02 "$RACTL" sync queue "$T/formB.pdf" --kind nonsense
sync_once DEMO01 --only archives
sync_once DEMO02 --only archives
[ -f "$T/formA.pdf" ] && ok || bad "DEMO01's confirmed form kept within retention"
[ ! -e "$T/formB.pdf" ] && ok || bad "DEMO02's confirmed form deleted (retention 0)"
same "$(sqlite3 "$T/DEMO02/data/rakiosk.db" "SELECT count(*) FROM audit WHERE action = 'archive.local_deleted'")" 1 \
    "the local deletion audited"
expect 0 "DEMO02's uploads" -- hq_admin uploads --branch DEMO02 --json
same "$(echo "$OUT" | json '[u["matches"] for u in d if u["filename"]=="formB.pdf"]')" "[True]" \
    "HQ holds the deleted form"

# 7. Reconciliation: HQ's copy altered; the nightly pass repairs it.
# Everything pushed first: an order not yet at HQ (the one made after the
# bundle) would otherwise be one of the two picked, and its push, not the
# repair, would put it back.
sync_once DEMO01
same "$RC" 0 "a pass before the reconciliation"
U_A=$(q1 "SELECT uuid FROM orders WHERE state = 'paid' ORDER BY uuid LIMIT 1")
U_B=$(q1 "SELECT uuid FROM orders WHERE state = 'paid' ORDER BY uuid LIMIT 1 OFFSET 1")
hq_sql "UPDATE hq_order SET state = 'cancelled' WHERE uuid = '$U_A'; DELETE FROM hq_order WHERE uuid = '$U_B'"
sync_once DEMO01 --reconcile
same "$RC" 0 "reconciliation pass"
echo "$OUT" > "$T/reconcile.out"
contains "2 orders repaired, 0 unresolved" "both differences repaired"
same "$(hq_orders DEMO01)" "$(q1 "SELECT uuid || ' ' || state FROM orders ORDER BY uuid")" \
    "HQ's orders equal the branch's again"
sync_once DEMO01 --reconcile
contains "0 differed, 0 orders repaired" "nothing left to repair"

# 8. A renewed device certificate: HQ makes a new enrolment, the branch
# enrols again with the key it has.
old=$(openssl x509 -in "$T/DEMO01/data/sync/device.pem" -noout -serial)
expect 0 "reenrol at HQ" -- hq_admin branch reenrol DEMO01 --secret-file "$T/DEMO01/re.secret"
REF=$(echo "$OUT" | sed -n 's/.*enrolment reference \([^ ]*\).*/\1/p')
expect 0 "enrol again" -- as_branch DEMO01 "$RACTL" --json sync enrol --ref "$REF" --secret-file "$T/DEMO01/re.secret"
same "$(echo "$OUT" | tail -1 | json 'd["key_made"]')" False "the device key is kept"
[ "$(openssl x509 -in "$T/DEMO01/data/sync/device.pem" -noout -serial)" != "$old" ] && ok ||
    bad "a new device certificate"
expect 5 "the used reference again" -- as_branch DEMO01 "$RACTL" sync enrol --ref "$REF" --secret-file "$T/DEMO01/re.secret"
sync_once DEMO01
same "$RC" 0 "a pass with the renewed certificate"

# 9. The audit anchor: the newest rows truncated at the branch.
sync_once DEMO01
anchor=$(q1 "SELECT value FROM meta WHERE key = 'sync.audit_seq'")
q1 "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq > $anchor - 3;"
sync_once DEMO01
same "$RC" 1 "a pass with a truncated audit log fails"
contains "the audit log no longer holds entry $anchor as HQ anchored it" "the branch finds the truncation"
grep -q "error: rahq: branch DEMO01's audit log: .* but HQ holds it up to entry $anchor" "$T/hq.log" &&
    ok || bad "HQ does not log the truncation"
expect 0 "status" -- as_branch DEMO01 "$RACTL" sync status
contains "failed: audit:" "status names the failure"

! grep -rq "$(cat "$T/DEMO01/data/hsm.pin")" "$T"/*.log "$T"/DEMO01/*.log 2>/dev/null && ok ||
    bad "the HSM PIN reached a log"
hq_stop
finish
