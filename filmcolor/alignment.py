"""Find how two releases of a film line up, and write their frames as synced SIZExSIZE pairs.

The algorithm (docs/align.md has the long form), one module per step:

1. Decode both files once, concurrently, with ffmpeg scaling each frame to a small square (grey for
   the B&W release, RGB for the colour one) into scratch files; meanwhile find each release's
   picture area (letterbox/pillarbox bars) and the B&W release's shot cuts (``analysis``).
2. Describe every frame by a rank-transformed thumbnail of its picture (``matching``).
3. Match B&W frames to colour frames; every match votes for a line
   ``colour_frame = slope * bw_frame + offset``: one slope for the film, offsets that hold over
   stretches of it (``matching``).
4. Segment: a Viterbi pass picks, for each B&W frame, one offset or "no match" (``segments``):
   intros, outros and shots missing from one release fall to "no match".
5. Crop: ECC registration of well-matched pairs finds the picture both releases share
   (``registration``); steps 2-4 are repeated on it, which sharpens the match.
6. Resample the B&W timeline to the output frame rate and write each pair whose match is
   confident; doubtful ones are left out, not guessed (this module).
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import __version__
from .analysis import CutDetector, PictureArea, shot_ids
from .color import rgb_to_grey
from .errors import AlignmentError, NoMatch, VideoError
from .files import atomic_dir, check_new_output
from .matching import MATCH, match
from .plots import alignment_plot, pair_strip
from .registration import Box, chunks, crop_resize, find_crops, inset, to_pixels
from .segments import Segment
from .settings import ALIGNED, AlignSettings, as_json, with_options
from .stream import Stream
from .video import FrameReader, VideoInfo, probe

log = logging.getLogger("filmcolor")


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
    ``alignment.png`` and ``samples.png``. Raises FilmcolorError subclasses for unreadable inputs
    or releases that do not match.
    """
    out = Path(out)
    settings = with_options(settings, AlignSettings, options)
    with ThreadPoolExecutor(2) as pool:  # each probe waits on an ffprobe process
        bw_info, color_info = pool.map(probe, (bw, color))
    for info in (bw_info, color_info):
        if info.frames < 2:
            raise VideoError(
                f"{info.path}: has {info.frames} frame(s); a film needs many more to align"
            )
    check_new_output(out, overwrite, "aligned dataset")
    side = max(128, 2 * settings.size)
    _check_space(out, (bw_info.frames + color_info.frames * 4) * side * side * 1.1)
    with atomic_dir(out, overwrite) as tmp:
        scratch = tmp / "scratch"
        scratch.mkdir()
        log.debug("decoding both releases")
        bw_film, color_film = _decode_both(bw_info, color_info, side, scratch, progress)
        alignment = find_alignment(bw_film, color_film)
        log.debug("writing the pairs")
        manifest, n_pairs = _write_dataset(tmp, bw_film, color_film, alignment, settings)
        del bw_film, color_film
        shutil.rmtree(scratch)
    return AlignResult(out, n_pairs, alignment, manifest)


def _check_space(out: Path, needed: float) -> None:
    """Refuse to start when the disk cannot hold the scratch frames: per frame, a SIDExSIDE grey
    frame of the B&W release, an RGB and a grey one of the colour release (80 KB at side 128)."""
    folder = out.parent if out.parent.exists() else Path.cwd()
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise VideoError(
            f"{out}: aligning needs about {needed / 1e9:.1f} GB of scratch space beside it, "
            f"{free / 1e9:.1f} GB are free; free some or choose another -o"
        )


