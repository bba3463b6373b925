"""Steps 2 and 3 of alignment: describe every frame, match the two releases, fit the line model.

A frame is described by a THUMBxTHUMB thumbnail of its picture, rank-transformed, so that any
monotonic change of tone (a B&W stock's response, gamma, contrast) leaves it unchanged; two frames'
similarity is the cosine of their descriptors. For B&W frames, the most similar colour frames are
found; every match votes for a line ``colour_frame = slope * bw_frame + offset``. The slope (one
for the whole film: a PAL speed-up keeps frames, a frame-rate conversion does not) comes from
RANSAC over the matches; offsets are the peaks of the vote histogram, each valid over the stretch
of film that voted for it. ``segments.segment`` then chooses among them frame by frame.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..errors import NoMatch
from ..geometry import Box, chunks, crop_resize
from .segments import Segment, color_index, segment

THUMB = 16  # descriptor side: 16x16 = 256 values per frame
MATCH = 0.7  # similarity above which a frame pair counts as showing the same picture
# thumbnail standard deviation (grey levels) under which a frame shows too little to match
FLAT = 3.0
# Slopes (colour frames per B&W frame) that releases really have; a fitted slope this close to one
# is snapped.
COMMON_SLOPES = [
    Fraction(1),
    Fraction(1001, 1000),
    Fraction(1000, 1001),
    Fraction(5, 4),
    Fraction(4, 5),
    Fraction(25, 24),
    Fraction(24, 25),
    Fraction(2),
    Fraction(1, 2),
]


def descriptors(grey, box: Box) -> tuple[np.ndarray, np.ndarray]:
    """Rank-normalised THUMBxTHUMB thumbnails of ``box`` of grey frames (n, s, s), as unit vectors,
    and their contrast."""
    n = len(grey)
    desc = np.empty((n, THUMB * THUMB), np.float16)  # half precision: 512 bytes a frame
    contrast = np.empty(n, np.float32)
    for sl in chunks(n):
        flat = crop_resize(grey[sl], box, THUMB).reshape(sl.stop - sl.start, -1)
        contrast[sl] = flat.std(axis=1)
        desc[sl] = signatures(flat)
    return desc, contrast


def signatures(thumbs: np.ndarray) -> np.ndarray:
    """Unit vectors (n, k) of the ranks of uint8 thumbnails (n, k): blind to any monotonic change of
    tone, so two releases' (or two frames') thumbnails compare by what they show."""
    ranks = _ranks(thumbs)
    ranks -= ranks.mean(axis=1, keepdims=True)
    return ranks / np.maximum(np.linalg.norm(ranks, axis=1, keepdims=True), 1e-6)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Rank of each uint8 value within its row, ties sharing their average rank (so flat areas carry
    no order)."""
    n = len(values)
    hist = np.bincount((np.arange(n)[:, None] * 256 + values).ravel(), minlength=n * 256).reshape(
        n, 256
    )
    below = np.cumsum(hist, axis=1) - hist
    avg = (below + (hist - 1) / 2).astype(np.float32)
    return np.take_along_axis(avg, values.astype(np.int64), axis=1)


