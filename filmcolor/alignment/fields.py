"""How the colour release's frames are made of fields, measured, and the chain that decodes it.

An SD colour release holds the film as fields: hard telecine (3:2 pulldown: two frames in five mix
two film frames), soft pulldown (progressive frames flagged to repeat fields), interlaced video
(every field a moment of its own), progressive frames coded interlaced (PAL DVDs: every frame says
"interlaced"), field-shifted progressive, or a mix. The flags do not say which (a PAL DVD flags
all its progressive frames interlaced; field orders are mis-flagged), so it is measured on a few
excerpts spread over the file (``EXCERPTS`` x ``SECONDS``), each second given a kind from
ffprobe's flags and ffmpeg's ``idet`` (``windows``). The file is the kind its seconds share (a
kind seen in one second only is ignored), else ``mixed``: then every second of the file is
classified (in ``CHUNK`` s pieces, side by side), and each of its stretches of one kind
(``stretches``) is decoded through that kind's chain (``Decoding.by_parts``).

Each kind's chain is its entry in ``kinds.FIELD_KINDS`` (measured against field-level truth,
docs/align.md); a chain with no filters decodes the frames as they are (``-fps_mode
passthrough``). ``--fields`` overrides the measured kind.
"""

from __future__ import annotations

import bisect
import collections
import logging
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from fractions import Fraction

from ..io.decoding import Decoding, colour_matrix
from ..io.timestamps import grid, packet_times
from ..io.video import VideoInfo
from ..settings import frame_rate
from .kinds import AUTO, FIELD_KINDS, UNKNOWN, FieldKind
from .stretches import mixed_stretches
from .windows import excerpt, frame_flags, idet_verdicts

log = logging.getLogger("filmcolor")

EXCERPTS, SECONDS = 5, 8.0
CHUNK = 60.0  # seconds of a mixed file measured by one pair of ffmpeg processes


@dataclass(frozen=True)
class FieldStructure:
    """What the measurement found: the ``kind`` (a ``FieldKind``), the field order measured
    (``order``, tff/bff, None where fields do not matter) and flagged (``flagged``), how many
    one-second windows said each kind, the stretches of a mixed file (start s, end s, kind, in
    the file's timestamps; the first is read from the file's start, the last to its end), how the
    kind was chosen ("measured" or the ``--fields`` given), and the rate of the frames a decoder
    yields."""

    kind: str
    order: str | None = None
    flagged: str | None = None
    windows: dict = field(default_factory=dict)
    stretches: tuple = ()
    chosen: str = "measured"
    frame_rate: Fraction | None = None
    soft_frames: float = 0.0  # share of frames with repeat_pict
    frames: tuple = ()  # the input frames each stretch's read takes, by their timestamps
    steady: tuple = ()  # whether each read's frames keep the frame rate (none share a time)

    @property
    def misflagged(self) -> bool:
        return bool(self.order and self.flagged and self.order != self.flagged)

    def describe(self) -> str:
        """One line for the log and the reports."""
        order = f", {self.order.upper()}" if self.order else ""
        if self.misflagged:
            order += f" (flagged {self.flagged.upper()})"
        if self.chosen != "measured":
            return f"{self.kind}{order}, --fields {self.chosen}"
        said = ", ".join(
            f"{n} {'no evidence (still, black)' if k == UNKNOWN else k}"
            for k, n in sorted(self.windows.items(), key=lambda x: -x[1])
        )
        parts = "; ".join(f"{k} {a:.1f}-{b:.1f} s" for a, b, k in self.stretches)
        return (
            f"{self.kind}{order}, measured"
            + (f" ({parts})" if parts else "")
            + (f"; seconds measured: {said}" if said else "")
        )

    def to_json(self) -> dict:
        rate = self.frame_rate
        return {
            "kind": self.kind,
            "order": self.order,
            "flagged": self.flagged,
            "misflagged": self.misflagged,
            "windows": dict(self.windows),
            "stretches": [list(s) for s in self.stretches],
            "chosen": self.chosen,
            "frame_rate": None if rate is None else f"{rate.numerator}/{rate.denominator}",
            "soft_frames": self.soft_frames,
            "frames": list(self.frames),
            "steady": list(self.steady),
        }

    @classmethod
    def from_json(cls, data: dict | None) -> FieldStructure:
        if not data:
            return cls(FieldKind.PROGRESSIVE, chosen="unknown")
        rate = data.get("frame_rate")
        return cls(
            data["kind"],
            data.get("order"),
            data.get("flagged"),
            dict(data.get("windows", {})),
            tuple(tuple(s) for s in data.get("stretches", ())),
            data.get("chosen", "measured"),
            None if rate is None else Fraction(rate),
            float(data.get("soft_frames", 0.0)),
            tuple(data.get("frames", ())),
            tuple(data.get("steady", ())),
        )


