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
import os
import re
import tempfile

import ffmpeg
import numpy as np

from ..errors import VideoError
from ..io.decoding import filtered
from ..io.process import last_line
from ..io.video import VideoInfo
from .kinds import FIELD_KINDS, UNKNOWN, FieldKind

FIELD_SIDE = 64  # a field's thumbnail, pixels a side: what its change is measured on
PACE = FIELD_KINDS[FieldKind.TELECINE].cadence  # the frames of hard telecine's cycle
REPEATS = 0.6  # a second whose quietest phases change this much less than the rest votes them
PACED = 0.75  # ... and under this, on the excerpt's cadence, a second is telecine
UNPACED = 0.9  # over this a cadence is absent (video's fields all change), between: no verdict
STILL = 0.15  # grey levels a field changes by at most in a still second (a clean source)
STILL_OVER_NOISE = 1.3  # ... or by its noise (a repeated field's change) and a little more


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
    info: VideoInfo, start: float, seconds: float, before: str | None = None, fields: bool = False
) -> list[dict]:
    """idet's per-frame verdicts (time, repeated field, multi-frame kind) on an excerpt, after the
    filter ``before`` if given; with ``fields``, also how much each frame's top and bottom field
    changed from the frame before's (``dt``, ``db``: mean grey levels on small thumbnails of each
    field, from the same decode)."""
    stream = ffmpeg.input(str(info.path), ss=start, t=seconds, copyts=None).video
    stream = filtered(stream, before or "")
    with tempfile.TemporaryDirectory(prefix="filmcolor-idet-") as tmp:
        printed = os.path.join(tmp, "idet.txt")
        stream = stream.filter("idet").filter("metadata", mode="print", file=printed)
        if fields:  # each field's lines to a half of the frame, shrunk: a thumbnail a field
            stream = stream.filter("il", l="d", c="d").filter(
                "scale", FIELD_SIDE, 2 * FIELD_SIDE, flags="area"
            )
            stream = stream.filter("format", "gray")
        try:
            out, _ = (
                stream.output("-", format="rawvideo" if fields else "null")
                .global_args("-nostdin", "-hide_banner", "-nostats", "-loglevel", "error")
                .run(capture_stdout=True, capture_stderr=True)
            )
        except ffmpeg.Error as e:
            why = last_line(e.stderr)
            raise VideoError(f"{info.path}: ffmpeg's idet could not read it ({why})") from None
        with open(printed, encoding="utf-8", errors="replace") as f:
            text = f.read()
    frames, cur = [], None
    for line in text.splitlines():
        if line.startswith("frame:"):
            m = re.search(r"pts_time:(\S+)", line)
            cur = {"t": float(m.group(1)) if m and m.group(1) != "NOPTS" else None}
            frames.append(cur)
        elif cur is not None and line.startswith("lavfi.idet.repeated.current_frame="):
            cur["rep"] = line.split("=", 1)[1]
        elif cur is not None and line.startswith("lavfi.idet.multiple.current_frame="):
            cur["mul"] = line.split("=", 1)[1]
    if fields:
        side = FIELD_SIDE
        thumbs = np.frombuffer(out, np.uint8)[: len(frames) * 2 * side * side]
        thumbs = thumbs.reshape(-1, 2, side, side).astype(np.float32)
        change = np.abs(np.diff(thumbs, axis=0)).mean(axis=(2, 3))
        for f, (dt, db) in zip(frames[1:], change):
            f["dt"], f["db"] = float(dt), float(db)
    return [f for f in frames if f.get("t") is not None and "rep" in f]


def _windows(flags: list, idet: list[dict], skip: float) -> list[tuple[float, str]]:
    """Each second of an excerpt both passes cover, classified; idet's first second (its
    multi-frame verdict needs history) is skipped except at the file's start."""
    if not flags or not idet:
        return []
    lo = max(min(f["t"] for f in idet) + skip, min(f[0] for f in flags))
    hi = min(max(f["t"] for f in idet), max(f[0] for f in flags))
    paced, still = _field_evidence(idet, lo)
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
        (round(lo + k, 2), _classify(*b, paced.get(k), k in still))
        for k, b in sorted(bins.items())
        if len(b[0]) >= 10 and len(b[2]) >= 0.5 * len(b[0])
    ]


