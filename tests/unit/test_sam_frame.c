/*
 * SAM frames: hand-built frames from the protocol (find card, a reply with
 * status 90), truncation, bad checksums, garbage before the preamble,
 * absurd lengths, back-to-back frames, and the status texts.
 */
#include "test.h"

#include "scan/sam_frame.h"
#include "util/err.h"

/* "Find card" as readers' documentation shows it: AA AA AA 96 69 00 03 20 01 22. */
static const uint8_t find_cmd[] = {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22};
/* A success reply: AA AA AA 96 69 00 04 00 00 90 94. */
static const uint8_t ok_reply[] = {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00,
                                   0x04, 0x00, 0x00, 0x90, 0x94};

static void test_encode(void)
{
    uint8_t out[64];
    size_t n = 0;
    CHECK_INT(rk_sam_encode_cmd(out, sizeof out, &n, 0x20, 0x01, NULL, 0), 0);
    CHECK_INT(n, sizeof find_cmd);
    CHECK(!memcmp(out, find_cmd, sizeof find_cmd));
    CHECK_INT(rk_sam_encode_reply(out, sizeof out, &n, 0x90, NULL, 0), 0);
    CHECK_INT(n, sizeof ok_reply);
    CHECK(!memcmp(out, ok_reply, sizeof ok_reply));
    /* Too small a buffer, too much data. */
    CHECK_INT(rk_sam_encode_cmd(out, 9, &n, 0x20, 0x01, NULL, 0), RK_ETOOBIG);
    static uint8_t big[RK_SAM_MAX_LEN + 10];
    static uint8_t huge[RK_SAM_MAX_FRAME + 64];
    CHECK_INT(rk_sam_encode_reply(huge, sizeof huge, &n, 0x90, big, RK_SAM_MAX_LEN), RK_ETOOBIG);
    CHECK_INT(rk_sam_encode_reply(huge, sizeof huge, &n, 0x90, big, RK_SAM_MAX_LEN - 4), 0);
    CHECK_INT(n, RK_SAM_MAX_FRAME);
}

static void test_parse_good(void)
{
    rk_sam_frame f;
    rk_sam_cmd c;
    rk_sam_reply r;
    size_t used = 99;
    CHECK_INT(rk_sam_parse(&f, &used, find_cmd, sizeof find_cmd), 0);
    CHECK_INT(used, sizeof find_cmd);
    CHECK_INT(f.body_len, 2);
    CHECK_INT(rk_sam_cmd_view(&c, &f), 0);
    CHECK_INT(c.cmd, 0x20);
    CHECK_INT(c.para, 0x01);
    CHECK_INT(c.data_len, 0);

    CHECK_INT(rk_sam_parse(&f, &used, ok_reply, sizeof ok_reply), 0);
    CHECK_INT(rk_sam_reply_view(&r, &f), 0);
    CHECK_INT(r.sw1, 0);
    CHECK_INT(r.sw2, 0);
    CHECK_INT(r.sw3, 0x90);
    CHECK_INT(r.data_len, 0);

    /* A reply with data: find card's 9F and 4 bytes. */
    uint8_t d[4] = {1, 2, 3, 4}, out[32];
    size_t n;
    CHECK_INT(rk_sam_encode_reply(out, sizeof out, &n, 0x9F, d, 4), 0);
    CHECK_INT(out[6], 8);
    CHECK_INT(rk_sam_parse(&f, &used, out, n), 0);
    CHECK_INT(rk_sam_reply_view(&r, &f), 0);
    CHECK_INT(r.sw3, 0x9F);
    CHECK_INT(r.data_len, 4);
    CHECK(!memcmp(r.data, d, 4));
}

static void test_truncated(void)
{
    rk_sam_frame f;
    size_t used;
    /* Every proper prefix needs more bytes and drops nothing. */
    for (size_t k = 0; k < sizeof ok_reply; k++) {
        CHECK_INT(rk_sam_parse(&f, &used, ok_reply, k), RK_SAM_MORE);
        CHECK_INT(used, 0);
    }
}

static void test_bad_checksum(void)
{
    uint8_t bad[sizeof ok_reply];
    rk_sam_frame f;
    size_t used;
    memcpy(bad, ok_reply, sizeof bad);
    bad[sizeof bad - 1] ^= 0x01;
    CHECK_INT(rk_sam_parse(&f, &used, bad, sizeof bad), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "checksum") != NULL);
    CHECK_INT(used, RK_SAM_PREAMBLE_LEN);
    /* After dropping the preamble, the rest holds no frame. */
    CHECK_INT(rk_sam_parse(&f, &used, bad + 5, sizeof bad - 5), RK_SAM_MORE);
    CHECK_INT(used, sizeof bad - 5);
    /* A flipped data byte is caught too. */
    memcpy(bad, ok_reply, sizeof bad);
    bad[9] = 0x91;
    CHECK_INT(rk_sam_parse(&f, &used, bad, sizeof bad), RK_EFORMAT);
}

