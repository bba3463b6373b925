"""What a head of the U-Net is, and the model's own normalisation of frames.

A head turns the U-Net's features into colour. Each is one class (``bins``, ``ab``, ``rgb``) with
the same four parts: ``forward`` (features -> what the loss needs), ``decode`` (that -> CIE a*b*;
``colour`` both at once, for inference), ``loss`` (against the colour release's frames) and
``calibrate`` (what it learns from the training frames before training, e.g. how rare each colour
is). What it stores in the checkpoint is its parameters and buffers. The model owns its
normalisation: callers pass grey levels and get a*b* back, so training and inference cannot
disagree on scaling.

A new head is a module in this package with a subclass of ``Head``, and its entry (name, class,
help text) in ``heads.HEADS``, which ``--arch`` offers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np
import torch
from torch import nn

# (lam (n, 1, 1, 1), partner indices): mixup's blend of each pair with another
Mix = tuple[torch.Tensor, torch.Tensor]


class Head(nn.Module, ABC):
    """One head; ``heads.HEADS`` names it (the ``--arch`` value)."""

    # whether ``forward`` gives RGB itself (n, 3, h, w) in [-1, 1], lightness included, rather
    # than colour alone: then that output can be scored as it is, as the FilmColorizer report did
    predicts_rgb: ClassVar[bool] = False

    @abstractmethod
    def forward(self, features: torch.Tensor, grey: torch.Tensor) -> torch.Tensor:
        """What the head predicts from the features (n, c, h, w) of grey frames (n, 1, h, w)."""

    @abstractmethod
    def decode(self, out: torch.Tensor) -> np.ndarray:
        """CIE a*b* (n, h, w, 2) float32 of what ``forward`` gave."""

    def colour(self, features: torch.Tensor, grey: torch.Tensor) -> np.ndarray:
        """``decode`` of ``forward``: the colour shown, where no loss needs what ``forward``
        gives whole (a head may get there without holding it all)."""
        return self.decode(self(features, grey))

    @abstractmethod
    def loss(
        self,
        out: torch.Tensor,
        rgb: torch.Tensor,
        ab: torch.Tensor,
        mix: Mix | None = None,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """The loss of ``out`` against the release's frames, RGB (n, 3, h, w) in [-1, 1] and a*b*
        (n, 2, h, w); with ``mix``, against each pair's target blended with its partner's; with
        ``mask`` (n, h, w), each pixel weighted by it (0 under an overlay: a logo teaches
        nothing)."""

    def calibrate(self, colours: np.ndarray) -> None:
        """Learn what the head needs from the training frames' colours (RGB uint8 (n, h, w, 3),
        e.g. memory-mapped) before training; most heads need nothing."""


def to_input(grey: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Grey levels 0..255 (n, h, w), uint8 or float -> float (n, 1, h, w) in [-1, 1]."""
    return torch.as_tensor(grey).float().div(127.5).sub(1.0).unsqueeze(1)


def to_target(rgb: np.ndarray | torch.Tensor) -> torch.Tensor:
    """RGB 0..255 (n, h, w, 3), uint8 or float -> float (n, 3, h, w) in [-1, 1]."""
    return torch.as_tensor(rgb).float().div(127.5).sub(1.0).permute(0, 3, 1, 2)


def to_rgb8(pred: torch.Tensor) -> np.ndarray:
    """float (n, 3, h, w) in [-1, 1] -> uint8 RGB (n, h, w, 3)."""
    rgb = pred.detach().clamp(-1, 1).add(1).mul(127.5).round().byte()
    return rgb.permute(0, 2, 3, 1).cpu().numpy()


def masked_mean(per_pixel: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """The mean of a per-pixel loss (n, h, w), each pixel weighted by ``mask`` (n, h, w)."""
    if mask is None:
        return per_pixel.mean()
    return (per_pixel * mask).sum() / mask.sum().clamp(min=1.0)


def blend(target: torch.Tensor, mix: Mix | None) -> torch.Tensor:
    """Each pair's target blended with its partner's, as mixup blended their inputs."""
    if mix is None:
        return target
    lam, other = mix
    return lam * target + (1 - lam) * target[other]
