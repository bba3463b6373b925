"""How the colour release's frames are made of fields, measured, and the chain that decodes it.

An SD colour release holds the film as fields: hard telecine (3:2 pulldown: two frames in five mix
two film frames), soft pulldown (progressive frames flagged to repeat fields), interlaced video
(every field a moment of its own), progressive frames coded interlaced (PAL DVDs: every frame says
"interlaced"), field-shifted progressive, or a mix. The flags do not say which (a PAL DVD flags
all its progressive frames interlaced; field orders are mis-flagged), so it is measured on a few
excerpts spread over the file (``EXCERPTS`` x ``SECONDS``):

- ffprobe's per-frame flags: ``repeat_pict`` on about half the frames is soft pulldown;
- ffmpeg's ``idet`` per frame: fields repeated on a steady phase in five frames is hard telecine;
  its multi-frame verdict says progressive or interlaced, and the field order (TFF or BFF) comes
  from the picture, never from the flag; interlaced stretches that ``fieldmatch`` turns
  progressive are field-shifted progressive frames.

Each second of an excerpt is classified, and the file is the kind its seconds share (a kind seen
in one second only is ignored), else ``mixed``. The decode chain follows (measured against
field-level truth, docs/align.md): telecine ``fieldmatch`` in the measured order, ``bwdif`` on the
frames it could not match (at cuts), ``decimate=scthresh=100`` (decimate's own scene threshold
drops the first frame of a shot), soft pulldown and progressive
nothing (frames are decoded as they are, ``-fps_mode passthrough``), field-shifted ``fieldmatch``,
interlaced ``bwdif`` giving one frame per field, mixed the best single ffmpeg chain
(``repeatfields,fieldmatch,bwdif`` on combed frames, ``decimate``). ``--fields`` overrides the
measured kind.
"""

from __future__ import annotations

import collections
import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction

import ffmpeg

from ..errors import VideoError
from ..io.decoding import Decoding, colour_matrix
from ..io.process import last_line
from ..io.video import VideoInfo
from ..settings import frame_rate

log = logging.getLogger("filmcolor")

EXCERPTS, SECONDS = 5, 8.0
KINDS = ("progressive", "soft", "telecine", "shifted", "interlaced", "mixed")
# Field matching with combing measured on every frame (a frame it cannot match, at a cut, is
# flagged combed: its threshold 15, above the default 9, which takes fine film detail for combing),
# the few combed frames left deinterlaced from one field (bwdif, frame for frame).
FIELDMATCH = "fieldmatch=order={o}:combmatch=full:cthresh=15"
COMBED = "bwdif=mode=send_frame:deint=interlaced"


@dataclass(frozen=True)
class FieldStructure:
    """What the measurement found: the ``kind`` (``KINDS``), the field order measured (``order``,
    tff/bff, None where fields do not matter) and flagged (``flagged``), how many one-second
    windows said each kind, the stretches of a mixed file (start s, end s, kind), how the kind was
    chosen ("measured" or the ``--fields`` given), and the rate of the frames a decoder yields."""

    kind: str
    order: str | None = None
    flagged: str | None = None
    windows: dict = field(default_factory=dict)
    stretches: tuple = ()
    chosen: str = "measured"
    frame_rate: Fraction | None = None
    soft_frames: float = 0.0  # share of frames with repeat_pict

    @property
    def misflagged(self) -> bool:
        return bool(self.order and self.flagged and self.order != self.flagged)

    def describe(self) -> str:
        """One line for the log and the reports."""
        order = f", {self.order.upper()}" if self.order else ""
        if self.misflagged:
            order += f" (flagged {self.flagged.upper()})"
        how = "measured" if self.chosen == "measured" else f"--fields {self.chosen}"
        return f"{self.kind}{order}, {how}"

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
        }

    @classmethod
    def from_json(cls, data: dict | None) -> FieldStructure:
        if not data:
            return cls("progressive", chosen="unknown")
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
        )


def release_decoding(info: VideoInfo, fields: str = "auto") -> tuple[FieldStructure, Decoding]:
    """The colour release's field structure (measured; ``fields`` other than auto overrides the
    kind) and the ``Decoding`` that makes its pictures: the chain, and the YCbCr matrix from its
    tags."""
    if fields == "progressive":  # nothing to measure: no chain, no field order
        structure = FieldStructure("progressive", chosen=fields, frame_rate=info.fps)
    else:
        structure = measure(info)
        if fields != "auto":
            kind = "soft" if fields == "telecine" and structure.kind == "soft" else fields
            structure = FieldStructure(
                kind,
                structure.order or "tff",
                structure.flagged,
                structure.windows,
                structure.stretches,
                fields,
                structure.frame_rate,
                structure.soft_frames,
            )
    matrix, full = colour_matrix(
        info.colour.matrix or "", info.colour.range or "", info.height, info.path.name
    )
    log.info("%s: %s", info.path.name, structure.describe())
    return structure, chain(structure, info, matrix, full)


