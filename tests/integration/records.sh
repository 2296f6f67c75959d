# The branch's records end to end through ractl: orders completed by two
# clerks, then the register and operation log exported as CSV (BOM, columns,
# formula guard) and XLSX (read back with Python's zipfile and XML parser:
# headers, a Chinese value, a real date), the audited --reveal, archive
# boxes and their label PDF, consultations, complaints, surveys and the
# weekly report; the audit chain verifies at the end.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/pdf-lib.bash"
export TZ=Asia/Shanghai
YEAR=$(date +%Y)

as() { export RAKIOSK_SESSION=$T/session.$1; }
login() {
    as "$1"
    echo "$2" | "$RACTL" -q clerk login "$1" >/dev/null || bad "login $1"
}

expect 0 "init" -- "$RACTL" init
as boss
expect 0 "boss" -- sh -c "echo bosspass1 | '$RACTL' clerk add boss --name 王主管 --roles supervisor"
login boss bosspass1
echo entrypass1 | "$RACTL" -q clerk add lily --name 李录入 --roles entry,issue
echo reviewpass1 | "$RACTL" -q clerk add ray --name 芮审核 --roles review
echo archivepass1 | "$RACTL" -q clerk add archie --name 安档案 --roles archive
login lily entrypass1
login ray reviewpass1
login archie archivepass1

ORG_DOCS="--paper application_form --paper orgcode_cert --paper business_licence --paper agent_id_card"
n=0
complete() { # complete REF: approve, pay, issue with a fresh certificate, deliver
    local ref=$1 fee yuan
    n=$((n + 1))
    as ray
    "$RACTL" -q order approve "$ref" || bad "approve $ref"
    as lily
    fee=$("$RACTL" --json order show "$ref" | sed -n 's/.*"fee_total":\([0-9]*\).*/\1/p')
    yuan=$(printf '%d.%02d' $((fee / 100)) $((fee % 100)))
    [ "$fee" -gt 0 ] && { "$RACTL" -q order pay "$ref" --method cash --amount "$yuan" || bad "pay $ref"; }
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/k$n.pem" \
        -out "$T/c$n.pem" -subj "/CN=cert$n" -days 365 2>/dev/null
    "$RACTL" -q order issue "$ref" --cert "$T/c$n.pem" || bad "issue $ref"
    "$RACTL" -q order deliver "$ref" --method pickup || bad "deliver $ref"
}
neworg() { # neworg NAME SSN: a submitted new-certificate order of an organisation
    "$RACTL" -q order new --business new --kind organisation --submit $ORG_DOCS \
        --field "enterprise_name=$1" --field uscc=91350100M000100Y43 \
        --field legal_rep_name=张三 --field legal_rep_id=11010519491231002X \
        --field legal_rep_mobile=13800138000 --field agent_name=李四 \
        --field agent_id=110105491231002 --field agent_mobile=13900139000 \
        --field email=it@example.com --field invoice_type=ordinary --field delivery=pickup \
        --field project=社保项目 --field "ssn=$2"
}
as lily
R1=$(neworg 北京示例科技有限公司 SB1100009) || bad "order 1"
R2=$(neworg "=HYPERLINK(\"http://evil\",\"点我\")" SB1100001) || bad "order 2"
R3=$(neworg "+86 推广公司" SB1100005) || bad "order 3"
for r in "$R1" "$R2" "$R3"; do complete "$r"; done
expect 0 "delivered" -- "$RACTL" --json order show "$R1"
contains '"state":"delivered"' "order 1 delivered"

# --- exports ---
as lily
expect 5 "entry clerk may not export" -- "$RACTL" export register --format csv --out "$T/r.csv"
contains "supervisor nor the archive role" "says which roles"
[ ! -e "$T/r.csv" ] && ok || bad "refused export left a file"
as archie
expect 2 "format required" -- "$RACTL" export register --out "$T/r.csv"
expect 0 "register csv" -- "$RACTL" --json export register --format csv --out "$T/r.csv"
contains '"rows":3' "three rows"
[ "$(head -c 3 "$T/r.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ] && ok || bad "no BOM"
HEADER=$(head -n 1 "$T/r.csv" | tail -c +4 | tr -d '\r')
[ "$HEADER" = "单位社保编号,单位名称,组织机构代码,联系人,联系电话,制证日期,有效期至,业务单号,业务类型,项目,地区" ] &&
    ok || bad "csv header: $HEADER"
