# The order ledger's branch services through ractl, from three sides:
# the subscriber (what the ledger holds afterwards), the clerk (what the
# command says) and an attacker (no session, a forged session, the wrong
# role, mistyped and hostile option values). Personal data needs a
# clerk's login everywhere (issue 12 item 5); the tick runs as the system
# and is audited as such; option values are checked with exit 2 and the
# list of valid values (item 9); several fields are set all or none; the
# status query finds a subscriber by ID number without storing it in
# clear.
. "$(dirname "$0")/lib.bash"
export TZ=Asia/Shanghai
DB=$RAKIOSK_DATA_DIR/rakiosk.db
as() { export RAKIOSK_SESSION=$T/session.$1; }
q() { sqlite3 "$DB" "$1"; }

expect 0 "init" -- "$RACTL" init
as boss
echo bosspass1 | "$RACTL" -q clerk add boss --name 王主管 --roles supervisor
echo bosspass1 | "$RACTL" -q clerk login boss
echo entrypass1 | "$RACTL" -q clerk add lily --name 李录入 --roles entry,issue
echo reviewpass1 | "$RACTL" -q clerk add ray --name 芮审核 --roles review
echo archpass1 | "$RACTL" -q clerk add amy --name 艾档案 --roles archive
as lily; echo entrypass1 | "$RACTL" -q clerk login lily
as ray; echo reviewpass1 | "$RACTL" -q clerk login ray
as amy; echo archpass1 | "$RACTL" -q clerk login amy

FIELDS=(--field applicant_name=王小明 --field applicant_id=11010519491231002x
    --field applicant_mobile=13800138000 --field email=a@example.com
    --field invoice_type=ordinary --field delivery=pickup)
as lily
REF=$("$RACTL" -q order new --business new --kind individual "${FIELDS[@]}" \
    --paper application_form --paper id_card --submit) || bad "new order"
as ray; "$RACTL" -q order approve "$REF" || bad "approve"

# ---- item 9: option values are checked, exit 2, the valid values listed
as lily
expect 2 "order list --state nosuch" -- "$RACTL" order list --state nosuch
contains "--state" "names the option"
contains "submitted" "lists the states"
contains "cancelled" "lists every state"
expect 2 "order list --limit abc" -- "$RACTL" order list --limit abc
contains "--limit" "names the limit"
expect 2 "order list --limit 0" -- "$RACTL" order list --limit 0
expect 2 "order list --business nosuch" -- "$RACTL" order list --business nosuch
contains "recovery" "lists the business types"
expect 2 "order new --business nosuch" -- "$RACTL" order new --business nosuch --kind individual
contains "renew" "lists the business types"
expect 2 "order new --kind nosuch" -- "$RACTL" order new --business new --kind robot
contains "organisation" "lists the subscriber kinds"
expect 2 "order pay --method bitcoin" -- "$RACTL" order pay "$REF" --method bitcoin --amount 1
contains "wechat" "lists the payment methods"
expect 2 "order pay --amount abc" -- "$RACTL" order pay "$REF" --method cash --amount abc
expect 2 "order pay --amount 1.234" -- "$RACTL" order pay "$REF" --method cash --amount 1.234
expect 2 "order deliver --method drone" -- "$RACTL" order deliver "$REF" --method drone
contains "pickup" "lists the delivery methods"
expect 2 "order redispatch --delivery drone" -- "$RACTL" order redispatch "$REF" --delivery drone
expect 2 "renewals --days abc" -- "$RACTL" renewals --days abc
contains "--days" "names the option"
expect 2 "renewals --days 0" -- "$RACTL" renewals --days 0
expect 2 "overdue --limit abc" -- "$RACTL" overdue --limit abc
expect 2 "tick takes no argument" -- "$RACTL" tick now
expect 2 "order show without REF" -- "$RACTL" order show
expect 2 "query status with two words" -- "$RACTL" query status a b
expect 2 "an unknown option" -- "$RACTL" order submit "$REF" --force
expect 2 "json usage error" -- sh -c "'$RACTL' --json order list --state 'no\"such' 2>/dev/null"
python3 -c 'import json,sys; d = json.loads(sys.argv[1]); assert d["ok"] is False and d["exit"] == 2, d' \
    "$OUT" && ok || bad "json usage reply: $OUT"
[ "$(q "SELECT state FROM orders WHERE ref = '$REF'")" = approved ] && ok || bad "a usage error changed the order"

# ---- item 5: personal data needs a clerk's login; the tick does not
as nobody
for cmd in "order list" "order show $REF" "query status 王小明" "renewals" "overdue"; do
    # shellcheck disable=SC2086
    expect 5 "$cmd without a session" -- "$RACTL" $cmd
    contains "clerk login" "$cmd says how to log in"
    case "$OUT" in *王小明*) bad "$cmd without a session shows the name" ;; *) ok ;; esac
