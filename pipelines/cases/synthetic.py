"""Small synthetic paired films for tests and the demo, with ground truth.

A "film" is a few shots of a panning textured landscape (sky, hills, ground) with coloured objects
moving across it, so every frame differs from its neighbours and colour follows from shape and
shade, which a model can learn. Two releases are written, differing the way real ones do:

- ``color.mp4``: the colour release, optionally with its own intro card, another frame rate (the
  same frames played faster, as with PAL speed-up), a zoomed reframing, and a shot missing.
- ``bw.mp4``: the black-and-white release, with a film-like tonal response, grain, blur, an
  optional letterbox, its own intro card, and an audio track (a tone per shot).

``truth.json`` says what each file shows: ``bw.frames[k]`` and ``color.frames[k]`` give the source
frame shown by the k-th decoded frame (-1 for intro cards); ``bw.cuts`` and ``color.cuts`` list the
first frame of each shot after the first. The test suite and the demo make their films with it; it
is not part of the installed package.
"""

from __future__ import annotations

import json
import math
import wave
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from filmcolor.io.audio import sound_of
from filmcolor.io.writer import VideoWriter


@dataclass
class FilmSpec:
    """How the synthetic film and its two releases look; the defaults make a ~10 s pair."""

    width: int = 192
    height: int = 112
    shots: int = 6
    shot_frames: tuple[int, int] = (30, 54)  # frames per shot, drawn uniformly
    seed: int = 0
    bw_intro: int = 18
    colour_intro: int = 10
    colour_fps: Fraction = Fraction(24)
    colour_zoom: float = 1.0
    bw_letterbox: int = 0
    drop_shot: int | None = None
    bw_weights: tuple[float, float, float] = (0.35, 0.50, 0.15)
    bw_gamma: float = 1.1
    grain: float = 0.02
    blur: float = 0.6
    audio: bool = True
    crf: int = 16
    motion: float = 1.0  # how fast the camera pans and objects move (pixels a frame, scaled)


