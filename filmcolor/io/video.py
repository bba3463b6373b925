"""Video I/O over ffmpeg pipes: probe a file, stream its frames out, stream frames into a new file.

Frames are numpy uint8 arrays, RGB (n, h, w, 3) or grey (n, h, w), in the order a decoder yields
them: frame k of a stream here is frame k of the file (``-fps_mode passthrough``, nothing dropped or
duplicated). Frame rates are exact ``Fraction``s, since 24000/1001, 24 and 25 all occur in practice.
Needs the ffmpeg and ffprobe binaries (5.1 or newer) on PATH.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import ffmpeg
import numpy as np

from ..errors import VideoError
from .audio import audio_input
from .decoding import Decoding
from .process import StderrTail, last_line, widen_pipe

log = logging.getLogger("filmcolor")

# Frames are BT.601 (what OpenCV's YCrCb and ffmpeg's untagged RGB conversion use): say so.
_BT601 = dict(
    colorspace="smpte170m", color_primaries="smpte170m", color_trc="smpte170m", color_range="tv"
)
_CRF_CODECS = ("libx264", "libx265", "libvpx-vp9", "libsvtav1", "libaom-av1")
_PRESET_CODECS = ("libx264", "libx265", "libsvtav1")


def require_ffmpeg() -> None:
    """Fail with an install hint when the ffmpeg binaries are missing."""
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            raise VideoError(
                f"{tool} not found on PATH: install ffmpeg (apt-get install ffmpeg, "
                "or conda install -c conda-forge ffmpeg)"
            )


@dataclass(frozen=True)
class VideoInfo:
    """What ffprobe says about a file's first video stream."""

    path: Path
    width: int
    height: int
    fps: Fraction
    frames: int  # the container's frame count, or duration x fps where it keeps none
    duration: float
    codec: str
    audio: tuple[str, ...]  # codec name of each audio stream
    sar: Fraction = Fraction(1)  # sample (pixel) aspect ratio
    start_time: float = 0.0  # the first frame's timestamp, seconds
    color_space: str = ""  # the YCbCr matrix tag (bt709, smpte170m, ...; "" untagged)
    color_range: str = ""  # tv, pc or ""
    color_primaries: str = ""
    field_order: str = ""  # as flagged (progressive, tt, bb, ...): a flag, not a measurement

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

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
            "sar": f"{self.sar.numerator}:{self.sar.denominator}",
            "color_space": self.color_space,
            "color_range": self.color_range,
            "color_primaries": self.color_primaries,
            "field_order": self.field_order,
        }


def probe(path: str | Path) -> VideoInfo:
    """Read a file's video stream parameters, or raise VideoError saying why it is not a video."""
    require_ffmpeg()
    path = Path(path)
    if not path.exists():
        raise VideoError(f"{path}: no such file")
    if path.is_dir():
        raise VideoError(f"{path}: is a folder, not a video file")
    try:
        info = ffmpeg.probe(str(path))
    except ffmpeg.Error as e:
        raise VideoError(f"{path}: not a readable video ({last_line(e.stderr)})") from None
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
    fps = _frame_rate(v)
    duration = _float(v.get("duration")) or _float(info.get("format", {}).get("duration")) or 0.0
    if not v.get("width") or not v.get("height") or fps <= 0:
        raise VideoError(f"{path}: the video stream has no usable size or frame rate")
    frames = int(v.get("nb_frames") or 0) or int(round(duration * fps))
    audio = tuple(s.get("codec_name", "?") for s in streams if s.get("codec_type") == "audio")
    num, _, den = v.get("sample_aspect_ratio", "1:1").partition(":")
    sar = (
        Fraction(int(num), int(den))
        if num.isdigit() and den.isdigit() and int(num) and int(den)
        else Fraction(1)
    )
    size = int(v["width"]), int(v["height"])
    tags = [v.get(k, "") for k in ("color_space", "color_range", "color_primaries", "field_order")]
    tags = ["" if t == "unknown" else t for t in tags]
    start = _float(v.get("start_time")) or _float(info.get("format", {}).get("start_time")) or 0.0
    codec = v.get("codec_name", "?")
    return VideoInfo(path, *size, fps, frames, duration, codec, audio, sar, start, *tags)


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


