"""The align stage's pictures: B&W time against colour time, the matched frames and segments
(alignment.png); how the colour release was read, its fields and its overlays (release.png)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from ..geometry import Box, to_pixels
from ..io.decoding import Decoding
from ..io.drawing import labelled, text, tick_step, write_png
from ..io.frames import frames_at
from ..io.video import VideoInfo


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
    note: str = "",
) -> None:
    """B&W time against colour time, all in seconds: B&W ``cuts`` (grey lines), ``segments``
    (orange; each the B&W and colour times of its two ends), ``matched`` frames (B&W and colour
    times) coloured by their ``scores`` from ``threshold`` (dark) to 1 (yellow). ``names`` and
    ``durations`` are the B&W file's and the colour file's; ``speed`` how fast colour plays.

    Drawn with OpenCV rather than matplotlib: the align benchmark counts every half second."""
    w, h, left, right, top, bottom = 760, 530, 70, 20, 50, 50
    img = np.full((h, w, 3), 255, np.uint8)
    xmax, ymax = durations

    def xy(t_bw, t_colour):
        x = left + np.asarray(t_bw) / xmax * (w - left - right)
        y = h - bottom - np.asarray(t_colour) / ymax * (h - top - bottom)
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
    for k, (t_bw, t_colour) in enumerate(segments):
        x, y = xy(t_bw, t_colour)
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
    text(img, note, (left, 40), 0.4, colour=(200, 90, 20))
    write_png(path, img)


def release_picture(
    path: Path,
    colour: VideoInfo,
    decoding: Decoding,
    moment: int,
    crop: Box,
    overlays: Sequence[tuple[str, VideoInfo, int, np.ndarray]],
) -> None:
    """release.png: a detail of five colour frames around picture ``moment`` as a plain decode
    gives them, above the decoding chain's five pictures there (combed frames against field-matched
    ones; only where there is a chain), and each release's overlay (name, file, frame, mask over
    the whole frame) outlined in magenta on one of its frames."""
    rows = []
    if decoding.filters:
        # The input frame of picture `moment`: by the cycle, or by the mean rates of a decoding
        # by parts (near, not exact: a picture for the eye).
        ratio = decoding.cycle[0] / decoding.cycle[1]
        if decoding.parts and decoding.fps:
            ratio = float(colour.fps / decoding.fps)
        first = max(0, round(moment * ratio))
        plain = Decoding(matrix=decoding.matrix, full_range=decoding.full_range)
        x0, y0, x1, y1 = to_pixels(crop, colour.width, colour.height)
        cx, cy, half = (x0 + x1) // 2, (y0 + y1) // 2, max(24, (x1 - x0) // 8)
        detail = (cx - half, cy - half * 3 // 4, 2 * half, 3 * half // 2)
        for title, how, start in (
            ("as decoded", plain, first),
            (
                f"{len(decoding.parts)} stretches, each by its kind"
                if decoding.parts
                else decoding.filters,
                decoding,
                moment,
            ),  # fmt: skip
        ):
            tiles = [
                cv2.resize(f, (240, 180), interpolation=cv2.INTER_NEAREST)
                for f in frames_at(colour, range(start, start + 5), crop=detail, decoding=how)
            ]
            rows.append(labelled(_strip(tiles), f"{title}: frames {start}-{start + 4} (detail)"))
    for name, info, k, mask in overlays:
        frame = next(frames_at(info, [k], decoding=decoding if name == "colour" else None))
        frame = cv2.resize(frame, (round(frame.shape[1] * 240 / frame.shape[0]), 240))
        edge = cv2.morphologyEx(
            cv2.resize(mask.astype(np.uint8), frame.shape[1::-1], interpolation=cv2.INTER_NEAREST),
            cv2.MORPH_GRADIENT,
            np.ones((3, 3), np.uint8),
        )
        frame[edge > 0] = (255, 0, 255)
        rows.append(labelled(frame, f"{name} release: overlay found (left out), frame {k}"))
    if not rows:
        return
    width = max(r.shape[1] for r in rows)
    pad = [np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    write_png(path, np.vstack(pad))


def _strip(tiles: Sequence[np.ndarray]) -> np.ndarray:
    gap = np.full((tiles[0].shape[0], 4, 3), 255, np.uint8)
    return np.hstack([x for t in tiles for x in (t, gap)][:-1])
