"""Find how two releases of a film line up, and write their frames as synced SIZExSIZE pairs.

The algorithm (docs/align.md has the long form), one module per step:

1. Measure how the colour release's frames are made of fields and decode it accordingly
   (``fields``: field matching for telecine, a deinterlacer for video, its own YCbCr matrix); decode
   both files once, concurrently, into small frames on disk, finding each release's picture area
   (letterbox/pillarbox bars), overlays (a logo: ``overlays``) and both releases' shot cuts on the
   way (``decode``, ``analysis``).
2. Describe every frame by a rank-transformed thumbnail of its picture (``matching``).
3. Match B&W frames to colour frames; every match votes for a line
   ``colour_frame = slope * bw_frame + offset``: one slope for the film, offsets that hold over
   stretches of it (``matching``).
4. Segment: a Viterbi pass picks, for each B&W frame, one offset or "no match" (``offsets``):
   intros, outros and shots missing from one release fall to "no match".
5. Crop: ECC registration of well-matched pairs finds the picture both releases share
   (``registration``); steps 2-4 are repeated on it, which sharpens the match. The colour
   release's cuts are brought onto the film where the B&W film changes too (``cuts``).
6. Resample the B&W timeline to the output frame rate and write each pair whose match is
   confident; doubtful ones are left out, not guessed (this module, into an ``AlignedFolder``).
"""

from __future__ import annotations

import logging
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import AlignmentError, NoMatch, VideoError
from ..geometry import Box, chunks, crop_resize, inset, to_pixels
from ..io.decoding import Decoding
from ..io.drawing import pair_strip
from ..io.files import atomic_dir, check_new_output
from ..io.video import VideoInfo, probe
from ..settings import ALIGNED, AlignSettings, as_json, with_options
from .analysis import shot_ids
from .cuts import merged_cuts
from .decode import Film, check_space, decode_both
from .fields import FieldStructure, release_decoding
from .folder import AlignedFolder, Manifest, SegmentRecord
from .matching import MATCH, match
from .offsets import Segment
from .overlays import pair_weights
from .plots import alignment_plot, release_picture
from .registration import find_crops
from .still_pairs import align_stills
from .stills import is_stills

log = logging.getLogger("filmcolor")


@dataclass
class Alignment:
    """What the aligner found: the line(s) mapping B&W frames to colour frames and the crops."""

    slope: float
    segments: list[Segment]
    bw_crop: Box  # common picture area, fractions of each frame
    colour_crop: Box
    state: np.ndarray  # per B&W frame: segment index, or -1 for no match
    score: np.ndarray  # per B&W frame: similarity of it and its matched colour frame

    def colour_frame(self, b: np.ndarray) -> np.ndarray:
        """Matched colour frame of each B&W frame (-1 where none)."""
        b = np.asarray(b)
        out = np.full(b.shape, -1, np.int64)
        for k, seg in enumerate(self.segments):
            sel = self.state[b] == k
            out[sel] = seg.colour_index(b[sel], self.slope)
        return out


@dataclass
class AlignResult:
    """What ``align`` wrote: the output folder, the number of pairs, the manifest and the
    alignment (None for stills)."""

    out: Path
    pairs: int
    manifest: Manifest
    alignment: Alignment | None = None


