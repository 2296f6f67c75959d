/*
 * ID card text and reply decoding, the GB 3304 nation and GB/T 2261.1 sex
 * tables (see idcard.h). Pure functions over caller buffers.
 */
#include "scan/idcard.h"

#include "util/err.h"

#include <stdlib.h>
#include <string.h>

/* Field layouts: byte offset and length in the 256-byte text block. */
typedef struct field {
    size_t off, len;
} field;

/* Resident card (and 'J', which shares it up to offset 220). */
static const field R_NAME = {0, 30}, R_SEX = {30, 2}, R_NATION = {32, 4}, R_BIRTH = {36, 16},
                   R_ADDR = {52, 70}, R_ID = {122, 36}, R_AUTH = {158, 30}, R_FROM = {188, 16},
                   R_UNTIL = {204, 16};
/* 'J': in the resident card's reserved area. */
static const field J_PASS = {220, 18}, J_COUNT = {238, 4};
/* 'I': foreigner's permanent residence card (2017). */
static const field I_NAME_EN = {0, 120}, I_SEX = {120, 2}, I_NUMBER = {122, 30},
                   I_NATION = {152, 6}, I_NAME = {158, 30}, I_FROM = {188, 16}, I_UNTIL = {204, 16},
                   I_BIRTH = {220, 16}, I_VERSION = {236, 4}, I_AUTH = {240, 8};
static const field FLAG = {248, 2};

#define LONG_TERM "长期"

int rk_idcard_ucs2_to_utf8(char *out, size_t cap, const uint8_t *in, size_t n)
{
    size_t o = 0;
    if (cap == 0) return rk_err_set(RK_ETOOBIG, "no room for text");
    out[0] = 0;
    if (n % 2) return rk_err_set(RK_EINVAL, "UCS-2 text of odd length %zu", n);
    for (size_t i = 0; i + 1 < n; i += 2) {
        unsigned c = in[i] | (unsigned)in[i + 1] << 8;
        if (c == 0) break;
        if (c >= 0xD800 && c <= 0xDFFF) {
            out[0] = 0;
            return rk_err_set(RK_EINVAL,
                              "UCS-2 text holds a surrogate U+%04X at byte %zu: not a "
                              "character of the card's BMP-only text",
                              c, i);
        }
        char u[3];
        size_t k;
        if (c < 0x80) {
            u[0] = (char)c;
            k = 1;
        } else if (c < 0x800) {
            u[0] = (char)(0xC0 | c >> 6);
            u[1] = (char)(0x80 | (c & 0x3F));
            k = 2;
        } else {
            u[0] = (char)(0xE0 | c >> 12);
            u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
            u[2] = (char)(0x80 | (c & 0x3F));
            k = 3;
        }
        if (o + k + 1 > cap) {
            out[0] = 0;
            return rk_err_set(RK_ETOOBIG, "text of %zu UCS-2 bytes does not fit %zu bytes", n, cap);
        }
        memcpy(out + o, u, k);
        o += k;
    }
    out[o] = 0;
    while (o > 0 && out[o - 1] == ' ')
        out[--o] = 0; /* no stale bytes after the end: decoded cards compare equal */
    return 0;
}

int rk_idcard_utf8_to_ucs2(uint8_t *out, size_t n, const char *in)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    while (*s) {
        unsigned c;
        int k;
        if (*s < 0x80) {
            c = *s;
            k = 0;
        } else if ((*s & 0xE0) == 0xC0) {
            c = *s & 0x1F;
            k = 1;
        } else if ((*s & 0xF0) == 0xE0) {
            c = *s & 0x0F;
            k = 2;
        } else {
            return rk_err_set(RK_EINVAL,
                              "text '%s' holds a character outside the BMP or "
                              "bad UTF-8",
                              in);
        }
        s++;
        for (int i = 0; i < k; i++, s++) {
            if ((*s & 0xC0) != 0x80) return rk_err_set(RK_EINVAL, "bad UTF-8 in '%s'", in);
            c = c << 6 | (*s & 0x3F);
        }
        if (c >= 0xD800 && c <= 0xDFFF) return rk_err_set(RK_EINVAL, "surrogate in '%s'", in);
        if (o + 2 > n) return rk_err_set(RK_ETOOBIG, "'%s' does not fit %zu bytes of UCS-2", in, n);
        out[o++] = (uint8_t)c;
        out[o++] = (uint8_t)(c >> 8);
    }
    for (; o + 1 < n; o += 2) {
        out[o] = ' ';
        out[o + 1] = 0;
    }
    return 0;
}