def release_decoding(info: VideoInfo, fields: str = AUTO) -> tuple[FieldStructure, Decoding]:
    """The colour release's field structure (measured; ``fields`` other than auto overrides the
    kind) and the ``Decoding`` that makes its pictures: the chain, and the YCbCr matrix from its
    tags."""
    if fields == FieldKind.PROGRESSIVE:  # nothing to measure: no chain, no field order
        structure = FieldStructure(FieldKind.PROGRESSIVE, chosen=fields, frame_rate=info.fps)
    else:
        structure = measure(info)
        if fields != AUTO:
            soft = fields == FieldKind.TELECINE and structure.kind == FieldKind.SOFT
            kind = FieldKind.SOFT if soft else fields
            structure = FieldStructure(
                kind,
                structure.order or "tff",
                structure.flagged,
                structure.windows,
                structure.stretches,
                fields,
                structure.frame_rate,
                structure.soft_frames,
                structure.frames,
                structure.steady,
            )
    matrix, full = colour_matrix(
        info.colour.matrix or "", info.colour.range or "", info.size, info.path.name
    )
    log.info("%s: %s", info.path.name, structure.describe())
    decoding = chain(structure, info, matrix, full)
    if decoding.filters or info.sequence:
        return structure, decoding
    return structure, _on_timestamps(info, decoding)


def _on_timestamps(info: VideoInfo, decoding: Decoding) -> Decoding:
    """A release decoded frame for frame, on its timestamps' grid where they keep no steady rate
    (``io.timestamps``: frames it lacks are holes, not its neighbours)."""
    steps = grid(packet_times(info.path))
    if steps is None:
        return decoding
    log.info(
        "%s: variable frame rate: on a %s fps grid, %d of %d frames missing",
        info.path.name, steps.rate, len(steps.holes), steps.slots,
    )  # fmt: skip
    return replace(
        decoding, filters=f"fps={steps.rate}", fps=steps.rate, seekable=False, holes=steps.holes
    )


def chain(structure: FieldStructure, info: VideoInfo, matrix: str, full: bool) -> Decoding:
    """The decoding for a field structure: its kind's chain (``kinds.FIELD_KINDS``)."""
    o = structure.order or "tff"
    soft = structure.soft_frames >= 0.1
    kind = structure.kind
    if kind == FieldKind.SOFT and structure.chosen == FieldKind.TELECINE:
        kind, soft = FieldKind.TELECINE, True  # told telecine: field-match it anyway
    spec = FIELD_KINDS[kind]
    if spec.filters is None:  # each stretch through its own kind's chain
        return _by_stretches(structure, info, matrix, full)
    rate = structure.frame_rate or info.fps
    if not spec.filters:  # the frames as decoded, at the rate measured
        return Decoding("", matrix, full, (1, 1), rate, rate)
    filters = spec.filters.format(o=o)
    if spec.repeats and soft:  # after repeatfields (soft flags), cycles are not fixed
        filters = f"repeatfields,{filters}"
        return Decoding(filters, matrix, full, spec.cycle, rate, rate, seekable=False)
    fps = info.fps * Fraction(spec.cycle[1], spec.cycle[0])
    # A chain that drops pictures restores the film's frames: at the common rate near theirs.
    fps = frame_rate(fps) if spec.cycle[1] < spec.cycle[0] else fps
    return Decoding(filters, matrix, full, spec.cycle, info.fps, fps)


