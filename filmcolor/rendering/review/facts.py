"""The review of a render, shot by shot: what a restorer checks before delivering the film.

While composing, the render hands each frame's facts to a ``Review`` (``add``): its shot, the
colour it was given and the model's, the colour release's share and whether the release has the
frame, the familiarity gate's strength, and its picture at the chroma planes' size, all already in
memory, so nothing is decoded twice. The review keeps a few figures per frame, measured at a small
size, and a few candidate frames per shot at the thumbnails' size (thinned as the shot grows); when
the next shot starts, the shot's figures are summed up and its first, middle and last frames made
JPEG thumbnails (the release's frame placed on the picture for the middle one only), written to
the review's folder at once and kept by name. Memory grows with the number of shots (a row of
figures each), not of frames, and not with their pictures. ``page`` sums it up as
``OUT_review.json`` holds it, with the warnings, and writes the files.

Colour figures are a*b* distances (CIE76 with the lightness left out): the colour error of a shot
is the mean distance of its colour to the release's, placed on the picture, on one in
``ERROR_EVERY`` of the frames the release has (and the thumbnails' frames); a grey film's error is
the release's own chroma, so ``error_ratio`` reads as the project's colour measures do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from ...colour import LIGHTNESS, lab_to_rgb, rgb_to_ab
from . import carried


class Source(StrEnum):
    """Where a frame's colour came from."""

    RELEASE = "release"  # the colour release's own
    BLEND = "blend"  # the release's giving way to the model's
    MODEL = "model"
    GREY = "grey"
    STILL = "still"  # a still's colour, carried through its shot
    LOST = "lost"  # a shot's still's colour lost: the model's matched to it


SOURCES = tuple(Source)

STAT_WIDTH = 64  # pixels across the picture at which a frame's figures are measured
THUMB_WIDTH = 160
CANDIDATES = 16  # thumbnail candidates kept per shot, at most
ERROR_EVERY = 4
# What is out of the usual range, and the warning it raises.
RESIDUAL_PX = 1.0  # registration left, full-resolution pixels: a placement that should be checked
SEAM_JUMP = 8.0  # a*b* change where a shot passes between the release's colour and the model's
GREY_CHROMA, COLOURED = 3.0, 8.0  # a shot shown at most this colourful, the release at least this
PALE_GATE = 0.5  # the familiarity gate's mean strength on the model's frames of a shot
WARNINGS = {
    "residual": f"the release's placement left more than {RESIDUAL_PX:g} px",
    "seam": f"the colour jumps by more than {SEAM_JUMP:g} a*b* where release and model meet",
    "grey": "near grey, where the release has it in colour",
    "pale": f"the model's colour paled by the familiarity gate (below {PALE_GATE:g})",
    "lost": carried.WARNING,
}


def timecode(i: int, fps: Fraction) -> str:
    """HH:MM:SS:FF of frame ``i`` (non-drop, at the nominal rate)."""
    rate = max(round(fps), 1)
    seconds, f = divmod(i, rate)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{f:02d}"


class _Shot:
    """The figures of one shot as its frames go by."""

    def __init__(self, shot: int, first: int):
        self.shot, self.first, self.last = shot, first, first
        self.kinds = np.zeros(len(SOURCES), np.int64)
        self.weight = self.has = 0.0
        self.gates: list[float] = []
        self.model_gates: list[float] = []
        self.chroma = 0.0
        self.flicker: list[float] = []
        self.means: list[tuple[int, np.ndarray]] = []  # (kind, mean a*b*) per frame, for seams
        self.errors: list[tuple[float, float, float]] = []  # model, output, grey against release
        self.candidates: list[tuple] = []  # (frame, luma, a*b*, placed) at the thumbnails' size
        self.step = 1
        self.size = (THUMB_WIDTH, THUMB_WIDTH)
        self.previous: np.ndarray | None = None