/* GB 3304-1991 codes and names of China's nationalities. */
static const struct {
    const char *code, *zh, *en;
} nations[] = {
    {"01", "汉族", "Han"},          {"02", "蒙古族", "Mongol"},
    {"03", "回族", "Hui"},          {"04", "藏族", "Tibetan"},
    {"05", "维吾尔族", "Uyghur"},   {"06", "苗族", "Miao"},
    {"07", "彝族", "Yi"},           {"08", "壮族", "Zhuang"},
    {"09", "布依族", "Buyei"},      {"10", "朝鲜族", "Korean"},
    {"11", "满族", "Manchu"},       {"12", "侗族", "Dong"},
    {"13", "瑶族", "Yao"},          {"14", "白族", "Bai"},
    {"15", "土家族", "Tujia"},      {"16", "哈尼族", "Hani"},
    {"17", "哈萨克族", "Kazak"},    {"18", "傣族", "Dai"},
    {"19", "黎族", "Li"},           {"20", "傈僳族", "Lisu"},
    {"21", "佤族", "Va"},           {"22", "畲族", "She"},
    {"23", "高山族", "Gaoshan"},    {"24", "拉祜族", "Lahu"},
    {"25", "水族", "Sui"},          {"26", "东乡族", "Dongxiang"},
    {"27", "纳西族", "Naxi"},       {"28", "景颇族", "Jingpo"},
    {"29", "柯尔克孜族", "Kirgiz"}, {"30", "土族", "Tu"},
    {"31", "达斡尔族", "Daur"},     {"32", "仫佬族", "Mulao"},
    {"33", "羌族", "Qiang"},        {"34", "布朗族", "Blang"},
    {"35", "撒拉族", "Salar"},      {"36", "毛南族", "Maonan"},
    {"37", "仡佬族", "Gelao"},      {"38", "锡伯族", "Xibe"},
    {"39", "阿昌族", "Achang"},     {"40", "普米族", "Pumi"},
    {"41", "塔吉克族", "Tajik"},    {"42", "怒族", "Nu"},
    {"43", "乌孜别克族", "Uzbek"},  {"44", "俄罗斯族", "Russian"},
    {"45", "鄂温克族", "Ewenki"},   {"46", "德昂族", "Deang"},
    {"47", "保安族", "Bonan"},      {"48", "裕固族", "Yugur"},
    {"49", "京族", "Gin"},          {"50", "塔塔尔族", "Tatar"},
    {"51", "独龙族", "Derung"},     {"52", "鄂伦春族", "Oroqen"},
    {"53", "赫哲族", "Hezhen"},     {"54", "门巴族", "Monba"},
    {"55", "珞巴族", "Lhoba"},      {"56", "基诺族", "Jino"},
    {"97", "其他", "other"},        {"98", "外国血统", "of foreign origin"},
};

const char *rk_idcard_nation_name(const char *code, const char **en)
{
    for (size_t i = 0; code && i < sizeof nations / sizeof nations[0]; i++)
        if (!strcmp(nations[i].code, code)) {
            if (en) *en = nations[i].en;
            return nations[i].zh;
        }
    if (en) *en = NULL;
    return NULL;
}

const char *rk_idcard_sex_name(const char *code, const char **en)
{
    static const struct {
        const char *code, *zh, *en;
    } sexes[] = {{"0", "未知", "unknown"},
                 {"1", "男", "male"},
                 {"2", "女", "female"},
                 {"9", "未说明", "unspecified"}};
    for (size_t i = 0; code && i < sizeof sexes / sizeof sexes[0]; i++)
        if (!strcmp(sexes[i].code, code)) {
            if (en) *en = sexes[i].en;
            return sexes[i].zh;
        }
    if (en) *en = NULL;
    return NULL;
}

const char *rk_idcard_type_name(rk_idcard_type t)
{
    switch (t) {
    case RK_IDCARD_RESIDENT: return "resident identity card";
    case RK_IDCARD_FOREIGN: return "foreigner's permanent residence card";
    case RK_IDCARD_GAT: return "Hong Kong/Macau/Taiwan residence permit";
    }
    return "unknown card";
}

