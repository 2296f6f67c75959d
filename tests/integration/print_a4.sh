# The A4 documents: the application form from an INI file (values with 如,
# the glyph Noto Sans CJK loses in cairo PDFs) must contain every field label
# and value as text (pdftotext); the record, labels and weekly report too.
source "$RK_SOURCE_DIR/tests/integration/print-lib.bash"
source "$RK_SOURCE_DIR/tests/integration/pdf-lib.bash"
command -v pdftotext >/dev/null || fail "pdftotext (poppler-utils) is required"

cat >"$T/form.ini" <<'INI'
[form]
branch_name = 朝阳受理点
order_ref = BJ07-20240601-0008
enterprise = 如意之星数据服务有限公司
credit_code = 91110105MA00XYZ12Q
legal_name = 何如风
legal_id = 110105198001011234
legal_mobile = 13700001111
agent_name = 周晓如
agent_id = 110105199505051234
agent_mobile = 13600002222
email = invoice@ruyistar.example.cn
invoice_type = 增值税专用发票
address = 北京市海淀区如意路1号
project = 社保数字证书
region = 北京市海淀区
category = 单位证书
operation = 续期
social_security_no = 11010800654321
date = 2024-06-01
INI
"$RACTL" -q print form --from "$T/form.ini" --out "$T/form.pdf" || fail "form"
pdftotext "$T/form.pdf" "$T/form.txt"
for s in 数字证书业务申请表 单位名称 统一社会信用代码 社保登记号 法定代表人 经办人 姓名 \
    身份证号码 手机号码 电子邮箱 发票类型 领取方式 邮寄地址 项目 地区 证书类别 业务类型 \
    法定代表人签字 经办人签字 单位盖章 日期; do
    grep -q "$s" "$T/form.txt" || fail "form label '$s' missing"
done
grep -v '^\[' "$T/form.ini" | sed 's/^[a-z_]* = //' | while read -r v; do
    grep -qF "$v" "$T/form.txt" || fail "form value '$v' missing"
done
grep -q 邮寄 "$T/form.txt" || fail "delivery"
grep -c 如 "$T/form.txt" | grep -qv '^0$' || fail "如 missing"
pdf_renders "$T/form.pdf" 1 || fail "the form does not render"

# self pick-up when there is no address
sed -i '/^address/d' "$T/form.ini"
"$RACTL" -q print form --from "$T/form.ini" --out "$T/form2.pdf"
pdftotext "$T/form2.pdf" - | grep -q 自取 || fail "self pick-up"
pdf_renders "$T/form2.pdf" 1 || fail "the second form does not render"

"$RACTL" -q print record --sample --out "$T/record.pdf"
pdftotext "$T/record.pdf" - | grep -q 任务完成记录单 || fail "record"
REC=$(pdftotext "$T/record.pdf" - | tr -d ' ')
for s in DEMO01-20240513-0042 北京如意科技有限公司 91110105MA01ABCD2X 5F3A9C0D11E2 5501234567; do
    case "$REC" in *"$s"*) ;; *) fail "record lacks '$s'" ;; esac
done
pdf_renders "$T/record.pdf" 1 || fail "the record does not render"
"$RACTL" -q print labels --sample --out "$T/labels.pdf"
pdftotext "$T/labels.pdf" "$T/labels.txt"
for s in 档案盒 2024-017 11010500001000 11010500001099 100 新办 150 续期; do
    grep -q "$s" "$T/labels.txt" || fail "label text '$s' missing"
done
# A box number of the real length stays on one line above the 盒号 row.
BIG=$(pdf_line_with "$T/labels.pdf" DEMO01-XF-2024-0018 15) || fail "$BIG"
ROW=$(pdf_lines "$T/labels.pdf" | awk -F'\t' '$2 == "盒号"' | sed -n 2p)
[ -n "$ROW" ] || fail "no second 盒号 row"
pdf_above "$T/labels.pdf" "$BIG" "$ROW" || fail "the box number overlaps the 盒号 row"
pdf_renders "$T/labels.pdf" 1 || fail "the labels do not render"
"$RACTL" -q print weekly --sample --out "$T/weekly.pdf"
pdftotext -layout "$T/weekly.pdf" - | grep -q '合计 *52 *49 *3' || fail "weekly totals"
pdf_renders "$T/weekly.pdf" 1 || fail "the weekly report does not render"
"$RACTL" print form --out "$T/x.pdf" 2>/dev/null && fail "form without input accepted"
echo "a4: ok"
