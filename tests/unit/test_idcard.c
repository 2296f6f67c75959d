/*
 * ID card text blocks built by hand (UCS-2LE through glibc's iconv, at the
 * offsets of the card layouts) for a resident card, a foreigner's permanent
 * residence card ('I') and a Hong Kong/Macau/Taiwan residence permit ('J'),
 * decoded by the module; plus replies, surrogates, the code tables and the
 * WLT decoder plug-in point.
 */
#include "test.h"

#include "scan/idcard.h"
#include "util/err.h"

#include <iconv.h>

/* Writes UTF-8 s as UCS-2LE at block[off..off+len), padded with spaces. */
static void put(uint8_t *block, size_t off, size_t len, const char *s)
{
    iconv_t cd = iconv_open("UCS-2LE", "UTF-8");
    char *in = (char *)s, *out = (char *)block + off;
    size_t inl = strlen(s), outl = len;
    if (cd == (iconv_t)-1 || iconv(cd, &in, &inl, &out, &outl) == (size_t)-1 || inl) {
        fprintf(stderr, "iconv failed for '%s'\n", s);
        exit(2);
    }
    iconv_close(cd);
    for (size_t i = len - outl; i + 1 < len; i += 2) {
        block[off + i] = ' ';
        block[off + i + 1] = 0;
    }
}

static void blank(uint8_t *b)
{
    put(b, 0, RK_IDCARD_TEXT_LEN, "");
}

static void resident_block(uint8_t *b, const char *until)
{
    blank(b);
    put(b, 0, 30, "李小龙");
    put(b, 30, 2, "1");
    put(b, 32, 4, "03");
    put(b, 36, 16, "19701127");
    put(b, 52, 70, "广东省佛山市顺德区均安镇上村街道某某路一百二十三号之四");
    put(b, 122, 36, "440606197011270012");
    put(b, 158, 30, "佛山市公安局顺德分局");
    put(b, 188, 16, "20150601");
    put(b, 204, 16, until);
}

static void test_resident(void)
{
    uint8_t b[RK_IDCARD_TEXT_LEN];
    rk_idcard c;
    resident_block(b, "20350601");
    CHECK_INT(rk_idcard_decode_text(&c, b, sizeof b), 0);
    CHECK_INT(c.type, RK_IDCARD_RESIDENT);
    CHECK_STR(c.name, "李小龙");
    CHECK_STR(c.sex_code, "1");
    CHECK_STR(rk_idcard_sex_name(c.sex_code, NULL), "男");
    CHECK_STR(c.nation_code, "03");
    CHECK_STR(rk_idcard_nation_name(c.nation_code, NULL), "回族");
    CHECK_STR(c.birth, "19701127");
    CHECK_STR(c.address, "广东省佛山市顺德区均安镇上村街道某某路一百二十三号之四");
    CHECK_STR(c.id_number, "440606197011270012");
    CHECK_STR(c.authority, "佛山市公安局顺德分局");
    CHECK_STR(c.valid_from, "20150601");
    CHECK_STR(c.valid_until, "20350601");
    CHECK_INT(c.long_term, 0);
    CHECK_STR(c.pass_number, "");

    /* Long-term validity; flag as NUL instead of space. */
    resident_block(b, "长期");
    b[248] = b[249] = 0;
    CHECK_INT(rk_idcard_decode_text(&c, b, sizeof b), 0);
    CHECK_STR(c.valid_until, "长期");
    CHECK_INT(c.long_term, 1);

    /* Round trip through the encoder the simulator uses. */
    uint8_t again[RK_IDCARD_TEXT_LEN];
    CHECK_INT(rk_idcard_encode_text(again, &c), 0);
    CHECK(!memcmp(again, b, 248));
    CHECK_INT(rk_idcard_decode_text(&c, b, 255), RK_EFORMAT);
}

