# The A4 documents: the application form from an INI file (values with 如,
# the glyph Noto Sans CJK loses in cairo PDFs) must contain every field label
# and value as text (pdftotext); the record, labels and weekly report too.
source "$RK_SOURCE_DIR/tests/integration/print-lib.bash"
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

# self pick-up when there is no address
sed -i '/^address/d' "$T/form.ini"
"$RACTL" -q print form --from "$T/form.ini" --out "$T/form2.pdf"
pdftotext "$T/form2.pdf" - | grep -q 自取 || fail "self pick-up"

"$RACTL" -q print record --sample --out "$T/record.pdf"
pdftotext "$T/record.pdf" - | grep -q 任务完成记录单 || fail "record"
"$RACTL" -q print labels --sample --out "$T/labels.pdf"
pdftotext "$T/labels.pdf" "$T/labels.txt"
for s in 档案盒 2024-017 11010500001000 11010500001099 100 新办 150 续期; do
    grep -q "$s" "$T/labels.txt" || fail "label text '$s' missing"
done
"$RACTL" -q print weekly --sample --out "$T/weekly.pdf"
pdftotext -layout "$T/weekly.pdf" - | grep -q '合计 *52 *49 *3' || fail "weekly totals"
"$RACTL" print form --out "$T/x.pdf" 2>/dev/null && fail "form without input accepted"
echo "a4: ok"
