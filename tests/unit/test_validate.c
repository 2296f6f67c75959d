/*
 * Tests of the identifier validators (domain/validate.h).
 *
 * Most cases are generated: thousands of ID numbers, credit codes and
 * organisation codes built from random parts with a seeded PRNG, whose check
 * characters come from reference implementations written here independently
 * (the recursive ISO 7064 form, weights derived as powers), so the library's
 * own check functions are tested rather than trusted. Every single-character
 * substitution of a sample must then be refused. Hand-written cases cover
 * each reason code, trimming, the input caps, leap days and the clock.
 */
#include "test.h"

#include "domain/validate.h"
#include "util/clock.h"
#include "util/err.h"

#include <stdint.h>
#include <time.h>

static const char USCC_ALPHA[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int64_t fixed_now;

static int64_t fixed_clock(void *arg)
{
    (void)arg;
    return fixed_now;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11) % n;
}

/* 1 if s is well-formed UTF-8. */
static int utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : -1;
        if (n < 0) return 0;
        p++;
        for (int i = 0; i < n; i++, p++)
            if ((*p & 0xC0) != 0x80) return 0;
    }
    return 1;
}

/* The branch rules expect() validates under (NULL: none). */
static const rk_validate_rules *g_rules;

/* Runs validator kind on s and checks the verdict and reason; also the
 * contract: return code, rk_err_msg() == message, messages present. */
static void expect(const char *kind, const char *s, int ok, int warning, const char *reason,
                   const char *in_message, int line)
{
    rk_valid v;
    rk_err_clear();
    int rc =
        g_rules ? rk_validate_by_name_in(&v, kind, s, g_rules) : rk_validate_by_name(&v, kind, s);
    int good = v.ok == ok && v.warning == warning && !strcmp(v.reason, reason) &&
               rc == (ok ? 0 : RK_EINVAL) && v.message[0] && v.message_zh[0] &&
               utf8_ok(v.message_zh) && utf8_ok(v.message) &&
               (ok || !strcmp(rk_err_msg(), v.message)) && (!ok || v.normalized[0]) &&
               (!in_message || strstr(v.message, in_message));
    if (good) {
        rk_test_passed++;
    } else {
        rk_test_failed++;
        fprintf(stderr,
                "line %d: %s '%s': rc=%d ok=%d warning=%d reason=%s message=\"%s\"; expected "
                "ok=%d warning=%d reason=%s message with \"%s\"\n",
                line, kind, s ? s : "(null)", rc, v.ok, v.warning, v.reason, v.message, ok, warning,
                reason, in_message ? in_message : "");
    }
}

#define VALID(kind, s)             expect(kind, s, 1, 0, "", NULL, __LINE__)
#define WARNS(kind, s, reason)     expect(kind, s, 1, 1, reason, NULL, __LINE__)
#define INVALID(kind, s, reason)   expect(kind, s, 0, 0, reason, NULL, __LINE__)
#define INVALID_M(kind, s, r, msg) expect(kind, s, 0, 0, r, msg, __LINE__)

/* ---- reference check characters, written independently of the library ---- */

static char ref_id_check(const char *d17)
{
    int p = 0; /* ISO 7064 MOD 11-2, recursive form */
    for (int i = 0; i < 17; i++)
        p = ((p + (d17[i] - '0')) * 2) % 11;
    int c = (12 - p) % 11;
    return c == 10 ? 'X' : (char)('0' + c);
}

static char ref_uscc_check(const char *c17)
{
    int sum = 0, w = 1;
    for (int i = 0; i < 17; i++, w = w * 3 % 31)
        sum += (int)(strchr(USCC_ALPHA, c17[i]) - USCC_ALPHA) * w;
    return USCC_ALPHA[(31 - sum % 31) % 31];
}

static char ref_org_check(const char *c8)
{
    static const int w[] = {3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 8; i++)
        sum += (c8[i] <= '9' ? c8[i] - '0' : c8[i] - 'A' + 10) * w[i];
    int c = (11 - sum % 11) % 11;
    return c == 10 ? 'X' : (char)('0' + c);
}

/* Builds "first17 + check" for the ID helpers. */
static const char *with_check(char *buf, const char *first17)
{
    memcpy(buf, first17, 17);
    buf[17] = ref_id_check(first17);
    buf[18] = '\0';
    return buf;
}

