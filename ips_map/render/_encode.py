"""Compact encoding of polygon rings for the page: the encoded-polyline algorithm.

Each ring becomes a string of printable ASCII (63–126): latitude and longitude rounded to
``PRECISION`` decimals, delta-coded, zig-zagged and cut into 5-bit chunks. A few lines of
JavaScript in ``static/decode.js`` decode it. It is about a quarter of the size of the same
coordinates written as GeoJSON numbers. The services' positions are written so.

The départements' arcs (``_topology.py``) use a denser code of the same kind,
:func:`encode_varints`: 90 characters that JSON and the page's ``<script>`` take as they are,
84 of them ending a value and 6 carrying its lower digits (see :data:`ALPHABET`).
"""

from __future__ import annotations

import numpy as np

#: Decimal places kept: 1e-4 degree is at most 11 m.
PRECISION = 4
#: The varint code's characters: printable ASCII but the five that JSON or the page's
#: script escape (quote, backslash, < > &). The first FINAL end a value, the other MORE
#: carry its lower digits.
ALPHABET = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in '"\\<>&')
FINAL = 84
MORE = len(ALPHABET) - FINAL


def encode_ring(coords: np.ndarray, precision: int = PRECISION) -> str:
    """Encode an (n, 2) array of lon/lat as a polyline string (lat first, as Leaflet).

    Vectorised: each zig-zagged delta is cut into its 5-bit chunks, low bits first, every
    chunk but the last flagged with 0x20, all of them offset by 63 into printable ASCII.
    """
    scaled = np.round(np.asarray(coords)[:, ::-1] * 10**precision).astype(np.int64)
    deltas = np.diff(scaled, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    values = np.where(deltas < 0, ~(deltas << 1), deltas << 1).astype(np.uint64)
    if values.size == 0:
        return ""
    width = max(1, -(-int(values.max()).bit_length() // 5))  # chunks of the largest value
    shifts = np.arange(0, 5 * width, 5, dtype=np.uint64)
    rest = values[:, None] >> shifts[None, :]
    chunks = rest & np.uint64(0x1F)
    more = (rest >> np.uint64(5)) > 0
    used = np.concatenate([np.ones((len(values), 1), bool), more[:, :-1]], axis=1)
    chars = chunks + np.uint64(63) + np.where(more, np.uint64(0x20), np.uint64(0))
    return chars[used].astype(np.uint8).tobytes().decode("ascii")


def decode_ring(text: str, precision: int = PRECISION) -> np.ndarray:
    """Decode a polyline string back to an (n, 2) array of lon/lat (for tests)."""
    values, shift, result = [], 0, 0
    for char in text:
        byte = ord(char) - 63
        result |= (byte & 0x1F) << shift
        shift += 5
        if byte < 0x20:
            values.append(~(result >> 1) if result & 1 else result >> 1)
            shift, result = 0, 0
    latlon = np.cumsum(np.array(values, dtype=np.int64).reshape(-1, 2), axis=0)
    return latlon[:, ::-1] / 10**precision


def encode_varints(values: np.ndarray) -> str:
    """Encode signed integers, each zig-zagged (0, -1, 1, -2… → 0, 1, 2, 3…) then written in
    mixed radix, lowest digits first: while the value is at least FINAL, one MORE character
    for ``value % MORE`` (the value becomes ``value // MORE``), then one FINAL character.

    Boundary deltas at 1e-4° are mostly below 84 (one character) or 504 (two).
    """
    values = np.asarray(values, dtype=np.int64)
    rest = np.where(values < 0, ~(values << 1), values << 1)
    if rest.size == 0:
        return ""
    width = 1
    while int(rest.max()) >= FINAL * MORE ** (width - 1):
        width += 1
    digits = np.empty((len(rest), width), dtype=np.int64)
    used = np.zeros((len(rest), width), dtype=bool)
    for k in range(width):
        last = rest < FINAL
        digits[:, k] = np.where(last, rest, FINAL + rest % MORE)
        used[:, k] = rest >= 0
        rest = np.where(last, -1, rest // MORE)
    table = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
    return table[digits[used]].tobytes().decode("ascii")


def decode_varints(text: str) -> np.ndarray:
    """Decode :func:`encode_varints`'s string back to its integers (for tests and readers)."""
    value_of = {char: k for k, char in enumerate(ALPHABET)}
    values, value, scale = [], 0, 1
    for char in text:
        digit = value_of[char]
        if digit >= FINAL:
            value += (digit - FINAL) * scale
            scale *= MORE
            continue
        value += digit * scale
        values.append(~(value >> 1) if value & 1 else value >> 1)
        value, scale = 0, 1
    if scale != 1:
        raise ValueError("the string ends inside a value")
    return np.array(values, dtype=np.int64)
