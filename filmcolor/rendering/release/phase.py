"""The colour release's picture put on the B&W one to a fraction of a pixel, shot by shot.

Alignment places the colour picture on the B&W one by a scale and a shift found once for the film;
a release reframed from shot to shot (pan and scan, a telecine operator's nudges) is off by a few
pixels here and there. Phase correlation of the two frames' gradient magnitudes finds what is left,
to sub-pixel precision; gradients do not care that the two releases' tones differ.
"""

from __future__ import annotations

import cv2
import numpy as np

from ...colour import rgb_to_grey


def gradient(grey: np.ndarray) -> np.ndarray:
    f = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), 1.0)
    return cv2.magnitude(cv2.Sobel(f, cv2.CV_32F, 1, 0), cv2.Sobel(f, cv2.CV_32F, 0, 1))


def register_shift(half: np.ndarray, placed: np.ndarray) -> tuple[tuple[float, float], float]:
    """The shift (chroma-plane pixels) to add to the colour frame's placement so that its picture
    lies on the B&W one, from phase correlation of their gradients; no shift when unsure."""
    a, b = gradient(half), gradient(rgb_to_grey(placed))
    m = 4  # leave the borders, where replicated edges would agree with anything
    a, b = a[m:-m, m:-m], b[m:-m, m:-m]
    if min(a.shape) < 16:  # too small a picture to tell
        return (0.0, 0.0), 0.0
    (dx, dy), response = cv2.phaseCorrelate(
        a, b, cv2.createHanningWindow(a.shape[::-1], cv2.CV_32F)
    )
    if response < 0.1 or max(abs(dx), abs(dy)) > 8:
        return (0.0, 0.0), float(response)
    return (float(dx), float(dy)), float(response)
