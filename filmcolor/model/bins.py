"""The ``unet-bins`` head and its classes: the a*b* bins of Zhang, Isola and Efros (ECCV 2016).

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
from torch import nn

from ..colour import rgb_to_ab
from .head import Head, Mix, masked_mean

GRID = 10
NEAREST = 5
SIGMA = 5.0
LAMBDA = 0.5
T = 0.38
# Pixels decoded at a time at inference: their logits (0.5 MB) stay in the cache and below the
# allocator's mmap threshold (io.memory), where a batch's whole (70 MB at 16 frames of 64x64) was
# three fresh mappings, their pages faulted in and zeroed each batch.
BLOCK = 512
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
        # Far off the bins (outside sRGB), the weights are taken relative to the nearest: they
        # still sum to 1.
        w = np.exp(-(near - near.min(1, keepdims=True)) / (2 * SIGMA**2))
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


class BinsHead(Head):
    """The ``unet-bins`` head: a distribution over the a*b* bins, by a 1x1 convolution (a linear
    layer over channels-last features: a faster softmax), trained with class-rebalanced
    cross-entropy against the soft-encoded target and decoded by its annealed mean."""

    def __init__(self, features: int, bins: np.ndarray | None = None):
        super().__init__()
        bins = gamut_bins() if bins is None else bins
        self.proj = nn.Linear(features, len(bins))
        self.register_buffer("bins", torch.as_tensor(bins, dtype=torch.float32))
        # How much each bin's pixels count in the loss: 1 until calibrated on the film.
        self.register_buffer("class_weights", torch.ones(len(bins)))
        self._encoder: Encoder | None = None

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = Encoder(self.bins.cpu().numpy())
        return self._encoder

    def forward(self, features: torch.Tensor, grey: torch.Tensor) -> torch.Tensor:
        """Bin logits (n, h, w, Q)."""
        return self.proj(features.permute(0, 2, 3, 1))

    def decode(self, out: torch.Tensor) -> np.ndarray:
        return annealed_mean(out.detach(), self.bins).cpu().numpy()

    @torch.no_grad()
    def colour(self, features: torch.Tensor, grey: torch.Tensor) -> np.ndarray:
        """``decode(forward(...))`` a ``BLOCK`` of pixels at a time on the CPU (all at once on a
        GPU): the same a*b* (bit for bit on the CPU), in far less time and memory than the
        whole batch's logits decoded at once."""
        n, c, h, w = features.shape
        pixels = features.permute(0, 2, 3, 1).reshape(-1, c)  # a copy, unless channels-last
        device = pixels.device.type
        block = BLOCK if device == "cpu" else max(1, len(pixels))
        ab = torch.empty(len(pixels), 2, device=pixels.device)
        for i in range(0, len(pixels), block):
            logits = self.proj(pixels[i : i + block])
            with torch.autocast(device, enabled=False):  # decoded in float32, as ``decode`` does
                ab[i : i + block] = annealed_mean(logits, self.bins)
        return ab.reshape(n, h, w, 2).cpu().numpy()

    def loss(
        self,
        out: torch.Tensor,
        rgb: torch.Tensor,
        ab: torch.Tensor,
        mix: Mix | None = None,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        index, weight = self.encoder.encode(ab)  # (n, h, w, NEAREST)
        cw = self.class_weights[index[..., 0]]  # the weight of each pixel's own bin
        if mix is not None:  # the partner's encoding joins each pixel's, weighted by the blend
            lam, other = mix
            lam = lam.view(-1, 1, 1, 1)
            index = torch.cat([index, index[other]], -1)
            weight = torch.cat([lam * weight, (1 - lam) * weight[other]], -1)
            cw = lam[..., 0] * cw + (1 - lam[..., 0]) * cw[other]
        logp = torch.log_softmax(out.float(), dim=-1)
        return masked_mean(-(logp.gather(-1, index) * weight).sum(-1) * cw, mask)

    def calibrate(self, colours: np.ndarray, most: int = 2000) -> None:
        """Rebalancing weights from the colours of (up to ``most``) training frames."""
        q = len(self.bins)
        counts = np.zeros(q)
        for i in np.linspace(0, len(colours) - 1, min(most, len(colours))).astype(int):
            counts += self.encoder.histogram(rgb_to_ab(colours[i]), q)
        weights = rebalancing(counts, self.bins.cpu().numpy())
        self.class_weights.copy_(torch.from_numpy(weights))
