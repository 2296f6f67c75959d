#!/usr/bin/env python3
# Writes a PNG that looks like a scanned identity card (no real person's
# data: coloured bands, a photo box and grey bars for the printed lines),
# for the desk's review tests. Standard library only.
#   make_card.py OUT.png [WIDTH HEIGHT]
import struct
import sys
import zlib

out = sys.argv[1]
w = int(sys.argv[2]) if len(sys.argv) > 2 else 1200
h = int(sys.argv[3]) if len(sys.argv) > 3 else 760


def pixel(x, y):
    m = w // 24
    if x < m // 3 or y < m // 3 or x >= w - m // 3 or y >= h - m // 3:
        return (40, 70, 120)  # the card's edge
    if m <= x < w * 30 // 100 and h * 25 // 100 <= y < h * 85 // 100:
        return (170, 175, 185) if (x // 8 + y // 8) % 2 else (185, 190, 200)  # the photo
    if y < h * 16 // 100:
        return (60, 110, 170)  # the title band
    for i in range(6):  # the printed lines
        top = h * (24 + i * 11) // 100
        if top <= y < top + h // 22 and w * 36 // 100 <= x < w * (88 - (i % 3) * 12) // 100:
            return (50, 50, 60)
    return (226, 236, 246)


rows = bytearray()
for y in range(h):
    rows.append(0)
    for x in range(w):
        rows.extend(pixel(x, y))


def chunk(kind, data):
    c = struct.pack(">I", len(data)) + kind + data
    return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b"")
with open(out, "wb") as f:
    f.write(png)