def _top_matches(qd: np.ndarray, cd: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k most similar colour frames of each query (indices, similarities), in chunks."""
    idx = np.empty((len(qd), k), np.int64)
    sim = np.empty((len(qd), k), np.float32)
    step = max(1, int(4e6 // max(1, len(cd))))  # bounds the similarity block to 16 MB
    cd32 = cd.astype(np.float32).T
    for sl in chunks(len(qd), step):
        s = qd[sl].astype(np.float32) @ cd32
        top = (
            np.argpartition(-s, k - 1, axis=1)[:, :k]
            if s.shape[1] > k
            else np.argsort(-s, axis=1)[:, :k]
        )
        idx[sl] = top
        sim[sl] = np.take_along_axis(s, top, axis=1)
    return idx, sim


def _fit_slope(b: np.ndarray, c: np.ndarray, w: np.ndarray, rng: np.random.Generator) -> float:
    """RANSAC over match pairs for the slope of colour frame against B&W frame; snapped to a common
    ratio."""
    if len(b) < 2:
        raise NoMatch("too few frames match")
    best, best_score = 1.0, -1.0
    span = max(1, b.max() - b.min())
    for _ in range(400):
        i, j = rng.integers(len(b), size=2)
        if abs(b[j] - b[i]) < max(8, 0.02 * span):
            continue
        a = (c[j] - c[i]) / (b[j] - b[i])
        if not 0.3 < a < 3.0:
            continue
        score = w[np.abs(c - (a * (b - b[i]) + c[i])) <= 1.0].sum()
        if score > best_score:
            best, best_score = a, score
    if best_score < 0:
        return 1.0
    # Refine on the inliers of the best line, then snap.
    o = np.median(c - best * b)
    inl = np.abs(c - best * b - o) <= 1.0
    if inl.sum() >= 2 and np.ptp(b[inl]) > 0:
        best = float(np.polyfit(b[inl], c[inl], 1)[0])
    span_in = max(1.0, float(np.ptp(b[inl]))) if inl.any() else float(span)
    for nice in COMMON_SLOPES:
        if abs(best - float(nice)) * span_in < 1.0:
            return float(nice)
    return best


def _offset_candidates(
    b: np.ndarray, c: np.ndarray, w: np.ndarray, slope: float, fps: float, stride: int
) -> list[tuple[float, int, int]]:
    """Offsets that many matches vote for, each with the B&W frame range its votes came from.

    ``b`` are B&W frame numbers, queried every ``stride`` frames."""
    o = c - slope * b
    key = np.rint(o).astype(np.int64)
    lo = key.min()
    hist = np.bincount(key - lo, weights=w)
    min_votes = max(3.0, 0.125 * fps / stride * float(np.median(w)))  # 1/8 s of queries
    gap = max(int(4 * fps), 3 * stride)  # in B&W frames
    out = []
    for peak in np.flatnonzero(hist >= min_votes):
        window = hist[max(0, peak - 2) : peak + 3]
        if hist[peak] < window.max():
            continue
        sel = np.abs(key - (peak + lo)) <= 1
        bs = np.sort(b[sel])
        # Split votes into runs separated by long gaps: an offset is valid where its votes are.
        breaks = np.flatnonzero(np.diff(bs) > gap)
        for run in np.split(bs, breaks + 1):
            if len(run) >= 3 and w[sel].mean() * len(run) >= min_votes:
                for d in (-1, 0, 1):
                    out.append((float(peak + lo + d), int(run[0]), int(run[-1]) + 1))
    return out


def match(
    bw_grey,
    color_grey,
    bw_box: Box,
    color_box: Box,
    cuts: list[int],
    fps: float,
    rng: np.random.Generator,
) -> tuple[float, list[Segment], np.ndarray, np.ndarray]:
    """Steps 2-4 on grey frames (n, s, s) of both releases, inside the given picture boxes: the
    slope, the segments, each B&W frame's segment (-1: none) and its similarity there."""
    bd, bc = descriptors(bw_grey, bw_box)
    cd, cc = descriptors(color_grey, color_box)
    bw_flat, color_flat = bc < FLAT, cc < FLAT
    nb, nc = len(bw_grey), len(color_grey)
    # Query every B&W frame on short films, a subsample on long ones, to bound the work.
    stride = max(1, int(np.ceil(nb * nc / 4e8)))
    q = np.flatnonzero(~bw_flat)[::stride]
    if len(q) < 2 or (~color_flat).sum() < 2:
        raise NoMatch("too few frames match")
    cd_masked = np.where(color_flat[:, None], np.float16(0), cd)
    idx, sim = _top_matches(bd[q], cd_masked, k=min(4, nc))
    good = sim >= MATCH
    qb = np.repeat(q[:, None], idx.shape[1], axis=1)[good]
    qc, qs = idx[good], sim[good]
    best = np.argmax(sim, axis=1)
    b1, c1, s1 = q, idx[np.arange(len(q)), best], sim[np.arange(len(q)), best]
    keep = s1 >= MATCH
    if keep.sum() < 2:
        raise NoMatch("too few frames match")
    slope = _fit_slope(b1[keep].astype(float), c1[keep].astype(float), s1[keep].astype(float), rng)
    candidates = _offset_candidates(
        qb.astype(float), qc.astype(float), qs.astype(float), slope, fps, stride
    )
    segments, state, score = segment(
        bd, bw_flat, cd, color_flat, slope, candidates, cuts, fps, MATCH
    )
    if slope != 1.0:
        refine_phase(segments, score, bd, cd, slope)
    return slope, segments, state, score


def refine_phase(
    segments: list[Segment], score: np.ndarray, bd: np.ndarray, cd: np.ndarray, slope: float
) -> None:
    """Sub-frame offsets for a slope other than 1: where a frame-rate conversion repeats or drops
    frames, which colour frame is nearest a B&W frame depends on the conversion's phase."""
    for seg in segments:
        frames = np.arange(seg.bw_start, seg.bw_end)
        best = None
        for phase in np.arange(-0.5, 0.5, 0.0625):
            ci = color_index(frames, slope, seg.offset + phase)
            if ci.min() < 0 or ci.max() >= len(cd):
                continue
            sim = np.einsum("ij,ij->i", bd[frames], cd[ci], dtype=np.float32)
            if best is None or sim.mean() > best[1].mean() + 1e-4:
                best = (phase, sim)
        if best is not None:
            seg.offset += float(best[0])
            score[frames] = best[1]
            seg.score = float(best[1].mean())
