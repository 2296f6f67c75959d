#!/usr/bin/env bash
# The sync daemon's systemd units (sync/rasync.service, rasync.timer,
# rasyncd.service) pass `systemd-analyze verify` with the programs they
# name, are sandboxed, and the timer has its randomised delay.
source "$(dirname "$0")/sync-lib.bash"
command -v systemd-analyze >/dev/null || die "systemd-analyze is missing (package systemd)"
mkdir -p "$T/units"
for u in rasync.service rasync.timer rasyncd.service; do
    sed "s|/usr/bin/rasync|$RASYNC|" "$RK_SOURCE_DIR/sync/$u" >"$T/units/$u"
done
sed 's|^ExecStart=.*|ExecStart=/bin/true|' "$RK_SOURCE_DIR/image/pkg/units/rakiosk-prepare.service" \
    >"$T/units/rakiosk-prepare.service"
OUT=$(cd "$T/units" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
    ./rasync.service ./rasync.timer ./rasyncd.service 2>&1 | grep -v "rakiosk-prepare.service:")
[ -z "$OUT" ] && ok || bad "systemd-analyze verify: $OUT"
for u in rasync.service rasyncd.service; do
    for key in ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes CapabilityBoundingSet= \
        User=rakiosk "ReadWritePaths=/var/lib/rakiosk/branch /var/lib/rakiosk/hsm"; do
        grep -qx "$key" "$RK_SOURCE_DIR/sync/$u" && ok || bad "$u lacks $key"
    done
done
grep -q '^RandomizedDelaySec=' "$RK_SOURCE_DIR/sync/rasync.timer" && ok || bad "no randomised delay"
grep -q '^ExecStart=/usr/bin/rasync --once --reconcile$' "$RK_SOURCE_DIR/sync/rasync.service" && ok ||
    bad "the nightly unit runs the full pass"
finish
