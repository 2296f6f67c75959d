/*
 * Unit tests of the document image check: every supported variant of each
 * format is accepted with its dimensions; every strict prefix of every valid
 * file (a truncated upload) is refused; corrupt files (broken PNG CRC, IDAT
 * too short, BMP palette index out of range, RLE without its end), disguised
 * files (PDF, ZIP, HTML named .jpg/.png), decompression bombs, empty input
 * and a 40 MB buffer over the limit are refused with the right code and a
 * message that says why. Test images: tests/data/images (make_images.py).
 */
#include "test.h"

#include "domain/image.h"
#include "util/err.h"

#include <stdint.h>

typedef struct blob {
    unsigned char *data;
    size_t len;
} blob;

static blob load(const char *name)
{
    char path[4096];
    const char *src = getenv("RK_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/tests/data/images/%s", src ? src : "..", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "missing test image %s\n", path);
        exit(2);
    }
    blob b = {malloc(1 << 20), 0};
    if (!b.data) exit(2);
    b.len = fread(b.data, 1, 1 << 20, f);
    fclose(f);
    return b;
}

static const struct {
    const char *file, *format, *mime;
    int w, h, frames;
} valid[] = {
    {"ok.jpg", "jpeg", "image/jpeg", 40, 30, 1},
    {"ok-progressive.jpg", "jpeg", "image/jpeg", 40, 30, 1},
    {"ok-grey.jpg", "jpeg", "image/jpeg", 17, 9, 1},
    {"ok.png", "png", "image/png", 16, 12, 1},
    {"ok-interlaced.png", "png", "image/png", 16, 12, 1},
    {"ok-palette.png", "png", "image/png", 16, 12, 1},
    {"ok.gif", "gif", "image/gif", 16, 12, 1},
    {"ok-anim.gif", "gif", "image/gif", 16, 12, 2},
    {"ok-24.bmp", "bmp", "image/bmp", 16, 12, 1},
    {"ok-24-topdown.bmp", "bmp", "image/bmp", 16, 12, 1},
    {"ok-core.bmp", "bmp", "image/bmp", 16, 12, 1},
    {"ok-8.bmp", "bmp", "image/bmp", 16, 12, 1},
    {"ok-4.bmp", "bmp", "image/bmp", 16, 12, 1},
    {"ok-1.bmp", "bmp", "image/bmp", 16, 12, 1},
    {"ok-rle8.bmp", "bmp", "image/bmp", 16, 12, 1},
    {"ok-rle4.bmp", "bmp", "image/bmp", 16, 12, 1},
    {"ok-16-bitfields.bmp", "bmp", "image/bmp", 16, 12, 1},
    {"ok-32-v4.bmp", "bmp", "image/bmp", 16, 12, 1},
    {"ok-32-v5.bmp", "bmp", "image/bmp", 16, 12, 1},
};
#define N_VALID (sizeof valid / sizeof valid[0])

static void test_valid(void)
{
    for (size_t i = 0; i < N_VALID; i++) {
        blob b = load(valid[i].file);
        rk_image_info info;
        int rc = rk_image_check(&info, b.data, b.len, 0);
        if (rc) fprintf(stderr, "%s refused: %s\n", valid[i].file, rk_err_msg());
        CHECK_INT(rc, 0);
        CHECK_STR(info.format, valid[i].format);
        CHECK_STR(info.mime, valid[i].mime);
        CHECK_INT(info.width, valid[i].w);
        CHECK_INT(info.height, valid[i].h);
        CHECK_INT(info.frames, valid[i].frames);
        free(b.data);
    }
}

/* Every strict prefix of every valid file is refused as corrupt/truncated. */
static void test_truncated(void)
{
    for (size_t i = 0; i < N_VALID; i++) {
        blob b = load(valid[i].file);
        int accepted = 0, wrong_code = 0;
        for (size_t cut = 0; cut < b.len; cut++) {
            /* a fresh copy of exactly cut bytes, so ASan sees any overread */
            unsigned char *p = malloc(cut ? cut : 1);
            memcpy(p, b.data, cut);
            rk_image_info info;
            int rc = rk_image_check(&info, p, cut, 0);
            if (rc == 0) {
                accepted++;
                fprintf(stderr, "%s cut to %zu bytes was accepted\n", valid[i].file, cut);
            } else if (rc != RK_EFORMAT) {
                wrong_code++;
            }
            CHECK(rc != 0 || info.width == 0); /* never half-filled */
            free(p);
        }
        CHECK_INT(accepted, 0);
        CHECK_INT(wrong_code, 0);
        free(b.data);
    }
    blob b = load("ok.jpg");
    rk_image_info info;
    CHECK_INT(rk_image_check(&info, b.data, b.len - 2, 0), RK_EFORMAT); /* no EOI */
    CHECK(strstr(rk_err_msg(), "JPEG"));
    free(b.data);
    b = load("ok.png");
    CHECK_INT(rk_image_check(&info, b.data, b.len - 12, 0), RK_EFORMAT); /* no IEND */
    CHECK(strstr(rk_err_msg(), "PNG"));
    free(b.data);
}

