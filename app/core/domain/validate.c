/*
 * Validators for outside identifiers (see validate.h).
 *
 * Each validator works on a trimmed private copy of at most
 * RK_VALID_EMAIL_MAX bytes, checks in the order a person fixes mistakes
 * (length, characters, region, birth date, check character), and stops at
 * the first problem so the message names exactly one. Messages never reveal
 * what a check character should be: that would turn the check into a
 * generator of plausible numbers.
 */
#include "validate.h"

#include "util/clock.h"
#include "util/err.h"
#include "util/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char USCC_ALPHABET[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* A field's name in messages. */
typedef struct field {
    const char *en;
    const char *zh;
} field;

static const field F_ID = {"ID number", "身份证号码"};
static const field F_USCC = {"unified social credit code", "统一社会信用代码"};
static const field F_ORG = {"organisation code", "组织机构代码"};
static const field F_MOBILE = {"mobile number", "手机号码"};
static const field F_EMAIL = {"e-mail address", "电子邮箱"};
static const field F_DATE = {"date", "日期"};
static const field F_SSN = {"social-security number", "社保编号"};

static void put(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(char *dst, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, n, fmt, ap);
    va_end(ap);
}

static void set_reason(rk_valid *out, const char *reason)
{
    rk_utf8_copy(out->reason, sizeof out->reason, reason);
}

/* Records an invalid verdict: "invalid <field>: <detail>". */
static int fail(rk_valid *out, const field *f, const char *reason, const char *zh, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));
static int fail(rk_valid *out, const field *f, const char *reason, const char *zh, const char *fmt,
                ...)
{
    char detail[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    out->ok = 0;
    out->warning = 0;
    out->normalized[0] = '\0';
    set_reason(out, reason);
    put(out->message, sizeof out->message, "invalid %s: %s", f->en, detail);
    put(out->message_zh, sizeof out->message_zh, "%s有误：%s", f->zh, zh);
    return rk_err_set(RK_EINVAL, "%s", out->message);
}

/* Records an acceptable value that a clerk must look at. */
static int warn(rk_valid *out, const field *f, const char *reason, const char *zh, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));
static int warn(rk_valid *out, const field *f, const char *reason, const char *zh, const char *fmt,
                ...)
{
    char detail[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    out->ok = 1;
    out->warning = 1;
    set_reason(out, reason);
    put(out->message, sizeof out->message,
        "%s: %s; a clerk must check it and record why it is accepted", f->en, detail);
    put(out->message_zh, sizeof out->message_zh, "%s：%s，须由工作人员核对并登记受理原因", f->zh,
        zh);
    return 0;
}

/* Records a valid value; normalized must be filled by the caller. */
static int pass(rk_valid *out, const field *f)
{
    out->ok = 1;
    out->warning = 0;
    out->reason[0] = '\0';
    put(out->message, sizeof out->message, "valid %s", f->en);
    put(out->message_zh, sizeof out->message_zh, "%s有效", f->zh);
    return 0;
}

/* Width of white space starting at p (ASCII, U+00A0, U+3000), or 0. */
static size_t ws_lead(const unsigned char *p, size_t left)
{
    if (left >= 1 && (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r'))) return 1;
    if (left >= 2 && p[0] == 0xC2 && p[1] == 0xA0) return 2;
    if (left >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) return 3;
    return 0;
}

/* Width of white space ending at p[len-1], or 0. */
static size_t ws_trail(const unsigned char *p, size_t len)
{
    if (len >= 1 && (p[len - 1] == ' ' || (p[len - 1] >= '\t' && p[len - 1] <= '\r'))) return 1;
    if (len >= 2 && p[len - 2] == 0xC2 && p[len - 1] == 0xA0) return 2;
    if (len >= 3 && p[len - 3] == 0xE3 && p[len - 2] == 0x80 && p[len - 1] == 0x80) return 3;
    return 0;
}

/* The common input rules: trims s[0..n) into clean (cap + 1 bytes) and
 * refuses NUL, control characters, emptiness and more than cap bytes. */
static int prep(rk_valid *out, const field *f, const char *s, size_t n, size_t cap, char *clean,
                size_t *clen)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t a = 0, b = n, w;

    if (!s) return fail(out, f, "empty", "未填写", "nothing was entered");
    if (n > RK_VALID_SCAN_MAX)
        return fail(out, f, "too_long", "内容过长", "too long (over %d bytes)", RK_VALID_SCAN_MAX);
    while (a < b && (w = ws_lead(p + a, b - a)) != 0)
        a += w;
    while (b > a && (w = ws_trail(p + a, b - a)) != 0)
        b -= w;
    for (size_t i = a; i < b; i++) {
        if (p[i] == 0)
            return fail(out, f, "control", "含有非法的控制字符",
                        "contains a NUL byte at position %zu", i - a + 1);
        if (p[i] < 0x20 || p[i] == 0x7F)
            return fail(out, f, "control", "含有非法的控制字符",
                        "contains a control character (code %u) at position %zu", p[i], i - a + 1);
    }
    if (a == b) return fail(out, f, "empty", "未填写", "nothing was entered");
    if (b - a > cap)
        return fail(out, f, "too_long", "内容过长", "too long (%zu bytes; at most %zu)", b - a,
                    cap);
    memcpy(clean, p + a, b - a);
    clean[b - a] = '\0';
    *clen = b - a;
    return 0;
}

/* Index of the first byte that is not ASCII, or -1. */
static long non_ascii(const char *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)c[i] >= 0x80) return (long)i;
    return -1;
}