grep -q "^SB1100009,北京示例科技有限公司,M000100Y4,李四,13900139000,$(date +%Y-%m-%d),.*,$R1,证书新办,社保项目,北京市" "$T/r.csv" &&
    ok || bad "csv row: $(cat "$T/r.csv")"
grep -q "^SB1100001,\"'=HYPERLINK(\"\"http://evil\"\",\"\"点我\"\")\"," "$T/r.csv" && ok ||
    bad "formula not guarded: $(cat "$T/r.csv")"
grep -q "^SB1100005,'+86 推广公司," "$T/r.csv" && ok || bad "plus sign not guarded"
[ "$(grep -c $'\r$' "$T/r.csv")" = 4 ] && ok || bad "CRLF line ends"
# sorted by production; project filter; dates
expect 0 "filter other project" -- "$RACTL" --json export register --format csv --out "$T/none.csv" --project 其他项目
contains '"rows":0' "no rows of another project"
expect 0 "filter dates" -- "$RACTL" --json export register --format csv --out "$T/d.csv" \
    --from 2000-01-01 --to 2000-12-31
contains '"rows":0' "no rows in 2000"

expect 0 "register xlsx" -- "$RACTL" export register --format xlsx --out "$T/r.xlsx"
python3 - "$T/r.xlsx" "$R1" <<'PY' && ok || bad "xlsx check failed"
import sys, zipfile, xml.etree.ElementTree as ET
ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
z = zipfile.ZipFile(sys.argv[1])
shared = []
if "xl/sharedStrings.xml" in z.namelist():
    for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns):
        shared.append("".join(t.text or "" for t in si.iter("{%s}t" % ns["m"])))
sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
rows = []
for row in sheet.find("m:sheetData", ns).findall("m:row", ns):
    cells = {}
    for c in row.findall("m:c", ns):
        col = "".join(ch for ch in c.get("r") if ch.isalpha())
        v = c.find("m:v", ns)
        if c.get("t") == "s":
            cells[col] = shared[int(v.text)]
        elif c.get("t") == "inlineStr":
            cells[col] = "".join(t.text or "" for t in c.iter("{%s}t" % ns["m"]))
        else:
            cells[col] = float(v.text) if v is not None else None
    rows.append(cells)
head = [rows[0][k] for k in sorted(rows[0])]
want = ["单位社保编号", "单位名称", "组织机构代码", "联系人", "联系电话", "制证日期", "有效期至",
        "业务单号", "业务类型", "项目", "地区"]
assert head == want, head
assert len(rows) == 4, len(rows)
r1 = [r for r in rows[1:] if r.get("H") == sys.argv[2]][0]
assert r1["A"] == "SB1100009" and r1["B"] == "北京示例科技有限公司" and r1["C"] == "M000100Y4", r1
assert r1["I"] == "证书新办" and r1["J"] == "社保项目", r1
# dates are numbers (Excel serial days), expiry a year after production
assert isinstance(r1["F"], float) and 40000 < r1["F"] < 80000, r1["F"]
assert 364 <= r1["G"] - r1["F"] <= 366, (r1["F"], r1["G"])
# strings stay strings: the formula is text, not a formula
assert not any(c.find("m:f", ns) is not None for c in sheet.iter("{%s}c" % ns["m"]))
assert any(r.get("B", "").startswith("=HYPERLINK") for r in rows[1:])
# bold header and a frozen first row
pane = sheet.find("m:sheetViews/m:sheetView/m:pane", ns)
assert pane is not None and pane.get("state") == "frozen" and pane.get("ySplit") == "1"
styles = z.read("xl/styles.xml").decode()
assert "<b/>" in styles
PY

expect 0 "oplog masked" -- "$RACTL" export oplog --format csv --out "$T/o.csv"
grep -q "110105\*\*\*\*\*\*\*\*002X" "$T/o.csv" && ok || bad "oplog not masked"
grep -q "11010519491231002X" "$T/o.csv" && bad "oplog shows the ID" || ok
grep -q ",证书新办,北京示例科技有限公司,110105\*\*\*\*\*\*\*\*002X,李录入,芮审核,$R1" "$T/o.csv" &&
    ok || bad "oplog row: $(cat "$T/o.csv")"