def chain(structure: FieldStructure, info: VideoInfo, matrix: str, full: bool) -> Decoding:
    """The decoding for a field structure (see the module's docstring)."""
    o = structure.order or "tff"
    rate = structure.frame_rate or info.fps
    soft = "repeatfields," if structure.soft_frames >= 0.1 else ""
    kind = structure.kind
    if kind == "soft" and structure.chosen == "telecine":  # told telecine: field-match it anyway
        kind, soft = "telecine", "repeatfields,"
    if kind == "telecine":  # after repeatfields (soft flags), cycles are not fixed
        filters = f"{soft}{FIELDMATCH.format(o=o)},{COMBED},decimate=scthresh=100"
        if soft:
            return Decoding(filters, matrix, full, (5, 4), rate, rate, seekable=False)
        fps = frame_rate(info.fps * Fraction(4, 5))
        return Decoding(filters, matrix, full, (5, 4), info.fps, fps)
    if kind == "shifted":
        return Decoding(f"fieldmatch=order={o}", matrix, full, (1, 1), info.fps, info.fps)
    if kind == "interlaced":
        filters = f"bwdif=mode=send_field:parity={o}"
        return Decoding(filters, matrix, full, (1, 2), info.fps, 2 * info.fps)
    if kind == "mixed":
        filters = (
            f"repeatfields,{FIELDMATCH.format(o=o)},bwdif=mode=send_field:deint=interlaced,"
            "decimate=scthresh=100"
        )
        fps = frame_rate(info.fps * Fraction(4, 5))
        return Decoding(filters, matrix, full, (5, 4), info.fps, fps, seekable=False)
    return Decoding("", matrix, full, (1, 1), rate, rate)  # progressive, soft


