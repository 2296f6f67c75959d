#!/usr/bin/env python3
"""screen.py: a QEMU screen dump (binary PPM) to PNG, with what it shows.

    screen.py [--kiosk] DUMP.ppm OUT.png

Writes OUT.png (for people to look at) and prints one line
"width=W height=H ink=F colours=N": F is the fraction of pixels that differ
from the most common colour (the background), N the number of distinct
colours. A blank or black screen has ink=0.

--kiosk adds " kiosk=yes" or " kiosk=no(REASON)": whether the screen is
drawn by rakiosk in its default theme (ui/theme.c): the background is the
theme's (white #FFFFFF or the surface #F4F6F8) on at least a third of the
screen, the accent blue #0B57D0 of its buttons is on at least 0.2 % of it,
and there is anti-aliased text (at least 16 colours, ink at least 2 %). A
text console, a black screen or firmware's picture is "no"."""
import collections
import struct
import sys
import zlib


def read_ppm(path):
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or int(fields[3]) != 255:
        raise ValueError("not an 8-bit binary PPM")
    w, h = int(fields[1]), int(fields[2])
    return w, h, data[pos + 1:pos + 1 + w * h * 3]


def write_png(path, w, h, rgb):
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))
    rows = b"".join(b"\0" + rgb[y * w * 3:(y + 1) * w * 3] for y in range(h))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(rows, 6)))
        f.write(chunk(b"IEND", b""))


THEME_BACKGROUNDS = (b"\xff\xff\xff", b"\xf4\xf6\xf8")
THEME_ACCENT = b"\x0b\x57\xd0"


def kiosk_verdict(counts, total, ink):
    top = counts.most_common(1)[0][0]
    if top not in THEME_BACKGROUNDS:
        return "no(background #%s)" % top.hex()
    if sum(counts[c] for c in THEME_BACKGROUNDS) < total / 3:
        return "no(background under a third)"
    if counts[THEME_ACCENT] < total * 0.002:
        return "no(no accent)"
    if len(counts) < 16 or ink < 0.02:
        return "no(no text)"
    return "yes"


def main():
    args = sys.argv[1:]
    kiosk = bool(args) and args[0] == "--kiosk"
    if kiosk:
        args = args[1:]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    w, h, rgb = read_ppm(args[0])
    write_png(args[1], w, h, rgb)
    counts = collections.Counter(rgb[i:i + 3] for i in range(0, len(rgb), 3))
    background = counts.most_common(1)[0][1]
    ink = 1 - background / (w * h)
    line = f"width={w} height={h} ink={ink:.4f} colours={len(counts)}"
    if kiosk:
        line += " kiosk=" + kiosk_verdict(counts, w * h, ink)
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
