"""The aligned dataset (what ``filmcolor align`` wrote), its chronological split, its batches.

The arrays stay memory-mapped: a batch reads only its own rows, so a long film never has to fit in
memory. Splits are contiguous stretches of the film in order (train, then validation, then test),
with each boundary moved to the nearest shot cut so that no shot lies in two splits: the frames on
either side of a boundary inside a shot would be near-copies and flatter the validation score.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset, SubsetRandomSampler

from .color import rgb_to_ab
from .errors import DatasetError
from .model import to_input, to_target

log = logging.getLogger("filmcolor")

SPLITS = ("train", "val", "test")
MIN_PAIRS = 30  # fewer cannot be split three ways with any meaning


@dataclass
class AlignedData:
    """The arrays and per-pair shot numbers of an aligned dataset folder."""

    path: Path
    bw: np.ndarray  # (n, s, s) uint8, memory-mapped
    color: np.ndarray  # (n, s, s, 3) uint8, memory-mapped
    shots: np.ndarray  # (n,) shot number of each pair
    frames: np.ndarray  # (n,) index of each pair's frame in the B&W film
    color_frames: np.ndarray  # (n,) index of each pair's frame in the colour film

    def consecutive(self, indices: range) -> np.ndarray:
        """For each neighbouring pair in ``indices``: are they consecutive frames of one shot?"""
        i = np.arange(indices.start, indices.stop - 1)
        return (self.shots[i] == self.shots[i + 1]) & (self.frames[i + 1] - self.frames[i] == 1)

    @property
    def size(self) -> int:
        return self.bw.shape[1]

    def __len__(self) -> int:
        return len(self.bw)


def resized(frames: np.ndarray, size: int | None) -> np.ndarray:
    """Square frames (n, s, s[, 3]) area-resized to ``size`` (as they are at their own size, or
    ``size`` None)."""
    frames = np.asarray(frames)
    if size is None or frames.shape[1] == size:
        return frames
    return np.stack([cv2.resize(f, (size, size), interpolation=cv2.INTER_AREA) for f in frames])


def load_aligned(path: str | Path) -> AlignedData:
    """Open an aligned dataset folder, checking it is complete and consistent."""
    path = Path(path)
    if not path.is_dir():
        raise DatasetError(
            f"{path}: no aligned dataset here; run `filmcolor align BW COLOR -o {path}` first"
        )
    for name in ("bw.npy", "color.npy", "pairs.csv"):
        if not (path / name).exists():
            raise DatasetError(
                f"{path}: {name} is missing; run `filmcolor align` again to rewrite the dataset"
            )
    try:
        bw = np.load(path / "bw.npy", mmap_mode="r")
        color = np.load(path / "color.npy", mmap_mode="r")
    except (ValueError, OSError) as e:
        raise DatasetError(f"{path}: cannot read its arrays ({e})") from None
    n = len(bw)
    if bw.dtype != np.uint8 or bw.ndim != 3 or bw.shape[1] != bw.shape[2]:
        raise DatasetError(
            f"{path}/bw.npy: expected N x S x S uint8 grey frames, found {bw.shape} {bw.dtype}"
        )
    if color.dtype != np.uint8 or color.shape != (n, *bw.shape[1:], 3):
        raise DatasetError(
            f"{path}/color.npy: expected {n} x {bw.shape[1]} x {bw.shape[2]} x 3 uint8, found "
            f"{color.shape} {color.dtype}"
        )
    if bw.shape[1] % 8:
        raise DatasetError(
            f"{path}: frames are {bw.shape[1]} pixels; the U-Net needs a multiple of 8"
        )
    try:
        with open(path / "pairs.csv", newline="") as f:
            rows = [
                (int(row["shot"]), int(row["bw_frame"]), int(row["color_frame"]))
                for row in csv.DictReader(f)
            ]
        shots, frames, color_frames = (
            np.array(col, np.int64).reshape(-1) for col in (zip(*rows) if rows else ([], [], []))
        )
    except (KeyError, ValueError) as e:
        raise DatasetError(
            f"{path}/pairs.csv: malformed ({e}); run `filmcolor align` again"
        ) from None
    if len(shots) != n:
        raise DatasetError(f"{path}: pairs.csv has {len(shots)} rows for {n} frame pairs")
    if n < MIN_PAIRS:
        raise DatasetError(
            f"{path}: only {n} pairs; at least {MIN_PAIRS} are needed to train, validate and test"
        )
    return AlignedData(path, bw, color, shots, frames, color_frames)


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


class PairBatches(Dataset):
    """Whole batches of (grey, rgb, ab) tensors read from the memory-mapped arrays: the B&W frames
    (n, 1, s, s) and the colour frames as RGB (n, 3, s, s), both in [-1, 1], and as CIE a*b*
    (n, 2, s, s).

    Indexed by a list of pair indices (a BatchSampler feeds it), so a batch is one read per array
    rather than one per pair; ``size`` resizes the frames as they are read (area averaging). With
    ``augment``, a random half of the pairs is mirrored, and every pair is given a random exposure,
    as if the scene were lit brighter or darker: both frames' RGB are scaled by one gain, the
    colour the network must find (a*b*) stays; how bright a scene is says little about its colours.
    """

    def __init__(
        self,
        data: AlignedData,
        augment: bool = False,
        exposure: float = 0.4,
        seed: int = 0,
        size: int | None = None,
    ):
        self.data, self.augment, self.exposure = data, augment, exposure
        self.size = size
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, indices: list[int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        idx = np.sort(np.asarray(indices))
        color = resized(self.data.color[idx], self.size)
        grey, rgb = to_input(resized(self.data.bw[idx], self.size)), to_target(color)
        ab = torch.from_numpy(rgb_to_ab(color)).permute(0, 3, 1, 2)
        if self.augment:
            mirror = torch.from_numpy(self.rng.random(len(idx)) < 0.5)
            for t in (grey, rgb, ab):
                t[mirror] = t[mirror].flip(-1)
            if self.exposure:
                span = np.log1p(self.exposure)
                gain = np.exp(self.rng.uniform(-span, span, (len(idx), 1, 1, 1))).astype(np.float32)
                grey = ((grey + 1) * torch.from_numpy(gain)).clamp(max=2) - 1
                rgb = ((rgb + 1) * torch.from_numpy(gain)).clamp(max=2) - 1
        return grey, rgb, ab


def batches(
    data: AlignedData,
    r: range,
    batch_size: int,
    *,
    shuffle: bool = False,
    augment: bool = False,
    exposure: float = 0.4,
    seed: int = 0,
    size: int | None = None,
) -> DataLoader:
    """Batches of the pairs in ``r`` (see ``PairBatches``): in film order, or shuffled (a new order
    each epoch, the same orders for the same ``seed``) and augmented for training."""
    order = SubsetRandomSampler(r, generator=torch.Generator().manual_seed(seed)) if shuffle else r
    dataset = PairBatches(data, augment=augment, exposure=exposure, seed=seed, size=size)
    return DataLoader(
        dataset, sampler=BatchSampler(order, batch_size, drop_last=False), batch_size=None
    )
