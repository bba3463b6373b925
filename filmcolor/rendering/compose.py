"""A film's frame composed from its own luma and a colour: chroma of a*b*, gamut, I420, upsampling.

A film is rendered by keeping its own luma plane as it is: the colour, brought to the picture's size
(``upsample``), is given the lightness of the film's own grey (``color.LIGHTNESS``), and only the
chroma of that colour is written (``chroma_of_ab``), shrunk where the luma cannot carry it
(``fit_gamut``). Chroma is made in the matrix the output is tagged with (BT.601, OpenCV's YCrCb,
for SD; BT.709 for HD); 8-bit films are written as I420 in video range, so the Y plane read is the
Y plane written, byte for byte (deeper ones: ``planes``).
"""

from __future__ import annotations

import cv2
import numpy as np

from ..io.memory import FRESH, Scratch

BT601 = (0.299, 0.114)  # luma weights Kr, Kb of a matrix (BT.709: 0.2126, 0.0722)


def chroma_of_ab(
    lightness: np.ndarray,
    ab: np.ndarray,
    weights: tuple[float, float] = BT601,
    scratch: Scratch = FRESH,
) -> tuple[np.ndarray, np.ndarray]:
    """Cr, Cb planes (h, w) of the colours with lightness L* (h, w) and a*b* (h, w, 2), in the
    matrix of luma ``weights`` (Kr, Kb); made in ``scratch``'s arrays (so valid until its next
    call).

    Colour is carried as a*b* (what the model predicts and the colour release is measured in) and
    put on the film's own lightness here: Cr, Cb are taken from that colour in RGB, so the output
    keeps the film's luma while showing the a*b* asked for (not the Cr, Cb of some other lightness,
    which would shift the colour where the B&W stock's tones differ from the colour release's)."""
    kr, kb = weights
    kg = 1 - kr - kb
    h, w = lightness.shape
    lab = scratch("lab", (h, w, 3))
    lab[..., 0], lab[..., 1:] = lightness, ab
    rgb = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB, dst=scratch("rgb", (h, w, 3)))  # 0..1
    # Cr = (R - Y) / 2 (1 - Kr), Cb = (B - Y) / 2 (1 - Kb), 0..255 units: one pass over the pixels
    to_chroma = np.float32(
        [
            [255 * 0.5, -255 * 0.5 * kg / (1 - kr), -255 * 0.5 * kb / (1 - kr)],
            [-255 * 0.5 * kr / (1 - kb), -255 * 0.5 * kg / (1 - kb), 255 * 0.5],
        ]
    )
    both = cv2.transform(rgb, to_chroma, dst=scratch("crcb", (h, w, 2)))
    return tuple(cv2.extractChannel(both, i, dst=scratch(n, (h, w))) for i, n in enumerate("rb"))