def align(
    bw: str | Path,
    colour: str | Path,
    out: str | Path = ALIGNED,
    settings: AlignSettings | None = None,
    *,
    overwrite: bool = False,
    progress: bool = False,
    **options,
) -> AlignResult:
    """Align a B&W and a colour release and write synced SIZExSIZE pairs to ``out``.

    ``settings`` (or single ``options`` such as ``size=32``) say how; see ``AlignSettings``. Writes
    ``bw.npy`` (N, S, S), ``color.npy`` (N, S, S, 3), ``pairs.csv``, ``manifest.json``,
    ``alignment.png``, ``samples.png``, ``release.png`` and, where overlays were found,
    ``overlay.npz``. Raises FilmcolorError subclasses for unreadable inputs
    or releases that do not match. A ``colour`` that is stills (a picture, a folder or pattern of
    them: ``stills.is_stills``) is found in the film instead (``still_pairs.align_stills``).
    """
    if is_stills(colour):
        return AlignResult(*align_stills(bw, colour, out, settings, overwrite=overwrite, **options))
    out = Path(out)
    settings = with_options(settings, AlignSettings, options)
    with ThreadPoolExecutor(2) as pool:  # each probe waits on an ffprobe process
        bw_info, colour_info = pool.map(lambda p: probe(p, settings.input_fps), (bw, colour))
    for info in (bw_info, colour_info):
        if info.frames < 2:
            raise VideoError(
                f"{info.path}: has {info.frames} frame(s); a film needs many more to align"
            )
    check_new_output(out, overwrite, "aligned dataset")
    _check_turns(bw_info, colour_info)
    structure, decoding = release_decoding(colour_info, settings.fields)
    side = max(128, 2 * settings.size)
    check_space(out, (bw_info.frames + colour_info.frames * 4) * side * side * 1.1)
    with atomic_dir(out, overwrite) as tmp:
        scratch = tmp / "scratch"
        scratch.mkdir()
        log.debug("decoding both releases")
        bw_film, colour_film = decode_both(bw_info, colour_info, side, scratch, progress, decoding)
        for film in (bw_film, colour_film):
            if film.overlay is not None:
                log.info("%s: an overlay at %s (x, y, w, h)", film.info.path.name, film.overlay.box)
        alignment = find_alignment(bw_film, colour_film, list(decoding.joins), decoding.holes)
        _check_shape(bw_film, colour_film, alignment)
        colour_of = alignment.colour_frame(np.arange(bw_film.n))
        bw_film.cuts = merged_cuts(bw_film.cuts, colour_film.cuts, colour_of, bw_film.grey)
        log.debug("writing the pairs")
        manifest, n_pairs = _write_dataset(
            tmp, bw_film, colour_film, alignment, settings, (structure, decoding)
        )
        del bw_film, colour_film
        shutil.rmtree(scratch)
    return AlignResult(out, n_pairs, manifest, alignment)


def find_alignment(
    bw: Film, colour: Film, joins: list[int] = (), holes: tuple[int, ...] = ()
) -> Alignment:
    """Steps 2-5: slope, segments and the common crop, given each film's picture area and cuts,
    the colour frames where the release's decoding changes kind (``Decoding.joins``) and those
    that stand in for frames it lacks (``Decoding.holes``)."""
    fps = float(bw.info.fps)
    try:
        rng = np.random.default_rng(0)
        log.info("matching %d B&W frames against %d colour frames", bw.n, colour.n)
        found = match(
            bw.grey,
            colour.grey,
            inset(bw.active, 0.1),
            inset(colour.active, 0.1),
            bw.cuts,
            fps,
            rng,
            joins=joins,
            holes=holes,
        )
        slope, segments, state, score, candidates = found
        if not segments:
            raise NoMatch("no stretch of the films matches")
        log.info("registering the two pictures")
        matched = np.flatnonzero(state >= 0)
        pairs = Alignment(slope, segments, bw.active, colour.active, state, score)
        crops = find_crops(
            bw.grey,
            colour.grey,
            bw.active,
            colour.active,
            matched,
            pairs.colour_frame(matched),
            score[matched],
        )
        log.info("matching again on the common picture area")
        # The slope and the candidate offsets hold; only the similarities sharpen.
        slope, segments, state, score, _ = match(
            bw.grey,
            colour.grey,
            *crops,
            bw.cuts,
            fps,
            rng,
            known=(slope, candidates),
            joins=joins,
            holes=holes,
        )
        if not segments or (state >= 0).sum() < max(24, 0.05 * min(bw.n, colour.n)):
            raise NoMatch("too few frames match", int((state >= 0).sum()))
    except NoMatch as e:
        raise _no_match(bw, colour, str(e), e.matched) from None
    return Alignment(slope, segments, *crops, state, score)