static int refuse_non_ascii(rk_valid *out, const field *f, const char *c, size_t n)
{
    long at = non_ascii(c, n);
    if (at < 0) return 0;
    return fail(out, f, "charset", "含有全角或中文字符，请用半角（英文）输入",
                "character %ld is not ASCII (a full-width digit or letter? type it in half-width)",
                at + 1);
}

static void upper(char *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (c[i] >= 'a' && c[i] <= 'z') c[i] = (char)(c[i] - 'a' + 'A');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int num(const char *c, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (c[i] - '0');
    return v;
}

static int mainland_province(int p)
{
    return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
           (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65);
}

static int province(int p)
{
    return mainland_province(p) || p == 71 || p == 81 || p == 82 || p == 83;
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int calendar_date(int y, int m, int d)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1) return 0;
    return d <= days[m - 1] + (m == 2 && leap(y));
}

/* ---- check characters ---------------------------------------------------- */

int rk_id_check_char(const char *first17)
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    if (!first17) return RK_EINVAL;
    for (int i = 0; i < 17; i++) {
        if (!is_digit(first17[i])) return RK_EINVAL;
        sum += (first17[i] - '0') * w[i];
    }
    int r = (12 - sum % 11) % 11;
    return r == 10 ? 'X' : '0' + r;
}

static int uscc_value(char c)
{
    const char *p = c ? strchr(USCC_ALPHABET, c) : NULL;
    return p ? (int)(p - USCC_ALPHABET) : -1;
}

int rk_uscc_check_char(const char *first17)
{
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0;
    if (!first17) return RK_EINVAL;
    for (int i = 0; i < 17; i++) {
        int v = uscc_value(first17[i]);
        if (v < 0) return RK_EINVAL;
        sum += v * w[i];
    }
    int r = 31 - sum % 31;
    return USCC_ALPHABET[r == 31 ? 0 : r];
}

int rk_orgcode_check_char(const char *first8)
{
    static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    if (!first8) return RK_EINVAL;
    for (int i = 0; i < 8; i++) {
        char c = first8[i];
        int v;
        if (is_digit(c))
            v = c - '0';
        else if (c >= 'A' && c <= 'Z')
            v = c - 'A' + 10;
        else
            return RK_EINVAL;
        sum += v * w[i];
    }
    int r = 11 - sum % 11;
    return r == 10 ? 'X' : r == 11 ? '0' : '0' + r;
}

/* ---- ID numbers ------------------------------------------------------------ */

/* Checks the birth date y-m-d of an ID number against the calendar, 1900 and
 * today (local time of rk_clock_now()). */
