#!/usr/bin/env python3
"""Writes the small test images of tests/unit/test_image.c and the seed corpus
of tests/fuzz/fuzz_image.c. Run from anywhere; it writes next to itself and to
tests/fuzz/corpus/fuzz_image. PNG, GIF and BMP are encoded here by hand (no
PIL on the build machines); the JPEGs come from a few lines of C against
libjpeg (cc and libjpeg-dev are build dependencies anyway).

Every file is tiny; the total stays far below 200 KB."""
import os
import shutil
import struct
import subprocess
import tempfile
import zipfile
import io
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.normpath(os.path.join(HERE, "..", "..", "fuzz", "corpus", "fuzz_image"))
W, H = 16, 12


def pixel(x, y):
    return ((x * 16) & 255, (y * 20) & 255, ((x + y) * 8) & 255)


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


# ---------------- PNG ----------------
def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width, height, colour_type, rows, plte=None, interlace=0, idat=None):
    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, interlace))
    if plte:
        out += chunk(b"PLTE", plte)
    out += chunk(b"tEXt", b"Comment\0rakiosk test image")
    if idat is None:
        idat = zlib.compress(rows)
    out += chunk(b"IDAT", idat)
    return out + chunk(b"IEND", b"")


def png_rgb_rows(width, height):
    return b"".join(b"\0" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))


def png_adam7_rows(width, height):
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    out = b""
    for x0, y0, dx, dy in passes:
        xs = range(x0, width, dx)
        if not xs:
            continue
        for y in range(y0, height, dy):
            out += b"\0" + b"".join(bytes(pixel(x, y)) for x in xs)
    return out


# ---------------- GIF ----------------
def lzw(indices, min_size):
    """Plain GIF LZW: variable code width, table reset when it fills."""
    clear, eoi = 1 << min_size, (1 << min_size) + 1
    out, bits, nbits = bytearray(), 0, 0
    width = min_size + 1

    def emit(code):
        nonlocal bits, nbits
        bits |= code << nbits
        nbits += width
        while nbits >= 8:
            out.append(bits & 255)
            bits >>= 8
            nbits -= 8

    table = {(i,): i for i in range(clear)}
    nxt = eoi + 1
    emit(clear)
    cur = ()
    for p in indices:
        cand = cur + (p,)
        if cand in table:
            cur = cand
            continue
        emit(table[cur])
        if nxt < 4096:
            table[cand] = nxt
            nxt += 1
            if nxt > (1 << width) and width < 12:
                width += 1
        else:
            emit(clear)
            table = {(i,): i for i in range(clear)}
            nxt, width = eoi + 1, min_size + 1
        cur = (p,)
    if cur:
        emit(table[cur])
    emit(eoi)
    if nbits:
        out.append(bits & 255)
    return bytes(out)


def sub_blocks(data):
    out = b""
    for i in range(0, len(data), 255):
        part = data[i:i + 255]
        out += bytes([len(part)]) + part
    return out + b"\0"


