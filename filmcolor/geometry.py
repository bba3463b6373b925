"""Where things lie in a frame: boxes as fractions of it, their pixels, crops of stacks of frames.

A box is (x0, y0, x1, y1) as fractions of a frame's width and height, so it holds at any decoding
size; ``to_pixels`` turns it into pixel corners at one. ``chunks`` cuts long work into pieces.
"""

from __future__ import annotations

import cv2
import numpy as np

# x0, y0, x1, y1 as fractions of the frame's width and height
Box = tuple[float, float, float, float]


def chunks(n: int, step: int = 512):
    """Slices of ``range(n)``, ``step`` long: work on a long film a piece at a time."""
    for i in range(0, n, step):
        yield slice(i, min(n, i + step))


def inset(box: Box, fraction: float) -> Box:
    """The box shrunk by ``fraction`` of its size on every side."""
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) * fraction, (y1 - y0) * fraction
    return x0 + dx, y0 + dy, x1 - dx, y1 - dy


def to_pixels(box: Box, width: int, height: int, multiple: int = 1) -> tuple[int, int, int, int]:
    """A box as pixel corners (x0, y0, x1, y1), rounded to a ``multiple`` of pixels (2 for the
    chroma planes of I420) and at least one multiple wide and high."""
    m = multiple
    x0, y0, x1, y1 = (
        m * int(round(v * n / m)) for v, n in zip(box, (width, height, width, height))
    )
    return x0, y0, max(x1, x0 + m), max(y1, y0 + m)


def crop_resize(frames: np.ndarray, box: Box, size: int) -> np.ndarray:
    """Crop ``box`` out of a stack of frames (n, h, w[, 3]) and area-resample each to size x
    size."""
    x0, y0, x1, y1 = to_pixels(box, frames.shape[2], frames.shape[1])
    return np.stack(
        [cv2.resize(f[y0:y1, x0:x1], (size, size), interpolation=cv2.INTER_AREA) for f in frames]
    )