static int id_birth(rk_valid *out, int y, int m, int d)
{
    if (!calendar_date(y, m, d))
        return fail(out, &F_ID, "birth_date", "出生日期不存在",
                    "impossible birth date %04d-%02d-%02d", y, m, d);
    if (y < 1900)
        return fail(out, &F_ID, "birth_range", "出生日期早于1900年",
                    "birth date %04d-%02d-%02d is before 1900", y, m, d);
    time_t now = (time_t)rk_clock_now();
    struct tm tm;
    if (!localtime_r(&now, &tm)) return rk_err_set(RK_EINTERNAL, "cannot read the local date");
    long today = (long)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
    if ((long)y * 10000 + m * 100 + d > today)
        return fail(out, &F_ID, "birth_future", "出生日期晚于今天",
                    "birth date %04d-%02d-%02d is in the future", y, m, d);
    out->year = y;
    out->month = m;
    out->day = d;
    return 0;
}

static int id_checksum(rk_valid *out, const char *c)
{
    if (c[17] != rk_id_check_char(c))
        return fail(out, &F_ID, "checksum", "校验码不符，可能有数字输错",
                    "the check character (the last one) does not match the other 17: a digit is "
                    "probably mistyped");
    return 0;
}

static int id_foreign(rk_valid *out, const char *c)
{
    int rc;
    if (!mainland_province(num(c + 1, 2)))
        return fail(out, &F_ID, "region", "受理地省份代码无效",
                    "the province code %.2s (characters 2-3) of a foreigner's permanent residence "
                    "ID is not a mainland province",
                    c + 1);
    if (!memcmp(c + 3, "000", 3))
        return fail(out, &F_ID, "nationality", "国籍代码无效",
                    "nationality code 000 (characters 4-6) of a foreigner's permanent residence ID "
                    "is not a country");
    if ((rc = id_birth(out, num(c + 6, 4), num(c + 10, 2), num(c + 12, 2))) != 0) return rc;
    if ((rc = id_checksum(out, c)) != 0) return rc;
    out->kind = RK_ID_FOREIGN_PR;
    put(out->region, sizeof out->region, "%.2s0000", c + 1);
    put(out->nationality, sizeof out->nationality, "%.3s", c + 3);
    out->sex = (c[16] - '0') % 2 ? 'M' : 'F';
    memcpy(out->normalized, c, 19);
    pass(out, &F_ID);
    put(out->message, sizeof out->message,
        "valid foreigner's permanent residence ID: born %04d-%02d-%02d, %s, nationality %s",
        out->year, out->month, out->day, out->sex == 'M' ? "male" : "female", out->nationality);
    put(out->message_zh, sizeof out->message_zh, "外国人永久居留身份证号码有效");
    return 0;
}

