"""The colour release's chroma steadied by its neighbouring pictures', carried along their motion.

A DVD holds each film frame whole in the luma of its pictures, but not always in their chroma. A
film frame held only in two fields of mixed (telecined) pictures carries chroma that the encoder
subsampled across both fields, half of it a neighbour's: those frames score worse than the frames it
holds whole (docs/results.md). And every picture's chroma carries compression noise at a fraction of
the luma's resolution. So each picture's chroma is averaged with the chroma of the pictures shown
with the film frames before and after it. Each neighbour is first moved onto the picture along the
luma's motion (DIS optical flow), and counts pixel by pixel as much as its moved luma matches: a
pixel the flow got wrong, or one that came into view, counts little. A picture of another shot, one
far along the release and an overlay's (a logo's) pixels never count. The picture's own luma is
kept.

What of the picture's own chroma is its neighbours' is measured, picture by picture: the share m
of it that is their chroma where they lie unmoved (a least-squares fit over the pixels where the
neighbours' moves hold; about 0.4 on a telecined DVD's frames held in fields, about 0 on whole
frames). That share is taken back out (its chroma less m times theirs, over 1 - m: the film
frame's own chroma again), and what is left counts as an estimate whose error grows with m: its
noise by 1 / (1 - m), and by what the unmoved neighbours' chroma misses of what the encoder mixed
in (``ROUGH``). So it counts (1 - m)^2 / (1 + ROUGH m^2) against each neighbour's 1: a whole
picture as much as a neighbour, one held in fields about 0.07, which its neighbours' moved chroma
outweighs where they match and which decides where they do not (what came into view, a pixel the
flow got wrong). Left in, the mixed-in chroma had been the floor of those frames' colour; taken
out, they score nearly as the whole ones do (docs/results.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

WIDTH = 360  # the flow and the average work at most this wide: a DVD's chroma planes' width
MATCH = 8.0  # grey levels: a moved neighbour whose luma is this far off counts 1/e
# How much worse the neighbours' unmoved chroma estimates what a mixed picture holds of theirs than
# a picture's own noise spoils its chroma (a ratio of variances; 10 to 50 measured alike)
ROUGH = 25.0
BLUR = 1.0  # pixels (at the working size): the luma's mismatch is judged over a small area
GAP = 3  # pictures: a neighbour further along the release than this shows another moment
# cv2's YCrCb back to RGB: what a change of (Cr, Cb) does to (R, G, B)
TO_RGB = np.array([[1.403, 0.0], [-0.714, -0.344], [0.0, 1.773]], np.float32)


@dataclass
class _Picture:
    rgb: np.ndarray  # as decoded, uint8 (h, w, 3)
    small: np.ndarray  # float32 (sh, sw, 4) at the working size: Y, Cr, Cb, under an overlay 0..1
    grey: np.ndarray  # its luma there, uint8: what the flow follows
    index: int  # picture of the release
    shot: int  # of the B&W film


class Neighbours:
    """The release's pictures, a film frame at a time, out one frame behind with their chroma
    steadied (see the module's docstring). ``overlay``: uint8 mask over the release's frame, 1
    under an overlay, or None."""

    def __init__(self, overlay: np.ndarray | None = None):
        self.overlay = overlay
        self.flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        self.grid: tuple[np.ndarray, np.ndarray] | None = None
        self.mask: np.ndarray | None = None

    def steadied(
        self, frames: Iterator[np.ndarray | None], pictures: np.ndarray, shots: np.ndarray
    ) -> Iterator[np.ndarray | None]:
        """Each of ``frames`` (RGB, or None where the release has no picture) steadied by the
        frames beside it: frame i is picture ``pictures[i]`` of the release, shown in B&W shot
        ``shots[i]``."""
        before, now, back, i = None, None, None, -1  # back: the flow from before to now
        for i, rgb in enumerate(frames):
            new = None if rgb is None else self._picture(rgb, int(pictures[i]), int(shots[i]))
            if i:
                ahead = self._flow(now, new)
                yield self._steady(now, before, back, new, ahead)
                before, back = now, ahead
            now = new
        if i >= 0:
            yield self._steady(now, before, back, None, None)

    def _picture(self, rgb: np.ndarray, index: int, shot: int) -> _Picture:
        h, w = rgb.shape[:2]
        size = (max(1, round(w * min(1.0, WIDTH / w))), max(1, round(h * min(1.0, WIDTH / w))))
        small = cv2.cvtColor(
            cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2YCrCb
        )
        if self.grid is None:
            xs, ys = np.meshgrid(
                np.arange(size[0], dtype=np.float32), np.arange(size[1], dtype=np.float32)
            )
            self.grid = xs, ys
            mask = np.zeros(size[::-1], np.float32)
            if self.overlay is not None:  # its edge blurred in decoding and scaling: widened
                mask = cv2.resize(
                    self.overlay.astype(np.float32), size, interpolation=cv2.INTER_AREA
                )
                mask = cv2.dilate((mask > 0).astype(np.float32), np.ones((5, 5), np.uint8))
            self.mask = mask
        return _Picture(
            rgb, np.dstack([small.astype(np.float32), self.mask]), small[..., 0].copy(), index, shot
        )

    def _flow(self, a: _Picture | None, b: _Picture | None) -> np.ndarray | None:
        """Where a's pixels are in b, if b shows a's moment's neighbour in a's shot."""
        if a is None or b is None or a.shot != b.shot or not 0 < abs(b.index - a.index) <= GAP:
            return None
        if min(a.grey.shape) < 16:
            return None
        return self.flow.calc(a.grey, b.grey, None)

    def _steady(self, now, before, back, after, ahead) -> np.ndarray | None:
        if now is None:
            return None
        # back: where before's pixels are in now; its negative, where now's are in before
        moves = [
            (p, f)
            for p, f in ((before, None if back is None else -back), (after, ahead))
            if f is not None
        ]
        if not moves:
            return now.rgb
        xs, ys = self.grid
        own = now.small[..., 1:3]
        pull = np.zeros_like(own)  # the neighbours' moved chroma less its own, weighted
        still = np.zeros_like(own)  # their chroma where they are, less its own
        total = np.zeros(own.shape[:2], np.float32)
        trust = np.ones(own.shape[:2], np.float32)  # where every neighbour's move holds
        for picture, flow in moves:
            moved = cv2.remap(
                picture.small,
                xs + flow[..., 0],
                ys + flow[..., 1],
                cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE,
            )
            off = cv2.GaussianBlur(np.abs(moved[..., 0] - now.small[..., 0]), (0, 0), BLUR)
            weight = np.exp(-((off / MATCH) ** 2)) * (moved[..., 3] == 0)
            pull += weight[..., None] * (moved[..., 1:3] - own)
            still += picture.small[..., 1:3] - own
            total += weight
            trust = np.minimum(trust, weight)
        towards = pull / np.maximum(total, 1e-3)[..., None]  # (moved) neighbours less its own
        apart = still / len(moves) - towards  # the neighbours unmoved less moved
        # its chroma = (1 - mixed) its own + mixed its neighbours' unmoved: least squares
        mixed = float((trust[..., None] * apart * -towards).sum()) / max(
            float((trust[..., None] * apart * apart).sum()), 1e-6
        )
        m = float(np.clip(mixed, 0, 0.5))  # half at most: its other field's
        # what taking the neighbours' share out changes in its chroma
        unmixed = still * np.float32(-m / ((1 - m) * len(moves)))
        counts = (1 - m) ** 2 / (1 + ROUGH * m * m)  # against a neighbour's 1
        shift = (counts * unmixed + pull) / (counts + total)[..., None]
        h, w = now.rgb.shape[:2]
        # cv2.transform, not numpy's matmul: its BLAS threads spin on after each small product,
        # taking a core from the encoder
        change = cv2.resize(cv2.transform(shift, TO_RGB), (w, h), interpolation=cv2.INTER_LINEAR)
        return cv2.add(now.rgb, change, dtype=cv2.CV_8U)
