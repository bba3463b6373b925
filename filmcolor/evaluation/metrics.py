"""Image and video metrics for colorization, over stacks of RGB uint8 frames (n, h, w, 3).

``all_metrics`` scores a colorized stack against the colour release, chunk by chunk. Colour first:
- ``colour_error``: mean CIEDE2000 between the release and the output with the release's own
  lightness L* put in, so that only a*, b* count: how wrong the colour is, whatever the B&W stock
  did to the tones. A grey film scores the release's own chroma (the thing to beat);
- ``colourfulness``: Hasler and Suesstrunk's measure (2003), shown beside the release's; MSE-trained
  colorizers are known to come out muted (docs/evaluate.md);
Then the report's and the usual image measures:
- MSE over RGB scaled to [-1, 1] (the FilmColorizer report's unit; ``frame_mse`` is the one place
  it is computed), PSNR and SSIM over the same range (torchmetrics);
- ``ciede2000``: mean CIEDE2000 colour difference (scikit-image), lightness included, in CIELAB
  units; about 2.3 is a just-noticeable difference;
- ``flicker``: mean absolute change of chroma (Cr, Cb) between consecutive frames of one shot."""

from __future__ import annotations

import numpy as np
import torch
from skimage.color import deltaE_ciede2000, rgb2lab
from torchmetrics.image import PeakSignalNoiseRatio, StructuralSimilarityIndexMeasure

from ..colour import chroma


def _unit(frames: np.ndarray) -> torch.Tensor:
    return (
        torch.from_numpy(np.ascontiguousarray(frames))
        .float()
        .div(127.5)
        .sub(1)
        .permute(0, 3, 1, 2)
        .contiguous()
    )


def frame_mse(pred: np.ndarray, target: np.ndarray, chunk: int = 512) -> np.ndarray:
    """Mean squared error of each frame, over RGB scaled to [-1, 1]."""
    out = np.empty(len(pred), np.float64)
    for i in range(0, len(pred), chunk):
        d = pred[i : i + chunk].astype(np.float32) - target[i : i + chunk]
        out[i : i + chunk] = (d * d).mean(axis=(1, 2, 3), dtype=np.float64) / 127.5**2
    return out


def lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (..., 3) float32 of sRGB uint8 pixels (..., 3) (D65)."""
    return rgb2lab(rgb).astype(np.float32)


def colour_error_lab(target: np.ndarray, pred_ab: np.ndarray) -> float:
    """Mean CIEDE2000 between ``target`` Lab (..., 3) and its own L* with ``pred_ab`` (..., 2)."""
    return float(
        np.mean(deltaE_ciede2000(target, np.concatenate([target[..., :1], pred_ab], axis=-1)))
    )


def colour_error(pred: np.ndarray, target: np.ndarray) -> float:
    """Mean CIEDE2000 of RGB uint8 frames against ``target``, with its lightness: a*b* only."""
    return colour_error_lab(lab(target), lab(pred)[..., 1:])


def ciede2000(pred: np.ndarray, target: np.ndarray) -> float:
    return float(np.mean(deltaE_ciede2000(rgb2lab(pred), rgb2lab(target))))


def colourfulness(frames: np.ndarray, chunk: int = 512) -> float:
    """Mean over frames of sigma_rgyb + 0.3 mu_rgyb (Hasler and Suesstrunk), on 0..255 values."""
    total = 0.0
    for i in range(0, len(frames), chunk):
        f = frames[i : i + chunk].astype(np.float64)
        rg = f[..., 0] - f[..., 1]
        yb = 0.5 * (f[..., 0] + f[..., 1]) - f[..., 2]
        sigma = np.sqrt(rg.std(axis=(1, 2)) ** 2 + yb.std(axis=(1, 2)) ** 2)
        mu = np.sqrt(rg.mean(axis=(1, 2)) ** 2 + yb.mean(axis=(1, 2)) ** 2)
        total += float((sigma + 0.3 * mu).sum())
    return total / len(frames)


def flicker(frames: np.ndarray, same_shot: np.ndarray) -> float | None:
    """Mean |chroma change| between frame i and i+1 where ``same_shot[i]`` says both are one shot.

    ``same_shot`` has one entry per consecutive pair (n - 1). None when there is no such pair.
    Frame by frame, so that memory stays bounded."""
    if not same_shot.any():
        return None
    total, count, previous = 0.0, 0, None
    for i, frame in enumerate(frames):
        c = chroma(frame)
        if i and same_shot[i - 1]:
            total += float(np.abs(c - previous).sum())
            count += c.size
        previous = c
    return total / count


def all_metrics(
    pred: np.ndarray, target: np.ndarray, same_shot: np.ndarray, chunk: int = 512
) -> dict:
    """Every metric of ``pred`` against ``target`` (the colour release), over the frames in chunks
    so that memory stays bounded (torchmetrics' accumulating metrics; the others averaged by
    count)."""
    # Scores of this process's frames: no gathering from others (a DDP run scores on rank 0 alone).
    psnr_m = PeakSignalNoiseRatio(data_range=2.0, sync_on_compute=False)
    ssim_m = StructuralSimilarityIndexMeasure(data_range=2.0, sync_on_compute=False)
    ciede, colour = 0.0, 0.0
    for i in range(0, len(pred), chunk):
        p, t = pred[i : i + chunk], target[i : i + chunk]
        up, ut = _unit(p), _unit(t)
        for m in (psnr_m, ssim_m):
            m.update(up, ut)
        lp, lt = lab(p), lab(t)
        ciede += float(deltaE_ciede2000(lp, lt).sum()) / lp[..., 0].size * len(p)
        colour += colour_error_lab(lt, lp[..., 1:]) * len(p)
    return {
        "colour_error": colour / len(pred),
        "colourfulness": colourfulness(pred, chunk),
        "mse": float(frame_mse(pred, target).mean()),
        "psnr": float(psnr_m.compute()),
        "ssim": float(ssim_m.compute()),
        "ciede2000": ciede / len(pred),
        "flicker": flicker(pred, same_shot),
    }
