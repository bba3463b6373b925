"""A film as a folder of numbered frames (DPX, TIFF, PNG, EXR, JPEG), read like a video file.

A scan is often a folder of frames, ``reel1/000000.dpx`` ... ; filmcolor takes the folder, or a
printf pattern (``reel1/%06d.dpx``), wherever it takes a video. ffmpeg's image2 demuxer is not left
to find the frames itself: it looks for the first one only among the first five numbers, sorts a
glob as text, and stops at the first gap in the numbering with exit code 0, silently losing what
follows. So the folder is listed here, its numbered run found (numbers sorted as numbers), a gap
refused naming the first missing frame, and ffmpeg given the pattern, the start number and the frame
rate explicitly. The frame rate is the caller's (an option), else the DPX header's or the one
filmcolor wrote beside its own sequences (``sequence.json``), else 24.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..errors import VideoError
from .dpx import read_header

IMAGE_SUFFIXES = (".dpx", ".tif", ".tiff", ".png", ".exr", ".jpg", ".jpeg")
SIDECAR = "sequence.json"  # what filmcolor writes beside its own sequences
DEFAULT_FPS = Fraction(24)
_NUMBERED = re.compile(r"^(.*?)(\d+)(\.[A-Za-z]+)$")
_PATTERN = re.compile(r"%(0\d+)?d")


@dataclass(frozen=True)
class Sequence:
    """A run of numbered frames: ``pattern % n`` for n in start .. start + count - 1."""

    pattern: str  # printf pattern of the files' paths, e.g. "/scan/%06d.dpx"
    start: int  # the first frame's number
    count: int
    fps: Fraction | None = None  # what the files say (DPX header, sequence.json), if anything
    timecode: str | None = None  # the first frame's, as the files say

    @property
    def folder(self) -> Path:
        return Path(self.pattern).parent

    @property
    def suffix(self) -> str:
        return Path(self.pattern).suffix.lower()

    def file(self, k: int) -> Path:
        """The file of the sequence's k-th frame (k from 0)."""
        return Path(self.pattern % (self.start + k))

    def input_options(self) -> dict:
        """Decoder options for its files: EXR frames are scene-linear, read with BT.709's transfer
        applied (what writing an EXR here inverts)."""
        return {"apply_trc": "bt709"} if self.suffix == ".exr" else {}

    def concat_script(self, fps: Fraction, frames: range) -> str:
        """An ffconcat script naming the files of ``frames`` (sequence indices), each lasting one
        frame: what ``FrameReader`` reads to take one frame in N."""
        lines = ["ffconcat version 1.0"]
        for k in frames:  # absolute: ffconcat takes a relative name from the script's own folder
            name = str(self.file(k).absolute()).replace("'", "'\\''")
            lines += [f"file '{name}'", f"duration {float(1 / fps):.9f}"]
        return "\n".join(lines) + "\n"


def is_sequence(path: str | Path) -> bool:
    """A folder, or a path whose file name is a printf pattern (``%06d.tif``)."""
    path = Path(path)
    return path.is_dir() or bool(_PATTERN.search(path.name))


def find_sequence(path: str | Path) -> Sequence:
    """The numbered frames a folder (or pattern) holds; VideoError if there are none, several
    runs, or a gap in the numbering."""
    path = Path(path)
    folder, wanted = (path, None) if path.is_dir() else (path.parent, path.name)
    if not folder.is_dir():
        raise VideoError(f"{path}: no such folder {folder}")
    runs: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for p in folder.iterdir():
        m = _NUMBERED.match(p.name)
        if m and m.group(3).lower() in IMAGE_SUFFIXES and p.is_file():
            runs.setdefault((m.group(1), m.group(3)), []).append((int(m.group(2)), m.group(2)))
    if wanted is not None:
        runs = {k: v for k, v in runs.items() if _matches(wanted, k, v)}
    if not runs:
        what = f"no files named like {wanted}" if wanted else "no numbered image files"
        raise VideoError(
            f"{path}: {what} ({', '.join(s.lstrip('.') for s in IMAGE_SUFFIXES)}, numbered like "
            "000123.dpx)"
        )
    if len(runs) > 1:
        found = ", ".join(f"{p}*{s} ({len(v)} files)" for (p, s), v in sorted(runs.items()))
        raise VideoError(
            f"{path}: holds several sequences ({found}); name one with a pattern, e.g. "
            f"{folder / (next(iter(sorted(runs)))[0] + '%06d.dpx')}"
        )
    (prefix, suffix), items = next(iter(runs.items()))
    items.sort()
    width = min(len(text) for _, text in items)
    if all(text == f"{n:0{width}d}" for n, text in items) and width > 1:
        spec = f"%0{width}d"
    elif all(text == str(n) for n, text in items):
        spec = "%d"
    else:
        raise VideoError(
            f"{folder}: the frames of {prefix}*{suffix} are numbered with and without leading "
            "zeros; rename them alike"
        )
    numbers = [n for n, _ in items]
    pattern = str(folder).replace("%", "%%") + "/" + prefix.replace("%", "%%") + spec + suffix
    present = set(numbers)
    missing = next((n for n in range(numbers[0], numbers[-1] + 1) if n not in present), None)
    if missing is not None:
        gaps = numbers[-1] - numbers[0] + 1 - len(numbers)
        raise VideoError(
            f"{folder}: frame {Path(pattern % missing).name} is missing ({gaps} missing between "
            f"{Path(pattern % numbers[0]).name} and {Path(pattern % numbers[-1]).name}); restore "
            "it, or give the frames before and after the gap as two sequences"
        )
    fps, timecode = _what_the_files_say(Path(pattern % numbers[0]), folder)
    return Sequence(pattern, numbers[0], len(numbers), fps, timecode)


def _matches(pattern_name: str, run: tuple[str, str], items: list[tuple[int, str]]) -> bool:
    """Whether a run of files is the one a printf pattern names."""
    m = _PATTERN.search(pattern_name)
    prefix, suffix = pattern_name[: m.start()], pattern_name[m.end() :]
    if (prefix.replace("%%", "%"), suffix.replace("%%", "%").lower()) != (run[0], run[1].lower()):
        return False
    return any(m.group(0) % n == text for n, text in items)


def _what_the_files_say(first: Path, folder: Path) -> tuple[Fraction | None, str | None]:
    """Frame rate and start timecode from the first frame's DPX header or filmcolor's sidecar."""
    if first.suffix.lower() == ".dpx":
        header = read_header(first)
        if header.fps or header.timecode:
            return header.fps, header.timecode
    sidecar = folder / SIDECAR
    if sidecar.is_file():
        try:
            made = json.loads(sidecar.read_text())
            return Fraction(str(made["fps"])), made.get("timecode")
        except (ValueError, KeyError, TypeError, ZeroDivisionError):
            raise VideoError(f"{sidecar}: not a readable sequence description") from None
    return None, None
