# A serial barcode scanner on a real pseudo-terminal: `ractl scan barcode
# --device` reads each scan ending in CR LF and classifies it; the reading
# ends when the scanner goes away (the pty closes).
. "$(dirname "$0")/lib.bash"
python3 - "$RACTL" >"$T/out" 2>&1 <<'PY'
import os, pty, subprocess, sys, time
master, slave = pty.openpty()
path = os.ttyname(slave)
p = subprocess.Popen([sys.argv[1], "--json", "scan", "barcode", "--device", path, "--baud", "9600"],
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
time.sleep(0.5)
os.write(master, b"RAK1:DEMO01:260101-0001\r\n")
os.write(master, b"https://www.gsxt.gov.cn/?uniscid=91350100M000100Y43\r\n")
time.sleep(0.5)
os.close(master)
os.close(slave)
try:
    out, _ = p.communicate(timeout=10)
except subprocess.TimeoutExpired:
    p.kill()
    out = b"TIMEOUT"
sys.stdout.write(out.decode())
PY
OUT=$(cat "$T/out")
contains '260101-0001' "the receipt scan"
contains '91350100M000100Y43' "the licence's credit code"
case "$OUT" in *TIMEOUT*) bad "did not end when the scanner went away" ;; *) ok ;; esac
expect 8 "no such port" -- "$RACTL" scan barcode --device /dev/ttyNOPE9
contains "the barcode scanner" "names the device"
finish
