"""How a video's frames are made into pictures: a filter chain, a YCbCr matrix, and how to seek.

A colour release on DVD or tape is rarely a plain sequence of progressive frames: telecine mixes
two film frames in one video frame, interlaced video holds two moments in one, and its YCbCr was
made with one matrix or another (BT.601 for SD, BT.709 for HD; untagged files exist). A
``Decoding`` says how to read such a file: the ffmpeg filter chain that makes its pictures
(``fieldmatch``, ``decimate``, ``bwdif``: ``alignment.fields`` chooses it), the matrix and range
its YCbCr are converted to RGB with, and how frame k of the chain's output is reached by seeking.

Seeking: a chain that turns every ``cycle[0]`` input frames into ``cycle[1]`` pictures (decimate:
5 into 4; bwdif one picture per field: 1 into 2) gives, when started on a whole cycle, the same
pictures as a decode from the start, once one cycle has passed (its filters look at neighbouring
frames). So picture k is reached by starting at input frame ``cycle[0] * (k // cycle[1] - 1)``
and dropping the first cycle's pictures. A chain whose cycles are not fixed (a mixed release's) is
not ``seekable``: it is read from the start. Measured bit-exact on DVDs (docs/align.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction

log = logging.getLogger("filmcolor")

# ffmpeg's colour-space tags, as swscale's in_color_matrix names them
_MATRICES = {
    "bt709": "bt709",
    "smpte170m": "bt601",
    "bt470bg": "bt601",
    "bt601": "bt601",
    "fcc": "fcc",
    "smpte240m": "smpte240m",
    "bt2020nc": "bt2020",
    "bt2020c": "bt2020",
}


@dataclass(frozen=True)
class Decoding:
    """How a video's pictures are decoded (see the module's docstring). ``filters`` is an ffmpeg
    filter chain (``-vf`` syntax, "" for none); ``matrix`` the YCbCr matrix (swscale's name:
    bt601, bt709, ...; None: ffmpeg's guess); ``full_range`` the YCbCr range; ``cycle`` input
    frames and pictures per cycle; ``input_fps`` the rate of the input's frames as a decoder yields
    them, ``fps`` the rate of the pictures (None: the file's)."""

    filters: str = ""
    matrix: str | None = None
    full_range: bool = False
    cycle: tuple[int, int] = (1, 1)
    input_fps: Fraction | None = None
    fps: Fraction | None = None
    seekable: bool = True

    def start(self, k: int) -> tuple[int, int]:
        """Where to start decoding to reach picture ``k``: (the input frame, the picture number
        of the first picture out from there)."""
        if not self.filters:  # a plain decode starts at k itself
            return k, k
        cycles = max(0, k // self.cycle[1] - 1) if self.seekable else 0
        return cycles * self.cycle[0], cycles * self.cycle[1]

    def count(self, info) -> int:
        """About how many pictures a video (its ``VideoInfo``) makes."""
        return round(info.duration * float(self.fps)) if self.fps else info.frames

    def to_json(self) -> dict:
        def rate(f):
            return None if f is None else f"{f.numerator}/{f.denominator}"

        return {
            "filters": self.filters,
            "matrix": self.matrix,
            "full_range": self.full_range,
            "cycle": list(self.cycle),
            "input_fps": rate(self.input_fps),
            "fps": rate(self.fps),
            "seekable": self.seekable,
        }

    @classmethod
    def from_json(cls, data: dict | None) -> Decoding:
        if not data:
            return cls()

        def rate(text):
            return None if text is None else Fraction(text)

        return cls(
            data.get("filters", ""),
            data.get("matrix"),
            bool(data.get("full_range", False)),
            tuple(data.get("cycle", (1, 1))),
            rate(data.get("input_fps")),
            rate(data.get("fps")),
            bool(data.get("seekable", True)),
        )


def colour_matrix(color_space: str, color_range: str, height: int, name: str) -> tuple[str, bool]:
    """The YCbCr matrix and range a file's pictures were made with, from its tags; an untagged
    file is taken as BT.601 up to 576 lines (SD) and BT.709 above (HD), and the log says so."""
    matrix = _MATRICES.get(color_space or "")
    if matrix is None:
        matrix = "bt601" if height <= 576 else "bt709"
        log.info(
            "%s: no colour-matrix tag%s; read as %s (%s)",
            name,
            f" ({color_space})" if color_space and color_space != "unknown" else "",
            matrix.upper().replace("BT", "BT."),
            "SD" if height <= 576 else "HD",
        )
    return matrix, color_range in ("pc", "jpeg")
