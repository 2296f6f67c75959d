/*
 * Unit tests of the ESC/POS encoder (byte-exact commands, GB18030 text and
 * the visible GBK fallback for rare characters, ￥), the status decoder, the
 * ID masking and money format of receipts, and the interpreter of the
 * virtual printer on encoder output and on truncated input.
 */
#include "test.h"

#include "print/escpos.h"
#include "print/escview.h"
#include "print/receipt.h"
#include "util/err.h"

static rk_escpos enc;

static void start(int mm)
{
    rk_escpos_free(&enc);
    CHECK_INT(rk_escpos_init(&enc, mm, 1 << 20), 0);
}

/* The encoder's output equals the n bytes of want. */
static int bytes_are(const void *want, size_t n)
{
    if (enc.out.len != n || memcmp(enc.out.data, want, n) != 0) {
        fprintf(stderr, "  got %zu bytes:", enc.out.len);
        for (size_t i = 0; i < enc.out.len && i < 64; i++)
            fprintf(stderr, " %02x", (unsigned char)enc.out.data[i]);
        fprintf(stderr, "\n");
        return 0;
    }
    return 1;
}

static void test_commands(void)
{
    start(58);
    CHECK_INT(enc.dots, 384);
    CHECK_INT(enc.columns, 32);
    rk_escpos_reset(&enc);
    rk_escpos_chinese(&enc, 1);
    rk_escpos_chinese(&enc, 0);
    rk_escpos_bold(&enc, 1);
    rk_escpos_bold(&enc, 0);
    rk_escpos_size(&enc, 2, 2);
    rk_escpos_size(&enc, 1, 2);
    rk_escpos_size(&enc, 9, 0); /* clamped to 8 x 1 */
    rk_escpos_align(&enc, RK_ESCPOS_CENTER);
    rk_escpos_align(&enc, RK_ESCPOS_RIGHT);
    rk_escpos_feed(&enc, 3);
    rk_escpos_newline(&enc);
    rk_escpos_cut(&enc, 1, 0);
    rk_escpos_cut(&enc, 0, 3);
    static const unsigned char want[] = {0x1b, 0x40, 0x1c, 0x26, 0x1c, 0x2e, 0x1b, 0x45, 0x01, 0x1b,
                                         0x45, 0x00, 0x1d, 0x21, 0x11, 0x1d, 0x21, 0x01, 0x1d, 0x21,
                                         0x70, 0x1b, 0x61, 0x01, 0x1b, 0x61, 0x02, 0x1b, 0x64, 0x03,
                                         0x0a, 0x1d, 0x56, 0x42, 0x00, 0x1d, 0x56, 0x41, 0x03};
    CHECK(bytes_are(want, sizeof want));
    CHECK_INT(rk_escpos_finish(&enc), 0);

    start(80);
    CHECK_INT(enc.dots, 576);
    CHECK_INT(enc.columns, 48);
    rk_escpos e2;
    CHECK_INT(rk_escpos_init(&e2, 76, 100), RK_EINVAL);
    rk_escpos_free(&e2);

    uint8_t req[3];
    rk_escpos_status_request(req, 4);
    CHECK(req[0] == 0x10 && req[1] == 0x04 && req[2] == 4);
}

