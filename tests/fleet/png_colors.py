#!/usr/bin/python3
"""Counts the pixels of given colours in a PNG (8-bit RGB/RGBA, non-interlaced, as rsvg-convert
writes): proof that an SVG drew what it should.

usage: png_colors.py FILE.png RRGGBB... -> JSON {"width": W, "height": H, "RRGGBB": count, ...}
"""
import json
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
            channels = 4 if ctype == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, channels, rows


def main():
    width, height, channels, rows = decode(sys.argv[1])
    wanted = {c.lower(): (int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)) for c in sys.argv[2:]}
    counts = {c: 0 for c in wanted}
    for line in rows:
        for x in range(0, len(line), channels):
            px = (line[x], line[x + 1], line[x + 2])
            for name, rgb in wanted.items():
                if all(abs(p - q) <= 12 for p, q in zip(px, rgb)):
                    counts[name] += 1
    json.dump({"width": width, "height": height, **counts}, sys.stdout)


if __name__ == "__main__":
    main()
