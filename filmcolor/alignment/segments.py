"""Step 4 of alignment: which stretches of the B&W film the colour release shows, and where.

Given the slope (colour frames per B&W frame) and the candidate offsets that matching voted for,
a Viterbi pass over the B&W frames gives each frame one offset or "no match", paying for every
change of offset: little at a B&W cut, much inside a shot. Runs of one offset are the matched
segments; those that hold up (long enough, as similar as the film's typical match, each colour
frame used once) are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEGMENT_MATCH = 0.8  # mean similarity a matched stretch needs (unrelated films reach about 0.65)
SWITCH_INSIDE_SHOT = 4.0  # Viterbi cost of changing offset inside a B&W shot
SWITCH_AT_CUT = 0.3  # ... and at a B&W cut
MIN_SEGMENT_S = 0.5  # shortest matched stretch kept, seconds
# a stretch whose mean similarity is this far under the film's typical match is dropped
OUTLIER_DROP = 0.12


def color_index(b: np.ndarray | int, slope: float, offset: float) -> np.ndarray:
    """The colour frame shown with B&W frame(s) ``b`` on the line ``slope * b + offset``."""
    return np.rint(np.asarray(b) * slope + offset).astype(np.int64)


@dataclass
class Segment:
    """A stretch of B&W frames [bw_start, bw_end) shown by colour frames slope * b + offset."""

    bw_start: int
    bw_end: int
    offset: float
    score: float

    def color_index(self, b: np.ndarray | int, slope: float) -> np.ndarray:
        return color_index(b, slope, self.offset)


def segment(
    bw_desc: np.ndarray,
    bw_flat: np.ndarray,
    color_desc: np.ndarray,
    color_flat: np.ndarray,
    slope: float,
    candidates: list[tuple[float, int, int]],
    cuts: list[int],
    fps: float,
    threshold: float,
) -> tuple[list[Segment], np.ndarray, np.ndarray]:
    """Viterbi over B&W frames: each frame takes one candidate offset or none.

    A frame scores its similarity minus ``threshold`` under an offset (0 where it or its colour
    frame is featureless, ``bw_flat``/``color_flat``) and 0 under "none"; changing offset costs
    SWITCH_AT_CUT at a B&W cut, SWITCH_INSIDE_SHOT elsewhere. Returns the kept segments, each B&W
    frame's segment (-1: none) and its similarity there."""
    n, nc = len(bw_desc), len(color_desc)
    if not candidates:
        return [], np.full(n, -1), np.zeros(n, np.float32)
    bounds = np.array([0, *cuts, n])
    margin = int(2 * fps)
    k = len(candidates)
    lo = np.empty(k, np.int64)
    hi = np.empty(k, np.int64)
    emis = []
    sims = []
    for j, (off, a, b) in enumerate(candidates):
        # Extend the voted range to the enclosing B&W shots, plus a margin, within the colour film.
        a = bounds[np.searchsorted(bounds, a, side="right") - 1] - margin
        b = bounds[np.searchsorted(bounds, b, side="left")] + margin
        frames = np.arange(max(0, a), min(n, b))
        ci = color_index(frames, slope, off)
        ok = (ci >= 0) & (ci < nc)
        frames, ci = frames[ok], ci[ok]
        if len(frames) == 0:
            frames, ci = np.arange(0), np.arange(0)
        s = np.einsum("ij,ij->i", bw_desc[frames], color_desc[ci], dtype=np.float32)
        e = s - threshold
        flat = bw_flat[frames] | color_flat[ci]
        e[flat] = 0.0  # featureless frames neither confirm nor refute
        lo[j], hi[j] = (frames[0], frames[-1] + 1) if len(frames) else (0, 0)
        emis.append(e.astype(np.float32))
        sims.append(s.astype(np.float32))
    is_cut = np.zeros(n + 1, bool)
    is_cut[cuts] = True
    neg = -1e9
    v = np.full(k + 1, neg, np.float64)  # last entry: "no match"
    v[k] = 0.0
    came_from_self = np.zeros((n, k + 1), bool)
    best_prev = np.zeros(n, np.int64)
    for t in range(n):
        cost = SWITCH_AT_CUT if is_cut[t] else SWITCH_INSIDE_SHOT
        bp = int(np.argmax(v))
        best_prev[t] = bp
        switch_in = v[bp] - cost
        stay = v.copy()
        came_from_self[t] = stay >= switch_in
        new = np.maximum(stay, switch_in)
        e = np.full(k + 1, neg)
        e[k] = 0.0
        active = np.flatnonzero((lo <= t) & (t < hi))
        for j in active:
            e[j] = emis[j][t - lo[j]]
        v = new + e
        v[v < neg / 2] = neg
    state = np.empty(n, np.int64)
    s_ = int(np.argmax(v))
    for t in range(n - 1, -1, -1):
        state[t] = s_
        if not came_from_self[t, s_]:
            s_ = best_prev[t]
    state[state == k] = -1
    runs = []
    starts = np.flatnonzero(np.diff(np.concatenate([[-2], state])) != 0)
    for a, b in zip(starts, np.append(starts[1:], n)):
        j = state[a]
        if j >= 0:
            runs.append((int(a), int(b), candidates[j][0], sims[j][a - lo[j] : b - lo[j]]))
    return _select_segments(runs, n, nc, slope, fps)


def _select_segments(
    runs: list, n: int, nc: int, slope: float, fps: float
) -> tuple[list[Segment], np.ndarray, np.ndarray]:
    """Keep the runs the Viterbi pass found that hold up: long enough, as similar as the film's
    typical match, and each colour frame used once (the best run claims it first)."""
    min_len = MIN_SEGMENT_S * fps
    runs = [r for r in runs if r[1] - r[0] >= min_len]
    if not runs:
        return [], np.full(n, -1), np.zeros(n, np.float32)
    typical = float(np.median(np.concatenate([r[3] for r in runs])))
    runs = [r for r in runs if r[3].mean() >= max(SEGMENT_MATCH, typical - OUTLIER_DROP)]
    claimed = np.zeros(nc, bool)
    pieces = []
    for a, b, off, sim in sorted(runs, key=lambda r: -r[3].mean()):
        ci = color_index(np.arange(a, b), slope, off)
        free = ~claimed[ci]
        claimed[ci[free]] = True
        edges = np.flatnonzero(np.diff(np.concatenate([[0], free.astype(np.int8), [0]])))
        for s0, s1 in zip(edges[::2], edges[1::2]):
            if s1 - s0 >= min_len:
                pieces.append((a + s0, a + s1, off, sim[s0:s1]))
    segments: list[Segment] = []
    state = np.full(n, -1, np.int64)
    score = np.zeros(n, np.float32)
    for a, b, off, sim in sorted(pieces):
        segments.append(Segment(int(a), int(b), off, float(sim.mean())))
        state[a:b] = len(segments) - 1
        score[a:b] = sim
    return segments, state, score
