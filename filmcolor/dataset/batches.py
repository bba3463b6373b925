"""Batches of aligned pairs for training and scoring, read straight from the memory-mapped arrays.

A batch reads only its own rows, so a long film never has to fit in memory. Frames come out as
they are in the folder (grey levels 0..255, as float): the model owns its normalisation
(``model.net.to_input``), so training and inference cannot disagree on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import cv2
import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset, Sampler

from ..alignment.folder import AlignedFolder
from ..colour import rgb_to_ab


class Batch(NamedTuple):
    """Pairs as tensors: the B&W frames (n, s, s) and the colour frames as RGB (n, s, s, 3), both in
    grey levels 0..255, and as CIE a*b* (n, 2, s, s); ``mask`` (n, s, s) weighs each pixel in the
    loss (0 under an overlay of either release, such as a logo), None where all count."""

    grey: torch.Tensor
    rgb: torch.Tensor
    ab: torch.Tensor
    mask: torch.Tensor | None = None


def resized(frames: np.ndarray, size: int | None) -> np.ndarray:
    """Square frames (n, s, s[, 3]) area-resized to ``size`` (as they are at their own size, or
    ``size`` None)."""
    frames = np.asarray(frames)
    if size is None or frames.shape[1] == size:
        return frames
    return np.stack([cv2.resize(f, (size, size), interpolation=cv2.INTER_AREA) for f in frames])


class PairBatches(Dataset):
    """Whole ``Batch``es read from an aligned folder's arrays.

    Indexed by a list of pair indices (a BatchSampler feeds it), so a batch is one read per array
    rather than one per pair; ``size`` resizes the frames as they are read (area averaging). With
    ``augment``, a random half of the pairs is mirrored; with ``exposure`` E too, every pair is
    given a random exposure gain from 1/(1+E) to 1+E, as if the scene were lit brighter or darker:
    both frames' RGB are scaled by one gain, the colour the network must find (a*b*) stays. The
    folder's overlay weights (``AlignedFolder.overlay``) come with every batch, mirrored with it.
    """

    def __init__(
        self,
        data: AlignedFolder,
        augment: bool = False,
        exposure: float = 0.0,
        seed: int = 0,
        size: int | None = None,
    ):
        self.data, self.augment, self.exposure = data, augment, exposure
        self.size = size
        self.rng = np.random.default_rng(seed)
        weights = data.overlay()
        if weights is not None and size is not None and weights.shape[0] != size:
            weights = cv2.resize(weights, (size, size), interpolation=cv2.INTER_AREA) > 0.999
        self.weights = None if weights is None else torch.from_numpy(weights.astype(np.float32))

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, indices: list[int]) -> Batch:
        idx = np.sort(np.asarray(indices))
        colour = resized(self.data.colour[idx], self.size)
        grey = torch.from_numpy(resized(self.data.bw[idx], self.size).astype(np.float32))
        rgb = torch.from_numpy(colour.astype(np.float32))
        ab = torch.from_numpy(rgb_to_ab(colour)).permute(0, 3, 1, 2)
        mask = None if self.weights is None else self.weights.expand(len(idx), -1, -1).clone()
        if self.augment:
            mirror = torch.from_numpy(self.rng.random(len(idx)) < 0.5)
            grey[mirror], rgb[mirror] = grey[mirror].flip(-1), rgb[mirror].flip(-2)
            ab[mirror] = ab[mirror].flip(-1)
            if mask is not None:
                mask[mirror] = mask[mirror].flip(-1)
            if self.exposure:
                span = np.log1p(self.exposure)
                gain = np.exp(self.rng.uniform(-span, span, (len(idx), 1, 1))).astype(np.float32)
                gain = torch.from_numpy(gain)
                grey = (grey * gain).clamp(max=255)
                rgb = (rgb * gain[..., None]).clamp(max=255)
        return Batch(grey, rgb, ab, mask)


class EpochDraw(Sampler[int]):
    """``n`` of the pairs of ``r`` in a new random order each epoch (all, when it has fewer): an
    epoch as long as ``n`` pairs whatever the film's length, drawn from the whole of it."""

    def __init__(self, r: range, n: int | None, generator: torch.Generator):
        self.r, self.n, self.generator = r, len(r) if n is None else min(n, len(r)), generator

    def __iter__(self):
        order = torch.randperm(len(self.r), generator=self.generator)[: self.n]
        return (self.r[i] for i in order.tolist())

    def __len__(self) -> int:
        return self.n


def batches(
    data: AlignedFolder,
    pairs: Sequence[int],
    batch_size: int,
    *,
    shuffle: bool = False,
    draw: int | None = None,
    augment: bool = False,
    exposure: float = 0.0,
    seed: int = 0,
    size: int | None = None,
    workers: int = 0,
) -> DataLoader:
    """Batches of ``pairs`` (indices; see ``PairBatches``): in the order given, or shuffled (a new
    order each epoch, the same orders for the same ``seed``; ``draw`` of them an epoch, from a
    range) and augmented for training; read by ``workers`` processes (0: in this one)."""
    order = pairs
    if shuffle:
        order = EpochDraw(pairs, draw, torch.Generator().manual_seed(seed))
    dataset = PairBatches(data, augment=augment, exposure=exposure, seed=seed, size=size)
    return DataLoader(
        dataset,
        sampler=BatchSampler(order, batch_size, drop_last=False),
        batch_size=None,
        num_workers=workers,
        persistent_workers=workers > 0,
        worker_init_fn=_seed_worker,
    )


def _seed_worker(worker: int) -> None:
    """Each batch-reading process mirrors its own pairs (a copy of one generator would repeat)."""
    dataset = torch.utils.data.get_worker_info().dataset
    dataset.rng = np.random.default_rng([torch.initial_seed() % 2**32, worker])
