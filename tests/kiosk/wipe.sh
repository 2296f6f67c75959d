#!/bin/bash
# The idle wipe leaves no personal data in the program: while rakiosk runs
# the wipe script, the subscriber's ID number is searched for in its
# memory image (/proc/PID/mem over every readable mapping) once while it is
# typed (found: the search works) and once after the countdown wiped the
# visit (found nowhere).
source "$(dirname "$0")/lib.bash"
out=$RK_BUILD_DIR/tests/kiosk/shots/wipe
rm -rf "$out"
mkdir -p "$out"
kiosk_init
# Counts the needle (given as hex so this shell holds it only encoded) in
# the readable mappings of process $1.
count_in() {
    python3 - "$1" "$2" <<'PY'
import re, sys
pid, needle = sys.argv[1], bytes.fromhex(sys.argv[2])
found = 0
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) r", line)
        if not m or "[vvar]" in line or "[vsyscall]" in line:
            continue
        start, end = int(m.group(1), 16), int(m.group(2), 16)
        if end - start > (1 << 32):
            continue  # a sanitizer's shadow reservation, never written
        pos, tail = start, b""
        while pos < end:
            try:
                mem.seek(pos)
                chunk = mem.read(min(1 << 20, end - pos))
            except (OSError, ValueError, OverflowError):
                break
            if not chunk:
                break
            data = tail + chunk
            found += data.count(needle)
            # keep the last len-1 bytes: a needle across two chunks is seen
            # (the tail alone is too short to be counted twice)
            tail = data[-(len(needle) - 1):]
            pos += len(chunk)
print(found)
PY
}
id_hex=$(printf '%s%s' 110105194912 31002X | od -An -tx1 | tr -d ' \n')
"$RAKIOSK" --no-voice --script "$SCRIPTS/wipe.txt" --shots "$out" >"$out/log" 2>&1 &
pid=$!
wait_note() {
    for _ in $(seq 300); do grep -q "note: $1" "$out/log" && return 0; sleep 0.1; done
    return 1
}
# A sanitizer build keeps its heap in reservations of terabytes that
# cannot be read through: there the script still runs (the wipe under
# ASan and UBSan) but the search is left to the plain build.
search=1
if ldd "$RAKIOSK" 2>/dev/null | grep -q 'libasan\|libubsan'; then
    search=0
    echo "note: a sanitizer build: the memory search runs in the plain build only"
fi
if wait_note typed; then
    if [ $search = 1 ]; then
        n=$(count_in "$pid" "$id_hex")
        [ "$n" -ge 1 ] && ok || bad "the typed ID number was not found in memory (the search is blind)"
    fi
else
    bad "the kiosk never reached the typed state: $(cat "$out/log")"
fi
if wait_note wiped; then
    if [ $search = 1 ]; then
        n=$(count_in "$pid" "$id_hex")
        [ "$n" = 0 ] && ok || bad "the ID number is still in memory $n times after the idle wipe"
    fi
else
    bad "the kiosk never wiped: $(cat "$out/log")"
fi
wait "$pid" && ok || bad "rakiosk failed: $(cat "$out/log")"
finish
