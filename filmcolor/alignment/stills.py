"""Stills found in a film: each colour picture's frame and where it lies on it, by content.

A still is one frame of the film coloured by hand (or graded, or a production photograph of the
take), handed over as a picture: cropped, scaled, bordered, exported at another size, named with a
frame number or not. Each is found in three steps:

1. The picture is read and the flat border around it (rows and columns of one colour) cut off.
2. The film is decoded once, small, and every frame described by rank-normalised thumbnails
   (``matching.signatures``: blind to the tones of the B&W stock) of its whole picture and of a
   few centre crops a still may show (90%, 80%, the centre 4:3 of a wider film); the frames most
   like the still (one per stretch of ``APART`` frames) are its candidates. The shot cuts are found
   on the way (``analysis``).
3. Each candidate, decoded at full size, is registered with the still: ORB features matched and an
   affine fitted by RANSAC, and that placement (and the still over the whole frame) refined by
   ECC, kept as a scale and shift on each axis (a still is never rotated), and scored by the rank
   correlation of the two pictures over the still's area; the frames beside the best candidate
   are registered and scored too. The best frame wins; among frames that score alike (a still
   shot) the one a frame number in the still's name points to (the names' numbers and the frames
   found agreeing on an offset; the frames a name points to are scored too). A still whose best
   score is below ``MATCH`` is of another film, and refused by name.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from ..colour import rgb_to_grey
from ..errors import AlignmentError, FilmcolorError, VideoError
from ..io.frames import frames_at
from ..io.sequence import IMAGE_SUFFIXES, find_sequence, is_sequence
from ..io.video import FrameReader, VideoInfo
from .analysis import CutDetector, PictureArea
from .matching import signatures

log = logging.getLogger("filmcolor")

PICTURES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")
MIN_RUN = 48  # numbered frames in a folder from which it is a film (a scan), not stills
MOST_STILLS = 500  # pictures in a folder beyond which it is a scan
THUMB = 16  # side of the search's thumbnails
SMALL = 96  # width the film is decoded at for the search
CANDIDATES = 6  # frames registered per still
APART = 12  # frames: candidates lie at least this far apart
NEAR = 3  # frames beside the best candidate also scored
MATCH = 0.6  # rank correlation of a still and its frame below which it is not of this film
ALIKE = 0.01  # scores this close are alike: the name's frame number decides
SCORE_SIDE = 48  # side of the thumbnails the placement is scored on
ECC_WIDTH = 320  # pixels across at most where a placement is refined


@dataclass(frozen=True)
class Still:
    """A still found in the film: its ``file``, the film ``frame`` it shows, ``box``: where its
    picture (``crop`` of the file, its border cut off: x, y, w, h in its own pixels) lies on the
    frame (x, y, w, h in the film's pixels, fractional), and the ``score`` of the match (0..1)."""

    file: str
    frame: int
    box: tuple[float, float, float, float]
    crop: tuple[int, int, int, int]
    score: float

    def to_json(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict) -> Still:
        return cls(
            str(data["file"]),
            int(data["frame"]),
            tuple(float(v) for v in data["box"]),
            tuple(int(v) for v in data["crop"]),
            float(data["score"]),
        )


def is_stills(path: str | Path) -> bool:
    """Whether ``path`` names stills rather than a film: a picture, or a folder (or pattern) of
    pictures (or of nothing) that are not one run of at least ``MIN_RUN`` numbered frames."""
    path = Path(path)
    if path.suffix.lower() in PICTURES and not is_sequence(path):
        return True
    if not is_sequence(path):
        return False
    folder = path if path.is_dir() else path.parent
    if not folder.is_dir():
        return False
    kinds = [p.suffix.lower() for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
    if any(k not in PICTURES for k in kinds) or len(kinds) > MOST_STILLS:  # a scan: DPX, EXR
        return False
    try:
        return find_sequence(path).count < MIN_RUN
    except VideoError:
        return True


def still_files(path: str | Path) -> list[Path]:
    """The pictures ``path`` names: a picture, a folder's pictures (in name order) or the files
    of a pattern; FilmcolorError where there is none."""
    path = Path(path)
    if not is_sequence(path):
        if not path.is_file():
            raise FilmcolorError(f"{path}: no such picture")
        return [path]
    folder = path if path.is_dir() else path.parent
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in PICTURES and p.is_file())
    if not path.is_dir():
        files = [p for p in files if re.fullmatch(_pattern_regex(path.name), p.name)]
    if not files:
        kinds = ", ".join(s.lstrip(".").upper() for s in PICTURES)
        raise FilmcolorError(f"{path}: no picture in it ({kinds})")
    return files


def _pattern_regex(name: str) -> str:
    """A printf pattern's file name (``%06d_out.png``) as a regular expression."""
    parts = re.split(r"%0?\d*d", name)
    return r"\d+".join(re.escape(p) for p in parts)


def read_still(path: Path) -> np.ndarray:
    """A still's picture as RGB uint8; FilmcolorError naming it if it cannot be read."""
    data = np.fromfile(path, np.uint8) if path.is_file() else np.zeros(0, np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if bgr is None or min(bgr.shape[:2]) < 16:
        raise FilmcolorError(f"{path}: not a readable picture (PNG, JPEG, TIFF, ...)")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def inner(rgb: np.ndarray, tolerance: float = 10.0) -> tuple[int, int, int, int]:
    """The picture inside a flat border (rows and columns at the edges within ``tolerance`` of
    the corner's colour), x, y, w, h; at most a quarter of each side is cut."""
    h, w = rgb.shape[:2]
    colour = np.median(np.stack([rgb[0, 0], rgb[0, -1], rgb[-1, 0], rgb[-1, -1]]), axis=0)
    off = np.abs(rgb.astype(np.float32) - colour).max(axis=2) > tolerance
    rows, cols = off.mean(axis=1) > 0.02, off.mean(axis=0) > 0.02

    def first(flags: np.ndarray, most: int) -> int:
        hits = np.flatnonzero(flags[:most])
        return int(hits[0]) if len(hits) else 0

    top, left = first(rows, h // 4), first(cols, w // 4)
    bottom, right = first(rows[::-1], h // 4), first(cols[::-1], w // 4)
    return left, top, w - left - right, h - top - bottom


def frame_hint(path: Path) -> int | None:
    """The number in a still's name (its last run of digits), if any: perhaps its frame."""
    numbers = re.findall(r"\d+", path.stem)
    return int(numbers[-1]) if numbers else None


def _crops(aspect: float) -> list[tuple[float, float, float, float]]:
    """The parts of a frame a still is first looked for as (x0, y0, x1, y1 fractions)."""
    crops = [(0.0, 0.0, 1.0, 1.0), (0.05, 0.05, 0.95, 0.95), (0.1, 0.1, 0.9, 0.9)]
    if aspect > 1.45:  # the centre 4:3 of a wider picture
        half = 4 / 3 / aspect / 2
        crops.append((0.5 - half, 0.0, 0.5 + half, 1.0))
    return crops


def _thumb(grey: np.ndarray, box=(0.0, 0.0, 1.0, 1.0), side: int = THUMB) -> np.ndarray:
    h, w = grey.shape
    x0, y0, x1, y1 = (int(round(v)) for v in (box[0] * w, box[1] * h, box[2] * w, box[3] * h))
    part = grey[y0 : max(y1, y0 + 1), x0 : max(x1, x0 + 1)]
    return cv2.resize(part, (side, side), interpolation=cv2.INTER_AREA).reshape(-1)


def _describe(info: VideoInfo, progress_every: int = 256):
    """Every frame's thumbnail signatures under each of ``_crops`` (k, n, THUMB^2), the film's
    shot cuts and its picture area (inside any bars)."""
    height = max(2, 2 * round(SMALL * info.height / info.width / 2))
    crops = _crops(info.width * float(info.sar) / info.height)
    detector, area = CutDetector(info.fps, grey=True), PictureArea(SMALL)
    found: list[list[np.ndarray]] = [[] for _ in crops]
    with FrameReader(info, size=(SMALL, height), pix_fmt="gray", batch=progress_every) as reader:
        for batch in reader:
            detector.update(batch)
            area.update(np.stack([cv2.resize(f, (SMALL, SMALL)) for f in batch]))
            for k, box in enumerate(crops):
                found[k].append(
                    signatures(np.stack([_thumb(f, box) for f in batch])).astype(np.float16)
                )
    if not found[0]:
        raise VideoError(f"{info.path}: no frame could be decoded")
    return crops, np.stack([np.concatenate(f) for f in found]), detector.finish(), area.box()


def _candidates(desc: np.ndarray, crops: list, grey: np.ndarray) -> list[int]:
    """The film frames most like a still's picture ``grey``, at least APART apart."""
    best = np.full(desc.shape[1], -2.0, np.float32)
    sig = signatures(_thumb(grey)[None])[0].astype(np.float32)
    for k in range(len(crops)):
        np.maximum(best, desc[k].astype(np.float32) @ sig, out=best)
    order, chosen = np.argsort(-best), []
    for f in order:
        if all(abs(int(f) - c) >= APART for c in chosen):
            chosen.append(int(f))
            if len(chosen) == CANDIDATES:
                break
    return chosen


def _register(still: np.ndarray, frame: np.ndarray) -> tuple[float, float, float, float] | None:
    """The axis-aligned map from a still's picture (grey) onto a frame (grey): x = sx u + tx,
    y = sy v + ty, as (sx, tx, sy, ty); None where features do not agree on one."""
    scale = frame.shape[1] / still.shape[1]
    resized = cv2.resize(still, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    orb = cv2.ORB_create(2000)
    ka, da = orb.detectAndCompute(resized, None)
    kb, db = orb.detectAndCompute(frame, None)
    if da is None or db is None or len(ka) < 8 or len(kb) < 8:
        return None
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(da, db, k=2)
    good = [m[0] for m in pairs if len(m) == 2 and m[0].distance < 0.8 * m[1].distance]
    if len(good) < 8:
        return None
    a = np.float32([ka[m.queryIdx].pt for m in good]) / scale
    b = np.float32([kb[m.trainIdx].pt for m in good])
    m, inliers = cv2.estimateAffine2D(a, b, ransacReprojThreshold=3.0)
    if m is None or inliers.sum() < 8:
        return None
    ok = inliers.ravel() == 1
    fit = []
    for i in range(2):  # a scale and a shift per axis, from the inliers
        design = np.stack([a[ok, i], np.ones(ok.sum())], axis=1)
        fit += list(np.linalg.lstsq(design, b[ok, i], rcond=None)[0])
    sx, tx, sy, ty = (float(v) for v in fit)
    return (sx, tx, sy, ty) if sx > 0.05 and sy > 0.05 else None


def _refine(still: np.ndarray, frame: np.ndarray, place: tuple) -> tuple | None:
    """``place`` refined by ECC (an affine map maximising the two pictures' correlation, at most
    ECC_WIDTH pixels across), kept as a scale and shift per axis; None where it does not
    converge."""
    f = min(1.0, ECC_WIDTH / frame.shape[1])
    small = cv2.resize(frame, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    g = min(1.0, ECC_WIDTH / still.shape[1])
    template = cv2.resize(still, None, fx=g, fy=g, interpolation=cv2.INTER_AREA)
    sx, tx, sy, ty = place
    # template pixel (u, v) -> frame pixel: x = sx (u / g) + tx, then * f in the small frame
    warp = np.float32([[sx * f / g, 0, tx * f], [0, sy * f / g, ty * f]])
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 60, 1e-5)
    try:
        _, warp = cv2.findTransformECC(
            template.astype(np.float32),
            small.astype(np.float32),
            warp,
            cv2.MOTION_AFFINE,
            criteria,
            None,
            3,
        )
    except cv2.error:
        return None
    return warp[0, 0] * g / f, warp[0, 2] / f, warp[1, 1] * g / f, warp[1, 2] / f


def _score(still: np.ndarray, frame: np.ndarray, place: tuple[float, float, float, float]) -> float:
    """Rank correlation of a still's picture and the part of the frame ``place`` puts it on."""
    sx, tx, sy, ty = place
    h, w = still.shape
    m = np.float32([[sx, 0, tx], [0, sy, ty]])
    warped = cv2.warpAffine(
        frame, m, (w, h), flags=cv2.INTER_AREA | cv2.WARP_INVERSE_MAP, borderValue=0
    )
    inside = cv2.warpAffine(
        np.full(frame.shape, 255, np.uint8), m, (w, h), flags=cv2.WARP_INVERSE_MAP
    )
    if (inside > 128).mean() < 0.5:
        return 0.0
    a, b = (_thumb(x, side=SCORE_SIDE) for x in (still, warped))
    keep = _thumb(inside, side=SCORE_SIDE) > 250
    sig = signatures(np.stack([a[keep], b[keep]]))
    return float(sig[0] @ sig[1])


def _fallback(crop: tuple[float, float, float, float], info: VideoInfo, inner_size) -> tuple:
    """The placement that puts a still's picture over the crop it was found under."""
    x0, y0, x1, y1 = crop
    w, h = inner_size
    sx, sy = (x1 - x0) * info.width / w, (y1 - y0) * info.height / h
    return sx, x0 * info.width, sy, y0 * info.height


@dataclass
class Found:
    """The stills found in a film, in film order, its shot cuts and its picture area (a box, as
    fractions of the frame)."""

    stills: list[Still]
    cuts: list[int]
    area: tuple[float, float, float, float]


def find_stills(info: VideoInfo, files: list[Path]) -> Found:
    """Each still of ``files`` found in the film ``info`` (see the module's docstring);
    AlignmentError naming a still that matches no frame."""
    pictures = [read_still(p) for p in files]
    inners = [inner(p) for p in pictures]
    greys = [rgb_to_grey(p[y : y + h, x : x + w]) for p, (x, y, w, h) in zip(pictures, inners)]
    log.info("looking for %d still(s) in %s", len(files), info.path.name)
    crops, desc, cuts, area = _describe(info)
    wanted = [_candidates(desc, crops, g) for g in greys]
    frames = sorted({c + d for cs in wanted for c in cs for d in range(-NEAR, NEAR + 1)})
    frames = [f for f in frames if 0 <= f < desc.shape[1]]
    decoded = {
        f: rgb_to_grey(rgb) for f, rgb in zip(frames, frames_at(info, frames)) if rgb is not None
    }
    found = []
    for path, grey, (x, y, w, h), cands in zip(files, greys, inners, wanted):
        whole = _fallback(crops[0], info, (w, h))
        score, best, place = max(_placed(grey, decoded[c], [whole], c) for c in cands)
        near = [
            _placed(grey, decoded[f], [whole, place], f)
            for f in range(best - NEAR, best + NEAR + 1)
            if f in decoded
        ]
        found.append((path, (x, y, w, h), sorted(near, reverse=True)))
    for path, _, near in found:
        if near[0][0] < MATCH:
            raise AlignmentError(
                f"{path}: matches no frame of {info.path.name} (at best {near[0][0]:.2f} alike, "
                f"{MATCH} needed); is it a still of this film?"
            )
    hinted = _hinted(found, desc.shape[1])
    more = sorted({f for fs in hinted.values() for f in fs} - set(decoded))
    decoded.update((f, rgb_to_grey(rgb)) for f, rgb in zip(more, frames_at(info, more)))
    for (path, crop, near), grey in zip(found, greys):
        whole = _fallback(crops[0], info, crop[2:])
        near += [_placed(grey, decoded[f], [whole, near[0][2]], f) for f in hinted.get(path, ())]
        near.sort(reverse=True)
    stills = [_pick(path, box, near, _offset(found)) for path, box, near in found]
    return Found(sorted(stills, key=lambda s: s.frame), cuts, tuple(float(v) for v in area))


def _placed(grey: np.ndarray, frame: np.ndarray, guesses: list, k: int) -> tuple:
    """The best (score, ``k``, placement) of a still on frame ``k``: from its features, and from
    each of ``guesses``, each refined by ECC."""
    tries = [p for p in [_register(grey, frame), *guesses] if p is not None]
    tries += [r for p in tries if (r := _refine(grey, frame, p)) is not None]
    return max((_score(grey, frame, p), k, p) for p in tries)


def _hinted(found: list, n: int) -> dict[Path, list[int]]:
    """The frames beside the one each still's name points to (as ``_offset`` reads the names),
    where that is not where it was found."""
    offset = _offset(found)
    out = {}
    for path, _, near in found:
        hint = frame_hint(path)
        if offset is None or hint is None or abs(hint + offset - near[0][1]) <= NEAR:
            continue
        out[path] = [f for f in range(hint + offset - NEAR, hint + offset + NEAR + 1) if 0 <= f < n]
    return out


def _offset(found: list) -> int | None:
    """What the stills' names' numbers and their frames agree on: frame = number + offset."""
    gaps = [n[0][1] - h for p, _, n in found if (h := frame_hint(p)) is not None]
    return int(np.median(gaps)) if gaps else None


def _pick(path: Path, crop: tuple, near: list, offset: int | None) -> Still:
    """The frame a still shows: its best, or among those scoring alike the one its name says."""
    alike = [n for n in near if n[0] >= near[0][0] - ALIKE]
    hint = frame_hint(path)
    if hint is not None and offset is not None:
        alike.sort(key=lambda n: abs(n[1] - (hint + offset)))
    score, frame, (sx, tx, sy, ty) = alike[0]
    x, y, w, h = crop
    box = (tx, ty, sx * w, sy * h)
    return Still(
        str(path), int(frame), tuple(round(float(v), 3) for v in box), crop, round(float(score), 4)
    )
