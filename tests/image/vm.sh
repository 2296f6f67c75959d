# tests/image/vm.sh: the boot tests' QEMU helpers (sourced, bash).
# A test machine is q35 with OVMF firmware, a virtio disk holding a private
# copy of the image, a virtio GPU, the i6300esb watchdog, a user-mode NIC,
# its serial console in a file and a QMP socket. KVM when /dev/kvm works,
# TCG otherwise. Every wait is bounded.
#   vm_init WORK IMAGE     a fresh copy of IMAGE (sparse) and of the UEFI vars
#   vm_cmdline ARGS        what GRUB appends to the kernel command line (EXTRA)
#   vm_tpm DIR             the TPM2 of the next boots: a software TPM (swtpm)
#                          keeping its state in DIR (vm_init: WORK/tpm, new);
#                          "none": no TPM
#   vm_start NAME [ARGS]   boots; serial console in WORK/NAME.serial
#   vm_wait PATTERN SECS   waits for PATTERN (grep -E) on this boot's console
#   vm_exit SECS           waits for QEMU to end by itself; kills it after SECS
#   vm_kill                pulls the plug (SIGKILL, no flush by the guest)
#   vm_qmp CMD [JSON]      one QMP command
#   vm_report KEY          a value of the rakiosk-report lines of this boot
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
VM_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_ESP_OFFSET=$((2048 * 512)) # image/build: the ESP starts at 1 MiB