static int id_n(rk_valid *out, const char *s, size_t n)
{
    char c[RK_VALID_INPUT_MAX + 1];
    size_t len;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = prep(out, &F_ID, s, n, RK_VALID_INPUT_MAX, c, &len)) != 0) return rc;
    if ((rc = refuse_non_ascii(out, &F_ID, c, len)) != 0) return rc;
    if (len != 18 && len != 15)
        return fail(out, &F_ID, "length", "长度应为18位",
                    "has %zu characters; an ID number has 18 (or 15 in the old format)", len);
    for (size_t i = 0; i < len; i++) {
        if (is_digit(c[i])) continue;
        if (len == 18 && i == 17 && (c[i] == 'X' || c[i] == 'x')) {
            c[i] = 'X';
            continue;
        }
        if (len == 18 && i == 17)
            return fail(out, &F_ID, "charset", "最后一位应为数字或X",
                        "the last character ('%c') must be a digit or X", c[i]);
        return fail(out, &F_ID, "charset", "除最后一位外应全为数字",
                    "character %zu ('%c') is not a digit", i + 1, c[i]);
    }
    if (len == 18 && c[0] == '9') return id_foreign(out, c);

    int p = num(c, 2);
    if (len == 15 && !mainland_province(p))
        return fail(out, &F_ID, "region", "地区码无效",
                    "region code %.6s of an old 15-digit number is not a mainland province", c);
    if (!province(p))
        return fail(out, &F_ID, "region", "地区码无效",
                    "region code %.6s does not start with a province code", c);
    if (p >= 81 && memcmp(c + 2, "0000", 4))
        return fail(out, &F_ID, "region", "港澳台居民居住证号码应以810000、820000或830000开头",
                    "region code %.6s: residence permits of Hong Kong, Macau and Taiwan residents "
                    "start with 810000, 820000 or 830000",
                    c);

    if (len == 15) {
        char full[19];
        if ((rc = id_birth(out, 1900 + num(c + 6, 2), num(c + 8, 2), num(c + 10, 2))) != 0)
            return rc;
        memcpy(full, c, 6);
        memcpy(full + 6, "19", 2);
        memcpy(full + 8, c + 6, 9);
        full[17] = (char)rk_id_check_char(full);
        full[18] = '\0';
        memcpy(out->normalized, full, 19);
        out->kind = RK_ID_RESIDENT15;
    } else {
        if ((rc = id_birth(out, num(c + 6, 4), num(c + 10, 2), num(c + 12, 2))) != 0) return rc;
        if ((rc = id_checksum(out, c)) != 0) return rc;
        memcpy(out->normalized, c, 19);
        out->kind = p >= 81 ? RK_ID_PERMIT_HMT : RK_ID_RESIDENT;
    }
    memcpy(out->region, out->normalized, 6);
    out->region[6] = '\0';
    out->sex = (out->normalized[16] - '0') % 2 ? 'M' : 'F';
    pass(out, &F_ID);
    static const char *const what[] = {"", "ID number", "old 15-digit ID number",
                                       "residence permit number", ""};
    static const char *const holder[] = {"81", "Hong Kong", "82", "Macau", "83", "Taiwan"};
    const char *who = "";
    for (int i = 0; i < 6; i += 2)
        if (out->kind == RK_ID_PERMIT_HMT && !memcmp(c, holder[i], 2)) who = holder[i + 1];
    put(out->message, sizeof out->message, "valid %s%s%s: born %04d-%02d-%02d, %s, region %s", who,
        *who ? " residents' " : "", what[out->kind], out->year, out->month, out->day,
        out->sex == 'M' ? "male" : "female", out->region);
    return 0;
}

/* ---- credit and organisation codes ------------------------------------------ */

static int uscc_category(const char *c)
{
    static const char *const pairs[] = {"11", "12", "13", "19", "21", "29", "31", "32", "33",
                                        "34", "35", "39", "41", "49", "51", "52", "53", "59",
                                        "61", "62", "69", "71", "72", "79", "81", "89", "91",
                                        "92", "93", "A1", "A9", "N1", "N2", "N3", "N9", "Y1"};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (c[0] == pairs[i][0] && c[1] == pairs[i][1]) return 1;
    return 0;
}

static int pilot_region(const rk_validate_rules *r, const char *region6)
{
    for (int i = 0; r && i < r->n_uscc_pilot_regions; i++)
        if (!memcmp(r->uscc_pilot_regions[i], region6, 6)) return 1;
    return 0;
}

