"""A film rendered in pieces cut at shots: resumable, spread over processes or machines, and
rendered again only where something changed.

A long render must survive an interruption. The film (or excerpt) is cut into pieces of about
``--segment`` seconds, each boundary moved to the nearest shot cut (the alignment's cuts with a
colour release; otherwise ``film_cuts`` finds them first, and the work folder keeps them), so that
smoothing, which never reaches across a cut, colours a film in pieces as it would in one go. The
plan depends only on the film and the settings, so every run of the same command makes the same
pieces. A piece is the unit of work (one process decodes, colours and encodes it); each of its
shots is written as a closed segment of its own (``Segment``: its own encoder, its own file),
named by a key made of everything that reaches the shot's frames (``plan``), into the work folder
beside the output, ``.OUT.segments/``, under a temporary name renamed when it is complete, with a
JSON record of it beside. Run again, after Ctrl-C, kill -9 or a crash, or after a shots file, the
model or the release changed, the same command finds the segments whose key is unchanged and
renders only the rest; the segments are then joined without re-encoding (ffmpeg's concat demuxer),
the film's audio muxed in and the output renamed into place. The work folder is kept for the next
render (segments no longer in the plan are removed); deleting it only means rendering all again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate
from pathlib import Path

import ffmpeg
import numpy as np
from tqdm import tqdm

from ..alignment.analysis import CutDetector
from ..errors import VideoError
from ..io.audio import Sound, audio_input
from ..io.process import last_line
from ..io.video import FrameReader, VideoInfo

log = logging.getLogger("filmcolor")


@dataclass(frozen=True)
class Piece:
    """Frames [first, stop) of the film, the ``index``-th piece of the plan."""

    index: int
    first: int
    stop: int

    @property
    def frames(self) -> int:
        return self.stop - self.first


@dataclass(frozen=True)
class Segment:
    """Frames [first, stop) of one shot within one piece, written as a closed file of its own;
    ``key`` names it by what reaches its frames (``plan.RenderPlan.keys``)."""

    piece: int
    first: int
    stop: int
    shot: int
    key: str = ""

    @property
    def frames(self) -> int:
        return self.stop - self.first


def cut_segments(pieces: list[Piece], shot: np.ndarray) -> list[Segment]:
    """The pieces cut where the shot changes (``shot``: each film frame's)."""
    out = []
    for p in pieces:
        ids = shot[p.first : p.stop]
        bounds = [0, *(np.flatnonzero(np.diff(ids)) + 1).tolist(), p.frames]
        for a, b in zip(bounds, bounds[1:]):
            out.append(Segment(p.index, p.first + a, p.first + b, int(ids[a])))
    return out


def key_of(identity: dict) -> str:
    """A short name for what a segment is made of."""
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def cut_pieces(first: int, stop: int, length: int, cuts: list[int]) -> list[Piece]:
    """Pieces of about ``length`` frames covering frames [first, stop), each boundary at the shot
    cut (of the film's ``cuts``) nearest it within a quarter of a piece, or where it falls when no
    cut is that near (a shot that long is cut in two)."""
    window = length // 4
    bounds = [first]
    for nominal in range(first + length, stop - length // 2, length):
        near = [c for c in cuts if abs(c - nominal) <= window and bounds[-1] < c < stop]
        bounds.append(min(near, key=lambda c: (abs(c - nominal), c)) if near else nominal)
    bounds.append(stop)
    return [Piece(i, a, b) for i, (a, b) in enumerate(zip(bounds, bounds[1:]))]


def film_cuts(info: VideoInfo, first: int, stop: int, progress: bool = False) -> list[int]:
    """The shot cuts (film frame numbers) of frames [first, stop) of a film, from small grey frames
    (PySceneDetect's content detector, as alignment finds the B&W film's): one quick decode, a few
    percent of a render's time, so that pieces end at cuts and shots have numbers beforehand."""
    detector = CutDetector(info.fps, grey=True)
    start = (first - 0.5) / float(info.fps) if first else None
    bar = tqdm(total=stop - first, unit="frame", desc="finding shots", disable=not progress)
    with (
        bar,
        FrameReader(
            info, size=(64, 64), pix_fmt="gray", start=start, frames=stop - first, batch=256
        ) as reader,
    ):
        for batch in reader:
            detector.update(batch)
            bar.update(len(batch))
    return [first + c for c in detector.finish()]


class Work:
    """The work folder of one output: the film's cuts and picture area, the segments finished so
    far, what they did, and what film they are of (``claim``)."""

    def __init__(self, out: Path):
        self.path = out.with_name(f".{out.name}.segments")
        self.suffix = out.suffix
        self.thumbs = self.path / "review"  # the segments' review thumbnails

    def kept(self, name: str, film: dict, find):
        """What ``find()`` says of ``film`` (its identity and frame range: its cuts, its picture
        area), kept from an earlier run in ``name``.json, or found now and kept."""
        kept = self.path / f"{name}.json"
        try:
            before = json.loads(kept.read_text())
            if before["film"] == film:
                return before[name]
        except (OSError, ValueError, KeyError):
            pass
        found = find()
        self.path.mkdir(exist_ok=True)
        kept.write_text(json.dumps({"film": film, name: found}))
        return found

    def made_from(self) -> dict | None:
        """What the last render into this folder said it was (``claim``), or None."""
        try:
            return json.loads((self.path / "render.json").read_text())
        except (OSError, ValueError):
            return None

    def claim(self, made_from: dict) -> None:
        """Say what this render is (its film): segments are reused only by their keys."""
        self.path.mkdir(exist_ok=True)
        (self.path / "render.json").write_text(json.dumps(made_from, indent=2))

    def video(self, segment: Segment) -> Path:
        return self.path / f"seg-{segment.key}{self.suffix}"

    def partial(self, segment: Segment) -> Path:
        return self.path / f"seg-{segment.key}.partial{self.suffix}"

    def record(self, segment: Segment) -> Path:
        return self.path / f"seg-{segment.key}.json"

    def finished(self, segment: Segment) -> dict | None:
        """The record of a finished segment, or None."""
        if not (self.record(segment).exists() and self.video(segment).exists()):
            return None
        try:
            return json.loads(self.record(segment).read_text())
        except ValueError:  # half written when the render was killed
            return None

    def finish(self, segment: Segment, record: dict) -> None:
        """Keep a segment whose video is complete under its partial name; the record last."""
        os.replace(self.partial(segment), self.video(segment))
        tmp = self.record(segment).with_suffix(".json.partial")
        tmp.write_text(json.dumps(record))
        os.replace(tmp, self.record(segment))

    def clean(self, segments: list[Segment] | None) -> None:
        """Remove what is not a finished segment of ``segments``: partial ones, those of an
        earlier plan, and their thumbnails; with None, the partial ones alone (a preview keeps
        the film's other shots for its next render)."""
        keys = None if segments is None else {s.key for s in segments}
        for path in self.path.glob("seg-*"):
            if ".partial" in path.name or (keys is not None and _key(path) not in keys):
                remove(path)
        for thumb in self.thumbs.glob("seg-*"):
            if keys is not None and thumb.name[4:].split("-")[0] not in keys:
                thumb.unlink()

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _key(path: Path) -> str:
    return path.name[4:].split(".")[0]


def remove(path: Path) -> None:
    """A piece's file, or its folder of frames (an image sequence's piece)."""
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def join(
    pieces: list[Path],
    out: Path,
    *,
    frames: list[int] | None = None,
    fps: Fraction | None = None,
    sound: Sound | None = None,
    timecode: str | None = None,
) -> None:
    """The pieces' video one after another, not re-encoded, with the ``sound`` (``io.audio``) and
    the start ``timecode``, into ``out``. Given each piece's ``frames`` and the ``fps``, each
    piece starts exactly where its frames say (the concat demuxer's own guess, from a file's
    duration, is off by a few of the container's ticks at every join)."""
    listing = out.with_name(f"{out.name}.pieces.txt")
    lines = [f"file '{p.resolve()}'\n" for p in pieces]
    if frames is not None and fps is not None:  # in microseconds, as the demuxer reads them
        ends = [round(n * 10**6 / Fraction(fps)) for n in accumulate(frames)]
        lines = [
            f"{line}duration {(b - a) / 10**6:.6f}\n" for line, a, b in zip(lines, [0, *ends], ends)
        ]
    listing.write_text("".join(lines))
    fmt = out.suffix.lstrip(".").lower()
    streams = [ffmpeg.input(str(listing), format="concat", safe=0).video]
    args = {"vcodec": "copy"}
    if fmt in ("mp4", "mov", "m4v"):
        args["movflags"] = "+faststart"
    if timecode:
        args["timecode"] = timecode
    if sound is not None:
        stream, audio_args = audio_input(sound, fmt)
        streams.append(stream)
        args.update(audio_args)
    try:
        ffmpeg.output(*streams, str(out), **args).global_args(
            "-nostdin", "-loglevel", "error"
        ).overwrite_output().run(capture_stdout=True, capture_stderr=True)
    except ffmpeg.Error as e:
        raise VideoError(
            f"{out}: could not join the rendered pieces ({last_line(e.stderr)})"
        ) from None
    finally:
        listing.unlink(missing_ok=True)
