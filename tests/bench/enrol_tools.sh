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
# Needs RACTL, RK_SOURCE_DIR and RK_BUILD_DIR. The branch and the orders are
# made as the integration tests make them (tests/integration/enrol_lib.bash).
set -euo pipefail
: "${RACTL:?}" "${RK_SOURCE_DIR:?}" "${RK_BUILD_DIR:?}"
mode=$1 D=$2 T=$2
export RAKIOSK_CONF=$RK_SOURCE_DIR/conf/kiosk.conf
export RAKIOSK_DATA_DIR=$D/data
# shellcheck source=../integration/enrol_lib.bash
source "$RK_SOURCE_DIR/tests/integration/enrol_lib.bash"

case $mode in
setup)
    enrol_setup
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
    for _ in $(seq "$3"); do paid_order 王小明; done
    ;;
*) echo "usage: enrol_tools.sh setup|orders DIR [N]" >&2; exit 2 ;;
esac
