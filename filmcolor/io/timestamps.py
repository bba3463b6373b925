"""A video's frames as its timestamps place them: a steady rate, or a rate with frames missing.

A web copy or a capture may drop frames (and keep the rest at their own times) or hold frames of
varying length; its container's frame rate is then only a default, and counting frames drifts from
what they show. The packets' timestamps (read without decoding) tell it: on the film's steady grid
(a step of one frame, the shortest that recurs, at the standard rate that fits it best) each frame
falls in one slot, and a slot no frame falls in is a frame the file lacks. ffmpeg's ``fps`` filter
decodes such a file onto that grid (a missing frame filled by its neighbour), and the slots it
filled are named so that nothing is paired with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import ffmpeg
import numpy as np

# the rates films and their videos run at: a grid's rate is the one that fits
RATES = tuple(
    Fraction(r) for r in ("24000/1001", "24", "25", "30000/1001", "30", "50", "60000/1001")
)
UNEVEN = 0.25  # a step this much off the common one is not the grid's
NEAR = 0.015  # a standard rate this close to the frames' step is tried
SOME = 0.005  # of the steps: more uneven ones than this make the file variable-rate
FEW = 4  # ... and more than this many (a broadcast capture's glitch or two is no variable rate)


@dataclass(frozen=True)
class Grid:
    """A variable-rate file on its steady grid: its ``rate``, the ``slots`` there are, and the
    slots no frame of the file falls in (``holes``)."""

    rate: Fraction
    slots: int
    holes: tuple[int, ...]


def packet_times(path: Path) -> np.ndarray | None:
    """The first video stream's packets' timestamps (seconds, in presentation order), from its
    first keyframe on (a capture cut mid-GOP starts with packets no decoder can show); or None
    where some packets carry none (an MPEG program stream's B-frames: no grid to read)."""
    info = ffmpeg.probe(str(path), select_streams="v:0", show_entries="packet=pts_time,flags")
    packets = info.get("packets", [])
    if any("pts_time" not in p for p in packets):
        return None
    keys = [i for i, p in enumerate(packets) if "K" in p.get("flags", "")]
    packets = packets[keys[0] :] if keys else packets
    return np.sort(np.asarray([float(p["pts_time"]) for p in packets], np.float64))


def grid(times: np.ndarray | None) -> Grid | None:
    """The grid a file's frame ``times`` lie on, or None where they keep a steady rate."""
    if times is None or len(times) < 3:
        return None
    steps = np.diff(times)
    shortest = float(np.percentile(steps, 10))  # a frame's step (half of them may skip one)
    step = float(np.median(steps[steps <= (1 + UNEVEN) * shortest]))
    uneven = int((np.abs(steps - step) > UNEVEN * step).sum())
    if step <= 0 or uneven <= max(SOME * len(steps), FEW):
        return None
    step = float(np.mean(steps[np.abs(steps - step) <= UNEVEN * step]))  # ms-rounded: mean
    near = [r for r in RATES if abs(float(r) * step - 1) <= NEAR] or [Fraction(1 / step)]
    rate = min(near, key=lambda r: _misfit(times, r)).limit_denominator(1001)
    slots = np.rint((times - times[0]) * float(rate)).astype(np.int64)
    n = int(slots[-1]) + 1
    return Grid(rate, n, tuple(int(h) for h in np.setdiff1d(np.arange(n), slots)))


def _misfit(times: np.ndarray, rate: Fraction) -> float:
    """How far the times lie from their slots on a grid of ``rate`` (seconds, RMS)."""
    since = times - times[0]
    return float(np.sqrt(np.mean((since - np.rint(since * float(rate)) / float(rate)) ** 2)))