as boss
expect 0 "oplog revealed" -- "$RACTL" export oplog --format xlsx --out "$T/o.xlsx" --reveal
expect 2 "register has nothing to reveal" -- "$RACTL" export register --format csv --out "$T/x.csv" --reveal
DB=$RAKIOSK_DATA_DIR/rakiosk.db
[ "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'export.revealed' AND actor = 'boss'")" = 1 ] &&
    ok || bad "reveal not audited"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action LIKE 'export.%'")" = 7 ] &&
    ok || bad "exports audited: $(sqlite3 "$DB" "SELECT action FROM audit WHERE action LIKE 'export.%'")"

# --- archive ---
as lily
expect 5 "archive needs the archive role" -- "$RACTL" archive boxes --group new
as archie
expect 2 "group required" -- "$RACTL" archive boxes
# A mistyped value is a usage error (exit 2) that lists what is accepted.
expect 2 "unknown group" -- "$RACTL" archive boxes --group fresh
contains "new, renew or other" "lists the groups"
expect 2 "unknown group in the list" -- "$RACTL" archive list --group fresh
expect 0 "dry run" -- "$RACTL" --json archive boxes --group new --dry-run
contains '"archived":3' "three would be filed"
contains "\"label\":\"DEMO01-XB-$YEAR-0001\"" "box label planned"
expect 0 "still delivered" -- "$RACTL" --json order show "$R1"
contains '"state":"delivered"' "dry run changed nothing"
expect 0 "archive" -- "$RACTL" --json archive boxes --group new
contains '"archived":3' "three filed"
contains '"ssn_first":"SB1100001","ssn_last":"SB1100009"' "sorted by social-security number"
expect 0 "archived" -- "$RACTL" --json order show "$R2"
contains '"state":"archived"' "order archived"
expect 0 "archive again" -- "$RACTL" --json archive boxes --group new
contains '"archived":0' "nothing left"
expect 0 "list" -- "$RACTL" archive list
contains "DEMO01-XB-$YEAR-0001" "list names the box"
contains "3/100" "three of a hundred"
as nobody
expect 5 "the list needs a clerk: it names social-security numbers" -- "$RACTL" archive list
expect 5 "so do the labels" -- "$RACTL" archive labels --pdf "$T/nobody.pdf"
[ ! -e "$T/nobody.pdf" ] && ok || bad "labels written without a clerk"
as archie
expect 0 "labels" -- "$RACTL" archive labels --box "DEMO01-XB-$YEAR-0001" --pdf "$T/labels.pdf"
# The large box number on one line, above the 盒号 row (it wrapped onto
# two lines and its second one overlapped that row).
pdftotext "$T/labels.pdf" - | grep -q "XB-$YEAR-0001" && ok || bad "label PDF lacks the box number"
BIG=$(pdf_line_with "$T/labels.pdf" "DEMO01-XB-$YEAR-0001" 15) && ok || bad "$BIG"
ROW=$(pdf_line_with "$T/labels.pdf" 盒号) && ok || bad "$ROW"
pdf_above "$T/labels.pdf" "$BIG" "$ROW" && ok || bad "the box number overlaps the 盒号 row"
VAL=$(pdf_lines "$T/labels.pdf" | awk -F'\t' '$2 == "DEMO01-XB-'"$YEAR"'-0001"' | sed -n 2p)
[ -n "$VAL" ] && ok || bad "the 盒号 row's value is not the box number on one line"
pdf_renders "$T/labels.pdf" 1 && ok || bad "the labels do not render"
pdftotext "$T/labels.pdf" - | grep -q "SB1100001" && ok || bad "label PDF lacks the first number"
expect 6 "unknown box" -- "$RACTL" archive labels --box NOPE --pdf "$T/x.pdf"

# --- service records ---
as lily
expect 0 "consult" -- "$RACTL" -q record consult add --channel counter --topic 解锁 \
    --question "PIN 输错锁死" --answer "带身份证来柜台解锁" --subscriber 刘女士