def _by_stretches(structure: FieldStructure, info: VideoInfo, matrix: str, full: bool) -> Decoding:
    """The decoding of a release that mixes kinds: each stretch through its own kind's chain."""
    if not structure.stretches:
        raise ValueError("a mixed release is decoded by its measured stretches")
    o = structure.order or "tff"
    # Seekable where each stretch's frames are known (counted by their timestamps)
    counted = len(structure.frames) == len(structure.stretches)
    parts, cycles, joins, pictures, made = [], [], [], 0.0, 0
    last = len(structure.stretches) - 1
    for i, (a, b, part) in enumerate(structure.stretches):
        one = chain(FieldStructure(part, o, frame_rate=info.fps), info, matrix, full)
        a, b = a - info.start_time if i else 0.0, b - info.start_time if i < last else None
        seconds = (info.duration if b is None else b) - a
        pictures += seconds * float(one.fps or info.fps)
        filters, lead = one.filters, _lead(i, one, info)
        if lead:
            # Read from one cycle before the cut, its pictures dropped: the chain's filters
            # then see the frames before the stretch's first (decimate, with none before
            # it, drops a cycle's first frame however unlike the one after it).
            a -= lead
            filters += f",trim=start_frame={one.cycle[1]}"
        if counted:  # where its pictures begin, and how many its chain makes of its read
            joins.append(made)
            made += _pictures(structure.frames[i], one.cycle, bool(lead))
        parts.append((round(a, 4), None if b is None else round(b, 4), part, filters))
        cycles.append(one.cycle)
    # the pictures' mean rate: counted, or from each stretch's seconds at its chain's rate
    pictures = made if counted else pictures
    fps = frame_rate(Fraction(pictures / max(info.duration, 1e-3)).limit_denominator(1001))
    # seeks inside a stretch go by its cycles where its frames keep the rate
    steady = structure.steady if len(structure.steady) == len(parts) else (False,) * len(parts)
    return Decoding.by_parts(parts, matrix, full, fps, info.fps, joins[1:], cycles, steady)


def _lead(i: int, one: Decoding, info) -> float:
    """Seconds of the file a stretch's read takes before its cut: a cycle for a stretch after the
    first whose chain has filters (``chain``), else none."""
    return one.cycle[0] / float(info.fps) if i and one.filters else 0.0


def _pictures(frames: int, cycle: tuple[int, int], lead: bool) -> int:
    """The pictures a stretch's chain makes of its read's ``frames`` (by their timestamps: where
    files were joined, two can share one), as ``Decoding.joins`` counts them: decimate drops a
    frame in each whole cycle only, and a read from a cycle early drops that cycle's pictures."""
    whole, rest = divmod(frames, cycle[0])
    return max(0, whole * cycle[1] + min(rest, cycle[1]) - (cycle[1] if lead else 0))