# Object colours (RGB) and sky/ground palettes: colour is tied to what a thing is.
_OBJECT_COLOURS = [(220, 40, 40), (240, 200, 30), (40, 90, 220), (240, 240, 240), (30, 160, 60)]
_SKIES = [(90, 150, 230), (150, 190, 240), (230, 150, 90)]
_GROUNDS = [(60, 130, 50), (150, 120, 70), (90, 150, 60)]


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    small = rng.standard_normal((max(2, h // cells), max(2, w // cells))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _shot_frames(rng: np.random.Generator, spec: FilmSpec, n: int, index: int) -> list[np.ndarray]:
    """One shot: a pan across a wide landscape with objects moving on their own paths.

    Consecutive shots differ in palette and horizon, so each cut is a real change of picture."""
    w, h = spec.width, spec.height
    pan = rng.uniform(1.0, 2.5) * rng.choice([-1, 1]) * spec.motion
    world_w = int(w + abs(pan) * n + 8)
    sky = np.array(_SKIES[index % len(_SKIES)], np.float32)
    ground = np.array(_GROUNDS[(index + index // len(_SKIES)) % len(_GROUNDS)], np.float32)
    horizon = h * (0.3 + 0.3 * (index % 2)) + 10 * np.sin(
        np.arange(world_w) / rng.uniform(15, 40) + rng.uniform(0, 6)
    )
    rows = np.arange(h, dtype=np.float32)[:, None]
    is_ground = (rows > horizon[None, :]).astype(np.float32)[..., None]
    shade = (
        1.0
        + 0.25 * _smooth_noise(rng, h, world_w, 6)[..., None]
        + 0.1 * _smooth_noise(rng, h, world_w, 2)[..., None]
    )
    sky_grad = (0.75 + 0.35 * rows / h)[..., None]
    world = (
        is_ground * ground * shade + (1 - is_ground) * sky * sky_grad * (1 + 0.05 * shade)
    ).clip(0, 255)
    objects = []
    for _ in range(rng.integers(2, 5)):
        colour = np.array(_OBJECT_COLOURS[rng.integers(len(_OBJECT_COLOURS))], np.float64)
        objects.append(
            dict(
                colour=colour,
                r=rng.uniform(6, 14),
                pos=np.array([rng.uniform(0, w), rng.uniform(h * 0.3, h * 0.9)]),
                vel=rng.uniform(-3, 3, 2) * spec.motion,
                square=bool(rng.integers(2)),
            )
        )
    frames = []
    for t in range(n):
        x0 = int(round((world_w - w) / 2 + pan * (t - n / 2)))
        frame = world[:, x0 : x0 + w].copy()
        for ob in objects:
            x, y = ob["pos"] + ob["vel"] * t
            x, y = x % w, min(max(y, 0), h)
            r = ob["r"]
            if ob["square"]:
                cv2.rectangle(
                    frame, (int(x - r), int(y - r)), (int(x + r), int(y + r)), ob["colour"], -1
                )
            else:
                cv2.circle(frame, (int(x), int(y)), int(r), ob["colour"], -1)
                cv2.circle(
                    frame,
                    (int(x - r / 3), int(y - r / 3)),
                    max(1, int(r / 3)),
                    tuple(ob["colour"] * 0.6),
                    -1,
                )
        frames.append(frame.astype(np.uint8))
    return frames


def _card(spec: FilmSpec, text: str, n: int, bg: tuple[int, int, int]) -> list[np.ndarray]:
    img = np.zeros((spec.height, spec.width, 3), np.uint8)
    img[:] = bg
    cv2.putText(
        img,
        text,
        (8, spec.height // 2),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.6,
        (240, 240, 240),
        1,
        cv2.LINE_AA,
    )
    return [img] * n


def _film_look(rgb: np.ndarray, spec: FilmSpec, rng: np.random.Generator) -> np.ndarray:
    f = rgb.astype(np.float32) / 255.0
    wr, wg, wb = spec.bw_weights
    y = np.clip(wr * f[..., 0] + wg * f[..., 1] + wb * f[..., 2], 0, 1) ** spec.bw_gamma
    y = 0.5 + (y - 0.5) * 1.15
    if spec.blur:
        y = cv2.GaussianBlur(y, (0, 0), spec.blur)
    y = y + rng.normal(0, spec.grain, y.shape).astype(np.float32)
    y = np.clip(y * 255, 0, 255).astype(np.uint8)
    if spec.bw_letterbox:
        y[: spec.bw_letterbox] = 0
        y[-spec.bw_letterbox :] = 0
    return np.repeat(y[..., None], 3, axis=2)


def _zoom(rgb: np.ndarray, z: float) -> np.ndarray:
    if z == 1.0:
        return rgb
    h, w = rgb.shape[:2]
    cw, ch = int(round(w / z)), int(round(h / z))
    x0, y0 = (w - cw) // 2, (h - ch) // 2
    return cv2.resize(rgb[y0 : y0 + ch, x0 : x0 + cw], (w, h), interpolation=cv2.INTER_LINEAR)


def _tone_track(path: Path, seconds: float, cuts: list[float], rate: int = 16000) -> None:
    t = np.arange(int(seconds * rate)) / rate
    out = np.zeros_like(t)
    bounds = cuts + [seconds]
    for i in range(len(cuts)):
        a, b = int(bounds[i] * rate), int(bounds[i + 1] * rate)
        out[a:b] = 0.3 * np.sin(2 * math.pi * 220.0 * 2 ** (i / 6) * t[a:b])
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((out * 32767).astype("<i2").tobytes())


def _encode(
    frames: list[np.ndarray], path: Path, fps: Fraction, crf: int, audio: Path | None = None
) -> None:
    h, w = frames[0].shape[:2]
    sound = sound_of(audio) if audio else None
    with VideoWriter(path, w, h, fps, sound=sound, crf=crf, preset="veryfast") as writer:
        for f in frames:
            writer.write(f)


def make_film_pair(out: str | Path, spec: FilmSpec | None = None) -> dict:
    """Write bw.mp4, color.mp4 and truth.json into ``out``; return the truth dictionary."""
    spec = spec or FilmSpec()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(spec.seed)
    shots, start = [], 0
    for i in range(spec.shots):
        n = int(rng.integers(spec.shot_frames[0], spec.shot_frames[1] + 1))
        shots.append((list(range(start, start + n)), _shot_frames(rng, spec, n, i)))
        start += n

    bw_frames = _card(spec, "A FILM", spec.bw_intro, (0, 0, 0))
    bw_truth = [-1] * spec.bw_intro
    bw_cuts = []
    for ids, frames in shots:
        bw_cuts.append(len(bw_frames))
        bw_frames += [_film_look(f, spec, rng) for f in frames]
        bw_truth += ids
    colour_frames = _card(spec, "COLOUR", spec.colour_intro, (160, 90, 40))
    colour_truth = [-1] * spec.colour_intro
    colour_cuts = []
    for i, (ids, frames) in enumerate(shots):
        if i != spec.drop_shot:
            colour_cuts.append(len(colour_frames))
            colour_frames += [_zoom(f, spec.colour_zoom) for f in frames]
            colour_truth += ids

    wav = out / "bw_audio.wav" if spec.audio else None
    if wav:
        _tone_track(wav, len(bw_frames) / 24, [0.0] + [c / 24 for c in bw_cuts])
    _encode(bw_frames, out / "bw.mp4", Fraction(24), spec.crf + 2, wav)
    if wav:
        wav.unlink()
    _encode(colour_frames, out / "color.mp4", Fraction(spec.colour_fps), spec.crf)
    truth = {
        "about": "frame k of each file shows source frame truth[k]; -1 is an intro card",
        "bw": {"fps": 24, "frames": bw_truth, "cuts": [c for c in bw_cuts if c > 0]},
        "color": {
            "fps": float(spec.colour_fps),
            "zoom": spec.colour_zoom,
            "frames": colour_truth,
            "cuts": [c for c in colour_cuts if c > 0],
        },
        "bw_letterbox_px": spec.bw_letterbox,
        "dropped_shot": spec.drop_shot,
    }
    (out / "truth.json").write_text(json.dumps(truth))
    return truth