done
# A forged session file (a token nobody was given) is no session.
export RAKIOSK_SESSION=$T/session.forged
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$RAKIOSK_SESSION"
expect 5 "a forged session" -- "$RACTL" order list
case "$OUT" in *王小明*) bad "a forged session shows the name" ;; *) ok ;; esac
expect 5 "reveal with a forged session" -- "$RACTL" order show "$REF" --reveal
[ "$(q "SELECT count(*) FROM audit WHERE action = 'order.revealed'")" = 0 ] && ok || bad "a refused reveal was audited as shown"
# A logged-in clerk of any role sees the queue; the name is masked in show.
as amy
expect 0 "order list with a session" -- "$RACTL" order list --state approved
contains "王小明" "the queue names the subscriber"
contains "$REF" "the queue lists the order"
expect 0 "order show masks" -- "$RACTL" --json order show "$REF"
python3 -c 'import json,sys; f = json.loads(sys.argv[1])["fields"]
assert f["applicant_id"].startswith("110105") and "*" in f["applicant_id"] and "1949" not in f["applicant_id"], f
assert f["applicant_mobile"] == "138****8000", f' "$OUT" && ok || bad "show does not mask: $OUT"
expect 0 "reveal" -- "$RACTL" --json order show "$REF" --reveal
contains "11010519491231002X" "reveal shows the ID number (normalised)"
[ "$(q "SELECT count(*) FROM audit WHERE action = 'order.revealed' AND actor = 'amy'")" = 1 ] && ok || bad "the reveal is not audited"
[ "$(q "SELECT count(*) FROM outbox WHERE kind = 'order.revealed'")" = 0 ] && ok || bad "a reveal went to the outbox"

# ---- the status query by ID number (blind index), as a clerk
expect 0 "status by ID number" -- "$RACTL" --json query status 11010519491231002x
python3 -c 'import json,sys; d = json.loads(sys.argv[1])
assert len(d) == 1 and d[0]["status"] == "new_application" and d[0]["order"] == sys.argv[2], d' \
    "$OUT" "$REF" && ok || bad "status by ID number: $OUT"
expect 6 "an unknown ID number" -- "$RACTL" query status 110105194912310038
[ "$(q "SELECT count(*) FROM orders WHERE id_index LIKE '%11010519491231002%' OR fields LIKE '%1949123%'")" = 0 ] \
    && ok || bad "the ID number is stored in clear"

# ---- finding a subscriber's orders by name, ID number, serial or reference
expect 0 "find by ID number" -- "$RACTL" --json order find 11010519491231002X
python3 -c 'import json,sys; d = json.loads(sys.argv[1]); assert [r["ref"] for r in d] == [sys.argv[2]], d' \
    "$OUT" "$REF" && ok || bad "find by ID number: $OUT"
expect 0 "find by name" -- "$RACTL" order find 王小明
contains "$REF" "finds the order by name"
expect 0 "find by reference" -- "$RACTL" order find "$REF"
contains "$REF" "finds the order by reference"
expect 0 "find nothing" -- "$RACTL" --json order find 110105194912310038
[ "$OUT" = "[]" ] && ok || bad "an unknown ID number finds: $OUT"
expect 2 "find --limit abc" -- "$RACTL" order find x --limit abc
as nobody
expect 5 "find without a session" -- "$RACTL" order find 11010519491231002X
case "$OUT" in *"$REF"*) bad "find without a session names the order" ;; *) ok ;; esac
as amy

# ---- several fields in one call: all or none
as lily
DRAFT=$("$RACTL" -q order new --business new --kind individual "${FIELDS[@]}") || bad "draft"
expect 1 "one bad field refuses them all" -- "$RACTL" order set "$DRAFT" applicant_name=李四 \
    applicant_mobile=12
contains "obile" "names the bad field"
as amy
"$RACTL" --json order show "$DRAFT" --reveal >"$T/draft.json"
python3 -c 'import json,sys; f = json.load(open(sys.argv[1]))["fields"]
assert f["applicant_name"] == "王小明" and f["applicant_mobile"] == "13800138000", f' "$T/draft.json" \
    && ok || bad "a refused set changed a field: $(cat "$T/draft.json")"
as lily
expect 0 "two fields at once" -- "$RACTL" order set "$DRAFT" applicant_name=李四 applicant_mobile=13900139000
[ "$(q "SELECT count(*) FROM audit a JOIN orders o ON o.uuid = a.order_id WHERE o.ref = '$DRAFT' AND a.action = 'order.field_set' AND a.detail LIKE 'applicant_name=李%; applicant_mobile=139****9000'")" = 1 ] \
    && ok || bad "one audit entry for both fields, the mobile masked: $(q "SELECT detail FROM audit WHERE action = 'order.field_set'")"