def measure(info: VideoInfo) -> FieldStructure:
    """The field structure of a video, from its flags and ffmpeg's idet on a few excerpts."""
    d = info.duration
    if d <= EXCERPTS * SECONDS:
        starts = [i * SECONDS for i in range(max(1, int(-(-d // SECONDS))))]
    else:
        starts = [(d - SECONDS) * (i + 0.5) / EXCERPTS for i in range(EXCERPTS)]
    # The excerpts' probes are separate ffmpeg processes: run them side by side.
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        flags = [pool.submit(_flags, info, s) for s in starts]
        idets = [pool.submit(_idet, info, s) for s in starts]
        excerpts = [
            _excerpt(info, s, f.result(), i.result()) for s, f, i in zip(starts, flags, idets)
        ]
    windows = [w for e in excerpts for w in e["windows"]]
    counts = collections.Counter(k for _, k in windows if k != "unknown")
    solid = {k for k, n in counts.items() if n >= 2} or set(counts)
    kind = solid.pop() if len(solid) == 1 else ("mixed" if solid else "progressive")
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
    fielded = kind in ("telecine", "shifted", "interlaced", "mixed")
    structure = FieldStructure(
        kind,
        ("tff" if tff >= bff else "bff") if fielded else None,
        flagged if fielded else None,
        dict(counts),
        tuple(_stretches(windows)) if kind == "mixed" else (),
        "measured",
        rate,
        round(soft, 3),
    )
    if structure.misflagged:
        log.warning(
            "%s: flagged %s but its fields are %s: decoded as measured",
            info.path.name,
            structure.flagged.upper(),
            structure.order.upper(),
        )
    return structure


def _snap(rate: float) -> Fraction:
    """A measured frame rate, as the common rate within 0.5% of it if there is one."""
    common = [Fraction(n * 1000, 1001) for n in (24, 30, 60)] + [Fraction(n) for n in (24, 25, 30)]
    near = min(common, key=lambda c: abs(float(c) - rate))
    return (
        near if abs(float(near) - rate) < 0.005 * rate else Fraction(rate).limit_denominator(1001)
    )


def _excerpt(info: VideoInfo, start: float, fl: list, idet: list[dict]) -> dict:
    """One excerpt's 1-second windows, from its flags (``_flags``) and idet verdicts (``_idet``)."""
    windows = _windows(fl, idet, skip=1.0 if start > 0 else 0.0)
    multi = collections.Counter(f.get("mul") for f in idet)
    kinds = {k for _, k in windows}
    if "interlaced" in kinds:  # field-shifted progressive frames look interlaced until matched
        order = "tff" if multi["tff"] >= multi["bff"] else "bff"
        fm = collections.Counter(
            f.get("mul") for f in _idet(info, start, f"fieldmatch=order={order}:combmatch=full")
        )
        det = fm["tff"] + fm["bff"] + fm["progressive"]
        if det and fm["progressive"] >= 0.7 * det:
            windows = [(t, "shifted" if k == "interlaced" else k) for t, k in windows]
    times = sorted(f[0] for f in fl)
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 10 else None
    return {
        "windows": windows,
        "flags": fl,
        "tff": multi["tff"],
        "bff": multi["bff"],
        "rate": rate,
    }


def _flags(info: VideoInfo, start: float) -> list[tuple[float, int, int, int]]:
    """(time, repeat_pict, interlaced_frame, top_field_first) of each frame of an excerpt."""
    try:
        out = ffmpeg.probe(
            str(info.path),
            select_streams="v:0",
            read_intervals=f"{info.start_time + start:.3f}%+{SECONDS:.3f}",
            show_entries="frame=best_effort_timestamp_time,interlaced_frame,top_field_first,"
            "repeat_pict",
        )
    except ffmpeg.Error as e:
        why = last_line(e.stderr)
        raise VideoError(f"{info.path}: cannot read its frames' flags ({why})") from None
    frames = []
    for f in out.get("frames", []):
        t = f.get("best_effort_timestamp_time")
        if t in (None, "N/A"):
            continue
        frames.append(
            (
                float(t),
                int(f.get("repeat_pict", 0)),
                int(f.get("interlaced_frame", 0)),
                int(f.get("top_field_first", 0)),
            )
        )
    return frames


def _idet(info: VideoInfo, start: float, before: str | None = None) -> list[dict]:
    """idet's per-frame verdicts (time, repeated field, multi-frame kind) on an excerpt, after the
    filter ``before`` if given."""
    stream = ffmpeg.input(str(info.path), ss=start, t=SECONDS, copyts=None).video
    if before:
        name, _, args = before.partition("=")
        stream = stream.filter(name, **dict(a.split("=", 1) for a in args.split(":")))
    stream = stream.filter("idet").filter("metadata", mode="print", file="-")
    try:
        out, _ = (
            stream.output("-", format="null")
            .global_args("-nostdin", "-hide_banner", "-nostats", "-loglevel", "error")
            .run(capture_stdout=True, capture_stderr=True)
        )
    except ffmpeg.Error as e:
        why = last_line(e.stderr)
        raise VideoError(f"{info.path}: ffmpeg's idet could not read it ({why})") from None
    frames, cur = [], None
    for line in out.decode("utf-8", "replace").splitlines():
        if line.startswith("frame:"):
            m = re.search(r"pts_time:(\S+)", line)
            cur = {"t": float(m.group(1)) if m and m.group(1) != "NOPTS" else None}
            frames.append(cur)
        elif cur is not None and line.startswith("lavfi.idet.repeated.current_frame="):
            cur["rep"] = line.split("=", 1)[1]
        elif cur is not None and line.startswith("lavfi.idet.multiple.current_frame="):
            cur["mul"] = line.split("=", 1)[1]
    return [f for f in frames if f.get("t") is not None and "rep" in f]


def _windows(flags: list, idet: list[dict], skip: float) -> list[tuple[float, str]]:
    """Each second of an excerpt both passes cover, classified; idet's first second (its
    multi-frame verdict needs history) is skipped except at the file's start."""
    if not flags or not idet:
        return []
    lo = max(min(f["t"] for f in idet) + skip, min(f[0] for f in flags))
    hi = min(max(f["t"] for f in idet), max(f[0] for f in flags))
    bins = collections.defaultdict(lambda: ([], [], []))
    for f in idet:
        if lo <= f["t"] < hi:
            b = bins[int(f["t"] - lo)]
            b[0].append(f["rep"])
            b[1].append(f.get("mul", "undetermined"))
    for t, repeat, _, _ in flags:
        if lo <= t < hi:
            bins[int(t - lo)][2].append(repeat)
    return [
        (round(lo + k, 2), _classify(*b))
        for k, b in sorted(bins.items())
        if len(b[0]) >= 10 and len(b[2]) >= 0.5 * len(b[0])
    ]


def _classify(repeated: list[str], multi: list[str], repeat_pict: list[int]) -> str:
    """One second's kind: soft (repeat_pict on >= 30% of frames), telecine (idet's repeated fields
    on >= 20% of frames, >= 60% of them on one phase in five), unknown (< 30% of frames
    determined: black, a still), progressive or interlaced (>= 70% of the determined frames)."""
    n = max(len(repeated), 1)
    m = collections.Counter(multi)
    determined = m["tff"] + m["bff"] + m["progressive"]
    if sum(1 for x in repeat_pict if x > 0) / max(len(repeat_pict), 1) >= 0.3:
        return "soft"
    if sum(1 for x in repeated if x in ("top", "bottom")) / n >= 0.2 and _cadence(repeated) >= 0.6:
        return "telecine"
    if determined < 0.3 * n:
        return "unknown"
    if m["progressive"] >= 0.7 * determined:
        return "progressive"
    if m["tff"] + m["bff"] >= 0.7 * determined:
        return "interlaced"
    return "unknown"


def _cadence(repeated: list[str]) -> float:
    """Share of the repeated fields (of each parity) that fall on their most common phase mod 5."""
    on_phase, total = 0, 0
    for parity in ("top", "bottom"):
        phases = collections.Counter(i % 5 for i, r in enumerate(repeated) if r == parity)
        if phases:
            on_phase += phases.most_common(1)[0][1]
            total += sum(phases.values())
    return on_phase / total if total else 0.0


def _stretches(windows: list[tuple[float, str]]) -> list[tuple[float, float, str]]:
    out: list[list] = []
    for t, k in windows:
        if k == "unknown":
            continue
        if out and out[-1][2] == k and t - out[-1][1] < 1.5:
            out[-1][1] = t + 1
        else:
            out.append([t, t + 1, k])
    return [(round(a, 2), round(b, 2), k) for a, b, k in out]
