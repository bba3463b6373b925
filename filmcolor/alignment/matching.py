"""Steps 2 and 3 of alignment: describe every frame, match the two releases, fit the line model.

A frame is described by a THUMBxTHUMB thumbnail of its picture, rank-transformed, so that any
monotonic change of tone (a B&W stock's response, gamma, contrast) leaves it unchanged; two frames'
similarity is the cosine of their descriptors. For B&W frames (a subsample on long films), the
SEARCH_K most similar distinct places of the colour film are found; every match votes for a line
``colour_frame = slope * bw_frame + offset``. The slope (one for the whole film: a PAL speed-up
keeps frames, a frame-rate conversion does not) comes from pairs of NEARBY matches, since a
feature's releases differ by a new offset at every reel, leader and missing shot; offsets are
voted for in short blocks of the B&W film, each valid over the blocks that voted for it.
``segments.segment`` then chooses among them frame by frame.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..errors import NoMatch
from ..geometry import Box, chunks, crop_resize
from .offsets import Evidence, Segment, colour_index, segment

THUMB = 16  # descriptor side: 16x16 = 256 values per frame
MATCH = 0.7  # similarity above which a frame pair counts as showing the same picture
FLAT = 3.0  # thumbnail spread (grey levels) under which a frame shows too little to match
GROUND = 1 / 32  # of a thumbnail's spread: this near its darkest or brightest is its ground
GAPS_S = (0.25, 0.5, 1, 2, 4, 8, 14, 20, 40, 80)  # a match is paired with one this far on
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
    # Single precision (1 KB a frame): numpy converts half precision slowly, and the segmentation
    # reads each frame's descriptor many times.
    desc = np.empty((n, THUMB * THUMB), np.float32)
    contrast = np.empty(n, np.float32)
    for sl in chunks(n):
        flat = crop_resize(grey[sl], box, THUMB).reshape(sl.stop - sl.start, -1)
        contrast[sl] = flat.std(axis=1)
        desc[sl] = signatures(_ground_tied(flat, contrast[sl]))
    return desc, contrast


def _ground_tied(thumbs: np.ndarray, contrast: np.ndarray) -> np.ndarray:
    """uint8 thumbnails (n, k) with the values within ``GROUND`` of their spread of the darkest or
    the brightest tied to it: a title card's black or white ground orders only its noise, which
    differs from release to release; its lettering carries the order."""
    t = thumbs.astype(np.float32)
    near = (contrast * GROUND)[:, None]
    lo, hi = t.min(axis=1, keepdims=True) + near, t.max(axis=1, keepdims=True) - near
    return np.rint(np.clip(t, lo, np.maximum(lo, hi))).astype(np.uint8)


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


# --- search: every queried B&W frame against the whole colour film

SEARCH_DIM = 64  # the global search compares descriptors projected on their 64 main directions
SEARCH_BUDGET = 1.5e9  # query x colour-frame similarities the search may compute (about 10 s)
SEARCH_K = 6  # distinct colour places kept per query
NMS_GROUP = 8  # ... at most one per this many (searched) colour frames


def _projection(cd: np.ndarray, ok: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(256, SEARCH_DIM) main directions of the colour descriptors (a sample of them)."""
    idx = np.flatnonzero(ok)
    if len(idx) > 4000:
        idx = np.sort(rng.choice(idx, 4000, replace=False))
    sample = cd[idx].astype(np.float32)
    if len(sample) < SEARCH_DIM:
        return np.eye(cd.shape[1], dtype=np.float32)
    _, vecs = np.linalg.eigh(sample.T @ sample)  # ascending: the last are the main directions
    return np.ascontiguousarray(vecs[:, ::-1][:, :SEARCH_DIM]).astype(np.float32)


def _project(d: np.ndarray, proj: np.ndarray) -> np.ndarray:
    out = np.empty((len(d), proj.shape[1]), np.float32)
    for sl in chunks(len(d), 8192):
        x = d[sl].astype(np.float32) @ proj
        out[sl] = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-6)
    return out


