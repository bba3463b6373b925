"""The render report's picture: where the film took the colour release's colour, and how it was
registered, shot by shot: the picture's shift, what was left of it, the chroma's own offset."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ...io.drawing import text, tick_step, write_png


def release_plot(
    path: Path,
    weight: np.ndarray,
    shot: np.ndarray,
    shots: dict,
    fps: float,
    name: str,
    note: str = "",
) -> None:
    """Where a render took the colour release's colour: per frame of the film, the release's share
    (green) against the model's (orange); per shot, the registration's shift and what was left of
    it later in the shot, and the offset of the release's chroma against its luma (pixels).
    ``shots`` is ``Release.report()["shots"]``; ``note`` a line on how the release was read."""
    w, left, right = 900, 60, 20
    img = np.full((470, w, 3), 255, np.uint8)
    span = w - left - right
    x = left + np.arange(len(weight)) * span / max(len(weight), 1)
    green, orange = np.array([60, 170, 60], float), np.array([240, 150, 40], float)
    for xi, wi in zip(x.astype(int), weight):
        img[60:110, xi] = (wi * green + (1 - wi) * orange).astype(np.uint8)
    for cut in np.flatnonzero(np.diff(shot)) + 1:
        img[55:115, int(x[cut])] = (90, 90, 90)
    text(
        img,
        f"{name}: colour release {weight.mean():.0%} of the film (green), model "
        f"{1 - weight.mean():.0%} (orange); grey lines: shot cuts",
        (left, 30),
        0.45,
    )
    text(img, "time (s)", (left, 135), 0.4)
    for t in np.arange(0, len(weight) / fps + 1e-9, tick_step(len(weight) / fps)):
        xi = int(left + t * fps * span / max(len(weight), 1))
        text(img, f"{t:g}", (xi - 6, 128), 0.35)
    top, bottom, scale = 160, 300, 40.0  # residual bars: 1 px = scale rows, up to 3.5 px
    cv2.line(img, (left, bottom), (w - right, bottom), (0, 0, 0), 1)
    text(
        img,
        "per shot: registration shift found (light) and left later in the shot (dark), pixels",
        (left, top - 8),
        0.4,
    )
    for s, info in shots.items():
        frames = np.flatnonzero(shot == int(s))
        if not len(frames) or info["shift_px"] is None:
            continue
        x0, x1 = int(x[frames[0]]) + 2, int(x[frames[-1]]) - 2
        shift = float(np.hypot(*info["shift_px"]))
        cv2.rectangle(
            img, (x0, bottom - int(min(shift, 3.5) * scale)), (x1, bottom), (190, 210, 240), -1
        )
        if info["residual_px"] is not None:
            r = int(min(info["residual_px"], 3.5) * scale)
            cv2.rectangle(img, (x0 + 3, bottom - r), (x1 - 3, bottom), (40, 70, 160), -1)
    for v in (1, 2, 3):
        text(img, f"{v}", (left - 20, bottom - int(v * scale) + 4), 0.35)
    top, bottom, scale = 330, 440, 20.0  # chroma offsets, up to 5 px of the release's
    cv2.line(img, (left, bottom), (w - right, bottom), (0, 0, 0), 1)
    text(img, "per shot: the release's chroma offset against its luma, corrected (release pixels)",
         (left, top - 8), 0.4)  # fmt: skip
    for s, info in shots.items():
        frames = np.flatnonzero(shot == int(s))
        if not len(frames) or not info.get("chroma_px"):
            continue
        x0, x1 = int(x[frames[0]]) + 2, int(x[frames[-1]]) - 2
        r = int(min(float(np.hypot(*info["chroma_px"])), 5.0) * scale)
        cv2.rectangle(img, (x0, bottom - r), (x1, bottom), (190, 60, 190), -1)
    for v in (1, 3, 5):
        text(img, f"{v}", (left - 20, bottom - int(v * scale) + 4), 0.35)
    text(img, note, (left, 462), 0.4, colour=(200, 90, 20))
    write_png(path, img)
