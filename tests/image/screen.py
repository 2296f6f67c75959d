#!/usr/bin/env python3
"""screen.py: a QEMU screen dump (binary PPM) to PNG, with what it shows.

    screen.py DUMP.ppm OUT.png

Writes OUT.png (for people to look at) and prints one line
"width=W height=H ink=F colours=N": F is the fraction of pixels that differ
from the most common colour (the background), N the number of distinct
colours. A blank or black screen has ink=0."""
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


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    w, h, rgb = read_ppm(sys.argv[1])
    write_png(sys.argv[2], w, h, rgb)
    counts = collections.Counter(rgb[i:i + 3] for i in range(0, len(rgb), 3))
    background = counts.most_common(1)[0][1]
    print(f"width={w} height={h} ink={1 - background / (w * h):.4f} colours={len(counts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