def _field_evidence(idet: list[dict], lo: float) -> tuple[dict[int, tuple[float, float]], set[int]]:
    """What the fields' changes say of each second from ``lo`` (by ``int(t - lo)``): how far the
    excerpt's cadence holds there (``paced``: ``_on_cadence`` over the second alone and over it
    and its neighbours; absent where the excerpt has no cadence), and which seconds are still
    (their fields change no more than its noise: no evidence either way).

    Hard telecine repeats one top and one bottom field on two steady phases of its five frames (a
    frame repeated whole repeats both on one: no telecine). A repeat differs from the field before
    it by noise alone, every other field by motion too. idet judges each frame by a fixed ratio,
    which noise or slow motion defeats; pooled over seconds, on the excerpt's own phases, the
    repeats show wherever anything moves."""
    rows = [(i, int(f["t"] - lo), f["dt"], f["db"]) for i, f in enumerate(idet) if "dt" in f]
    if len(rows) < 3 * PACE:
        return {}, set()
    index, second, change = (np.array(x) for x in zip(*((i, s, (t, b)) for i, s, t, b in rows)))
    phase = index % PACE
    seconds = sorted(set(second.tolist()))
    moving = np.array([np.median(change[second == s].max(axis=1)) for s in seconds])
    pooled = {s: (second >= s - 1) & (second <= s + 1) for s in seconds}
    found = {
        s: _quietest(change, phase, near) for s, near in pooled.items() if near.sum() >= 2 * PACE
    }
    # the two fields repeat in different frames (a frame repeated whole is no telecine)
    voters = {
        s: (t[0], b[0]) for s, (t, b) in found.items() if max(t[1], b[1]) < REPEATS and t[0] != b[0]
    }
    votes = collections.Counter(voters.values())
    if not votes or votes.most_common(1)[0][1] < max(2, 0.6 * len(voters)):
        return {}, {s for s, m in zip(seconds, moving) if m <= STILL}
    top, bottom = votes.most_common(1)[0][0]
    # a repeated field differs from its twin by the source's noise alone: a second whose fields
    # change no more than that (and a little) shows nothing moving
    paced_by = np.isin(second, [s for s, v in voters.items() if v == (top, bottom)])
    noise = max(
        np.median(change[paced_by & (phase == top), 0]),
        np.median(change[paced_by & (phase == bottom), 1]),
    )
    still = {s for s, m in zip(seconds, moving) if m <= max(STILL, STILL_OVER_NOISE * noise)}
    paced = {
        s: (
            _on_cadence(change, phase, second == s, top, bottom),
            _on_cadence(change, phase, near, top, bottom),
        )
        for s, near in pooled.items()
        if s not in still
    }
    return paced, still


def _quietest(change: np.ndarray, phase: np.ndarray, near: np.ndarray) -> tuple:
    """Each field's quietest phase among the frames ``near``, and its change over the other
    phases' (about 1: no cadence)."""
    out = []
    for k in (0, 1):
        per = [np.median(change[near & (phase == p), k]) for p in range(PACE)]
        quiet = int(np.argmin(per))
        rest = float(np.median([c for p, c in enumerate(per) if p != quiet]))
        out.append((quiet, per[quiet] / rest if rest > 0 else 1.0))
    return tuple(out)


def _on_cadence(
    change: np.ndarray, phase: np.ndarray, near: np.ndarray, top: int, bottom: int
) -> float:
    """How much the fields on the cadence's phases (``top``'s and ``bottom``'s) change over the
    other phases' fields, among the frames ``near``: well under 1 where they repeat, about 1 where
    every field moves (inf: too few frames to tell)."""
    ok = near & (phase != top) & (phase != bottom)
    if near.sum() < 2 * PACE or not ok.any():
        return float("inf")
    rest = np.median(change[ok], axis=0)
    on = np.median(change[near & (phase == top), 0]), np.median(change[near & (phase == bottom), 1])
    return float(max(on[0] / max(rest[0], 1e-6), on[1] / max(rest[1], 1e-6)))


def _classify(
    repeated: list[str],
    multi: list[str],
    repeat_pict: list[int],
    paced: tuple[float, float] | None = None,
    still: bool = False,
) -> str:
    """One second's kind: soft (repeat_pict on >= 30% of frames); telecine (its fields repeat on
    the excerpt's cadence, ``paced`` under ``PACED``, or idet's repeated fields on >= 20% of
    frames, >= 60% of them on one phase of its cadence); unknown where nothing tells (a still
    second, < 30% of frames determined, or a cadence too faint to call it either way: idet's
    multi-frame verdict calls hard telecine interlaced, so it alone never makes a second video
    where the excerpt has a cadence); else progressive or interlaced (>= 70% of the determined
    frames)."""
    n = max(len(repeated), 1)
    m = collections.Counter(multi)
    determined = m["tff"] + m["bff"] + m["progressive"]
    if sum(1 for x in repeat_pict if x > 0) / max(len(repeat_pict), 1) >= 0.3:
        return FieldKind.SOFT
    telecine = FieldKind.TELECINE
    if paced is not None and min(paced) < PACED:
        return telecine
    repeats = sum(1 for x in repeated if x in ("top", "bottom")) / n
    if repeats >= 0.2 and _cadence(repeated, FIELD_KINDS[telecine].cadence) >= 0.6:
        return telecine
    if still or determined < 0.3 * n:
        return UNKNOWN
    if m["progressive"] >= 0.7 * determined:
        return FieldKind.PROGRESSIVE
    if m["tff"] + m["bff"] >= 0.7 * determined and (paced is None or paced[0] >= UNPACED):
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
