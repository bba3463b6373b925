"""The aligned pairs as a dataset: opened and checked, and split chronologically.

Splits are contiguous stretches of the film in order (train, then validation, then test), with each
boundary moved to the nearest shot cut so that no shot lies in two splits: the frames on either side
of a boundary inside a shot would be near-copies and flatter the validation score.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ..alignment.folder import AlignedFolder
from ..errors import DatasetError

log = logging.getLogger("filmcolor")

SPLITS = ("train", "val", "test")
MIN_PAIRS = 30  # fewer cannot be split three ways with any meaning


def load_aligned(path: str | Path) -> AlignedFolder:
    """An aligned folder with enough pairs, of a size the U-Net takes, to train and score on."""
    data = AlignedFolder.open(path)
    if data.size % 8:
        raise DatasetError(
            f"{data.path}: frames are {data.size} pixels; the U-Net needs a multiple of 8"
        )
    if len(data) < MIN_PAIRS and data.views() is None:  # stills are few, and trained on as views
        raise DatasetError(
            f"{data.path}: only {len(data)} pairs; at least {MIN_PAIRS} are needed to train, "
            "validate and test"
        )
    return data


def split_ranges(
    shots: np.ndarray, fractions: tuple[float, float, float] = (0.8, 0.1, 0.1), snap: bool = True
) -> dict[str, range]:
    """Chronological train/val/test ranges of pair indices; boundaries snapped to the nearest shot
    cut."""
    n = len(shots)
    if len(fractions) != 3 or min(fractions) <= 0:
        raise DatasetError(f"split fractions must be three positive numbers, got {fractions}")
    total = sum(fractions)
    targets = [round(n * fractions[0] / total), round(n * (fractions[0] + fractions[1]) / total)]
    cuts = np.flatnonzero(np.diff(shots) != 0) + 1  # first pair of each new shot
    bounds = []
    for t in targets:
        b = t
        if snap:
            after = cuts[
                cuts > (bounds[-1] if bounds else 0)
            ]  # a boundary is a cut the one before is not
            if len(after):
                b = int(after[np.argmin(np.abs(after - t))])
            else:
                log.warning(
                    "no shot cut for the %s boundary; using the plain fraction",
                    "val" if not bounds else "test",
                )
        bounds.append(b)
    a, b = bounds
    if not 0 < a < b < n:
        raise DatasetError(
            f"cannot split {n} pairs into non-empty train/val/test at {a} and {b}: "
            "use more pairs, other --split fractions, or --no-snap"
        )
    return {"train": range(0, a), "val": range(a, b), "test": range(b, n)}