static const int PROVINCES[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41,
                                42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65};
#define N_PROVINCES ((int)(sizeof PROVINCES / sizeof PROVINCES[0]))

static void gen_id(char out[19], int *y, int *m, int *d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    *y = 1900 + (int)rnd(126); /* up to 2025: the clock says 2026-03-02 */
    *m = 1 + (int)rnd(12);
    int leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
    *d = 1 + (int)rnd((uint32_t)(mdays[*m - 1] + (*m == 2 && leap)));
    char first[18];
    snprintf(first, sizeof first, "%02d%04u%04d%02d%02d%03u", PROVINCES[rnd(N_PROVINCES)],
             rnd(10000), *y, *m, *d, rnd(1000));
    with_check(out, first);
}

static void gen_uscc(char out[19])
{
    static const char *const pairs[] = {"11", "12", "13", "19", "21", "29", "31", "32", "33",
                                        "34", "35", "39", "41", "49", "51", "52", "53", "59",
                                        "61", "62", "69", "71", "72", "79", "81", "89", "91",
                                        "92", "93", "A1", "A9", "N1", "N2", "N3", "N9", "Y1"};
    memcpy(out, pairs[rnd(36)], 2);
    int p = rnd(10) == 0 ? 10 : PROVINCES[rnd(N_PROVINCES)];
    snprintf(out + 2, 7, "%02d%04u", p, rnd(10000));
    for (int i = 8; i < 16; i++)
        out[i] = USCC_ALPHA[rnd(31)];
    out[16] = ref_org_check(out + 8);
    out[17] = ref_uscc_check(out);
    out[18] = '\0';
}

static void gen_org(char out[10])
{
    static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (int i = 0; i < 8; i++)
        out[i] = alnum[rnd(36)];
    out[8] = ref_org_check(out);
    out[9] = '\0';
}

/* ---- ID numbers ------------------------------------------------------------ */

static void test_id_known(void)
{
    rk_valid v;
    CHECK_INT(rk_validate_id(&v, "11010519491231002X"), 0);
    CHECK(v.ok && !v.warning);
    CHECK_STR(v.normalized, "11010519491231002X");
    CHECK_INT(v.kind, RK_ID_RESIDENT);
    CHECK_INT(v.year, 1949);
    CHECK_INT(v.month, 12);
    CHECK_INT(v.day, 31);
    CHECK_INT(v.sex, 'F');
    CHECK_STR(v.region, "110105");
    CHECK(strstr(v.message, "1949-12-31") && strstr(v.message, "female"));

    CHECK_INT(rk_validate_id(&v, "11010519491231002x"), 0); /* lower-case x */
    CHECK_STR(v.normalized, "11010519491231002X");
    CHECK_INT(rk_validate_id(&v, " \t11010519491231002X\r\n"), 0);
    CHECK_STR(v.normalized, "11010519491231002X");
    CHECK_INT(rk_validate_id(&v, "\xE3\x80\x80"
                                 "11010519491231002X\xC2\xA0"),
              0); /* ideographic and no-break spaces */
    CHECK_STR(v.normalized, "11010519491231002X");

    CHECK_INT(rk_validate_id(&v, "110105491231002"), 0); /* the old 15 digits */
    CHECK_STR(v.normalized, "11010519491231002X");
    CHECK_INT(v.kind, RK_ID_RESIDENT15);
    CHECK_INT(v.year, 1949);
    CHECK_INT(v.sex, 'F');
    CHECK_STR(v.region, "110105");

    char b[19];
    CHECK_INT(rk_validate_id(&v, with_check(b, "44030419880808001")), 0);
    CHECK_INT(v.sex, 'M');
    CHECK_INT(rk_id_check_char("11010519491231002"), 'X');
    CHECK_INT(rk_id_check_char("1101051949123100"), RK_EINVAL); /* 16 digits, then NUL */
    CHECK_INT(rk_id_check_char("1101051949123100A"), RK_EINVAL);
    CHECK_INT(rk_id_check_char(NULL), RK_EINVAL);
}

