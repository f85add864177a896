"""Images for the demo, drawn here with the standard library: a cover per course and a portrait
per teacher, as PNG files (a two-colour gradient with a band), so the demo needs no download."""

from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def gradient_png(
    width: int, height: int, top: tuple[int, int, int], bottom: tuple[int, int, int]
) -> bytes:
    """A PNG fading from ``top`` to ``bottom``, with a lighter band across its middle third."""
    rows = []
    for y in range(height):
        mix = y / max(height - 1, 1)
        colour = [round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)]
        if height // 3 <= y < 2 * height // 3:
            colour = [min(255, c + 40) for c in colour]
        rows.append(b"\x00" + bytes(colour) * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )
