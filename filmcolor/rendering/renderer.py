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
   colour takes the place of the model's wherever it has the frame (``release``), unless a shots
   file says otherwise for the shot (``shots``, ``decisions``).

The luma is decoded and kept at the source's depth, the colour composed in float on it, and the
frame written in the output's own planes (``planes``). Each frame's facts go to the review
(``review``), written beside the output as ``OUT_review.html``, ``OUT_review.json`` and
``OUT_shots.toml`` (``page``). The output is a video file or an image sequence, chosen by its name
(``io.formats``), with the film's audio or another file's, and the source's timecode
(``io.outputs``). It is written in pieces (``pieces``) joined at the end, under a temporary name
renamed when complete: an error or Ctrl-C leaves no partial output behind (only the finished
pieces, to resume from).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..alignment.analysis import PictureArea, shot_ids
from ..colour import chroma, rgb_to_grey
from ..errors import FilmcolorError, VideoError
from ..geometry import Box
from ..io.files import atomic_file, check_new_output
from ..io.formats import is_sequence_output, output_path
from ..io.outputs import atomic_output, film_output, finish_sequence
from ..io.sequence import is_sequence
from ..io.video import FrameReader, VideoInfo, probe
from ..model.checkpoint import load_model
from ..settings import RenderSettings, as_json, with_options
from .image import COLOUR_WARNING, render_image
from .jobs import Runner, run_pieces
from .pieces import Piece, Work, cut_pieces, film_cuts, join
from .pipeline import PieceJob
from .predictor import ColourFn, Predictor
from .release.source import Release, load_release
from .review.decisions import Decisions
from .review.facts import Review
from .review.page import write_review
from .review.report_plot import release_plot
from .review.shots import read_shots

log = logging.getLogger("filmcolor")

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