static void test_id_errors(void)
{
    char b[19];
    INVALID_M("id", "11010519491231002", "length", "17 characters");
    INVALID_M("id", "11010519491231002X1", "length", "19 characters");
    INVALID_M("id", "1101051949123100AX", "charset", "character 17");
    INVALID_M("id", "11010519491231002Y", "charset", "last character");
    INVALID_M("id", "1101051949 231002X", "charset", "character 11");
    INVALID("id", "１１０１０５１９４９１２３１００２Ｘ", "charset"); /* full-width digits */
    VALID("id", "11010519491231002x ");
    INVALID_M("id", with_check(b, "00010519491231002"), "region", "region code 000105");
    INVALID_M("id", with_check(b, "72010519491231002"), "region", "province");
    INVALID_M("id", with_check(b, "81123419900101123"), "region", "810000");
    INVALID_M("id", with_check(b, "11010519490230002"), "birth_date",
              "impossible birth date 1949-02-30");
    INVALID_M("id", with_check(b, "11010519491301002"), "birth_date", "1949-13-01");
    INVALID_M("id", with_check(b, "11010518991231002"), "birth_range", "before 1900");
    INVALID_M("id", with_check(b, "11010520260303002"), "birth_future", "2026-03-03");
    VALID("id", with_check(b, "11010520260302002")); /* born today */
    VALID("id", with_check(b, "11010520000229002"));
    INVALID_M("id", with_check(b, "11010519000229002"), "birth_date", "1900-02-29");
    INVALID_M("id", "110105490230002", "birth_date", "1949-02-30"); /* 15 digits */
    INVALID_M("id", "810000491231002", "region", "mainland");
    INVALID_M("id", "11010519491231003X", "checksum", "check character");
    INVALID_M("id", "110105194912310021", "checksum", "does not match");
    INVALID("id", "", "empty");
    INVALID("id", " \t ", "empty");
    INVALID("id", NULL, "empty");
    INVALID_M("id", "1101051949\t1231002X", "control", "position 11");
    INVALID_M("id", "11010519491231002X\x7f", "control", "control character");
    INVALID_M("id", "11010519491231002X11010519491231002X11010519491231002X11010519491", "too_long",
              "65 bytes");

    /* a NUL inside, through the length-taking entry */
    rk_valid v;
    CHECK_INT(rk_validate_by_name_n(&v, "id",
                                    "1101051949\0"
                                    "1231002X",
                                    19),
              RK_EINVAL);
    CHECK_STR(v.reason, "control");
    CHECK(strstr(v.message, "NUL") != NULL);
    CHECK_INT(rk_validate_by_name_n(&v, "id", "11010519491231002X--", 18), 0); /* len honoured */

    /* a huge input is refused without reading all of it */
    static char huge[5000];
    memset(huge, '1', sizeof huge - 1);
    INVALID("id", huge, "too_long");
    memset(huge, ' ', sizeof huge - 1);
    INVALID("id", huge, "too_long");
}

static void test_id_permits(void)
{
    char b[19];
    rk_valid v;
    CHECK_INT(rk_validate_id(&v, with_check(b, "81000019900101123")), 0);
    CHECK_INT(v.kind, RK_ID_PERMIT_HMT);
    CHECK(strstr(v.message, "Hong Kong") != NULL);
    CHECK_INT(rk_validate_id(&v, with_check(b, "82000019900101124")), 0);
    CHECK_INT(v.kind, RK_ID_PERMIT_HMT);
    CHECK(strstr(v.message, "Macau") != NULL);
    CHECK_INT(v.sex, 'F');
    CHECK_INT(rk_validate_id(&v, with_check(b, "83000019900101123")), 0);
    CHECK(strstr(v.message, "Taiwan") != NULL);
    CHECK_INT(rk_validate_id(&v, with_check(b, "71010219900101123")), 0);
    CHECK_INT(v.kind, RK_ID_RESIDENT);

    /* foreigners' permanent residence ID, 2023 format */
    CHECK_INT(rk_validate_id(&v, with_check(b, "93115619850612001")), 0);
    CHECK_INT(v.kind, RK_ID_FOREIGN_PR);
    CHECK_STR(v.nationality, "156");
    CHECK_STR(v.region, "310000");
    CHECK_INT(v.year, 1985);
    CHECK_INT(v.month, 6);
    CHECK_INT(v.day, 12);
    CHECK_INT(v.sex, 'M');
    INVALID_M("id", with_check(b, "97115619850612001"), "region", "province code 71");
    INVALID("id", with_check(b, "99915619850612001"), "region");
    INVALID_M("id", with_check(b, "93100019850612001"), "nationality", "000");
    INVALID("id", with_check(b, "93115619850631001"), "birth_date");
    INVALID("id", with_check(b, "93115620990101001"), "birth_future");
    with_check(b, "93115619850612001");
    b[17] = b[17] == '0' ? '1' : '0';
    INVALID("id", b, "checksum");
}

