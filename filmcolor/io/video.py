"""Video input over ffmpeg pipes: probe a file (or an image sequence), stream its frames out.

Frames are numpy arrays, RGB (n, h, w, 3) or grey (n, h, w), uint8 or at the source's depth, in
the order a decoder yields them: frame k of a stream here is frame k of the file (``-fps_mode
passthrough``, nothing dropped or duplicated). Frame rates are exact ``Fraction``s, since
24000/1001, 24 and 25 all occur in practice. Needs the ffmpeg and ffprobe binaries (5.1 or newer)
on PATH.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import ffmpeg
import numpy as np

from ..errors import VideoError
from .decoding import Decoding
from .formats import ColourTags, bit_depth, frame_layout
from .process import StderrTail, last_line, require_ffmpeg, widen_pipe
from .sequence import DEFAULT_FPS, Sequence, find_sequence, is_sequence

log = logging.getLogger("filmcolor")

KEYFRAME_EVERY = 48  # an image sequence's "keyframes": one frame in this many (2 s at 24 fps)


@dataclass(frozen=True)
class VideoInfo:
    """What ffprobe says about a file's first video stream (or an image sequence's first frame)."""

    path: Path
    width: int
    height: int
    fps: Fraction
    frames: int  # the container's frame count, or duration x fps where it keeps none
    duration: float
    codec: str
    audio: tuple[str, ...]  # codec name of each audio stream
    sar: Fraction = Fraction(1)  # sample (pixel) aspect ratio
    pix_fmt: str = ""  # as the decoder gives it, e.g. yuv420p, yuv422p10le, gray16le
    colour: ColourTags = ColourTags()  # what the stream says of its colour
    timecode: str | None = None  # of the first frame, where the file carries one
    sequence: Sequence | None = None  # the frames, when the film is a folder of images
    start_time: float = 0.0  # the first frame's timestamp, seconds
    field_order: str = ""  # as flagged (progressive, tt, bb, ...): a flag, not a measurement
    turn: int = 0  # quarter turns its display matrix asks for (ffmpeg decodes it turned)

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def bits(self) -> int:
        """Bits per sample the source holds (8 for most video)."""
        return bit_depth(self.pix_fmt)

    def to_json(self) -> dict:
        """A JSON-friendly summary for manifests."""
        return {
            "path": str(self.path),
            "width": self.width,
            "height": self.height,
            "fps": f"{self.fps.numerator}/{self.fps.denominator}",
            "fps_float": float(self.fps),
            "frames": self.frames,
            "duration": round(self.duration, 4),
            "codec": self.codec,
            "audio": list(self.audio),
            "pix_fmt": self.pix_fmt,
            "timecode": self.timecode,
            "sar": f"{self.sar.numerator}:{self.sar.denominator}",
            "color_space": self.colour.matrix or "",
            "color_range": self.colour.range or "",
            "color_primaries": self.colour.primaries or "",
            "field_order": self.field_order,
            "turn": self.turn,
        }


def probe(path: str | Path, fps: Fraction | None = None) -> VideoInfo:
    """Read a file's video stream parameters, or raise VideoError saying why it is not a video.

    A folder of numbered frames, or a printf pattern naming them (``scan/%06d.dpx``), is read as a
    film (``sequence``) at ``fps``, else at the rate its files give, else at 24 fps."""
    require_ffmpeg()
    path = Path(path)
    if is_sequence(path):
        return _probe_sequence(path, fps)
    if not path.exists():
        raise VideoError(f"{path}: no such file")
    info = _ffprobe(path, "not a readable video")
    streams = info.get("streams", [])
    video = [s for s in streams if s.get("codec_type") == "video" and not _is_cover_art(s)]
    if not streams:
        raise VideoError(f"{path}: holds no streams at all (an empty video?)")
    if not video:
        raise VideoError(
            f"{path}: has no video stream (only "
            f"{', '.join(s.get('codec_type', '?') for s in streams)})"
        )
    v = video[0]
    turn = _rotation(path, v)
    rate = _frame_rate(v)
    duration = _float(v.get("duration")) or _float(info.get("format", {}).get("duration")) or 0.0
    if not v.get("width") or not v.get("height") or rate <= 0:
        raise VideoError(f"{path}: the video stream has no usable size or frame rate")
    frames = int(v.get("nb_frames") or 0) or int(round(duration * rate))
    audio = tuple(s.get("codec_name", "?") for s in streams if s.get("codec_type") == "audio")
    tags = [s.get("tags", {}) for s in [v, *streams]] + [info.get("format", {}).get("tags", {})]
    timecode = next((t.get("timecode") or t.get("TIMECODE") for t in tags if _has_tc(t)), None)
    start = _float(v.get("start_time")) or _float(info.get("format", {}).get("start_time")) or 0.0
    return VideoInfo(
        path,
        *_size(v, turn),
        rate,
        frames,
        duration,
        v.get("codec_name", "?"),
        audio,
        _sar(v, turn),
        v.get("pix_fmt", ""),
        ColourTags.of_stream(v),
        timecode,
        start_time=start,
        field_order="" if v.get("field_order") == "unknown" else v.get("field_order", ""),
        turn=turn,
    )


def _probe_sequence(path: Path, fps: Fraction | None) -> VideoInfo:
    seq = find_sequence(path)
    info = _ffprobe(seq.file(0), "not a readable image")
    v = next((s for s in info.get("streams", []) if s.get("codec_type") == "video"), None)
    if v is None or not v.get("width"):
        raise VideoError(f"{seq.file(0)}: not a readable image")
    rate = fps or seq.fps or DEFAULT_FPS
    return VideoInfo(
        path,
        *_size(v),
        rate,
        seq.count,
        seq.count / float(rate),
        v.get("codec_name", "?"),
        (),
        _sar(v),
        v.get("pix_fmt", ""),
        ColourTags.of_stream(v),
        seq.timecode,
        seq,
    )


def _ffprobe(path: Path, what: str) -> dict:
    try:
        return ffmpeg.probe(str(path))
    except ffmpeg.Error as e:
        raise VideoError(f"{path}: {what} ({last_line(e.stderr)})") from None


def _has_tc(tags: dict) -> bool:
    return bool(tags.get("timecode") or tags.get("TIMECODE"))


def _rotation(path: Path, stream: dict) -> int:
    """The quarter turns the file asks its picture to be shown at (its display matrix, or an
    older ``rotate`` tag); ffmpeg decodes it turned upright, so its size is read turned too."""
    said = [d.get("rotation") for d in [*stream.get("side_data_list", []), {}]]
    degrees = next(
        (_float(d) for d in [*said, stream.get("tags", {}).get("rotate")] if _float(d)), 0
    )
    if degrees % 90:
        why = f"is shown turned by {degrees:g} degrees, not a quarter turn: turn it upright first"
        raise VideoError(f"{path}: {why} (ffmpeg -i IN -vf rotate=... OUT)")
    return round(degrees / 90) % 4


def _size(stream: dict, turn: int = 0) -> tuple[int, int]:
    width, height = int(stream["width"]), int(stream["height"])
    return (height, width) if turn % 2 else (width, height)


def _sar(stream: dict, turn: int = 0) -> Fraction:
    num, _, den = (stream.get("sample_aspect_ratio") or "1:1").partition(":")
    ok = num.isdigit() and den.isdigit() and int(num) and int(den)
    sar = Fraction(int(num), int(den)) if ok else Fraction(1)
    return 1 / sar if turn % 2 else sar


def _is_cover_art(stream: dict) -> bool:
    return bool(stream.get("disposition", {}).get("attached_pic"))


def _frame_rate(stream: dict) -> Fraction:
    for key in ("avg_frame_rate", "r_frame_rate"):
        value = stream.get(key, "0/0")
        num, _, den = value.partition("/")
        if den and int(den) and int(num):
            return Fraction(int(num), int(den))
    return Fraction(0)


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# swscale's flags for YCbCr to RGB at another size: by default it scales the subsampled chroma
# apart from the luma and converts without interpolating it to every pixel, which misplaces colour
# at its edges, which these flags avoid for a little more of ffmpeg's CPU (tests/io/test_video.py).
EXACT_RGB = "+accurate_rnd+full_chroma_int+full_chroma_inp"


class FrameReader:
    """Streams decoded frames of a video as batches, optionally cropped and resized by ffmpeg.

    ``pix_fmt`` is ``rgb24`` (frames (h, w, 3)), ``gray`` ((h, w), full-range luma) or ``yuv420p``
    ((h * 3 / 2, w): the I420 planes, Y then U then V, in video range, as OpenCV lays them out),
    all uint8; or, at the source's depth, ``gray16le`` and ``rgb48le`` (uint16), ``grayf32le``
    and ``gbrpf32le`` (float32, planes G, B, R) or a planar Y'CbCr format such as
    ``yuv422p10le`` (uint16 planes one after another, ``formats.frame_layout``).
    ``crop`` is (x, y, w, h) in source pixels, applied before ``size`` (w, h). ``start`` and
    ``duration`` (seconds) select an excerpt, ``frames`` the most frames to decode; ``keyframes``
    decodes only the keyframes (fast; of an image sequence, one frame in ``KEYFRAME_EVERY``).
    ``decoding`` says how pictures are made of the file's frames (``io.decoding``: a filter chain,
    the YCbCr matrix for RGB), from ``start`` on (seconds of the file, before the chain). A start
    in a video file is found by the frames' own timestamps (a keyframe seek, then ffmpeg's
    ``trim``), so it is exact in MPEG program streams too, where ffmpeg's own accurate seek lands
    a few frames off. A decoding by parts starts where ``Decoding.start`` says (a part's read,
    or a cycle inside a part), its input from the earliest frame its parts need
    (``Decoding.from_part``).
    Use as an iterator of batches, in a ``with`` block (leaving it early stops ffmpeg);
    ``frames_read`` counts what came out. The decoder is checked at the end: a file that stops
    early (truncated) raises.
    """

    def __init__(
        self,
        info: VideoInfo,
        *,
        size: tuple[int, int] | None = None,
        pix_fmt: str = "rgb24",
        crop: tuple[int, int, int, int] | None = None,
        start: float | None = None,
        duration: float | None = None,
        keyframes: bool = False,
        frames: int | None = None,
        batch: int = 32,
        decoding: Decoding | None = None,
    ):
        self.info = info
        self.decoding = decoding = decoding or Decoding()
        self.width, self.height = size or (crop[2:] if crop else info.size)
        self.frame_shape, self.dtype = frame_layout(pix_fmt, self.width, self.height)
        self.batch = batch
        self.frames_read = 0
        self._excerpt = start is not None or duration is not None or keyframes or bool(frames)
        self._script: str | None = None  # an ffconcat list of an image sequence's frames
        output_args = {"frames:v": frames} if frames else {}
        if decoding.parts and start:  # from where a part's read begins, in the same timestamps
            if not decoding.seekable:
                raise ValueError("a decoding by parts without its joins is read from the start")
            start, decoding = decoding.from_part(start)
        if info.sequence is not None:
            stream = self._sequence(info, start, duration, keyframes, output_args).video
        else:
            input_args = {"skip_frame": "nokey"} if keyframes else {}
            trim = {}
            if start:  # timestamps kept (copyts) and cut by trim, from a keyframe before
                input_args.update(ss=max(0.0, start - 1.0), noaccurate_seek=None, copyts=None)
                trim["start"] = info.start_time + start
                if duration:
                    trim["end"] = trim["start"] + duration
            elif duration:
                input_args["t"] = duration
            stream = ffmpeg.input(str(info.path), **input_args).video
            if trim:
                stream = stream.trim(**trim)
            if decoding.parts and start:  # the file's start at 0, as a decode from it has them
                stream = stream.setpts(f"PTS-{info.start_time!r}/TB")
        stream = decoding.apply(stream)
        if crop:
            stream = stream.crop(*crop)
        colour = {}
        if decoding.matrix and pix_fmt == "rgb24":  # YCbCr -> RGB by the file's own matrix
            colour = dict(
                in_color_matrix=decoding.matrix, in_range="pc" if decoding.full_range else "tv"
            )
        if size:
            exact = EXACT_RGB if pix_fmt.startswith(("rgb", "gbr")) else ""
            stream = stream.filter("scale", size[0], size[1], flags="area" + exact, **colour)
        elif colour:
            stream = stream.filter("scale", **colour)
        self._proc = (
            stream.output(
                "pipe:", format="rawvideo", pix_fmt=pix_fmt, fps_mode="passthrough", **output_args
            )
            .global_args("-nostdin", "-loglevel", "error")
            .run_async(pipe_stdout=True, pipe_stderr=True)
        )
        widen_pipe(self._proc.stdout)
        self._stderr = StderrTail(self._proc.stderr)

    def _sequence(self, info: VideoInfo, start, duration, keyframes: bool, output_args: dict):
        """The ffmpeg input of an image sequence's frames: its pattern from the first frame asked
        for (image2 is told the start number and the rate, never left to guess), or, for one frame
        in N, an ffconcat list of them."""
        seq, fps = info.sequence, info.fps
        first = math.ceil(start * fps - 1e-6) if start else 0
        count = seq.count - first
        if duration:
            count = min(count, math.ceil(duration * fps - 1e-6))
        if count <= 0:
            raise VideoError(f"{info.path}: has no frame {first} (it has {seq.count})")
        if keyframes:
            fd, self._script = tempfile.mkstemp(prefix="filmcolor-", suffix=".ffconcat")
            frames = range(first, first + count, KEYFRAME_EVERY)
            with os.fdopen(fd, "w") as f:
                f.write(seq.concat_script(fps, frames))
            return ffmpeg.input(self._script, format="concat", safe=0, **seq.input_options())
        output_args["frames:v"] = min(count, output_args.get("frames:v", count))
        return ffmpeg.input(
            seq.pattern,
            format="image2",
            framerate=str(fps),
            start_number=seq.start + first,
            **seq.input_options(),
        )

    def __iter__(self) -> Iterator[np.ndarray]:
        frame_bytes = int(np.prod(self.frame_shape)) * np.dtype(self.dtype).itemsize
        try:
            while True:
                # np.empty, not bytearray: the pipe's bytes fill it, so zeroing it first (a pass
                # over a batch of frames) bought nothing
                buf = np.empty(frame_bytes * self.batch, np.uint8)
                got = self._proc.stdout.readinto(buf) or 0
                while got < len(buf):  # a pipe read may return less than asked before the end
                    more = self._proc.stdout.readinto(memoryview(buf)[got:]) or 0
                    if not more:
                        break
                    got += more
                n = got // frame_bytes
                if n:
                    self.frames_read += n
                    yield buf[: n * frame_bytes].view(self.dtype).reshape((n, *self.frame_shape))
                if got < len(buf):
                    break
            self._finish()
        finally:
            self.close()

    def _finish(self) -> None:
        code = self._proc.wait()
        tail, path = self._stderr, self.info.path
        tail.join()
        if code != 0:
            raise VideoError(f"{path}: ffmpeg could not decode it ({tail.last})")
        if self.frames_read == 0:
            raise VideoError(f"{path}: no frame could be decoded ({tail.last})")
        expected = self.decoding.count(self.info)
        # a capture cut from a broadcast begins mid-GOP: up to a second's frames lost, not damage
        lost = max(0.02 * expected, float(self.decoding.fps or self.info.fps))
        if not self._excerpt and tail.count and expected and self.frames_read < expected - lost:
            raise VideoError(
                f"{path}: truncated or corrupt: decoded {self.frames_read} of {expected} frames "
                f"({tail.last})"
            )
        if tail.count:
            log.warning("%s: the decoder reported %d errors, e.g. %s", path, tail.count, tail.last)

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._proc.stdout.close()
        if self._script:
            os.unlink(self._script)
            self._script = None

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