class _Scratch:
    """One release's small frames going into its scratch file(s), scanned on the way for the
    picture area and (the B&W release) the shot cuts."""

    def __init__(self, info: VideoInfo, side: int, gray: bool, path: Path):
        self.info, self.side, self.gray, self.path = info, side, gray, path
        self.grey_path = path if gray else path.with_suffix(".grey.u8")
        self.area = PictureArea(side)
        self.cuts = CutDetector(info.fps, gray=True) if gray else None
        self.n = 0
        self._files = contextlib.ExitStack()
        self._out = self._files.enter_context(open(path, "wb"))
        self._grey_out = None if gray else self._files.enter_context(open(self.grey_path, "wb"))

    def add(self, batch: np.ndarray) -> None:
        self._out.write(batch.tobytes())
        g = batch if self.gray else rgb_to_grey(batch)
        if self._grey_out:
            self._grey_out.write(g.tobytes())
        self.area.update(g)
        if self.cuts:  # at half size: as reliable for cuts, four times cheaper
            half = self.side // 2
            blocks = g.reshape(len(g), half, 2, half, 2)
            self.cuts.update(blocks.mean(axis=(2, 4), dtype=np.float32).astype(np.uint8))
        self.n += len(batch)

    def film(self) -> Film:
        self._files.close()
        if self.n < 2:
            raise VideoError(
                f"{self.info.path}: only {self.n} frame(s) could be decoded; a film needs many "
                "more to align"
            )
        grey = FrameFile(self.grey_path, self.n, (self.side, self.side))
        frames = grey if self.gray else FrameFile(self.path, self.n, (self.side, self.side, 3))
        return Film(
            self.info, frames, grey, self.area.box(), self.cuts.finish() if self.cuts else []
        )

    def __enter__(self) -> _Scratch:
        return self

    def __exit__(self, *exc) -> None:
        self._files.close()


def _decode_both(
    bw: VideoInfo, color: VideoInfo, side: int, scratch: Path, progress: bool
) -> tuple[Film, Film]:
    """Decode both releases at once (two ffmpeg processes) into scratch files, scanning as they
    come."""
    bar = tqdm(
        total=bw.frames + color.frames,
        unit="frame",
        desc="decoding",
        disable=not progress,
        leave=False,
    )
    with (
        bar,
        _Scratch(bw, side, True, scratch / "bw.u8") as bw_s,
        _Scratch(color, side, False, scratch / "color.u8") as color_s,
    ):
        with Stream() as stream:
            for info, target, fmt in ((bw, bw_s, "gray"), (color, color_s, "rgb24")):
                reader = FrameReader(info, size=(side, side), pix_fmt=fmt, batch=64)
                stream.sink(
                    stream.source(reader),
                    lambda batch, t=target: (t.add(batch), bar.update(len(batch))),
                )
        return bw_s.film(), color_s.film()


def find_alignment(bw: Film, color: Film) -> Alignment:
    """Steps 2-5: slope, segments and the common crop, given each film's picture area and cuts."""
    fps = float(bw.info.fps)
    try:
        rng = np.random.default_rng(0)
        log.info("matching %d B&W frames against %d colour frames", bw.n, color.n)
        found = match(
            bw.grey, color.grey, inset(bw.active, 0.1), inset(color.active, 0.1), bw.cuts, fps, rng
        )
        slope, segments, state, score, candidates = found
        if not segments:
            raise NoMatch("no stretch of the films matches")
        log.info("registering the two pictures")
        matched = np.flatnonzero(state >= 0)
        pairs = Alignment(slope, segments, bw.active, color.active, state, score)
        crops = find_crops(
            bw.grey,
            color.grey,
            bw.active,
            color.active,
            matched,
            pairs.color_frame(matched),
            score[matched],
        )
        log.info("matching again on the common picture area")
        # The slope and the candidate offsets hold; only the similarities sharpen.
        slope, segments, state, score, _ = match(
            bw.grey, color.grey, *crops, bw.cuts, fps, rng, known=(slope, candidates)
        )
        if not segments or (state >= 0).sum() < max(24, 0.05 * min(bw.n, color.n)):
            raise NoMatch("too few frames match", int((state >= 0).sum()))
    except NoMatch as e:
        raise _no_match(bw, color, str(e), e.matched) from None
    return Alignment(slope, segments, *crops, state, score)


def _no_match(bw: Film, color: Film, why: str, matched: int = 0) -> AlignmentError:
    return AlignmentError(
        f"{bw.info.path} and {color.info.path}: no reliable match found ({why}); are they releases "
        "of the same film?",
        matched,
        bw.n,
    )


def _xywh(box: Box, info: VideoInfo) -> list[int]:
    x0, y0, x1, y1 = to_pixels(box, info.width, info.height)
    return [x0, y0, x1 - x0, y1 - y0]


