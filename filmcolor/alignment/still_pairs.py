"""Stills as the colour release: each found in the film (``stills``) and written as a pair.

``align_stills`` writes an aligned folder like ``align``'s: one pair a still (the part of its frame
the still shows, inside any bars, and the still's picture of it, as SIZExSIZE squares), its table,
its manifest (with ``stills``: each still's file, frame, placement and score) and ``samples.png``;
and ``stills.npz``, each pair again at four times the size, which training cuts its views from
(a handful of pairs must be seen many ways to teach anything).
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from ..colour import rgb_to_grey
from ..io.drawing import pair_strip
from ..io.files import atomic_dir, check_new_output
from ..io.frames import frames_at
from ..io.video import probe
from ..settings import ALIGNED, AlignSettings, as_json, with_options
from .analysis import shot_ids
from .folder import AlignedFolder, Manifest
from .stills import Still, find_stills, read_still, still_files

log = logging.getLogger("filmcolor")

VIEWS = 4  # the larger pairs' side, in multiples of the pairs'


def align_stills(
    bw: str | Path,
    stills: str | Path,
    out: str | Path = ALIGNED,
    settings: AlignSettings | None = None,
    *,
    overwrite: bool = False,
    **options,
) -> tuple[Path, int, Manifest]:
    """Find each still of ``stills`` (a picture, a folder of them or a pattern) in the film ``bw``
    and write the pairs into ``out``; the folder, its pairs and its manifest. FilmcolorError for
    a folder without pictures, a picture that cannot be read, or a still of another film, naming
    it."""
    out = Path(out)
    settings = with_options(settings, AlignSettings, options)
    files = still_files(stills)
    info = probe(bw, settings.input_fps)
    check_new_output(out, overwrite, "aligned dataset")
    found = find_stills(info, files)
    frames = [s.frame for s in found.stills]
    greys = {f: rgb_to_grey(rgb) for f, rgb in zip(frames, frames_at(info, frames))}
    size, large = settings.size, settings.size * VIEWS
    pairs = [_pair(s, greys[s.frame], found.area, (size, large)) for s in found.stills]
    with atomic_dir(out, overwrite) as tmp:
        folder = AlignedFolder.write(
            tmp,
            len(pairs),
            size,
            [(np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs]))],
        )
        folder.write_views(np.stack([p[2] for p in pairs]), np.stack([p[3] for p in pairs]))
        fps = float(info.fps)
        b = np.array(frames, np.int64)
        folder.write_pairs(
            bw_frame=b,
            colour_frame=np.arange(len(b)),
            bw_time=b / fps,
            colour_time=np.zeros(len(b)),
            score=np.array([s.score for s in found.stills]),
            shot=shot_ids(info.frames, found.cuts)[np.minimum(b, info.frames - 1)],
            segment=np.arange(len(b)),
        )
        x0, y0, x1, y1 = found.area
        area = [round(x0 * info.width), round(y0 * info.height)]
        area += [round(x1 * info.width) - area[0], round(y1 * info.height) - area[1]]
        manifest = Manifest(
            inputs={"bw": info.to_json(), "color": {"path": str(stills), "stills": len(pairs)}},
            size=size,
            fps=float(settings.fps),
            every=1,
            settings=as_json(settings),
            pairs=len(pairs),
            speed_ratio=1.0,
            frame_ratio=1.0,
            segments=(),
            crop={"bw": area, "color": area},
            picture_area={"bw": area, "color": area},
            bw_cuts=tuple(found.cuts),
            coverage_bw=round(len(pairs) / max(info.frames, 1), 4),
            confidence=round(float(np.median([s.score for s in found.stills])), 4),
            stills=tuple(s.to_json() for s in found.stills),
        )
        folder.write_manifest(manifest)
        pick = np.linspace(0, len(pairs) - 1, min(8, len(pairs))).astype(int)
        pair_strip(
            tmp / "samples.png",
            np.stack([np.repeat(pairs[i][2][::2, ::2, None], 3, axis=2) for i in pick]),
            np.stack([pairs[i][3][::2, ::2] for i in pick]),
            [f"{Path(found.stills[i].file).name}: frame {frames[i]}" for i in pick],
        )
    for s in found.stills:
        log.debug("%s: frame %d (alike %.3f), placed at %s", s.file, s.frame, s.score, s.box)
    return out, len(pairs), manifest


def _pair(still: Still, grey: np.ndarray, area: tuple, sizes: tuple[int, int]) -> tuple:
    """A still's pair at the two ``sizes``: the part of its frame (``grey``, full size) it shows
    inside the picture ``area`` (fractions) and the still's picture of that part."""
    h, w = grey.shape
    bx, by, bw, bh = still.box
    cx, cy, cw, ch = still.crop
    x0, y0 = max(bx, area[0] * w, 0.0), max(by, area[1] * h, 0.0)
    x1, y1 = min(bx + bw, area[2] * w, w), min(by + bh, area[3] * h, h)
    film = grey[int(round(y0)) : int(round(y1)), int(round(x0)) : int(round(x1))]
    rgb = read_still(Path(still.file))

    def at(v: float, b: float, scale: float, c: int) -> int:  # film pixel -> still pixel
        return int(round(c + (v - b) * scale))

    u0, u1 = at(x0, bx, cw / bw, cx), at(x1, bx, cw / bw, cx)
    v0, v1 = at(y0, by, ch / bh, cy), at(y1, by, ch / bh, cy)
    colour = rgb[v0:v1, u0:u1]
    out = []
    for side in sizes:
        for picture in (film, colour):
            out.append(cv2.resize(picture, (side, side), interpolation=cv2.INTER_AREA))
    return tuple(out)