static void test_id_generated(void)
{
    char ids[2000][19];
    int bad = 0, mismatched_ref = 0;
    for (int i = 0; i < 2000; i++) {
        int y, m, d;
        rk_valid v;
        gen_id(ids[i], &y, &m, &d);
        if (rk_id_check_char(ids[i]) != ids[i][17]) mismatched_ref++;
        if (rk_validate_id(&v, ids[i]) != 0 || !v.ok || v.warning || v.year != y || v.month != m ||
            v.day != d || strcmp(v.normalized, ids[i]) || memcmp(v.region, ids[i], 6) ||
            v.sex != ((ids[i][16] - '0') % 2 ? 'M' : 'F')) {
            if (bad++ < 5) fprintf(stderr, "generated ID %s: %s\n", ids[i], v.message);
        }
        /* the 15-digit form of those from the 1900s converts back */
        if (y < 2000) {
            char old[16];
            memcpy(old, ids[i], 6);
            memcpy(old + 6, ids[i] + 8, 9);
            old[15] = '\0';
            if (rk_validate_id(&v, old) != 0 || strcmp(v.normalized, ids[i])) bad++;
        }
    }
    CHECK_INT(mismatched_ref, 0);
    CHECK_INT(bad, 0);

    /* every single substitution (digits and X) of 150 of them fails, and the
     * check character alone catches each; so does every adjacent swap */
    static const char alpha[] = "0123456789X";
    int accepted = 0, check_missed = 0, swaps_missed = 0, tried = 0;
    for (int i = 0; i < 150; i++) {
        for (int pos = 0; pos < 18; pos++) {
            for (int k = 0; alpha[k]; k++) {
                char mut[19];
                rk_valid v;
                if (alpha[k] == ids[i][pos]) continue;
                memcpy(mut, ids[i], 19);
                mut[pos] = alpha[k];
                tried++;
                if (rk_validate_id(&v, mut) == 0 || v.ok) accepted++;
                if (pos < 17 && alpha[k] != 'X' && rk_id_check_char(mut) == mut[17]) check_missed++;
            }
            if (pos < 16 && ids[i][pos] != ids[i][pos + 1]) {
                char sw[19];
                memcpy(sw, ids[i], 19);
                sw[pos] = ids[i][pos + 1];
                sw[pos + 1] = ids[i][pos];
                if (rk_id_check_char(sw) == sw[17]) swaps_missed++;
            }
        }
    }
    CHECK(tried > 150 * 17 * 10);
    CHECK_INT(accepted, 0);
    CHECK_INT(check_missed, 0);
    CHECK_INT(swaps_missed, 0);
    printf("ID: 2000 generated valid, %d single substitutions all refused\n", tried);
}

/* ---- credit codes and organisation codes ----------------------------------- */