def fit_gamut(
    luma: np.ndarray,
    cr: np.ndarray,
    cb: np.ndarray,
    weights: tuple[float, float] = BT601,
    scratch: Scratch = FRESH,
) -> tuple[np.ndarray, np.ndarray]:
    """Scale chroma down where the colour it asks for is beyond what the luma can carry (in
    ``scratch``'s arrays).

    A saturated colour near black or white would push R, G or B out of 0..255; clipping them there
    would change the luminance, which must stay the film's own, so the chroma is shrunk instead
    until the colour fits. ``luma`` is the full-range (0..255) luma each chroma sample is put on:
    the pixel's own at full resolution, the mean of the pixels sharing it when chroma is subsampled.
    Not their darkest and brightest: that shrank every 2x2 block's colour for one grainy pixel's
    sake (the true colour of DAVIS frames on a grainy scan's luma: 0.101 of a grey film's colour
    error against 0.075 fitted to the mean), where fitted to the mean a pixel clips on display by
    no more than it lies off its block's mean (its displayed luma 0.05 levels off on average)."""
    kr, kb = weights
    kg = 1 - kr - kb
    # what the chroma adds to R, G and B
    shape = cr.shape
    dr = np.multiply(cr, np.float32(2 * (1 - kr)), out=scratch("dr", shape))
    db = np.multiply(cb, np.float32(2 * (1 - kb)), out=scratch("db", shape))
    dg = cv2.addWeighted(
        cr, -2 * kr * (1 - kr) / kg, cb, -2 * kb * (1 - kb) / kg, 0.0, dst=scratch("dg", shape)
    )
    # the most it raises a channel, and the most it lowers one (in place: a frame's planes are
    # large, and this runs on every frame)
    up = np.maximum(dr, dg, out=scratch("up", shape))
    np.maximum(up, db, out=up)
    down = np.minimum(dr, dg, out=dr)
    np.minimum(down, db, out=down)
    np.maximum(up, 1e-6, out=up)
    scale = np.divide(255.0 - luma, up, out=up)
    np.negative(down, out=down)
    np.maximum(down, 1e-6, out=down)
    np.minimum(scale, np.divide(luma, down, out=down), out=scale)
    np.minimum(scale, 1.0, out=scale)
    return (
        np.multiply(cr, scale, out=scratch("cr fitted", shape)),
        np.multiply(cb, scale, out=scratch("cb fitted", shape)),
    )


def compose(luma: np.ndarray, cr: np.ndarray, cb: np.ndarray) -> np.ndarray:
    """RGB uint8 from full-range luma (h, w) uint8 and chroma planes Cr, Cb (h, w) float centred on
    0."""
    y = luma.astype(np.float32)
    cr, cb = fit_gamut(y, cr, cb)
    r = cv2.scaleAdd(cr, 1.403, y)
    g = cv2.add(cv2.addWeighted(cr, -0.714, cb, -0.344, 0.0), y)
    b = cv2.scaleAdd(cb, 1.773, y)
    return cv2.convertScaleAbs(cv2.merge([r, g, b]))


# Video-range YUV (what H.264 and most films carry): Y in 16..235, chroma 16..240 around 128.
TV_TO_FULL = np.clip(np.round((np.arange(256) - 16) * 255 / 219), 0, 255).astype(np.uint8)
_CHROMA_TV = 224 / 255


def to_i420(
    y_tv: np.ndarray,
    cr: np.ndarray,
    cb: np.ndarray,
    box: tuple[int, int, int, int],
    scratch: Scratch = FRESH,
) -> np.ndarray:
    """One I420 frame (flat: Y, then U, then V, video range) from the film's own Y plane and chroma
    (full-range units, at half resolution) for the picture ``box`` (even pixel coordinates); outside
    it the frame stays neutral grey."""
    h, w = y_tv.shape
    n = (h // 2) * (w // 2)
    frame = np.empty(h * w + 2 * n, np.uint8)
    frame[: h * w] = y_tv.ravel()
    frame[h * w :] = 128
    x0, y0, x1, y1 = (c // 2 for c in box)
    for plane, c in ((frame[h * w : h * w + n], cb), (frame[h * w + n :], cr)):
        value = np.multiply(c, np.float32(_CHROMA_TV), out=scratch("i420 chroma", c.shape))
        value += np.float32(128)
        np.clip(value, 0, 255, out=value)
        plane.reshape(h // 2, w // 2)[y0:y1, x0:x1] = np.rint(value, out=value)
    return frame


def upsample(ab: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Colour (h, w, 2) at a model's size brought to ``size`` (W, H) by bilinear interpolation.

    Not a guided filter on the film's luma: from a 64x64 colour, guided upsampling (windows at the
    colour's scale) blurred the colour and carried the B&W stock's texture into it, and scored
    worse than bilinear, measured with the true colour of the DAVIS frames."""
    return cv2.resize(np.ascontiguousarray(ab, np.float32), size, interpolation=cv2.INTER_LINEAR)
