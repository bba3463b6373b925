"""The film of pipelines.cases.real's film cases, made from the colour clips of ../shared/data/real.

Each clip's kind is measured here, apart from filmcolor (idet; frames repeated on a steady phase in
five), and its film frames made: a picture a field (bwdif) for video, fieldmatch+decimate for
telecine, less the repeats else. The film: title cards held over a still starfield, then each
colour clip, progressive, as its centre 4:3 at FILM_SIZE (``the_film``).
"""

from __future__ import annotations

import json
import re
import subprocess
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

FILM_RATE, FILM_SIZE = "24000/1001", (640, 480)
COLOUR_CLIPS = [f"broadcast-ntsc/{n}" for n in ("cable-progressive-as-fields.ts",
                "dvd-interlaced-video.mkv")] + [f"broadcast-pal/{n}" for n in ("film-2-2-logo.wtv",
                "interlaced-logo.pva", "field-pictures-bff.ts", "four-channels-logos.ts",
                "teleshopping-overlay.ts")]  # fmt: skip
# cuts inside the clips, as their frames (deepremaster: the data README's; cable: seen)
KNOWN_CUTS = {"deepremaster/bw.mp4": [44, 134, 299], COLOUR_CLIPS[0]: [88]}


def ff(*args, data: bytes | None = None, err: bool = False) -> bytes:
    """Run ffmpeg; its stdout (or stderr, ``err``)."""
    cmd = ["ffmpeg", "-nostdin", "-y", "-v", "info" if err else "error", *map(str, args)]
    p = subprocess.run(cmd, input=data, capture_output=True, check=True)
    return p.stderr if err else p.stdout


def stream(path: Path) -> dict:
    """ffprobe's first video stream of a file."""
    cmd = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_streams", "-of", "json"]
    out = subprocess.run([*cmd, path], capture_output=True, text=True, check=True).stdout
    return json.loads(out)["streams"][0]


def decode(path: Path, vf: str = "null", fmt: str = "rgb24") -> np.ndarray:
    """Every frame a decoder yields (after ``vf``), (n, h, w[, 3]) uint8."""
    args = ["-i", path, "-map", "0:v:0", "-vf", vf]
    w, h = map(int, ff(*args, "-frames:v", 1, "-c:v", "pgm", "-f", "image2pipe", "-").split()[1:3])
    raw = ff(*args, "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", fmt, "-")
    shape = (-1, h, w, 3) if fmt == "rgb24" else (-1, h, w)
    return np.frombuffer(raw, np.uint8).reshape(shape)


def clip_kind(path: Path, grey: np.ndarray) -> tuple[str, str, list[int]]:
    """(kind, field order, frames repeating the one before on a steady phase in five)."""
    log = ff("-i", path, "-map", "0:v:0", "-vf", "idet", "-f", "null", "-", err=True).decode()
    multi = r"Multi frame.*?TFF:\s*(\d+)\s*BFF:\s*(\d+)\s*Progressive:\s*(\d+)"
    tff, bff, prog = map(int, re.findall(multi, log)[-1])
    top, bottom = map(int, re.findall(r"Repeated.*?Top:\s*(\d+)\s*Bottom:\s*(\d+)", log)[-1])
    order = "tff" if tff >= bff else "bff"
    if tff + bff > prog:
        return "interlaced", order, []
    if top + bottom >= 0.15 * len(grey):
        return "telecine", order, []
    d = np.r_[np.inf, np.abs(np.diff(grey[:, ::4, ::4] * 1.0, axis=0)).mean((1, 2)), np.inf]
    dip = d[1:-1] < 0.3 * np.minimum(d[:-2], d[2:])  # frame k+1 much like frame k
    share = [dip[p::5].mean() for p in range(5)] if len(dip) >= 25 else [0.0]
    p = int(np.argmax(share))
    if share[p] >= 0.6 and sum(share) - share[p] < 0.6:
        return "repeats", order, list(range(p + 1, len(grey), 5))
    return "progressive", order, []


