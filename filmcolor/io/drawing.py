"""Pictures a person opens to check a stage: grids of frames, captions, axis ticks, PNG files.

Drawn with OpenCV and numpy (matplotlib alone would take longer to import than aligning takes to
think); each stage draws its own figures with these (``alignment.plots``,
``rendering.review.report_plot``, ``training.report``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np


def write_png(path: Path, rgb: np.ndarray) -> None:
    """An RGB uint8 picture (h, w, 3) as a PNG file."""
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))


def text(
    img: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.4, colour=(40, 40, 40)
) -> None:
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv2.LINE_AA)


def tick_step(span: float) -> float:
    """A round tick spacing giving about six ticks over ``span``."""
    raw = span / 6
    base = 10 ** np.floor(np.log10(raw))
    return float(next(m * base for m in (1, 2, 5, 10) if m * base >= raw))


def labelled(img: np.ndarray, text: str) -> np.ndarray:
    """A white caption band above an image."""
    band = np.full((16, img.shape[1], 3), 255, np.uint8)
    cv2.putText(band, text, (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([band, img])


def image_grid(
    path: Path, columns: Sequence[np.ndarray], titles: Sequence[str], scale: int = 2
) -> None:
    """A grid with one column per title, each an (n, h, w, 3) RGB uint8 stack shown top to
    bottom."""
    pad = 4
    cols = []
    for stack, title in zip(columns, titles):
        tiles = [
            cv2.resize(f, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST) for f in stack
        ]
        gap = np.full((pad, tiles[0].shape[1], 3), 255, np.uint8)
        cols.append(labelled(np.vstack([x for t in tiles for x in (t, gap)][:-1]), title))
    gap = np.full((cols[0].shape[0], pad, 3), 255, np.uint8)
    grid = np.hstack([x for c in cols for x in (c, gap)][:-1])
    write_png(path, grid)


def pair_strip(path: Path, bw: np.ndarray, colour: np.ndarray, labels: Sequence[str]) -> None:
    """Sample pairs side by side: one column per pair, the B&W frame above its colour frame."""
    pad = 4
    cols = []
    for b, c, text in zip(bw, colour, labels):
        gap = np.full((pad, b.shape[1], 3), 255, np.uint8)
        cols.append(labelled(np.vstack([b, gap, c]), text))
    gap = np.full((cols[0].shape[0], pad, 3), 255, np.uint8)
    strip = np.hstack([x for c in cols for x in (c, gap)][:-1])
    write_png(path, strip)