static void test_text(void)
{
    start(80);
    rk_escpos_text(&enc, "A中文");
    static const unsigned char gbk[] = {'A', 0xd6, 0xd0, 0xce, 0xc4};
    CHECK(bytes_are(gbk, sizeof gbk));
    CHECK_INT(enc.n_replaced, 0);

    /* ¥ U+00A5 is 4 bytes in GB18030 (81 30 84 36): it must go out as ￥ A3 A4 */
    start(80);
    rk_escpos_text(&enc, "\xc2\xa5"
                         "5 \xef\xbf\xa5"
                         "6");
    static const unsigned char yen[] = {0xa3, 0xa4, '5', ' ', 0xa3, 0xa4, '6'};
    CHECK(bytes_are(yen, sizeof yen));
    CHECK_INT(enc.n_replaced, 0);

    /* 䶮 U+4DAE (CJK Ext. A) and 𠀀 U+20000 (Ext. B) are GB18030 but not GBK */
    start(80);
    CHECK(!rk_escpos_printable(&enc, 0x4dae));
    CHECK(!rk_escpos_printable(&enc, 0x20000));
    CHECK(rk_escpos_printable(&enc, 0x738b)); /* 王 */
    CHECK(rk_escpos_printable(&enc, 0xa5));
    rk_escpos_text(&enc, "王䶮𠀀䶮");
    static const unsigned char box[] = {0xcd, 0xf5, 0xa1, 0xf5, 0xa1, 0xf5, 0xa1, 0xf5};
    CHECK(bytes_are(box, sizeof box));
    CHECK_INT(enc.n_replaced, 2);
    CHECK_INT(enc.replaced[0], 0x4dae);
    CHECK_INT(enc.replaced[1], 0x20000);
    CHECK_INT(rk_escpos_text_columns(&enc, "王䶮ab"), 6);

    start(80);
    enc.fallback = RK_ESCPOS_FALLBACK_CODE;
    rk_escpos_text(&enc, "王䶮");
    static const char code[] = "\xcd\xf5[U+4DAE]";
    CHECK(bytes_are(code, sizeof code - 1));
    CHECK_INT(rk_escpos_text_columns(&enc, "王䶮"), 10);

    /* control characters in data never reach the printer as commands */
    start(80);
    rk_escpos_text(&enc, "a\x1b@b\x1d"
                         "V\x7f\nc");
    CHECK(bytes_are("a?@b?V?\nc", 9));

    /* invalid UTF-8 is an error, and errors stick */
    start(80);
    rk_escpos_text(&enc, "ok\xc3(");
    CHECK_INT(rk_escpos_finish(&enc), RK_EINVAL);
    size_t len = enc.out.len;
    rk_escpos_text(&enc, "more");
    CHECK_INT(enc.out.len, len);
    uint32_t cp;
    CHECK_INT(rk_escpos_utf8_get("\xed\xa0\x80", 3, &cp), -1); /* surrogate */
    CHECK_INT(rk_escpos_utf8_get("\xc0\xaf", 2, &cp), -1);     /* overlong */
    CHECK_INT(rk_escpos_utf8_get("\xf0\xa0\x80\x80", 4, &cp), 4);
    CHECK_INT(cp, 0x20000);

    /* the buffer limit holds */
    rk_escpos small;
    CHECK_INT(rk_escpos_init(&small, 58, 8), 0);
    rk_escpos_text(&small, "0123456789");
    CHECK_INT(rk_escpos_finish(&small), RK_ETOOBIG);
    CHECK(small.out.len <= 8);
    rk_escpos_free(&small);
}

static void test_images(void)
{
    start(58);
    uint8_t bits[4] = {0xff, 0xc0, 0x81, 0x40};
    rk_escpos_raster(&enc, 10, 2, bits);
    static const unsigned char want[] = {0x1d, 0x76, 0x30, 0x00, 0x02, 0x00,
                                         0x02, 0x00, 0xff, 0xc0, 0x81, 0x40};
    CHECK(bytes_are(want, sizeof want));
    rk_escpos_raster(&enc, 385, 1, bits); /* wider than 58 mm paper */
    CHECK_INT(rk_escpos_finish(&enc), RK_EINVAL);

    start(80);
    rk_escpos_qr_native(&enc, "AB", 6, RK_ESCPOS_QR_M);
    static const unsigned char qr[] = {
        0x1d, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00,      /* model 2 */
        0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, 0x06,            /* size 6 */
        0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, 0x31,            /* level M */
        0x1d, 0x28, 0x6b, 0x05, 0x00, 0x31, 0x50, 0x30, 'A',  'B', /* store */
        0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30};           /* print */
    CHECK(bytes_are(qr, sizeof qr));

    /* a raster QR: version 1 (21 modules) + 2 x 4 quiet = 29 modules of 5 dots */
    start(58);
    rk_escpos_qr_raster(&enc, "RAK1:B:R", 5, RK_ESCPOS_QR_M);
    CHECK_INT(rk_escpos_finish(&enc), 0);
    rk_escview *v;
    CHECK_INT(rk_escview_parse(&v, (uint8_t *)enc.out.data, enc.out.len), 0);
    CHECK_INT(v->n_items, 1);
    CHECK_INT(v->items[0].kind, RK_ESCVIEW_IMAGE);
    CHECK_INT(v->items[0].height, 145);
    CHECK_INT(v->items[0].width, 152); /* 145 rounded up to whole bytes */
    /* the top-left finder pattern starts at the quiet zone: dot (20,20) black, (19,19) white */
    const uint8_t *b = v->items[0].bits;
    size_t xb = 19;
    CHECK((b[20 * xb + 20 / 8] & (0x80 >> (20 % 8))) != 0);
    CHECK((b[19 * xb + 19 / 8] & (0x80 >> (19 % 8))) == 0);
    rk_escview_free(v);

    /* module size shrinks to fit: 1199 bytes at level H need version 39 or 40
     * (173 or 177 modules + 8), so 2 dots each on 58 mm paper; 3000 bytes fit
     * no QR code at all */
    start(58);
    char big[3001];
    memset(big, 'x', sizeof big - 1);
    big[1199] = 0;
    rk_escpos_qr_raster(&enc, big, 8, RK_ESCPOS_QR_H);
    CHECK_INT(rk_escpos_finish(&enc), 0);
    int h = (unsigned char)enc.out.data[6] | (unsigned char)enc.out.data[7] << 8;
    CHECK(h > 2 * 180 && h <= 384 && h % 2 == 0);
    start(58);
    big[1199] = 'x';
    big[sizeof big - 1] = 0;
    rk_escpos_qr_raster(&enc, big, 8, RK_ESCPOS_QR_L);
    CHECK_INT(rk_escpos_finish(&enc), RK_ETOOBIG);
}