static void test_foreign(void)
{
    uint8_t b[RK_IDCARD_TEXT_LEN];
    rk_idcard c;
    blank(b);
    put(b, 0, 120, "SMITH, JOHN ALEXANDER");
    put(b, 120, 2, "1");
    put(b, 122, 30, "USA110079060101");
    put(b, 152, 6, "USA");
    put(b, 158, 30, "史密斯");
    put(b, 188, 16, "20190304");
    put(b, 204, 16, "20290304");
    put(b, 220, 16, "19790601");
    put(b, 236, 4, "01");
    put(b, 240, 8, "1500");
    put(b, 248, 2, "I");
    CHECK_INT(rk_idcard_decode_text(&c, b, sizeof b), 0);
    CHECK_INT(c.type, RK_IDCARD_FOREIGN);
    CHECK_STR(c.name_en, "SMITH, JOHN ALEXANDER");
    CHECK_STR(c.name, "史密斯");
    CHECK_STR(c.sex_code, "1");
    CHECK_STR(c.id_number, "USA110079060101");
    CHECK_STR(c.nationality, "USA");
    CHECK_STR(c.valid_from, "20190304");
    CHECK_STR(c.valid_until, "20290304");
    CHECK_STR(c.birth, "19790601");
    CHECK_STR(c.card_version, "01");
    CHECK_STR(c.authority, "1500");
    CHECK_STR(c.address, "");
    uint8_t again[RK_IDCARD_TEXT_LEN];
    CHECK_INT(rk_idcard_encode_text(again, &c), 0);
    CHECK(!memcmp(again, b, sizeof b));
}

static void test_gat(void)
{
    uint8_t b[RK_IDCARD_TEXT_LEN];
    rk_idcard c;
    blank(b);
    put(b, 0, 30, "陈大文");
    put(b, 30, 2, "2");
    put(b, 36, 16, "19880808");
    put(b, 52, 70, "广东省深圳市福田区福华路1号");
    put(b, 122, 36, "810000198808080027");
    put(b, 158, 30, "深圳市公安局");
    put(b, 188, 16, "20200101");
    put(b, 204, 16, "20250101");
    put(b, 220, 18, "H01234567");
    put(b, 238, 4, "01");
    put(b, 248, 2, "J");
    CHECK_INT(rk_idcard_decode_text(&c, b, sizeof b), 0);
    CHECK_INT(c.type, RK_IDCARD_GAT);
    CHECK_STR(c.name, "陈大文");
    CHECK_STR(rk_idcard_sex_name(c.sex_code, NULL), "女");
    CHECK_STR(c.nation_code, "");
    CHECK_STR(c.id_number, "810000198808080027");
    CHECK_STR(c.pass_number, "H01234567");
    CHECK_STR(c.issue_count, "01");
    CHECK_STR(c.valid_until, "20250101");
    uint8_t again[RK_IDCARD_TEXT_LEN];
    CHECK_INT(rk_idcard_encode_text(again, &c), 0);
    CHECK(!memcmp(again, b, sizeof b));

    /* Unknown and unsupported flags are refused with a message. */
    put(b, 248, 2, "Y");
    CHECK_INT(rk_idcard_decode_text(&c, b, sizeof b), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "2023") != NULL);
    put(b, 248, 2, "Q");
    CHECK_INT(rk_idcard_decode_text(&c, b, sizeof b), RK_EFORMAT);
}

static void test_ucs2(void)
{
    char out[64];
    const uint8_t ab[] = {'A', 0, ' ', 0, 'B', 0, ' ', 0, ' ', 0};
    CHECK_INT(rk_idcard_ucs2_to_utf8(out, sizeof out, ab, sizeof ab), 0);
    CHECK_STR(out, "A B");
    const uint8_t sur[] = {'A', 0, 0x3D, 0xD8, 0x00, 0xDE};
    CHECK_INT(rk_idcard_ucs2_to_utf8(out, sizeof out, sur, sizeof sur), RK_EINVAL);
    CHECK(strstr(rk_err_msg(), "surrogate") != NULL);
    CHECK_INT(rk_idcard_ucs2_to_utf8(out, sizeof out, ab, 3), RK_EINVAL);
    const uint8_t han[] = {0x2D, 0x4E, 0x87, 0x65}; /* 中文 */
    CHECK_INT(rk_idcard_ucs2_to_utf8(out, 4, han, sizeof han), RK_ETOOBIG);
    CHECK_INT(rk_idcard_ucs2_to_utf8(out, 7, han, sizeof han), 0);
    CHECK_STR(out, "中文");
    /* Stops at NUL. */
    const uint8_t nul[] = {'X', 0, 0, 0, 'Y', 0};
    CHECK_INT(rk_idcard_ucs2_to_utf8(out, sizeof out, nul, sizeof nul), 0);
    CHECK_STR(out, "X");
    uint8_t u[4];
    CHECK_INT(rk_idcard_utf8_to_ucs2(u, sizeof u, "中文字"), RK_ETOOBIG);
    CHECK_INT(rk_idcard_utf8_to_ucs2(u, sizeof u, "\xF0\x9F\x98\x80"), RK_EINVAL);
}