static void test_uscc(void)
{
    rk_valid v;
    /* the example printed in GB 32100-2015 */
    CHECK_INT(rk_validate_uscc(&v, "91350100M000100Y43"), 0);
    CHECK(v.ok && !v.warning);
    CHECK_STR(v.region, "350100");
    CHECK_INT(rk_uscc_check_char("91350100M000100Y4"), '3');
    CHECK_INT(rk_uscc_check_char("91350100M000100I4"), RK_EINVAL);
    CHECK_INT(rk_uscc_check_char("9135"), RK_EINVAL);
    CHECK_INT(rk_orgcode_check_char("M000100Y"), '4');
    CHECK_INT(rk_orgcode_check_char("m000100Y"), RK_EINVAL);

    CHECK_INT(rk_validate_uscc(&v, " 91350100m000100y43 "), 0); /* lower case, trimmed */
    CHECK_STR(v.normalized, "91350100M000100Y43");

    INVALID_M("uscc", "91350100M000100Y4", "length", "17 characters");
    INVALID_M("uscc", "91350100M000100I43", "charset", "never used");
    INVALID_M("uscc", "91350100M000100_43", "charset", "character 16");
    INVALID_M("uscc", "14350100M000100Y43", "category", "'14'");
    INVALID_M("uscc", "B1350100M000100Y43", "category", NULL);
    INVALID_M("uscc", "9135A100M000100Y43", "region", "6 digits");
    INVALID_M("uscc", "91990100M000100Y43", "region", "province");
    INVALID_M("uscc", "91350100M000100Y53", "checksum", "does not match"); /* both fail */

    /* a pilot-region code: the organisation code inside holds, its own check
     * character does not, and its region 350100 is a configured pilot region */
    static const char pilots[][7] = {"440300", "350100"};
    rk_validate_rules rules = {pilots, 2};
    char c[19];
    memcpy(c, "91350100M000100Y43", 19);
    c[17] = '7';
    g_rules = &rules;
    WARNS("uscc", c, "pilot_code");
    g_rules = NULL;
    CHECK_INT(rk_validate_uscc_in(&v, c, &rules), 0);
    CHECK(strstr(v.message, "pilot") && strstr(v.message, "clerk"));
    CHECK_STR(v.normalized, c);
    /* the clerk's clause once, in both languages */
    CHECK(strstr(strstr(v.message, "clerk") + 1, "clerk") == NULL);
    CHECK(strstr(strstr(v.message_zh, "工作人员") + 1, "工作人员") == NULL);
    CHECK(strstr(v.message, "350100") != NULL);
    /* outside the pilot regions the same code is mistyped: no rules, or a
     * list without its region */
    INVALID_M("uscc", c, "checksum", "not a pilot region");
    CHECK_INT(rk_validate_uscc(&v, c), RK_EINVAL);
    rules.n_uscc_pilot_regions = 1; /* 440300 only */
    CHECK_INT(rk_validate_uscc_in(&v, c, &rules), RK_EINVAL);
    CHECK_STR(v.reason, "checksum");

    /* the converse: own check holds, the organisation code's does not */
    memcpy(c, "91350100M000100Y43", 19);
    c[16] = '5';
    c[17] = (char)rk_uscc_check_char(c);
    WARNS("uscc", c, "org_code_checksum");
    INVALID("uscc", "", "empty");
    INVALID("uscc", "91350100M000100Y43\n91350100M000100Y43", "control");
}