def measure(info: VideoInfo) -> FieldStructure:
    """The field structure of a video, from its flags and ffmpeg's idet on a few excerpts."""
    d = info.duration
    if d <= EXCERPTS * SECONDS:
        starts = [i * SECONDS for i in range(max(1, int(-(-d // SECONDS))))]
    else:
        starts = [(d - SECONDS) * (i + 0.5) / EXCERPTS for i in range(EXCERPTS)]
    excerpts = _excerpts(info, starts, SECONDS)
    kind, windows, counts = _kind(excerpts)
    stretches: tuple = ()
    frames: tuple = ()
    steady: tuple = ()
    if kind == FieldKind.MIXED:  # every second of it, to decode each stretch by its kind
        log.info("%s: mixes kinds of fields; measuring every second of it", info.path.name)
        # Pieces overlap by a second: a seek in an MPEG program stream lands a little late.
        excerpts = _excerpts(info, [max(0.0, t - 1.0) for t in _range(d, CHUNK)], CHUNK + 1)
        kind, windows, counts = _kind(excerpts)
        if kind == FieldKind.MIXED:
            rows: dict[float, str] = {}  # where pieces overlap, the earlier's (it has history)
            for e in excerpts:
                for t, rep in e["repeated"]:
                    rows.setdefault(t, rep)
            stretches = tuple(mixed_stretches(info, windows, sorted(rows.items())))
            kind = FieldKind.MIXED if len({k for *_, k in stretches}) > 1 else stretches[0][-1]
            frames, steady = _frames(info, excerpts, stretches)
    tff = sum(e["tff"] for e in excerpts)
    bff = sum(e["bff"] for e in excerpts)
    flags = [f for e in excerpts for f in e["flags"]]
    n = max(len(flags), 1)
    interlaced_flag = sum(f[2] for f in flags) / n
    flag_tff = sum(f[3] for f in flags) / n
    flagged = ("tff" if flag_tff >= 0.5 else "bff") if interlaced_flag >= 0.5 else None
    soft = sum(1 for f in flags if f[1] > 0) / n
    rates = sorted(e["rate"] for e in excerpts if e["rate"])
    rate = _snap(rates[len(rates) // 2]) if rates else info.fps
    fielded = FIELD_KINDS[kind].fielded
    structure = FieldStructure(
        kind,
        ("tff" if tff >= bff else "bff") if fielded else None,
        flagged if fielded else None,
        dict(counts),
        stretches if kind == FieldKind.MIXED else (),
        "measured",
        rate,
        round(soft, 3),
        frames if kind == FieldKind.MIXED else (),
        steady if kind == FieldKind.MIXED else (),
    )
    if structure.misflagged:
        log.warning(
            "%s: flagged %s but its fields are %s: decoded as measured",
            info.path.name,
            structure.flagged.upper(),
            structure.order.upper(),
        )
    return structure


def _frames(info: VideoInfo, pieces: list[dict], stretches) -> tuple[tuple, tuple]:
    """How many frames each stretch's read holds (a later one's from a cycle before its cut:
    ``chain``), by the timestamps in the flags of the pieces of a whole-file pass, so that frames
    sharing a timestamp (where files were joined) all count; and whether they keep the frame
    rate, the read's lead holding just a cycle (``Decoding.start`` then seeks by cycles). Pieces
    overlap by a second: each gives the frames up to the middle of its overlap with the next (a
    read can land a little late and end a little early)."""
    bounds = [info.start_time + t - 0.5 for t in _range(info.duration, CHUNK)][1:] + [math.inf]
    times: list[float] = []
    for e, lo, hi in zip(pieces, [-math.inf, *bounds], bounds):
        times += sorted(f[0] for f in e["flags"] if lo <= f[0] < hi)
    step = 1 / float(info.fps)
    counts, steady = [], []
    for i, (a, b, kind) in enumerate(stretches):
        one = chain(FieldStructure(kind, frame_rate=info.fps), info, "", False)
        early = _lead(i, one, info)
        lo = bisect.bisect_left(times, a - early) if i else 0
        cut, hi = bisect.bisect_left(times, a) if i else 0, bisect.bisect_left(times, b)
        gaps = [y - x for x, y in zip(times[lo:hi], times[lo + 1 : hi])]
        counts.append(hi - lo)
        one_cycle = cut - lo == (one.cycle[0] if early else 0)  # the lead, as chain drops it
        # a soft stretch's coded frames lie 1 and 1.5 frames apart: off the file's frame grid
        even = kind != FieldKind.SOFT and all(0.5 * step < g < 1.5 * step for g in gaps)
        steady.append(one_cycle and even)
    return tuple(counts), tuple(steady)


def _range(duration: float, step: float) -> list[float]:
    return [i * step for i in range(max(1, int(-(-duration // step))))]


def _excerpts(info: VideoInfo, starts: list[float], seconds: float) -> list[dict]:
    """Each excerpt's windows, flags and idet counts (``windows.excerpt``); the excerpts' probes are
    separate ffmpeg processes, run side by side."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        flags = [pool.submit(frame_flags, info, s, seconds) for s in starts]
        idets = [pool.submit(idet_verdicts, info, s, seconds, fields=True) for s in starts]
        return [
            excerpt(info, s, seconds, f.result(), i.result())
            for s, f, i in zip(starts, flags, idets)
        ]


def _kind(excerpts: list[dict]) -> tuple[str, list, collections.Counter]:
    """The kind the excerpts' windows share (a kind seen in one window only is ignored, and a
    window that could not tell, ``UNKNOWN``, takes its neighbours' kind), else mixed; the
    windows; how many said each kind."""
    windows = [w for e in excerpts for w in e["windows"]]
    counts = collections.Counter(k for _, k in windows)
    told = {k: n for k, n in counts.items() if k != UNKNOWN}
    solid = {k for k, n in told.items() if n >= 2} or set(told)
    kind = solid.pop() if len(solid) == 1 else (FieldKind.MIXED if solid else FieldKind.PROGRESSIVE)
    return kind, windows, counts


def _snap(rate: float) -> Fraction:
    """A measured frame rate, as the common rate within 0.5% of it if there is one."""
    common = [Fraction(n * 1000, 1001) for n in (24, 30, 60)] + [Fraction(n) for n in (24, 25, 30)]
    near = min(common, key=lambda c: abs(float(c) - rate))
    return (
        near if abs(float(near) - rate) < 0.005 * rate else Fraction(rate).limit_denominator(1001)
    )
