"""What a training run costs, bounded whatever the film's length, and said before it starts.

An epoch draws at most ``--epoch-pairs`` training pairs afresh from the whole training split, and
validates at most ``--val-pairs`` validation pairs (the same, evenly spaced, every epoch); the run's
report scores at most REPORT_PAIRS pairs of each split. So a run costs at most
epochs x (epoch pairs + validation pairs) whatever the film's length; on a film shorter than that
budget every pair is used each epoch, as before. The time that takes is measured on a few of the
run's own batches before training starts.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
import torch

from ..dataset.batches import Batch
from ..dataset.views import VIEWS
from ..evaluation.metrics import colour_error_lab, lab
from ..model.head import to_input, to_target
from ..settings import TrainSettings

REPORT_PAIRS = 4_000  # pairs of each split the run's report scores, at most


@dataclass(frozen=True)
class Budget:
    """The pairs a run trains and validates on, per epoch, and the most epochs."""

    epochs: int
    train: int  # pairs drawn each epoch
    val: np.ndarray  # the validation pairs scored each epoch
    train_split: int  # pairs in the training split

    @classmethod
    def of(cls, settings: TrainSettings, ranges: dict[str, range], stills: bool = False) -> Budget:
        """The budget of a run; of stills, ``VIEWS`` random views of each an epoch (at most
        ``--epoch-pairs``)."""
        val = ranges["val"]
        n = min(settings.val_pairs, len(val))
        picked = np.unique(np.linspace(val.start, val.stop - 1, n).astype(np.int64))
        train = len(ranges["train"]) * (VIEWS if stills else 1)
        return cls(
            settings.epochs,
            min(settings.epoch_pairs, train),
            picked,
            len(ranges["train"]),
        )

    def describe(self, train_rate: float, val_rate: float) -> str:
        """The budget and the most time it takes at the rates (pairs per second) measured."""
        epoch = self.train / train_rate + len(self.val) / val_rate
        report = 3 * min(REPORT_PAIRS, self.train_split) / val_rate
        minutes = (self.epochs * epoch + report) / 60
        return (
            f"budget: {self.epochs} epochs of {self.train:,} training pairs (of "
            f"{self.train_split:,}) and {len(self.val):,} validation pairs; at {train_rate:.0f} "
            f"pairs/s training and {val_rate:.0f} validating, as measured here, at most "
            f"{minutes:.0f} min (early stopping can end it sooner)"
        )


def measure(module: torch.nn.Module, batch: Batch, device: torch.device) -> tuple[float, float]:
    """Training and validation pairs per second of a copy of ``module`` on one batch: a step of
    forward, loss, backward and update; forward, decoding and the colour error."""
    module = copy.deepcopy(module).to(device)
    grey, rgb = to_input(batch.grey).to(device), to_target(batch.rgb).to(device)
    ab = batch.ab.to(device)
    opt = torch.optim.AdamW(module.parameters(), lr=1e-5)

    def step():
        opt.zero_grad(set_to_none=True)
        module.net.head.loss(module(grey), rgb, ab).backward()
        opt.step()

    def validate():
        with torch.no_grad():
            colour_error_lab(lab(batch.rgb.byte().numpy()), module.net.decode(module(grey)))

    step()  # the first step warms up (allocations, kernels); one of each is then timed
    rates = []
    for fn in (step, validate):
        _sync(device)
        start = time.perf_counter()
        fn()
        _sync(device)
        rates.append(len(grey) / (time.perf_counter() - start))
    return rates[0], rates[1]


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
