"""A film's sound carried into a new file: which streams, cut how, copied or re-encoded."""

from __future__ import annotations

from pathlib import Path

import ffmpeg

from ..errors import VideoError
from .process import last_line

# Audio codecs an MP4/MOV file can carry as they are; anything else is re-encoded to AAC there.
_MP4_AUDIO = {"aac", "mp3", "alac", "ac3", "eac3", "opus", "flac"}


def audio_codecs(path: str | Path) -> tuple[str, ...]:
    """The audio codecs of a file that is not (necessarily) a video, such as a WAV track."""
    try:
        streams = ffmpeg.probe(str(path)).get("streams", [])
    except ffmpeg.Error as e:
        raise VideoError(f"{path}: cannot read its audio ({last_line(e.stderr)})") from None
    return tuple(s.get("codec_name", "?") for s in streams if s.get("codec_type") == "audio")


def audio_input(
    audio_from: object, fmt: str, start: float | None, duration: float | None
) -> tuple[object, str] | None:
    """The audio streams of a file (its probe, or its path) as an ffmpeg input cut to ``start`` and
    ``duration`` (seconds), and the codec to write them with into a file of format ``fmt`` (stream
    copy where the container takes them, AAC otherwise); None when it has no audio."""
    path = getattr(audio_from, "path", audio_from)
    codecs = getattr(audio_from, "audio", None)
    codecs = audio_codecs(path) if codecs is None else codecs
    if not codecs:
        return None
    args = {"ss": start} if start else {}
    if duration:
        args["t"] = duration
    copyable = fmt not in ("mp4", "mov", "m4v") or set(codecs) <= _MP4_AUDIO
    return ffmpeg.input(str(path), **args).audio, "copy" if copyable else "aac"
