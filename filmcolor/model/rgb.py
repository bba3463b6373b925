"""The ``unet-rgb`` head: the FilmColorizer report's model, RGB = the grey frame + a correction by a
1x1 convolution, trained with MSE over [-1, 1] RGB; kept to compare with the colour heads."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..colour import rgb_to_ab
from .head import Head, Mix, blend, masked_mean, to_rgb8


class RGBHead(Head):
    predicts_rgb = True

    def __init__(self, features: int):
        super().__init__()
        self.proj = nn.Conv2d(features, 3, 1)

    def forward(self, features: torch.Tensor, grey: torch.Tensor) -> torch.Tensor:
        """RGB in [-1, 1] (n, 3, h, w)."""
        return grey + self.proj(features)

    def decode(self, out: torch.Tensor) -> np.ndarray:
        return rgb_to_ab(to_rgb8(out.float()))

    def loss(
        self,
        out: torch.Tensor,
        rgb: torch.Tensor,
        ab: torch.Tensor,
        mix: Mix | None = None,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        return masked_mean(F.mse_loss(out, blend(rgb, mix), reduction="none").mean(1), mask)