static int uscc_rules(rk_valid *out, const char *s, size_t n, const rk_validate_rules *rules)
{
    char c[RK_VALID_INPUT_MAX + 1];
    size_t len;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = prep(out, &F_USCC, s, n, RK_VALID_INPUT_MAX, c, &len)) != 0) return rc;
    if ((rc = refuse_non_ascii(out, &F_USCC, c, len)) != 0) return rc;
    if (len != 18)
        return fail(out, &F_USCC, "length", "长度应为18位",
                    "has %zu characters; a unified social credit code has 18", len);
    upper(c, len);
    for (size_t i = 0; i < len; i++) {
        if (uscc_value(c[i]) >= 0) continue;
        if (strchr("IOSVZ", c[i]))
            return fail(out, &F_USCC, "charset", "不使用字母I、O、S、V、Z",
                        "character %zu ('%c') is never used in credit codes (I, O, S, V and Z are "
                        "left out: perhaps 1, 0, 5, U or 2?)",
                        i + 1, c[i]);
        return fail(out, &F_USCC, "charset", "含有不允许的字符",
                    "character %zu ('%c') is not a digit or an allowed capital letter", i + 1,
                    c[i]);
    }
    if (!uscc_category(c))
        return fail(out, &F_USCC, "category", "登记管理部门和机构类别代码（前两位）无效",
                    "the first two characters '%.2s' are no registration authority and category "
                    "of GB 32100",
                    c);
    for (int i = 2; i < 8; i++)
        if (!is_digit(c[i]))
            return fail(out, &F_USCC, "region", "登记管理机关行政区划码（第3-8位）无效",
                        "the region code '%.6s' (characters 3-8) must be 6 digits", c + 2);
    int p = num(c + 2, 2);
    if (p != 10 && !province(p))
        return fail(out, &F_USCC, "region", "登记管理机关行政区划码（第3-8位）无效",
                    "the region code %.6s (characters 3-8) does not start with a province code",
                    c + 2);

    int org_ok = c[16] == rk_orgcode_check_char(c + 8);
    int credit_ok = c[17] == rk_uscc_check_char(c);
    if (!org_ok && !credit_ok)
        return fail(out, &F_USCC, "checksum", "校验码不符，可能有字符输错",
                    "the check character does not match: a character is probably mistyped");
    if (!credit_ok && !pilot_region(rules, c + 2))
        return fail(out, &F_USCC, "checksum", "校验码不符，可能有字符输错",
                    "the check character does not match: a character is probably mistyped "
                    "(the region %.6s is not a pilot region of early credit codes)",
                    c + 2);
    memcpy(out->normalized, c, 19);
    memcpy(out->region, c + 2, 6);
    out->region[6] = '\0';
    if (!credit_ok)
        return warn(out, &F_USCC, "pilot_code", "校验码不符但组织机构代码有效，属试点地区早期代码",
                    "the check character does not match but the organisation code inside "
                    "holds: an early code of the pilot region %.6s",
                    c + 2);
    if (!org_ok)
        return warn(out, &F_USCC, "org_code_checksum",
                    "组织机构代码部分（第9-17位）校验不符，请核对营业执照",
                    "the organisation code inside (characters 9-17) fails its own check although "
                    "the code's check character matches");
    return pass(out, &F_USCC);
}

static int uscc_n(rk_valid *out, const char *s, size_t n)
{
    return uscc_rules(out, s, n, NULL);
}

static int orgcode_n(rk_valid *out, const char *s, size_t n)
{
    char c[RK_VALID_INPUT_MAX + 1];
    size_t len;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = prep(out, &F_ORG, s, n, RK_VALID_INPUT_MAX, c, &len)) != 0) return rc;
    if ((rc = refuse_non_ascii(out, &F_ORG, c, len)) != 0) return rc;
    if (len == 10 && c[8] == '-') {
        c[8] = c[9];
        c[9] = '\0';
        len = 9;
    }
    if (len != 9)
        return fail(out, &F_ORG, "length", "应为9位（或带连字符的10位）",
                    "has %zu characters; an organisation code has 9 (or 10 written "
                    "XXXXXXXX-X)",
                    len);
    upper(c, len);
    for (int i = 0; i < 8; i++)
        if (!is_digit(c[i]) && !(c[i] >= 'A' && c[i] <= 'Z'))
            return fail(out, &F_ORG, "charset", "前8位应为数字或大写字母",
                        "character %d ('%c') is not a digit or letter", i + 1, c[i]);
    if (!is_digit(c[8]) && c[8] != 'X')
        return fail(out, &F_ORG, "charset", "校验码应为数字或X",
                    "the check character ('%c') must be a digit or X", c[8]);
    if (c[8] != rk_orgcode_check_char(c))
        return fail(out, &F_ORG, "checksum", "校验码不符，可能有字符输错",
                    "the check character does not match: a character is probably mistyped");
    memcpy(out->normalized, c, 10);
    return pass(out, &F_ORG);
}

/* ---- mobile, e-mail, date, social security -------------------------------- */

