"""Does the release's low-resolution chroma gain from being put on the B&W scan's edges?

    python -m pipelines.scores.chroma_edges PAIR ALIGNED [--every 10] [--frames DIR]

PAIR holds bw.mp4 (the scan), the colour release (color.mpg or color.mp4) and truth.json; ALIGNED
is what ``filmcolor align`` wrote for them. For one B&W frame in ``--every`` of those the release
shows, the release frame is placed on the scan's picture as ``render --reference`` places it
(registration, chroma offset, overlay filled in), at the size of the scan's chroma planes, and its
a*b* are compared with the true source frame's (the colour error with the truth's own lightness,
as a ratio to a grey film's), as they are and through a guided filter (He et al.) steered by the
scan's own luma, of several radii and regularisations: the filter takes each window's colour as a
linear function of the scan's luma, so colour edges follow the scan's sharp edges. Prints a table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from filmcolor.alignment.folder import AlignedFolder
from filmcolor.colour import rgb_to_ab
from filmcolor.evaluation.metrics import colour_error_lab, lab
from filmcolor.geometry import to_pixels
from filmcolor.io.frames import frames_at
from filmcolor.io.video import FrameReader, probe
from filmcolor.rendering.release.chroma import chroma_offset, shift_chroma
from filmcolor.rendering.release.phase import register_shift
from filmcolor.rendering.release.source import Release, Shot
from pipelines.scores.colour import FRAMES, geometry, source_paths


def guided(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He et al.'s guided filter of ``src`` (h, w, c) steered by ``guide`` (h, w), 0..255."""
    g = guide.astype(np.float32)

    def box(x):
        return cv2.boxFilter(x, -1, (2 * radius + 1, 2 * radius + 1))

    mean_g = box(g)
    var_g = box(g * g) - mean_g * mean_g
    out = np.empty_like(src, np.float32)
    for k in range(src.shape[2]):
        p = np.ascontiguousarray(src[..., k], np.float32)
        mean_p = box(p)
        a = (box(g * p) - mean_g * mean_p) / (var_g + eps)
        out[..., k] = box(a) * g + box(mean_p - a * mean_g)
    return out


def release_of(pair: Path, aligned: Path) -> tuple[Release, object]:
    """The colour release as render places it (no model: nothing it lacks is coloured here)."""
    folder = AlignedFolder(aligned)
    m = folder.manifest
    film, ref = probe(m.inputs["bw"]["path"]), probe(m.inputs["color"]["path"])
    bx, by, bw, bh = m.crop["bw"]
    cx, cy, cw, ch = m.crop["color"]
    scale = (cw / bw, ch / bh)
    frame_of = m.colour_frames(film.frames, m.colour_pictures or ref.frames)
    mask = folder.overlay("color")
    rel = Release(
        ref,
        frame_of,
        (frame_of >= 0).astype(np.float32),
        np.zeros(film.frames, np.int64),
        scale,
        (cx - bx * scale[0], cy - by * scale[1]),
        decoding=m.colour_decoding,
        overlay=None if mask is None else mask.astype(np.uint8),
    )
    return rel, film


VARIANTS = {"as it is": None} | {
    f"guided r={r}, eps={e:g}": (r, e) for r in (2, 4, 8) for e in (25.0, 100.0, 400.0)
}


def measure(pair: Path, aligned: Path, every: int = 10, frames: Path = FRAMES) -> dict:
    truth = json.loads((pair / "truth.json").read_text())
    rel, film = release_of(pair, aligned)
    paths, _ = source_paths(truth, frames)
    bw_box, src_box, _ = geometry(truth, film)
    x0, y0, x1, y1 = to_pixels(
        (
            bw_box[0] / film.width,
            bw_box[1] / film.height,
            (bw_box[0] + bw_box[2]) / film.width,
            (bw_box[1] + bw_box[3]) / film.height,
        ),
        film.width,
        film.height,
        multiple=2,
    )
    half_size = ((x1 - x0) // 2, (y1 - y0) // 2)
    tb = np.array(truth["bw"]["frames"])
    ks = [k for k in np.flatnonzero((rel.frame_of >= 0) & (tb[: len(rel.frame_of)] >= 0))][::every]
    sx, sy, sw, sh = (round(v) for v in src_box)
    sums = {name: [0.0, 0.0] for name in VARIANTS}
    wanted = set(ks)
    colour = frames_at(rel.info, rel.frame_of[ks], size=rel.half_size(), decoding=rel.decoding)
    box = (x0, y0, x1 - x0, y1 - y0)
    with FrameReader(film, pix_fmt="gray", crop=box, size=half_size, batch=16) as reader:
        k = -1
        for half in (f for batch in reader for f in batch):
            k += 1
            if k not in wanted:
                continue
            rgb = next(colour)
            shot = Shot()
            at = (x0 // 2, y0 // 2)
            shot.shift, _ = register_shift(half, rel._place(rgb, half.shape, at, (0.0, 0.0)))
            # measured and moved on the frame as decoded, as render does (per frame here: no
            # per-shot median, no smear)
            moved = shift_chroma(rgb, chroma_offset(rgb)[0])
            placed = rel._fill_overlay(rel._place(moved, half.shape, at, shot.shift), at, shot)
            src = cv2.imread(str(paths[tb[k]]))[sy : sy + sh, sx : sx + sw]
            true = lab(cv2.resize(src[..., ::-1], half_size, interpolation=cv2.INTER_AREA))
            ab = rgb_to_ab(placed)
            m = 6  # the edges, where the release's framing may fall short
            t = true[m:-m, m:-m]
            grey = colour_error_lab(t, np.zeros_like(t[..., 1:]))
            for name, how in VARIANTS.items():
                out = ab if how is None else guided(half, ab, *how)
                sums[name][0] += colour_error_lab(t, out[m:-m, m:-m])
                sums[name][1] += grey
    return {name: e / g for name, (e, g) in sums.items()}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("pair", type=Path)
    ap.add_argument("aligned", type=Path)
    ap.add_argument("--every", type=int, default=10)
    ap.add_argument("--frames", type=Path, default=FRAMES)
    a = ap.parse_args(argv)
    result = measure(a.pair, a.aligned, a.every, a.frames)
    print("| the release's a*b* on the scan | colour error / grey film's |\n|---|---|")
    for name, ratio in result.items():
        print(f"| {name} | {ratio:.3f} |")
    return result


if __name__ == "__main__":
    main()
