"""Score a film coloured from stills against the true frames, as the published video colorizers
are scored on DAVIS.

    python -m pipelines.scores.stills FILM CASE [--frames DIR]
    python -m pipelines.scores.stills --floor grey|held|flow CASE

CASE is a folder ``pipelines.cases.stills`` wrote (its ``truth.json``); FILM was rendered from its
``bw.mp4``. Each of FILM's frames is compared with the true frame it shows (DIR: the source frames,
../shared/data/frames):

- RGB PSNR and SSIM at 854x480, frame by frame, averaged over the frames (0..255; SSIM with an
  11-pixel Gaussian window over the three channels);
- the colour error: mean CIEDE2000 with the true lightness put in (a*b* only), as a ratio to a
  grey film's (``filmcolor.evaluation.metrics``), at 212 pixels wide;
- colourfulness (Hasler and Suesstrunk) against the truth's, and flicker (the mean chroma change
  from frame to frame within a shot) against the truth's.

Over all frames, over the frames that were not stills, and shot by shot. ``--floor`` scores what
simpler ways give instead of a film, each composed as render composes (the film's own luma, the
a*b* on its lightness at the chroma planes' size): ``grey`` (no colour), ``held`` (each shot's first
frame's true a*b* held for the whole shot), ``flow`` (that colour carried frame to frame along
OpenCV's DIS optical flow). Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from filmcolor.colour import LIGHTNESS, chroma, rgb_to_ab
from filmcolor.evaluation.metrics import colour_error_lab, colourfulness, lab
from filmcolor.io.decoding import Decoding, colour_matrix
from filmcolor.io.video import FrameReader, probe
from filmcolor.rendering.compose import TV_TO_FULL, chroma_of_ab, fit_gamut, to_i420

from ..cases.stills import FRAMES, H, W, shot_files

SMALL = (212, 119)  # where colour error, colourfulness and flicker are measured


def ssim(x: np.ndarray, y: np.ndarray) -> float:
    """SSIM of two RGB frames (Wang et al. 2004: an 11-pixel Gaussian window, sigma 1.5, over the
    three channels; as scikit-image's with ``gaussian_weights``, computed with OpenCV)."""
    x, y = x.astype(np.float32), y.astype(np.float32)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(z):
        return cv2.GaussianBlur(z, (11, 11), 1.5)

    mx, my = blur(x), blur(y)
    sxx, syy, sxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    m = (2 * mx * my + c1) * (2 * sxy + c2) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(m[5:-5, 5:-5].mean())


def true_frames(truth: dict, frames: Path) -> list[Path]:
    """The file of every source frame, in the order truth.json's frame numbers count them."""
    return [f for spec in truth["shots"] for f in shot_files(frames, spec)]


def film_frames(film: Path) -> Iterator[np.ndarray]:
    """A rendered film's frames as RGB, through the matrix its tags name."""
    info = probe(film)
    matrix = colour_matrix(
        info.colour.matrix or "", info.colour.range or "", (info.width, info.height), ""
    )
    with FrameReader(info, size=(W, H), batch=16, decoding=Decoding(matrix=matrix[0])) as reader:
        for batch in reader:
            yield from batch


def composed(grey: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """RGB of a B&W frame (full-range grey, H x W) with a*b* (H/2 x W/2 x 2) as render writes it
    (BT.601, video range, the chroma fitted to the luma), decoded with bilinear chroma."""
    y_tv = np.rint(16 + grey.astype(np.float32) * (219 / 255)).astype(np.uint8)
    half = cv2.resize(TV_TO_FULL[y_tv], (W // 2, H // 2), interpolation=cv2.INTER_AREA)
    cr, cb = chroma_of_ab(LIGHTNESS[half], np.ascontiguousarray(ab, np.float32))
    cr, cb = fit_gamut(half.astype(np.float32), cr.copy(), cb.copy())
    planes = to_i420(y_tv, cr, cb, (0, 0, W, H))
    n = W * H // 4
    y = (planes[: W * H].reshape(H, W).astype(np.float32) - 16) * (255 / 219)
    u, v = (
        cv2.resize(
            (p.reshape(H // 2, W // 2).astype(np.float32) - 128) * (255 / 224),
            (W, H),
            interpolation=cv2.INTER_LINEAR,
        )
        for p in (planes[W * H : W * H + n], planes[W * H + n :])
    )
    rgb = np.dstack([y + 1.402 * v, y - 0.344136 * u - 0.714136 * v, y + 1.772 * u])
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def floor_frames(kind: str, truth: dict, frames: Path) -> Iterator[np.ndarray]:
    """The frames of a floor (see the module's docstring), in film order."""
    from ..cases.stills import grey_of

    paths = true_frames(truth, frames)
    firsts = {0, *truth["cuts"]}
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    ab = prev = None
    for k, s in enumerate(truth["bw"]["frames"]):
        rgb = cv2.cvtColor(cv2.imread(str(paths[s])), cv2.COLOR_BGR2RGB)
        grey = grey_of(rgb)
        half = cv2.resize(grey, (W // 2, H // 2), interpolation=cv2.INTER_AREA)
        if k in firsts:
            ab = cv2.resize(rgb_to_ab(rgb), (W // 2, H // 2), interpolation=cv2.INTER_AREA)
        elif kind == "flow":  # where each pixel of this frame was in the one before
            flow = dis.calc(half, prev, None)
            grid = np.dstack(np.meshgrid(np.arange(W // 2), np.arange(H // 2))).astype(np.float32)
            ab = cv2.remap(ab, grid + flow, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        prev = half
        yield composed(grey, np.zeros_like(ab) if kind == "grey" else ab)


def score(frames_in: Iterator[np.ndarray], truth: dict, frames: Path = FRAMES) -> dict:
    """The measures of a film's frames (RGB, W x H, in film order) against the truth."""
    paths = true_frames(truth, frames)
    shot = np.searchsorted(truth["cuts"], np.arange(len(truth["bw"]["frames"])), side="right")
    stills = {s["frame"] for s in truth["stills"]}
    rows, prev = [], None
    for k, frame in enumerate(frames_in):
        if k >= len(truth["bw"]["frames"]):
            break
        true = cv2.cvtColor(cv2.imread(str(paths[truth["bw"]["frames"][k]])), cv2.COLOR_BGR2RGB)
        mse = np.mean((frame.astype(np.float32) - true) ** 2)
        psnr = 10 * np.log10(255**2 / max(mse, 1e-10))
        s = ssim(frame, true)
        small = [cv2.resize(f, SMALL, interpolation=cv2.INTER_AREA) for f in (frame, true)]
        t_lab = lab(small[1])
        err = colour_error_lab(t_lab, lab(small[0])[..., 1:])
        grey = colour_error_lab(t_lab, np.zeros_like(t_lab[..., 1:]))
        c = [chroma(f) for f in small]
        same = prev is not None and shot[k - 1] == shot[k]
        flick = [np.abs(a - b).mean() for a, b in zip(c, prev)] if same else [np.nan, np.nan]
        rows.append(
            (
                shot[k],
                k in stills,
                psnr,
                s,
                err,
                grey,
                colourfulness(frame[None]),
                colourfulness(true[None]),
                *flick,
            )
        )
        prev = c
    rows = np.array(rows, np.float64)
    if len(rows) < len(truth["bw"]["frames"]):
        raise SystemExit(f"the film has {len(rows)} frames; the case {len(truth['bw']['frames'])}")

    def summary(r: np.ndarray) -> dict:
        fl = r[~np.isnan(r[:, 8])]
        return {
            "frames": len(r),
            "psnr": r[:, 2].mean(),
            "ssim": r[:, 3].mean(),
            "colour_error": r[:, 4].mean(),
            "colour_error_ratio": r[:, 4].mean() / r[:, 5].mean(),
            "colourfulness_ratio": r[:, 6].mean() / r[:, 7].mean(),
            "flicker_ratio": fl[:, 8].mean() / fl[:, 9].mean() if len(fl) else None,
        }

    out = {"all": summary(rows), "not stills": summary(rows[rows[:, 1] == 0])}
    for i, name in enumerate(truth["shots"]):
        out[name] = summary(rows[rows[:, 0] == i])
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("film", type=Path, nargs="?", help="the rendered film")
    ap.add_argument("case", type=Path, help="the case's folder (its truth.json)")
    ap.add_argument(
        "--frames", type=Path, default=FRAMES, help="the source frames, a folder a shot"
    )
    ap.add_argument("--floor", choices=("grey", "held", "flow"), help="score a floor, not a film")
    args = ap.parse_args(argv)
    if (args.film is None) == (args.floor is None):
        ap.error("give a FILM or a --floor")
    truth = json.loads((args.case / "truth.json").read_text())
    frames = floor_frames(args.floor, truth, args.frames) if args.floor else film_frames(args.film)
    result = score(frames, truth, args.frames)
    print(
        f"{'frames':<16}{'n':>5}{'PSNR':>8}{'SSIM':>8}{'colour error':>14}{'ratio':>7}"
        f"{'colourful':>11}{'flicker':>9}"
    )
    for name, r in result.items():
        flick = "-" if r["flicker_ratio"] is None else f"{r['flicker_ratio']:.2f}"
        print(
            f"{name:<16}{r['frames']:>5}{r['psnr']:>8.2f}{r['ssim']:>8.4f}"
            f"{r['colour_error']:>14.2f}{r['colour_error_ratio']:>7.3f}"
            f"{r['colourfulness_ratio']:>11.3f}{flick:>9}"
        )
    print(json.dumps({"film": str(args.film or args.floor), "groups": result}, default=float))
    return result


if __name__ == "__main__":
    main()
