"""The alignment picture: B&W time against colour time, the matched frames and segments."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from ..io.pictures import text, tick_step, write_png


def alignment_plot(
    path: Path,
    *,
    names: tuple[str, str],
    durations: tuple[float, float],
    cuts: np.ndarray,
    segments: Sequence[tuple[np.ndarray, np.ndarray]],
    matched: tuple[np.ndarray, np.ndarray],
    scores: np.ndarray,
    threshold: float,
    speed: float,
) -> None:
    """B&W time against colour time, all in seconds: B&W ``cuts`` (grey lines), ``segments``
    (orange; each the B&W and colour times of its two ends), ``matched`` frames (B&W and colour
    times) coloured by their ``scores`` from ``threshold`` (dark) to 1 (yellow). ``names`` and
    ``durations`` are the B&W file's and the colour file's; ``speed`` how fast colour plays.

    Drawn with OpenCV rather than matplotlib: the align benchmark counts every half second."""
    w, h, left, right, top, bottom = 760, 520, 70, 20, 40, 50
    img = np.full((h, w, 3), 255, np.uint8)
    xmax, ymax = durations

    def xy(t_bw, t_color):
        x = left + np.asarray(t_bw) / xmax * (w - left - right)
        y = h - bottom - np.asarray(t_color) / ymax * (h - top - bottom)
        return np.rint(x).astype(int), np.rint(y).astype(int)

    for cut in cuts:
        x, _ = xy(cut, 0)
        cv2.line(img, (int(x), top), (int(x), h - bottom), (225, 225, 225), 1)
    for axis_max, vertical in ((xmax, False), (ymax, True)):
        step = tick_step(axis_max)
        for t in np.arange(0, axis_max + 1e-9, step):
            x, y = xy(0 if vertical else t, t if vertical else 0)
            if vertical:
                cv2.line(img, (left - 4, int(y)), (left, int(y)), (0, 0, 0), 1)
                text(img, f"{t:g}", (left - 40, int(y) + 4))
            else:
                cv2.line(img, (int(x), h - bottom), (int(x), h - bottom + 4), (0, 0, 0), 1)
                text(img, f"{t:g}", (int(x) - 8, h - bottom + 18))
    cv2.rectangle(img, (left, top), (w - right, h - bottom), (0, 0, 0), 1)
    for k, (t_bw, t_color) in enumerate(segments):
        x, y = xy(t_bw, t_color)
        cv2.line(
            img, (int(x[0]), int(y[0])), (int(x[1]), int(y[1])), (255, 200, 150), 9, cv2.LINE_AA
        )
        text(img, f"segment {k}", (int(x[0]) + 4, int(y[0]) - 10), colour=(200, 90, 20))
    x, y = xy(*matched)
    level = np.clip((scores - threshold) / (1 - threshold) * 255, 0, 255).astype(np.uint8)
    colours = cv2.applyColorMap(level[:, None], cv2.COLORMAP_VIRIDIS)[:, 0, ::-1]
    for xi, yi, c in zip(x, y, colours):
        cv2.circle(img, (int(xi), int(yi)), 1, tuple(int(v) for v in c), -1)
    text(img, f"B&W release time (s): {names[0]}", (left + 150, h - 12), 0.45)
    ylabel = np.full((24, h - top - bottom, 3), 255, np.uint8)
    text(ylabel, f"colour release time (s): {names[1]}", (20, 16), 0.45)
    img[top : h - bottom, 4:28] = np.rot90(ylabel)
    text(
        img,
        f"{len(segments)} matched segment(s), colour plays at {speed:.4f}x the B&W speed; "
        "dots: matched frames, yellow = best match; grey lines: B&W cuts",
        (left, 24),
        0.4,
    )
    write_png(path, img)
