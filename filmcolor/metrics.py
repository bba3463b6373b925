"""Image and video metrics for colorization, each over stacks of RGB uint8 frames (n, h, w, 3).

- ``mse``: mean squared error over RGB scaled to [-1, 1] (the FilmColorizer report's unit).
- ``psnr`` and ``ssim``: torchmetrics, over the same [-1, 1] range.
- ``ciede2000``: mean CIEDE2000 colour difference (scikit-image), in CIELAB units; about 2.3 is
  a just-noticeable difference.
- ``colourfulness``: Hasler and Suesstrunk's measure (2003); MSE-trained colorizers are known to
  come out muted, which shows as a lower colourfulness than the colour release's.
- ``flicker``: mean absolute change of chroma (Cr, Cb) between consecutive frames of one shot.
"""

from __future__ import annotations

import numpy as np
import torch
from skimage.color import deltaE_ciede2000, rgb2lab
from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

from .color import chroma


def _unit(frames: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(frames)).float().div(127.5).sub(1).permute(0, 3, 1, 2)


def mse(pred: np.ndarray, target: np.ndarray) -> float:
    return float(((_unit(pred) - _unit(target)) ** 2).mean())


def psnr(pred: np.ndarray, target: np.ndarray) -> float:
    return float(peak_signal_noise_ratio(_unit(pred), _unit(target), data_range=2.0))


def ssim(pred: np.ndarray, target: np.ndarray) -> float:
    return float(structural_similarity_index_measure(_unit(pred), _unit(target), data_range=2.0))


def ciede2000(pred: np.ndarray, target: np.ndarray) -> float:
    return float(np.mean(deltaE_ciede2000(rgb2lab(pred), rgb2lab(target))))


def colourfulness(frames: np.ndarray) -> float:
    """Mean over frames of sigma_rgyb + 0.3 mu_rgyb (Hasler and Suesstrunk), on 0..255 values."""
    f = frames.astype(np.float64)
    rg = f[..., 0] - f[..., 1]
    yb = 0.5 * (f[..., 0] + f[..., 1]) - f[..., 2]
    sigma = np.sqrt(rg.std(axis=(1, 2)) ** 2 + yb.std(axis=(1, 2)) ** 2)
    mu = np.sqrt(rg.mean(axis=(1, 2)) ** 2 + yb.mean(axis=(1, 2)) ** 2)
    return float(np.mean(sigma + 0.3 * mu))


def flicker(frames: np.ndarray, same_shot: np.ndarray) -> float | None:
    """Mean |chroma change| between frame i and i+1 where ``same_shot[i]`` says both are one shot.

    ``same_shot`` has one entry per consecutive pair (n - 1). None when there is no such pair."""
    if not same_shot.any():
        return None
    c = np.stack([chroma(f) for f in frames])
    return float(np.abs(np.diff(c, axis=0))[same_shot].mean())


def all_metrics(pred: np.ndarray, target: np.ndarray, same_shot: np.ndarray) -> dict:
    """Every metric of ``pred`` against ``target`` (the colour release)."""
    return {
        "mse": mse(pred, target),
        "psnr": psnr(pred, target),
        "ssim": ssim(pred, target),
        "ciede2000": ciede2000(pred, target),
        "colourfulness": colourfulness(pred),
        "flicker": flicker(pred, same_shot),
    }