static void test_tables(void)
{
    const char *en;
    int n = 0;
    for (int i = 1; i <= 99; i++) {
        char code[4];
        snprintf(code, sizeof code, "%02d", i);
        if (rk_idcard_nation_name(code, NULL)) n++;
    }
    CHECK_INT(n, 58); /* 56 nationalities + 97 + 98 */
    CHECK_STR(rk_idcard_nation_name("01", &en), "汉族");
    CHECK_STR(en, "Han");
    CHECK_STR(rk_idcard_nation_name("56", NULL), "基诺族");
    CHECK_STR(rk_idcard_nation_name("98", NULL), "外国血统");
    CHECK(rk_idcard_nation_name("57", NULL) == NULL);
    CHECK_STR(rk_idcard_sex_name("9", &en), "未说明");
    CHECK_STR(en, "unspecified");
    CHECK(rk_idcard_sex_name("3", NULL) == NULL);
}

static void test_reply(void)
{
    static uint8_t d[6 + 256 + 1024 + 100];
    rk_idcard c;
    resident_block(d + 4, "长期");
    d[0] = 0x01, d[1] = 0x00, d[2] = 0x04, d[3] = 0x00;
    for (int i = 0; i < 1024; i++)
        d[4 + 256 + i] = (uint8_t)(i * 13);
    CHECK_INT(rk_idcard_decode_reply(&c, d, 4 + 256 + 1024, 0), 0);
    CHECK_STR(c.name, "李小龙");
    CHECK_INT(c.photo_len, 1024);
    CHECK_INT(c.photo_wlt[1023], (uint8_t)(1023 * 13));
    CHECK_INT(rk_idcard_decode_reply(&c, d, 4 + 256 + 1023, 0), RK_EFORMAT);
    CHECK_INT(rk_idcard_decode_reply(&c, d, 3, 0), RK_EFORMAT);
    d[1] = 0x01;
    CHECK_INT(rk_idcard_decode_reply(&c, d, 4 + 256 + 1024, 0), RK_EFORMAT);
    /* With fingerprints: 6-byte head. */
    memmove(d + 6, d + 4, 256 + 1024);
    d[0] = 0x01, d[1] = 0x00, d[2] = 0x04, d[3] = 0x00, d[4] = 0x00, d[5] = 100;
    CHECK_INT(rk_idcard_decode_reply(&c, d, 6 + 256 + 1024 + 100, 1), 0);
    CHECK_INT(c.finger_len, 100);
    CHECK_STR(c.valid_until, "长期");
}

static int fake_decoder(uint8_t *out, size_t cap, size_t *out_len, const uint8_t *wlt, void *arg)
{
    (void)arg;
    if (cap < 2) return RK_ETOOBIG;
    out[0] = 'B';
    out[1] = wlt[0];
    *out_len = 2;
    return 0;
}

static void test_photo(void)
{
    static rk_idcard c;
    uint8_t *img;
    size_t n;
    memset(&c, 0, sizeof c);
    c.photo_len = RK_IDCARD_PHOTO_LEN;
    c.photo_wlt[0] = 0x57;
    CHECK_INT(rk_idcard_photo_decode(&img, &n, &c, NULL, NULL), RK_ENOTFOUND);
    CHECK(strstr(rk_err_msg(), "no WLT decoder") != NULL);
    CHECK_INT(rk_idcard_photo_decode(&img, &n, &c, fake_decoder, NULL), 0);
    CHECK_INT(n, 2);
    CHECK_INT(img[1], 0x57);
    free(img);
}

int main(void)
{
    test_resident();
    test_foreign();
    test_gat();
    test_ucs2();
    test_tables();
    test_reply();
    test_photo();
    return rk_test_done();
}
