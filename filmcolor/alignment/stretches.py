"""A colour release that mixes kinds of fields (telecined film, then video): where each kind is.

``fields`` gives every second of such a file a kind; a stretch is a run of seconds of one kind,
and a kind seen for one second alone is noise. Two kinds are cut halfway between their stretches,
except beside a kind with a cadence (telecine's, ``kinds``), which places the cut to the frame:
after its last repeated field (idet's, on the cadence: the same field repeated five frames before
or after) and the whole frames that end that cycle, or before its first and the whole frames
that begin it (at most two: 3:2 pulldown's cycle is two whole frames, a repeat, a mixed frame and
a repeat). A frame is whole (both fields one moment) when its other field predicts its lines
better than its own field does (``combing`` under ``WHOLE``). An exact cut matters: each stretch
is decoded through its own kind's chain, and a telecined frame read as video yields its film
frame twice, a video frame read as telecine loses a field; either moves the colour release by a
picture against the film.
"""

from __future__ import annotations

import bisect

import numpy as np

from ..io.video import FrameReader, VideoInfo
from .kinds import FIELD_KINDS, UNKNOWN

MIN_STRETCH_S = 1.5  # a shorter stretch of one kind (one window) is noise
WHOLE = 1.0  # combing under which a frame's two fields show one moment
REPEAT = ("top", "bottom")


def mixed_stretches(
    info: VideoInfo, windows: list[tuple[float, str]], rows: list[tuple[float, str]]
) -> list[tuple[float, float, str]]:
    """(start s, end s, kind) of each stretch of a mixed file, covering it, from its one-second
    ``windows`` (time, kind) and idet's repeated-field verdict on each of its frames (``rows``:
    time, top/bottom/neither; the file's timestamps)."""
    kept: list[list] = []
    for a, b, k in runs(windows):
        if b - a < MIN_STRETCH_S:
            continue
        if kept and kept[-1][2] == k:
            kept[-1][1] = b
        else:
            kept.append([a, b, k])
    if not kept:  # nothing long enough: the longest run's kind, throughout
        kept = [list(max(runs(windows), key=lambda s: s[1] - s[0]))]
    times = [t for t, _ in rows]
    periods = {s.cadence for s in FIELD_KINDS.values() if s.cadence}
    cadences = {p: _cadence(rows, 1 / float(info.fps), p) for p in periods}
    for x, y in zip(kept, kept[1:]):
        cut = (x[1] + y[0]) / 2
        paced = next((k for k in (x[2], y[2]) if FIELD_KINDS[k].cadence), None)
        if paced:
            cadence = cadences[FIELD_KINDS[paced].cadence]
            lo, hi = bisect.bisect_left(times, x[1] - 1.0), bisect.bisect_left(times, y[0] + 1.0)
            seen = [i for i in range(lo, hi) if cadence[i]]
            if seen:
                after = paced == x[2]  # the cut after the paced kind's stretch, or before it
                cut = _cut(info, times, seen[-1] if after else seen[0], after)
        x[1] = y[0] = round(max(cut, x[0]), 4)  # never before the stretch's own start
    # A cut pulled past a short stretch's far end leaves it empty: it joins its neighbours.
    out: list[list] = []
    for a, b, k in kept:
        if b <= a:
            continue
        if out and out[-1][2] == k:
            out[-1][1] = b
        else:
            if out:
                out[-1][1] = a
            out.append([a, b, k])
    return [tuple(x) for x in out]


def runs(windows: list[tuple[float, str]]) -> list[tuple[float, float, str]]:
    """Runs of one-second windows of one kind (unknown ones left out), as (start s, end s,
    kind)."""
    out: list[list] = []
    for t, k in sorted(windows):
        if k == UNKNOWN:
            continue
        if out and out[-1][2] == k and t - out[-1][1] < 1.5:
            out[-1][1] = t + 1
        else:
            out.append([t, t + 1, k])
    return [(round(a, 2), round(b, 2), k) for a, b, k in out]


def combing(frame: np.ndarray) -> float:
    """How much worse a frame's lines are predicted by the other field's two neighbouring lines
    than by their own field's (a whole frame: well under 1; two moments in motion: over 1)."""
    f = frame.astype(np.float32)
    top, bottom = f[0::2], f[1::2]
    across = np.abs(bottom[:-1] - (top[:-1] + top[1:]) / 2).mean()
    within = np.abs(top[1:-1] - (top[:-2] + top[2:]) / 2).mean()
    return float(across / max(within, 1e-3))


def _cadence(rows: list[tuple[float, str]], step: float, period: int) -> list[bool]:
    """Whether each frame is on a cadence of ``period`` frames (hard telecine's five): a repeated
    field with the same field repeated ``period`` frames before or after."""
    times = [t for t, _ in rows]
    out = []
    for i, (t, rep) in enumerate(rows):
        near = [j for j in (i - period, i + period) if 0 <= j < len(rows)]
        out.append(
            rep in REPEAT
            and any(
                rows[j][1] == rep and abs(abs(times[j] - t) - period * step) < step for j in near
            )
        )
    return out


def _cut(info: VideoInfo, times: list[float], edge: int, after: bool) -> float:
    """The cut beside telecine's last (``after`` its stretch) or first cadence frame ``edge``:
    past the whole frames that finish (or begin) its cycle, halfway between two frames."""
    step = 1 if after else -1
    span = [edge + step * d for d in (1, 2) if 0 <= edge + step * d < len(times)]
    whole = 0
    if span:
        first = min(span)
        frames = _frames(info, times[first], len(span))
        order = frames if step > 0 else frames[::-1]
        for f in order:
            if combing(f) >= WHOLE:
                break
            whole += 1
    last = edge + step * whole  # the last telecined frame on that side
    nxt = last + step
    if not 0 <= nxt < len(times):
        return times[last] + step * 0.5 / float(info.fps)
    return (times[last] + times[nxt]) / 2


def _frames(info: VideoInfo, t: float, n: int) -> list[np.ndarray]:
    """``n`` frames (grey) from the one at time ``t`` (the file's timestamps)."""
    start = t - info.start_time - 0.25 / float(info.fps)
    with FrameReader(info, pix_fmt="gray", start=start if start > 0 else None, frames=n) as reader:
        return [f for batch in reader for f in batch][:n]
