"""The colour release's own colour against the true colour: its pictures as decoded and steadied.

    python -m pipelines.scores.release_colour PAIR ALIGNED [--chroma-shift PX] [--width 720]

PAIR is a pair made by ../shared/tools/make_release.py (the colour release color.mpg or color.mp4,
truth.json); ALIGNED is what ``filmcolor align`` wrote for it. Every picture of the release that
``pairs.csv`` pairs (read through the manifest's decoding, ``--width`` wide at its display shape, as
render reads it for a scan of that size) is compared with its true source frame, with its own
lightness (a*b* only; the box of make_release's logo, ``geometry.color.logo``, left out), as it is
and with its chroma steadied by its neighbours' (``rendering.release.neighbours``, with the
alignment's overlay mask as render has it). Each picture's neighbours are the pictures before and
after it in the release, within the shot of the film frame it shows (render takes the pictures of
the film frames beside it: the same pictures wherever the release runs at the film's rate).
``--chroma-shift`` undoes the chroma offset make_release put in (release pixels right). Frames are
grouped as score_colour groups them: those the release shows whole and those only in fields. Prints
colour error ÷ a grey film's and colourfulness ÷ the truth's.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import json
from pathlib import Path

import cv2
import numpy as np

from filmcolor.alignment.folder import AlignedFolder
from filmcolor.io.video import FrameReader, probe
from filmcolor.rendering.release.chroma import shift_chroma
from filmcolor.rendering.release.neighbours import Neighbours
from pipelines.scores.colour import FRAMES, _row, source_paths

SIZE = (200, 150)  # compared at: the 4:3 picture


def _compared(rgb: np.ndarray, shift: float) -> np.ndarray:
    """The picture at the compared size, its chroma moved back by ``shift`` of its own pixels (as
    render moves a release's chroma)."""
    return cv2.resize(shift_chroma(rgb, (shift, 0.0)), SIZE, interpolation=cv2.INTER_AREA)


def score(pair: Path, aligned: Path, shift: float = 0.0, width: int = 720) -> dict:
    truth = json.loads((pair / "truth.json").read_text())
    paths, starts = source_paths(truth, FRAMES)
    first_frames = sorted(starts)
    whole = {a for a, b in truth["color"]["fields"] if a == b and a >= 0}
    sources = np.array(truth["bw"]["frames"])
    with (aligned / "pairs.csv").open() as f:
        shown = {int(r["color_frame"]): sources[int(r["bw_frame"])] for r in csv.DictReader(f)}
    shown = {k: int(s) for k, s in shown.items() if s is not None and s >= 0}
    info = probe(next(p for p in (pair / "color.mpg", pair / "color.mp4") if p.exists()))
    height = round(width * info.height / (info.width * float(info.sar)) / 2) * 2
    pictures = []
    folder = AlignedFolder(aligned)
    decoding = folder.manifest.colour_decoding
    with FrameReader(info, decoding=decoding, batch=32, size=(width, height)) as reader:
        for batch in reader:
            pictures += list(batch)
    # each picture in the shot of the film frame it shows (none: a shot of its own)
    shots = [
        bisect.bisect_right(first_frames, shown[k]) if k in shown else -1 - k
        for k in range(len(pictures))
    ]
    overlay = folder.overlay("color")
    neighbours = Neighbours(None if overlay is None else overlay.astype(np.uint8))
    steadied = list(neighbours.steadied(iter(pictures), np.arange(len(pictures)), np.array(shots)))
    # make_release's film: the source's crop, zoomed by the release
    cx, cy, cw, ch = truth["geometry"]["source_crop"]
    zoom = truth["color"]["zoom"]
    w, h = cw / zoom, ch / zoom
    x0, y0 = round(cx + (cw - w) / 2), round(cy + (ch - h) / 2)
    kept = np.ones(SIZE[::-1], bool)
    if logo := truth["geometry"]["color"].get("logo"):  # x, y, w, h in the release's pixels
        lx, ly, lw, lh = (int(v) for v in logo.split(",")[:4])
        fx, fy = SIZE[0] / info.width, SIZE[1] / info.height
        kept[
            int(ly * fy) : int(np.ceil((ly + lh) * fy)), int(lx * fx) : int(np.ceil((lx + lw) * fx))
        ] = False
    rows: dict[tuple[str, str], list] = {}
    for k, s in sorted(shown.items()):
        src = cv2.cvtColor(cv2.imread(str(paths[s])), cv2.COLOR_BGR2RGB)
        true = cv2.resize(
            src[y0 : y0 + round(h), x0 : x0 + round(w)], SIZE, interpolation=cv2.INTER_AREA
        )
        group = "whole frames" if s in whole else "fields only"
        for name, rgb in (("as decoded", pictures[k]), ("steadied", steadied[k])):
            shifted = _compared(rgb, shift * width / info.width)
            rows.setdefault((group, name), []).append(_row(shifted[kept][None], true[kept][None]))
    return {
        f"{group}, {name}": {
            "frames": len(v),
            "ratio": float(np.mean([r[0] for r in v]) / np.mean([r[1] for r in v])),
            "colourfulness_ratio": float(np.mean([r[2] for r in v]) / np.mean([r[3] for r in v])),
        }
        for (group, name), v in sorted(rows.items(), reverse=True)
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("pair", type=Path, help="a make_release.py pair (colour release, truth.json)")
    ap.add_argument("aligned", type=Path, help="what filmcolor align wrote for it")
    ap.add_argument(
        "--chroma-shift",
        type=float,
        default=0.0,
        help="release pixels make_release moved its chroma right (undone)",
    )
    ap.add_argument(
        "--width",
        type=int,
        default=720,
        help="pictures are read this wide (render: the scan's chroma planes)",
    )
    args = ap.parse_args()
    result = score(args.pair, args.aligned, args.chroma_shift, args.width)
    print(f"{'frames':26s} {'n':>4s}  ratio  colourful")
    for name, g in result.items():
        print(f"{name:26s} {g['frames']:4d}  {g['ratio']:.3f}  {g['colourfulness_ratio']:.3f}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