static int get(char *out, size_t cap, const uint8_t *text, field f, const char *what)
{
    int rc = rk_idcard_ucs2_to_utf8(out, cap, text + f.off, f.len);
    if (rc) return rk_err_wrap(rc, "card field '%s'", what);
    return 0;
}

#define GET(dst, fld, what)                                                                        \
    do {                                                                                           \
        if ((rc = get(dst, sizeof dst, text, fld, what)) != 0) return rc;                          \
    } while (0)

int rk_idcard_decode_text(rk_idcard *out, const uint8_t *text, size_t len)
{
    int rc;
    if (len != RK_IDCARD_TEXT_LEN)
        return rk_err_set(RK_EFORMAT, "card text block of %zu bytes, expected %d", len,
                          RK_IDCARD_TEXT_LEN);
    /* Keep photo and fingerprint; reset the text fields. */
    size_t text_end = offsetof(rk_idcard, photo_wlt);
    memset(out, 0, text_end);
    unsigned flag = text[FLAG.off] | (unsigned)text[FLAG.off + 1] << 8;
    if (flag == 'I') {
        out->type = RK_IDCARD_FOREIGN;
        GET(out->name_en, I_NAME_EN, "English name");
        GET(out->sex_code, I_SEX, "sex");
        GET(out->id_number, I_NUMBER, "permanent residence number");
        GET(out->nationality, I_NATION, "nationality");
        GET(out->name, I_NAME, "Chinese name");
        GET(out->valid_from, I_FROM, "valid from");
        GET(out->valid_until, I_UNTIL, "valid until");
        GET(out->birth, I_BIRTH, "birth date");
        GET(out->card_version, I_VERSION, "card version");
        GET(out->authority, I_AUTH, "issuing authority code");
    } else if (flag == 'J' || flag == ' ' || flag == 0) {
        out->type = flag == 'J' ? RK_IDCARD_GAT : RK_IDCARD_RESIDENT;
        GET(out->name, R_NAME, "name");
        GET(out->sex_code, R_SEX, "sex");
        GET(out->nation_code, R_NATION, "nation");
        GET(out->birth, R_BIRTH, "birth date");
        GET(out->address, R_ADDR, "address");
        GET(out->id_number, R_ID, "ID number");
        GET(out->authority, R_AUTH, "issuing authority");
        GET(out->valid_from, R_FROM, "valid from");
        GET(out->valid_until, R_UNTIL, "valid until");
        if (flag == 'J') {
            memset(out->nation_code, 0, sizeof out->nation_code); /* not on a permit */
            GET(out->pass_number, J_PASS, "pass number");
            GET(out->issue_count, J_COUNT, "issue count");
        }
    } else if (flag == 'Y') {
        return rk_err_set(RK_EFORMAT, "card type flag 'Y' (the 2023 foreigner's permanent "
                                      "residence card) is not supported yet");
    } else {
        return rk_err_set(RK_EFORMAT, "unknown card type flag U+%04X at byte 248", flag);
    }
    out->long_term = !strcmp(out->valid_until, LONG_TERM);
    return 0;
}

int rk_idcard_decode_address(rk_idcard *out, const uint8_t *data, size_t len)
{
    if (len > RK_IDCARD_ADDR_LEN)
        return rk_err_set(RK_EFORMAT, "appended address of %zu bytes, at most %d expected", len,
                          RK_IDCARD_ADDR_LEN);
    int rc = rk_idcard_ucs2_to_utf8(out->appended_address, sizeof out->appended_address, data, len);
    return rc ? rk_err_wrap(rc, "appended address") : 0;
}

