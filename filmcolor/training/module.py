"""The LightningModule: the network with its loss, its validation colour error and its optimiser.

Each head brings its own loss (``model.head``); mixup, when on, blends two pairs' inputs here and
the head blends their targets alike. Validation measures the colour error (CIEDE2000 of a*b* on the
release's own lightness), the figure checkpoints and early stopping go by (the loss would reward
muted colour): ``val/selection`` is that error once the learning rate's warm-up is over, and
infinite before. During the warm-up a barely trained model colours little, and on a validation
split of one unseen shot such a muted model can score best by luck. Metrics are averaged over every
device's share of the validation pairs (``sync_dist``), so with several GPUs the best checkpoint is
chosen on all of them.
"""

from __future__ import annotations

import math

import pytorch_lightning as pl
import torch

from .. import __version__
from ..dataset.batches import Batch
from ..evaluation.metrics import colour_error_lab, lab
from ..model.head import to_input, to_target
from ..model.net import ColourNet
from ..settings import TrainSettings, as_json, from_json

WARMUP = 0.15  # share of the training steps over which the learning rate rises to its peak


def warmup_steps(total: int) -> int:
    """Steps of the learning rate's warm-up in a run of ``total`` steps."""
    return max(1, int(WARMUP * total))


class Colorizer(pl.LightningModule):
    """The ColourNet with its loss, optimiser and schedule, made from a run's ``TrainSettings``;
    its hyperparameters (the settings as JSON, the frame ``size``, the ``split`` and the ``data``
    folder) describe the run fully."""

    def __init__(
        self,
        settings: TrainSettings | dict,
        size: int = 64,
        split: dict | None = None,
        data: str = "",
    ):
        super().__init__()
        if not isinstance(settings, TrainSettings):  # as a checkpoint's hyperparameters keep it
            settings = from_json(TrainSettings, settings)
        self.save_hyperparameters(
            {"settings": as_json(settings), "size": size, "split": split, "data": data}
        )
        self.hparams["filmcolor_version"] = __version__
        self.settings = settings
        self.warmup_steps = 0  # set with the schedule
        self.net = ColourNet(settings.arch)

    def forward(self, grey: torch.Tensor) -> torch.Tensor:
        return self.net(grey)

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        grey, rgb = to_input(batch.grey), to_target(batch.rgb)
        alpha, mix, mask = self.settings.mixup, None, batch.mask
        if alpha > 0:  # mixup: the original pair stays the larger part of each blend
            lam = torch.distributions.Beta(alpha, alpha).sample((len(grey), 1, 1, 1)).to(grey)
            lam = torch.maximum(lam, 1 - lam)
            mix = (lam, torch.randperm(len(grey), device=grey.device))
            grey = lam * grey + (1 - lam) * grey[mix[1]]
            mask = None if mask is None else mask * mask[mix[1]]
        loss = self.net.head.loss(self(grey), rgb, batch.ab, mix, mask)
        self.log(
            "train/loss", loss, on_step=False, on_epoch=True, batch_size=len(grey), sync_dist=True
        )
        return loss

    def validation_step(self, batch: Batch, batch_idx: int) -> None:
        grey, rgb = to_input(batch.grey), to_target(batch.rgb)
        out = self(grey)
        n = len(grey)
        loss = self.net.head.loss(out, rgb, batch.ab, mask=batch.mask)
        self.log("val/loss", loss, on_epoch=True, batch_size=n, sync_dist=True)
        release = lab(batch.rgb.round().byte().cpu().numpy())
        error = torch.tensor(
            colour_error_lab(release, self.net.decode(out.float())), device=out.device
        )
        self.log(
            "val/colour_error", error, on_epoch=True, prog_bar=True, batch_size=n, sync_dist=True
        )
        settled = self.trainer.global_step >= self.warmup_steps
        selection = error if settled else torch.full_like(error, math.inf)
        self.log("val/selection", selection, on_epoch=True, batch_size=n, sync_dist=True)

    def configure_optimizers(self):
        s = self.settings
        opt = torch.optim.AdamW(self.parameters(), lr=s.lr, weight_decay=s.weight_decay)
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