static void test_status(void)
{
    rk_escpos_status st;
    char msg[200];
    memset(&st, 0, sizeof st);
    CHECK_INT(rk_escpos_status_decode(&st, 1, 0x12), 0);
    CHECK_INT(rk_escpos_status_decode(&st, 2, 0x12), 0);
    CHECK_INT(rk_escpos_status_decode(&st, 3, 0x12), 0);
    CHECK_INT(rk_escpos_status_decode(&st, 4, 0x12), 0);
    CHECK_INT(st.known, 0x1e);
    CHECK(rk_escpos_status_ready(&st));
    rk_escpos_status_describe(&st, msg, sizeof msg);
    CHECK_STR(msg, "ready");

    memset(&st, 0, sizeof st);
    CHECK_INT(rk_escpos_status_decode(&st, 4, 0x1e), 0); /* near end only */
    CHECK(st.paper_near_end && !st.paper_out && rk_escpos_status_ready(&st));

    memset(&st, 0, sizeof st);
    CHECK_INT(rk_escpos_status_decode(&st, 1, 0x1a), 0);
    CHECK_INT(rk_escpos_status_decode(&st, 2, 0x32), 0);
    CHECK_INT(rk_escpos_status_decode(&st, 4, 0x7e), 0);
    CHECK(st.offline && st.paper_out && st.paper_near_end && !st.cover_open);
    CHECK(!rk_escpos_status_ready(&st));
    rk_escpos_status_describe(&st, msg, sizeof msg);
    CHECK(strstr(msg, "paper out") != NULL);
    CHECK(strstr(msg, "offline") == NULL); /* the cause is named, not the effect */

    memset(&st, 0, sizeof st);
    CHECK_INT(rk_escpos_status_decode(&st, 2, 0x16), 0);
    CHECK(st.cover_open && !rk_escpos_status_ready(&st));
    memset(&st, 0, sizeof st);
    CHECK_INT(rk_escpos_status_decode(&st, 3, 0x52), 0);
    CHECK(st.error);
    memset(&st, 0, sizeof st);
    CHECK_INT(rk_escpos_status_decode(&st, 1, 0x1a), 0);
    rk_escpos_status_describe(&st, msg, sizeof msg);
    CHECK(strstr(msg, "offline") != NULL);

    CHECK_INT(rk_escpos_status_decode(&st, 1, 0x00), RK_EFORMAT);
    CHECK_INT(rk_escpos_status_decode(&st, 1, 0x92), RK_EFORMAT);
    CHECK_INT(rk_escpos_status_decode(&st, 5, 0x12), RK_EINVAL);
}