static int mobile_n(rk_valid *out, const char *s, size_t n)
{
    char c[RK_VALID_INPUT_MAX + 1], t[RK_VALID_INPUT_MAX + 1];
    size_t len, k = 0;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = prep(out, &F_MOBILE, s, n, RK_VALID_INPUT_MAX, c, &len)) != 0) return rc;
    if ((rc = refuse_non_ascii(out, &F_MOBILE, c, len)) != 0) return rc;
    for (size_t i = 0; i < len; i++) {
        if (c[i] == ' ' || c[i] == '-') continue;
        if (!is_digit(c[i]) && !(c[i] == '+' && k == 0))
            return fail(out, &F_MOBILE, "charset", "只能包含数字",
                        "character %zu ('%c') is not a digit, space or hyphen", i + 1, c[i]);
        t[k++] = c[i];
    }
    t[k] = '\0';
    const char *d = t;
    if (t[0] == '+') {
        if (strncmp(t, "+86", 3))
            return fail(out, &F_MOBILE, "country", "只接受中国大陆手机号码（+86）",
                        "only mainland numbers are accepted (country code +86)");
        d += 3;
    } else if (!strncmp(t, "0086", 4)) {
        d += 4;
    }
    size_t dl = strlen(d);
    if (dl != 11)
        return fail(out, &F_MOBILE, "length", "应为11位数字",
                    "has %zu digits; a mobile number has 11", dl);
    if (d[0] != '1' || d[1] < '3')
        return fail(out, &F_MOBILE, "prefix", "应以13至19开头",
                    "does not start with 13 to 19 (a landline? give a mobile number)");
    memcpy(out->normalized, d, 12);
    return pass(out, &F_MOBILE);
}

static int email_atext(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch) ||
           (ch && strchr("!#$%&'*+/=?^_`{|}~-", ch));
}

static int email_non_ascii(rk_valid *out, const char *c, size_t len)
{
    static const struct {
        const char *seq, *name;
    } fw[] = {
        {"\xEF\xBC\xA0", "@"}, {"\xE3\x80\x82", "."}, {"\xEF\xBC\x8E", "."}, {"\xEF\xBC\x8C", ","}};
    long at = non_ascii(c, len);
    if (at < 0) return 0;
    for (size_t i = 0; i < sizeof fw / sizeof fw[0]; i++)
        if (strstr(c, fw[i].seq))
            return fail(out, &F_EMAIL, "charset", "含有全角符号，请切换到英文输入法",
                        "contains a full-width '%s' (switch the input method to English)",
                        fw[i].name);
    return fail(out, &F_EMAIL, "charset", "只能包含英文字母、数字和符号",
                "character %ld is not ASCII; only plain ASCII addresses are accepted", at + 1);
}

