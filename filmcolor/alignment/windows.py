"""One-second windows of a video, each given a kind of fields, from ffprobe's and idet's verdicts.

On an excerpt, ffprobe gives each frame's flags (``repeat_pict``: soft pulldown) and ffmpeg's
``idet`` each frame's repeated field (hard telecine: one on a steady phase in five) and its
multi-frame verdict (progressive or interlaced, and the field order from the picture). Each second
is classified from them; interlaced seconds that one field's delay (ffmpeg's
``phase``) makes progressive are field-shifted progressive frames. ``fields`` decides the file's
kind from the windows.
"""

from __future__ import annotations

import collections
import re

import ffmpeg

from ..errors import VideoError
from ..io.decoding import filtered
from ..io.process import last_line
from ..io.video import VideoInfo
from .kinds import FIELD_KINDS, UNKNOWN, FieldKind


def excerpt(
    info: VideoInfo, start: float, seconds: float, frames: list, verdicts: list[dict]
) -> dict:
    """One excerpt's one-second windows, from its frames' flags (``frame_flags``) and idet's
    verdicts (``idet_verdicts``); its flags, repeated-field verdicts, field-order votes and frame
    rate."""
    windows = _windows(frames, verdicts, skip=1.0 if start > 0 else 0.0)
    multi = collections.Counter(f.get("mul") for f in verdicts)
    if any(k == FieldKind.INTERLACED for _, k in windows):
        # Field-shifted progressive frames look interlaced until their fields are paired again:
        # the interlaced windows are shifted where one field's delay (ffmpeg's phase) makes
        # them progressive. Measured over all of them (a shot of combed frames in the source
        # is combed either way), on the luma (chroma subsampled across the shifted fields is
        # combed either way); not with fieldmatch, which turns telecine progressive too, and
        # whose choices on video vary from run to run in ffmpeg 5.1.
        at = [t for t, k in windows if k == FieldKind.INTERLACED]
        # Only over those seconds (from one before, for idet's history): a long piece of a
        # mixed file is mostly telecine.
        lo = max(start, at[0] - info.start_time - 1.0)
        hi = min(start + seconds, at[-1] - info.start_time + 1.0)
        paired = (idet_verdicts(info, lo, hi - lo, f"phase=mode={m},format=gray") for m in "tb")
        if any(_progressive(v, at) for v in paired):
            shifted = FieldKind.SHIFTED
            windows = [(t, shifted if k == FieldKind.INTERLACED else k) for t, k in windows]
    times = sorted(f[0] for f in frames)
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 10 else None
    return {
        "windows": windows,
        "flags": frames,
        "repeated": [(f["t"], f["rep"]) for f in verdicts],
        "tff": multi["tff"],
        "bff": multi["bff"],
        "rate": rate,
    }


def _progressive(verdicts: list[dict], windows: list[float]) -> bool:
    """Whether idet's ``verdicts`` call >= 70% of the frames it determines in the one-second
    ``windows`` progressive."""
    m = collections.Counter(
        f.get("mul") for f in verdicts if any(t <= f["t"] < t + 1 for t in windows)
    )
    det = m["tff"] + m["bff"] + m["progressive"]
    return bool(det) and m["progressive"] >= 0.7 * det


def frame_flags(info: VideoInfo, start: float, seconds: float) -> list[tuple[float, int, int, int]]:
    """(time, repeat_pict, interlaced_frame, top_field_first) of each frame of an excerpt."""
    try:
        out = ffmpeg.probe(
            str(info.path),
            select_streams="v:0",
            read_intervals=f"{info.start_time + start:.3f}%+{seconds:.3f}",
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


def idet_verdicts(
    info: VideoInfo, start: float, seconds: float, before: str | None = None
) -> list[dict]:
    """idet's per-frame verdicts (time, repeated field, multi-frame kind) on an excerpt, after the
    filter ``before`` if given."""
    stream = ffmpeg.input(str(info.path), ss=start, t=seconds, copyts=None).video
    stream = filtered(stream, before or "")
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
    on >= 20% of frames, >= 60% of them on one phase of its cadence), unknown (< 30% of frames
    determined: black, a still), progressive or interlaced (>= 70% of the determined frames)."""
    n = max(len(repeated), 1)
    m = collections.Counter(multi)
    determined = m["tff"] + m["bff"] + m["progressive"]
    if sum(1 for x in repeat_pict if x > 0) / max(len(repeat_pict), 1) >= 0.3:
        return FieldKind.SOFT
    telecine = FieldKind.TELECINE
    repeats = sum(1 for x in repeated if x in ("top", "bottom")) / n
    if repeats >= 0.2 and _cadence(repeated, FIELD_KINDS[telecine].cadence) >= 0.6:
        return telecine
    if determined < 0.3 * n:
        return UNKNOWN
    if m["progressive"] >= 0.7 * determined:
        return FieldKind.PROGRESSIVE
    if m["tff"] + m["bff"] >= 0.7 * determined:
        return FieldKind.INTERLACED
    return UNKNOWN


def _cadence(repeated: list[str], period: int) -> float:
    """Share of the repeated fields (of each parity) that fall on their most common phase mod
    ``period``."""
    on_phase, total = 0, 0
    for parity in ("top", "bottom"):
        phases = collections.Counter(i % period for i, r in enumerate(repeated) if r == parity)
        if phases:
            on_phase += phases.most_common(1)[0][1]
            total += sum(phases.values())
    return on_phase / total if total else 0.0
