"""Colour as classes: the a*b* bins of Zhang, Isola and Efros (ECCV 2016), for the classifier.

The a*b* plane is cut into squares of GRID units; the bins are the squares that sRGB colours reach
(261 at grid 10 by OpenCV's conversion; Zhang et al.'s published set of 313 also holds squares just
outside sRGB). A target colour is soft-encoded over its NEAREST nearest bin centres with
Gaussian weights (sigma SIGMA); a pixel's loss is weighted by how rare its colour is in the film's
own training frames (class rebalancing, LAMBDA), so that the network does not settle on the
common, muted colours; a distribution is decoded by its annealed mean (temperature T): vivid where
the network is sure, nearer grey where it is torn between colours.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
import torch

GRID = 10
NEAREST = 5
SIGMA = 5.0
LAMBDA = 0.5
T = 0.38
_SPAN = 128  # a*, b* looked up in [-128, 128) at unit steps


@functools.cache
def gamut_bins(grid: int = GRID) -> np.ndarray:
    """Centres (Q, 2) of the a*b* squares that some sRGB colour falls in."""
    v = np.linspace(0, 1, 65, dtype=np.float32)
    rgb = np.stack(np.meshgrid(v, v, v, indexing="ij"), -1).reshape(-1, 1, 3)
    ab = cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)[:, 0, 1:]
    cells = np.unique(np.round(ab / grid).astype(np.int64), axis=0)
    return (cells * grid).astype(np.float32)


class Encoder:
    """Soft-encoding of a*b* targets over bins, through a lookup table at unit steps of a*b*."""

    def __init__(self, bins: np.ndarray):
        grid = np.arange(-_SPAN, _SPAN, dtype=np.float32)
        points = np.stack(np.meshgrid(grid, grid, indexing="ij"), -1).reshape(-1, 2)
        d2 = (points**2).sum(1)[:, None] + (bins**2).sum(1)[None] - 2 * points @ bins.T
        nearest = np.argpartition(d2, NEAREST, axis=1)[:, :NEAREST]
        near = np.take_along_axis(d2, nearest, 1)
        w = np.exp(
            -(near - near.min(1, keepdims=True)) / (2 * SIGMA**2)
        )  # far off: still sums to 1
        self.index = torch.from_numpy(nearest.astype(np.int64))  # (256 * 256, NEAREST)
        self.weight = torch.from_numpy((w / w.sum(1, keepdims=True)).astype(np.float32))

    def _cell(self, ab: torch.Tensor) -> torch.Tensor:
        """Row of the table for each pixel of ab (n, 2, h, w): (n, h, w)."""
        q = ab.round().long().clamp(-_SPAN, _SPAN - 1) + _SPAN
        return q[:, 0] * (2 * _SPAN) + q[:, 1]

    def encode(self, ab: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Bin indices and weights (n, h, w, NEAREST) of target colours ab (n, 2, h, w)."""
        cell = self._cell(ab)
        return self.index.to(ab.device)[cell], self.weight.to(ab.device)[cell]

    def histogram(self, ab: np.ndarray, q: int) -> np.ndarray:
        """Soft counts (q,) of the colours ab (..., 2) over the bins."""
        cell = self._cell(torch.from_numpy(np.moveaxis(ab.reshape(-1, 1, 1, 2), -1, 1)))
        idx, w = self.index[cell].reshape(-1), self.weight[cell].reshape(-1)
        return np.bincount(idx.numpy(), weights=w.numpy(), minlength=q)


def rebalancing(counts: np.ndarray, bins: np.ndarray, lam: float = LAMBDA) -> np.ndarray:
    """Class weights (Q,) from the film's soft bin counts: 1 / ((1 - lam) p + lam / Q), with p the
    counts smoothed over the a*b* plane (Gaussian, SIGMA) and normalised; scaled so that the
    expected weight of a training pixel is 1."""
    d2 = ((bins[:, None] - bins[None]) ** 2).sum(-1)
    p = np.exp(-d2 / (2 * SIGMA**2)) @ counts
    p = p / p.sum()
    w = 1 / ((1 - lam) * p + lam / len(bins))
    return (w / (p * w).sum()).astype(np.float32)


def annealed_mean(logits: torch.Tensor, bins: torch.Tensor, t: float = T) -> torch.Tensor:
    """a*b* (n, h, w, 2) decoded from logits over the bins (n, h, w, Q) by the annealed mean: the
    mean of the distribution sharpened by temperature ``t``."""
    return torch.softmax(logits.float() / t, dim=-1) @ bins
