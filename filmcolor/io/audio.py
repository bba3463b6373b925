"""A film's sound carried into a new file: which streams, cut how, copied or re-encoded.

The sound is the film's own, or another file's (``--audio``: a WAV, BWF, FLAC, ... or another
video's audio), cut to the picture. A stream copy cuts only between packets, so a cut meant to be
exact (another file's sound, cut to the film's length) is re-encoded: AAC in MP4, 24-bit PCM in
MOV, FLAC in MKV; MXF holds PCM at 48 kHz only. Elsewhere the streams are copied where the
container takes them. An image sequence's sound goes beside its frames as a Broadcast WAV stamped
with the start timecode.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from ..errors import VideoError
from .process import last_line

# Audio codecs an MP4/MOV file can carry as they are; anything else is re-encoded there.
MP4_AUDIO = {"aac", "mp3", "alac", "ac3", "eac3", "opus", "flac"}


@dataclass(frozen=True)
class Sound:
    """The sound that goes with a film: a file's audio streams, from ``start`` for ``duration``
    seconds; ``exact``: cut to the picture sample for sample (so re-encoded)."""

    path: Path
    codecs: tuple[str, ...]
    sample_rate: int = 48000
    start: float | None = None
    duration: float | None = None
    exact: bool = False


def audio_codecs(path: str | Path) -> tuple[str, ...]:
    """The audio codecs of a file that is not (necessarily) a video, such as a WAV track."""
    return tuple(s.get("codec_name", "?") for s in _audio_streams(Path(path)))


def sound_of(
    path: str | Path,
    start: float | None = None,
    duration: float | None = None,
    exact: bool = False,
) -> Sound | None:
    """The sound of ``path`` (a WAV, BWF, FLAC, ... or a video's audio), or None if it has none;
    VideoError if it is not a readable file."""
    path = Path(path)
    if not path.is_file():
        raise VideoError(f"{path}: no such file")
    streams = _audio_streams(path)
    if not streams:
        return None
    codecs = tuple(s.get("codec_name", "?") for s in streams)
    return Sound(path, codecs, int(streams[0].get("sample_rate") or 48000), start, duration, exact)


def sound_length(path: str | Path) -> float | None:
    """How long a sound file (or a video's audio) runs, seconds; None where it does not say."""
    try:
        duration = ffmpeg.probe(str(path)).get("format", {}).get("duration")
        return float(duration) if duration else None
    except (ffmpeg.Error, ValueError):
        return None


def _audio_streams(path: Path) -> list[dict]:
    try:
        streams = ffmpeg.probe(str(path)).get("streams", [])
    except ffmpeg.Error as e:
        raise VideoError(f"{path}: cannot read its audio ({last_line(e.stderr)})") from None
    return [s for s in streams if s.get("codec_type") == "audio"]


def audio_options(container: str, codecs: tuple[str, ...], exact: bool = False) -> dict:
    """The output options that put sound of ``codecs`` into a ``container`` (mp4, mov, ...)."""
    if container == "mxf":
        return {"acodec": "pcm_s24le", "ar": 48000}  # MXF holds PCM at 48 kHz only
    if container in ("mp4", "m4v"):
        fits = not exact and set(codecs) <= MP4_AUDIO
        return {"acodec": "copy"} if fits else {"acodec": "aac", "b:a": "192k"}
    if container == "mov":
        fits = not exact and all(c in MP4_AUDIO or c.startswith("pcm_") for c in codecs)
        return {"acodec": "copy" if fits else "pcm_s24le"}
    if container == "mkv":
        return {"acodec": "flac"} if exact else {"acodec": "copy"}
    return {"acodec": "copy"}


def audio_input(sound: Sound, container: str) -> tuple[object, dict]:
    """The sound as an ffmpeg input (cut as it says) and the options that write it into a file of
    ``container``."""
    args = {"ss": sound.start} if sound.start else {}
    if sound.duration:
        args["t"] = sound.duration
    stream = ffmpeg.input(str(sound.path), **args).audio
    return stream, audio_options(container, sound.codecs, sound.exact)


def write_wav(sound: Sound, path: Path, time_reference: float | None = None) -> None:
    """The sound as a 24-bit PCM WAV, cut as it says; with ``time_reference`` (seconds since
    midnight: the start timecode), a Broadcast WAV stamped with it."""
    cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y"]
    cmd += ["-ss", str(sound.start)] if sound.start else []
    cmd += ["-t", f"{sound.duration:.6f}"] if sound.duration else []
    cmd += ["-i", str(sound.path), "-map", "0:a:0", "-c:a", "pcm_s24le"]
    if time_reference is not None:
        samples = round(time_reference * sound.sample_rate)
        cmd += ["-write_bext", "1", "-metadata", f"time_reference={samples}"]
    done = subprocess.run([*cmd, str(path)], capture_output=True)
    if done.returncode != 0:
        raise VideoError(f"{sound.path}: its sound could not be written ({last_line(done.stderr)})")