def film_of(path: Path) -> dict:
    """A clip's film frames (RGB), kind, order, rate; each of its frames' fields' film frame."""
    grey = decode(path, fmt="gray")
    kind, order, repeats = clip_kind(path, grey)
    n, rate = len(grey), stream(path)["avg_frame_rate"]
    if kind == "interlaced":  # a moment a field, the first field's first
        rgb, first = decode(path, f"bwdif=mode=send_field:parity={order}"), int(order == "bff")
        fields = [[min(2 * k + first, len(rgb) - 1), min(2 * k + 1 - first, len(rgb) - 1)]
                  for k in range(n)]  # fmt: skip
    elif kind == "telecine":  # fieldmatch copies fields: each looked up among the film's
        chain = f"fieldmatch=order={order},decimate"
        rgb, film = decode(path, chain), decode(path, chain, "gray")
        keys = [{f[p::2].tobytes(): i for i, f in reversed(list(enumerate(film)))} for p in (0, 1)]
        fields = [[keys[p].get(g[p::2].tobytes(), -1) for p in (0, 1)] for g in grey]
    else:
        keep = np.setdiff1d(np.arange(n), repeats)
        rgb, at = decode(path)[keep], np.searchsorted(keep, np.arange(n), side="right") - 1
        fields = [[int(a), int(a)] for a in at]
    fps = {"interlaced": f"2*{rate}", "telecine": f"4/5*{rate}"}.get(kind, rate)
    return {"rgb": rgb, "kind": kind, "order": order, "fields": fields, "fps": fps}


def canonical(rgb: np.ndarray) -> np.ndarray:
    """Each film frame's number: the first bit-identical frame's."""
    seen: dict[bytes, int] = {}
    return np.array([seen.setdefault(f.tobytes(), i) for i, f in enumerate(rgb)])


def picture_box(rgb: np.ndarray, path: Path) -> tuple[list[int], float]:
    """x, y, w, h inside black bars (rows, columns dark in every frame), its display aspect."""
    grey = rgb.max(axis=3)
    (y0, y1), (x0, x1) = (
        (lit[0], lit[-1] + 1) if len(lit) else (0, grey.shape[axis])
        for axis, lit in ((a, np.flatnonzero(grey.mean(3 - a).max(0) >= 24)) for a in (1, 2))
    )
    sar = Fraction(stream(path).get("sample_aspect_ratio", "1:1").replace(":", "/"))
    return [int(x0), int(y0), int(x1 - x0), int(y1 - y0)], (x1 - x0) * float(sar or 1) / (y1 - y0)


def four_three(rgb: np.ndarray, box: list[int], ratio: float) -> np.ndarray:
    """The centre 4:3 of the picture inside ``box`` (display aspect ``ratio``), at FILM_SIZE."""
    x, y, w, h = box
    if ratio > 4 / 3:
        x, w = x + (w - round(w * 4 / 3 / ratio)) // 2, round(w * 4 / 3 / ratio)
    else:
        y, h = y + (h - round(h * ratio * 3 / 4)) // 2, round(h * ratio * 3 / 4)
    return np.stack([cv2.resize(f[y : y + h, x : x + w], FILM_SIZE, cv2.INTER_AREA) for f in rgb])


def credits(cards: int = 4, hold: int = 52, fade: int = 8) -> np.ndarray:
    """Title cards over a still starfield: each held still, cross-faded to the next."""
    rng, (w, h) = np.random.default_rng(3), FILM_SIZE
    sky = np.zeros((h, w), np.float32)
    sky[rng.integers(0, h, 400), rng.integers(0, w, 400)] = rng.uniform(60, 255, 400)
    sky, stills = cv2.GaussianBlur(sky, (3, 3), 0.6), []
    for i in range(cards):
        text = np.zeros((h, w), np.uint8)
        for j, line in enumerate([("A FILM BY", "WITH", "MUSIC BY")[i % 3], f"NAME {i + 1}"]):
            size = cv2.getTextSize(line, cv2.FONT_HERSHEY_DUPLEX, 1.4, 2)[0]
            org = ((w - size[0]) // 2, 200 + 70 * j)
            cv2.putText(text, line, org, cv2.FONT_HERSHEY_DUPLEX, 1.4, 235, 2, cv2.LINE_AA)
        stills.append(np.maximum(sky, text)[..., None] * np.float32([1.0, 0.95, 0.8]))
    out = []
    for s, nxt in zip(stills, stills[1:] + [stills[-1]]):
        out += [s] * hold + [s + (nxt - s) * (k + 1) / (fade + 1) for k in range(fade)]
    return np.clip(np.rint(out[:-fade]), 0, 255).astype(np.uint8)


def the_film(root: Path) -> tuple[np.ndarray, list, list[int]]:
    """The film (RGB, FILM_SIZE; the module's docstring), its spans ([name, a, b]) and cuts."""
    parts, cuts = [credits()], []
    spans = [["credits", 0, len(parts[0])]]
    for clip in COLOUR_CLIPS:
        f = film_of(root / clip)
        step = 2 if f["kind"] == "interlaced" else 1
        rgb, start = f["rgb"][::step], spans[-1][2]
        box, ratio = picture_box(rgb, root / clip)
        cuts += [start] + [start + f["fields"][c][0] // step for c in KNOWN_CUTS.get(clip, [])]
        parts.append(four_three(rgb, box, ratio))
        spans.append([clip, start, start + len(rgb)])
    return np.concatenate(parts), spans, cuts
