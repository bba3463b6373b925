"""The LightningModule: the network with its loss, its validation colour error and its optimiser.

Each head learns from what it predicts (see ``model``):
- ``unet-bins``: cross-entropy against the target colour soft-encoded over its nearest bins, each
  pixel weighted by how rare its colour is in the film's training frames (``bins``);
- ``unet-ab``: L1 between predicted and target a*b*;
- ``unet-rgb``: MSE over RGB in [-1, 1], the report's loss.
Mixup, when on, blends two pairs' inputs and their targets alike (for the bins: their encodings).
Validation measures the colour error (CIEDE2000 of a*b* on the release's own lightness), the
figure checkpoints and early stopping go by (the loss would reward muted colour): ``val/selection``
is that error once the learning rate's warm-up is over, and infinite before. During the warm-up a
barely trained model colours little, and on a validation split of one unseen shot such a muted
model can score best by luck.
"""

from __future__ import annotations

import math

import numpy as np
import pytorch_lightning as pl
import torch
import torch.nn.functional as F

from . import __version__
from .bins import Encoder
from .metrics import colour_error_lab, lab
from .model import AB_SCALE, ColourNet, to_rgb8

WARMUP = 0.15  # share of the training steps over which the learning rate rises to its peak


def warmup_steps(total: int) -> int:
    """Steps of the learning rate's warm-up in a run of ``total`` steps."""
    return max(1, int(WARMUP * total))


class Colorizer(pl.LightningModule):
    """The ColourNet with its loss, optimiser and schedule; its hyperparameters describe it fully
    (``settings`` is the run's TrainSettings as JSON, ``bins`` the a*b* bins of unet-bins)."""

    def __init__(
        self,
        size: int = 64,
        settings: dict | None = None,
        split: dict | None = None,
        data: str = "",
        bins: list | None = None,
        known: int = 0,
    ):
        super().__init__()
        self.save_hyperparameters()
        self.hparams["filmcolor_version"] = __version__
        self.settings = settings or {}
        self.warmup_steps = 0  # set with the schedule
        arch = self.settings.get("arch", "unet-bins")
        self.net = ColourNet(arch, np.asarray(bins, np.float32) if bins else None, known)
        if arch == "unet-bins":
            self.encoder = Encoder(self.net.bins.numpy())
            self.register_buffer("class_weights", torch.ones(len(self.net.bins)))

    def forward(self, grey: torch.Tensor) -> torch.Tensor:
        return self.net(grey)

    def _loss(
        self, out: torch.Tensor, rgb: torch.Tensor, ab: torch.Tensor, mix=None
    ) -> torch.Tensor:
        """The head's loss; ``mix`` (lam (n, 1, 1, 1), partner indices) blends each pair's target
        with its partner's."""
        arch = self.net.arch
        if arch != "unet-bins":
            target = rgb if arch == "unet-rgb" else ab / AB_SCALE
            if mix is not None:
                lam, other = mix
                target = lam * target + (1 - lam) * target[other]
            return F.mse_loss(out, target) if arch == "unet-rgb" else F.l1_loss(out, target)
        index, weight = self.encoder.encode(ab)  # (n, h, w, NEAREST)
        cw = self.class_weights[index[..., 0]]  # the weight of each pixel's own bin
        if mix is not None:
            lam, other = mix
            lam = lam.view(-1, 1, 1, 1)
            index = torch.cat([index, index[other]], -1)
            weight = torch.cat([lam * weight, (1 - lam) * weight[other]], -1)
            cw = lam[..., 0] * cw + (1 - lam[..., 0]) * cw[other]
        logp = torch.log_softmax(out.float(), dim=-1)
        return -((logp.gather(-1, index) * weight).sum(-1) * cw).mean()

    def training_step(self, batch, batch_idx):
        grey, rgb, ab = batch
        alpha, mix = self.settings.get("mixup", 0), None
        if alpha > 0:  # mixup: the original pair stays the larger part of each blend
            lam = torch.distributions.Beta(alpha, alpha).sample((len(grey), 1, 1, 1)).to(grey)
            lam = torch.maximum(lam, 1 - lam)
            mix = (lam, torch.randperm(len(grey), device=grey.device))
            grey = lam * grey + (1 - lam) * grey[mix[1]]
        loss = self._loss(self(grey), rgb, ab, mix)
        self.log("train/loss", loss, on_step=False, on_epoch=True, batch_size=len(grey))
        return loss

    def validation_step(self, batch, batch_idx):
        grey, rgb, ab = batch
        out = self(grey)
        n = len(grey)
        self.log("val/loss", self._loss(out, rgb, ab), on_epoch=True, batch_size=n)
        if self.net.arch == "unet-rgb":
            pred_ab = torch.from_numpy(lab(to_rgb8(out))[..., 1:])
        else:
            pred_ab = self.net.decode(out).float().cpu()
        error = colour_error_lab(lab(to_rgb8(rgb)), pred_ab.numpy())
        self.log("val/colour_error", error, on_epoch=True, prog_bar=True, batch_size=n)
        settled = self.trainer.global_step >= self.warmup_steps
        self.log("val/selection", error if settled else math.inf, on_epoch=True, batch_size=n)

    def configure_optimizers(self):
        s = self.settings
        opt = torch.optim.AdamW(
            self.parameters(), lr=s.get("lr", 2e-3), weight_decay=s.get("weight_decay", 0.05)
        )
        # One cycle: a linear warm-up over the first 15% of steps, then a cosine decay. Its length
        # is read from the trainer each time training starts, so a resumed run with more epochs
        # stretches the rest of its schedule rather than running past the end of it.
        total = max(1, int(self.trainer.estimated_stepping_batches))
        warmup = self.warmup_steps = warmup_steps(total)

        def factor(step: int) -> float:
            if step < warmup:
                return 0.04 + 0.96 * step / warmup
            t = min(1.0, (step - warmup) / max(1, total - warmup))
            return 0.002 + 0.499 * (1 + math.cos(math.pi * t))

        sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}
