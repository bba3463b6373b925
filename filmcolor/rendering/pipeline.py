"""One piece of a film through the render: decode, predict, smooth and compose, encode.

Four stages, each in its own thread (``io.stream``): the film's luma decoded by ffmpeg at the
source's depth (and the colour release's frames beside it), colour predicted a batch at a time,
smoothed over time and composed with the film's own luma, written in the output's planes
(``planes``), encoded (or written as image files). ``render_piece`` renders a run of a
``pieces.Piece``'s segments into the work folder, each shot by an encoder of its own and with a
review of its own; it is what a process of ``--jobs`` or a Ray task runs, so everything it needs
travels in its ``PieceJob``. Batches of frames are cut at the segments' starts, so a segment's
frames are predicted in the same batches whether it is rendered alone or with its piece: a shot
rendered again comes out as it did in the whole render.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace

import numpy as np

from ..errors import VideoError
from ..geometry import Box, to_pixels
from ..io.memory import map_frame_buffers
from ..io.outputs import FilmOutput, open_writer
from ..io.stream import Stream
from ..io.video import FrameReader, VideoInfo
from ..settings import RenderSettings
from .compose import chroma_of_ab, upsample
from .pieces import Piece, Segment, Work, remove
from .planes import Canvas
from .predictor import ColourFn
from .release.source import Release
from .review.decisions import Decisions
from .review.facts import FrameFacts, Review
from .smoothing import ColourSmoother
from .stills.source import Stills

BEHIND = 2  # segments whose encoders may still be finishing while the next one is written


@dataclass
class PieceJob:
    """Everything rendering a run of one piece's segments needs: the film, the colour (a
    ``ColourFn``: the model's ``Predictor``, or any other), the colour release, the settings, the
    picture box, the piece and its segments to render (one after another), the work folder, how
    the output is written, whether the run ends a whole film (read to the film's end), the shots
    file's decisions and the film's frame the render starts at (frame 0 of the review)."""

    info: VideoInfo
    colour: ColourFn
    release: Release | None
    settings: RenderSettings
    box: Box
    piece: Piece
    segments: list[Segment]
    work: Work
    output: FilmOutput
    to_the_end: bool = False
    decisions: Decisions | None = None
    start: int = 0
    shot: np.ndarray | None = None  # the shot of each of the film's frames
    stills: Stills | None = None  # stills, whose colour rules their shots


def render_piece(job: PieceJob, done: Callable[[int], object] = lambda n: None) -> dict:
    """Render ``job``'s segments into its work folder and keep each as it is finished; the
    frames written, and each segment's record by its key (frames written, with a colour release
    what its shot's registration found, and its review)."""
    map_frame_buffers()
    segments = _Segments(job)
    first, stop = job.segments[0].first, job.segments[-1].stop
    try:
        written = _stream(job, segments, done)
        if written != stop - first and not (job.to_the_end and segments.writer is not None):
            raise VideoError(
                f"{job.info.path}: frames {first}-{stop - 1} gave {written} frames of "
                f"{stop - first} (truncated or corrupt, or its timestamps do not count frames)"
            )
        segments.close()
    except BaseException:
        segments.abort()
        raise
    return {"frames": written, "segments": segments.records}


class _Segments:
    """The job's segments as its frames go by: a review each (``review``, by the film's frame),
    and an encoder each (``write``), the next opened where one ends. An encoder ending a segment
    finishes its last frames (x264 holds a shot's worth in its look-ahead) in a thread of its
    own while the next segment is written, and the segment is kept when it is done."""

    def __init__(self, job: PieceJob):
        self.job, self.records = job, {}
        self.width = job.info.width * (2 if job.settings.side_by_side else 1)
        self.reviews = [
            Review(job.info.fps, job.release is not None, job.work.thumbs, f"seg-{s.key}")
            for s in job.segments
        ]
        self.starts = [s.first for s in job.segments]
        self.at, self.writer, self.written = 0, None, 0
        self.closing = ThreadPoolExecutor(1, thread_name_prefix="filmcolor-segment")
        self.pending: deque[Future] = deque()

    def review(self, k: int) -> Review:
        """The review of film frame ``k``'s segment (frames past the end: the last's)."""
        return self.reviews[max(0, bisect.bisect_right(self.starts, k) - 1)]

    def write(self, frames: np.ndarray) -> None:
        """Frames in order, each into its segment's file."""
        segs = self.job.segments
        while len(frames):
            if self.writer is None:
                s, info = segs[self.at], self.job.info
                self.writer = open_writer(
                    self.job.output, self.job.work.partial(s), self.width, info.height,
                    info.fps, s.first, info.sar,
                )  # fmt: skip
            last = self.at == len(segs) - 1
            room = len(frames) if last else segs[self.at].frames - self.written
            self.writer.write(frames[:room])
            self.written += min(room, len(frames))
            frames = frames[room:]
            if not last and self.written == segs[self.at].frames:
                self._keep()

    def _keep(self) -> None:
        """Hand the segment being written to be finished and kept with its record."""
        s, job = self.job.segments[self.at], self.job
        shots = {}
        shot = job.release.shots.get(s.shot) if job.release is not None else None
        if shot is not None:  # what registration found for this shot alone
            found = replace(job.release, shots={s.shot: shot}).report()["shots"][s.shot]
            shots = {s.shot: found} if found["shift_px"] else {}
        record = {"first": s.first, "frames": self.written, "shots": shots}
        record["review"] = self.reviews[self.at].to_json()
        self.pending.append(self.closing.submit(self._finish, self.writer, s, record))
        self.writer = None
        self.at, self.written = self.at + 1, 0
        while len(self.pending) > BEHIND:
            self._collect()

    def _finish(self, writer, s: Segment, record: dict) -> tuple[str, dict]:
        writer.close()
        self.job.work.finish(s, record)
        return s.key, record

    def _collect(self) -> None:
        key, record = self.pending.popleft().result()
        self.records[key] = record

    def close(self) -> None:
        """Keep the last segment (its frames are all written), once all are finished."""
        self._keep()
        while self.pending:
            self._collect()
        self.closing.shutdown()

    def abort(self) -> None:
        """After a failure: the segments handed over finished (or not), the rest removed."""
        if self.writer is not None:
            self.writer.abort()
        wait(self.pending)
        self.closing.shutdown()
        for s in self.job.segments:
            remove(self.job.work.partial(s))


def _stream(job: PieceJob, segments: _Segments, done: Callable[[int], object]) -> int:
    """Decode the job's frames, colour the picture inside the box with the job's colour a batch
    at a time, smooth, compose (as the job's plan decides) and write each frame to its segment in
    the output's layout, in order; call ``done(n)`` as frames are written and give each segment's
    review its frames' facts. Returns the number of frames written."""
    info, settings, release, colour = job.info, job.settings, job.release, job.colour
    stills = job.stills
    decisions = job.decisions or Decisions()
    first = job.segments[0].first
    count = job.segments[-1].stop - first
    starts = [s.first - first for s in job.segments[1:]]
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
            batches = (canvas.luma(batch) for batch in reader)
            yield from _rebatch(batches, starts, settings.batch_size, np.concatenate)

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
        segments.review(k).add(
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
            frames = release.frames(first, wanted, settings.batch_size)
            sources.append(stream.source(_rebatch(frames, starts, settings.batch_size, _joined)))
        if stills is not None:  # the stills' colour, carried through their shots
            wanted = count if not job.to_the_end else max(count, len(job.shot) - first)
            carried = stills.carried(
                first, wanted, settings.batch_size, corners, canvas.half_size, job.shot
            )
            sources.append(stream.source(_rebatch(carried, starts, settings.batch_size, _joined)))
        predicted = stream.step(tuple(sources), predict)
        for frames in stream.results(stream.step(predicted, compose_frames)):
            segments.write(frames)
            written += len(frames)
            done(len(frames))
    return written


def _rebatch(batches: Iterator, starts: list[int], size: int, join: Callable) -> Iterator:
    """``batches`` (of any size) as batches of ``size`` frames that begin again at each of
    ``starts`` (frame numbers from 0): each segment's frames in the same batches however the
    frames before it were batched."""
    held, n, at = [], 0, 0  # frames held, how many, the number of the first held
    bounds = iter([*starts, None])
    cut = next(bounds)
    for batch in batches:
        while len(batch):
            room = size - n if cut is None else min(size - n, cut - at - n)
            held.append(batch[:room])
            n += len(held[-1])
            batch = batch[room:]
            if n == size or (cut is not None and at + n == cut):
                yield join(held)
                held, at, n = [], at + n, 0
                while cut is not None and cut <= at:
                    cut = next(bounds)
    if n:
        yield join(held)


def _joined(parts: list[list]) -> list:
    return [x for part in parts for x in part]
