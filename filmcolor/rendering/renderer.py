"""Colorize a black-and-white film (or a photograph) with a trained model, at the film's own
resolution.

The film streams through four stages, each in its own thread (``io.stream``): decoding its luma
with ffmpeg, predicting colour in batches, smoothing and composing, encoding. For each frame:

1. The picture inside any bars (found once from the film's keyframes) is brought to half the film's
   size (the chroma planes') and the model predicts its CIE a*b* at the model's size
   (``predictor``).
2. The colour is smoothed over time, following motion (optical flow), with a window that never
   reaches across a shot cut (``smoothing``): less flicker.
3. The smoothed colour is upsampled bilinearly to the chroma planes, put on the film's own lightness
   and written as chroma beside the film's own luma plane, untouched, so every detail of the
   original picture is kept; bars stay black (``compose``). With the colour release, its own
   colour takes the place of the model's wherever it has the frame (``release``).

The film's audio streams are copied into the output. The output is written under a temporary name
and renamed when complete: an error or Ctrl-C leaves nothing behind.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..alignment.analysis import PictureArea
from ..color import chroma, rgb_to_grey
from ..errors import FilmcolorError, VideoError
from ..geometry import Box
from ..io.files import atomic_file, check_new_output
from ..io.video import FrameReader, VideoInfo, probe
from ..model.checkpoint import load_model
from ..settings import RenderSettings, as_json, with_options
from . import segments
from .image import COLOUR_WARNING, render_image
from .jobs import run_pieces
from .pictures import release_plot
from .pipeline import PieceJob
from .predictor import ColourFn, Predictor
from .release import Release, load_release

log = logging.getLogger("filmcolor")

_BLOCK = np.ones((2, 2), np.uint8)  # a chroma sample's 2x2 pixels in I420
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


@dataclass
class RenderResult:
    """What ``render`` wrote: the file, its frame count and the seconds it took; with a colour
    release, what took its colour (``Release.report``)."""

    out: Path
    frames: int
    seconds: float
    release: dict | None = None


def _scan(
    info: VideoInfo, start: float | None, duration: float | None, most: int = 320
) -> tuple[Box, float]:
    """Picture area and mean colourfulness of the film (or excerpt), from its first ``most``
    keyframes.

    Decoding keyframes alone is quick, and encoders put them at shot changes, so they sample the
    film."""
    area, colour, n = PictureArea(128), 0.0, 0
    with FrameReader(
        info, size=(128, 128), keyframes=True, start=start, duration=duration, batch=16
    ) as reader:
        for batch in reader:
            area.update(rgb_to_grey(batch))
            colour += float(np.abs(chroma(batch)).mean()) * len(batch)
            n += len(batch)
            if n >= most:
                break
    return area.box(), colour / max(n, 1)


def render(
    src: str | Path,
    out: str | Path,
    settings: RenderSettings | None = None,
    *,
    model: str | Path | None = None,
    reference: str | Path | None = None,
    aligned: str | Path | None = None,
    overwrite: bool = False,
    progress: bool = False,
    **options,
) -> RenderResult:
    """Colorize ``src`` (a film, or a photograph by its suffix) into ``out`` with a trained
    ``model`` (a run folder or checkpoint; the latest run by default). ``settings`` (or single
    ``options`` such as ``smooth=0``) say how; see ``RenderSettings``.

    With a colour release of the film as ``reference``, every frame it has takes its colour from
    it, and the model colours the rest (``reference``); ``aligned`` is the folder ``filmcolor
    align`` wrote for these two files, or None to align them now."""
    settings = with_options(settings, RenderSettings, options)
    src, out = Path(src), Path(out)
    image = src.suffix.lower() in IMAGE_SUFFIXES
    if image != (out.suffix.lower() in IMAGE_SUFFIXES):
        raise FilmcolorError(
            f"{out}: an {'image' if image else 'film'} must be written as "
            f"{'an image (.png, .jpg, ...)' if image else 'a video (.mp4, .mkv, ...)'}"
        )
    check_new_output(out, overwrite, "output")
    loaded = load_model(model, settings.strength)
    predictor = Predictor(loaded, settings.device)
    if image:
        if reference is not None:
            raise FilmcolorError(f"{src}: --reference colours a film, not a photograph")
        seconds = render_image(src, out, predictor, settings.side_by_side, overwrite)
        return RenderResult(out, 1, seconds)
    release = None
    made_from = {"model": _identity(loaded.path)}
    if reference is not None:
        release = load_release(probe(src), reference, aligned, loaded.net, loaded.size, progress)
        made_from["reference"] = _identity(Path(reference))
    return render_film(
        src,
        out,
        predictor,
        settings,
        release=release,
        made_from=made_from,
        overwrite=overwrite,
        progress=progress,
    )


def render_film(
    src: str | Path,
    out: str | Path,
    colour: ColourFn,
    settings: RenderSettings | None = None,
    *,
    release: Release | None = None,
    made_from: dict | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> RenderResult:
    """Colorize the film ``src`` into ``out`` with any ``colour`` function (the model's is a
    ``Predictor``) and, where it has the frame, the colour ``release``: probe, find the picture
    area, render in pieces (``segments``), join, all or nothing. With a release,
    ``OUT_report.png`` shows which frames took whose colour. ``made_from`` names the colour's
    source (the model file), so that a later run resumes only a render of the same thing."""
    settings = settings or RenderSettings()
    src, out = Path(src), Path(out)
    info = probe(src)
    start, duration = settings.start, settings.duration
    if start is not None and start >= info.duration:
        raise FilmcolorError(f"{src}: --start {start} is past its end ({info.duration:.1f} s)")
    if info.width % 2 or info.height % 2:
        raise VideoError(
            f"{src}: its frame size {info.width}x{info.height} is odd, which video in yuv420p "
            f"cannot store; crop it first (ffmpeg -i {src.name} -vf "
            "crop=iw-mod(iw\\,2):ih-mod(ih\\,2) ...)"
        )
    check_new_output(out, overwrite, "output")
    box, colourfulness = _scan(info, start, duration)
    if colourfulness > COLOUR_WARNING:
        log.warning(
            "%s looks like a colour film; its luminance is used as the black-and-white picture", src
        )
    fps = float(info.fps)
    first = int(np.ceil((start or 0) * fps - 1e-6))
    stop = info.frames
    if start is not None or duration is not None:
        stop = first + int(
            round(min(duration or info.duration, info.duration - (start or 0)) * fps)
        )
    cuts = None if release is None else (np.flatnonzero(np.diff(release.shot)) + 1).tolist()
    pieces = segments.plan(info, first, stop, max(1, round(settings.segment * fps)), cuts)
    work = segments.Work(
        out,
        {
            "film": _identity(src),
            "colour": made_from
            or {"function": getattr(colour, "__qualname__", type(colour).__name__)},
            "settings": {k: v for k, v in as_json(settings).items() if k != "jobs"},
            "box": list(box),
            "pieces": [[p.first, p.stop] for p in pieces],
        },
    )
    t0 = time.perf_counter()
    records = {p.index: work.finished(p) for p in pieces}
    todo = [
        PieceJob(
            info, colour, release, settings, box, p, work, to_the_end=_to_the_end(p, info, settings)
        )
        for p in pieces
        if records[p.index] is None
    ]
    resumed = sum(r["frames"] for r in records.values() if r)
    if resumed:
        log.info("resuming: %d of %d pieces already rendered", len(pieces) - len(todo), len(pieces))
    bar = tqdm(
        total=stop - first, initial=resumed, unit="frame", desc="rendering", disable=not progress
    )
    try:
        with bar:
            for job, record in zip(todo, run_pieces(todo, settings.jobs, bar.update)):
                records[job.piece.index] = record
    except BaseException:
        work.keep_if_any(pieces)  # finished pieces are kept for the next run to resume from
        raise
    frames = sum(r["frames"] for r in records.values())
    if not (start or duration) and frames < 0.98 * info.frames:
        raise VideoError(f"{src}: truncated or corrupt: decoded {frames} of {info.frames} frames")
    final = work.path / f"joined{out.suffix}"
    segments.join(
        [work.video(p) for p in pieces],
        final,
        audio_from=info if info.audio else None,
        audio_start=start,
        audio_duration=duration,
    )
    os.replace(final, out)
    work.remove()
    summary = None
    if release is not None:
        summary = release.report()
        for r in records.values():
            summary["shots"].update({int(k): v for k, v in r["shots"].items()})
        summary["shots"] = dict(sorted(summary["shots"].items()))
        with atomic_file(out.with_name(f"{out.stem}_report.png"), overwrite=True) as tmp:
            note = (
                f"colour release: {release.fields}; decoded with {release.decoding.filters or '-'}"
            )
            if release.overlay is not None:
                note += "; overlay (logo) left out, filled from around it"
            release_plot(tmp, release.weight, release.shot, summary["shots"], fps, src.name, note)
    return RenderResult(out, frames, time.perf_counter() - t0, summary)


def _to_the_end(piece: segments.Piece, info: VideoInfo, settings: RenderSettings) -> bool:
    """Whether a piece is read to the film's end: the last piece of a render that has no end of
    its own (the frame count a container states can be off)."""
    return piece.stop == info.frames and settings.duration is None


def _identity(path: Path) -> dict:
    stat = path.stat()
    return {"path": str(path.resolve()), "bytes": stat.st_size, "modified": stat.st_mtime_ns}