expect 2 "set without NAME=VALUE" -- "$RACTL" order set "$DRAFT" applicant_name
# The wrong role: an archive clerk cannot edit or cancel.
as amy
expect 5 "the archive clerk cannot edit" -- "$RACTL" order set "$DRAFT" applicant_name=赵五
expect 5 "the archive clerk cannot cancel" -- "$RACTL" order cancel "$DRAFT" --reason x

# A session opened before its clerk was deactivated reads nothing more.
as boss; echo archpass2 | "$RACTL" -q clerk add ann --name 安档案 --roles archive
as ann; echo archpass2 | "$RACTL" -q clerk login ann
expect 0 "ann reads the queue" -- "$RACTL" order list
as boss; "$RACTL" -q clerk deactivate ann || bad "deactivate ann"
as ann
expect 5 "a deactivated clerk's session" -- "$RACTL" order list
case "$OUT" in *王小明*) bad "a deactivated clerk's session shows the name" ;; *) ok ;; esac
expect 5 "a deactivated clerk's status query" -- "$RACTL" query status 11010519491231002X

# ---- the tick runs as the system and is audited as such
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/k.pem" \
    -out "$T/cert.pem" -subj "/CN=王小明" -days 730 -utf8 2>/dev/null
as lily
FEE=$("$RACTL" --json order show "$REF" | python3 -c 'import json,sys; print(json.load(sys.stdin)["fee_total"])')
"$RACTL" -q order pay "$REF" --method cash --amount "$(printf '%d.%02d' $((FEE / 100)) $((FEE % 100)))" || bad "pay"
expect 0 "issue" -- "$RACTL" order issue "$REF" --cert "$T/cert.pem" --key-serial 5500001
SERIAL=$(q "SELECT c.serial FROM certificate c JOIN orders o ON o.id = c.order_id WHERE o.ref = '$REF'")
[ -n "$SERIAL" ] && ok || bad "no certificate recorded"
expect 0 "status by ID number: in use" -- "$RACTL" --json query status 11010519491231002X
contains '"in_use"' "the certificate is in use"
contains "$SERIAL" "by its serial"
expect 0 "find by serial" -- "$RACTL" order find "$(echo "$SERIAL" | tr A-F a-f)"
contains "$REF" "finds the order that produced the certificate"
SUS=$("$RACTL" -q order new --business suspend --kind individual --field "cert_serial=$SERIAL" \
    --field reason=挂失 "${FIELDS[@]}" --paper application_form --paper id_card --submit) || bad "suspend order"
as ray; "$RACTL" -q order approve "$SUS" || bad "approve suspend"
as lily; expect 0 "suspend" -- "$RACTL" order issue "$SUS"
[ "$(q "SELECT status FROM certificate WHERE serial = '$SERIAL'")" = suspended ] && ok || bad "not suspended"
expect 0 "tick before six months" -- "$RACTL" --json tick
contains '"resumed":0' "nothing resumed yet"
[ "$(q "SELECT count(*) FROM audit WHERE action = 'tick.run'")" = 0 ] && ok || bad "a tick that changed nothing was audited"
# Seven months on, with lily's (now expired) session still in the shell.
LILY=$(q "SELECT count(*) FROM audit WHERE actor = 'lily'")
export RAKIOSK_NOW=$(date -d '+7 months' '+%Y-%m-%dT%H:%M:%S')
expect 0 "tick seven months later" -- "$RACTL" --json tick
contains '"resumed":1' "the hold ends"
[ "$(q "SELECT status FROM certificate WHERE serial = '$SERIAL'")" = valid ] && ok || bad "not resumed"
[ "$(q "SELECT actor FROM audit WHERE action = 'tick.run'")" = system ] && ok || bad "the tick is not audited as the system: $(q "SELECT actor, detail FROM audit WHERE action = 'tick.run'")"
[ "$(q "SELECT count(*) FROM audit WHERE actor = 'lily'")" = "$LILY" ] && ok || bad "the tick acted as the clerk logged in"
[ "$(q "SELECT count(*) FROM audit WHERE actor = 'system' AND action LIKE 'certificate.%'")" -ge 1 ] && ok || bad "the resumption is not the system's: $(q "SELECT actor, action FROM audit ORDER BY seq DESC LIMIT 5")"
expect 0 "a second tick" -- "$RACTL" tick
contains "0 suspensions resumed, 0 revocation orders started" "plurals"
expect 0 "audit verify" -- "$RACTL" audit verify
unset RAKIOSK_NOW
finish
