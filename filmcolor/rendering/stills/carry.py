"""A still's colour carried through its shot, both ways, along the film's motion.

Each frame's pixels are followed back to the still's frame, and the still's colour is sampled
there once (colour carried frame to frame by warping blurs at every step; a position does not):

1. **Where each pixel was.** A pixel's place on the still's frame is guessed two ways: the
   previous frame's places moved along the optical flow from this frame to it (OpenCV's DIS, its
   fast preset: the *chain*); and that guess refined by the flow from this frame to the still's
   frame brought onto it along the guess (the *anchor*: what is left of the motion is small, and
   the chain's drift is taken out). Each pixel takes the guess whose neighbourhood, taken from
   the still's frame, looks most like its own. (The flow straight to the still's frame, tried as
   a third guess, took the wrong place in alike textures, 2 to 3 dB lower on bmx-trees.)
2. **Where its colour lies.** Among the places of the pixel's neighbours (up to ``SNAP`` pixels
   away), the still's colour is taken from those whose neighbourhood matches the pixel's best,
   weighted by how well they match: the colour's edges then sit on the frame's own edges, not on
   the flow's.
3. **How far it is trusted.** Where even the best place does not look like the pixel, where the
   flow back to the previous frame and forth from it do not meet (something new or uncovered:
   forward-backward consistency), or where the place lies outside the still's picture, the
   carried colour is trusted less (``trust``).
4. **What fills in where it is lost.** The trusted colour around it (``filled``: trust-weighted
   means over a narrow, a wider and a wide neighbourhood); the model's colour only where there is
   next to none in the whole picture. The colour around a lost pixel is of the same shot and the
   still's own, where a model trained on a few stills knows little.

A shot is carried from each of its stills both ways (backwards from the first, forwards from the
last); between two stills each frame takes both, weighted by their trust and by nearness.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

SNAP = 2  # pixels around a pixel's place where its colour is looked for
PATCH = 5  # side of the neighbourhoods compared, pixels
SHARPNESS = 4.0  # grey levels: how much better a match weighs e times as much
FB_PX = 1.5  # pixels the flows back and forth may miss each other by (and a tenth of the motion)
TRUST_LEVELS = 40.0  # grey levels of mismatch at which a pixel's colour is trusted e^-1 as much
FILL_SCALES = (0.3, 0.075, 0.02)  # neighbourhoods lost colour is filled from (sigma / width)
FILL_NEED = 0.3  # mean trust around a pixel at which that neighbourhood's colour fills it whole
BASE_NEED = 0.02  # mean trust over the picture below which the model's colour fills in


def _remap(x: np.ndarray, where: np.ndarray, border=cv2.BORDER_REPLICATE) -> np.ndarray:
    return cv2.remap(x, where, None, cv2.INTER_LINEAR, borderMode=border)


class Carrier:
    """A still's colour carried frame by frame, away from it in one direction."""

    def __init__(self, grey: np.ndarray, ab: np.ndarray, cover: np.ndarray):
        h, w = grey.shape
        self.grid = np.dstack(
            np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        )
        self.still = grey.astype(np.float32)
        self.ab, self.cover = ab.astype(np.float32), cover.astype(np.float32)
        self.prev, self.pos = grey, self.grid.copy()
        self.step_flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        self.forth_flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
        self.anchor_flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)

    def _mismatch(self, grey: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """How unlike its neighbourhood on the still's frame at ``pos`` each pixel's is."""
        return cv2.blur(np.abs(_remap(self.still, pos) - grey), (PATCH, PATCH))

    def step(self, grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The next frame's carried a*b* and trust (0..1)."""
        g = grey.astype(np.float32)
        back = self.step_flow.calc(grey, self.prev, None)
        chain = _remap(self.pos, self.grid + back)
        # forward-backward: a pixel whose way back and way forth do not meet was hidden before
        forth = _remap(self.forth_flow.calc(self.prev, grey, None), self.grid + back)
        miss = np.hypot(*(back + forth).transpose(2, 0, 1))
        seen = np.exp(-((miss / (FB_PX + 0.1 * np.hypot(*back.transpose(2, 0, 1)))) ** 2))
        moved = np.clip(_remap(self.still, chain), 0, 255).astype(np.uint8)
        anchor = _remap(chain, self.grid + self.anchor_flow.calc(grey, moved, None))
        errors = [self._mismatch(g, p) for p in (chain, anchor)]
        pos = np.where((errors[1] < errors[0])[..., None], anchor, chain)
        self.prev, self.pos = grey, pos
        ab, error = self._snap(g, pos)
        inside = _remap(self.cover, pos, cv2.BORDER_CONSTANT)
        trust = np.exp(-((error / TRUST_LEVELS) ** 2)) * inside * cv2.erode(seen, None)
        return ab, trust.astype(np.float32)

    def _snap(self, grey: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The still's colour around each pixel's place, weighted by how well each offset's
        neighbourhood matches; and the best match's mismatch. The still is sampled at the places
        once, and the offsets taken on that (the places of neighbouring pixels): 25 shifts of one
        picture cost less than 25 samplings of the still."""
        h, w = grey.shape
        r = SNAP
        moved = cv2.copyMakeBorder(_remap(self.still, pos), r, r, r, r, cv2.BORDER_REPLICATE)
        ab = cv2.copyMakeBorder(_remap(self.ab, pos), r, r, r, r, cv2.BORDER_REPLICATE)
        planes = [np.ascontiguousarray(ab[..., c]) for c in range(2)]
        shifts = [(dy, dx) for dy in range(2 * r + 1) for dx in range(2 * r + 1)]
        costs = [
            cv2.blur(cv2.absdiff(moved[dy : dy + h, dx : dx + w], grey), (PATCH, PATCH))
            for dy, dx in shifts
        ]
        best = np.minimum.reduce(costs)
        total = np.zeros((2, h, w), np.float32)
        weights = np.zeros((h, w), np.float32)
        for (dy, dx), cost in zip(shifts, costs):
            weight = cv2.exp(cv2.subtract(best, cost) * np.float32(1 / SHARPNESS))
            for plane, sum_ in zip(planes, total):
                cv2.accumulateProduct(plane[dy : dy + h, dx : dx + w], weight, sum_)
            cv2.accumulate(weight, weights)
        return np.dstack(total) / weights[..., None], best


def filled(ab: np.ndarray, trust: np.ndarray, base: np.ndarray) -> np.ndarray:
    """The carried ``ab`` as much as it is ``trust``ed, the rest filled from the trusted colour
    around it: trust-weighted means over Gaussian neighbourhoods (normalized convolution),
    widest first, each narrower one taking over where it holds trust enough (``FILL_NEED``);
    ``base`` where even the widest holds next to none (``BASE_NEED``)."""
    out = base
    for i, scale in enumerate(FILL_SCALES):
        sigma = scale * trust.shape[1]
        weights = _blurred(trust, sigma)
        mean = _blurred(ab * trust[..., None], sigma) / np.maximum(weights, 1e-6)[..., None]
        share = np.clip(weights / (FILL_NEED if i else BASE_NEED), 0, 1)[..., None]
        out = share * mean + (1 - share) * out
    t = trust[..., None]
    return (t * ab + (1 - t) * out).astype(np.float32)


def _blurred(x: np.ndarray, sigma: float) -> np.ndarray:
    """``x`` blurred by a Gaussian of ``sigma`` pixels: shrunk first, blurred small, enlarged
    (a wide blur at full size costs as many pixels as its kernel is wide)."""
    h, w = x.shape[:2]
    f = max(1.0, sigma / 2)
    small = cv2.resize(
        x, (max(1, round(w / f)), max(1, round(h / f))), interpolation=cv2.INTER_AREA
    )
    small = cv2.GaussianBlur(small, (0, 0), sigma / f, borderType=cv2.BORDER_REPLICATE)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR).reshape(x.shape)


def carry_shot(
    greys: list[np.ndarray], lo: int, stills: list[tuple[int, np.ndarray, np.ndarray]]
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Each still (its frame, a*b*, cover) carried through the frames ``greys`` (film frames lo,
    lo + 1, ...) both ways: each frame's a*b* and trust, the stills' frames as they are."""
    stills = sorted(stills, key=lambda s: s[0])
    out = {}

    def run(still, frames) -> Iterator[tuple[int, tuple]]:
        f, ab, cover = still
        carrier = Carrier(greys[f - lo], ab, cover)
        for k in frames:
            yield k, carrier.step(greys[k - lo])

    for f, ab, cover in stills:
        out[f] = (ab, cover)
    out.update(run(stills[0], range(stills[0][0] - 1, lo - 1, -1)))
    for a, b in zip(stills, stills[1:]):
        forward = dict(run(a, range(a[0] + 1, b[0])))
        for k, (ab_b, t_b) in run(b, range(b[0] - 1, a[0], -1)):
            ab_a, t_a = forward[k]
            wa, wb = (b[0] - k) * (t_a + 1e-3), (k - a[0]) * (t_b + 1e-3)
            total = wa + wb
            ab = (wa[..., None] * ab_a + wb[..., None] * ab_b) / total[..., None]
            out[k] = (ab, (wa * t_a + wb * t_b) / total)
    out.update(run(stills[-1], range(stills[-1][0] + 1, lo + len(greys))))
    return out