def _search(
    bd: np.ndarray,
    cd: np.ndarray,
    q: np.ndarray,
    colour_ok: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The SEARCH_K most similar distinct colour places of each queried B&W frame ``q``.

    The search runs in SEARCH_DIM dimensions over every ``cstep``-th colour frame (neighbouring
    frames look alike), keeping the best frame of each NMS_GROUP searched ones (so the k matches
    are k places, not one place and its neighbours); each match is then refined to the best of
    its neighbouring colour frames with the full descriptors. Returns B&W frames, colour frames
    and similarities, flat, for the matches at or above MATCH."""
    nc = len(cd)
    cstep = 2 if nc > 2000 else 1
    cs = np.flatnonzero(colour_ok)
    cs = cs[::cstep]
    if len(cs) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    proj = _projection(cd, colour_ok, rng)
    cp = _project(cd[cs], proj)  # (m, dim)
    m = len(cp)
    g = NMS_GROUP if m >= 4 * NMS_GROUP * SEARCH_K else 1
    mg = -(-m // g)
    if mg * g > m:  # zero rows: similarity 0, never a match
        cp = np.concatenate([cp, np.zeros((mg * g - m, cp.shape[1]), np.float32)])
    cp = np.ascontiguousarray(cp.T)  # (dim, mg * g)
    k = min(SEARCH_K, mg)
    qp_all = _project(bd[q], proj)
    step = max(1, int(8e6 // (mg * g)))  # bounds the similarity block to 32 MB
    out_b, out_c = [], []
    for sl in chunks(len(q), step):
        s3 = (qp_all[sl] @ cp).reshape(sl.stop - sl.start, mg, g)
        gmax = s3
        while gmax.shape[2] > 1:  # the best of each group, by halving (g is a power of two)
            h = gmax.shape[2] // 2
            gmax = np.maximum(gmax[:, :, :h], gmax[:, :, h:])
        gmax = gmax[:, :, 0]
        top = (
            np.argpartition(-gmax, k - 1, axis=1)[:, :k] if mg > k else np.argsort(-gmax, 1)[:, :k]
        )
        good = np.take_along_axis(gmax, top, axis=1) >= MATCH - 0.1  # refined below
        inner = np.take_along_axis(s3, top[:, :, None], axis=1).argmax(axis=2)
        col = top * g + inner
        rows = np.repeat(q[sl][:, None], k, axis=1)
        out_b.append(rows[good])
        out_c.append(cs[np.minimum(col[good], m - 1)])
    b = np.concatenate(out_b) if out_b else np.zeros(0, np.int64)
    c = np.concatenate(out_c) if out_c else np.zeros(0, np.int64)
    # Refine: the best colour frame within +-cstep of each match, with the full descriptors.
    best_s = np.full(len(b), -2.0, np.float32)
    best_c = c.copy()
    for d in range(-cstep, cstep + 1):
        cc = np.clip(c + d, 0, nc - 1)
        sim = np.empty(len(b), np.float32)
        for sl in chunks(len(b), 65536):
            sim[sl] = _dots(bd[b[sl]], cd[cc[sl]])
        sim[~colour_ok[cc]] = -2.0
        better = sim > best_s
        best_s[better], best_c[better] = sim[better], cc[better]
    keep = best_s >= MATCH
    return b[keep].astype(np.int64), best_c[keep].astype(np.int64), best_s[keep]


def _dots(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row-wise dot products of two descriptor stacks, in single precision."""
    return np.einsum("ij,ij->i", x, y, dtype=np.float32)


def _fit_slope_local(
    b: np.ndarray, c: np.ndarray, w: np.ndarray, fps: float, rng: np.random.Generator
) -> float:
    """The slope of colour frame against B&W frame, from NEARBY matches only.

    A film's releases differ by a single slope but by many offsets: each reel, leader and
    missing shot moves the colour release against the B&W one. A line fitted through the whole
    film takes that drift of offsets for a change of speed. Pairs of best matches a fraction of a
    second to twenty seconds apart, on the other hand, mostly lie on one segment: each candidate
    slope (the common ones and the median of the pairs' own) is scored by how many pairs agree
    with it within 1.5 frames, the best is refined by least squares over its agreeing pairs and
    snapped to the first common slope that stays within a frame of it over the pairs' span (a
    frame the release drops or repeats, at an edit or a cadence break, moves the fit that much)."""
    if len(b) < 2:
        raise NoMatch("too few frames match")
    o = np.argsort(b, kind="stable")
    b, c, w = b[o], c[o], w[o]
    dbs, dcs, ws = [], [], []
    for gap in GAPS_S:
        g = gap * fps
        j = np.searchsorted(b, b + g)
        i = np.flatnonzero(j < len(b))
        j = j[i]
        ok = (b[j] - b[i]) <= max(g * 1.5, g + 2)
        i, j = i[ok], j[ok]
        dbs.append(b[j] - b[i])
        dcs.append(c[j] - c[i])
        ws.append(np.minimum(w[i], w[j]))
    db, dc, pw = (np.concatenate(x).astype(np.float64) for x in (dbs, dcs, ws))
    if len(db) < 3:
        return _fit_slope(b, c, w, rng)
    cands = [float(x) for x in COMMON_SLOPES]
    far = db >= fps
    if far.sum() >= 3:
        cands.append(float(np.median(dc[far] / db[far])))
    cands.append(_fit_slope(b, c, w, rng))  # the whole-film fit, for films of one segment

    def agree(a):
        return np.abs(dc - a * db) <= 1.5

    best = max(cands, key=lambda a: (pw[agree(a)].sum(), -abs(a - 1.0)))
    span = 1.0
    for _ in range(2):
        inl = agree(best)
        if inl.sum() < 3:
            break
        best = float((dc[inl] * db[inl]).sum() / (db[inl] ** 2).sum())
        span = max(1.0, float(np.percentile(db[inl], 95)))
    # Snap to the first common slope (the simplest) that stays within a frame of the fit over the
    # pairs' span.
    for nice in COMMON_SLOPES:
        if abs(best - float(nice)) * span <= 1.0:
            return float(nice)
    return best


BLOCK_S = 2.0  # offsets are voted for in B&W blocks this long
MAX_PER_BLOCK = 6  # ... at most this many distinct offsets per block


def _local_candidates(
    b: np.ndarray, c: np.ndarray, w: np.ndarray, slope: float, fps: float
) -> list[tuple[float, int, int]]:
    """Offsets voted for by at least two matches inside a B&W block of BLOCK_S seconds, each valid
    over the blocks that voted for it (next blocks merge), with its neighbours +-1.

    Voting in short blocks rather than over the whole film keeps an offset that holds for a
    single shot (a reel of its own, a shot after a missing one) as visible as one that holds for
    an hour, and keeps the candidates' count linear in the film's length."""
    if len(b) == 0:
        return []
    block = max(8, int(round(BLOCK_S * fps)))
    key = np.rint(c - slope * b).astype(np.int64)
    blk = (b // block).astype(np.int64)
    kmin = key.min()
    span = int(key.max() - kmin) + 1
    code = blk * span + (key - kmin)
    uniq, inv = np.unique(code, return_inverse=True)
    votes = np.bincount(inv, weights=w)
    count = np.bincount(inv)
    ub, uk = uniq // span, uniq % span + kmin
    runs: dict[int, list[int]] = {}
    # Per block: the strongest offsets first, each suppressing its +-2 neighbours.
    order = np.lexsort((-votes, ub))
    starts = np.flatnonzero(np.diff(np.concatenate([[-1], ub[order]])) != 0)
    for a0, a1 in zip(starts, np.append(starts[1:], len(order))):
        taken: list[int] = []
        for i in order[a0:a1]:
            if count[i] < 2 or len(taken) >= MAX_PER_BLOCK:
                continue
            if any(abs(int(uk[i]) - t) <= 2 for t in taken):
                continue
            taken.append(int(uk[i]))
            runs.setdefault(int(uk[i]), []).append(int(ub[i]))
    spans: dict[float, list[list[int]]] = {}
    for k, blocks in runs.items():
        blocks.sort()
        lo = blocks[0]
        for x, y in zip(blocks, blocks[1:] + [None]):
            if y is None or y - x > 2:
                for d in (-1, 0, 1):
                    spans.setdefault(float(k + d), []).append([lo * block, (x + 1) * block])
                lo = y
    out = []
    for off, ivs in spans.items():  # merge overlapping ranges of one offset
        ivs.sort()
        cur = ivs[0]
        for iv in ivs[1:]:
            if iv[0] <= cur[1]:
                cur[1] = max(cur[1], iv[1])
            else:
                out.append((off, cur[0], cur[1]))
                cur = iv
        out.append((off, cur[0], cur[1]))
    return out


def match(
    bw_grey,
    colour_grey,
    bw_box: Box,
    colour_box: Box,
    cuts: list[int],
    fps: float,
    rng: np.random.Generator,
    known: tuple[float, list] | None = None,
    joins: list[int] = (),
    holes: tuple[int, ...] = (),
) -> tuple[float, list[Segment], np.ndarray, np.ndarray, list]:
    """Steps 2-4 on grey frames (n, s, s) of both releases, inside the given picture boxes: the
    slope, the segments, each B&W frame's segment (-1: none), its similarity there, and the
    candidate offsets. ``known`` (slope, candidates) from an earlier pass skips the search;
    ``joins``, colour frames where its timeline may jump (``offsets.segment``); ``holes``, ones
    standing in for frames it lacks (no evidence)."""
    bd, bc = descriptors(bw_grey, bw_box)
    cd, cc = descriptors(colour_grey, colour_box)
    bw_flat, colour_flat = bc < FLAT, (cc < FLAT) | np.isin(np.arange(len(cc)), holes)
    nb, nc = len(bw_grey), len(colour_grey)
    if known is None:
        # Query every B&W frame while the search stays within its budget, a subsample beyond.
        stride = max(1, int(np.ceil(nb * nc / 2 / SEARCH_BUDGET)))
        q = np.flatnonzero(~bw_flat)[::stride]
        if len(q) < 2 or (~colour_flat).sum() < 2:
            raise NoMatch("too few frames match")
        qb, qc, qs = _search(bd, cd, q, ~colour_flat, rng)
        if len(qb) < 2:
            raise NoMatch("too few frames match")
        best = np.lexsort((-qs, qb))
        first = best[np.flatnonzero(np.diff(np.concatenate([[-1], qb[best]])) != 0)]
        slope = _fit_slope_local(
            qb[first].astype(float), qc[first].astype(float), qs[first].astype(float), fps, rng
        )
        candidates = _local_candidates(
            qb.astype(float), qc.astype(float), qs.astype(float), slope, fps
        )
    else:
        slope, candidates = known
    bw, colour = Evidence(bd, bw_flat, bc), Evidence(cd, colour_flat, cc)
    segments, state, score = segment(bw, colour, slope, candidates, cuts, fps, MATCH, joins)
    if slope != 1.0:
        refine_phase(segments, score, bd, cd, slope)
    return slope, segments, state, score, candidates


def refine_phase(
    segments: list[Segment], score: np.ndarray, bd: np.ndarray, cd: np.ndarray, slope: float
) -> None:
    """Sub-frame offsets for a slope other than 1: where a frame-rate conversion repeats or drops
    frames, which colour frame is nearest a B&W frame depends on the conversion's phase."""
    for seg in segments:
        frames = np.arange(seg.bw_start, seg.bw_end)
        best = None
        for phase in np.arange(-0.5, 0.5, 0.0625):
            ci = colour_index(frames, slope, seg.offset + phase)
            if ci.min() < 0 or ci.max() >= len(cd):
                continue
            sim = np.einsum("ij,ij->i", bd[frames], cd[ci], dtype=np.float32)
            if best is None or sim.mean() > best[1].mean() + 1e-4:
                best = (phase, sim)
        if best is not None:
            seg.offset += float(best[0])
            score[frames] = best[1]
            seg.score = float(best[1].mean())
