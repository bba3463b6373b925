"""One piece of a film through the render: decode, predict, smooth and compose, encode.

Four stages, each in its own thread (``io.stream``): the film's luma decoded by ffmpeg at the
source's depth (and the colour release's frames beside it), colour predicted a batch at a time,
smoothed over time and composed with the film's own luma, written in the output's planes
(``planes``), encoded (or written as image files). ``render_piece`` renders one ``segments.Piece``
into the work folder; it is what a process of ``--jobs`` or a Ray task runs, so everything it
needs travels in its ``PieceJob``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from ..errors import VideoError
from ..geometry import Box, to_pixels
from ..io.memory import map_frame_buffers
from ..io.outputs import FilmOutput, open_writer
from ..io.stream import Stream
from ..io.video import FrameReader, VideoInfo
from ..settings import RenderSettings
from .compose import chroma_of_ab, upsample
from .pieces import Piece, Work, remove
from .planes import Canvas
from .predictor import ColourFn
from .release.source import Release
from .review.decisions import Decisions
from .review.facts import FrameFacts, Review
from .smoothing import ColourSmoother
from .stills.source import Stills


@dataclass
class PieceJob:
    """Everything one piece's render needs: the film, the colour (a ``ColourFn``: the model's
    ``Predictor``, or any other), the colour release, the settings, the picture box, the piece, the
    work folder, how the output is written, whether it is the last piece of a whole film (read to
    the film's end), the shots file's decisions and the film's frame the render starts at (frame 0
    of the review)."""

    info: VideoInfo
    colour: ColourFn
    release: Release | None
    settings: RenderSettings
    box: Box
    piece: Piece
    work: Work
    output: FilmOutput
    to_the_end: bool = False
    decisions: Decisions | None = None
    start: int = 0
    shot: np.ndarray | None = None  # the shot of each of the film's frames
    stills: Stills | None = None  # stills, whose colour rules their shots


def render_piece(job: PieceJob, done: Callable[[int], object] = lambda n: None) -> dict:
    """Render ``job``'s piece into its work folder and keep it; its record (frames written, with a
    colour release what each shot's registration found, and the piece's review)."""
    map_frame_buffers()
    info, s = job.info, job.settings
    partial = job.work.partial(job.piece)
    width = info.width * (2 if s.side_by_side else 1)
    with open_writer(
        job.output, partial, width, info.height, info.fps, job.piece.first, info.sar
    ) as writer:
        review = Review(
            info.fps, job.release is not None, job.work.thumbs, f"piece-{job.piece.index:05d}"
        )
        written = _stream(job, writer, done, review)
    if written != job.piece.frames and not (job.to_the_end and written):
        remove(partial)
        raise VideoError(
            f"{info.path}: frames {job.piece.first}-{job.piece.stop - 1} gave {written} frames "
            f"of {job.piece.frames} (truncated or corrupt, or its timestamps do not count frames)"
        )
    shots = {}
    if job.release is not None:
        shots = {s: v for s, v in job.release.report()["shots"].items() if v["shift_px"]}
    record = {"first": job.piece.first, "frames": written, "shots": shots}
    record["review"] = review.to_json()
    job.work.finish(job.piece, record)
    return record


def _stream(job: PieceJob, writer, done: Callable[[int], object], review: Review) -> int:
    """Decode the piece, colour the picture inside the box with the job's colour a batch at a time,
    smooth, compose (as the job's plan decides) and write each frame to ``writer`` in the output's
    layout, in order; call ``done(n)`` as frames are written and give ``review`` each frame's
    facts. Returns the number of frames written."""
    info, settings, release, colour = job.info, job.settings, job.release, job.colour
    stills = job.stills
    decisions = job.decisions or Decisions()
    first, count = job.piece.first, job.piece.frames
    # even corners: the chroma planes are half size
    corners = to_pixels(job.box, info.width, info.height, multiple=2)
    x0, y0 = corners[:2]
    canvas = Canvas(info, job.output.fmt, job.output.colour, corners, settings.side_by_side)
    smoother = ColourSmoother(settings.smooth)

    def shot_of(k: int) -> int:  # frames past the stated end (a container's count can be off)
        return int(job.shot[min(k, len(job.shot) - 1)])

    def luma() -> Iterator[np.ndarray]:  # the luma planes of the piece, a batch at a time
        with FrameReader(
            info,
            pix_fmt=canvas.pix_fmt,
            start=(first - 0.5) / float(info.fps) if first else None,  # frame `first` the next
            frames=None if job.to_the_end else count,
            batch=settings.batch_size,
        ) as reader:
            for batch in reader:
                yield canvas.luma(batch)

    # the sources decoded beside the film: the release's frames, the stills' carried colour
    beside = [name for name, s in (("release", release), ("stills", stills)) if s is not None]

    def predict(batches: Iterator[np.ndarray], *others: Iterator[list]) -> Iterator[tuple]:
        got = dict(zip(beside, others))
        releases, carried = got.get("release", iter(())), got.get("stills", iter(()))
        k = first  # the frame number of the batch's first frame in the film
        for batch in batches:
            # The picture at the chroma planes' size: what the model sees (resized further) and
            # what guides the chroma back up, and at full precision, its lightness.
            halves, fine = canvas.pictures(batch)
            rgb = next(releases, None) or [None] * len(batch)
            rgb = list(zip(rgb, next(carried, None) or [None] * len(batch)))
            ab, small, *gates = colour(halves)  # and, from the model, its familiarity gate's
            gate = gates[0] if gates else [None] * len(batch)
            yield (batch, halves, fine, ab, small, range(k, k + len(batch)), rgb, gate)
            k += len(batch)
        for other in others:  # read to its end
            for _ in other:
                pass

    corner = (x0 // 2, y0 // 2)

    def frame(
        c: np.ndarray, y: np.ndarray, half: np.ndarray, fine, k: int, beside, gate
    ) -> np.ndarray:
        i = k - job.start  # the rendered film's frame
        shot = shot_of(k)
        model = upsample(c, canvas.half_size)
        rgb, carried = beside
        use = None if release is None else lambda a: release.colour(k, half, a, rgb, corner)
        if carried is not None:  # a still rules its shot; the release fills in where it is lost
            fill = use if rgb is not None else None
            use = lambda a: stills.colour(k, a, carried, fill and fill(a))  # noqa: E731
        ab, used, strength = decisions.colour(i, model, use)
        has = rgb is not None
        review.add(
            FrameFacts(
                i,
                shot,
                half,
                model,
                ab,
                float(release.weight[k]) if used and carried is None else 0.0,
                has,
                gate,
                strength,
                lambda: release.place(k, rgb, half.shape, corner) if has else None,
                *(() if carried is None else stills.facts(k, carried, used)),
            )
        )
        lightness = canvas.lightness(fine)
        return canvas.frame(y, fine, *chroma_of_ab(lightness, ab, canvas.weights, canvas.scratch))

    def compose_frames(predicted: Iterator[tuple]) -> Iterator[np.ndarray]:
        for batch, halves, fine, ab, small, ks, rgb, gate in predicted:
            smoother.push(
                small, ab, list(map(shot_of, ks)), list(zip(batch, halves, fine, ks, rgb, gate))
            )
            if ready := smoother.pop_ready():
                yield np.stack([frame(c, *payload) for c, payload in ready])
        if ready := smoother.pop_ready(final=True):
            yield np.stack([frame(c, *payload) for c, payload in ready])

    written = 0
    with Stream() as stream:
        sources = [stream.source(luma())]
        if release is not None:  # the colour release, decoded alongside
            wanted = max(count, len(release.frame_of) - first) if job.to_the_end else count
            sources.append(stream.source(release.frames(first, wanted, settings.batch_size)))
        if stills is not None:  # the stills' colour, carried through their shots
            wanted = count if not job.to_the_end else max(count, len(job.shot) - first)
            carried = stills.carried(
                first, wanted, settings.batch_size, corners, canvas.half_size, job.shot
            )
            sources.append(stream.source(carried))
        predicted = stream.step(tuple(sources), predict)
        for frames in stream.results(stream.step(predicted, compose_frames)):
            writer.write(frames)
            written += len(frames)
            done(len(frames))
    return written
