"""Score a rendered film's colour against the true colour of its source frames (truth.json).

    python -m pipelines.score_colour FILM PAIR [--truth DIR] [--run RUN] [--size 212]

FILM was rendered from PAIR/bw.mp4. The true colour of each of its frames is the source frame it
shows (PAIR/truth.json), taken from the colour release of DIR (default PAIR; it must be unzoomed and
hold every source frame the film shows: for the DAVIS pairs, ../shared/data/davis-easy). Frames are
compared inside the B&W picture (letterbox bars left out), both area-resized to SIZE pixels wide:

- colour error: mean CIEDE2000 with the true lightness put in the film's frame (a*b* only), next to
  a grey film's (the film's own grey); their ratio is what the colour issue's targets name;
- colourfulness of the film's frames divided by the truth's;
- flicker: mean chroma change between consecutive frames of one shot (shots cut where the truth
  has a cut), the film's against the truth's.

Frames are grouped: all, each split of the run's dataset (--run), and the frames the colour release
of PAIR has or lacks. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from filmcolor.alignment.analysis import CutDetector
from filmcolor.color import chroma
from filmcolor.dataset.split import load_aligned
from filmcolor.evaluation.metrics import colour_error_lab, colourfulness, lab
from filmcolor.io.video import FrameReader, probe


def _truth(folder: Path) -> dict:
    return json.loads((folder / "truth.json").read_text())


def _frames(path: Path, box: tuple[int, int, int, int], size: tuple[int, int]):
    """Every frame of a film, cropped to ``box`` (x, y, w, h) and area-resized to ``size``."""
    with FrameReader(probe(path), crop=box, size=size, batch=64) as reader:
        for batch in reader:
            yield from batch


def _groups(pair: dict, run: Path | None, n: int) -> dict[str, np.ndarray]:
    """Boolean masks over the B&W frames: all shown frames, each split, release has / lacks."""
    tb = np.array(pair["bw"]["frames"][:n])
    released = np.isin(tb, [s for s in pair["color"]["frames"] if s >= 0])
    groups = {
        "all": tb >= 0,
        "release has": (tb >= 0) & released,
        "release lacks": (tb >= 0) & ~released,
    }
    if run:
        metrics = json.loads((run / "metrics.json").read_text())
        data = load_aligned(metrics["data"])
        for name, (a, b) in metrics["split"].items():
            groups[name] = np.isin(np.arange(n), data.frames[a:b]) & (tb >= 0)
    return groups


def score(
    film: Path, pair: Path, truth: Path | None = None, run: Path | None = None, width: int = 212
) -> dict:
    truth = truth or pair
    t_pair, t_ref = _truth(pair), _truth(truth)
    if t_ref["color"].get("zoom", 1.0) != 1.0:
        raise SystemExit(
            f"{truth}: its colour release is reframed; pass --truth with an unzoomed one"
        )
    info = probe(film)
    bars = t_pair.get("bw_letterbox_px", 0)
    box = (0, bars, info.width, info.height - 2 * bars)
    size = (width, round(width * box[3] / box[2]))
    ref_info = probe(truth / "color.mp4")
    ref_box = (0, bars, ref_info.width, ref_info.height - 2 * bars)  # that part of the source
    where = {s: k for k, s in enumerate(t_ref["color"]["frames"]) if s >= 0}
    tb = np.array(t_pair["bw"]["frames"])
    with tempfile.TemporaryDirectory() as tmp:
        ref = np.lib.format.open_memmap(
            Path(tmp) / "ref.npy", "w+", np.uint8, (ref_info.frames + 8, size[1], size[0], 3)
        )
        count = 0
        cuts = CutDetector(ref_info.fps, gray=False)
        for k, frame in enumerate(_frames(truth / "color.mp4", ref_box, size)):
            ref[k] = frame
            cuts.update(frame[None])
            count = k + 1
        colour_frames = t_ref["color"]["frames"]
        starts = {colour_frames[c] for c in cuts.finish() if c < len(colour_frames)}
        # Per B&W frame: colour error, grey's, colourfulness of film and truth, chroma changes.
        rows = []
        prev = None
        for k, frame in enumerate(_frames(film, box, size)):
            s = tb[k] if k < len(tb) else -1
            if s < 0 or s not in where or where[s] >= count:
                rows.append((np.nan,) * 10)
                prev = None
                continue
            true = ref[where[s]]
            t_lab, f_lab = lab(true), lab(frame)
            err = colour_error_lab(t_lab, f_lab[..., 1:])
            grey = colour_error_lab(t_lab, np.zeros_like(t_lab[..., 1:]))
            c_film, c_true = chroma(frame), chroma(true)
            if prev is not None and prev[0] == s - 1 and s not in starts:
                flick = (np.abs(c_film - prev[1]).mean(), np.abs(c_true - prev[2]).mean())
            else:
                flick = (np.nan, np.nan)
            means = (*f_lab[..., 1:].mean(axis=(0, 1)), *t_lab[..., 1:].mean(axis=(0, 1)))
            rows.append(
                (err, grey, colourfulness(frame[None]), colourfulness(true[None]), *flick, *means)
            )
            prev = (s, c_film, c_true)
    rows = np.array(rows, np.float64)
    out = {}
    for name, mask in _groups(t_pair, run, len(rows)).items():
        r = rows[mask[: len(rows)] & ~np.isnan(rows[:, 0])]
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
    released = set(s for s in t_pair["color"]["frames"] if s >= 0)
    out["boundaries"] = _boundaries(rows, tb, released, starts)
    return out


def _boundaries(
    rows: np.ndarray, tb: np.ndarray, released: set, starts: set, near: int = 12
) -> dict:
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
    ap.add_argument(
        "pair", type=Path, help="folder with the bw.mp4 it was rendered from and truth.json"
    )
    ap.add_argument(
        "--truth", type=Path, help="folder whose unzoomed color.mp4 holds every source frame"
    )
    ap.add_argument("--run", type=Path, help="the run folder of the model, for its splits")
    ap.add_argument("--size", type=int, default=212, help="width frames are compared at")
    args = ap.parse_args(argv)
    result = score(args.film, args.pair, args.truth, args.run, args.size)
    head = f"{'frames':<14}{'n':>5}{'colour error':>14}{'grey':>8}{'ratio':>8}"
    print(f"{head}{'colourful':>11}{'flicker':>9}")
    for name, r in result.items():
        if name == "boundaries":

            def fmt(v):
                return "-" if v is None else f"{v:.2f}"

            print(
                f"release/model boundaries: {r['count']}, {r['inside_shots']} inside shots; "
                f"mean a*b* change there: film {fmt(r['film_change'])}, truth "
                f"{fmt(r['truth_change'])}; largest step within 12 frames of them: film "
                f"{fmt(r['film_largest_near'])}, truth {fmt(r['truth_largest_near'])}; truth's "
                f"mean step within shots {fmt(r['truth_within_shots'])}"
            )
            continue
        flick = f"{r['flicker_ratio']:.2f}" if r["flicker_ratio"] is not None else "-"
        print(
            f"{name:<14}{r['frames']:>5}{r['colour_error']:>14.2f}{r['grey_colour_error']:>8.2f}"
            f"{r['ratio']:>8.2f}{r['colourfulness_ratio']:>11.2f}{flick:>9}"
        )
    print(json.dumps({"film": str(args.film), "groups": result}, default=float))
    return result


if __name__ == "__main__":
    main()
