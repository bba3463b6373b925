"""Step 4 of alignment: which stretches of the B&W film the colour release shows, and where.

Given the slope (colour frames per B&W frame) and the candidate offsets that matching voted for,
a Viterbi pass over the B&W frames gives each frame one offset or "no match", paying for every
change of offset: little at a B&W cut (or where the colour release's decoding changes kind),
much inside a shot. Runs of one offset are the matched segments; those that hold up (long
enough, as similar as the film's typical match, each colour frame used once) are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEGMENT_MATCH = 0.8  # mean similarity a matched stretch needs (unrelated films reach about 0.65)
SWITCH_INSIDE_SHOT = 4.0  # Viterbi cost of changing offset inside a B&W shot
SWITCH_AT_CUT = 0.3  # ... and at a B&W cut
FAINT = 10.0  # thumbnail contrast (grey levels) under which a frame is the dark end of a fade
FLAT_CONTRAST = 3.0  # ... and under which it is featureless (matching.FLAT)
JOIN_SLACK = 2  # frames either side of a join in the colour release where a change is cheap
MIN_SEGMENT_S = 0.5  # shortest matched stretch kept, seconds
# a stretch whose mean similarity is this far under the film's typical match is dropped
OUTLIER_DROP = 0.12
# a run whose frames a neighbouring offset (1-2 frames off) matches better, by this much
# similarity, on more than this share of them is a drift, not a match
DRIFT_MARGIN = 0.01
DRIFT_SHARE = 0.3


def colour_index(b: np.ndarray | int, slope: float, offset: float) -> np.ndarray:
    """The colour frame shown with B&W frame(s) ``b`` on the line ``slope * b + offset``."""
    return np.rint(np.asarray(b) * slope + offset).astype(np.int64)


@dataclass(frozen=True)
class Evidence:
    """One release's frames as the pass sees them: their descriptors (n, d), which of them are
    featureless (``flat``: they say nothing), and their thumbnails' contrast in grey levels (None:
    every frame weighs the same)."""

    desc: np.ndarray
    flat: np.ndarray
    contrast: np.ndarray | None = None


@dataclass
class Segment:
    """A stretch of B&W frames [bw_start, bw_end) shown by colour frames slope * b + offset."""

    bw_start: int
    bw_end: int
    offset: float
    score: float

    def colour_index(self, b: np.ndarray | int, slope: float) -> np.ndarray:
        return colour_index(b, slope, self.offset)


def segment(
    bw: Evidence,
    colour: Evidence,
    slope: float,
    candidates: list[tuple[float, int, int]],
    cuts: list[int],
    fps: float,
    threshold: float,
    joins: list[int] = (),
) -> tuple[list[Segment], np.ndarray, np.ndarray]:
    """Viterbi over B&W frames: each frame takes one candidate offset or none.

    A frame scores its similarity minus ``threshold`` under an offset (0 where it or its colour
    frame is featureless: ``flat``) and 0 under "none"; changing offset costs
    SWITCH_AT_CUT at a B&W cut, SWITCH_INSIDE_SHOT elsewhere. Given the frames' contrasts, a
    frame weighs by its contrast up to FAINT (the dark end of a fade says little about where it
    is) and a faint B&W frame counts as a cut: releases are re-cut through black, so an offset
    may change in a fade or a black gap that no cut detector sees. A candidate is a state only over
    its own range of B&W frames (its votes' range, widened to the enclosing shots and a margin),
    so the pass costs the sum of the ranges, not frames x candidates: it stays linear in the
    film's length. ``joins`` are colour frames where the release's own timeline may jump (where
    its decoding changes kind, ``Decoding.joins``): the B&W frames each candidate shows within
    JOIN_SLACK of one change offset as cheaply as at a cut, though mid-shot. Returns the kept
    segments, each B&W frame's segment (-1: none) and its similarity there."""
    n, nc = len(bw.desc), len(colour.desc)
    if not candidates:
        return [], np.full(n, -1), np.zeros(n, np.float32)
    bounds = np.array([0, *cuts, n])
    margin = int(2 * fps)
    offs, los, his, parts_e, parts_s, parts_w = [], [], [], [], [], []
    for off, a, b in _widened(candidates, bounds, margin, n):
        frames = np.arange(a, b)
        ci = colour_index(frames, slope, off)
        # Frames whose colour frame lies beyond an end of the colour film stay in the state and
        # score as "none" does: the B&W film running on past the release is no evidence against
        # the offset, and must not cost the change of offset leaving it mid-shot would.
        ok = (ci >= 0) & (ci < nc)
        if not ok.any():
            continue
        ci = np.clip(ci, 0, nc - 1)
        sim = np.empty(len(frames), np.float32)
        for sl in range(0, len(frames), 65536):
            f, c = frames[sl : sl + 65536], ci[sl : sl + 65536]
            sim[sl : sl + 65536] = np.einsum(
                "ij,ij->i", bw.desc[f], colour.desc[c], dtype=np.float32
            )
        weight = np.ones(len(frames), np.float32)
        if bw.contrast is not None and colour.contrast is not None:
            lowest = np.minimum(bw.contrast[frames], colour.contrast[ci])
            weight = np.clip((lowest - FLAT_CONTRAST) / (FAINT - FLAT_CONTRAST), 0.0, 1.0)
        weight[bw.flat[frames] | colour.flat[ci] | ~ok] = 0.0
        e = (sim - threshold) * weight
        offs.append(off)
        los.append(int(frames[0]))
        his.append(int(frames[-1]) + 1)
        parts_e.append(e)
        parts_s.append(sim)
        parts_w.append(weight.astype(np.float32))
    k = len(offs)
    if not k:
        return [], np.full(n, -1), np.zeros(n, np.float32)
    lo, hi = np.array(los, np.int64), np.array(his, np.int64)
    base = np.concatenate([[0], np.cumsum(hi - lo)[:-1]]).astype(np.int64)
    emis = np.concatenate(parts_e).astype(np.float64)
    from_self = np.zeros(len(emis), bool)
    none_self = np.zeros(n, bool)
    best_prev = np.full(n, -1, np.int64)
    is_cut = np.zeros(n + 1, bool)
    is_cut[cuts] = True
    if bw.contrast is not None:
        faint = np.flatnonzero(bw.contrast < FAINT)
        is_cut[faint] = True
        is_cut[np.minimum(faint + 1, n)] = True
    for off, a, b in zip(offs, los, his):
        at = np.rint((np.asarray(joins, np.float64) - off) / slope).astype(np.int64)
        near = (at[:, None] + np.arange(-JOIN_SLACK, JOIN_SLACK + 1)).ravel()
        is_cut[near[(near >= a) & (near < b)]] = True
    cost = np.where(is_cut[:n], SWITCH_AT_CUT, SWITCH_INSIDE_SHOT)
    neg = -1e18
    v = np.full(k, neg)
    v_none = 0.0
    # Between two frames where a candidate begins or ends, the states are the same: run the
    # recurrence over each such block on a compact (frames x states) array of its emissions.
    events = np.unique(np.concatenate([[0, n], lo, np.minimum(hi, n)]))
    prev = np.zeros(0, np.int64)  # the states of the frame before the block
    for t0, t1 in zip(events[:-1], events[1:]):
        active = np.flatnonzero((lo <= t0) & (t0 < hi))
        v[active[lo[active] == t0]] = neg  # a state is entered only by a switch
        # The block's first frame switches from the best state of the frame before it, which
        # may have ended there.
        top = v_none
        if len(prev):
            j = int(np.argmax(v[prev]))
            if v[prev[j]] > v_none:
                best_prev[t0], top = prev[j], v[prev[j]]
        prev = active
        if not len(active):
            none_self[t0:t1] = True  # "none" alone: it stays
            v_none = max(v_none, top - cost[t0])
            continue
        idx = base[active][None, :] + (np.arange(t0, t1)[:, None] - lo[active][None, :])
        em = emis[idx]
        stays = np.empty(idx.shape, bool)
        va = v[active]
        for i in range(t1 - t0):
            if i:
                j = int(va.argmax())
                top = va[j]
                if top > v_none:
                    best_prev[t0 + i] = active[j]
                else:
                    top = v_none
            switch_in = top - cost[t0 + i]
            stays[i] = va >= switch_in
            va = np.maximum(va, switch_in) + em[i]
            none_self[t0 + i] = v_none >= switch_in
            if switch_in > v_none:
                v_none = switch_in
        v[active] = va
        from_self[idx] = stays
    # Back-track from the best final state.
    end_active = np.flatnonzero(hi >= n)
    s_ = -1
    if len(end_active) and v[end_active].max() > v_none:
        s_ = int(end_active[np.argmax(v[end_active])])
    state = np.empty(n, np.int64)
    for t in range(n - 1, -1, -1):
        state[t] = s_
        stayed = none_self[t] if s_ < 0 else from_self[base[s_] + t - lo[s_]]
        if not stayed:
            s_ = int(best_prev[t])
    runs = []
    starts = np.flatnonzero(np.diff(np.concatenate([[-2], state])) != 0)
    for a, b in zip(starts, np.append(starts[1:], n)):
        j = state[a]
        if j >= 0:
            sim, w = parts_s[j][a - lo[j] : b - lo[j]], parts_w[j][a - lo[j] : b - lo[j]]
            # Trim the ends a run only carried through: featureless or dissimilar frames.
            good = np.flatnonzero((w >= 0.5) & (sim >= threshold))
            if len(good):
                s0, s1 = good[0], good[-1] + 1
                runs.append((int(a + s0), int(a + s1), offs[j], sim[s0:s1], w[s0:s1]))

    runs = [r for r in runs if not _drifts(r, bw.desc, colour.desc, slope)]

    def alternatives(a: int, b: int) -> list[tuple[float, np.ndarray, np.ndarray]]:
        """Every other candidate's similarities over B&W frames [a, b), where it covers them."""
        out = []
        for j in np.flatnonzero((lo <= a) & (hi >= b)):
            out.append(
                (offs[j], parts_s[j][a - lo[j] : b - lo[j]], parts_w[j][a - lo[j] : b - lo[j]])
            )
        return out

    return _select_segments(runs, n, nc, slope, fps, alternatives)


def _widened(
    candidates: list[tuple[float, int, int]], bounds: np.ndarray, margin: int, n: int
) -> list[tuple[float, int, int]]:
    """Each candidate's voted range of B&W frames extended to the enclosing shots, plus a margin,
    within the film; ranges of one offset that overlap or touch become one, since a stretch that
    keeps its offset must not pay for a change between two copies of it."""
    out = []
    for off, a, b in candidates:
        a = bounds[max(0, np.searchsorted(bounds, a, side="right") - 1)] - margin
        b = bounds[min(len(bounds) - 1, np.searchsorted(bounds, b, side="left"))] + margin
        out.append((off, max(0, int(a)), min(n, int(b))))
    merged: list[tuple[float, int, int]] = []
    for off, a, b in sorted(out):
        if merged and merged[-1][0] == off and a <= merged[-1][2]:
            merged[-1] = (off, merged[-1][1], max(b, merged[-1][2]))
        else:
            merged.append((off, a, b))
    return merged


def _drifts(run: tuple, bw_desc: np.ndarray, colour_desc: np.ndarray, slope: float) -> bool:
    """Whether a run's offset is only where the truth passes by: the colour release's picture
    drifts against the B&W film there (video deinterlaced at another rate, a speed change), so a
    neighbouring offset matches better than the run's on more than DRIFT_SHARE of its informative
    frames. A true match is as good as its neighbours (a still) or better (motion)."""
    a, b, off, sim, w = run
    frames = np.arange(a, b)[w >= 0.5]
    if not len(frames):
        return False
    beaten = np.zeros(len(frames), bool)
    for d in (-2, -1, 1, 2):
        ci = colour_index(frames, slope, off + d)
        ok = (ci >= 0) & (ci < len(colour_desc))
        near = np.einsum("ij,ij->i", bw_desc[frames[ok]], colour_desc[ci[ok]], dtype=np.float32)
        beaten[ok] |= near > sim[w >= 0.5][ok] + DRIFT_MARGIN
    return float(beaten.mean()) > DRIFT_SHARE


def _mean(sim: np.ndarray, w: np.ndarray) -> float:
    """Similarity of a stretch, over its informative frames."""
    return float((sim * w).sum() / w.sum()) if w.sum() > 0 else 0.0


def _select_segments(
    runs: list, n: int, nc: int, slope: float, fps: float, alternatives=None
) -> tuple[list[Segment], np.ndarray, np.ndarray]:
    """Keep the runs the Viterbi pass found that hold up: long enough, as similar as the film's
    typical match, and each colour frame used once (the best run claims it first). A stretch
    whose colour frames a better run claimed takes, if it has one, another candidate offset
    about as similar whose colour frames are free: footage a film shows twice (a flashback, a
    stock shot) is in the colour release twice too, and each showing pairs with its own."""
    min_len = MIN_SEGMENT_S * fps
    runs = [r for r in runs if r[1] - r[0] >= min_len]
    if not runs:
        return [], np.full(n, -1), np.zeros(n, np.float32)
    typical = float(np.median(np.concatenate([r[3][r[4] >= 0.5] for r in runs])))
    floor = max(SEGMENT_MATCH, typical - OUTLIER_DROP)
    runs = [r for r in runs if _mean(r[3], r[4]) >= floor]
    claimed = np.zeros(nc, bool)
    pieces = []
    for a, b, off, sim, w in sorted(runs, key=lambda r: -_mean(r[3], r[4])):
        ci = colour_index(np.arange(a, b), slope, off)
        free = ~claimed[ci]
        edges = np.flatnonzero(np.diff(np.concatenate([[0], free.astype(np.int8), [0]])))
        for s0, s1 in zip(edges[::2], edges[1::2]):
            if s1 - s0 >= min_len:
                pieces.append((a + s0, a + s1, off, sim[s0:s1]))
                claimed[ci[s0:s1]] = True
        taken = np.flatnonzero(np.diff(np.concatenate([[1], free.astype(np.int8), [1]])))
        for s0, s1 in zip(taken[::2], taken[1::2]):
            if s1 - s0 < min_len or alternatives is None:
                continue
            need = max(floor, _mean(sim[s0:s1], w[s0:s1]) - 0.03)
            best = None
            for off2, sim2, w2 in alternatives(a + s0, a + s1):
                m2 = _mean(sim2, w2)
                c2 = colour_index(np.arange(a + s0, a + s1), slope, off2)
                if off2 != off and m2 >= need and (best is None or m2 > best[0]):
                    if (c2 >= 0).all() and (c2 < nc).all() and not claimed[c2].any():
                        best = (m2, off2, sim2, c2)
            if best is not None:
                pieces.append((a + s0, a + s1, best[1], best[2]))
                claimed[best[3]] = True
    segments: list[Segment] = []
    state = np.full(n, -1, np.int64)
    score = np.zeros(n, np.float32)
    for a, b, off, sim in sorted(pieces):
        segments.append(Segment(int(a), int(b), off, float(sim.mean())))
        state[a:b] = len(segments) - 1
        score[a:b] = sim
    return segments, state, score