@dataclass
class FrameFacts:
    """What the review is told of one frame as it is composed (``Review.add``)."""

    i: int  # the rendered film's frame
    shot: int
    half: np.ndarray  # its picture's luma at the chroma planes' size, full range
    model_ab: np.ndarray  # the model's a*b* at that size
    ab: np.ndarray  # the a*b* it was shown with
    weight: float  # the release's share of its colour
    has: bool  # whether the release has the frame
    gate: float | None  # the familiarity gate's strength, where the model has one
    strength: float  # the strength the shots file asked for
    placed: Callable[[], np.ndarray | None]  # the release's frame placed on the picture (RGB)
    carried: float | None = None  # in a shot with a still: the share carried from it
    still: Callable[[], np.ndarray] | None = None  # on a still's frame: it, placed on the picture


class Review:
    """Per-frame facts in (``add``), per-shot rows and the timeline out (``rows``, ``timeline``).

    ``i`` counts the rendered film's frames from 0; frames arrive in order. Each shot's
    thumbnails go to ``folder`` as ``PREFIX-shot-NNNN-WHAT.jpg`` (``prefix`` tells pieces of one
    render apart); ``thumbs`` holds their names."""

    def __init__(self, fps: Fraction, release: bool, folder: Path, prefix: str = "review"):
        self.fps, self.release = Fraction(fps), release
        self.folder, self.prefix = Path(folder), prefix
        self.done: list[dict] = []
        self.thumbs: dict[int, dict] = {}
        self.runs: list[list] = []  # [shot, kind, first, last]
        self.current: _Shot | None = None
        self.latest: tuple | None = None
        self.stills = carried.CarriedReview()

    def add(self, f: FrameFacts) -> None:
        """A frame's facts, as it is composed (frames in order)."""
        i, shot, half, ab = f.i, f.shot, f.half, f.ab
        if self.current is None or shot != self.current.shot:
            self._close()
            self.current = _Shot(shot, i)
            self.current.size = self._size(half)
        s = self.current
        s.last = i
        h, w = half.shape
        size = (STAT_WIDTH, max(1, round(STAT_WIDTH * h / w)))
        small = cv2.resize(ab, size, interpolation=cv2.INTER_AREA)
        model_small = cv2.resize(f.model_ab, size, interpolation=cv2.INTER_AREA)
        chroma = float(np.hypot(small[..., 0], small[..., 1]).mean())
        kind = self._kind(f.weight, f.strength, chroma, f.carried)
        if f.carried is not None:
            self.stills.add(i, f.carried, f.still, s.size)
        s.kinds[kind] += 1
        s.weight += f.weight
        s.has += f.has
        s.chroma += chroma
        if f.gate is not None:
            s.gates.append(float(f.gate))
            if f.weight < 1:
                s.model_gates.append(float(f.gate))
        if s.previous is not None:
            s.flicker.append(float(np.abs(small - s.previous).mean()))
        s.previous = small
        s.means.append((kind, small.mean(axis=(0, 1))))
        if self.runs and self.runs[-1][:2] == [shot, kind] and self.runs[-1][3] == i - 1:
            self.runs[-1][3] = i
        else:
            self.runs.append([shot, kind, i, i])
        rgb = f.placed() if f.has and int(s.has) % ERROR_EVERY == 1 else None
        if rgb is not None:
            ref = rgb_to_ab(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))
            m = max(1, size[0] // 20)  # leave the edges, where the release may not reach
            inner = (slice(m, -m or None), slice(m, -m or None))
            s.errors.append(
                tuple(
                    float(np.hypot(*np.moveaxis(x[inner] - ref[inner], -1, 0)).mean())
                    for x in (model_small, small, np.zeros_like(small))
                )
            )
        self.latest = (i, half, ab, f.placed if f.has else None)
        if (i - s.first) % s.step == 0:
            s.candidates.append(self._shrink(*self.latest))
            self.latest = None
            if len(s.candidates) > CANDIDATES:
                s.candidates = s.candidates[::2]
                s.step *= 2

    def _kind(self, weight: float, strength: float, chroma: float, share: float | None) -> int:
        if strength == 0:
            return SOURCES.index(Source.GREY)
        if share is not None:
            return SOURCES.index(Source.STILL if share >= carried.LOST else Source.LOST)
        if weight >= 0.999:
            return SOURCES.index(Source.RELEASE)
        if weight > 0.001:
            return SOURCES.index(Source.BLEND)
        return SOURCES.index(Source.GREY if chroma < 1.0 else Source.MODEL)

    @staticmethod
    def _size(half: np.ndarray) -> tuple[int, int]:
        h, w = half.shape
        return THUMB_WIDTH, max(2, round(THUMB_WIDTH * h / w))

    def _shrink(self, i, half, ab, placed) -> tuple:
        """A thumbnail candidate: frame ``i``'s luma and colour at the thumbnails' size, and how
        to place its release frame (done only for the frame chosen)."""
        size = self._size(half)
        luma = cv2.resize(half, size, interpolation=cv2.INTER_AREA)
        return i, luma, cv2.resize(ab, size, interpolation=cv2.INTER_AREA), placed

    @staticmethod
    def _colour(candidate) -> np.ndarray:
        _, luma, ab, _ = candidate
        return lab_to_rgb(LIGHTNESS[luma], ab)

    def _save(self, shot: int, what: str, rgb: np.ndarray) -> str:
        """Thumbnail ``what`` of ``shot`` written as a JPEG in the folder; its name."""
        name = f"{self.prefix}-shot-{shot:04d}-{what}.jpg"
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        if not cv2.imwrite(str(self.folder / name), bgr, [cv2.IMWRITE_JPEG_QUALITY, 80]):
            raise OSError(f"{self.folder / name}: the review's thumbnail could not be written")
        return name

    def _close(self) -> None:
        """Sum up the shot that has ended."""
        s = self.current
        if s is None:
            return
        if self.latest is not None:  # the shot's last frame
            s.candidates.append(self._shrink(*self.latest))
            self.latest = None
        n = s.last - s.first + 1
        first, last = s.candidates[0], s.candidates[-1]
        middle = min(s.candidates, key=lambda c: abs(c[0] - (s.first + s.last) / 2))
        rgb = middle[3]() if middle[3] else None
        self.folder.mkdir(parents=True, exist_ok=True)
        self.thumbs[s.shot] = {
            "bw": self._save(s.shot, "bw", cv2.cvtColor(middle[1], cv2.COLOR_GRAY2RGB)),
            "colour": [
                self._save(s.shot, what, self._colour(c))
                for what, c in zip(("first", "middle", "last"), (first, middle, last))
            ],
            "frames": [first[0], middle[0], last[0]],
            "release": None
            if rgb is None
            else self._save(
                s.shot, "release", cv2.resize(rgb, s.size, interpolation=cv2.INTER_AREA)
            ),
            "size": s.size,
        }
        figures, self.thumbs[s.shot]["still"] = self.stills.close(
            lambda what, rgb: self._save(s.shot, what, rgb)
        )
        errors = np.array(s.errors) if s.errors else None
        row = {
            "shot": s.shot,
            "first": s.first,
            "last": s.last,
            "frames": n,
            "start": timecode(s.first, self.fps),
            "end": timecode(s.last, self.fps),
            "source": str(SOURCES[int(np.argmax(s.kinds))]),
            "sources": {str(k): int(c) for k, c in zip(SOURCES, s.kinds) if c},
            "release_share": s.weight / n,
            "release_frames": int(s.has),
            "release_lacks": bool(self.release and s.has == 0),
            "default_colour": "release" if s.has else "model",
            "gate": float(np.mean(s.gates)) if s.gates else None,
            "gate_min": float(np.min(s.gates)) if s.gates else None,
            "model_gate": float(np.mean(s.model_gates)) if s.model_gates else None,
            "chroma": s.chroma / n,
            "flicker": float(np.mean(s.flicker)) if s.flicker else None,
            "seam_jump": _seam(s.means),
            **figures,
        }
        if errors is not None:
            model, output, grey = errors.mean(axis=0)
            row.update(model_error=model, error=output, grey_error=grey)
            row["error_ratio"] = output / grey if grey > 0 else None
        self.done.append(row)
        self.current = None

    def finish(self) -> None:
        self._close()

    def to_json(self) -> dict:
        """What a piece of a render gathered, for its record (``pieces``): rows, thumbnails'
        names, runs."""
        self.finish()
        thumbs = {str(s): t for s, t in self.thumbs.items()}
        return {"rows": self.done, "thumbs": thumbs, "runs": self.runs}

    @classmethod
    def merged(cls, fps: Fraction, release: bool, parts: list[dict], folder: Path) -> Review:
        """The review of a whole render from its pieces' ``to_json``, in order, their thumbnails
        in ``folder``; shots are numbered as in the film (every piece knows the film's cuts), and
        a shot cut by a piece's boundary is one row again."""
        review = cls(fps, release, folder)
        for part in parts:
            for row in part["rows"]:
                t = part["thumbs"][str(row["shot"])]
                t = {**t, "size": tuple(t["size"])}
                if review.done and review.done[-1]["shot"] == row["shot"]:
                    row, t = _join(review.done.pop(), review.thumbs[row["shot"]], row, t)
                review.done.append(row)
                review.thumbs[row["shot"]] = t
            for s, k, a, b in part["runs"]:
                last = review.runs[-1] if review.runs else None
                if last and last[:2] == [s, k] and last[3] == a - 1:
                    last[3] = b
                else:
                    review.runs.append([s, k, a, b])
        return review

    def timeline(self) -> list[dict]:
        """Runs of frames of one shot and one colour source."""
        return [
            {"shot": s, "source": str(SOURCES[k]), "first": a, "last": b}
            for s, k, a, b in self.runs
        ]


def _join(a: dict, ta: dict, b: dict, tb: dict) -> tuple[dict, dict]:
    """One row (and thumbnails) of a shot from its two parts, either side of a piece's boundary."""
    na, nb = a["frames"], b["frames"]

    def mean(key):
        x, y = a.get(key), b.get(key)
        return y if x is None else x if y is None else (x * na + y * nb) / (na + nb)

    row = dict(a, last=b["last"], end=b["end"], frames=na + nb)
    row["sources"] = {str(k): a["sources"].get(k, 0) + b["sources"].get(k, 0) for k in SOURCES}
    row["sources"] = {k: v for k, v in row["sources"].items() if v}
    row["source"] = max(row["sources"], key=row["sources"].get)
    row["release_frames"] = a["release_frames"] + b["release_frames"]
    row["release_lacks"] = a["release_lacks"] and b["release_lacks"]
    row["default_colour"] = "release" if row["release_frames"] else "model"
    for key in (
        "release_share",
        "gate",
        "model_gate",
        "chroma",
        "flicker",
        "model_error",
        "error",
        "grey_error",
    ):
        row[key] = mean(key)
    lows = [x for x in (a.get("gate_min"), b.get("gate_min")) if x is not None]
    row["gate_min"] = min(lows) if lows else None
    jumps = [x for x in (a.get("seam_jump"), b.get("seam_jump")) if x is not None]
    row["seam_jump"] = max(jumps) if jumps else None
    row.update(carried.join(a, b))
    if row.get("error") is not None and row.get("grey_error"):
        row["error_ratio"] = row["error"] / row["grey_error"]
    middle = ta if na >= nb else tb
    thumbs = dict(middle, colour=[ta["colour"][0], middle["colour"][1], tb["colour"][2]])
    thumbs["still"] = ta.get("still") or tb.get("still")
    thumbs["frames"] = [ta["frames"][0], middle["frames"][1], tb["frames"][2]]
    return row, thumbs


def _seam(means: list[tuple[int, np.ndarray]]) -> float | None:
    """The largest change of mean a*b* between a run of the release's colour and the next run of
    the model's (or grey) in the shot, across the blend between them."""
    runs: list[list] = []  # [kind, first mean, last mean], blends left out
    for kind, mean in means:
        if SOURCES[kind] == Source.BLEND:
            continue
        if runs and runs[-1][0] == kind:
            runs[-1][2] = mean
        else:
            runs.append([kind, mean, mean])
    release = SOURCES.index(Source.RELEASE)
    jumps = [
        float(np.hypot(*(a[2] - b[1])))
        for a, b in zip(runs, runs[1:])
        if (a[0] == release) != (b[0] == release)
    ]
    return max(jumps) if jumps else None