expect 0 "consult phone" -- "$RACTL" -q record consult add --channel phone --topic 驱动安装 --question "找不到证书"
expect 2 "bad channel" -- "$RACTL" record consult add --channel fax --topic x --question y
contains "counter, phone, online or remote" "lists the channels"
expect 2 "a date that does not exist" -- "$RACTL" record consult list --from 2026-13-01
contains "--from" "names the option"
expect 2 "a week that does not exist" -- "$RACTL" record survey stats --week 2026-02-30
expect 2 "a score that is no number" -- "$RACTL" record survey add --score abc
contains "--score" "names the option"
expect 2 "working days that are no number" -- "$RACTL" record complaint open --subscriber x \
    --content y --days abc
expect 2 "a complaint ID that is no number" -- "$RACTL" record complaint resolve abc \
    --resolution x
expect 0 "consult list" -- "$RACTL" record consult list
contains "PIN 输错锁死" "lists the question"
expect 0 "complaint" -- "$RACTL" -q record complaint open --subscriber 陈先生 --content "发票未收到" \
    --days 2 --order "$R1"
CID=$OUT
expect 2 "deadline or days" -- "$RACTL" record complaint open --subscriber a --content b
expect 1 "past deadline" -- "$RACTL" record complaint open --subscriber a --content b --deadline 2000-01-01
expect 0 "open complaints" -- "$RACTL" --json record complaint list --open
contains '"subscriber":"陈先生"' "open complaint listed"
expect 5 "clerk cannot resolve" -- "$RACTL" record complaint resolve "$CID" --resolution done
expect 0 "survey" -- "$RACTL" -q record survey add --score 5 --order "$R1" --comment 很好
expect 0 "survey 2" -- "$RACTL" -q record survey add --score 4
expect 2 "survey score" -- "$RACTL" record survey add --score 9
as boss
expect 0 "resolve" -- "$RACTL" record complaint resolve "$CID" --resolution "已重新开票"
expect 7 "resolve twice" -- "$RACTL" record complaint resolve "$CID" --resolution again
expect 0 "survey stats" -- "$RACTL" --json record survey stats
contains '"average":"4.50"' "average of 5 and 4"
contains '"clerk":"lily"' "per clerk"
expect 0 "weekly" -- "$RACTL" --json report weekly --pdf "$T/weekly.pdf"
contains '"consultations":2' "two consultations"
contains '"counter":1,"phone":1' "by channel"
contains '"opened":1,"resolved":1' "complaints"
contains '"surveys":2' "surveys"
pdftotext "$T/weekly.pdf" - | grep -q "满意度" && ok || bad "weekly PDF"
# The consultations' subtotal adds the rows above it (one answered, one to
# follow up); no 合计 line adds consultations, orders, complaints and surveys.
WEEK=$(pdftotext -layout "$T/weekly.pdf" -)
echo "$WEEK" | grep -Eq '咨询：解锁 +1 +1 +0' && ok || bad "weekly topic row: $WEEK"
echo "$WEEK" | grep -Eq '咨询：驱动安装 +1 +0 +1' && ok || bad "weekly topic row 2: $WEEK"
echo "$WEEK" | grep -Eq '咨询合计 +2 +1 +1 ' && ok || bad "weekly consultation subtotal: $WEEK"
echo "$WEEK" | grep -Eq '业务合计 +3 +3 +0' && ok || bad "weekly order subtotal: $WEEK"
echo "$WEEK" | grep -Eq '满意度调查 +2 +— +— +平均 4.50' && ok || bad "weekly surveys: $WEEK"
echo "$WEEK" | grep -Eq '^ *合计 ' && bad "a 合计 line mixes the kinds: $WEEK" || ok
pdf_renders "$T/weekly.pdf" 1 && ok || bad "the weekly report does not render"
as lily
expect 5 "weekly needs a supervisor" -- "$RACTL" report weekly

[ "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE entity = 'record'")" -ge 6 ] && ok || bad "record events"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE payload LIKE '%陈先生%' OR payload LIKE '%刘女士%'")" = 0 ] &&
    ok || bad "personal data in outbox"
expect 0 "audit verify" -- "$RACTL" audit verify
contains "OK" "chain verifies"
finish
