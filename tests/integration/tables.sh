# Every ractl table lines up by display columns, not bytes (issue 12 item
# 13): a Chinese character takes two columns of a terminal, a Latin one
# one, so rows naming 王小明 and Li Si, 李录入 and Amy Lee must start their
# next column at the same column. Checked for `clerk list`, `key list`,
# `query status`, `renewals`, `record complaint list`, `order list` and
# the weekly report's topics, with rows of both scripts in each; and
# serial numbers appear in one form (upper-case hex in whole bytes, as
# `openssl x509 -serial` prints them) in `ca status`, `query status`,
# `renewals`, `order show`, `key diagnose` and `key enrol`.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/enrol_lib.bash"
enrol_setup
as boss
echo amypass11 | "$RACTL" -q clerk add amy --name "Amy Lee" --roles entry >/dev/null
KEY1=$(new_key 王小明)
KEY2=$(new_key "Li Si")
REF1=$(paid_order 王小明)
REF2=$(paid_order "Li Si")
as lily
enrol_with "$REF1" "$KEY1" >"$T/enrol1" 2>&1 || bad "enrol 1: $(cat "$T/enrol1")"
enrol_with "$REF2" "$KEY2" >"$T/enrol2" 2>&1 || bad "enrol 2: $(cat "$T/enrol2")"
# A second order of 王小明, approved and waiting: another status label.
REF3=$(paid_order 王小明)
as lily
"$RACTL" -q record complaint open --subscriber 陈先生 --content 发票未收到 --days 2 >/dev/null
"$RACTL" -q record complaint open --subscriber "Mr Chen" --content "no invoice" --days 2 >/dev/null
"$RACTL" -q record consult add --channel counter --topic 解锁 --question q1 --answer a1 >/dev/null
"$RACTL" -q record consult add --channel phone --topic fees --question q2 >/dev/null

# aligned WHAT REGEX: in $OUT, every line REGEX matches starts its group
# "next" at one display column (East Asian wide and fullwidth: 2), and at
# least two lines match.
aligned() {
    python3 - "$1" "$2" "$OUT" <<'EOF' && ok || bad "$1 is out of line: $OUT"
import re, sys, unicodedata
what, rx, out = sys.argv[1], re.compile(sys.argv[2]), sys.argv[3]
def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in s)
cols = {}
for line in out.splitlines():
    m = rx.search(line)
    if m:
        cols.setdefault(width(line[:m.start("next")]), []).append(line)
if sum(len(v) for v in cols.values()) < 2 or len(cols) != 1:
    print("%s: next column at display columns %s" % (what, sorted(cols)), file=sys.stderr)
    sys.exit(1)
EOF
}
expect 0 "clerk list" -- "$RACTL" clerk list
aligned "clerk list" '^\S+ +\S.*? {2,}(?P<next>(entry|review|supervisor|archive|issue)[a-z,]*) '
expect 0 "key list" -- "$RACTL" key list
aligned "key list" '^[0-9a-f]{16} +.+? +(?P<next>STANDARD|[A-Z0-9_-]+) +\d'
expect 0 "query status" -- "$RACTL" query status 王小明
aligned "query status (the name after the label)" '^\S+ +\S+ +(?P<next>王小明)'
aligned "query status (what follows the name)" '王小明 +(?P<next>serial|order)'
expect 0 "renewals" -- "$RACTL" renewals --days 3660
aligned "renewals (the name)" '\(\d+ days?\) +(?P<next>\S)'
aligned "renewals (the order)" ' (?P<next>order \d)'
expect 0 "complaint list" -- "$RACTL" record complaint list
aligned "complaint list" '(陈先生|Mr Chen) +(?P<next>\S)'
expect 0 "order list" -- "$RACTL" order list
aligned "order list" '^\d{6}-\d{4} +\S+ +\S+ +\S+ +\S+ \S+ +\S+ \S+ +(?P<next>\S)'
as boss
expect 0 "weekly report" -- "$RACTL" report weekly
aligned "weekly report topics" '^  (解锁|fees) +(?P<next>\d+, answered)'

# Serial numbers in one form. The signing certificate of REF1, as openssl
# prints it, is what every command shows.
as lily
cert_of() { sqlite3 "$RAKIOSK_DATA_DIR/rakiosk.db" "SELECT c.serial FROM certificate c JOIN orders o ON o.id = c.order_id WHERE o.ref = '$1' AND c.usage = '$2'"; }
S1=$(cert_of "$REF1" sign)
# The key's certificates as openssl prints their serials.
M=$RAKIOSK_TOKEN_MODULE
for id in $(pkcs11-tool --module "$M" --token-label 王小明 --list-objects --type cert 2>/dev/null | awk '/ID:/ {print $2}'); do
    pkcs11-tool --module "$M" --token-label 王小明 --read-object --type cert --id "$id" -o "$T/c.der" 2>/dev/null
    openssl x509 -inform DER -in "$T/c.der" -noout -serial | cut -d= -f2
done >"$T/serials"
OSSL=$S1
grep -qx "$S1" "$T/serials" && grep -qx "$(cert_of "$REF1" enc)" "$T/serials" && ok ||
    bad "the ledger's serials $S1 and $(cert_of "$REF1" enc) are not openssl's: $(cat "$T/serials")"
lower=$(echo "$OSSL" | tr A-F a-f | sed 's/^0*//')
for cmd in "ca status $lower" "query status 王小明" "renewals --days 3660" "order show $REF1" \
    "key diagnose $KEY1"; do
    # shellcheck disable=SC2086
    OUT=$("$RACTL" $cmd 2>&1)
    contains "$OSSL" "$cmd shows the serial as openssl does"
    case "$OUT" in *"$lower"*) bad "$cmd shows the serial in lower case: $OUT" ;; *) ok ;; esac
    # shellcheck disable=SC2086
    OUT=$("$RACTL" --json $cmd 2>&1)
    contains "$OSSL" "$cmd --json shows the serial as openssl does"
done
OUT=$(cat "$T/enrol1")
contains "certificate $OSSL" "key enrol names the certificate as openssl does"
finish
