"""Colour conversions every stage shares: CIE L*a*b* (OpenCV's sRGB/D65), BT.601 luma and chroma.

Colour travels as CIE a*b*: what the model predicts, what the colour release is measured in and
what the colour measures compare. A B&W frame's grey level stands for a lightness L*
(``LIGHTNESS``). Luma and chroma are BT.601 (OpenCV's YCrCb). Composing a film's frames from its
own luma and a colour is the render stage's (``rendering.compose``).
"""

from __future__ import annotations

import cv2
import numpy as np


def _per_pixel(rgb: np.ndarray, code: int) -> np.ndarray:
    """An OpenCV colour conversion of any stack of RGB uint8 pixels (..., 3), as one image."""
    flat = np.ascontiguousarray(rgb).reshape(-1, 1, 3)
    out = cv2.cvtColor(flat, code)
    return (
        out.reshape(*rgb.shape[:-1], *out.shape[2:])
        if out.ndim == 3
        else out.reshape(rgb.shape[:-1])
    )


# L* (CIE 1976) of each full-range grey level R = G = B: what a B&W frame's grey stands for.
LIGHTNESS = cv2.cvtColor(
    np.repeat(np.arange(256, dtype=np.float32)[:, None, None] / 255, 3, axis=2), cv2.COLOR_RGB2Lab
)[:, 0, 0].copy()


def rgb_to_ab(rgb: np.ndarray) -> np.ndarray:
    """CIE a*, b* (..., 2) float32 of RGB uint8 pixels (..., 3) (sRGB, D65; OpenCV's conversion)."""
    flat = np.ascontiguousarray(rgb, np.float32).reshape(-1, 1, 3) * (1 / 255)
    return cv2.cvtColor(flat, cv2.COLOR_RGB2Lab)[:, 0, 1:].reshape(*rgb.shape[:-1], 2)


def lab_to_rgb(lightness: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """RGB uint8 (..., 3) of lightness L* (...) and a*b* (..., 2); outside sRGB, clipped."""
    lab = np.concatenate([lightness[..., None], ab], axis=-1).astype(np.float32).reshape(-1, 1, 3)
    rgb = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB) * np.float32(255) + np.float32(0.5)
    return np.clip(rgb, 0, 255).astype(np.uint8).reshape(*ab.shape[:-1], 3)


def rgb_to_grey(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma (...) uint8 of RGB uint8 pixels (..., 3): a frame or a stack of them."""
    return _per_pixel(rgb, cv2.COLOR_RGB2GRAY)


def chroma(rgb: np.ndarray) -> np.ndarray:
    """(..., 2) float32 Cr, Cb of RGB uint8 pixels (..., 3), centred on 0 (range about +-128)."""
    return _per_pixel(rgb, cv2.COLOR_RGB2YCrCb)[..., 1:].astype(np.float32) - 128.0
