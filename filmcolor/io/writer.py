"""Video output over an ffmpeg pipe: frames streamed into a new file, with audio from another.

The frames go in as raw planes (I420, 10-bit 4:2:2, ...) or RGB; the stream is tagged with the
colour matrix the frames were made with, on the stream and on the frames (ProRes reads only the
latter), and carries the source's timecode where it is given one.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import ffmpeg
import numpy as np

from ..errors import VideoError
from .audio import Sound, audio_input
from .codecs import encoder
from .formats import BT601, ColourTags
from .process import StderrTail


class VideoWriter:
    """Encodes frames written to it (RGB, or planes such as I420 with ``source_pix_fmt="yuv420p"``)
    into a video file, with a ``sound`` (``audio.Sound``: a file's audio, cut as it says).

    ``colour`` tags the stream (and, for Y'CbCr frames, the frames themselves, which is what ProRes
    reads); ``options`` are more encoder options (``profile:v``, ...); ``timecode`` is the first
    frame's. In a ``with`` block the file is finished at the end (VideoError if ffmpeg failed), or
    the encoder killed if the block fails; otherwise call ``close()`` or ``abort()``.
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        fps: Fraction,
        *,
        sound: Sound | None = None,
        codec: str = "libx264",
        crf: int | None = 18,
        preset: str | None = "medium",
        pix_fmt: str = "yuv420p",
        source_pix_fmt: str = "rgb24",
        sar: Fraction = Fraction(1),
        colour: ColourTags = BT601,
        options: dict | None = None,
        timecode: str | None = None,
    ):
        self.path = Path(path)
        self.width, self.height = width, height
        size = f"{width}x{height}"
        video = ffmpeg.input(
            "pipe:", format="rawvideo", pix_fmt=source_pix_fmt, s=size, framerate=str(fps)
        )
        if sar != 1:  # anamorphic sources (DVD) keep their display shape
            video = video.filter("setsar", f"{sar.numerator}/{sar.denominator}")
        if source_pix_fmt.startswith("yuv"):
            video = video.filter("setparams", **colour.frame_options())
        streams = [video]
        fmt = self.path.suffix.lstrip(".").lower()
        out_args = {"vcodec": codec, "pix_fmt": pix_fmt, **colour.options(), **(options or {})}
        out_args.update(encoder(codec).quality(crf, preset))
        if fmt in ("mp4", "mov", "m4v"):
            out_args["movflags"] = "+faststart"
        if timecode:
            out_args["timecode"] = timecode
        if sound is not None:
            stream, audio_args = audio_input(sound, fmt)
            streams.append(stream)
            out_args.update(audio_args)
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
            deep = frames.dtype in (np.uint16, np.float32)  # 16-bit and float frames as they are
            data = np.ascontiguousarray(frames, dtype=None if deep else np.uint8)
            self._proc.stdin.write(memoryview(data).cast("B"))  # no copy (tobytes made one)
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
