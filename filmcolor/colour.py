"""Colour conversions every stage shares: CIE L*a*b* (OpenCV's sRGB/D65), BT.601 luma and chroma.

Colour travels as CIE a*b*: what the model predicts, what the colour release is measured in and
what the colour measures compare. A B&W frame's grey level stands for a lightness L*
(``LIGHTNESS``). Luma and chroma are BT.601 (OpenCV's YCrCb). Composing a film's frames from its
own luma and a colour is the render stage's (``rendering.compose``).
"""

from __future__ import annotations

import cv2
import numpy as np


def _convert(pixels: np.ndarray, code: int) -> np.ndarray:
    """An OpenCV colour conversion of any stack of pixels (..., 3), as one image of the stack's
    rows: OpenCV splits an image by rows across its threads, so a column of single pixels
    (one pixel a row) converts 4-12x slower."""
    width = pixels.shape[-2] if pixels.ndim >= 3 else 1
    out = cv2.cvtColor(np.ascontiguousarray(pixels).reshape(-1, width, 3), code)
    return out.reshape(pixels.shape[:-1] + out.shape[2:])


# L* (CIE 1976) of each full-range grey level R = G = B: what a B&W frame's grey stands for.
LIGHTNESS = cv2.cvtColor(
    np.repeat(np.arange(256, dtype=np.float32)[:, None, None] / 255, 3, axis=2), cv2.COLOR_RGB2Lab
)[:, 0, 0].copy()


def rgb_to_ab(rgb: np.ndarray) -> np.ndarray:
    """CIE a*, b* (..., 2) float32 of RGB uint8 pixels (..., 3) (sRGB, D65; OpenCV's conversion)."""
    unit = np.multiply(rgb, np.float32(1 / 255), dtype=np.float32)  # 0..1, in one pass
    return _convert(unit, cv2.COLOR_RGB2Lab)[..., 1:]


def lab_to_rgb(lightness: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """RGB uint8 (..., 3) of lightness L* (...) and a*b* (..., 2); outside sRGB, clipped."""
    lab = np.concatenate([lightness[..., None], ab], axis=-1).astype(np.float32)
    rgb = _convert(lab, cv2.COLOR_Lab2RGB) * np.float32(255) + np.float32(0.5)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def rgb_to_grey(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma (...) uint8 of RGB uint8 pixels (..., 3): a frame or a stack of them."""
    return _convert(rgb, cv2.COLOR_RGB2GRAY)


def chroma(rgb: np.ndarray) -> np.ndarray:
    """(..., 2) float32 Cr, Cb of RGB uint8 pixels (..., 3), centred on 0 (range about +-128)."""
    return _convert(rgb, cv2.COLOR_RGB2YCrCb)[..., 1:].astype(np.float32) - 128.0
