"""A film rendered in pieces cut at shots: resumable, and spread over processes or machines.

A long render must survive an interruption. The film (or excerpt) is cut into pieces of about
``--segment`` seconds, each boundary moved to the nearest shot cut (the alignment's cuts with a
colour release; otherwise ``film_cuts`` finds them first, and the work folder keeps them), so that
smoothing, which never reaches across a cut, colours a film in pieces as it would in one go. The
plan depends only on the film and the settings, so every run of the same command makes the same
pieces. Each piece is rendered on its own (decoded, coloured, encoded) into the work folder beside
the output, ``.OUT.segments/``, under a temporary name renamed when it is complete, with a JSON
record of it beside. Run again after Ctrl-C, kill -9 or a crash, the same command finds the
finished pieces (when the film, model and settings are the ones it started with) and renders only
the rest; the pieces are then joined without re-encoding (ffmpeg's concat demuxer), the film's
audio muxed in, the output renamed into place and the work folder removed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from tqdm import tqdm

from .. import __version__
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
    """The work folder of one render: the film's cuts, the pieces finished so far and what they
    did. ``claim`` says what the render is (film, model, settings, plan): pieces left by a render
    of something else are cleared."""

    def __init__(self, out: Path):
        self.path = out.with_name(f".{out.name}.segments")
        self.suffix = out.suffix
        self.thumbs = self.path / "review"  # the pieces' review thumbnails

    def cuts(self, film: dict, find) -> list[int]:
        """The cuts of ``film`` (its identity and frame range) kept from an earlier run, or found
        now by ``find()`` and kept."""
        kept = self.path / "cuts.json"
        try:
            before = json.loads(kept.read_text())
            if before["film"] == film:
                return before["cuts"]
        except (OSError, ValueError, KeyError):
            pass
        cuts = find()
        self.path.mkdir(exist_ok=True)
        kept.write_text(json.dumps({"film": film, "cuts": cuts}))
        return cuts

    def claim(self, made_from: dict) -> None:
        made_from = {**made_from, "filmcolor_version": __version__}
        stamp = self.path / "render.json"
        try:
            before = json.loads(stamp.read_text())
        except (OSError, ValueError):
            before = None
        if before is not None and before != made_from:
            log.info("%s: left by another render; starting afresh", self.path)
        if before != made_from:
            for old in self.path.glob("piece-*"):
                old.unlink()
            shutil.rmtree(self.thumbs, ignore_errors=True)
        self.path.mkdir(exist_ok=True)
        stamp.write_text(json.dumps(made_from, indent=2))

    def video(self, piece: Piece) -> Path:
        return self.path / f"piece-{piece.index:05d}{self.suffix}"

    def partial(self, piece: Piece) -> Path:
        return self.path / f"piece-{piece.index:05d}.partial{self.suffix}"

    def finished(self, piece: Piece) -> dict | None:
        """The record of a finished piece, or None."""
        record = self.path / f"piece-{piece.index:05d}.json"
        if not (record.exists() and self.video(piece).exists()):
            return None
        try:
            return json.loads(record.read_text())
        except ValueError:  # half written when the render was killed
            return None

    def finish(self, piece: Piece, record: dict) -> None:
        """Keep a piece whose video is complete under its partial name; the record last."""
        os.replace(self.partial(piece), self.video(piece))
        tmp = self.path / f"piece-{piece.index:05d}.json.partial"
        tmp.write_text(json.dumps(record))
        os.replace(tmp, self.path / f"piece-{piece.index:05d}.json")

    def keep_if_any(self, pieces: list[Piece]) -> None:
        """After a failure: remove the partial pieces, and the folder if no piece is finished."""
        for piece in pieces:
            remove(self.partial(piece))
        if not any(self.finished(p) for p in pieces):
            self.remove()

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


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
    sound: Sound | None = None,
    timecode: str | None = None,
) -> None:
    """The pieces' video one after another, not re-encoded, with the ``sound`` (``io.audio``) and
    the start ``timecode``, into ``out``."""
    listing = out.with_name(f"{out.name}.pieces.txt")
    listing.write_text("".join(f"file '{p.resolve()}'\n" for p in pieces))
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
