"""What render does with each frame's colour: a shots file's decisions (``shots``) resolved to the
rendered film's frames.

By default a frame takes the colour release's colour where it has the frame (as much as its blend
weight says) and the model's elsewhere. A shot or a range of frames can ask for the model's colour
alone (``model``: the release is not used, nor the model matched to it), ``grey``, or ``release``;
a strength scales the a*b* shown; a still found in the film is carried through its shot
(``stills``), and one that is not makes the model's colour take the still's a*b* mean and spread
(the shot's model colour so far against the still's, as the release's transfer does); a shift
places the release by hand. Decisions are looked up by frame, so that each piece of a render
(``pieces``), in whatever process, obeys them alike.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from ...colour import rgb_to_ab
from ...errors import FilmcolorError
from ..release.source import Release, Shot
from .shots import Decision, ShotsFile

SPREAD = (0.5, 2.0)  # bounds of the spread ratio of a colour transfer, as for the release's


class Decisions:
    """The decisions of a shots file (none: the defaults), by frame of the rendered film."""

    def __init__(self, file: ShotsFile | None = None):
        self.file = file
        self.shots = file.shots if file else {}
        self.ranges = sorted(file.ranges, key=lambda r: r[0]) if file else []
        self.spans: list[tuple[int, int, int]] = []  # (first, last, shot) of the shots named
        self._stills = {s: _Still(d.still) for s, d in self.shots.items() if d.still is not None}

    def resolve(
        self, frames: int, spans: dict[int, tuple[int, int]], has: dict[int, bool] | None
    ) -> None:
        """Check the file against this render of ``frames`` frames and find the frames of each shot
        it names: ``spans`` are the shots' first and last frames (the alignment's shots with a
        colour release, the film's cuts without), ``has`` whether the release has any frame of
        each shot (None without a release)."""
        if self.file is None:
            return
        err = self.file.error
        for s, d in sorted(self.shots.items()):
            if s not in spans:
                raise err(d.line, f"shot {s} is not in this film (its shots are 0-{max(spans)})")
            span = spans[s]
            if d.frames is not None and d.frames != span:
                raise err(d.line, f"[shots.{s}] is frames {span[0]}-{span[1]} here")
            if span[1] >= frames:
                raise err(d.line, f"[shots.{s}]: the film has frames 0-{frames - 1}")
            if d.colour == "release" or d.shift is not None:
                what = 'colour = "release"' if d.colour == "release" else "shift"
                if has is None:
                    raise err(d.line, f"[shots.{s}] {what} needs the colour release (--reference)")
                if not has.get(s):
                    raise err(d.line, f"[shots.{s}] {what}: the colour release lacks this shot")
            self.spans.append((*span, s))
        self.spans.sort()
        for (_, b, s), (c, _, t) in zip(self.spans, self.spans[1:]):
            if c <= b:
                raise err(self.shots[t].line, f"shots {s} and {t} share frames ({c}-{b})")
        for first, last, d in self.ranges:
            if last >= frames:
                raise err(d.line, f"frames {first}-{last}: the film has frames 0-{frames - 1}")
            if d.colour == "release" and has is None:
                raise err(d.line, 'colour = "release" needs the colour release (--reference)')

    def place(self, release: Release, start: int) -> set[int]:
        """Put the shifts the file gives on ``release``'s shots (chroma-plane pixels: half the
        file's), ``start`` being the film's frame rendered first: their registration is not
        searched, only checked later in the shot. Returns the shots placed by hand."""
        placed = set()
        for first, _, s in self.spans:
            d = self.shots[s]
            if d.shift is not None:
                shot = release.shots.setdefault(s, Shot())
                shot.shift = (d.shift[0] / 2, d.shift[1] / 2)
                shot.first = start + first
                placed.add(s)
        return placed

    def _found(self, table: list, i: int):
        r = bisect.bisect_right(table, (i, np.inf, np.inf)) - 1
        return table[r] if r >= 0 and i <= table[r][1] else None

    def at(self, i: int) -> tuple[Decision, int | None]:
        """The decision for frame ``i`` of the rendered film (a range's over its shot's) and the
        file's shot it is in."""
        span = self._found(self.spans, i) if self.spans else None
        shot = None if span is None else span[2]
        d = self.shots[shot] if shot is not None else Decision()
        ranged = self._found(self.ranges, i) if self.ranges else None
        if ranged is not None:
            r = ranged[2]
            d = Decision(
                r.colour if r.colour is not None else d.colour,
                r.strength if r.strength is not None else d.strength,
                d.shift,
                d.still,
                line=r.line,
            )
        return d, shot

    def colour(
        self, i: int, ab: np.ndarray, release: Callable[[np.ndarray], np.ndarray] | None
    ) -> tuple[np.ndarray, bool, float]:
        """The a*b* frame ``i`` is shown with, from the model's ``ab`` and ``release(ab)`` (the
        release's colour where it has the frame, the model's where not; None without a release);
        whether the release was used, and the strength applied."""
        d, shot = self.at(i)
        if d.colour == "grey":
            return np.zeros_like(ab), False, 0.0
        matched = shot in self._stills  # a still not carried: its mean and spread matched
        if matched:
            ab = self._stills[shot].match(ab)
        used = release is not None and (d.colour == "release" or (d.colour is None and not matched))
        if used:
            ab = release(ab)
        strength = 1.0 if d.strength is None else d.strength
        if strength != 1.0:
            ab = ab * np.float32(strength)
        return ab, used, strength

    def stills(self) -> dict[int, Path]:
        """The stills the file gives, by shot."""
        return {s: d.still for s, d in self.shots.items() if d.still is not None}

    def carry(self, shots) -> None:
        """The stills of ``shots`` are carried through them (``stills``): their mean and spread
        are no longer matched, and their colour is used as a release's is."""
        for s in shots:
            self._stills.pop(s, None)

    def changes(self, first: int, last: int, default_colour: str) -> dict:
        """What the file changed for the review's shot of frames ``first``..``last``."""
        out: dict = {}
        for a, b, s in self.spans:
            if a <= last and first <= b:
                out.update(self.shots[s].changes(default_colour))
        for a, b, d in self.ranges:
            if a <= last and first <= b:
                out[f"frames {a}-{b}"] = d.changes(default_colour) or "as the shot"
        return out

    def reaching(self, first: int, last: int) -> list:
        """The decisions that reach frames ``first``..``last`` of the rendered film (a shot's,
        the ranges' over them, cut to those frames, and the files of their stills), so that a
        segment is rendered again when they change and only then."""
        out: list = []
        for a, b, s in self.spans:
            if a <= last and first <= b:
                d = self.shots[s]
                still = None if d.still is None else _file(d.still)
                out.append(["shot", s, d.colour, d.strength, d.shift, still])
        for a, b, d in self.ranges:
            if a <= last and first <= b:
                out.append(["frames", max(a, first), min(b, last), d.colour, d.strength])
        return out


def _file(path: Path) -> list:
    stat = path.stat()
    return [str(path.resolve()), stat.st_size, stat.st_mtime_ns]


class _Still:
    """A still's a*b* mean and spread, and the model's over its shot so far, to match one to the
    other."""

    def __init__(self, path: Path):
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            raise FilmcolorError(f"{path}: not a readable picture (still of a shots file)")
        scale = 256 / max(img.shape[:2])
        if scale < 1:
            img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        ab = rgb_to_ab(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)).reshape(-1, 2).astype(np.float64)
        self.mean, self.sd = ab.mean(0), ab.std(0)
        self.n, self.total, self.squares = 0, np.zeros(2), np.zeros(2)

    def match(self, ab: np.ndarray) -> np.ndarray:
        sample = ab[::4, ::4].reshape(-1, 2).astype(np.float64)
        self.n += len(sample)
        self.total += sample.sum(0)
        self.squares += (sample**2).sum(0)
        mean = self.total / self.n
        sd = np.sqrt(np.maximum(self.squares / self.n - mean**2, 0))
        ratio = np.clip(self.sd / np.maximum(sd, 1e-3), *SPREAD)
        return ((ab - mean) * ratio + self.mean).astype(np.float32)