static void test_mask_money(void)
{
    char out[64];
    rk_receipt_mask_id(out, sizeof out, "110105199003071234");
    CHECK_STR(out, "110105********1234");
    rk_receipt_mask_id(out, sizeof out, "11010519900307123X");
    CHECK_STR(out, "110105********123X");
    rk_receipt_mask_id(out, sizeof out, "110105900307123"); /* 15-digit first generation */
    CHECK_STR(out, "110105*****7123");
    rk_receipt_mask_id(out, sizeof out, "H1234567"); /* too short to show anything */
    CHECK_STR(out, "********");
    rk_receipt_mask_id(out, 8, "110105199003071234");
    CHECK_INT(strlen(out), 7);

    rk_receipt_money(out, sizeof out, 35950);
    CHECK_STR(out, "￥359.50");
    rk_receipt_money(out, sizeof out, 5);
    CHECK_STR(out, "￥0.05");
    rk_receipt_money(out, sizeof out, -2050);
    CHECK_STR(out, "-￥20.50");
    rk_receipt_money(out, sizeof out, 0);
    CHECK_STR(out, "￥0.00");
}

static void test_interpreter(void)
{
    start(80);
    rk_escpos_reset(&enc);
    rk_escpos_chinese(&enc, 1);
    rk_escpos_align(&enc, RK_ESCPOS_CENTER);
    rk_escpos_size(&enc, 2, 2);
    rk_escpos_bold(&enc, 1);
    rk_escpos_text(&enc, "受理点");
    rk_escpos_newline(&enc);
    rk_escpos_size(&enc, 1, 1);
    rk_escpos_bold(&enc, 0);
    rk_escpos_align(&enc, RK_ESCPOS_LEFT);
    rk_escpos_text(&enc, "合计 ￥1.00 王䶮");
    rk_escpos_newline(&enc);
    uint8_t dle[3];
    rk_escpos_status_request(dle, 2);
    rk_buf_append(&enc.out, dle, 3);
    rk_escpos_qr_native(&enc, "RAK1:X:Y", 4, RK_ESCPOS_QR_L);
    rk_escpos_cut(&enc, 1, 0);
    CHECK_INT(rk_escpos_finish(&enc), 0);
    rk_escview *v;
    CHECK_INT(rk_escview_parse(&v, (uint8_t *)enc.out.data, enc.out.len), 0);
    CHECK_STR(v->text.data, "受理点\n合计 ￥1.00 王□\n[image 116x116]\n[cut]\n");
    CHECK_INT(v->status_requests, 1);
    CHECK_INT(v->qr_codes, 1);
    CHECK_INT(v->cuts, 1);
    CHECK_INT(v->unknown, 0);
    CHECK_INT(v->items[0].align, 1);
    CHECK_INT(v->items[0].runs[0].wmul, 2);
    CHECK_INT(v->items[0].runs[0].bold, 1);
    CHECK_INT(v->items[1].runs[0].wmul, 1);
    rk_escview_free(v);

    /* every prefix parses (truncated jobs are cut at the last whole command) */
    int bad = 0;
    for (size_t n = 0; n <= enc.out.len; n++) {
        if (rk_escview_parse(&v, (uint8_t *)enc.out.data, n) != 0) bad++;
        rk_escview_free(v);
    }
    CHECK_INT(bad, 0);

    /* a raster header that declares more data than there is: stops quietly */
    static const uint8_t lying[] = {'h', 'i', 0x1d, 'v', '0', 0, 0xff, 0xff, 0xff, 0xff, 1, 2};
    CHECK_INT(rk_escview_parse(&v, lying, sizeof lying), 0);
    CHECK_STR(v->text.data, "hi\n");
    rk_escview_free(v);

    /* without FS & the bytes of Chinese text are not decoded as GB18030 */
    static const uint8_t nocn[] = {0xd6, 0xd0, '\n'};
    CHECK_INT(rk_escview_parse(&v, nocn, sizeof nocn), 0);
    CHECK_STR(v->text.data, "??\n");
    rk_escview_free(v);
}

int main(void)
{
    memset(&enc, 0, sizeof enc);
    test_commands();
    test_text();
    test_images();
    test_status();
    test_mask_money();
    test_interpreter();
    rk_escpos_free(&enc);
    return rk_test_done();
}
