"""Batches of aligned pairs for training and scoring, read straight from the memory-mapped arrays.

A batch reads only its own rows, so a long film never has to fit in memory. Frames come out as
they are in the folder (grey levels 0..255, as float): the model owns its normalisation
(``model.net.to_input``), so training and inference cannot disagree on it.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset, SubsetRandomSampler

from ..alignment.folder import AlignedFolder
from ..color import rgb_to_ab


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
        color = resized(self.data.color[idx], self.size)
        grey = torch.from_numpy(resized(self.data.bw[idx], self.size).astype(np.float32))
        rgb = torch.from_numpy(color.astype(np.float32))
        ab = torch.from_numpy(rgb_to_ab(color)).permute(0, 3, 1, 2)
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


def batches(
    data: AlignedFolder,
    r: range,
    batch_size: int,
    *,
    shuffle: bool = False,
    augment: bool = False,
    exposure: float = 0.0,
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