static void test_uscc_generated(void)
{
    char codes[2000][19];
    int bad = 0, ref = 0;
    for (int i = 0; i < 2000; i++) {
        rk_valid v;
        gen_uscc(codes[i]);
        if (rk_uscc_check_char(codes[i]) != codes[i][17] ||
            rk_orgcode_check_char(codes[i] + 8) != codes[i][16])
            ref++;
        if (rk_validate_uscc(&v, codes[i]) != 0 || !v.ok || v.warning ||
            strcmp(v.normalized, codes[i]))
            if (bad++ < 5) fprintf(stderr, "generated USCC %s: %s\n", codes[i], v.message);
    }
    CHECK_INT(ref, 0);
    CHECK_INT(bad, 0);

    /* every substitution of every position by every other character of the
     * alphabet: the credit check fails (always), and none is plainly valid;
     * those inside the organisation code (9-17) fail the credit check too */
    int tried = 0, plain_ok = 0, credit_missed = 0, hard = 0, warned = 0, org_part_ok = 0;
    for (int i = 0; i < 150; i++) {
        for (int pos = 0; pos < 18; pos++) {
            for (int k = 0; USCC_ALPHA[k]; k++) {
                char mut[19];
                rk_valid v;
                if (USCC_ALPHA[k] == codes[i][pos]) continue;
                memcpy(mut, codes[i], 19);
                mut[pos] = USCC_ALPHA[k];
                tried++;
                int rc = rk_validate_uscc(&v, mut);
                if (v.ok && !v.warning) plain_ok++;
                if (pos >= 8 && pos <= 16 && v.ok && !v.warning) org_part_ok++;
                if (rk_uscc_check_char(mut) == mut[17]) credit_missed++;
                if (rc) {
                    hard++;
                } else {
                    warned++;
                    CHECK(!strcmp(v.reason, "pilot_code"));
                }
            }
        }
    }
    CHECK(tried == 150 * 18 * 30);
    CHECK_INT(plain_ok, 0);
    CHECK_INT(org_part_ok, 0);
    CHECK_INT(credit_missed, 0);
    CHECK_INT(warned, 0); /* no pilot region: every substitution is refused */
    printf("USCC: 2000 generated valid; %d substitutions: %d refused, %d only warned "
           "(pilot_code)\n",
           tried, hard, warned);

    /* With each code's own region a pilot region: every substitution of the
     * check character warns (there a mistyped one cannot be told from an
     * early code), none inside the region does (it leaves the pilot region),
     * and inside the organisation code only those that happen to keep its
     * own check (about 1 in 11). */
    int pilot_warned = 0, pilot_in_region = 0, final_warned = 0, final_tried = 0;
    for (int i = 0; i < 150; i++) {
        char region[1][7];
        memcpy(region[0], codes[i] + 2, 6);
        region[0][6] = '\0';
        rk_validate_rules own = {region, 1};
        for (int pos = 0; pos < 18; pos++) {
            for (int k = 0; USCC_ALPHA[k]; k++) {
                char mut[19];
                rk_valid v;
                if (USCC_ALPHA[k] == codes[i][pos]) continue;
                memcpy(mut, codes[i], 19);
                mut[pos] = USCC_ALPHA[k];
                if (rk_validate_uscc_in(&v, mut, &own) == 0) {
                    pilot_warned++;
                    if (pos >= 2 && pos <= 7) pilot_in_region++;
                    if (pos == 17) final_warned++;
                }
                if (pos == 17) final_tried++;
            }
        }
    }
    CHECK_INT(pilot_in_region, 0);
    CHECK_INT(final_warned, final_tried);
    printf("USCC in their own pilot region: %d of %d substitutions warned (%d of them the check "
           "character)\n",
           pilot_warned, tried, final_warned);
}

static void test_orgcode(void)
{
    rk_valid v;
    CHECK_INT(rk_validate_orgcode(&v, "M000100Y4"), 0);
    CHECK_STR(v.normalized, "M000100Y4");
    CHECK_INT(rk_validate_orgcode(&v, "m000100y-4"), 0);
    CHECK_STR(v.normalized, "M000100Y4");
    INVALID_M("orgcode", "M000100Y5", "checksum", "does not match");
    INVALID_M("orgcode", "M000100Y-5", "checksum", NULL);
    INVALID_M("orgcode", "M000100Y", "length", "8 characters");
    INVALID_M("orgcode", "M000100-Y4", "length", NULL);
    INVALID_M("orgcode", "M0001_0Y4", "charset", "character 6");
    INVALID_M("orgcode", "M000100YA", "charset", "check character");

    char codes[2000][10];
    int bad = 0, ref = 0;
    for (int i = 0; i < 2000; i++) {
        char hy[11];
        gen_org(codes[i]);
        if (rk_orgcode_check_char(codes[i]) != codes[i][8]) ref++;
        if (rk_validate_orgcode(&v, codes[i]) != 0 || strcmp(v.normalized, codes[i])) bad++;
        snprintf(hy, sizeof hy, "%.8s-%c", codes[i], codes[i][8]);
        if (rk_validate_orgcode(&v, hy) != 0 || strcmp(v.normalized, codes[i])) bad++;
    }
    CHECK_INT(ref, 0);
    CHECK_INT(bad, 0);

    /* MOD 11 over 36 symbols: a substitution is caught unless the two
     * values differ by a multiple of 11 (0<->B, 1<->C ...); digits always */
    static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    int wrong = 0, digit_missed = 0, tried = 0;
    for (int i = 0; i < 150; i++) {
        for (int pos = 0; pos < 9; pos++) {
            const char *alpha = pos < 8 ? alnum : "0123456789X";
            for (int k = 0; alpha[k]; k++) {
                char mut[10];
                if (alpha[k] == codes[i][pos]) continue;
                memcpy(mut, codes[i], 10);
                mut[pos] = alpha[k];
                tried++;
                int rc = rk_validate_orgcode(&v, mut);
                int diff = pos < 8 ? (int)(strchr(alnum, mut[pos]) - alnum) -
                                         (int)(strchr(alnum, codes[i][pos]) - alnum)
                                   : 1;
                int expect_ok = diff % 11 == 0;
                if ((rc == 0) != expect_ok) wrong++;
                if (rc == 0 && pos < 8 && mut[pos] <= '9' && codes[i][pos] <= '9') digit_missed++;
            }
        }
    }
    CHECK_INT(wrong, 0);
    CHECK_INT(digit_missed, 0);
    printf("orgcode: 2000 generated valid; %d substitutions checked\n", tried);
}

