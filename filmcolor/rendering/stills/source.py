"""Stills as the source of colour: each still's colour carried through its shot.

Each still (``alignment.stills``: its frame of the film and where its picture lies on it) is put
on the film's picture at the size colour is carried at (``CARRY_WIDTH`` at most, the chroma
planes' otherwise) as CIE a*b*, with where it shows the picture (a still may be cropped). While
rendering, a stage of its own decodes the shots that have a still, small and grey, and carries
each still's colour both ways through its shot along the film's motion (``carry``), a shot at a
time: a shot's frames before its first still are coloured from the still backwards, so the shot
is carried whole before its first frame is given out. Each frame then takes the carried colour
as much as it is trusted there, and elsewhere the trusted colour around it (``carry.filled``):
where the still does not show the picture, where something new comes into view, where the
motion loses track; the model's colour matched to the still (its a*b* mean and spread on the
still's frame brought to the still's) only where the picture has next to none. Shots without a
still take the model's colour, as without stills. A shot's carried colour is held until it is
given out (about 1.5 MB a frame at 480 pixels across): memory grows with the longest shot that
has a still, not with the film.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ...alignment.stills import Still, read_still
from ...colour import rgb_to_ab, rgb_to_grey
from ...io.frames import frames_at
from ...io.video import FrameReader, VideoInfo
from ..predictor import ColourFn
from .carry import carry_shot, filled

log = logging.getLogger("filmcolor")

CARRY_WIDTH = 480  # pixels across the picture at most, where colour is carried
SPREAD = (0.5, 2.0)  # bounds of the spread ratio of the model's colour matched to a still's


@dataclass
class Placed:
    """A still on the picture at the carrying size: its a*b*, where it shows the picture (0..1)
    and its picture, and its shot."""

    still: Still
    shot: int
    ab: np.ndarray
    cover: np.ndarray
    rgb: np.ndarray  # the still's picture there, for the review


@dataclass
class Stills:
    """The stills of a film and what carrying their colour found (see the module's docstring)."""

    info: VideoInfo
    stills: list[Still]
    transfer: dict[int, np.ndarray] = field(default_factory=dict)  # still frame -> (4, 2)
    _placed: dict = field(default_factory=dict, repr=False)  # (corners, size) -> [Placed]

    @property
    def frames(self) -> list[int]:
        return [s.frame for s in self.stills]

    def size(self, half: tuple[int, int]) -> tuple[int, int]:
        """The size colour is carried at, for a picture of ``half`` (the chroma planes' size)."""
        w, h = half
        if w <= CARRY_WIDTH:
            return w, h
        return CARRY_WIDTH, max(2, round(h * CARRY_WIDTH / w))

    def placed(self, corners: tuple, half: tuple[int, int], shot: np.ndarray) -> list[Placed]:
        """Each still on the picture ``corners`` (x0, y0, x1, y1, film pixels) at the carrying
        size; kept while those stay."""
        key = (tuple(corners), tuple(half))
        if key not in self._placed:
            size = self.size(half)
            self._placed[key] = [
                Placed(s, int(shot[min(s.frame, len(shot) - 1)]), *_place(s, corners, size))
                for s in self.stills
            ]
        return self._placed[key]

    def carried(
        self, first: int, count: int, batch: int, corners: tuple, half: tuple, shot: np.ndarray
    ) -> Iterator[list]:
        """For film frames first .. first + count, a batch at a time: each frame's carried colour
        (a*b* at the carrying size, and how much it is trusted, 0..1), or None (no still in its
        shot)."""
        placed = self.placed(corners, half, shot)
        items = self._frames(first, count, corners, self.size(half), shot, placed)
        pending: list = []
        for item in items:
            pending.append(item)
            if len(pending) == batch:
                yield pending
                pending = []
        if pending:
            yield pending

    def _frames(self, first, count, corners, size, shot, placed) -> Iterator:
        stop = first + count
        k = first
        while k < stop:
            s = int(shot[min(k, len(shot) - 1)])
            same = np.flatnonzero(shot == s)
            b = int(same[-1]) + 1  # the shot's end
            end = min(stop, max(b, k + 1))
            here = [p for p in placed if p.shot == s]
            if not here:
                yield from [None] * (end - k)
                k = end
                continue
            lo = min([k] + [p.still.frame for p in here])
            hi = max([min(end, b)] + [p.still.frame + 1 for p in here])
            greys = _decode(self.info, corners, size, lo, hi)
            result = carry_shot(greys, lo, [(p.still.frame, p.ab, p.cover) for p in here])
            yield from (result.get(j) for j in range(k, end))
            k = end

    def facts(self, k: int, carried: tuple, used: bool) -> tuple:
        """What the review is told of frame ``k`` of a still's shot: the share of its picture
        that took the carried colour (0 where the shots file set the still aside) and, on a
        still's own frame, its picture."""
        placed = next((p for ps in self._placed.values() for p in ps if p.still.frame == k), None)
        return float(carried[1].mean()) if used else 0.0, (lambda: placed.rgb) if placed else None

    def colour(
        self, k: int, model: np.ndarray, carried: tuple | None, fill: np.ndarray | None = None
    ) -> np.ndarray:
        """The a*b* of film frame ``k`` at the size of the model's ``model`` (h, w, 2): the carried
        colour where it is trusted; elsewhere ``fill`` (the colour release's, where it has the
        frame) or the trusted colour around it (``carry.filled``; the model's matched to the
        shot's still where there is next to none)."""
        if carried is None:
            return model
        ab, trust = carried
        h, w = model.shape[:2]
        size = (trust.shape[1], trust.shape[0])
        if fill is not None:
            t = cv2.resize(trust.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
            ab = cv2.resize(ab.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
            return (t[..., None] * ab + (1 - t[..., None]) * fill).astype(np.float32)
        if (t := self._transfer_of(k)) is not None:
            m_mean, m_sd, s_mean, s_sd = t
            model = (model - m_mean) * np.clip(s_sd / np.maximum(m_sd, 1e-3), *SPREAD) + s_mean
        base = cv2.resize(model.astype(np.float32), size, interpolation=cv2.INTER_AREA)
        ab = filled(ab.astype(np.float32), trust.astype(np.float32), base)
        return cv2.resize(ab, (w, h), interpolation=cv2.INTER_LINEAR)

    def _transfer_of(self, k: int) -> np.ndarray | None:
        if not self.transfer:
            return None
        nearest = min(self.transfer, key=lambda f: abs(f - k))
        return self.transfer[nearest]


def _place(still: Still, corners: tuple, size: tuple[int, int]) -> tuple:
    """A still's a*b*, cover and RGB picture on the picture ``corners`` at ``size`` (w, h)."""
    rgb = read_still(Path(still.file))
    cx, cy, cw, ch = still.crop
    bx, by, bw, bh = still.box
    x0, y0, x1, y1 = corners
    w, h = size
    # carrying pixel u -> film x = x0 + (u + 0.5) fx -> still x = cx + (film x - bx) sx
    fx, fy = (x1 - x0) / w, (y1 - y0) / h
    sx, sy = cw / bw, ch / bh
    shrink = (max(1.0, fx * sx), max(1.0, fy * sy))  # a larger picture is shrunk first: no alias
    if max(shrink) > 1.5:
        rgb = cv2.resize(
            rgb, None, fx=1 / shrink[0], fy=1 / shrink[1], interpolation=cv2.INTER_AREA
        )
    else:
        shrink = (1.0, 1.0)
    m = np.float32(
        [
            [fx * sx / shrink[0], 0, (cx + (x0 + 0.5 * fx - bx) * sx) / shrink[0] - 0.5],
            [0, fy * sy / shrink[1], (cy + (y0 + 0.5 * fy - by) * sy) / shrink[1] - 0.5],
        ]
    )
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    picture = cv2.warpAffine(rgb, m, size, flags=flags, borderMode=cv2.BORDER_REPLICATE)
    inside = (cx / shrink[0], cy / shrink[1], (cx + cw) / shrink[0], (cy + ch) / shrink[1])
    return rgb_to_ab(picture), _cover(m, size, inside), picture


def _cover(m: np.ndarray, size: tuple[int, int], box: tuple) -> np.ndarray:
    """1 where carrying pixels fall inside the still's picture ``box`` (x0, y0, x1, y1, its pixels'
    edges), fading over a pixel."""
    w, h = size
    u = np.arange(w, dtype=np.float32) * m[0, 0] + m[0, 2] + 0.5  # as edges: pixel i is i..i+1
    v = np.arange(h, dtype=np.float32) * m[1, 1] + m[1, 2] + 0.5
    ramp_u = np.clip(np.minimum(u - box[0], box[2] - u) + 0.5, 0, 1)
    ramp_v = np.clip(np.minimum(v - box[1], box[3] - v) + 0.5, 0, 1)
    return np.outer(ramp_v, ramp_u).astype(np.float32)


def _decode(info: VideoInfo, corners: tuple, size: tuple, lo: int, hi: int) -> list[np.ndarray]:
    """Film frames [lo, hi) of the picture ``corners``, grey at ``size``."""
    x0, y0, x1, y1 = corners
    start = (lo - 0.5) / float(info.fps) if lo else None
    with FrameReader(
        info,
        crop=(x0, y0, x1 - x0, y1 - y0),
        size=size,
        pix_fmt="gray",
        start=start,
        frames=hi - lo,
        batch=32,
    ) as reader:
        return [f for batch in reader for f in batch]


def transfers(info: VideoInfo, stills: list[Still], colour: ColourFn) -> dict:
    """For each still, per a*b* channel: the colour function's mean and spread on the still's
    frame and the still's own, over the part of the frame the still shows, (4, 2)."""
    out = {}
    frames = [s.frame for s in stills]
    for s, rgb in zip(stills, frames_at(info, frames)):
        bx, by, bw, bh = s.box
        x0, y0 = max(0, int(bx)), max(0, int(by))
        x1, y1 = min(info.width, int(bx + bw)), min(info.height, int(by + bh))
        grey = rgb_to_grey(rgb[y0:y1, x0:x1])
        model = colour(grey[None])[0][0]
        picture = read_still(Path(s.file))
        cx, cy, cw, ch = s.crop
        u0, v0 = max(cx, round(cx + (x0 - bx) * cw / bw)), max(cy, round(cy + (y0 - by) * ch / bh))
        u1 = min(cx + cw, max(u0 + 1, round(cx + (x1 - bx) * cw / bw)))
        v1 = min(cy + ch, max(v0 + 1, round(cy + (y1 - by) * ch / bh)))
        size = model.shape[1], model.shape[0]
        own = cv2.resize(picture[v0:v1, u0:u1], size, interpolation=cv2.INTER_AREA)
        model, truth = model.reshape(-1, 2), rgb_to_ab(own).reshape(-1, 2)
        out[s.frame] = np.stack([model.mean(0), model.std(0), truth.mean(0), truth.std(0)])
    return out