vm_init() {
    VM_WORK=$1
    mkdir -p "$VM_WORK"
    rm -f "$VM_WORK"/disk.img "$VM_WORK"/*.serial "$VM_WORK"/*.qmp
    cp --sparse=always "$2" "$VM_WORK/disk.img"
    cp "$OVMF_VARS" "$VM_WORK/vars.fd"
    # Every terminal has a TPM2 (its secrets are sealed to it: docs/IMAGE.md).
    rm -rf "$VM_WORK/tpm"
    VM_TPM_DIR=$VM_WORK/tpm
    VM_TPM_PID=
    VM_TESTDISK=()
    VM_ACCEL=tcg
    # KVM only when it runs the firmware: some hosts' /dev/kvm (kvm_pvm)
    # opens but cannot run OVMF ("KVM internal error"); a 6 s trial decides.
    if [ -z "${RK_IMAGE_TCG:-}" ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
        local rc
        rc=$( (timeout 6 qemu-system-x86_64 -machine q35,accel=kvm -cpu host -m 256 -nodefaults -display none \
            -drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" >"$VM_WORK/kvm-probe.log" 2>&1
        echo $?) 2>/dev/null)
        if [ "$rc" = 124 ] && ! grep -qiE 'error|assert|fail' "$VM_WORK/kvm-probe.log"; then VM_ACCEL=kvm; fi
    fi
}

vm_cmdline() {
    local env=$VM_WORK/grubenv
    rm -f "$env"
    mcopy -n -i "$VM_WORK/disk.img@@$VM_ESP_OFFSET" ::/EFI/BOOT/grubenv "$env"
    grub-editenv "$env" set "EXTRA=$*"
    mcopy -o -i "$VM_WORK/disk.img@@$VM_ESP_OFFSET" "$env" ::/EFI/BOOT/grubenv
}

# vm_grubenv: prints the image's GRUB environment (the A/B state).
vm_grubenv() {
    local env=$VM_WORK/grubenv.now
    rm -f "$env"
    mcopy -n -i "$VM_WORK/disk.img@@$VM_ESP_OFFSET" ::/EFI/BOOT/grubenv "$env" && grub-editenv "$env" list
}

vm_tpm() {
    VM_TPM_DIR=$1
}

# vm_tpm_stop: the software TPM of the last boot ends (it ends by itself when
# QEMU lets go of it: --terminate).
vm_tpm_stop() {
    if [ -n "${VM_TPM_PID:-}" ]; then
        local n=0
        while kill -0 "$VM_TPM_PID" 2>/dev/null && [ "$n" -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
        kill "$VM_TPM_PID" 2>/dev/null
    fi
    VM_TPM_PID=
}

vm_start() {
    VM_NAME=$1
    shift
    VM_SERIAL=$VM_WORK/$VM_NAME.serial
    VM_SOCK=$VM_WORK/$VM_NAME.qmp
    : >"$VM_SERIAL"
    local tpm=()
    vm_tpm_stop
    if [ "${VM_TPM_DIR:-none}" != none ]; then
        local tsock=$VM_WORK/$VM_NAME.tpm
        mkdir -p "$VM_TPM_DIR"
        rm -f "$tsock" "$VM_WORK/$VM_NAME.tpm.pid"
        swtpm socket --tpm2 --tpmstate "dir=$VM_TPM_DIR" --ctrl "type=unixio,path=$tsock" \
            --terminate --daemon --pid "file=$VM_WORK/$VM_NAME.tpm.pid" \
            --log "file=$VM_WORK/$VM_NAME.tpm.log" || { echo "vm $VM_NAME: swtpm did not start" >&2; return 1; }
        VM_TPM_PID=$(cat "$VM_WORK/$VM_NAME.tpm.pid")
        tpm=(-chardev "socket,id=chrtpm,path=$tsock" -tpmdev emulator,id=tpm0,chardev=chrtpm
            -device tpm-tis,tpmdev=tpm0)
    fi
    # TCG: a plain x86-64 CPU. With "max" QEMU 7.2 offers AVX and more that
    # it emulates imperfectly, and llvmpipe's JIT code (the kiosk's GL under
    # KMSDRM) crashes or draws nothing. RK_VM_CPU overrides.
    local cpu=${RK_VM_CPU:-qemu64}
    [ "$VM_ACCEL" = kvm ] && cpu=${RK_VM_CPU:-host}
    qemu-system-x86_64 -name "rakiosk-$VM_NAME" -machine "q35,accel=$VM_ACCEL" -cpu "$cpu" -smp 2 -m 1536 \
        -nodefaults -display none \
        -drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
        -drive "if=pflash,format=raw,file=$VM_WORK/vars.fd" \
        -drive "file=$VM_WORK/disk.img,format=raw,if=virtio,cache=writeback" \
        -device virtio-vga \
        -device i6300esb -action watchdog=reset \
        -nic user,model=virtio-net-pci,restrict=on \
        -serial "file:$VM_SERIAL" \
        -qmp "unix:$VM_SOCK,server=on,wait=off" \
        "${tpm[@]}" "${VM_TESTDISK[@]}" "$@" >"$VM_WORK/$VM_NAME.qemu.log" 2>&1 &
    VM_PID=$!
    echo "vm $VM_NAME: started ($VM_ACCEL, pid $VM_PID)"
}

vm_wait() {
    local pattern=$1 secs=$2 n=0
    while [ "$n" -lt "$secs" ]; do
        grep -aqE "$pattern" "$VM_SERIAL" && return 0
        kill -0 "$VM_PID" 2>/dev/null || { grep -aqE "$pattern" "$VM_SERIAL"; return; }
        sleep 1
        n=$((n + 1))
    done
    echo "vm $VM_NAME: no '$pattern' on the console after $secs s" >&2
    return 1
}

vm_exit() {
    local secs=$1 n=0
    while kill -0 "$VM_PID" 2>/dev/null; do
        if [ "$n" -ge "$secs" ]; then
            echo "vm $VM_NAME: still running after $secs s; killed" >&2
            kill -9 "$VM_PID" 2>/dev/null
            wait "$VM_PID" 2>/dev/null
            vm_tpm_stop
            return 1
        fi
        sleep 1
        n=$((n + 1))
    done
    wait "$VM_PID" 2>/dev/null
    vm_tpm_stop
    return 0
}

vm_kill() {
    kill -9 "$VM_PID" 2>/dev/null
    wait "$VM_PID" 2>/dev/null
    vm_tpm_stop
    return 0
}

vm_qmp() {
    python3 "$VM_HERE/qmp.py" "$VM_SOCK" "$@"
}

vm_report() {
    tr -d '\r' <"$VM_SERIAL" | sed -n "s/^RAKIOSK $1[= ]//p" | tail -1
}

# vm_testdisk DIR: DIR (a script "run" and its files) as the RKTEST disk the
# next vm_start attaches; rakiosk-test runs DIR/run when the kernel command
# line has rakiosk.test (test images only: image/build --test).
vm_testdisk() {
    local mib
    mib=$(($(du -sm "$1" | cut -f1) + 32))
    rm -f "$VM_WORK/rktest.img"
    mkfs.ext4 -q -F -O ^has_journal -L RKTEST -d "$1" "$VM_WORK/rktest.img" "${mib}M"
    VM_TESTDISK=(-drive "file=$VM_WORK/rktest.img,format=raw,if=virtio,readonly=on")
}

# vm_test_output: the test script's lines of this boot (between the frames).
vm_test_output() {
    tr -d '\r' <"$VM_SERIAL" | sed -n '/^RAKIOSK-TEST-BEGIN/,/^RAKIOSK-TEST-END/p'
}
