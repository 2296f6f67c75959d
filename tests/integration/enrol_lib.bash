# Shared set-up of the enrolment scripts: a branch with clerks, the demo
# sub-CA in the SoftHSM store of the demo keys, and helpers that make a paid
# order and a fresh demo key. Source after lib.bash.
export RAKIOSK_TOKEN_MODULE="$RK_BUILD_DIR/app/p11lock/rkp11lock.so"
export RAKIOSK_HSM_MODULE="$RAKIOSK_TOKEN_MODULE"
unset SOFTHSM2_CONF RK_P11LOCK_STATE_DIR RK_P11LOCK_MAX_TRIES RAKIOSK_NOW RAKIOSK_HSM_PIN_FILE
PIN=12345678

as() { export RAKIOSK_SESSION=$T/session.$1; }

# branch_clerks: a new branch with boss (supervisor), lily (entry, issue)
# and ray (review), each logged in in a session of their own.
branch_clerks() {
    "$RACTL" -q init >/dev/null
    as boss
    echo bosspass1 | "$RACTL" -q clerk add boss --name 王主管 --roles supervisor >/dev/null
    echo bosspass1 | "$RACTL" -q clerk login boss >/dev/null
    echo lilypass1 | "$RACTL" -q clerk add lily --name 李录入 --roles entry,issue >/dev/null
    echo raypass11 | "$RACTL" -q clerk add ray --name 芮审核 --roles review >/dev/null
    as lily; echo lilypass1 | "$RACTL" -q clerk login lily >/dev/null
    as ray; echo raypass11 | "$RACTL" -q clerk login ray >/dev/null
}

enrol_setup() {
    branch_clerks
    as lily
    "$RACTL" -q ca init --name "Demo branch" >/dev/null
    export SOFTHSM2_CONF="$RAKIOSK_DATA_DIR/softkeys/softhsm2.conf"
}

# new_key LABEL: initialises the blank demo key; prints its serial.
new_key() {
    echo $PIN | "$RACTL" --json key init blank --label "$1" --pin-stdin |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["serial"])'
}

# approve REF: ray approves the order; the authorisation code the approval
# prints once is kept in $T/code.REF (code_of REF prints it).
approve() {
    as ray
    "$RACTL" --json order approve "$1" |
        python3 -c 'import json,sys; print(json.load(sys.stdin).get("authcode", ""))' >"$T/code.$1"
}
code_of() { cat "$T/code.$1" 2>/dev/null; }

# typed REF: what the issuing clerk and the subscriber type for `key enrol
# REF`, one line each: the order's authorisation code, then the PIN.
typed() { printf '%s\n%s\n' "$(code_of "$1")" "$PIN"; }
# enrol_with REF KEY: `ractl key enrol REF --key KEY`, typed as above.
enrol_with() { typed "$1" | "$RACTL" key enrol "$1" --key "$2"; }

# paid_order NAME: an individual's new certificate, approved and paid; prints its ref.
paid_order() {
    local ref fee
    as lily
    ref=$("$RACTL" -q order new --business new --kind individual \
        --field "applicant_name=$1" --field applicant_id=11010519491231002X \
        --field applicant_mobile=13800138000 --field email=a@example.com \
        --field invoice_type=ordinary --field delivery=pickup \
        --paper application_form --paper id_card --submit)
    approve "$ref"
    as lily
    fee=$("$RACTL" --json order show "$ref" | python3 -c \
        'import json,sys; f=json.load(sys.stdin)["fee_total"]; print("%d.%02d" % (f // 100, f % 100))')
    "$RACTL" -q order pay "$ref" --method cash --amount "$fee"
    echo "$ref"
}
