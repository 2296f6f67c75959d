# The receipt path end to end: ractl lays out a receipt with Chinese text
# and a rare name character, prints it through the spool and the TCP 9100
# transport to the virtual printer, which renders a PNG; zbarimg must decode
# exactly the intended QR payloads from the picture. Also 58 mm paper from
# an INI file, printer status, and reprint.
source "$RK_SOURCE_DIR/tests/integration/print-lib.bash"
command -v zbarimg >/dev/null || fail "zbarimg (zbar-tools) is required"

start_vprinter "$T/vp80" 80
P80=tcp://127.0.0.1:$VP_PORT

out=$("$RACTL" -j printer status --printer "$P80")
echo "$out" | grep -q '"ready":true' || fail "status: $out"

"$RACTL" print receipt --sample --printer "$P80" 2>"$T/err" || fail "print: $(cat "$T/err")"
grep -q 'U+4DAE' "$T/err" || fail "the clerk was not told that 䶮 cannot be printed"
wait_for "$T/vp80/job-0001.png" || fail "no PNG rendered"
got=$(qr_payloads "$T/vp80/job-0001.png")
want=$(printf '%s\n' "RAK1:DEMO01:DEMO01-20240513-0042" \
    "https://pay.example.cn/hq/DEMO01-20240513-0042?amt=35950" | sort)
[ "$got" = "$want" ] || fail "QR payloads: got '$got', want '$want'"
grep -q '北京如意科技有限公司 经办人王□' "$T/vp80/job-0001.txt" || fail "Chinese text: $(cat "$T/vp80/job-0001.txt")"
grep -q '110105\*\*\*\*\*\*\*\*1234' "$T/vp80/job-0001.txt" || fail "ID number not masked"
! grep -q '110105199003071234' "$T/vp80/job-0001.bin" || fail "full ID number sent to the printer"
grep -q '￥359.50' "$T/vp80/job-0001.txt" || fail "total"

# 58 mm paper, content from an INI file, paid (one QR), a character beyond the BMP
start_vprinter "$T/vp58" 58
cat >"$T/r.ini" <<'INI'
[receipt]
branch_name = 朝阳受理点
branch_id = BJ07
order_ref = BJ07-20240601-0007
business = 解锁
subscriber = 𠀀如意
id_number = 11010519900307123X
paid = yes
payment_method = 支付宝
clerk = 赵强
promised = 2024-06-01
[fee 1]
label = 远程解锁服务费
amount = 50
INI
"$RACTL" -j print receipt --from "$T/r.ini" --width 58 --printer tcp://127.0.0.1:$VP_PORT \
    >"$T/out.json" 2>"$T/err" || fail "print --from: $(cat "$T/err")"
grep -q '"replaced":\["U+20000"\]' "$T/out.json" || fail "replaced: $(cat "$T/out.json")"
wait_for "$T/vp58/job-0001.png" || fail "no 58 mm PNG"
got=$(qr_payloads "$T/vp58/job-0001.png")
[ "$got" = "RAK1:BJ07:BJ07-20240601-0007" ] || fail "58 mm QR payload: '$got'"
python3 - "$T/vp58/job-0001.png" <<'PY' || fail "58 mm PNG is not 384 dots wide"
import struct, sys
d = open(sys.argv[1], 'rb').read(24)
sys.exit(0 if struct.unpack('>I', d[16:20])[0] == 384 else 1)
PY
grep -q '已支付 (支付宝)' "$T/vp58/job-0001.txt" || fail "payment state"
grep -q '￥50.00' "$T/vp58/job-0001.txt" || fail "fee amount"

# reprint of the first order's receipt, on the 80 mm printer
"$RACTL" -q printer reprint DEMO01-20240513-0042 --printer "$P80" || fail "reprint"
wait_for "$T/vp80/job-0002.png" || fail "no reprint PNG"
head -1 "$T/vp80/job-0002.txt" | grep -q '重印 REPRINT' || fail "reprint not marked"
[ "$(qr_payloads "$T/vp80/job-0002.png")" = "$want" ] || fail "reprint QR"
echo "receipt: ok ($T/vp80/job-0001.png)"
