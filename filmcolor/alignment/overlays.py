"""Overlays: graphics laid over a release's picture (a logo, a caption, a watermark), not still
parts of the picture itself.

A broadcaster's logo on the colour release, or a restorer's watermark on the B&W scan, covers the
same pixels in every frame, of every shot. A lamp or a wall stays put too, but only through its
shot: the next shot shows another place. So, as the frames go by at the decoder's small size,
each pixel's spread over time is kept (``StaticPixels``); a pixel is under an overlay where that
spread falls below half of its neighbourhood's (a median over a quarter of the frame, but no less
than half the picture's median: a large logo would lower its own neighbourhood's) and, once the
shots are known, where its mean level also stays as it is from shot to shot (its spread over the
shots' means below half of its neighbourhood's). A film of one or two shots cannot tell a lamp
from a logo that way: there the spread within the film decides alone, and must fall lower
(``FEW_SHOTS_RATIO``), and the blobs kept are fewer (``FEW_SHOTS_MOST``): a logo all but opaque
is still found, a lamp far less often. Overlays lie
inside the picture area (bars are static too; a scan's perforations and the film's edge are
outside it, ``analysis.PictureArea``), in blobs neither tiny nor huge, small in all
(``MOST``), their holes filled, grown by a pixel for the blur around a logo's edge.

What an overlay covers is what the release does not show: matching and registration look at the
frames with it filled in from around it (``Inpainted``), the training loss leaves its pixels out
(the aligned folder's mask), and the render takes the colour there from around it in the
release's picture (``rendering.release.source``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..geometry import Box, inset, to_pixels

RATIO = 0.5  # spread over time below this share of the neighbourhood's: an overlay
FEW_SHOTS_RATIO = 0.25  # ... where too few shots tell what stays put from shot to shot
MIN_FRAMES = 48  # fewer frames than this say nothing about what stays put
LARGEST = 0.15  # of the picture: a bigger "overlay" is a static film, not a logo
MOST = 0.1  # of the picture, all overlays together: the stillest blobs are kept up to it
FEW_SHOTS_MOST = 0.02  # ... where too few shots tell: a logo's size, not a set's
MIN_SHOTS = 3  # shots it takes to tell what stays put from shot to shot
SHOT_FRAMES = 12  # frames a shot needs for its mean to count


class StaticPixels:
    """Each pixel's mean and spread over time of grey frames (side, side), in constant memory."""

    def __init__(self, side: int):
        self.side, self.n = side, 0
        self.sum = np.zeros((side, side), np.int64)  # exact, and 3x cheaper than floats
        self.sq = np.zeros((side, side), np.int64)

    def update(self, grey: np.ndarray) -> None:
        g = grey.astype(np.int32)
        self.sum += g.sum(axis=0, dtype=np.int64)
        self.sq += (g * g).sum(axis=0, dtype=np.int64)
        self.n += len(grey)

    def mask(self, picture: Box, frames=None, cuts: list[int] = ()) -> np.ndarray | None:
        """Where an overlay lies (bool (side, side), over the whole frame), or None; ``frames``
        (the grey frames seen, (n, side, side)) and their shots' ``cuts`` tell what stays put
        from shot to shot (``shot_spread``)."""
        if self.n < MIN_FRAMES:
            return None
        mean = self.sum / self.n
        spread = np.sqrt(np.maximum(self.sq / self.n - mean**2, 0)).astype(np.float32)
        x0, y0, x1, y1 = to_pixels(inset(picture, 0.015), self.side, self.side)
        across = shot_spread(frames, cuts) if frames is not None else None
        if across is None:
            low = _below_around(spread, (x0, y0, x1, y1), FEW_SHOTS_RATIO)
        else:
            low = _below_around(spread, (x0, y0, x1, y1)) & _below_around(across, (x0, y0, x1, y1))
        inside = np.zeros_like(low)
        inside[y0:y1, x0:x1] = True
        low &= inside
        count, labels, stats, _ = cv2.connectedComponentsWithStats(low.astype(np.uint8), 8)
        area = (x1 - x0) * (y1 - y0)
        blobs = [i for i in range(1, count) if 6 <= stats[i, cv2.CC_STAT_AREA] <= LARGEST * area]
        blobs.sort(key=lambda i: float(spread[labels == i].mean()))  # the stillest first
        keep, total = np.zeros_like(low), 0
        for i in blobs:  # the stillest always (one logo may be large), the rest up to the most
            total += stats[i, cv2.CC_STAT_AREA]
            if keep.any() and total > (MOST if across is not None else FEW_SHOTS_MOST) * area:
                break
            keep |= labels == i
        if not keep.any():
            return None
        outside = np.pad(~keep, 1, constant_values=True).astype(np.uint8)  # holes: not reached
        cv2.floodFill(outside, None, (0, 0), 2)
        keep |= outside[1:-1, 1:-1] == 1
        return cv2.dilate(keep.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)