static void test_garbage(void)
{
    uint8_t s[64];
    size_t k = 0, used;
    rk_sam_frame f;
    rk_sam_reply r;
    /* Noise including a false preamble start (AA AA 00) before the frame. */
    const uint8_t noise[] = {0x00, 0x13, 0xAA, 0xAA, 0x00, 0x96, 0x69, 0xAA, 0x55};
    memcpy(s, noise, sizeof noise);
    k = sizeof noise;
    memcpy(s + k, ok_reply, sizeof ok_reply);
    k += sizeof ok_reply;
    CHECK_INT(rk_sam_parse(&f, &used, s, k), 0);
    CHECK_INT(used, k);
    CHECK_INT(rk_sam_reply_view(&r, &f), 0);
    CHECK_INT(r.sw3, 0x90);
    /* Garbage alone is dropped, but a partial preamble at the end is kept. */
    const uint8_t tail[] = {0x01, 0x02, 0x03, 0xAA, 0xAA, 0xAA, 0x96};
    CHECK_INT(rk_sam_parse(&f, &used, tail, sizeof tail), RK_SAM_MORE);
    CHECK_INT(used, 3);
    const uint8_t junk[] = {0x01, 0x02, 0x03, 0x96, 0x69};
    CHECK_INT(rk_sam_parse(&f, &used, junk, sizeof junk), RK_SAM_MORE);
    CHECK_INT(used, sizeof junk);
}

static void test_lengths(void)
{
    rk_sam_frame f;
    size_t used;
    uint8_t s[] = {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF, 0x00};
    CHECK_INT(rk_sam_parse(&f, &used, s, sizeof s), RK_ETOOBIG);
    CHECK(strstr(rk_err_msg(), "65535") != NULL);
    CHECK_INT(used, RK_SAM_PREAMBLE_LEN);
    s[5] = (RK_SAM_MAX_LEN + 1) >> 8;
    s[6] = (RK_SAM_MAX_LEN + 1) & 0xFF;
    CHECK_INT(rk_sam_parse(&f, &used, s, sizeof s), RK_ETOOBIG);
    s[5] = 0;
    s[6] = 1;
    CHECK_INT(rk_sam_parse(&f, &used, s, sizeof s), RK_EFORMAT);
    CHECK_INT(used, RK_SAM_PREAMBLE_LEN);
    /* The largest legal length waits for more bytes rather than failing. */
    s[5] = RK_SAM_MAX_LEN >> 8;
    s[6] = RK_SAM_MAX_LEN & 0xFF;
    CHECK_INT(rk_sam_parse(&f, &used, s, sizeof s), RK_SAM_MORE);
    /* A reply body too short for a status. */
    uint8_t cmdf[16];
    size_t n;
    rk_sam_reply r;
    CHECK_INT(rk_sam_encode_cmd(cmdf, sizeof cmdf, &n, 0x11, 0xFF, NULL, 0), 0);
    CHECK_INT(rk_sam_parse(&f, &used, cmdf, n), 0);
    CHECK_INT(rk_sam_reply_view(&r, &f), RK_EFORMAT);
}

static void test_back_to_back(void)
{
    uint8_t s[128];
    size_t k = 0, used, off = 0;
    rk_sam_frame f;
    rk_sam_reply r;
    uint8_t d[3] = {7, 8, 9};
    size_t n;
    memcpy(s, ok_reply, sizeof ok_reply);
    k = sizeof ok_reply;
    CHECK_INT(rk_sam_encode_reply(s + k, sizeof s - k, &n, 0x9F, d, 3), 0);
    k += n;
    memcpy(s + k, find_cmd, sizeof find_cmd);
    k += sizeof find_cmd;
    int frames = 0;
    uint8_t statuses[3] = {0};
    while (off < k) {
        int rc = rk_sam_parse(&f, &used, s + off, k - off);
        if (rc != 0) break;
        if (frames < 2) {
            CHECK_INT(rk_sam_reply_view(&r, &f), 0);
            statuses[frames] = r.sw3;
        }
        frames++;
        off += used;
    }
    CHECK_INT(frames, 3);
    CHECK_INT(off, k);
    CHECK_INT(statuses[0], 0x90);
    CHECK_INT(statuses[1], 0x9F);
    /* A damaged frame between two good ones: the good ones survive. */
    k = 0;
    memcpy(s, ok_reply, sizeof ok_reply);
    s[sizeof ok_reply - 1] ^= 0xFF;
    k = sizeof ok_reply;
    memcpy(s + k, ok_reply, sizeof ok_reply);
    k += sizeof ok_reply;
    off = 0;
    int good = 0, bad = 0;
    while (off < k) {
        int rc = rk_sam_parse(&f, &used, s + off, k - off);
        if (rc == RK_SAM_MORE) break;
        if (rc == 0) good++;
        if (rc < 0) bad++;
        off += used;
    }
    CHECK_INT(good, 1);
    CHECK_INT(bad, 1);
}

static void test_status_texts(void)
{
    const uint8_t codes[] = {0x90, 0x9F, 0x80, 0x81, 0x91, 0x10, 0x11, 0x21, 0x23, 0x24,
                             0x31, 0x32, 0x33, 0x40, 0x41, 0x47, 0x60, 0x66, 0xFF};
    for (size_t i = 0; i < sizeof codes; i++) {
        const char *zh = NULL;
        const char *en = rk_sam_status_text(codes[i], &zh);
        CHECK(en && strcmp(en, "unknown status code") != 0);
        int cjk = 0; /* the Chinese text holds non-ASCII characters */
        for (const char *q = zh; q && *q; q++)
            cjk |= (unsigned char)*q >= 0x80;
        CHECK(cjk);
    }
    const char *zh;
    CHECK_STR(rk_sam_status_text(0x9F, &zh), "card found");
    CHECK_STR(zh, "寻找居民身份证成功");
    CHECK_STR(rk_sam_status_text(0x42, NULL), "unknown status code");
    CHECK_STR(rk_sam_cmd_name(RK_SAM_CMD_FIND), "find card");
}

int main(void)
{
    test_encode();
    test_parse_good();
    test_truncated();
    test_bad_checksum();
    test_garbage();
    test_lengths();
    test_back_to_back();
    test_status_texts();
    return rk_test_done();
}