def _check_turns(*infos: VideoInfo) -> None:
    """Refuse a release whose display matrix turns it on its side against the other: a file
    stored upright but tagged as turned (players show it sideways too)."""
    for info, other in ((infos[0], infos[1]), (infos[1], infos[0])):
        if info.turn % 2 and info.height > info.width and not other.height > other.width:
            raise AlignmentError(
                f"{info.path}: its display matrix turns it a quarter, to {info.width}x"
                f"{info.height}, on its side against {other.path.name} ({other.width}x"
                f"{other.height}): if it plays sideways, clear the turn "
                "(ffmpeg -i IN -c copy -metadata:s:v:0 rotate=0 OUT) and align again"
            )


def _check_shape(bw: Film, colour: Film, al: Alignment) -> None:
    """Warn when the registered pictures' display shapes disagree with the files' pixel aspects
    (SAR) by more than a DVD's 4:3 conventions allow (720 or 704 pixels: 2.3%): an MPEG-2 file can
    only say 4:3 or 16:9, so the registration's shape is the one used."""
    shapes = []
    for film, (x0, y0, x1, y1) in ((bw, al.bw_crop), (colour, al.colour_crop)):
        info = film.info
        shapes.append((x1 - x0) * info.width * float(info.sar) / ((y1 - y0) * info.height))
    if abs(shapes[1] / shapes[0] - 1) > 0.03:
        log.warning(
            "%s: its picture registers %.1f%% %s than its pixel aspect (SAR %s) says; placed as "
            "registered",
            colour.info.path.name,
            abs(shapes[1] / shapes[0] - 1) * 100,
            "narrower" if shapes[1] > shapes[0] else "wider",
            f"{colour.info.sar.numerator}:{colour.info.sar.denominator}",
        )


def _no_match(bw: Film, colour: Film, why: str, matched: int = 0) -> AlignmentError:
    return AlignmentError(
        f"{bw.info.path} and {colour.info.path}: no reliable match found ({why}); are they "
        "releases of the same film?",
        matched,
        bw.n,
    )


def _xywh(box: Box, info: VideoInfo) -> list[int]:
    x0, y0, x1, y1 = to_pixels(box, info.width, info.height)
    return [x0, y0, x1 - x0, y1 - y0]


