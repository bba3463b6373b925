"""Pictures a person opens to check a stage: alignment, frames, loss curves, a render's sources.

The align stage's pictures are drawn with OpenCV and numpy (matplotlib alone would take longer to
import than aligning takes to think); loss curves use matplotlib's object API (no pyplot, no
display), imported on first use. Each function writes one PNG.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np


def _text(
    img: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.4, colour=(40, 40, 40)
) -> None:
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv2.LINE_AA)


def _step(span: float) -> float:
    """A round tick spacing giving about six ticks over ``span``."""
    raw = span / 6
    base = 10 ** np.floor(np.log10(raw))
    return float(next(m * base for m in (1, 2, 5, 10) if m * base >= raw))


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
        step = _step(axis_max)
        for t in np.arange(0, axis_max + 1e-9, step):
            x, y = xy(0 if vertical else t, t if vertical else 0)
            if vertical:
                cv2.line(img, (left - 4, int(y)), (left, int(y)), (0, 0, 0), 1)
                _text(img, f"{t:g}", (left - 40, int(y) + 4))
            else:
                cv2.line(img, (int(x), h - bottom), (int(x), h - bottom + 4), (0, 0, 0), 1)
                _text(img, f"{t:g}", (int(x) - 8, h - bottom + 18))
    cv2.rectangle(img, (left, top), (w - right, h - bottom), (0, 0, 0), 1)
    for k, (t_bw, t_color) in enumerate(segments):
        x, y = xy(t_bw, t_color)
        cv2.line(
            img, (int(x[0]), int(y[0])), (int(x[1]), int(y[1])), (255, 200, 150), 9, cv2.LINE_AA
        )
        _text(img, f"segment {k}", (int(x[0]) + 4, int(y[0]) - 10), colour=(200, 90, 20))
    x, y = xy(*matched)
    level = np.clip((scores - threshold) / (1 - threshold) * 255, 0, 255).astype(np.uint8)
    colours = cv2.applyColorMap(level[:, None], cv2.COLORMAP_VIRIDIS)[:, 0, ::-1]
    for xi, yi, c in zip(x, y, colours):
        cv2.circle(img, (int(xi), int(yi)), 1, tuple(int(v) for v in c), -1)
    _text(img, f"B&W release time (s): {names[0]}", (left + 150, h - 12), 0.45)
    ylabel = np.full((24, h - top - bottom, 3), 255, np.uint8)
    _text(ylabel, f"colour release time (s): {names[1]}", (20, 16), 0.45)
    img[top : h - bottom, 4:28] = np.rot90(ylabel)
    _text(
        img,
        f"{len(segments)} matched segment(s), colour plays at {speed:.4f}x the B&W speed; "
        "dots: matched frames, yellow = best match; grey lines: B&W cuts",
        (left, 24),
        0.4,
    )
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))


def _label(img: np.ndarray, text: str) -> np.ndarray:
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
        cols.append(_label(np.vstack([x for t in tiles for x in (t, gap)][:-1]), title))
    gap = np.full((cols[0].shape[0], pad, 3), 255, np.uint8)
    grid = np.hstack([x for c in cols for x in (c, gap)][:-1])
    cv2.imwrite(str(path), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))


def pair_strip(path: Path, bw: np.ndarray, color: np.ndarray, labels: Sequence[str]) -> None:
    """Sample pairs side by side: one column per pair, the B&W frame above its colour frame."""
    pad = 4
    cols = []
    for b, c, text in zip(bw, color, labels):
        gap = np.full((pad, b.shape[1], 3), 255, np.uint8)
        cols.append(_label(np.vstack([b, gap, c]), text))
    gap = np.full((cols[0].shape[0], pad, 3), 255, np.uint8)
    strip = np.hstack([x for c in cols for x in (c, gap)][:-1])
    cv2.imwrite(str(path), cv2.cvtColor(strip, cv2.COLOR_RGB2BGR))


def loss_curves(
    path: Path, history: dict[str, Sequence[float]], baseline: dict[str, float] | None = None
) -> None:
    """Loss per epoch for each named series, with the identity baseline as dashed lines."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.subplots()
    for i, (name, values) in enumerate(history.items()):
        ax.plot(range(len(values)), values, label=name, color=f"C{i}")
        if baseline and name in baseline:
            ax.axhline(baseline[name], color=f"C{i}", ls="--", lw=1, label=f"{name} baseline")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE over [-1, 1] RGB")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)


def release_plot(
    path: Path, weight: np.ndarray, shot: np.ndarray, shots: dict, fps: float, name: str
) -> None:
    """Where a render took the colour release's colour: per frame of the film, the release's share
    (green) against the model's (orange); per shot, the registration's shift and what was left of
    it later in the shot (pixels). ``shots`` is ``Release.report()["shots"]``."""
    w, left, right = 900, 60, 20
    img = np.full((330, w, 3), 255, np.uint8)
    span = w - left - right
    x = left + np.arange(len(weight)) * span / max(len(weight), 1)
    green, orange = np.array([60, 170, 60], float), np.array([240, 150, 40], float)
    for xi, wi in zip(x.astype(int), weight):
        img[60:110, xi] = (wi * green + (1 - wi) * orange).astype(np.uint8)
    for cut in np.flatnonzero(np.diff(shot)) + 1:
        img[55:115, int(x[cut])] = (90, 90, 90)
    _text(
        img,
        f"{name}: colour release {weight.mean():.0%} of the film (green), model "
        f"{1 - weight.mean():.0%} (orange); grey lines: shot cuts",
        (left, 30),
        0.45,
    )
    _text(img, "time (s)", (left, 135), 0.4)
    for t in np.arange(0, len(weight) / fps + 1e-9, _step(len(weight) / fps)):
        xi = int(left + t * fps * span / max(len(weight), 1))
        _text(img, f"{t:g}", (xi - 6, 128), 0.35)
    top, bottom, scale = 160, 300, 40.0  # residual bars: 1 px = scale rows, up to 3.5 px
    cv2.line(img, (left, bottom), (w - right, bottom), (0, 0, 0), 1)
    _text(
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
        _text(img, f"{v}", (left - 20, bottom - int(v * scale) + 4), 0.35)
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