/* ---- mobile, e-mail, date, social security, dispatch ------------------------ */

static void test_mobile(void)
{
    rk_valid v;
    CHECK_INT(rk_validate_mobile(&v, "13812345678"), 0);
    CHECK_STR(v.normalized, "13812345678");
    CHECK_INT(rk_validate_mobile(&v, "+86 138-1234-5678"), 0);
    CHECK_STR(v.normalized, "13812345678");
    CHECK_INT(rk_validate_mobile(&v, "0086 19912345678"), 0);
    CHECK_STR(v.normalized, "19912345678");
    CHECK_INT(rk_validate_mobile(&v, " 138 1234 5678 "), 0);
    CHECK_STR(v.normalized, "13812345678");
    VALID("mobile", "+8613812345678");
    INVALID_M("mobile", "+85291234567", "country", "+86");
    INVALID_M("mobile", "1381234567", "length", "10 digits");
    INVALID_M("mobile", "138123456789", "length", "12 digits");
    INVALID_M("mobile", "8613812345678", "length", "13 digits");
    INVALID_M("mobile", "+86", "length", "0 digits");
    INVALID_M("mobile", "12812345678", "prefix", "13 to 19");
    INVALID_M("mobile", "01012345678", "prefix", NULL);
    INVALID_M("mobile", "138123456a8", "charset", "character 10");
    INVALID_M("mobile", "138+12345678", "charset", "'+'");
    INVALID_M("mobile", "138.1234.5678", "charset", NULL);
    INVALID("mobile", "１３８１２３４５６７８", "charset");
    INVALID("mobile", "", "empty");
}

static void test_email(void)
{
    rk_valid v;
    CHECK_INT(rk_validate_email(&v, " Zhang.San+inv@Mail.Example.COM "), 0);
    CHECK_STR(v.normalized, "Zhang.San+inv@mail.example.com");
    VALID("email", "a@b.cn");
    VALID("email", "o'brien_x-y@sub-domain.example.org");
    char local64[80], longok[200];
    memset(local64, 'a', 64);
    strcpy(local64 + 64, "@x.com");
    VALID("email", local64);
    memset(longok, 'b', 60);
    snprintf(longok + 60, sizeof longok - 60, "@%s.example.com",
             "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc");
    VALID("email", longok); /* over the 64-byte cap of the other kinds */
    local64[64] = 'a';
    strcpy(local64 + 65, "@x.com");
    INVALID_M("email", local64, "local_part", "64");

    INVALID_M("email", "zhangsan.example.com", "missing_at", "no '@'");
    INVALID_M("email", "a@@b.com", "multiple_at", "2 '@'");
    INVALID_M("email", "zhang san@qq.com", "space", "position 6");
    INVALID_M("email", "@qq.com", "local_part", "nothing before");
    INVALID_M("email", ".a@qq.com", "local_part", "dot");
    INVALID_M("email", "a.@qq.com", "local_part", "dot");
    INVALID_M("email", "a..b@qq.com", "local_part", "two dots");
    INVALID_M("email", "a(b)@qq.com", "local_part", "'('");
    INVALID_M("email", "a,b@qq.com", "local_part", "','");
    INVALID_M("email", "zhangsan@gmail,com", "domain", "did you mean '.'");
    INVALID_M("email", "zhangsan@gmail", "domain", "no dot");
    INVALID_M("email", "zhangsan@", "domain", "nothing after");
    INVALID_M("email", "a@-x.com", "domain", "'-'");
    INVALID_M("email", "a@x-.com", "domain", "'-'");
    INVALID_M("email", "a@x..com", "domain", "empty part");
    INVALID_M("email", "a@.x.com", "domain", "empty part");
    INVALID_M("email", "a@x.com.", "domain", "empty part");
    INVALID_M("email", "a@x_y.com", "domain", "'_'");
    INVALID_M("email", "a@x.c", "tld", "2 letters");
    INVALID_M("email", "a@x.c0m", "tld", "letters only");
    INVALID_M("email", "a\xEF\xBC\xA0qq.com", "charset", "full-width '@'");
    INVALID_M("email",
              "a@qq\xE3\x80\x82"
              "com",
              "charset", "full-width '.'");
    INVALID_M("email", "\xE5\xBC\xA0@qq.com", "charset", "not ASCII");
    char label[100];
    memset(label, 'd', 64);
    strcpy(label + 64, ".com");
    char addr[120];
    snprintf(addr, sizeof addr, "a@%s", label);
    INVALID_M("email", addr, "domain", "63");
    char big[300];
    memset(big, 'e', 255);
    big[255] = '\0';
    big[10] = '@';
    INVALID("email", big, "too_long");
    INVALID("email", "a@b.com\x01", "control");
}

