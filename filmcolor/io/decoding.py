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
and dropping the first cycle's pictures. A chain whose cycles are not fixed is not ``seekable``:
it is read from the start. Measured bit-exact on DVDs (docs/align.md).

A release that mixes kinds (telecined film, then video) is decoded by ``parts``: each stretch of
the file (by timestamps) through its own chain, the pictures one after another (ffmpeg's
``split``, ``trim`` and ``concat``, in the one process); ``filters`` then holds that graph as
``-vf`` text. Given the picture each later part begins with (``joins``) and each part's cycle
(``cycles``), it seeks as a chain does inside picture k's part: from a cycle before k's (from
the part's own read, which drops a cycle, in its first cycles), the pictures before that part
counted, not decoded (``start``, ``from_part``).
"""

from __future__ import annotations

import bisect
import logging
import math
from dataclasses import dataclass
from fractions import Fraction

import ffmpeg

from .formats import is_hd

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
    them, ``fps`` the rate of the pictures (None: the file's); ``parts``, where the file mixes
    kinds, (start s, end s or None, kind, chain) of each stretch, in the timestamps of a decode
    from the start (the file's start at 0), ``joins`` the picture each later part begins
    with and ``cycles`` each part's chain's cycle; ``holes`` the pictures that stand in for
    frames a variable-rate file lacks (``io.timestamps``)."""

    filters: str = ""
    matrix: str | None = None
    full_range: bool = False
    cycle: tuple[int, int] = (1, 1)
    input_fps: Fraction | None = None
    fps: Fraction | None = None
    seekable: bool = True
    parts: tuple[tuple[float, float | None, str, str], ...] = ()
    joins: tuple[int, ...] = ()
    cycles: tuple[tuple[int, int], ...] = ()
    steady: tuple[bool, ...] = ()
    holes: tuple[int, ...] = ()

    @classmethod
    def by_parts(
        cls, parts, matrix, full_range, fps, input_fps=None, joins=(), cycles=(), steady=()
    ) -> Decoding:
        """A decoding that reads each stretch of the file through its own chain; ``fps`` the
        pictures' mean rate, ``input_fps`` the file's frames' rate. Seekable where the picture
        each later part begins with (``joins``) and each part's cycle (``cycles``) are given;
        inside a part by its cycles only where its frames keep the rate (``steady``)."""
        parts = tuple((float(a), None if b is None else float(b), k, c) for a, b, k, c in parts)
        joins, cycles = tuple(int(j) for j in joins), tuple(tuple(c) for c in cycles)
        steady = tuple(bool(x) for x in steady)
        seekable = (
            input_fps is not None and len(joins) == len(parts) - 1 and len(cycles) == len(parts)
        )
        return cls(
            _graph(parts),
            matrix,
            full_range,
            (1, 1),
            input_fps,
            fps,
            seekable,
            parts,
            joins,
            cycles,
            steady,
        )

    def from_part(self, start: float) -> tuple[float, Decoding]:
        """A read from ``start`` (seconds, half a frame before the input frame ``start`` gives):
        the parts from there on, the first cut to begin there (unless it is that part's own
        read), and where the input must begin for them: what a decode from there runs, in the
        same timestamps."""
        fps = float(self.input_fps)
        j = math.ceil(start * fps - 1e-3)
        reads = [math.ceil(a * fps - 1e-3) for a, *_ in self.parts]
        # Inside a later part's first cycle (read only to be dropped) lies the part before it.
        leads = [
            c0 if i and part[3] else 0
            for i, (part, (c0, _)) in enumerate(zip(self.parts, self.cycles))
        ]
        p = max(i for i, r in enumerate(reads) if r == j or r + leads[i] <= j)
        a, b, kind, chain = self.parts[p]
        if reads[p] != j:
            a = start
        parts = ((a, b, kind, chain), *self.parts[p + 1 :])
        # read from the earliest frame a part needs: the next part's read may begin before `a`
        start = min(part[0] for part in parts)
        return start, Decoding.by_parts(parts, self.matrix, self.full_range, self.fps)

    def apply(self, stream):
        """An ffmpeg-python ``stream`` through this decoding's chain (or each part's)."""
        if not self.parts:
            return filtered(stream, self.filters)
        split = stream.split()
        outs = []
        for i, (a, b, _, chain) in enumerate(self.parts):
            part = split[i].trim(**trim_options(a, b)).setpts("PTS-STARTPTS")
            outs.append(filtered(part, chain))
        return ffmpeg.concat(*outs, v=1, a=0)

    def describe(self) -> str:
        """The chain for a log line: each part's, with its stretch in seconds, where there are
        parts."""
        if not self.parts:
            return self.filters or "no filter"
        return "; ".join(
            f"{kind} {a!r}-{'end' if b is None else repr(b)} s: {chain or 'no filter'}"
            for a, b, kind, chain in self.parts
        )

    def start(self, k: int) -> tuple[int, int]:
        """Where to start decoding to reach picture ``k``: (the input frame, the picture number
        of the first picture out from there)."""
        if not self.filters:  # a plain decode starts at k itself
            return k, k
        if self.parts:
            if not self.seekable:
                return 0, 0
            p = bisect.bisect_right(self.joins, k)  # picture k's part, from its first picture
            first = self.joins[p - 1] if p else 0
            read = math.ceil(self.parts[p][0] * float(self.input_fps) - 1e-3)
            if p >= len(self.steady) or not self.steady[p]:  # frames off the rate: its read
                return read, first
            (c0, c1), chain = self.cycles[p], self.parts[p][3]
            # A part after the first drops its read's first cycle itself (``fields.chain``)
            m = (k - first) // c1 - (0 if p and chain else 1)
            return read + max(0, m) * c0, first + max(0, m) * c1
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
            "parts": [list(p) for p in self.parts],
            "joins": list(self.joins),
            "cycles": [list(c) for c in self.cycles],
            "steady": list(self.steady),
            "holes": list(self.holes),
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
            tuple(tuple(p) for p in data.get("parts", ())),
            tuple(data.get("joins", ())),
            tuple(tuple(c) for c in data.get("cycles", ())),
            tuple(data.get("steady", ())),
            tuple(data.get("holes", ())),
        )