def _below_around(spread: np.ndarray, picture: tuple, ratio: float = RATIO) -> np.ndarray:
    """Where a spread falls below ``ratio`` of its neighbourhood's (a median over a quarter of
    the frame), or of half the picture's median, whichever is more (a large overlay lowers its
    own neighbourhood's)."""
    side = spread.shape[0]
    k = max(3, side // 4) | 1
    scale = 255 / max(float(spread.max()), 1e-6)  # medianBlur takes bytes: the spread scaled
    around = cv2.medianBlur(np.clip(spread * scale, 0, 255).astype(np.uint8), min(k, 255))
    x0, y0, x1, y1 = picture
    floor = 0.5 * float(np.median(spread[y0:y1, x0:x1]))
    return spread < ratio * np.maximum(around.astype(np.float32) / scale, max(floor, 1.0))


def shot_spread(frames, cuts: list[int]) -> np.ndarray | None:
    """Each pixel's spread over its shots' mean levels (shots of ``SHOT_FRAMES`` or more, a
    frame in four read), or None where fewer than ``MIN_SHOTS`` shots tell."""
    bounds = [0, *cuts, len(frames)]
    means = [
        np.asarray(frames[a:b:4], np.float32).mean(axis=0)
        for a, b in zip(bounds, bounds[1:])
        if b - a >= SHOT_FRAMES
    ]
    if len(means) < MIN_SHOTS:
        return None
    return np.std(np.stack(means), axis=0).astype(np.float32)


@dataclass(frozen=True)
class Overlay:
    """An overlay found on one release: its mask over the whole frame (bool (side, side)), its
    box in the release's own pixels (x, y, w, h) and its mean colour (RGB, or a grey level)."""

    mask: np.ndarray
    box: tuple[int, int, int, int]
    colour: tuple[int, ...]

    @classmethod
    def found(cls, mask: np.ndarray, size: tuple[int, int], frames) -> Overlay:
        """The overlay of ``mask``, for a release of ``size`` (w, h) whose small frames (n, s, s[,
        3]) are ``frames`` (a few are read for its colour)."""
        ys, xs = np.nonzero(mask)
        s = mask.shape[0]
        x0, x1 = xs.min() * size[0] // s, (xs.max() + 1) * size[0] // s
        y0, y1 = ys.min() * size[1] // s, (ys.max() + 1) * size[1] // s
        sample = frames[np.linspace(0, len(frames) - 1, min(16, len(frames))).astype(int)]
        colour = np.median(sample[:, mask], axis=(0, 1)).round().astype(int)
        box = (int(x0), int(y0), int(x1 - x0), int(y1 - y0))
        return cls(mask, box, tuple(int(v) for v in colour.ravel()))

    def to_json(self) -> dict:
        return {"box": list(self.box), "colour": list(self.colour), "pixels": int(self.mask.sum())}


def pair_weights(
    overlays: dict[str, Overlay | None], crops: dict[str, Box], size: int
) -> np.ndarray | None:
    """The aligned pairs' pixel weights (size, size) float32: 0 where an overlay of either release
    covers the pair's picture (any part of the pixel), 1 elsewhere; None when there is none."""
    weights = np.ones((size, size), np.float32)
    for name, overlay in overlays.items():
        if overlay is None:
            continue
        m = overlay.mask.astype(np.float32)
        x0, y0, x1, y1 = to_pixels(crops[name], m.shape[1], m.shape[0])
        cover = cv2.resize(m[y0:y1, x0:x1], (size, size), interpolation=cv2.INTER_AREA)
        weights[cover > 0.02] = 0.0
    return None if weights.min() == 1.0 else weights


class Inpainted:
    """Small grey frames read with an overlay filled in from around it (OpenCV's Telea
    inpainting, on the overlay's box only), for matching and registration."""

    def __init__(self, frames, mask: np.ndarray):
        self.frames, self.shape = frames, frames.shape
        ys, xs = np.nonzero(mask)
        s = mask.shape[0]
        self.box = (max(0, ys.min() - 4), min(s, ys.max() + 5), max(0, xs.min() - 4))
        self.box += (min(s, xs.max() + 5),)
        y0, y1, x0, x1 = self.box
        self.roi_mask = mask[y0:y1, x0:x1].astype(np.uint8)

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, index) -> np.ndarray:
        out = self.frames[index]
        y0, y1, x0, x1 = self.box
        for f in out if out.ndim == 3 else out[None]:
            f[y0:y1, x0:x1] = cv2.inpaint(f[y0:y1, x0:x1], self.roi_mask, 2, cv2.INPAINT_TELEA)
        return out
