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
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ..alignment.analysis import PictureArea
from ..color import LIGHTNESS, chroma, rgb_to_grey
from ..errors import FilmcolorError, VideoError
from ..geometry import Box, to_pixels
from ..io.files import atomic_file, check_new_output
from ..io.stream import Stream
from ..io.video import FrameReader, VideoInfo, VideoWriter, probe
from ..model.checkpoint import load_model
from ..settings import RenderSettings, with_options
from .compose import TV_TO_FULL, chroma_of_ab, fit_gamut, to_i420, upsample
from .image import COLOUR_WARNING, render_image
from .pictures import release_plot
from .predictor import ColourFn, Predictor
from .release import Release, load_release
from .smoothing import ColourSmoother

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
    if reference is not None:
        release = load_release(probe(src), reference, aligned, loaded.net, loaded.size, progress)
    return render_film(
        src, out, predictor, settings, release=release, overwrite=overwrite, progress=progress
    )


def render_film(
    src: str | Path,
    out: str | Path,
    colour: ColourFn,
    settings: RenderSettings | None = None,
    *,
    release: Release | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> RenderResult:
    """Colorize the film ``src`` into ``out`` with any ``colour`` function (the model's is a
    ``Predictor``) and, where it has the frame, the colour ``release``: probe, find the picture
    area, stream, encode, all or nothing. With a release, ``OUT_report.png`` shows which frames
    took whose colour."""
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
    box, colourfulness = _scan(info, start, duration)
    if colourfulness > COLOUR_WARNING:
        log.warning(
            "%s looks like a colour film; its luminance is used as the black-and-white picture", src
        )
    expected = info.frames
    if start is not None or duration is not None:
        expected = int(
            round(min(duration or info.duration, info.duration - (start or 0.0)) * float(info.fps))
        )
    t0 = time.perf_counter()
    width = info.width * (2 if settings.side_by_side else 1)
    with atomic_file(out, overwrite) as tmp:
        with VideoWriter(
            tmp,
            width,
            info.height,
            info.fps,
            audio_from=info if info.audio else None,
            audio_start=start,
            audio_duration=duration,
            codec=settings.codec,
            crf=settings.crf,
            preset=settings.preset,
            source_pix_fmt="yuv420p",
            sar=info.sar,
        ) as writer:
            with tqdm(
                total=expected, unit="frame", desc="rendering", disable=not progress, smoothing=0.1
            ) as bar:
                frames = _stream(info, writer, colour, settings, box, bar.update, release)
    summary = None
    if release is not None:
        summary = release.report()
        with atomic_file(out.with_name(f"{out.stem}_report.png"), overwrite=True) as tmp:
            release_plot(
                tmp, release.weight, release.shot, summary["shots"], float(info.fps), src.name
            )
    return RenderResult(out, frames, time.perf_counter() - t0, summary)


def _stream(
    info: VideoInfo,
    writer: VideoWriter,
    colour: ColourFn,
    settings: RenderSettings,
    box: Box,
    done: Callable[[int], object],
    release: Release | None = None,
) -> int:
    """Decode ``info``'s film (or the excerpt ``settings`` name), colour the picture inside ``box``
    with ``colour`` a batch at a time, smooth, compose and write each frame to ``writer`` (I420), in
    order; call ``done(n)`` as frames are written. Returns the number of frames written."""
    # even corners: the chroma planes are half size
    x0, y0, x1, y1 = to_pixels(box, info.width, info.height, multiple=2)
    half_size = ((x1 - x0) // 2, (y1 - y0) // 2)
    smoother = ColourSmoother(info.fps, settings.smooth)

    def luma() -> Iterator[np.ndarray]:  # the Y planes of the film, a batch at a time
        with FrameReader(
            info,
            pix_fmt="yuv420p",
            start=settings.start,
            duration=settings.duration,
            batch=settings.batch_size,
        ) as reader:
            for batch in reader:
                yield batch[:, : info.height]

    first = int(np.ceil((settings.start or 0) * float(info.fps) - 1e-6))

    def predict(
        batches: Iterator[np.ndarray], releases: Iterator[list] | None = None
    ) -> Iterator[tuple]:
        releases = releases or iter(())
        k = first  # the frame number of the batch's first frame in the film
        for batch in batches:
            # The picture at the I420 chroma planes' size: what the model sees (resized further) and
            # what guides the chroma back up.
            pictures = np.stack(
                [
                    cv2.resize(f[y0:y1, x0:x1], half_size, interpolation=cv2.INTER_AREA)
                    for f in batch
                ]
            )
            halves = TV_TO_FULL[pictures]
            rgb = next(releases, None) or [None] * len(batch)
            yield (batch, halves, *colour(halves), range(k, k + len(batch)), rgb)
            k += len(batch)
        for _ in releases:  # read to its end
            pass

    def frame(c: np.ndarray, y: np.ndarray, half: np.ndarray, k: int, rgb) -> np.ndarray:
        ab = upsample(c, half_size)
        if release is not None:
            ab = release.colour(k, half, ab, rgb, (x0 // 2, y0 // 2))
        cr, cb = chroma_of_ab(LIGHTNESS[half], ab)
        # Chroma kept within what the darkest and brightest pixel of each 2x2 block can carry.
        picture = y[y0:y1, x0:x1]
        low, high = (
            TV_TO_FULL[op(picture, _BLOCK, anchor=(0, 0))[::2, ::2]].astype(np.float32)
            for op in (cv2.erode, cv2.dilate)
        )
        i420 = to_i420(y, *fit_gamut(low, high, cr, cb), (x0, y0, x1, y1))
        return _side_by_side(y, i420) if settings.side_by_side else i420

    def compose_frames(predicted: Iterator[tuple]) -> Iterator[np.ndarray]:
        for batch, halves, ab, small, ks, rgb in predicted:
            smoother.push(small, ab, list(zip(batch, halves, ks, rgb)))
            if ready := smoother.pop_ready():
                yield np.stack([frame(c, *payload) for c, payload in ready])
        if ready := smoother.pop_ready(final=True):
            yield np.stack([frame(c, *payload) for c, payload in ready])

    written = 0
    with Stream() as stream:
        sources = [stream.source(luma())]
        if release is not None:  # the colour release, decoded alongside
            count = int(info.frames) - first + settings.batch_size
            sources.append(stream.source(release.frames(first, count, settings.batch_size)))
        predicted = stream.step(tuple(sources), predict)
        for frames in stream.results(stream.step(predicted, compose_frames)):
            writer.write(frames)
            written += len(frames)
            done(len(frames))
    return written


def _side_by_side(y: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """I420 of the B&W frame (neutral chroma) left of the colorized one."""
    h, w = y.shape
    n = h * w // 4
    planes = [
        frame[: h * w].reshape(h, w),
        frame[h * w : h * w + n].reshape(h // 2, w // 2),
        frame[h * w + n :].reshape(h // 2, w // 2),
    ]
    grey = [y, np.full_like(planes[1], 128), np.full_like(planes[2], 128)]
    return np.concatenate([np.hstack([g, p]).ravel() for g, p in zip(grey, planes)])