def filtered(stream, filters: str):
    """An ffmpeg-python ``stream`` through a filter chain given as ``-vf`` text (no branches)."""
    for step in filter(None, filters.split(",")):
        name, _, args = step.partition("=")
        named = dict(a.split("=", 1) for a in args.split(":") if "=" in a)
        stream = stream.filter(name, *[a for a in args.split(":") if a and "=" not in a], **named)
    return stream


def _graph(parts) -> str:
    """The ``-vf`` text of a decoding by parts: split, each part trimmed to its stretch and sent
    through its chain, the parts concatenated."""
    n = len(parts)
    head = f"split={n}" + "".join(f"[in{i}]" for i in range(n))
    branches = []
    for i, (a, b, _, chain) in enumerate(parts):
        trim = "trim=" + ":".join(f"{k}={v!r}" for k, v in trim_options(a, b).items())
        steps = ",".join(filter(None, [trim, "setpts=PTS-STARTPTS", chain]))
        branches.append(f"[in{i}]{steps}[out{i}]")
    tail = "".join(f"[out{i}]" for i in range(n)) + f"concat=n={n}:v=1:a=0"
    return ";".join([head, *branches, tail])


def colour_matrix(
    colour_space: str, color_range: str, size: tuple[int, int], name: str
) -> tuple[str, bool]:
    """The YCbCr matrix and range a file's pictures were made with, from its tags; an untagged
    file is taken as BT.601 for SD and BT.709 for HD (``formats.is_hd``), and the log says so."""
    matrix = _MATRICES.get(colour_space or "")
    hd = is_hd(*size)
    if matrix is None:
        matrix = "bt709" if hd else "bt601"
        log.info(
            "%s: no colour-matrix tag%s; read as %s (%s)",
            name,
            f" ({colour_space})" if colour_space and colour_space != "unknown" else "",
            matrix.upper().replace("BT", "BT."),
            "HD" if hd else "SD",
        )
    return matrix, color_range in ("pc", "jpeg")


def trim_options(a: float, b: float | None) -> dict:
    """ffmpeg trim's options for the stretch [a, b) seconds (b None: to the end)."""
    return ({"start": a} if a else {}) | ({} if b is None else {"end": b})
