"""Which source frames each picture of a decoding chain shows, field by field.

A colour release's truth.json (``../shared/tools/make_release.py``, ``pipelines.cases.sd_release``)
says, for frame k of a plain decode (``-fps_mode passthrough``), the source frames of its two fields
(``color.fields[k]``). Field matching, decimation and repeated fields only copy fields, so every
field of a chain's picture is bit-identical to a field of the plain decode: each is looked up by a
hash of its lines (per parity). A field that matches none (a deinterlacer's interpolated one) takes
the label of the nearest plain field of its parity within a dozen frames, and is marked inexact.
Content-based, so it holds for chains that decide from the picture (fieldmatch, decimate), where
sending a frame-number video through the chain would not.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np

from filmcolor.io.decoding import Decoding
from filmcolor.io.video import FrameReader, probe

WINDOW = 12


def _hash(field: np.ndarray) -> bytes:
    return hashlib.blake2b(np.ascontiguousarray(field).tobytes(), digest_size=12).digest()


def _fields(path: Path, decoding: Decoding):
    """(hash top, hash bottom, small top, small bottom) of each picture of the chain's luma."""
    chain = replace(decoding, matrix=None)
    with FrameReader(probe(path), pix_fmt="gray", decoding=chain) as reader:
        for batch in reader:
            for f in batch:
                top, bottom = f[0::2], f[1::2]
                yield _hash(top), _hash(bottom), top[::4, ::4], bottom[::4, ::4]


def picture_fields(path: Path, decoding: Decoding, fields: list) -> list[tuple]:
    """(top source, bottom source, top exact, bottom exact) of each picture of ``decoding``'s
    chain over ``path``, from ``fields``: [top, bottom] of each frame of a plain decode."""
    plain = list(_fields(path, Decoding()))
    if len(plain) != len(fields):
        raise SystemExit(f"{path}: {len(plain)} frames decoded, the truth lists {len(fields)}")
    maps: list[dict] = [{}, {}]
    for (ht, hb, _, _), (t, b) in zip(plain, fields):
        maps[0].setdefault(ht, set()).add(t)
        maps[1].setdefault(hb, set()).add(b)
    small = [np.stack([p[2 + par] for p in plain]).astype(np.float32) for par in (0, 1)]
    out = list(_fields(path, decoding)) if decoding.filters else plain
    labels = []
    for j, picture in enumerate(out):
        pos = round(j * len(plain) / max(len(out), 1))
        row = []
        for par in (0, 1):
            hit = maps[par].get(picture[par])
            if hit is not None and len(hit) == 1:
                row.append((next(iter(hit)), True))
                continue
            lo, hi = max(0, pos - WINDOW), min(len(plain), pos + WINDOW + 1)
            d = ((small[par][lo:hi] - picture[2 + par].astype(np.float32)) ** 2).mean(axis=(1, 2))
            row.append((fields[lo + int(np.argmin(d))][par], hit is not None))
        labels.append((row[0][0], row[1][0], row[0][1], row[1][1]))
    return labels


def clean_sources(labels: list[tuple]) -> np.ndarray:
    """Per picture: its source frame where both fields show it (-1 where they mix two, or on a
    card), the kept field's source for a deinterlaced picture."""
    out = np.full(len(labels), -1, np.int64)
    for i, (t, b, et, eb) in enumerate(labels):
        if t == b:
            out[i] = t
        elif et != eb:  # one field kept, the other interpolated from it
            out[i] = t if et else b
    return out
