"""Score a render of a film case of pipelines.cases.real against its true colour (issue 34).

    python -m pipelines.scores.real_colour CASE FILM [FILM ...] [--aligned DIR] [--real DIR]

Each FILM was rendered from CASE's B&W scan (a video, or an image sequence's folder or pattern). The
scan was made from the film that ``pipelines.cases.real`` builds from the colour clips of DIR
(../shared/data/real), so the true colour of the scan's frame k is that film's frame k, rebuilt
here the same way. The render's picture is taken from where truth.json's ``geometry.bw`` puts it
(``picture``; an overscanned scan's frame moved by its gate weave, drawn again as the scan drew
it), and both are area-resized to SIZE pixels wide. Colour error: mean CIEDE2000 with the true
lightness put in the render's frame (a*b* only, as ``filmcolor.evaluation.metrics`` scores), next
to a grey film's; their ratio is what issue 34's target names. Groups: all frames, those the
colour release shows (truth.json's ``color.source_frames``) and those it lacks, and, where the
release has a logo, its box on the frames the release shows; with ``--aligned`` (what the render
was given), the frames it paired (the render took the release's colour) and those it left to the
model. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import cv2
import numpy as np

from filmcolor.evaluation.metrics import colour_error_lab, lab
from filmcolor.io.decoding import Decoding, colour_matrix
from filmcolor.io.video import FrameReader, probe
from pipelines.cases.film import the_film
from pipelines.cases.real import gate_weave

# ../shared/data/real beside the repository (or beside a folder above it)
REAL = next(
    (p / "shared/data/real" for p in Path(__file__).resolve().parents if (p / "shared").is_dir()),
    Path("../shared/data/real"),
)


def score(film: Path, case: Path, real: Path = REAL, width: int = 212, true=None,
          aligned: Path | None = None) -> dict:  # fmt: skip
    """The groups' scores of ``film``; ``true``: the film already rebuilt (``the_film``'s)."""
    truth = json.loads((case / "truth.json").read_text())
    geo = truth["geometry"]["bw"]
    px, py, pw, ph = geo["picture"]
    size = (width, round(width * ph / pw))
    ids = np.array(truth["bw"]["frames"])
    shown = np.isin(ids, truth["color"]["source_frames"])
    weave = np.zeros((len(ids), 2), int)
    if geo.get("weave_px"):
        weave = gate_weave(np.random.default_rng(7), len(ids))
    true = the_film(real)[0] if true is None else true
    lbox = None
    if logo := truth["geometry"]["color"].get("logo"):  # release pixels -> compared pixels
        (cx, cy, cw, ch), s = truth["known"]["picture"]["color"], size[0]
        x0, y0 = (logo[0] - cx) * s / cw, (logo[1] - cy) * size[1] / ch
        x1, y1 = (logo[0] + logo[2] - cx) * s / cw, (logo[1] + logo[3] - cy) * size[1] / ch
        lbox = (int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1)))
    info = probe(film)
    matrix = colour_matrix(info.colour.matrix or "", info.colour.range or "", info.size, "")[0]
    rows, logo_rows, k = [], [], 0
    with FrameReader(info, batch=8, decoding=Decoding(matrix=matrix)) as reader:
        for batch in reader:
            for frame in batch:
                if k >= len(ids) or ids[k] < 0:
                    k += 1
                    continue
                dx, dy = weave[k]
                pic = frame[py + dy : py + dy + ph, px + dx : px + dx + pw]
                pic = cv2.resize(pic, size, interpolation=cv2.INTER_AREA)
                t_lab = lab(cv2.resize(true[ids[k]], size, interpolation=cv2.INTER_AREA))
                f_ab, grey = lab(pic)[..., 1:], np.zeros_like(t_lab[..., 1:])
                rows.append((k, colour_error_lab(t_lab, f_ab), colour_error_lab(t_lab, grey)))
                if lbox and shown[k]:
                    a, b, c, d = lbox
                    lt, lf = t_lab[b:d, a:c], f_ab[b:d, a:c]
                    logo_rows.append((k, colour_error_lab(lt, lf), colour_error_lab(lt, 0 * lf)))
                k += 1
    rows, out = np.array(rows), {}
    frames = rows[:, 0].astype(int)
    groups = {"all": np.ones(len(rows), bool), "release has": shown[frames],
              "release lacks": ~shown[frames]}  # fmt: skip
    if aligned:
        with (aligned / "pairs.csv").open() as f:
            paired = np.isin(frames, [int(r["bw_frame"]) for r in csv.DictReader(f)])
        groups |= {"paired": paired, "unpaired": ~paired}
    for name, sel in [*groups.items(), ("logo box", None)]:
        r = np.array(logo_rows) if sel is None else rows[sel]
        if len(r):
            err, grey = r[:, 1].mean(), r[:, 2].mean()
            out[name] = {"frames": len(r), "colour_error": err, "grey": grey, "ratio": err / grey}
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("case", type=Path, help="the case's folder (its truth.json)")
    ap.add_argument("films", type=Path, nargs="+", help="renders of the case's scan")
    ap.add_argument("--aligned", type=Path, help="the aligned folder the renders were given")
    ap.add_argument("--real", type=Path, default=REAL, help="the real clips the film was made of")
    ap.add_argument("--size", type=int, default=212, help="width frames are compared at")
    args = ap.parse_args(argv)
    true, results = the_film(args.real)[0], {}
    for film in args.films:
        results[str(film)] = result = score(
            film, args.case, args.real, args.size, true, args.aligned
        )
        print(f"{film}\n{'frames':<15}{'n':>5}{'colour error':>14}{'grey':>8}{'ratio':>8}")
        for name, r in result.items():
            print(
                f"{name:<15}{r['frames']:>5}{r['colour_error']:>14.2f}{r['grey']:>8.2f}"
                f"{r['ratio']:>8.3f}"
            )
    print(json.dumps(results, default=float))
    return results


if __name__ == "__main__":
    main()
