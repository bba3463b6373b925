"""The ``unet-ab`` head: CIE a*b* directly, by a 1x1 convolution, trained with an L1 loss."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .head import Head, Mix, blend, masked_mean

AB_SCALE = 100.0  # a*b* units per unit of the head's output


class ABHead(Head):
    def __init__(self, features: int):
        super().__init__()
        self.proj = nn.Conv2d(features, 2, 1)

    def forward(self, features: torch.Tensor, grey: torch.Tensor) -> torch.Tensor:
        """a*b* / AB_SCALE (n, 2, h, w)."""
        return self.proj(features)

    def decode(self, out: torch.Tensor) -> np.ndarray:
        return (out.detach().float().permute(0, 2, 3, 1) * AB_SCALE).cpu().numpy()

    def loss(
        self,
        out: torch.Tensor,
        rgb: torch.Tensor,
        ab: torch.Tensor,
        mix: Mix | None = None,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        error = F.l1_loss(out, blend(ab / AB_SCALE, mix), reduction="none").mean(1)
        return masked_mean(error, mask)