static int email_domain(rk_valid *out, const char *dom, size_t dl)
{
    size_t start = 0, labels = 0;
    if (dl == 0) return fail(out, &F_EMAIL, "domain", "@后面缺少域名", "nothing after the '@'");
    if (dl > 253)
        return fail(out, &F_EMAIL, "domain", "域名过长", "the domain is over 253 characters");
    for (size_t i = 0; i < dl; i++) {
        char ch = dom[i];
        if (ch == ',')
            return fail(out, &F_EMAIL, "domain", "域名中有逗号，应为句点",
                        "the domain '%.60s' contains ',': did you mean '.'?", dom);
        if (ch != '.' && ch != '-' && !is_digit(ch) && !((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z'))
            return fail(out, &F_EMAIL, "domain", "域名含有不允许的字符",
                        "the domain '%.60s' contains '%c', which is not allowed", dom, ch);
    }
    for (size_t i = 0; i <= dl; i++) {
        if (i < dl && dom[i] != '.') continue;
        size_t ll = i - start;
        labels++;
        if (ll == 0)
            return fail(out, &F_EMAIL, "domain", "域名中有多余或缺少的句点",
                        "the domain '%.60s' has an empty part (two dots, or a dot at its start "
                        "or end)",
                        dom);
        if (ll > 63)
            return fail(out, &F_EMAIL, "domain", "域名的一段过长",
                        "a part of the domain is over 63 characters");
        if (dom[start] == '-' || dom[i - 1] == '-')
            return fail(out, &F_EMAIL, "domain", "域名的一段以连字符开头或结尾",
                        "a part of the domain '%.60s' starts or ends with '-'", dom);
        if (i == dl) {
            if (labels < 2)
                return fail(out, &F_EMAIL, "domain", "域名缺少句点（例如 example.com）",
                            "the domain '%.60s' has no dot (like example.com)", dom);
            if (ll < 2)
                return fail(out, &F_EMAIL, "tld", "顶级域名无效",
                            "the top-level domain '%.60s' is shorter than 2 letters", dom + start);
            for (size_t k = start; k < dl; k++)
                if (!((dom[k] | 0x20) >= 'a' && (dom[k] | 0x20) <= 'z'))
                    return fail(out, &F_EMAIL, "tld", "顶级域名无效",
                                "the top-level domain '%.60s' must be letters only", dom + start);
        }
        start = i + 1;
    }
    return 0;
}

static int email_n(rk_valid *out, const char *s, size_t n)
{
    char c[RK_VALID_EMAIL_MAX + 1];
    size_t len, ats = 0, at = 0;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = prep(out, &F_EMAIL, s, n, RK_VALID_EMAIL_MAX, c, &len)) != 0) return rc;
    if ((rc = email_non_ascii(out, c, len)) != 0) return rc;
    for (size_t i = 0; i < len; i++) {
        if (c[i] == ' ')
            return fail(out, &F_EMAIL, "space", "不能包含空格", "contains a space at position %zu",
                        i + 1);
        if (c[i] == '@') {
            ats++;
            at = i;
        }
    }
    if (ats == 0) return fail(out, &F_EMAIL, "missing_at", "缺少@符号", "has no '@'");
    if (ats > 1)
        return fail(out, &F_EMAIL, "multiple_at", "只能有一个@符号",
                    "has %zu '@' signs; an address has exactly one", ats);
    if (at == 0)
        return fail(out, &F_EMAIL, "local_part", "@前面缺少用户名", "nothing before the '@'");
    if (at > 64)
        return fail(out, &F_EMAIL, "local_part", "@前面的用户名过长",
                    "the part before the '@' is over 64 characters");
    if (c[0] == '.' || c[at - 1] == '.')
        return fail(out, &F_EMAIL, "local_part", "@前面的用户名不能以句点开头或结尾",
                    "the part before the '@' starts or ends with a dot");
    for (size_t i = 0; i < at; i++) {
        if (c[i] == '.' && c[i + 1] == '.')
            return fail(out, &F_EMAIL, "local_part", "@前面的用户名有连续的句点",
                        "the part before the '@' has two dots in a row");
        if (c[i] != '.' && !email_atext(c[i]))
            return fail(out, &F_EMAIL, "local_part", "@前面的用户名含有不允许的字符",
                        "the character '%c' is not allowed before the '@'", c[i]);
    }
    if ((rc = email_domain(out, c + at + 1, len - at - 1)) != 0) return rc;
    for (size_t i = at + 1; i < len; i++)
        if (c[i] >= 'A' && c[i] <= 'Z') c[i] = (char)(c[i] - 'A' + 'a');
    memcpy(out->normalized, c, len + 1);
    return pass(out, &F_EMAIL);
}

static int date_n(rk_valid *out, const char *s, size_t n)
{
    char c[RK_VALID_INPUT_MAX + 1];
    size_t len;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = prep(out, &F_DATE, s, n, RK_VALID_INPUT_MAX, c, &len)) != 0) return rc;
    int shape = len == 10 && c[4] == '-' && c[7] == '-';
    for (int i = 0; shape && i < 10; i++)
        if (i != 4 && i != 7 && !is_digit(c[i])) shape = 0;
    if (!shape)
        return fail(out, &F_DATE, "format", "格式应为YYYY-MM-DD",
                    "must be written YYYY-MM-DD (like 2024-02-29)");
    int y = num(c, 4), m = num(c + 5, 2), d = num(c + 8, 2);
    if (!calendar_date(y, m, d))
        return fail(out, &F_DATE, "date", "日期不存在", "%.10s is not a calendar date", c);
    if (y < 1900 || y > 2199)
        return fail(out, &F_DATE, "range", "年份应在1900至2199之间",
                    "%.10s is outside 1900 to 2199", c);
    out->year = y;
    out->month = m;
    out->day = d;
    memcpy(out->normalized, c, 11);
    return pass(out, &F_DATE);
}

