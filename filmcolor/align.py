"""Find how two releases of a film line up, and write their frames as synced 64x64 pairs.

The algorithm (docs/align.md has the long form):

1. Decode both files once, concurrently, with ffmpeg scaling each frame to a small square
   (grey for the B&W release, RGB for the colour one) into memory-mapped scratch arrays.
2. Find each release's picture area (letterbox/pillarbox bars are rows/columns that stay black)
   and its shot cuts (scenedetect).
3. Describe every frame by a 16x16 thumbnail of its picture, rank-transformed so that any
   monotonic change of tone (a B&W stock's response, gamma, contrast) leaves it unchanged.
4. Match: for B&W frames, the most similar colour frames. Every match votes for a line
   ``colour_frame = slope * bw_frame + offset``. The slope (one for the whole film: PAL speed-up
   keeps frames, a frame-rate conversion does not) comes from RANSAC over the matches; offsets
   are the peaks of the vote histogram, each valid over the stretch of film that voted for it.
5. Segment: a Viterbi pass over B&W frames picks, for each frame, one offset or "no match",
   paying for every switch (little at a B&W cut, much inside a shot). Runs of one offset are the
   matched segments; intros, outros and shots missing from one release fall to "no match".
6. Crop: on well-matched pairs, ECC registration estimates the scale and shift that maps the
   colour picture onto the B&W one; the common picture area is cropped from both. Steps 3-5
   are repeated on the cropped pictures, which sharpens the match.
7. Resample the B&W timeline to the output frame rate and write each pair whose match is
   confident; doubtful ones (weak similarity, featureless frames) are left out, not guessed.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from . import __version__
from .errors import AlignmentError, FilmcolorError, VideoError
from .files import atomic_dir, check_new_output
from .plots import alignment_plot, pair_strip
from .shots import CutDetector, shot_ids
from .video import FrameReader, PictureArea, VideoInfo, probe

log = logging.getLogger("filmcolor")

DEFAULT_OUT = Path("aligned")
THUMB = 16  # descriptor side: 16x16 = 256 values per frame
MATCH = 0.7  # similarity above which a frame pair counts as showing the same picture
SEGMENT_MATCH = 0.8  # mean similarity a matched stretch needs (unrelated films reach about 0.65)
FLAT = 3.0  # thumbnail standard deviation (grey levels) under which a frame shows too little to match
SWITCH_INSIDE_SHOT = 4.0  # Viterbi cost of changing offset inside a B&W shot
SWITCH_AT_CUT = 0.3  # ... and at a B&W cut
MIN_SEGMENT_S = 0.5  # shortest matched stretch kept, seconds
OUTLIER_DROP = 0.12  # a stretch whose mean similarity is this far under the film's typical match is dropped
# Slopes (colour frames per B&W frame) that releases really have; a fitted slope this close to one is snapped.
COMMON_SLOPES = [Fraction(1), Fraction(1001, 1000), Fraction(1000, 1001), Fraction(5, 4), Fraction(4, 5),
                 Fraction(25, 24), Fraction(24, 25), Fraction(2), Fraction(1, 2)]


Box = tuple[float, float, float, float]  # x0, y0, x1, y1


class _NoMatch(Exception):
    """Raised inside the matcher; ``find_alignment`` turns it into an AlignmentError naming the files."""


class FrameFile:
    """Decoded small frames in a raw scratch file, read a chunk at a time.

    Each access maps the file, copies the frames asked for and unmaps it again, so the pages
    read do not stay in the process's memory: a long film costs disk, not RAM.
    """

    def __init__(self, path: Path, n: int, frame_shape: tuple[int, ...]):
        self.path, self.shape = path, (n, *frame_shape)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index) -> np.ndarray:
        return np.array(np.memmap(self.path, np.uint8, "r", shape=self.shape)[index])


@dataclass
class Film:
    """One release: its probe, its decoded small frames, picture area and cuts."""

    info: VideoInfo
    frames: FrameFile  # (n, S, S) grey or (n, S, S, 3) RGB, uint8: what the pairs are cut from
    grey: FrameFile  # (n, S, S) grey: what matching looks at (the same file for a B&W release)
    active: Box = (0.0, 0.0, 1.0, 1.0)  # picture area inside the bars, as fractions of the frame
    cuts: list[int] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.frames)


@dataclass
class Segment:
    """A stretch of B&W frames [bw_start, bw_end) shown by colour frames slope * b + offset."""

    bw_start: int
    bw_end: int
    offset: float
    score: float

    def color_index(self, b: np.ndarray | int, slope: float):
        return np.rint(np.asarray(b) * slope + self.offset).astype(np.int64)


@dataclass
class Alignment:
    """What the aligner found: the line(s) mapping B&W frames to colour frames and the crops."""

    slope: float
    segments: list[Segment]
    bw_crop: Box  # common picture area, fractions of each frame
    color_crop: Box
    state: np.ndarray  # per B&W frame: segment index, or -1 for no match
    score: np.ndarray  # per B&W frame: similarity of it and its matched colour frame

    def color_frame(self, b: np.ndarray) -> np.ndarray:
        """Matched colour frame of each B&W frame (-1 where none)."""
        b = np.asarray(b)
        out = np.full(b.shape, -1, np.int64)
        for k, seg in enumerate(self.segments):
            sel = self.state[b] == k
            out[sel] = seg.color_index(b[sel], self.slope)
        return out


@dataclass
class AlignResult:
    """What ``align`` wrote: the output folder, the number of pairs and the alignment."""

    out: Path
    pairs: int
    alignment: Alignment
    manifest: dict


def align(
    bw: str | Path,
    color: str | Path,
    out: str | Path = DEFAULT_OUT,
    *,
    size: int = 64,
    fps: float = 24,
    every: int = 1,
    overwrite: bool = False,
    progress: bool = False,
) -> AlignResult:
    """Align a B&W and a colour release and write synced ``size``x``size`` pairs to ``out``.

    Writes ``bw.npy`` (N, size, size), ``color.npy`` (N, size, size, 3), ``pairs.csv``,
    ``manifest.json``, ``alignment.png`` and ``samples.png``. Raises FilmcolorError subclasses
    for unreadable inputs or releases that do not match.
    """
    out = Path(out)
    if size < 8 or size % 8 or every < 1 or fps <= 0:
        raise FilmcolorError(f"--size must be a multiple of 8 (the U-Net halves it three times), got {size}; "
                             f"--every at least 1, got {every}; --fps above 0, got {fps}")
    with ThreadPoolExecutor(2) as pool:
        bw_info, color_info = pool.map(probe, (bw, color))
    for info in (bw_info, color_info):
        if info.frames < 2:
            raise VideoError(f"{info.path}: has {info.frames} frame(s); a film needs many more to align")
    check_new_output(out, overwrite, "aligned dataset")
    side = max(128, 2 * size)
    _check_space(out, (bw_info.frames * side * side + color_info.frames * side * side * 4) * 1.1)
    with atomic_dir(out, overwrite) as tmp:
        scratch = tmp / "scratch"
        scratch.mkdir()
        log.debug("decoding both releases")
        bw_film, color_film = _decode_both(bw_info, color_info, side, scratch, progress)
        alignment = find_alignment(bw_film, color_film)
        log.debug("writing the pairs")
        manifest, n_pairs = _write_dataset(tmp, bw_film, color_film, alignment, size, Fraction(fps).limit_denominator(1001), every)
        del bw_film, color_film
        shutil.rmtree(scratch)
    return AlignResult(out, n_pairs, alignment, manifest)


def _check_space(out: Path, needed: float) -> None:
    """Refuse to start when the disk cannot hold the scratch frames (about 64 KB a frame pair)."""
    folder = out.parent if out.parent.exists() else Path.cwd()
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise FilmcolorError(f"{out}: aligning needs about {needed / 1e9:.1f} GB of scratch space beside it, "
                             f"{free / 1e9:.1f} GB are free; free some or choose another -o")


# --- 1. decoding ---------------------------------------------------------------------------------


def _decode_both(bw: VideoInfo, color: VideoInfo, side: int, scratch: Path, progress: bool) -> tuple[Film, Film]:
    """Decode both releases at once (two ffmpeg processes) into scratch files, scanning as they come."""
    bar = tqdm(total=bw.frames + color.frames, unit="frame", desc="decoding", disable=not progress, leave=False)
    results: dict[str, Film | BaseException] = {}

    stop = threading.Event()  # one decoder failing, or Ctrl-C, stops the other

    def work(key: str, info: VideoInfo, gray: bool) -> None:
        try:
            results[key] = _decode(info, side, gray, scratch / f"{key}.u8", bar, stop)
        except BaseException as e:  # handed to the main thread
            results[key] = e
            stop.set()

    threads = [
        threading.Thread(target=work, args=("bw", bw, True)),
        threading.Thread(target=work, args=("color", color, False)),
    ]
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                t.join(timeout=0.2)
    finally:
        stop.set()
        for t in threads:
            t.join()
        bar.close()
    for key in ("bw", "color"):  # the first real failure, not the stop it caused in the other thread
        if isinstance(results[key], BaseException) and not isinstance(results[key], KeyboardInterrupt):
            raise results[key]
    for key in ("bw", "color"):
        if isinstance(results[key], BaseException):
            raise results[key]
    return results["bw"], results["color"]


def _decode(info: VideoInfo, side: int, gray: bool, path: Path, bar: tqdm, stop: threading.Event) -> Film:
    """Write one release's small frames to ``path``; meanwhile find its picture area and (B&W) its cuts."""
    reader = FrameReader(info, size=(side, side), pix_fmt="gray" if gray else "rgb24", batch=64)
    area = PictureArea(side)
    cuts = CutDetector(info.fps, gray=True) if gray else None
    grey_path = path if gray else path.with_suffix(".grey.u8")
    with open(path, "wb") as f, (contextlib.nullcontext() if gray else open(grey_path, "wb")) as fg:
        for batch in reader:
            if stop.is_set():
                raise KeyboardInterrupt
            f.write(batch.tobytes())
            g = batch if gray else _rgb_to_gray(batch)
            if fg:
                fg.write(g.tobytes())
            area.update(g)
            if cuts:  # at half size: as reliable for cuts, four times cheaper
                cuts.update(g.reshape(len(g), side // 2, 2, side // 2, 2).mean(axis=(2, 4), dtype=np.float32).astype(np.uint8))
            bar.update(len(batch))
    n = reader.frames_read
    if n < 2:
        raise VideoError(f"{info.path}: only {n} frame(s) could be decoded; a film needs many more to align")
    grey = FrameFile(grey_path, n, (side, side))
    frames = grey if gray else FrameFile(path, n, (side, side, 3))
    return Film(info, frames, grey, area.box(), cuts.finish() if cuts else [])


# --- 2. picture area and cuts -----------------------------------------------------------------------


def _chunks(n: int, step: int = 512):
    for i in range(0, n, step):
        yield slice(i, min(n, i + step))


def _rgb_to_gray(rgb: np.ndarray) -> np.ndarray:
    flat = rgb.reshape(-1, 1, 3)
    return cv2.cvtColor(np.ascontiguousarray(flat), cv2.COLOR_RGB2GRAY).reshape(rgb.shape[:-1])


# --- 3. descriptors ---------------------------------------------------------------------------------


def _inset(box: Box, fraction: float) -> Box:
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) * fraction, (y1 - y0) * fraction
    return x0 + dx, y0 + dy, x1 - dx, y1 - dy


def _pixels(box: Box, side: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = (int(round(v * side)) for v in box)
    return x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)


def describe(film: Film, box: Box) -> tuple[np.ndarray, np.ndarray]:
    """Rank-normalised THUMBxTHUMB thumbnails of ``box`` (unit vectors) and their contrast."""
    desc = np.empty((film.n, THUMB * THUMB), np.float16)  # half precision: 512 bytes a frame
    contrast = np.empty(film.n, np.float32)
    for sl in _chunks(film.n):
        flat = _crop_resize(film.grey[sl], box, THUMB).reshape(sl.stop - sl.start, -1)
        contrast[sl] = flat.std(axis=1)
        ranks = _ranks(flat)
        ranks -= ranks.mean(axis=1, keepdims=True)
        norm = np.linalg.norm(ranks, axis=1, keepdims=True)
        desc[sl] = ranks / np.maximum(norm, 1e-6)
    return desc, contrast


def _ranks(values: np.ndarray) -> np.ndarray:
    """Rank of each uint8 value within its row, ties sharing their average rank (so flat areas carry no order)."""
    n = len(values)
    hist = np.bincount((np.arange(n)[:, None] * 256 + values).ravel(), minlength=n * 256).reshape(n, 256)
    below = np.cumsum(hist, axis=1) - hist
    avg = (below + (hist - 1) / 2).astype(np.float32)
    return np.take_along_axis(avg, values.astype(np.int64), axis=1)


# --- 4. matching and the line model ---------------------------------------------------------------


def _top_matches(qd: np.ndarray, cd: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k most similar colour frames of each query (indices, similarities), in chunks."""
    idx = np.empty((len(qd), k), np.int64)
    sim = np.empty((len(qd), k), np.float32)
    step = max(1, int(4e6 // max(1, len(cd))))  # bounds the similarity block to 16 MB
    cd32 = cd.astype(np.float32).T
    for sl in _chunks(len(qd), step):
        s = qd[sl].astype(np.float32) @ cd32
        top = np.argpartition(-s, k - 1, axis=1)[:, :k] if s.shape[1] > k else np.argsort(-s, axis=1)[:, :k]
        idx[sl] = top
        sim[sl] = np.take_along_axis(s, top, axis=1)
    return idx, sim


def _fit_slope(b: np.ndarray, c: np.ndarray, w: np.ndarray, rng: np.random.Generator) -> float:
    """RANSAC over match pairs for the slope of colour frame against B&W frame; snapped to a common ratio."""
    if len(b) < 2:
        raise _NoMatch("too few frames match")
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


def _offset_candidates(b: np.ndarray, c: np.ndarray, w: np.ndarray, slope: float, fps: float, stride: int) -> list[tuple[float, int, int]]:
    """Offsets that many matches vote for, each with the B&W frame range its votes came from.

    ``b`` are B&W frame numbers, queried every ``stride`` frames."""
    o = c - slope * b
    key = np.rint(o).astype(np.int64)
    lo = key.min()
    hist = np.bincount(key - lo, weights=w)
    min_votes = max(3.0, 0.125 * fps / stride * float(np.median(w)))  # an eighth of a second of queries
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


# --- 5. segmentation ---------------------------------------------------------------------------------


def _segment(
    bw_desc: np.ndarray,
    bw_flat: np.ndarray,
    color_desc: np.ndarray,
    color_flat: np.ndarray,
    slope: float,
    candidates: list[tuple[float, int, int]],
    cuts: list[int],
    fps: float,
) -> tuple[list[Segment], np.ndarray, np.ndarray]:
    """Viterbi over B&W frames: each frame takes one candidate offset or none."""
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
        ci = np.rint(frames * slope + off).astype(np.int64)
        ok = (ci >= 0) & (ci < nc)
        frames, ci = frames[ok], ci[ok]
        if len(frames) == 0:
            frames, ci = np.arange(0), np.arange(0)
        s = np.einsum("ij,ij->i", bw_desc[frames], color_desc[ci], dtype=np.float32)
        e = s - MATCH
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


def _select_segments(runs: list, n: int, nc: int, slope: float, fps: float) -> tuple[list[Segment], np.ndarray, np.ndarray]:
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
        frames = np.arange(a, b)
        ci = np.rint(frames * slope + off).astype(np.int64)
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


def _match(bw: Film, color: Film, bw_box: Box, color_box: Box, rng: np.random.Generator) -> tuple[float, list[Segment], np.ndarray, np.ndarray]:
    """Steps 3-5 on the given picture boxes: slope, segments, per-frame state and score."""
    bd, bc = describe(bw, bw_box)
    cd, cc = describe(color, color_box)
    bw_flat, color_flat = bc < FLAT, cc < FLAT
    fps = float(bw.info.fps)
    # Query every B&W frame on short films, a subsample on long ones, to bound the work.
    stride = max(1, int(np.ceil(bw.n * color.n / 4e8)))
    q = np.flatnonzero(~bw_flat)[::stride]
    if len(q) < 2 or (~color_flat).sum() < 2:
        raise _NoMatch("too few frames match")
    cd_masked = np.where(color_flat[:, None], np.float16(0), cd)
    idx, sim = _top_matches(bd[q], cd_masked, k=min(4, color.n))
    good = sim >= MATCH
    qb = np.repeat(q[:, None], idx.shape[1], axis=1)[good]
    qc, qs = idx[good], sim[good]
    best = np.argmax(sim, axis=1)
    b1, c1, s1 = q, idx[np.arange(len(q)), best], sim[np.arange(len(q)), best]
    keep = s1 >= MATCH
    if keep.sum() < 2:
        raise _NoMatch("too few frames match")
    slope = _fit_slope(b1[keep].astype(float), c1[keep].astype(float), s1[keep].astype(float), rng)
    candidates = _offset_candidates(qb.astype(float), qc.astype(float), qs.astype(float), slope, fps, stride)
    segments, state, score = _segment(bd, bw_flat, cd, color_flat, slope, candidates, bw.cuts, fps)
    if slope != 1.0:
        _refine_phase(segments, score, bd, cd, slope)
    return slope, segments, state, score


def _refine_phase(segments: list[Segment], score: np.ndarray, bd: np.ndarray, cd: np.ndarray, slope: float) -> None:
    """Sub-frame offsets for a slope other than 1: where a frame-rate conversion repeats or drops
    frames, which colour frame is nearest a B&W frame depends on the conversion's phase."""
    for seg in segments:
        frames = np.arange(seg.bw_start, seg.bw_end)
        best = None
        for phase in np.arange(-0.5, 0.5, 0.0625):
            ci = np.rint(frames * slope + seg.offset + phase).astype(np.int64)
            if ci.min() < 0 or ci.max() >= len(cd):
                continue
            sim = np.einsum("ij,ij->i", bd[frames], cd[ci], dtype=np.float32)
            if best is None or sim.mean() > best[1].mean() + 1e-4:
                best = (phase, sim)
        if best is not None:
            seg.offset += float(best[0])
            score[frames] = best[1]
            seg.score = float(best[1].mean())


# --- 6. crop ---------------------------------------------------------------------------------------------


def _register(bw_img: np.ndarray, color_img: np.ndarray, bw_box: Box, color_box: Box) -> tuple[np.ndarray, float] | None:
    """Scale and shift (sx, sy, tx, ty) mapping B&W frame coordinates (fractions) to colour ones, by ECC."""
    side = bw_img.shape[0]
    template = cv2.GaussianBlur(cv2.equalizeHist(bw_img), (0, 0), 1.0).astype(np.float32)
    moving = cv2.GaussianBlur(cv2.equalizeHist(color_img), (0, 0), 1.0).astype(np.float32)
    mask = np.zeros_like(bw_img)
    x0, y0, x1, y1 = _pixels(_inset(bw_box, 0.02), side)
    mask[y0:y1, x0:x1] = 255
    bx0, by0, bx1, by1 = bw_box
    cx0, cy0, cx1, cy1 = color_box
    # Two starting guesses: the frames show the same area, or the two picture areas do.
    guesses = [(1.0, 1.0, 0.0, 0.0)]
    sx, sy = (cx1 - cx0) / (bx1 - bx0), (cy1 - cy0) / (by1 - by0)
    guesses.append((sx, sy, cx0 - sx * bx0, cy0 - sy * by0))
    best = None
    for gx, gy, gtx, gty in guesses:
        warp = np.array([[gx, 0, gtx * side], [0, gy, gty * side]], np.float32)
        try:
            cc, warp = cv2.findTransformECC(
                template, moving, warp, cv2.MOTION_AFFINE,
                (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-4), mask, 5,
            )
        except cv2.error:
            continue
        if best is None or cc > best[1]:
            params = np.array([warp[0, 0], warp[1, 1], warp[0, 2] / side, warp[1, 2] / side])
            best = (params, float(cc))
    return best


def find_crops(bw: Film, color: Film, slope: float, segments: list[Segment], state: np.ndarray, score: np.ndarray) -> tuple[Box, Box]:
    """Common picture area of both releases, as fractions of each frame."""
    matched = np.flatnonzero(state >= 0)
    if len(matched) == 0:
        raise _NoMatch("too few frames match")
    # Well-matched pairs, spread over the film: the best of each of up to 12 stretches.
    picks = [chunk[np.argmax(score[chunk])] for chunk in np.array_split(matched, min(12, len(matched)))]
    params, ccs = [], []
    for b in picks:
        c = int(segments[state[b]].color_index(b, slope))
        found = _register(bw.grey[b], color.grey[c], bw.active, color.active)
        if found and found[1] > 0.5:
            params.append(found[0])
            ccs.append(found[1])
    if len(params) < 3:
        log.warning("could not register the two pictures; assuming they show the same area")
        return bw.active, color.active
    sx, sy, tx, ty = np.median(np.array(params), axis=0)
    # Common area in B&W fractions: inside the B&W picture and mapping inside the colour picture.
    cx0, cy0, cx1, cy1 = color.active
    bx0, by0, bx1, by1 = bw.active
    x0 = max(bx0, (cx0 - tx) / sx)
    x1 = min(bx1, (cx1 - tx) / sx)
    y0 = max(by0, (cy0 - ty) / sy)
    y1 = min(by1, (cy1 - ty) / sy)
    if x1 - x0 < 0.2 or y1 - y0 < 0.2:
        raise _NoMatch("the two pictures share too little area")
    bw_box = _inset((x0, y0, x1, y1), 0.01)
    color_box = (bw_box[0] * sx + tx, bw_box[1] * sy + ty, bw_box[2] * sx + tx, bw_box[3] * sy + ty)
    return bw_box, color_box


def find_alignment(bw: Film, color: Film) -> Alignment:
    """Steps 3-6: slope, segments and the common crop, given each film's picture area and cuts."""
    try:
        rng = np.random.default_rng(0)
        log.info("matching %d B&W frames against %d colour frames", bw.n, color.n)
        slope, segments, state, score = _match(bw, color, _inset(bw.active, 0.1), _inset(color.active, 0.1), rng)
        if not segments:
            raise _NoMatch("no stretch of the films matches")
        log.info("registering the two pictures")
        bw_box, color_box = find_crops(bw, color, slope, segments, state, score)
        log.info("matching again on the common picture area")
        slope, segments, state, score = _match(bw, color, bw_box, color_box, rng)
        if not segments or (state >= 0).sum() < max(24, 0.05 * min(bw.n, color.n)):
            raise _NoMatch("too few frames match")
    except _NoMatch as e:
        raise _no_match(bw, color, str(e)) from None
    return Alignment(slope, segments, bw_box, color_box, state, score)


def _no_match(bw: Film, color: Film, why: str) -> AlignmentError:
    return AlignmentError(
        f"{bw.info.path} and {color.info.path}: no reliable match found ({why}); are they releases of the same film?"
    )


# --- 7. output ---------------------------------------------------------------------------------------


def _crop_resize(frames: np.ndarray, box: Box, size: int) -> np.ndarray:
    """Crop ``box`` out of a stack of frames (n, h, w[, 3]) and area-resample each to size x size."""
    x0, y0, x1, y1 = _pixels(box, frames.shape[1])
    return np.stack([cv2.resize(f[y0:y1, x0:x1], (size, size), interpolation=cv2.INTER_AREA) for f in frames])


def _box_pixels(box: Box, info: VideoInfo) -> list[int]:
    x0, y0, x1, y1 = box
    return [round(x0 * info.width), round(y0 * info.height), round((x1 - x0) * info.width), round((y1 - y0) * info.height)]


def _write_dataset(out: Path, bw: Film, color: Film, al: Alignment, size: int, fps: Fraction, every: int) -> tuple[dict, int]:
    bw_fps, color_fps = float(bw.info.fps), float(color.info.fps)
    # The output timeline: the B&W film resampled to `fps`, one row in `every`.
    n_out = int(np.floor((bw.n - 0.5) / bw_fps * float(fps))) + 1
    times = np.arange(0, n_out, every) / float(fps)
    b = np.minimum(np.rint(times * bw_fps).astype(np.int64), bw.n - 1)
    c = al.color_frame(b)
    sc = al.score[b]
    keep = (c >= 0) & (c < color.n) & (sc >= MATCH)
    b, c, sc = b[keep], c[keep], sc[keep]
    if len(b) == 0:
        raise _no_match(bw, color, "no pair is confident enough")
    shots = shot_ids(bw.n, bw.cuts)[b]
    seg = al.state[b]
    bw_arr = np.lib.format.open_memmap(out / "bw.npy", "w+", np.uint8, (len(b), size, size))
    color_arr = np.lib.format.open_memmap(out / "color.npy", "w+", np.uint8, (len(b), size, size, 3))
    for sl in _chunks(len(b), 256):
        bw_arr[sl] = _crop_resize(bw.frames[b[sl]], al.bw_crop, size)
        color_arr[sl] = _crop_resize(color.frames[c[sl]], al.color_crop, size)
    with open(out / "pairs.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["pair", "bw_frame", "color_frame", "bw_time", "color_time", "score", "shot", "segment"])
        for i in range(len(b)):
            w.writerow([i, b[i], c[i], f"{b[i] / bw_fps:.4f}", f"{c[i] / color_fps:.4f}", f"{sc[i]:.4f}", shots[i], seg[i]])
    manifest = {
        "filmcolor_version": __version__,
        "inputs": {"bw": bw.info.describe(), "color": color.info.describe()},
        "size": size,
        "fps": float(fps),
        "every": every,
        "pairs": int(len(b)),
        "speed_ratio": color_fps / (al.slope * bw_fps),  # how much faster the colour release plays the picture
        "frame_ratio": al.slope,  # colour frames per B&W frame
        "segments": [
            {
                "bw_start": s.bw_start,
                "bw_end": s.bw_end,
                "color_start": int(s.color_index(s.bw_start, al.slope)),
                "color_end": int(s.color_index(s.bw_end - 1, al.slope)) + 1,
                "offset": s.offset,
                "score": round(s.score, 4),
            }
            for s in al.segments
        ],
        "crop": {"bw": _box_pixels(al.bw_crop, bw.info), "color": _box_pixels(al.color_crop, color.info)},
        "picture_area": {"bw": _box_pixels(bw.active, bw.info), "color": _box_pixels(color.active, color.info)},
        "bw_cuts": bw.cuts,
        "coverage_bw": round(float((al.state >= 0).mean()), 4),
        "confidence": round(float(np.median(sc)), 4),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    alignment_plot(out / "alignment.png", bw, color, al)
    pick = np.linspace(0, len(b) - 1, min(8, len(b))).astype(int)
    pair_strip(
        out / "samples.png",
        _crop_resize(np.repeat(bw.frames[b[pick]][..., None], 3, axis=3), al.bw_crop, 128),
        _crop_resize(color.frames[c[pick]], al.color_crop, 128),
        [f"B&W {x} / colour {y}" for x, y in zip(b[pick], c[pick])],
    )
    return manifest, len(b)
