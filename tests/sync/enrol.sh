#!/usr/bin/env bash
# The enrolment that waits (issue 14 section 1, "the appliance image's first
# boot will call it"): the first boot runs `ractl sync enrol`, which reads
# HQ's one-time secret from <data_dir>/sync/enrol.secret; when HQ cannot be
# reached then, the secret stays, and rasync enrols with it itself:
# - HQ away: rasync says the enrolment failed and that it will try again,
#   exits 1, keeps the secret, has no certificate;
# - HQ back: the next rasync enrols (device key in the HSM, certificate
#   over CMP), removes the secret, and the same pass syncs;
# - a wrong secret: refused by HQ with a clear line (exit 3), nothing
#   written, the secret kept for a supervisor to see;
# - no secret and no certificate: rasync says how to enrol.
source "$(dirname "$0")/sync-lib.bash"

hq_init
hq_start

# A branch that is set up but not enrolled, HQ's reference in [hq]
# enrol_ref and the secret where `rahq admin branch add` put it.
unenrolled() {
    local id=$1
    branch_conf "$id" "https://127.0.0.1:$HQ_PORT"
    as_branch "$id" "$RACTL" -q init >/dev/null || die "ractl init $id"
    echo 'supervisor-pass' | as_branch "$id" "$RACTL" -q clerk add boss --name 王主管 \
        --roles supervisor >/dev/null || die "clerk add $id"
    as_branch "$id" "$RACTL" -q ca init --name "branch $id" >/dev/null || die "ca init $id"
    mkdir -p "$T/$id/data/sync"
    hq_admin branch add "$id" --name "branch $id" --secret-file "$T/$id/data/sync/enrol.secret" \
        >"$T/$id/enrol.out" || die "rahq branch add $id"
    local ref
    ref=$(sed -n 's/.*enrolment reference \([^ ]*\).*/\1/p' "$T/$id/enrol.out")
    [ -n "$ref" ] || die "no reference for $id: $(cat "$T/$id/enrol.out")"
    sed -i "s|^cmp_url = .*|&\nenrol_ref = $ref|" "$T/$id/kiosk.conf"
}

unenrolled DEMO01
as_branch DEMO01 "$SYNC_LOAD" --orders 3 --seed 1 >/dev/null || die "load"
cert=$T/DEMO01/data/sync/device.pem
secret=$T/DEMO01/data/sync/enrol.secret

# HQ away (both ports closed).
hq_stop
sync_once DEMO01
same "$RC" 1 "enrolment with HQ away fails: $OUT"
contains "enrolling with the secret waiting in $secret" "the line names the waiting secret"
contains "the next start tries again" "the line says it will try again"
[ -s "$secret" ] && ok || bad "the secret was lost when HQ was away"
[ -e "$cert" ] && bad "a certificate without HQ" || ok

# HQ back: enrolled and synced in one run.
hq_start
word=$(head -1 "$secret")
sync_once DEMO01
lacks "$word" "the secret is not in the log"
same "$RC" 0 "rasync enrols and syncs once HQ is back: $OUT"
contains "enrolled with HQ: device certificate" "the enrolment logged"
contains "pass done" "the same run synced"
[ -s "$cert" ] && ok || bad "no device certificate after the enrolment"
[ -e "$secret" ] && bad "the used secret was left behind" || ok
same "$(hq_admin branch show DEMO01 --json | json 'd["events"]')" \
    "$(sqlite3 "$T/DEMO01/data/rakiosk.db" 'SELECT count(*) FROM outbox')" "HQ holds the branch's events"
sync_once DEMO01
same "$RC" 0 "the next run: $OUT"
lacks "enrolled with HQ" "no second enrolment"

# A wrong secret: HQ refuses it, nothing written, the secret kept.
unenrolled DEMO02
echo 'not-the-secret' >"$T/DEMO02/data/sync/enrol.secret"
sync_once DEMO02
[ "$RC" != 0 ] && ok || bad "a wrong secret enrolled: $OUT"
contains "enrolling with the secret waiting in" "the wrong secret's line"
lacks "not-the-secret" "the secret is not in the log"
[ -e "$T/DEMO02/data/sync/device.pem" ] && bad "a certificate for a wrong secret" || ok
[ -s "$T/DEMO02/data/sync/enrol.secret" ] && ok || bad "the refused secret was removed"

# Neither a certificate nor a secret: rasync says how to enrol.
rm -f "$T/DEMO02/data/sync/enrol.secret"
sync_once DEMO02
same "$RC" 3 "no certificate, no secret: $OUT"
contains "enrol it with \`ractl sync enrol\`" "the line says how to enrol"

hq_stop
finish