def _write_dataset(
    out: Path,
    bw: Film,
    colour: Film,
    al: Alignment,
    settings: AlignSettings,
    fields: tuple[FieldStructure, Decoding],
) -> tuple[Manifest, int]:
    """Step 6: the pairs, their table, the manifest and the pictures, into ``out``."""
    size, fps, every = settings.size, settings.fps, settings.every
    structure, decoding = fields
    bw_fps, colour_fps = float(bw.info.fps), float(decoding.fps or colour.info.fps)
    # The output timeline: the B&W film resampled to `fps`, one row in `every`.
    n_out = int(np.floor((bw.n - 0.5) / bw_fps * float(fps))) + 1
    times = np.arange(0, n_out, every) / float(fps)
    b = np.minimum(np.rint(times * bw_fps).astype(np.int64), bw.n - 1)
    c = al.colour_frame(b)
    sc = al.score[b]
    keep = (c >= 0) & (c < colour.n) & (sc >= MATCH) & ~np.isin(c, decoding.holes)
    b, c, sc = b[keep], c[keep], sc[keep]
    if len(b) == 0:
        raise _no_match(bw, colour, "no pair is confident enough")
    batches = (
        (
            crop_resize(bw.frames[b[sl]], al.bw_crop, size),
            crop_resize(colour.frames[c[sl]], al.colour_crop, size),
        )
        for sl in chunks(len(b), 256)
    )
    folder = AlignedFolder.write(out, len(b), size, batches)
    films = {"bw": bw, "color": colour}
    crops = {"bw": al.bw_crop, "color": al.colour_crop}
    weights = pair_weights({k: f.overlay for k, f in films.items()}, crops, size)
    if weights is not None:
        masks = {k: f.overlay.mask for k, f in films.items() if f.overlay is not None}
        folder.write_overlays(weights, masks)
    folder.write_pairs(
        bw_frame=b,
        colour_frame=c,
        bw_time=b / bw_fps,
        colour_time=c / colour_fps,
        score=sc,
        shot=shot_ids(bw.n, bw.cuts)[b],
        segment=al.state[b],
    )
    segments = tuple(
        SegmentRecord(
            s.bw_start,
            s.bw_end,
            int(s.colour_index(s.bw_start, al.slope)),
            int(s.colour_index(s.bw_end - 1, al.slope)) + 1,
            s.offset,
            round(s.score, 4),
        )
        for s in al.segments
    )
    manifest = Manifest(
        inputs={"bw": bw.info.to_json(), "color": colour.info.to_json()},
        size=size,
        fps=float(fps),
        every=every,
        settings=as_json(settings),
        pairs=int(len(b)),
        speed_ratio=colour_fps / (al.slope * bw_fps),
        frame_ratio=al.slope,
        segments=segments,
        crop={"bw": _xywh(al.bw_crop, bw.info), "color": _xywh(al.colour_crop, colour.info)},
        picture_area={"bw": _xywh(bw.active, bw.info), "color": _xywh(colour.active, colour.info)},
        bw_cuts=tuple(bw.cuts),
        coverage_bw=round(float((al.state >= 0).mean()), 4),
        confidence=round(float(np.median(sc)), 4),
        colour_fields=structure,
        colour_decoding=decoding,
        colour_pictures=colour.n,
        overlays={k: f.overlay.to_json() for k, f in films.items() if f.overlay is not None},
    )
    folder.write_manifest(manifest)
    _plot(out / "alignment.png", bw, colour, al, colour_fps, structure.describe())
    moment = int(c[len(c) // 2] if decoding.seekable else c[min(len(c) - 1, 24)])
    shown = [
        (name, f, int(frames[len(frames) // 2]))
        for name, f, frames in (("colour", colour, c), ("B&W", bw, b))
    ]
    release_picture(
        out / "release.png",
        colour.info,
        decoding,
        moment,
        al.colour_crop,
        [(name, f.info, k, f.overlay.mask) for name, f, k in shown if f.overlay is not None],
    )
    pick = np.linspace(0, len(b) - 1, min(8, len(b))).astype(int)
    pair_strip(
        out / "samples.png",
        crop_resize(np.repeat(bw.frames[b[pick]][..., None], 3, axis=3), al.bw_crop, 128),
        crop_resize(colour.frames[c[pick]], al.colour_crop, 128),
        [f"B&W {x} / colour {y}" for x, y in zip(b[pick], c[pick])],
    )
    return manifest, len(b)


def _plot(
    path: Path, bw: Film, colour: Film, al: Alignment, colour_fps: float, fields: str
) -> None:
    """The alignment picture: B&W time against colour time."""
    bw_fps = float(bw.info.fps)
    ends = [np.array([s.bw_start, s.bw_end - 1]) for s in al.segments]
    matched = np.flatnonzero(al.state >= 0)
    alignment_plot(
        path,
        names=(bw.info.path.name, colour.info.path.name),
        durations=(bw.n / bw_fps, colour.n / colour_fps),
        cuts=np.asarray(bw.cuts) / bw_fps,
        segments=[
            (e / bw_fps, s.colour_index(e, al.slope) / colour_fps)
            for e, s in zip(ends, al.segments)
        ],
        matched=(matched / bw_fps, al.colour_frame(matched) / colour_fps),
        scores=al.score[matched],
        threshold=MATCH,
        speed=colour_fps / (al.slope * bw_fps),
        note=f"colour release: {fields}",
    )