static void expect_refused(const char *file, int code, const char *words)
{
    blob b = load(file);
    rk_image_info info;
    int rc = rk_image_check(&info, b.data, b.len, 0);
    CHECK_INT(rc, code);
    if (!strstr(rk_err_msg(), words))
        fprintf(stderr, "%s: message \"%s\" lacks \"%s\"\n", file, rk_err_msg(), words);
    CHECK(strstr(rk_err_msg(), words) != NULL);
    CHECK_INT(info.width, 0);
    CHECK_STR(info.format, "");
    free(b.data);
}

static void test_corrupt_and_disguised(void)
{
    expect_refused("bad-crc.png", RK_EFORMAT, "CRC");
    expect_refused("short-idat.png", RK_EFORMAT, "PNG image is corrupt");
    expect_refused("bad-index.bmp", RK_EFORMAT, "palette");
    expect_refused("bad-rle8.bmp", RK_EFORMAT, "end-of-bitmap");
    expect_refused("document-pdf.jpg", RK_EFORMAT, "PDF");
    expect_refused("archive-zip.jpg", RK_EFORMAT, "ZIP");
    expect_refused("page-html.png", RK_EFORMAT, "HTML");

    /* a JPEG whose second half was replaced by a PDF (a spliced upload) */
    blob b = load("ok.jpg");
    rk_image_info info;
    memcpy(b.data + b.len / 2, "%PDF-1.4\n%%EOF\n", 15);
    CHECK_INT(rk_image_check(&info, b.data, b.len / 2 + 15, 0), RK_EFORMAT);
    free(b.data);

    /* a PNG signature followed by a GIF: the content decides, and is wrong */
    blob g = load("ok.gif");
    unsigned char *mix = malloc(g.len + 8);
    memcpy(mix, "\x89PNG\r\n\x1a\n", 8);
    memcpy(mix + 8, g.data, g.len);
    CHECK_INT(rk_image_check(&info, mix, g.len + 8, 0), RK_EFORMAT);
    free(mix);
    free(g.data);

    /* bytes after a JPEG's end marker are tolerated (cameras append data) */
    b = load("ok.jpg");
    memcpy(b.data + b.len, "trailing", 8);
    CHECK_INT(rk_image_check(&info, b.data, b.len + 8, 0), 0);
    free(b.data);

    const unsigned char text[] = "just some text, not an image at all";
    CHECK_INT(rk_image_check(&info, text, sizeof text - 1, 0), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "not a JPEG, PNG, GIF or BMP"));
}

static void test_bombs(void)
{
    expect_refused("bomb.png", RK_ETOOBIG, "20000 x 20000");
    expect_refused("bomb.jpg", RK_ETOOBIG, "60000 x 60000");
    expect_refused("bomb.gif", RK_ETOOBIG, "60000 x 60000");
    expect_refused("bomb-frame.gif", RK_ETOOBIG, "50000 x 50000");
    expect_refused("bomb.bmp", RK_ETOOBIG, "50000 x 50000");
}

static void test_sizes(void)
{
    rk_image_info info;
    /* 40 MB that start like a JPEG: refused on size alone, nothing decoded */
    size_t big = (size_t)40 * 1024 * 1024;
    unsigned char *p = malloc(big);
    memset(p, 0, big);
    memcpy(p, "\xFF\xD8\xFF\xE0", 4);
    CHECK_INT(rk_image_check(&info, p, big, (size_t)3 * 1024 * 1024), RK_ETOOBIG);
    CHECK(strstr(rk_err_msg(), "40.0 MB") && strstr(rk_err_msg(), "3.0 MB"));
    /* max_bytes 0 means the 3 MB default */
    CHECK_INT(rk_image_check(&info, p, RK_IMAGE_DEFAULT_MAX_BYTES + 1, 0), RK_ETOOBIG);
    free(p);

    blob b = load("ok.png");
    CHECK_INT(rk_image_check(&info, b.data, b.len, b.len), 0); /* exactly the limit */
    CHECK_INT(rk_image_check(&info, b.data, b.len, b.len - 1), RK_ETOOBIG);
    free(b.data);

    CHECK_INT(rk_image_check(&info, (const unsigned char *)"", 0, 0), RK_EFORMAT);
    CHECK(strstr(rk_err_msg(), "empty"));
    CHECK_INT(rk_image_check(&info, NULL, 0, 0), RK_EFORMAT);
}

int main(void)
{
    test_valid();
    test_truncated();
    test_corrupt_and_disguised();
    test_bombs();
    test_sizes();
    return rk_test_done();
}