@dataclass
class RenderResult:
    """What ``render`` wrote: the file, its frame count and the seconds it took; with a colour
    release, what took its colour (``Release.report``); the review page of a film."""

    out: Path
    frames: int
    seconds: float
    release: dict | None = None
    review: Path | None = None

    def summary(self) -> list[str]:
        """What the command line says when a render is done, a line each."""
        rate = self.frames / self.seconds if self.seconds else 0
        lines = [
            f"wrote {self.out} ({self.frames} frame(s) in {self.seconds:.1f} s, {rate:.1f} fps)"
        ]
        if r := self.release:
            lines.append(
                f"colour from the release on {r['release_frames']} frames, from the model on "
                f"{r['model_frames']} (the release's share of the film's colour: "
                f"{r['covered']:.0%}); see {self.out.with_name(self.out.stem + '_report.png')}"
            )
            offsets = [v["chroma_px"] for v in r["shots"].values() if v.get("shift_px")]
            if offsets:
                x, y = (sorted(o[i] for o in offsets) for i in (0, 1))
                lines.append(
                    f"the release's chroma lay {x[len(x) // 2]:+.2f}, {y[len(y) // 2]:+.2f} px "
                    f"(x, y; median of {len(x)} shots, x from {x[0]:+.2f} to {x[-1]:+.2f}) off "
                    "its luma; corrected"
                )
        if self.review:
            lines.append(
                f"review it shot by shot: {self.review} (decide in OUT_shots.toml, then --shots)"
            )
        return lines


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
    runner: Runner | None = None,
    shots: str | Path | None = None,
    audio: str | Path | None = None,
    overwrite: bool = False,
    progress: bool = False,
    **options,
) -> RenderResult:
    """Colorize ``src`` (a film: a video file or a folder of frames; or a photograph by its
    suffix) into ``out`` (a video file or an image sequence) with a trained ``model`` (a run
    folder or checkpoint; the latest run by default). ``settings`` (or single ``options`` such as
    ``smooth=0``) say how; see ``RenderSettings``.

    With a colour release of the film as ``reference``, every frame it has takes its colour from
    it, and the model colours the rest (``reference``); ``aligned`` is the folder ``filmcolor
    align`` wrote for these two files, or None to align them now. ``shots`` is a file of
    decisions per shot (``shots``). ``audio`` is the sound to put with the film (a WAV, ... or
    another video's audio) in place of its own. ``runner``: see ``render_film``."""
    settings = with_options(settings, RenderSettings, options)
    src, out = Path(src), Path(out)
    image = src.suffix.lower() in IMAGE_SUFFIXES and not is_sequence(src)
    if image != (out.suffix.lower() in IMAGE_SUFFIXES and not is_sequence_output(out)):
        raise FilmcolorError(
            f"{out}: an {'image' if image else 'film'} must be written as "
            + (
                "an image (.png, .jpg, ...)"
                if image
                else "a video (.mp4, .mov, .mxf, .mkv, ...) or an image sequence (a folder, or "
                "a pattern such as DIR/%06d.tif)"
            )
        )
    _check_new(output_path(out), overwrite)
    decisions = Decisions(read_shots(shots)) if shots is not None else None
    loaded = load_model(model, settings.strength)
    predictor = Predictor(loaded, settings.device)
    if image:
        if reference is not None or shots is not None:
            raise FilmcolorError(f"{src}: --reference and --shots are for a film, not a photograph")
        seconds = render_image(src, out, predictor, settings.side_by_side, overwrite)
        return RenderResult(out, 1, seconds)
    release = None
    made_from = {"model": _identity(loaded.path)}
    if reference is not None:
        film = probe(src, settings.input_fps)
        release = load_release(film, reference, aligned, loaded.net, loaded.size, progress)
        made_from["reference"] = _identity(Path(reference))
    return render_film(
        src,
        out,
        predictor,
        settings,
        release=release,
        decisions=decisions,
        audio=audio,
        made_from=made_from,
        runner=runner,
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
    decisions: Decisions | None = None,
    audio: str | Path | None = None,
    made_from: dict | None = None,
    runner: Runner | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> RenderResult:
    """Colorize the film ``src`` into ``out`` with any ``colour`` function (the model's is a
    ``Predictor``) and, where it has the frame, the colour ``release``, as the shots file's
    ``plan`` decides: probe, find the picture area, render in pieces (``segments``), join, all or
    nothing; then the review. With a release,
    ``OUT_report.png`` shows which frames took whose colour; ``audio``: see ``render``.
    ``made_from`` names the colour's
    source (the model file), so that a later run resumes only a render of the same thing.
    ``runner`` renders the pieces left (``jobs.run_pieces`` by default: ``settings.jobs`` at a
    time, here; ``pipelines/recipes/ray_render.py`` passes one that runs them on a Ray cluster)."""
    settings = settings or RenderSettings()
    decisions = decisions or Decisions()
    src, out = Path(src), Path(out)
    info = probe(src, settings.input_fps)
    start, duration = settings.start, settings.duration
    if start is not None and start >= info.duration:
        raise FilmcolorError(f"{src}: --start {start} is past its end ({info.duration:.1f} s)")
    if info.width % 2 or info.height % 2:
        raise VideoError(
            f"{src}: its frame size {info.width}x{info.height} is odd, which video in yuv420p "
            f"cannot store; crop it first (ffmpeg -i {src.name} -vf "
            "crop=iw-mod(iw\\,2):ih-mod(ih\\,2) ...)"
        )
    _check_new(output_path(out), overwrite)
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
    output = film_output(
        info,
        out,
        first=first,
        count=stop - first,
        codec=settings.codec,
        pix_fmt=settings.pix_fmt,
        crf=settings.crf,
        preset=settings.preset,
        audio=audio,
        timecode=settings.timecode,
        start=start,
        duration=duration,
        width=info.width * (2 if settings.side_by_side else 1),
    )
    out = output.fmt.path  # the file, or a sequence's folder
    work = Work(out)
    if release is not None:  # the alignment's cuts, and shots
        shot = release.shot
        cuts = (np.flatnonzero(np.diff(shot)) + 1).tolist()
    else:
        film = {**_identity(src), "frames": [first, stop]}
        cuts = work.cuts(film, lambda: film_cuts(info, first, stop, progress))
        shot = shot_ids(stop, cuts)
    spans = _spans(shot[first:stop])
    decisions.resolve(stop - first, spans, _has(release, first, stop, spans))
    by_hand = decisions.place(release, first) if release is not None else set()
    pieces = cut_pieces(first, stop, max(1, round(settings.segment * fps)), cuts)
    work.claim(
        {
            "film": _identity(src),
            "colour": made_from
            or {"function": getattr(colour, "__qualname__", type(colour).__name__)},
            "settings": {k: v for k, v in as_json(settings).items() if k != "jobs"},
            "shots": decisions.identity(),
            "box": list(box),
            "pieces": [[p.first, p.stop] for p in pieces],
        },
    )
    t0 = time.perf_counter()
    records = {p.index: work.finished(p) for p in pieces}
    todo = [
        PieceJob(
            info,
            colour,
            release,
            settings,
            box,
            p,
            work,
            output,
            to_the_end=_to_the_end(p, info, settings),
            decisions=decisions,
            start=first,
            shot=shot,
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
            for job, record in zip(todo, (runner or run_pieces)(todo, settings.jobs, bar.update)):
                records[job.piece.index] = record
    except BaseException:
        work.keep_if_any(pieces)  # finished pieces are kept for the next run to resume from
        raise
    frames = sum(r["frames"] for r in records.values())
    if not (start or duration) and frames < 0.98 * info.frames:
        raise VideoError(f"{src}: truncated or corrupt: decoded {frames} of {info.frames} frames")
    if output.fmt.sequence:
        with atomic_output(output.fmt, overwrite) as folder:
            finish_sequence(output, [work.video(p) for p in pieces], folder, info.fps)
    else:
        final = work.path / f"joined{out.suffix}"
        join([work.video(p) for p in pieces], final, sound=output.sound, timecode=output.timecode)
        os.replace(final, out)
    parts = [records[p.index]["review"] for p in pieces]
    summary = None
    if release is not None:
        summary = release.report()
        for r in records.values():
            summary["shots"].update({int(k): v for k, v in r["shots"].items()})
        summary["shots"] = dict(sorted(summary["shots"].items()))
        with atomic_file(out.with_name(f"{out.stem}_report.png"), overwrite=True) as tmp:
            note = f"colour release: {release.fields}; decoded with {release.decoding.describe()}"
            if release.overlay is not None:
                note += "; overlay (logo) left out, filled from around it"
            release_plot(tmp, release.weight, release.shot, summary["shots"], fps, src.name, note)
    review = Review.merged(info.fps, release is not None, parts, work.thumbs)
    page = write_review(out, review, decisions, src, first, summary, by_hand)
    work.remove()
    return RenderResult(out, frames, time.perf_counter() - t0, summary, page)


def _to_the_end(piece: Piece, info: VideoInfo, settings: RenderSettings) -> bool:
    """Whether a piece is read to the film's end: the last piece of a render that has no end of
    its own (the frame count a container states can be off)."""
    return piece.stop == info.frames and settings.duration is None


def _spans(shot: np.ndarray) -> dict[int, tuple[int, int]]:
    """The first and last frame (of the rendered film) of each shot."""
    ends = np.flatnonzero(np.diff(shot)) + 1
    firsts, lasts = np.r_[0, ends], np.r_[ends - 1, len(shot) - 1]
    return {int(shot[a]): (int(a), int(b)) for a, b in zip(firsts, lasts)}


def _has(
    release: Release | None, first: int, stop: int, spans: dict[int, tuple[int, int]]
) -> dict[int, bool] | None:
    """Whether the colour release has any frame of each shot of ``spans`` (None without one)."""
    if release is None:
        return None
    present = release.frame_of[first:stop] >= 0
    return {s: bool(present[a : b + 1].any()) for s, (a, b) in spans.items()}


def _check_new(target: Path, overwrite: bool) -> None:
    """Refuse an output that exists, unless asked; an empty folder is a sequence's to fill."""
    if not (target.is_dir() and not any(target.iterdir())):
        check_new_output(target, overwrite, "output")


def _identity(path: Path) -> dict:
    stat = path.stat()
    return {"path": str(path.resolve()), "bytes": stat.st_size, "modified": stat.st_mtime_ns}
