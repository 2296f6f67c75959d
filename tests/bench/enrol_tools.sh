#!/bin/bash
# Untimed set-up for bench_enrol (which runs it through posix_spawn):
#   enrol_tools.sh setup DIR   a branch in DIR/data (ledger, clerks lily and
#                              ray, the demo sub-CA in the HSM token of the
#                              demo keys' SoftHSM store) and, for the
#                              standard tools, a software sub-CA (key in a
#                              file, certificate from the demo root) and a
#                              SoftHSM store of their own in DIR/tools.
#   enrol_tools.sh orders DIR N   makes N approved, paid individual orders
#                              and prints their references, one a line.
# The timed steps (ractl key init/enrol, softhsm2-util, pkcs11-tool,
# openssl) are spawned by bench_enrol itself, so no shell start-up is timed.
# Needs RACTL and RK_SOURCE_DIR.
set -euo pipefail
: "${RACTL:?}" "${RK_SOURCE_DIR:?}"
mode=$1 D=$2
export RAKIOSK_CONF=$RK_SOURCE_DIR/conf/kiosk.conf
export RAKIOSK_DATA_DIR=$D/data
as() { export RAKIOSK_SESSION=$D/session.$1; }

case $mode in
setup)
    as boss
    "$RACTL" -q init >/dev/null
    echo bosspass1 | "$RACTL" -q clerk add boss --name 王主管 --roles supervisor >/dev/null
    echo bosspass1 | "$RACTL" -q clerk login boss >/dev/null
    echo lilypass1 | "$RACTL" -q clerk add lily --name 李录入 --roles entry,issue >/dev/null
    echo raypass11 | "$RACTL" -q clerk add ray --name 芮审核 --roles review >/dev/null
    as lily; echo lilypass1 | "$RACTL" -q clerk login lily >/dev/null
    as ray; echo raypass11 | "$RACTL" -q clerk login ray >/dev/null
    as lily
    "$RACTL" -q ca init --name "Bench branch" >/dev/null
    # The tools' sub-CA: the same kind of key (EC P-256) and issuer, but in a
    # file, since openssl x509 -req cannot sign with our HSM token easily.
    CA=$D/data/ca T=$D/tools
    mkdir -p "$T/tokens"
    printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' "$T" >"$T/softhsm2.conf"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/subca.key" 2>/dev/null
    printf 'basicConstraints = critical, CA:TRUE, pathlen:0\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n' >"$T/ca.ext"
    openssl req -new -key "$T/subca.key" -subj "/C=CN/O=Bench/CN=Bench tools sub-CA" |
        openssl x509 -req -CA "$CA/root.pem" -CAkey "$CA/demo-root.key" -set_serial 0x51ab \
            -days 365 -sha256 -extfile "$T/ca.ext" -out "$T/subca.pem" 2>/dev/null
    # What the individual-sign profile puts in a certificate.
    printf 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, nonRepudiation\nextendedKeyUsage = clientAuth, emailProtection\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n' >"$T/cert.ext"
    ;;
orders)
    for _ in $(seq "$3"); do
        as lily
        ref=$("$RACTL" -q order new --business new --kind individual \
            --field "applicant_name=王小明" --field applicant_id=11010519491231002X \
            --field applicant_mobile=13800138000 --field email=a@example.com \
            --field invoice_type=ordinary --field delivery=pickup \
            --paper application_form --paper id_card --submit)
        as ray; "$RACTL" -q order approve "$ref"
        as lily
        fee=$("$RACTL" --json order show "$ref" | python3 -c \
            'import json,sys; f=json.load(sys.stdin)["fee_total"]; print("%d.%02d" % (f // 100, f % 100))')
        "$RACTL" -q order pay "$ref" --method cash --amount "$fee"
        echo "$ref"
    done
    ;;
*) echo "usage: enrol_tools.sh setup|orders DIR [N]" >&2; exit 2 ;;
esac
