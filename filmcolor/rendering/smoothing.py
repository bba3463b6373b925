"""Temporal smoothing of predicted colour (a*b*): motion-compensated, within shots, with bounded
look-ahead.

Colorizing each frame on its own flickers. Each frame's colour is averaged with its neighbours',
each neighbour first warped onto the frame by optical flow, and never across a shot cut.
"""

from __future__ import annotations

import math
from collections import deque

import cv2
import numpy as np


class ColourSmoother:
    """Motion-compensated smoothing of colour over time within shots, with the look-ahead it needs.

    Each frame's a*b* are averaged with its neighbours' (Gaussian weights, ``sigma`` in frames),
    each neighbour first warped onto the frame by optical flow (Farneback, at the model's size) so
    colour follows what moves instead of trailing it; pixels the flow gets wrong (their warped luma
    differs) count less. Neighbours in another shot never count: each frame comes in with its shot
    (the film's cuts are known before rendering, ``pieces``). Frames go in with ``push`` and come
    out of ``pop_ready`` once the frames after them in their window are in. ``sigma`` 0 turns
    smoothing off.
    """

    def __init__(self, sigma: float):
        self.radius = int(math.ceil(2 * sigma)) if sigma > 0 else 0
        self.weights = np.exp(
            -0.5 * (np.arange(-self.radius, self.radius + 1) / max(sigma, 1e-6)) ** 2
        ).astype(np.float32)
        self.items: deque = deque()  # (index, colour, luma, shot, payload), oldest first
        self.flows: dict[tuple[int, int], np.ndarray] = {}  # (t, t +- 1) -> flow from frame t to it
        self.seen = 0
        self.next_out = 0

    def push(
        self, small_luma: np.ndarray, ab: np.ndarray, shots: list[int], payloads: list
    ) -> None:
        """Frames in: their luma at the model's size (what the flow follows), their colour (a*b*
        there), their shots and what goes out with each."""
        for luma, c, shot, p in zip(small_luma, ab, shots, payloads):
            if self.radius and self.items and self.items[-1][3] == shot:
                prev = self.items[-1][2]
                self.flows[(self.seen - 1, self.seen)] = _flow(prev, luma)
                self.flows[(self.seen, self.seen - 1)] = _flow(luma, prev)
            self.items.append((self.seen, c, luma, shot, p))
            self.seen += 1

    def _neighbours(self, t: int, step: int, grid: np.ndarray):
        """(k, colour, luma) of frames t + k, k = step, 2 step, ... in t's window and shot, each
        sampled where frame t's pixels moved to (the flows between neighbours chained)."""
        where = grid.copy()
        first, last = self.items[0][0], self.items[-1][0]
        shot = self.items[t - first][3]
        for k in range(step, step * (self.radius + 1), step):
            if not first <= t + k <= last or self.items[t + k - first][3] != shot:
                return
            where += cv2.remap(
                self.flows[(t + k - step, t + k)],
                where[..., 0],
                where[..., 1],
                cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE,
            )
            _, c, luma, _, _ = self.items[t + k - first]
            yield (
                k,
                *(
                    cv2.remap(
                        x,
                        where[..., 0],
                        where[..., 1],
                        cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE,
                    )
                    for x in (c, luma.astype(np.float32))
                ),
            )

    def pop_ready(self, final: bool = False) -> list[tuple[np.ndarray, object]]:
        """(smoothed colour, payload) of every frame whose window is complete, in order."""
        out = []
        while (
            self.items
            and self.next_out <= self.items[-1][0]
            and (final or self.next_out + self.radius < self.seen)
        ):
            t = self.next_out
            _, c, luma, _, payload = self.items[t - self.items[0][0]]
            if self.radius:
                h, w = luma.shape
                grid = np.dstack(
                    np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
                )
                acc, total = (
                    c * self.weights[self.radius],
                    np.full((h, w, 1), self.weights[self.radius], np.float32),
                )
                for step in (-1, 1):
                    for k, colour_k, luma_k in self._neighbours(t, step, grid):
                        # where the warp holds
                        trust = np.exp(-(((luma_k - luma) / 12.0) ** 2))[..., None]
                        weight = self.weights[k + self.radius] * trust
                        acc += weight * colour_k
                        total += weight
                c = (acc / total).astype(np.float32)
            out.append((c, payload))
            self.next_out += 1
            while self.items and self.items[0][0] < self.next_out - self.radius:
                gone = self.items.popleft()[0]
                self.flows.pop((gone, gone + 1), None)
                self.flows.pop((gone + 1, gone), None)
        return out


def _flow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dense optical flow from frame a to frame b (small grey uint8 frames): where a's pixels are in
    b."""
    return cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 2, 9, 3, 5, 1.1, 0)