static int ssn_n(rk_valid *out, const char *s, size_t n)
{
    char c[RK_VALID_INPUT_MAX + 1];
    size_t len;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = prep(out, &F_SSN, s, n, RK_VALID_INPUT_MAX, c, &len)) != 0) return rc;
    if ((rc = refuse_non_ascii(out, &F_SSN, c, len)) != 0) return rc;
    if (len < 6 || len > 20)
        return fail(out, &F_SSN, "length", "应为6至20位",
                    "has %zu characters; a unit's social-security number has 6 to 20", len);
    upper(c, len);
    for (size_t i = 0; i < len; i++)
        if (!is_digit(c[i]) && !(c[i] >= 'A' && c[i] <= 'Z'))
            return fail(out, &F_SSN, "charset", "只能包含数字和大写字母",
                        "character %zu ('%c') is not a digit or letter", i + 1, c[i]);
    memcpy(out->normalized, c, len + 1);
    return pass(out, &F_SSN);
}

/* ---- public entry points ------------------------------------------------- */

typedef int (*validator_n)(rk_valid *out, const char *s, size_t n);

static const struct {
    const char *name;
    validator_n fn;
} kinds[] = {{"id", id_n},       {"uscc", uscc_n}, {"orgcode", orgcode_n}, {"mobile", mobile_n},
             {"email", email_n}, {"date", date_n}, {"ssn", ssn_n},         {"ssn_person", id_n}};

static size_t bounded_len(const char *s)
{
    return s ? strnlen(s, RK_VALID_SCAN_MAX + 1) : 0;
}

int rk_validate_id(rk_valid *out, const char *s)
{
    return id_n(out, s, bounded_len(s));
}

int rk_validate_uscc(rk_valid *out, const char *s)
{
    return uscc_n(out, s, bounded_len(s));
}

int rk_validate_uscc_in(rk_valid *out, const char *s, const rk_validate_rules *rules)
{
    return uscc_rules(out, s, bounded_len(s), rules);
}

int rk_validate_by_name_in(rk_valid *out, const char *kind, const char *value,
                           const rk_validate_rules *rules)
{
    if (kind && !strcmp(kind, "uscc")) return rk_validate_uscc_in(out, value, rules);
    return rk_validate_by_name(out, kind, value);
}

int rk_validate_orgcode(rk_valid *out, const char *s)
{
    return orgcode_n(out, s, bounded_len(s));
}

int rk_validate_mobile(rk_valid *out, const char *s)
{
    return mobile_n(out, s, bounded_len(s));
}

int rk_validate_email(rk_valid *out, const char *s)
{
    return email_n(out, s, bounded_len(s));
}

int rk_validate_date(rk_valid *out, const char *s)
{
    return date_n(out, s, bounded_len(s));
}

int rk_validate_ssn(rk_valid *out, const char *s)
{
    return ssn_n(out, s, bounded_len(s));
}

static validator_n find_kind(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kind, kinds[i].name)) return kinds[i].fn;
    return NULL;
}

int rk_validate_kind_known(const char *kind)
{
    return find_kind(kind) != NULL;
}

int rk_validate_by_name_n(rk_valid *out, const char *kind, const char *value, size_t len)
{
    validator_n fn = find_kind(kind);
    if (fn) return fn(out, value, len);
    static const field any = {"field kind", "字段类型"};
    memset(out, 0, sizeof *out);
    return fail(out, &any, "unknown_kind", "未知的校验类型",
                "'%.40s' is not one of id, uscc, orgcode, mobile, email, date, ssn, ssn_person",
                kind ? kind : "(none)");
}

int rk_validate_by_name(rk_valid *out, const char *kind, const char *value)
{
    return rk_validate_by_name_n(out, kind, value, bounded_len(value));
}