class FrameReader:
    """Streams decoded frames of a video as uint8 batches, optionally cropped and resized by ffmpeg.

    ``pix_fmt`` is ``rgb24`` (frames (h, w, 3)), ``gray`` ((h, w), full-range luma) or ``yuv420p``
    ((h * 3 / 2, w): the I420 planes, Y then U then V, in video range, as OpenCV lays them out).
    ``crop`` is (x, y, w, h) in source pixels, applied before ``size`` (w, h). ``start`` and
    ``duration`` (seconds) select an excerpt, ``frames`` the most frames to decode;
    ``keyframes`` decodes only the keyframes (fast). ``decoding`` says how pictures are made of
    the file's frames (``io.decoding``: a filter chain, the YCbCr matrix for RGB), from ``start``
    on (seconds of the file, before the chain). A start is found by the frames' own timestamps (a
    keyframe seek, then ffmpeg's ``trim``), so it is exact in MPEG program streams too, where
    ffmpeg's own accurate seek lands a few frames off.
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
        self.frame_shape = {
            "rgb24": (self.height, self.width, 3),
            "gray": (self.height, self.width),
            "yuv420p": (self.height * 3 // 2, self.width),
        }[pix_fmt]
        self.batch = batch
        self.frames_read = 0
        self._excerpt = start is not None or duration is not None or keyframes or bool(frames)
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
        for step in filter(None, decoding.filters.split(",")):
            name, _, args = step.partition("=")
            stream = stream.filter(name, **dict(a.split("=", 1) for a in args.split(":") if a))
        if crop:
            stream = stream.crop(*crop)
        colour = {}
        if decoding.matrix and pix_fmt == "rgb24":  # YCbCr -> RGB by the file's own matrix
            colour = dict(
                in_color_matrix=decoding.matrix, in_range="pc" if decoding.full_range else "tv"
            )
        if size:
            stream = stream.filter("scale", size[0], size[1], flags="area", **colour)
        elif colour:
            stream = stream.filter("scale", **colour)
        out_args = {"frames:v": frames} if frames else {}
        self._proc = (
            stream.output(
                "pipe:", format="rawvideo", pix_fmt=pix_fmt, fps_mode="passthrough", **out_args
            )
            .global_args("-nostdin", "-loglevel", "error")
            .run_async(pipe_stdout=True, pipe_stderr=True)
        )
        widen_pipe(self._proc.stdout)
        self._stderr = StderrTail(self._proc.stderr)

    def __iter__(self) -> Iterator[np.ndarray]:
        frame_bytes = int(np.prod(self.frame_shape))
        try:
            while True:
                buf = bytearray(frame_bytes * self.batch)
                got = self._proc.stdout.readinto(buf) or 0
                while got < len(buf):  # a pipe read may return less than asked before the end
                    more = self._proc.stdout.readinto(memoryview(buf)[got:]) or 0
                    if not more:
                        break
                    got += more
                n = got // frame_bytes
                if n:
                    self.frames_read += n
                    yield np.frombuffer(buf, np.uint8, n * frame_bytes).reshape(
                        (n, *self.frame_shape)
                    )
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
        if not self._excerpt and tail.count and expected and self.frames_read < 0.98 * expected:
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

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class VideoWriter:
    """Encodes frames written to it (RGB, or I420 with ``source_pix_fmt="yuv420p"``) into a video
    file, copying audio from another file.

    ``audio_from`` is a file (its probe, or its path) whose audio streams are carried over (stream
    copy when the container allows, AAC otherwise), cut to ``audio_start``/``audio_duration`` for
    excerpts. In a ``with`` block the file is finished at the end (VideoError if ffmpeg failed),
    or the encoder killed if the block fails; otherwise call ``close()`` or ``abort()``.
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        fps: Fraction,
        *,
        audio_from: VideoInfo | str | Path | None = None,
        audio_start: float | None = None,
        audio_duration: float | None = None,
        codec: str = "libx264",
        crf: int | None = 18,
        preset: str | None = "medium",
        pix_fmt: str = "yuv420p",
        source_pix_fmt: str = "rgb24",
        sar: Fraction = Fraction(1),
    ):
        self.path = Path(path)
        self.width, self.height = width, height
        size = f"{width}x{height}"
        video = ffmpeg.input(
            "pipe:", format="rawvideo", pix_fmt=source_pix_fmt, s=size, framerate=str(fps)
        )
        if sar != 1:  # anamorphic sources (DVD) keep their display shape
            video = video.filter("setsar", f"{sar.numerator}/{sar.denominator}")
        streams = [video]
        fmt = self.path.suffix.lstrip(".").lower()
        out_args = {"vcodec": codec, "pix_fmt": pix_fmt, **_BT601}
        if crf is not None and codec in _CRF_CODECS:
            out_args["crf"] = crf
        if preset and codec in _PRESET_CODECS:
            out_args["preset"] = preset
        if fmt in ("mp4", "mov", "m4v"):
            out_args["movflags"] = "+faststart"
        if audio_from is not None and (
            audio := audio_input(audio_from, fmt, audio_start, audio_duration)
        ):
            streams.append(audio[0])
            out_args["acodec"] = audio[1]
        self._proc = (
            ffmpeg.output(*streams, str(self.path), **out_args)
            .global_args("-nostdin", "-loglevel", "error")
            .overwrite_output()
            .run_async(pipe_stdin=True, pipe_stderr=True)
        )
        self._stderr = StderrTail(self._proc.stderr)

    def write(self, frames: np.ndarray) -> None:
        """Append a batch of frames, or a single frame, in the writer's source pixel format."""
        try:
            self._proc.stdin.write(np.ascontiguousarray(frames, dtype=np.uint8).tobytes())
        except BrokenPipeError:
            self._proc.wait()
            self._stderr.join()
            raise VideoError(
                f"{self.path}: ffmpeg stopped encoding ({self._stderr.last})"
            ) from None

    def close(self) -> None:
        try:
            self._proc.stdin.close()
        except BrokenPipeError:  # ffmpeg died with input unread: its exit code says why
            pass
        code = self._proc.wait()
        self._stderr.join()
        if code != 0:
            raise VideoError(f"{self.path}: ffmpeg could not encode it ({self._stderr.last})")

    def abort(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        try:
            self._proc.stdin.close()
        except BrokenPipeError:
            pass
        self._stderr.join()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is None:
            self.close()
        else:
            self.abort()