def gif(frames, sw=W, sh=H, claim=None):
    palette = b"".join(bytes((i * 16, 255 - i * 16, (i * 40) & 255)) for i in range(16))
    out = b"GIF89a" + struct.pack("<HHBBB", sw, sh, 0xF3, 0, 0) + palette  # 16-colour global table
    out += b"\x21\xFE" + sub_blocks(b"rakiosk")  # comment extension
    for (x, y, w, h, flags) in frames:
        out += b"\x21\xF9\x04\x04\x0A\x00\x00\x00"  # graphic control: 0.1 s
        cw, ch = claim or (w, h)  # claim: what the descriptor says, for the bomb
        out += b"\x2C" + struct.pack("<HHHHB", x, y, cw, ch, flags)
        idx = [(i * 7 + i // w) % 16 for i in range(w * h)]
        out += bytes([4]) + sub_blocks(lzw(idx, 4))
    return out + b"\x3B"


# ---------------- BMP ----------------
def bmp(header, palette, pixels, bpp, comp=0, width=W, height=H, masks=b"", clr_used=0,
        size_image=None):
    if header == 12:
        dib = struct.pack("<IHHHH", 12, width, height, 1, bpp)
    else:
        dib = struct.pack("<IiiHHIIiiII", header, width, height, 1, bpp, comp,
                          len(pixels) if size_image is None else size_image, 2835, 2835, clr_used, 0)
        if header >= 52:
            dib += (masks + b"\0" * 16)[:16] if header >= 56 else (masks + b"\0" * 12)[:12]
            masks = b""
        if header >= 108:
            dib += b"BGRs" + b"\0" * 36 + b"\0" * 12
        if header == 124:
            dib += struct.pack("<IIII", 4, 0, 0, 0)
        dib = dib[:header]
    off = 14 + len(dib) + len(masks) + len(palette)
    head = b"BM" + struct.pack("<IHHI", off + len(pixels), 0, 0, off)
    return head + dib + masks + palette + pixels


def rows_packed(width, height, bpp, value, top_down=False):
    stride = (width * bpp + 31) // 32 * 4
    out = b""
    for y in range(height):
        row = bytearray()
        if bpp == 24:
            for x in range(width):
                r, g, b = pixel(x, y)
                row += bytes((b, g, r))
        elif bpp == 32:
            for x in range(width):
                r, g, b = pixel(x, y)
                row += bytes((b, g, r, 255))
        elif bpp == 16:
            for x in range(width):
                r, g, b = pixel(x, y)
                row += struct.pack("<H", (r >> 3) << 11 | (g >> 2) << 5 | b >> 3)
        else:
            acc, n = 0, 0
            for x in range(width):
                acc = acc << bpp | value(x, y)
                n += bpp
                if n == 8:
                    row.append(acc)
                    acc, n = 0, 0
            if n:
                row.append(acc << (8 - n))
        out += bytes(row) + b"\0" * (stride - len(row))
    return out


def palette(n, entry=4):
    return b"".join(bytes((i * 13 & 255, i * 7 & 255, i * 3 & 255)) + (b"\0" if entry == 4 else b"")
                    for i in range(n))


def rle8(width, height):
    out = b""
    for y in range(height):
        out += bytes((width // 2, y % 16))  # a run
        lit = bytes((x + y) % 16 for x in range(width - width // 2))
        out += bytes((0, len(lit))) + lit + (b"\0" if len(lit) % 2 else b"")  # literal
        out += b"\0\0"  # end of line
    return out + b"\0\1"


def rle4(width, height):
    out = b""
    for y in range(height):
        out += bytes((width, 0x12 + y % 3))
        out += b"\0\0"
    return out + b"\0\1"


# ---------------- JPEG ----------------
JPEG_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>
int main(int argc, char **argv) {
    int w = atoi(argv[2]), h = atoi(argv[3]), progressive = atoi(argv[4]), grey = atoi(argv[5]);
    struct jpeg_compress_struct c; struct jpeg_error_mgr e;
    FILE *f = fopen(argv[1], "wb");
    c.err = jpeg_std_error(&e); jpeg_create_compress(&c); jpeg_stdio_dest(&c, f);
    c.image_width = w; c.image_height = h;
    c.input_components = grey ? 1 : 3; c.in_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c); jpeg_set_quality(&c, 60, TRUE);
    if (progressive) jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    unsigned char row[3 * 4096];
    while (c.next_scanline < c.image_height) {
        for (int x = 0; x < w * c.input_components; x++) row[x] = (x * 5 + c.next_scanline * 9) & 255;
        JSAMPROW r = row; jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c); jpeg_destroy_compress(&c); fclose(f); return 0;
}
"""


def jpegs():
    tmp = tempfile.mkdtemp()
    try:
        src, exe = os.path.join(tmp, "j.c"), os.path.join(tmp, "j")
        with open(src, "w") as f:
            f.write(JPEG_C)
        subprocess.check_call(["cc", "-O1", "-o", exe, src, "-ljpeg"])
        for name, w, h, prog, grey in [("ok.jpg", 40, 30, 0, 0), ("ok-progressive.jpg", 40, 30, 1, 0),
                                       ("ok-grey.jpg", 17, 9, 0, 1)]:
            subprocess.check_call([exe, os.path.join(HERE, name), str(w), str(h), str(prog), str(grey)])
    finally:
        shutil.rmtree(tmp)


def sof_patch(data, w, h):
    """The same JPEG with the frame header claiming w x h."""
    i = 2
    while i < len(data):
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            return data[:i + 5] + struct.pack(">HH", h, w) + data[i + 9:]
        i += 2 + length
    raise SystemExit("no SOF")


def main():
    jpegs()
    rgb = png_rgb_rows(W, H)
    write("ok.png", png(W, H, 2, rgb))
    write("ok-interlaced.png", png(W, H, 2, png_adam7_rows(W, H), interlace=1))
    pal_rows = b"".join(b"\0" + bytes((x + y) % 4 for x in range(W)) for y in range(H))
    write("ok-palette.png", png(W, H, 3, pal_rows, plte=palette(4, 3)))
    # a CRC broken in IDAT; and IDAT holding less data than the image needs
    good = png(W, H, 2, rgb)
    k = good.index(b"IDAT")
    k += 4 + struct.unpack(">I", good[k - 4:k])[0]  # the IDAT chunk's CRC
    write("bad-crc.png", good[:k] + bytes((good[k] ^ 0x55,)) + good[k + 1:])
    write("short-idat.png", png(W, H, 2, rgb, idat=zlib.compress(rgb[: len(rgb) // 2])))
    write("bomb.png", png(20000, 20000, 2, b"", idat=zlib.compress(b"\0" * 1000)))

    write("ok.gif", gif([(0, 0, W, H, 0)]))
    write("ok-anim.gif", gif([(0, 0, W, H, 0), (2, 2, 8, 6, 0x40)]))  # second frame interlaced
    write("bomb.gif", gif([(0, 0, 2, 2, 0)], sw=60000, sh=60000))
    write("bomb-frame.gif", gif([(0, 0, 2, 2, 0)], claim=(50000, 50000)))

    write("ok-24.bmp", bmp(40, b"", rows_packed(W, H, 24, None), 24))
    write("ok-24-topdown.bmp", bmp(40, b"", rows_packed(W, H, 24, None), 24, height=-H))
    write("ok-core.bmp", bmp(12, b"", rows_packed(W, H, 24, None), 24))
    write("ok-8.bmp", bmp(40, palette(16), rows_packed(W, H, 8, lambda x, y: (x + y) % 16), 8,
                          clr_used=16))
    write("ok-4.bmp", bmp(40, palette(16), rows_packed(W, H, 4, lambda x, y: (x * y) % 16), 4))
    write("ok-1.bmp", bmp(40, palette(2), rows_packed(W, H, 1, lambda x, y: (x ^ y) & 1), 1))
    write("ok-rle8.bmp", bmp(40, palette(16), rle8(W, H), 8, comp=1, clr_used=16))
    write("ok-rle4.bmp", bmp(40, palette(16), rle4(W, H), 4, comp=2))
    m565 = struct.pack("<III", 0xF800, 0x07E0, 0x001F)
    write("ok-16-bitfields.bmp", bmp(40, b"", rows_packed(W, H, 16, None), 16, comp=3, masks=m565))
    m8888 = struct.pack("<IIII", 0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000)
    write("ok-32-v5.bmp", bmp(124, b"", rows_packed(W, H, 32, None), 32, comp=3, masks=m8888))
    write("ok-32-v4.bmp", bmp(108, b"", rows_packed(W, H, 32, None), 32, comp=3, masks=m8888))
    write("bomb.bmp", bmp(40, b"", b"\0" * 64, 24, width=50000, height=50000))
    write("bad-index.bmp", bmp(40, palette(4), rows_packed(W, H, 8, lambda x, y: 9 if x == 5 else 1), 8,
                               clr_used=4))
    write("bad-rle8.bmp", bmp(40, palette(16), rle8(W, H)[:-2], 8, comp=1, clr_used=16))  # no end mark

    with open(os.path.join(HERE, "ok.jpg"), "rb") as f:
        ok_jpg = f.read()
    write("bomb.jpg", sof_patch(ok_jpg, 60000, 60000))

    # disguised files: names say image, contents are not
    write("document-pdf.jpg", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        z.writestr(zipfile.ZipInfo("id-card.txt", (2026, 1, 1, 0, 0, 0)), "not an image")
    write("archive-zip.jpg", zbuf.getvalue())
    write("page-html.png", b"<!DOCTYPE html>\n<html><body><img src=x></body></html>\n")

    # the fuzz seed corpus: the valid images and a few corrupt ones
    os.makedirs(CORPUS, exist_ok=True)
    for name in sorted(os.listdir(HERE)):
        if name.endswith((".py", ".md")):
            continue
        shutil.copy(os.path.join(HERE, name), os.path.join(CORPUS, name))
    with open(os.path.join(HERE, "ok.png"), "rb") as f:
        data = f.read()
    with open(os.path.join(CORPUS, "truncated.png"), "wb") as f:
        f.write(data[: len(data) - 30])
    with open(os.path.join(CORPUS, "truncated.jpg"), "wb") as f:
        f.write(ok_jpg[: len(ok_jpg) // 2])


if __name__ == "__main__":
    main()
