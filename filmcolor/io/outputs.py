"""A rendered film's output: a video file or an image sequence, with its sound and its timecode.

Everything about the output is decided before a frame is made (``film_output``: the format, the
colour tags, the sound, the start timecode, the frames' numbers). A render is written in pieces
(``rendering.pieces``): each piece of a video file is encoded by its own ffmpeg process
(``writer.VideoWriter``) and the pieces joined with the sound; each piece of an image sequence is a
folder of its frames (``SequenceWriter``: by ffmpeg's image2 muxer, or by the file type's own
``write``, as DPX by ``dpx.write_dpx`` with the frame rate and each frame's timecode in its
header), moved into the sequence's folder at the end (``finish_sequence``), with the sound beside
the frames as ``audio.wav`` (a Broadcast WAV stamped with the start timecode) and ``sequence.json``
saying how the frames are encoded (depth, colour, rate, timecode), since TIFF, PNG and EXR files
carry little of it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import VideoError
from .audio import Sound, sound_of, write_wav
from .files import atomic_dir, atomic_file
from .formats import ColourTags, OutputFormat, check_writable, output_colour, output_format
from .sequence import SIDECAR
from .timecode import add, check, to_frames
from .video import VideoInfo
from .writer import VideoWriter

SOUND = "audio.wav"  # an image sequence's sound, beside its frames


@dataclass(frozen=True)
class FilmOutput:
    """How a rendered film is written, decided before any frame is made."""

    fmt: OutputFormat
    colour: ColourTags
    sound: Sound | None
    timecode: str | None  # of the first frame written
    first_frame: int  # the film's frame the output starts at (an excerpt's first)
    first_number: int  # that frame's number in the output (a scan's own numbering)

    def number(self, k: int) -> int:
        """The number of film frame ``k`` in the output."""
        return self.first_number + k - self.first_frame

    def timecode_of(self, k: int, fps: Fraction) -> str | None:
        return add(self.timecode, k - self.first_frame, fps) if self.timecode else None


def film_output(
    info: VideoInfo,
    out: str | Path,
    *,
    first: int,
    count: int,
    codec: str | None = None,
    pix_fmt: str | None = None,
    crf: int | None = 18,
    preset: str | None = "medium",
    audio: str | Path | None = None,
    timecode: str | None = None,
    start: float | None = None,
    duration: float | None = None,
    width: int | None = None,
) -> FilmOutput:
    """How frames ``first`` .. ``first + count`` of ``info``'s film are written to ``out``: the
    format (``formats.output_format``), the colour tags, the sound (``audio``, cut to the picture;
    else the film's own, from ``start`` for ``duration`` seconds) and the start timecode (the one
    given, else the source's moved on to the first frame)."""
    fmt = output_format(out, info.bits, codec=codec, pix_fmt=pix_fmt, crf=crf, preset=preset)
    check_writable(fmt, width or info.width, info.height, info.fps)
    if fmt.sequence and any(fmt.path.glob("*")) and not (fmt.path / SIDECAR).is_file():
        raise VideoError(
            f"{fmt.path}: is a folder filmcolor did not write (it has no {SIDECAR}); a sequence "
            "replaces its whole folder, so name a new one"
        )
    if audio is not None:
        start_s = float(first / info.fps) if first else None
        sound = sound_of(audio, start_s, float(count / info.fps), exact=True)
        if sound is None:
            raise VideoError(f"{audio}: has no sound to put with the film")
    else:
        sound = sound_of(info.path, start, duration) if info.audio else None
    if timecode is not None:
        timecode = check(timecode, info.fps)
    elif info.timecode is not None:
        timecode = add(check(info.timecode, info.fps), first, info.fps)
    numbering = (info.sequence.start if info.sequence else 0) + first
    colour = output_colour(info.colour, info.width, info.height)
    return FilmOutput(fmt, colour, sound, timecode, first, numbering)


@contextmanager
def atomic_output(fmt: OutputFormat, overwrite: bool) -> Iterator[Path]:
    """A temporary file (or a sequence's temporary folder) that becomes ``fmt.path`` only if the
    block succeeds; an empty folder made for a sequence is taken as it is."""
    if fmt.sequence:
        empty = fmt.path.is_dir() and not any(fmt.path.iterdir())
        with atomic_dir(fmt.path, overwrite or empty) as tmp:
            yield tmp
    else:
        with atomic_file(fmt.path, overwrite) as tmp:
            yield tmp


def open_writer(
    output: FilmOutput, target: Path, width: int, height: int, fps: Fraction, first: int, sar=1
):
    """A writer of frames in ``plan.fmt``'s layout, from film frame ``first`` on, into ``target``
    (a file, or a folder for a sequence's frames); used in a ``with`` block. The sound and the
    timecode of a video file are put in when its pieces are joined."""
    fmt = output.fmt
    if fmt.sequence:
        target.mkdir(exist_ok=True)
        timecode = output.timecode_of(first, fps)
        return SequenceWriter(
            fmt, target, width, height, fps, output.colour, timecode, output.number(first)
        )
    return VideoWriter(
        target,
        width,
        height,
        fps,
        codec=fmt.codec,
        crf=None,
        preset=None,
        pix_fmt=fmt.pix_fmt,
        source_pix_fmt=fmt.pix_fmt,
        sar=Fraction(sar),
        colour=output.colour,
        options=fmt.options,
    )


class SequenceWriter:
    """Frames into numbered image files in ``folder``, numbered from ``first_number``; used like a
    ``VideoWriter``: ``write`` batches of frames, then ``close`` (or ``abort``)."""

    def __init__(
        self,
        fmt: OutputFormat,
        folder: Path,
        width: int,
        height: int,
        fps: Fraction,
        colour: ColourTags,
        timecode: str | None,
        first_number: int,
    ):
        self.fmt, self.folder, self.fps, self.colour = fmt, folder, fps, colour
        self.timecode, self.first = timecode, first_number
        self.written = 0
        self._ffmpeg = None
        self._write = fmt.encoder.write  # its own writer of one file, else ffmpeg's
        if self._write is None:
            self._ffmpeg = VideoWriter(
                folder / fmt.name,
                width,
                height,
                fps,
                codec=fmt.codec,
                crf=None,
                preset=None,
                pix_fmt=fmt.encoder.stored.get(fmt.pix_fmt, fmt.pix_fmt),
                source_pix_fmt=fmt.pix_fmt,
                colour=ColourTags(colour.matrix, colour.primaries, colour.transfer, "pc"),
                options={**fmt.options, "start_number": first_number},
            )

    def write(self, frames: np.ndarray) -> None:
        """Append a batch of frames (or one) in ``fmt``'s layout: (h, w, 3) R'G'B' at its depth,
        or (3, h, w) float planes G, B, R for EXR."""
        batch = frames if frames.ndim == 4 else frames[None]
        if self._ffmpeg is not None:
            self._ffmpeg.write(batch)
        else:
            for i, frame in enumerate(batch):
                n = self.written + i
                self._write(
                    self.folder / (self.fmt.name % (self.first + n)),
                    frame,
                    self.fmt.bits,
                    fps=self.fps,
                    timecode=add(self.timecode, n, self.fps) if self.timecode else None,
                    matrix=self.colour.matrix or "bt709",
                )
        self.written += len(batch)

    def close(self) -> None:
        if self._ffmpeg is not None:
            self._ffmpeg.close()

    def abort(self) -> None:
        if self._ffmpeg is not None:
            self._ffmpeg.abort()

    def __enter__(self) -> SequenceWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is None:
            self.close()
        else:
            self.abort()


def finish_sequence(output: FilmOutput, pieces: list[Path], folder: Path, fps: Fraction) -> int:
    """The frames of every piece (folders of frames) linked into the sequence's ``folder`` (copied
    where the file system has no links; the pieces stay, for a render again), its sound written
    beside them and ``sequence.json`` describing them; the number of frames."""
    frames = 0
    for piece in pieces:
        for file in sorted(piece.iterdir()):
            try:
                os.link(file, folder / file.name)
            except OSError:
                shutil.copyfile(file, folder / file.name)
            frames += 1
    if output.sound is not None:
        seconds = to_frames(output.timecode, fps) / fps if output.timecode else None
        write_wav(output.sound, folder / SOUND, None if seconds is None else float(seconds))
    (folder / SIDECAR).write_text(json.dumps(_description(output, frames, fps), indent=2) + "\n")
    return frames


def _description(output: FilmOutput, frames: int, fps: Fraction) -> dict:
    fmt, colour = output.fmt, output.colour
    values = (
        "scene-linear R'G'B' (BT.709 transfer inverted)"
        if fmt.encoder.linear
        else "R'G'B', full range"
    )
    return {
        "frames": frames,
        "first_number": output.first_number,
        "files": fmt.name,
        "format": fmt.encoder.title,
        "bits": fmt.bits,
        "fps": f"{fps.numerator}/{fps.denominator}",
        "timecode": output.timecode,
        "colour": {
            "values": values,
            "primaries": colour.primaries,
            "transfer": colour.transfer,
            "luma matrix": colour.matrix,
        },
        "sound": SOUND if output.sound is not None else None,
        "made_by": "filmcolor render",
    }