static void test_date(void)
{
    rk_valid v;
    CHECK_INT(rk_validate_date(&v, "2000-02-29"), 0);
    CHECK_INT(v.year * 10000 + v.month * 100 + v.day, 20000229);
    VALID("date", "2024-02-29");
    VALID("date", "1900-01-01");
    VALID("date", "2199-12-31");
    VALID("date", " 2024-12-31\n");
    INVALID_M("date", "1900-02-29", "date", "not a calendar date");
    INVALID_M("date", "2023-02-29", "date", "2023-02-29");
    INVALID("date", "2100-02-29", "date");
    INVALID("date", "2024-04-31", "date");
    INVALID("date", "2024-13-01", "date");
    INVALID("date", "2024-00-10", "date");
    INVALID("date", "2024-01-00", "date");
    INVALID_M("date", "1899-12-31", "range", "1900 to 2199");
    INVALID("date", "2200-01-01", "range");
    INVALID_M("date", "2024-2-29", "format", "YYYY-MM-DD");
    INVALID("date", "2024/02/29", "format");
    INVALID("date", "20240229", "format");
    INVALID("date", "2024-02-29T10:00", "format");
    INVALID("date", "+024-02-29", "format");
}

static void test_ssn_and_names(void)
{
    rk_valid v;
    VALID("ssn", "123456");
    VALID("ssn", "12345678901234567890");
    CHECK_INT(rk_validate_ssn(&v, "sb0012ab"), 0);
    CHECK_STR(v.normalized, "SB0012AB");
    INVALID_M("ssn", "12345", "length", "5 characters");
    INVALID_M("ssn", "123456789012345678901", "length", "21 characters");
    INVALID_M("ssn", "12-3456", "charset", "character 3");
    VALID("ssn_person", "11010519491231002X");
    INVALID("ssn_person", "110105194912310021", "checksum");

    CHECK_INT(rk_validate_by_name(&v, "passport", "E12345678"), RK_EINVAL);
    CHECK_STR(v.reason, "unknown_kind");
    CHECK(strstr(rk_err_msg(), "passport") != NULL);
    CHECK_INT(rk_validate_by_name(&v, NULL, "x"), RK_EINVAL);
    static const char *const known[] = {"id",    "uscc", "orgcode", "mobile",
                                        "email", "date", "ssn",     "ssn_person"};
    for (int i = 0; i < 8; i++)
        CHECK(rk_validate_kind_known(known[i]));
    CHECK(!rk_validate_kind_known("ID"));
    CHECK(!rk_validate_kind_known(""));
    CHECK(!rk_validate_kind_known(NULL));
}

int main(void)
{
    /* 2026-03-02 09:30 in Beijing; birth dates after it are in the future */
    CHECK_INT(rk_clock_parse(&fixed_now, "2026-03-02T09:30:00+08:00"), 0);
    setenv("TZ", "CST-8", 1); /* Beijing time without tzdata */
    tzset();
    rk_clock_set(fixed_clock, NULL);

    test_id_known();
    test_id_errors();
    test_id_permits();
    test_id_generated();
    test_uscc();
    test_uscc_generated();
    test_orgcode();
    test_mobile();
    test_email();
    test_date();
    test_ssn_and_names();
    rk_clock_set(NULL, NULL);
    return rk_test_done();
}
