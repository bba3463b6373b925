"""Score a rendered film's colour against the true colour: the source frames it shows.

    python -m pipelines.scores.colour FILM PAIR [--frames DIR] [--run RUN] [--size 212]

FILM was rendered from PAIR's B&W release. The true colour of each of its frames is the source
frame it shows: PAIR/truth.json's ``bw.frames[k]`` indexes the frames of its ``shots`` (``name`` or
``name[a:b]``, a slice of ``DIR/name/*.jpg``, in that order; DIR is ../shared/data/frames, the DAVIS
source frames). Where the B&W picture lies in its frame and which part of the source it shows come
from truth.json's ``geometry`` (``bw.picture``, ``source_crop``: make_release.py's HD scan) or its
letterbox bars (``bw_letterbox_px``: the whole source frame otherwise). Both are area-resized to
SIZE pixels wide:

- colour error: mean CIEDE2000 with the true lightness put in the film's frame (a*b* only), next to
  a grey film's (the film's own grey); their ratio is what the colour issues' targets name;
- colourfulness of the film's frames divided by the truth's;
- flicker: mean chroma change between consecutive frames of one shot, the film's against the
  truth's.

Frames are grouped: all, each split of the run's dataset (--run), the frames the colour release
shows and lacks (and where the film passes from one to the other inside a shot: the change of the
frames' mean a*b* there, the film's against the truth's); for a release held in fields
(truth.json's ``color.fields``: a DVD), the frames it shows whole (``clean frames``) and those it
shows only in fields of mixed frames (``fields only``); where it has a logo
(``geometry.color.logo``), the error inside the logo's box on the frames it shows (``logo box``).
Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from filmcolor.colour import chroma, rgb_to_ab
from filmcolor.dataset.split import load_aligned
from filmcolor.evaluation.metrics import colour_error_lab, colourfulness, lab
from filmcolor.io.decoding import Decoding, colour_matrix
from filmcolor.io.video import FrameReader, probe

# ../shared/data/frames beside the repository (or beside a folder above it)
FRAMES = next(
    (p / "shared/data/frames" for p in Path(__file__).resolve().parents if (p / "shared").is_dir()),
    Path("../shared/data/frames"),
)
MAKE_RELEASE_CROP = [107, 0, 640, 480]  # make_release.py's film: the centre 4:3 of the source


def source_paths(truth: dict, frames: Path) -> tuple[list[Path], set[int]]:
    """The file of every source frame, in the order truth.json's frame numbers count them, and
    the first source frame of each shot."""
    paths, starts = [], set()
    for shot in truth["shots"]:
        name, _, part = shot.partition("[")
        files = sorted((frames / name).glob("*.jpg"))
        if part:
            a, b = (int(v) if v else None for v in part.rstrip("]").split(":"))
            files = files[a:b]
        starts.add(len(paths))
        paths += files
    return paths, starts


def geometry(truth: dict, film) -> tuple[tuple, tuple, tuple | None]:
    """(the B&W picture box in the film, the source box it shows, the logo's box in the film or
    None), boxes as x, y, w, h."""
    geo = truth.get("geometry", {})
    bars = truth.get("bw_letterbox_px", 0)
    bw_box = tuple(
        geo.get("bw", {}).get("picture") or (0, bars, film.width, film.height - 2 * bars)
    )
    src_h = 480 * bw_box[3] / film.height if "bw" not in geo else None
    src_box = tuple(geo.get("source_crop") or MAKE_RELEASE_CROP) if "bw" in geo else None
    if src_box is None:  # the whole source frame, under the same bars
        src_box = (0, bars * 480 / film.height, 854, src_h)
    logo = None
    if (colour := geo.get("color")) and colour.get("logo"):
        x, y, w, h = (int(v) for v in colour["logo"].split(",")[:4])
        cw_px, ch_px = colour["size"]
        cx, cy, cw, ch = geo.get("source_crop") or MAKE_RELEASE_CROP
        zoom = truth["color"].get("zoom", 1.0)

        def to_bw(px, py):
            sx = cx + cw / 2 + (px / cw_px * cw - cw / 2) / zoom
            sy = cy + ch / 2 + (py / ch_px * ch - ch / 2) / zoom
            return (
                bw_box[0] + (sx - src_box[0]) * bw_box[2] / src_box[2],
                bw_box[1] + (sy - src_box[1]) * bw_box[3] / src_box[3],
            )

        (x0, y0), (x1, y1) = to_bw(x, y), to_bw(x + w, y + h)
        logo = (round(x0), round(y0), round(x1 - x0), round(y1 - y0))
    return bw_box, src_box, logo


def _groups(truth: dict, run: Path | None, n: int) -> dict[str, np.ndarray]:
    """Boolean masks over the B&W frames: all shown, each split, what the release has / lacks."""
    tb = np.array(truth["bw"]["frames"][:n])
    colour = truth["color"]
    shown = colour.get("source_frames") or [s for s in colour["frames"] if s >= 0]
    released = np.isin(tb, shown)
    groups = {"all": tb >= 0, "release has": (tb >= 0) & released}
    if colour.get("fields"):
        whole = [t for t, b in colour["fields"] if t == b and t >= 0]
        groups["clean frames"] = groups["release has"] & np.isin(tb, whole)
        groups["fields only"] = groups["release has"] & ~np.isin(tb, whole)
    groups["release lacks"] = (tb >= 0) & ~released
    if run:
        metrics = json.loads((run / "metrics.json").read_text())
        data = load_aligned(metrics["data"])
        for name, (a, b) in metrics["split"].items():
            groups[name] = np.isin(np.arange(n), data.frames[a:b]) & (tb >= 0)
    return groups


def _row(frame: np.ndarray, true: np.ndarray) -> tuple[float, float, float, float]:
    t_lab, f_lab = lab(true), lab(frame)
    err = colour_error_lab(t_lab, f_lab[..., 1:])
    grey = colour_error_lab(t_lab, np.zeros_like(t_lab[..., 1:]))
    return err, grey, colourfulness(frame[None]), colourfulness(true[None])


def score(
    film: Path, pair: Path, frames: Path = FRAMES, run: Path | None = None, width: int = 212
) -> dict:
    truth = json.loads((pair / "truth.json").read_text())
    info = probe(film)
    bw_box, src_box, logo = geometry(truth, info)
    size = (width, round(width * bw_box[3] / bw_box[2]))
    paths, starts = source_paths(truth, frames)
    tb = np.array(truth["bw"]["frames"])
    x, y, w, h = (round(v) for v in src_box)
    scale = size[0] / bw_box[2]
    if logo:
        lx, ly = round((logo[0] - bw_box[0]) * scale), round((logo[1] - bw_box[1]) * scale)
        lbox = (max(lx, 0), max(ly, 0), lx + max(1, round(logo[2] * scale)))
        lbox += (ly + max(1, round(logo[3] * scale)),)
    matrix = Decoding(
        matrix=colour_matrix(info.colour.matrix or "", info.colour.range or "", info.size, "")[0]
    )
    rows, logo_rows, prev = [], [], None
    with FrameReader(info, crop=bw_box, size=size, batch=32, decoding=matrix) as reader:
        k = 0
        for batch in reader:
            for frame in batch:
                s = tb[k] if k < len(tb) else -1
                k += 1
                if s < 0 or s >= len(paths):
                    rows.append((np.nan,) * 10)
                    logo_rows.append((np.nan,) * 2)
                    prev = None
                    continue
                src = cv2.cvtColor(cv2.imread(str(paths[s])), cv2.COLOR_BGR2RGB)[
                    y : y + h, x : x + w
                ]
                true = cv2.resize(src, size, interpolation=cv2.INTER_AREA)
                c_film, c_true = chroma(frame), chroma(true)
                same = prev is not None and prev[0] == s - 1 and s not in starts
                flick = (
                    (np.abs(c_film - prev[1]).mean(), np.abs(c_true - prev[2]).mean())
                    if same
                    else (np.nan, np.nan)
                )
                means = (*rgb_to_ab(frame).mean(axis=(0, 1)), *rgb_to_ab(true).mean(axis=(0, 1)))
                rows.append((*_row(frame, true), *flick, *means))
                if logo:
                    a, b, c, d = lbox
                    logo_rows.append(_row(frame[b:d, a:c], true[b:d, a:c])[:2])
                prev = (s, c_film, c_true)
    rows, logo_rows = np.array(rows, np.float64), np.array(logo_rows, np.float64)
    out = {}
    for name, mask in _groups(truth, run, len(rows)).items():
        sel = mask[: len(rows)] & ~np.isnan(rows[:, 0])
        r = rows[sel]
        if not len(r):
            continue
        fl = r[~np.isnan(r[:, 4])]
        out[name] = {
            "frames": len(r),
            "colour_error": r[:, 0].mean(),
            "grey_colour_error": r[:, 1].mean(),
            "ratio": r[:, 0].mean() / r[:, 1].mean(),
            "colourfulness_ratio": r[:, 2].mean() / max(r[:, 3].mean(), 1e-6),
            "flicker_ratio": fl[:, 4].mean() / max(fl[:, 5].mean(), 1e-6) if len(fl) else None,
        }
        if name == "release has" and logo:
            lr = logo_rows[sel]
            out["logo box"] = {
                "frames": len(lr),
                "colour_error": lr[:, 0].mean(),
                "grey_colour_error": lr[:, 1].mean(),
                "ratio": lr[:, 0].mean() / lr[:, 1].mean(),
                "colourfulness_ratio": None,
                "flicker_ratio": None,
            }
    shown = truth["color"].get("source_frames") or [s for s in truth["color"]["frames"] if s >= 0]
    out["boundaries"] = _boundaries(rows, tb, set(shown), starts)
    return out


def _boundaries(rows: np.ndarray, tb: np.ndarray, released: set, starts: set, near: int = 12):
    """Where the film passes between frames the release has and frames it lacks inside a shot: the
    change of the frames' mean a*b* at the crossing and the largest frame-to-frame change within
    ``near`` frames of it (a blend spreads the change), the film's and the truth's, and the truth's
    usual change between consecutive frames of a shot. Crossings at a cut are only counted."""
    has = np.array([s in released for s in tb[: len(rows)]])
    ok = ~np.isnan(rows[:, 0])
    film_ab, true_ab = rows[:, 6:8], rows[:, 8:10]
    step = np.flatnonzero(ok[1:] & ok[:-1]) + 1
    consecutive = step[(tb[step] == tb[step - 1] + 1) & ~np.isin(tb[step], list(starts))]
    cross = step[has[step] != has[step - 1]]
    inside = cross[np.isin(cross, consecutive)]
    around = consecutive[(np.abs(consecutive[:, None] - inside[None, :]) <= near).any(axis=1)]

    def change(ab, at):
        return float(np.abs(ab[at] - ab[at - 1]).max(axis=1).mean()) if len(at) else None

    def largest(ab, at):
        return float(np.abs(ab[at] - ab[at - 1]).max()) if len(at) else None

    return {
        "count": len(cross),
        "inside_shots": len(inside),
        "film_change": change(film_ab, inside),
        "truth_change": change(true_ab, inside),
        "film_largest_near": largest(film_ab, around),
        "truth_largest_near": largest(true_ab, around),
        "truth_within_shots": change(true_ab, np.setdiff1d(consecutive, cross)),
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("film", type=Path, help="the rendered film")
    ap.add_argument("pair", type=Path, help="folder with the truth.json of the B&W release")
    ap.add_argument(
        "--frames", type=Path, default=FRAMES, help="the source frames, a folder a shot"
    )
    ap.add_argument("--run", type=Path, help="the run folder of the model, for its splits")
    ap.add_argument("--size", type=int, default=212, help="width frames are compared at")
    args = ap.parse_args(argv)
    result = score(args.film, args.pair, args.frames, args.run, args.size)

    def fmt(v, spec=".2f"):
        return "-" if v is None else format(v, spec)

    head = f"{'frames':<15}{'n':>5}{'colour error':>14}{'grey':>8}{'ratio':>8}"
    print(f"{head}{'colourful':>11}{'flicker':>9}")
    for name, r in result.items():
        if name == "boundaries":
            print(
                f"release/model boundaries: {r['count']}, {r['inside_shots']} inside shots; "
                f"mean a*b* change there: film {fmt(r['film_change'])}, truth "
                f"{fmt(r['truth_change'])}; largest step within 12 frames of them: film "
                f"{fmt(r['film_largest_near'])}, truth {fmt(r['truth_largest_near'])}; truth's "
                f"mean step within shots {fmt(r['truth_within_shots'])}"
            )
            continue
        print(
            f"{name:<15}{r['frames']:>5}{r['colour_error']:>14.2f}{r['grey_colour_error']:>8.2f}"
            f"{r['ratio']:>8.2f}{fmt(r['colourfulness_ratio']):>11}{fmt(r['flicker_ratio']):>9}"
        )
    print(json.dumps({"film": str(args.film), "groups": result}, default=float))
    return result


if __name__ == "__main__":
    main()