@contextlib.contextmanager
def _npy_writer(path: Path, shape: tuple[int, ...]):
    """A uint8 .npy file of ``shape``, its data written in order by the caller."""
    with open(path, "wb") as f:
        header = {"descr": "|u1", "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_1_0(f, header)
        start = f.tell()
        yield f
        if f.tell() - start != int(np.prod(shape)):
            raise RuntimeError(f"{path}: wrote {f.tell() - start} bytes for shape {shape}")


def _write_dataset(
    out: Path, bw: Film, color: Film, al: Alignment, settings: AlignSettings
) -> tuple[dict, int]:
    """Step 6: the pairs, their table, the manifest and the two pictures, into ``out``."""
    size, fps, every = settings.size, settings.fps, settings.every
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
    # Written a chunk at a time through plain files, not memory maps: the pages of a mapped
    # output stay in the process's memory until it ends (4 KB a pair at size 64: 2 GB for a
    # feature film).
    with (
        _npy_writer(out / "bw.npy", (len(b), size, size)) as bw_arr,
        _npy_writer(out / "color.npy", (len(b), size, size, 3)) as color_arr,
    ):
        for sl in chunks(len(b), 256):
            bw_arr.write(crop_resize(bw.frames[b[sl]], al.bw_crop, size).tobytes())
            color_arr.write(crop_resize(color.frames[c[sl]], al.color_crop, size).tobytes())
    with open(out / "pairs.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["pair", "bw_frame", "color_frame", "bw_time", "color_time", "score", "shot", "segment"]
        )
        for i in range(len(b)):
            w.writerow(
                [
                    i,
                    b[i],
                    c[i],
                    f"{b[i] / bw_fps:.4f}",
                    f"{c[i] / color_fps:.4f}",
                    f"{sc[i]:.4f}",
                    shots[i],
                    seg[i],
                ]
            )
    manifest = {
        "filmcolor_version": __version__,
        "inputs": {"bw": bw.info.describe(), "color": color.info.describe()},
        "size": size,
        "fps": float(fps),
        "every": every,
        "settings": as_json(settings),
        "pairs": int(len(b)),
        "speed_ratio": color_fps
        / (al.slope * bw_fps),  # how much faster the colour release plays the picture
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
        "crop": {"bw": _xywh(al.bw_crop, bw.info), "color": _xywh(al.color_crop, color.info)},
        "picture_area": {"bw": _xywh(bw.active, bw.info), "color": _xywh(color.active, color.info)},
        "bw_cuts": bw.cuts,
        "coverage_bw": round(float((al.state >= 0).mean()), 4),
        "confidence": round(float(np.median(sc)), 4),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    _plot(out / "alignment.png", bw, color, al)
    pick = np.linspace(0, len(b) - 1, min(8, len(b))).astype(int)
    pair_strip(
        out / "samples.png",
        crop_resize(np.repeat(bw.frames[b[pick]][..., None], 3, axis=3), al.bw_crop, 128),
        crop_resize(color.frames[c[pick]], al.color_crop, 128),
        [f"B&W {x} / colour {y}" for x, y in zip(b[pick], c[pick])],
    )
    return manifest, len(b)


def _plot(path: Path, bw: Film, color: Film, al: Alignment) -> None:
    """The alignment picture: B&W time against colour time."""
    bw_fps, color_fps = float(bw.info.fps), float(color.info.fps)
    ends = [np.array([s.bw_start, s.bw_end - 1]) for s in al.segments]
    matched = np.flatnonzero(al.state >= 0)
    alignment_plot(
        path,
        names=(bw.info.path.name, color.info.path.name),
        durations=(bw.n / bw_fps, color.n / color_fps),
        cuts=np.asarray(bw.cuts) / bw_fps,
        segments=[
            (e / bw_fps, s.color_index(e, al.slope) / color_fps) for e, s in zip(ends, al.segments)
        ],
        matched=(matched / bw_fps, al.color_frame(matched) / color_fps),
        scores=al.score[matched],
        threshold=MATCH,
        speed=color_fps / (al.slope * bw_fps),
    )
