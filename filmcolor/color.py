"""Colour arithmetic for rendering: luma/chroma split, edge-aware chroma upsampling, recombination.

The model predicts colour at its own size (64x64 by default). A film is rendered by keeping its own
luma plane as it is and taking only the chroma of the prediction, upsampled with a guided filter
(He, Sun and Tang, 2013) whose guide is the film's luma, so colour edges snap to the picture's edges
instead of bleeding across them. Chroma is BT.601 YCrCb (OpenCV's); films are written as I420 in
video range, tagged BT.601, so the Y plane read is the Y plane written, byte for byte.
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


def rgb_to_grey(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma (...) uint8 of RGB uint8 pixels (..., 3): a frame or a stack of them."""
    return _per_pixel(rgb, cv2.COLOR_RGB2GRAY)


def chroma(rgb: np.ndarray) -> np.ndarray:
    """(..., 2) float32 Cr, Cb of RGB uint8 pixels (..., 3), centred on 0 (range about +-128)."""
    return _per_pixel(rgb, cv2.COLOR_RGB2YCrCb)[..., 1:].astype(np.float32) - 128.0


def fit_gamut(
    low: np.ndarray, high: np.ndarray, cr: np.ndarray, cb: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Scale chroma down where the colour it asks for is beyond what the luma can carry.

    A saturated colour near black or white would push R, G or B out of 0..255; clipping them there
    would change the luminance, which must stay the film's own, so the chroma is shrunk instead
    until the colour fits. ``low`` and ``high`` are the darkest and brightest full-range (0..255)
    luma each chroma sample is shared by (the same array when chroma is at full resolution)."""
    dr, db = cr * np.float32(1.403), cb * np.float32(1.773)  # what the chroma adds to R, G and B
    dg = cv2.addWeighted(cr, -0.714, cb, -0.344, 0.0)
    up = np.maximum(
        np.maximum(dr, dg), db
    )  # the most it raises a channel, and the most it lowers one
    down = np.minimum(np.minimum(dr, dg), db)
    scale = np.minimum((255.0 - high) / np.maximum(up, 1e-6), low / np.maximum(-down, 1e-6))
    np.minimum(scale, 1.0, out=scale)
    return cr * scale, cb * scale


def compose(luma: np.ndarray, cr: np.ndarray, cb: np.ndarray) -> np.ndarray:
    """RGB uint8 from full-range luma (h, w) uint8 and chroma planes Cr, Cb (h, w) float centred on
    0."""
    y = luma.astype(np.float32)
    cr, cb = fit_gamut(y, y, cr, cb)
    r = cv2.scaleAdd(cr, 1.403, y)
    g = cv2.add(cv2.addWeighted(cr, -0.714, cb, -0.344, 0.0), y)
    b = cv2.scaleAdd(cb, 1.773, y)
    return cv2.convertScaleAbs(cv2.merge([r, g, b]))


# Video-range YUV (what H.264 and most films carry): Y in 16..235, chroma 16..240 around 128.
TV_TO_FULL = np.clip(np.round((np.arange(256) - 16) * 255 / 219), 0, 255).astype(np.uint8)
_CHROMA_TV = 224 / 255


def to_i420(
    y_tv: np.ndarray, cr: np.ndarray, cb: np.ndarray, box: tuple[int, int, int, int]
) -> np.ndarray:
    """One I420 frame (flat: Y, then U, then V, video range) from the film's own Y plane and chroma
    (full-range units, at half resolution) for the picture ``box`` (even pixel coordinates); outside
    it the frame stays neutral grey."""
    h, w = y_tv.shape
    u = np.full((h // 2, w // 2), 128, np.uint8)
    v = u.copy()
    x0, y0, x1, y1 = (c // 2 for c in box)
    v[y0:y1, x0:x1] = np.clip(cr * _CHROMA_TV + 128.0, 0, 255).round()
    u[y0:y1, x0:x1] = np.clip(cb * _CHROMA_TV + 128.0, 0, 255).round()
    return np.concatenate([y_tv.ravel(), u.ravel(), v.ravel()])


def _box(img: np.ndarray, r: int) -> np.ndarray:
    return cv2.boxFilter(img, -1, (2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)


def guided_upsample(
    crcb: np.ndarray, luma: np.ndarray, radius: int = 4, eps: float = 1e-3
) -> tuple[np.ndarray, np.ndarray]:
    """Upsample low-resolution chroma (h, w, 2) to the size of ``luma`` (H, W), guided by it: (Cr,
    Cb) planes.

    The fast guided filter: the linear model chroma = a * luma + b is fitted in windows at the
    chroma's own scale (cheap), and its coefficients are upsampled and applied to the
    full-resolution luma, which puts the chroma edges where the luma edges are.
    """
    h, w = crcb.shape[:2]
    H, W = luma.shape
    guide = cv2.resize(luma, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    mean_i = _box(guide, radius)
    var_i = _box(guide * guide, radius) - mean_i * mean_i
    full = luma.astype(np.float32) * (1 / 255)
    planes = []
    for c in range(crcb.shape[2]):
        p = np.ascontiguousarray(crcb[..., c])
        mean_p = _box(p, radius)
        a = (_box(guide * p, radius) - mean_i * mean_p) / (var_i + eps)
        b = mean_p - a * mean_i
        a_full = cv2.resize(_box(a, radius), (W, H), interpolation=cv2.INTER_LINEAR)
        b_full = cv2.resize(_box(b, radius), (W, H), interpolation=cv2.INTER_LINEAR)
        planes.append(cv2.add(cv2.multiply(a_full, full), b_full))
    return planes[0], planes[1]