int rk_idcard_decode_reply(rk_idcard *out, const uint8_t *data, size_t len, int with_finger)
{
    size_t head = with_finger ? 6 : 4;
    memset(out, 0, sizeof *out);
    if (len < head)
        return rk_err_set(RK_EFORMAT,
                          "card read reply of %zu bytes is too short for its "
                          "length fields",
                          len);
    size_t tlen = (size_t)data[0] << 8 | data[1];
    size_t plen = (size_t)data[2] << 8 | data[3];
    size_t flen = with_finger ? ((size_t)data[4] << 8 | data[5]) : 0;
    if (tlen != RK_IDCARD_TEXT_LEN)
        return rk_err_set(RK_EFORMAT, "card text length %zu, expected %d", tlen,
                          RK_IDCARD_TEXT_LEN);
    if (plen != 0 && plen != RK_IDCARD_PHOTO_LEN)
        return rk_err_set(RK_EFORMAT, "card photo length %zu, expected %d", plen,
                          RK_IDCARD_PHOTO_LEN);
    if (flen > RK_IDCARD_FINGER_MAX)
        return rk_err_set(RK_EFORMAT, "card fingerprint length %zu, at most %d", flen,
                          RK_IDCARD_FINGER_MAX);
    if (len != head + tlen + plen + flen)
        return rk_err_set(RK_EFORMAT,
                          "card read reply holds %zu bytes but its lengths announce %zu", len,
                          head + tlen + plen + flen);
    int rc = rk_idcard_decode_text(out, data + head, tlen);
    if (rc) return rc;
    memcpy(out->photo_wlt, data + head + tlen, plen);
    out->photo_len = plen;
    memcpy(out->finger, data + head + tlen + plen, flen);
    out->finger_len = flen;
    return 0;
}

static int put(uint8_t *text, field f, const char *value, const char *what)
{
    int rc = rk_idcard_utf8_to_ucs2(text + f.off, f.len, value);
    return rc ? rk_err_wrap(rc, "card field '%s'", what) : 0;
}

#define PUT(fld, value, what)                                                                      \
    do {                                                                                           \
        if ((rc = put(out, fld, value, what)) != 0) return rc;                                     \
    } while (0)

int rk_idcard_encode_text(uint8_t out[RK_IDCARD_TEXT_LEN], const rk_idcard *c)
{
    int rc;
    field all = {0, RK_IDCARD_TEXT_LEN};
    PUT(all, "", "reserved");
    if (c->type == RK_IDCARD_FOREIGN) {
        PUT(I_NAME_EN, c->name_en, "English name");
        PUT(I_SEX, c->sex_code, "sex");
        PUT(I_NUMBER, c->id_number, "permanent residence number");
        PUT(I_NATION, c->nationality, "nationality");
        PUT(I_NAME, c->name, "Chinese name");
        PUT(I_FROM, c->valid_from, "valid from");
        PUT(I_UNTIL, c->valid_until, "valid until");
        PUT(I_BIRTH, c->birth, "birth date");
        PUT(I_VERSION, c->card_version, "card version");
        PUT(I_AUTH, c->authority, "issuing authority code");
        PUT(FLAG, "I", "card type");
        return 0;
    }
    PUT(R_NAME, c->name, "name");
    PUT(R_SEX, c->sex_code, "sex");
    PUT(R_NATION, c->nation_code, "nation");
    PUT(R_BIRTH, c->birth, "birth date");
    PUT(R_ADDR, c->address, "address");
    PUT(R_ID, c->id_number, "ID number");
    PUT(R_AUTH, c->authority, "issuing authority");
    PUT(R_FROM, c->valid_from, "valid from");
    PUT(R_UNTIL, c->valid_until, "valid until");
    if (c->type == RK_IDCARD_GAT) {
        PUT(J_PASS, c->pass_number, "pass number");
        PUT(J_COUNT, c->issue_count, "issue count");
        PUT(FLAG, "J", "card type");
    }
    return 0;
}

int rk_idcard_photo_decode(uint8_t **img, size_t *img_len, const rk_idcard *card,
                           rk_wlt_decoder dec, void *arg)
{
    *img = NULL;
    *img_len = 0;
    if (!dec) return rk_err_set(RK_ENOTFOUND, "no WLT decoder installed: photo left undecoded");
    if (card->photo_len != RK_IDCARD_PHOTO_LEN)
        return rk_err_set(RK_ENOTFOUND, "the card read holds no photo");
    size_t cap = 1 << 20;
    uint8_t *buf = malloc(cap);
    if (!buf) return rk_err_oom();
    size_t n = 0;
    int rc = dec(buf, cap, &n, card->photo_wlt, arg);
    if (rc) {
        free(buf);
        return rc;
    }
    if (n > cap) {
        free(buf);
        return rk_err_set(RK_EINTERNAL, "WLT decoder reported %zu bytes in a %zu buffer", n, cap);
    }
    *img = buf;
    *img_len = n;
    return 0;
}
