"""Stills as training data: a handful of pairs, each seen many ways.

An aligned folder of stills (``alignment.still_pairs``) holds one pair a still, and each again at
four times the size (``AlignedFolder.views``). A network shown ten pairs as they are learns them by
heart in a few steps and nothing else; a shot's other frames show its scene moved, nearer or
further, lit a little differently. So each pair is seen as random views: a crop of 40% to 100% of
the picture's side (its aspect changed by up to 20%) at a random place, mirrored half the time,
its exposure changed by up to 20%, brought to the training size. Every still is trained on (the
split is the stills themselves: there is nothing to hold out), a fixed number of views an epoch.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from ..alignment.folder import AlignedFolder
from ..colour import rgb_to_ab
from .batches import Batch

SCALE = (0.4, 1.0)  # the crop's side, as a share of the picture's
ASPECT = 0.2  # how far the crop's aspect may differ from the picture's
EXPOSURE = 0.2  # gains from 1 / 1.2 to 1.2
VIEWS = 2  # views of each still an epoch: ten stills train in minutes on a CPU
CALIBRATION_VIEWS = 8  # views of each still the familiarity gate is calibrated on


def stills_ranges(n: int) -> dict[str, range]:
    """The splits of a stills folder of ``n`` pairs: every still in each."""
    return {"train": range(n), "val": range(n), "test": range(n)}


def view(
    bw: np.ndarray, colour: np.ndarray, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One random view (see the module's docstring) of a large pair, at ``size``."""
    side = bw.shape[0]
    scale = rng.uniform(*SCALE)
    aspect = np.exp(rng.uniform(-ASPECT, ASPECT))
    w = int(np.clip(side * scale * np.sqrt(aspect), 8, side))
    h = int(np.clip(side * scale / np.sqrt(aspect), 8, side))
    x, y = rng.integers(0, side - w + 1), rng.integers(0, side - h + 1)
    out = [
        cv2.resize(f[y : y + h, x : x + w], (size, size), interpolation=cv2.INTER_AREA)
        for f in (bw, colour)
    ]
    if rng.random() < 0.5:
        out = [f[:, ::-1] for f in out]
    gain = np.exp(rng.uniform(-np.log1p(EXPOSURE), np.log1p(EXPOSURE)))
    return tuple(np.clip(f * gain, 0, 255).astype(np.uint8) for f in out)


def fixed_views(data: AlignedFolder, size: int, per_still: int, seed: int = 0) -> tuple:
    """``per_still`` views of each still, the same each time (grey, RGB, their still's index):
    what the familiarity gate learns a still's scene from."""
    bw, colour = data.views()
    rng = np.random.default_rng(seed)
    pairs = [view(b, c, size, rng) for b, c in zip(bw, colour) for _ in range(per_still)]
    index = np.repeat(np.arange(len(bw)), per_still)
    return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs]), index


class StillViews(Dataset):
    """Batches of random views of the stills whose indices a sampler gives."""

    def __init__(self, data: AlignedFolder, size: int, seed: int = 0):
        self.bw, self.colour = data.views()
        self.size = size
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.bw)

    def __getitem__(self, indices: list[int]) -> Batch:
        pairs = [view(self.bw[i], self.colour[i], self.size, self.rng) for i in indices]
        grey = np.stack([p[0] for p in pairs]).astype(np.float32)
        colour = np.stack([p[1] for p in pairs])
        ab = torch.from_numpy(rgb_to_ab(colour)).permute(0, 3, 1, 2)
        return Batch(torch.from_numpy(grey), torch.from_numpy(colour.astype(np.float32)), ab)


class Draw(Sampler[list[int]]):
    """Batches of ``n`` still indices an epoch, drawn with replacement (each still as often)."""

    def __init__(self, stills: int, n: int, batch_size: int, generator: torch.Generator):
        self.stills, self.n, self.batch_size, self.generator = stills, n, batch_size, generator

    def __iter__(self):
        order = torch.arange(self.n) % self.stills
        order = order[torch.randperm(self.n, generator=self.generator)].tolist()
        return (order[i : i + self.batch_size] for i in range(0, self.n, self.batch_size))

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)


def view_batches(data: AlignedFolder, n: int, batch_size: int, size: int, seed: int) -> DataLoader:
    """``n`` random views of the stills an epoch, in batches."""
    sampler = Draw(len(data), n, batch_size, torch.Generator().manual_seed(seed))
    return DataLoader(StillViews(data, size, seed), sampler=sampler, batch_size=None)
