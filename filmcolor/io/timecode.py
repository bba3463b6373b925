"""SMPTE timecode: checked, moved by a number of frames, and packed as a DPX header holds it.

A timecode is ``HH:MM:SS:FF``, or ``HH:MM:SS;FF`` for drop-frame, counted at the frame rate's
whole-number timebase (24 for 24000/1001, 30 for 30000/1001). Drop-frame exists only at 29.97 and
59.94: ffmpeg silently writes no timecode at all when given ``;`` at another rate, so it is refused
here first. An excerpt starts at the source's timecode plus its first frame (ffmpeg would keep the
source's start unchanged).
"""

from __future__ import annotations

import re
from fractions import Fraction

from ..errors import FilmcolorError

_FORMAT = re.compile(r"^(\d{2}):(\d{2}):(\d{2})([:;.,])(\d{2})$")


def timebase(fps: Fraction) -> int:
    """The frames a timecode second counts at ``fps`` (24 for 24000/1001, 25, 30, ...)."""
    return max(1, round(fps))


def _drop(fps: Fraction) -> int:
    """Frame numbers dropped each minute in drop-frame timecode at ``fps`` (0 where it has none)."""
    base = timebase(fps)
    return base // 15 if fps.denominator == 1001 and base % 30 == 0 else 0


def check(tc: str, fps: Fraction) -> str:
    """``tc`` as a valid timecode at ``fps``, or a FilmcolorError saying what is wrong."""
    m = _FORMAT.match(tc.strip())
    if not m:
        raise FilmcolorError(f"not a timecode: {tc!r} (HH:MM:SS:FF, or HH:MM:SS;FF for drop-frame)")
    hh, mm, ss, sep, ff = m.groups()
    drop = sep in ";,"
    if drop and not _drop(fps):
        raise FilmcolorError(
            f"timecode {tc}: drop-frame (;) exists only at 29.97 and 59.94 fps, not at {fps} fps; "
            "write it with ':'"
        )
    if int(mm) > 59 or int(ss) > 59 or int(ff) >= timebase(fps) or int(hh) > 23:
        raise FilmcolorError(f"timecode {tc}: out of range at {fps} fps")
    return f"{hh}:{mm}:{ss}{';' if drop else ':'}{ff}"


def to_frames(tc: str, fps: Fraction) -> int:
    """The frame number a timecode stands for, counted from 00:00:00:00."""
    tc = check(tc, fps)
    base, drop = timebase(fps), _drop(fps) if ";" in tc else 0
    hh, mm, ss, ff = (int(p) for p in re.split("[:;]", tc))
    minutes = 60 * hh + mm
    return ((minutes * 60 + ss) * base + ff) - drop * (minutes - minutes // 10)


def from_frames(n: int, fps: Fraction, drop: bool = False) -> str:
    """The timecode of frame number ``n`` (wrapping at 24 hours)."""
    base = timebase(fps)
    skip = _drop(fps) if drop else 0
    if skip:  # put back the frame numbers drop-frame leaves out
        per_10min = 600 * base - 9 * skip
        tens, rest = divmod(n, per_10min)
        n += 9 * skip * tens + (skip * ((rest - skip) // (60 * base - skip)) if rest > skip else 0)
    ff, n = n % base, n // base
    ss, n = n % 60, n // 60
    mm, hh = n % 60, n // 60 % 24
    return f"{hh:02d}:{mm:02d}:{ss:02d}{';' if skip else ':'}{ff:02d}"


def add(tc: str, frames: int, fps: Fraction) -> str:
    """The timecode ``frames`` after ``tc``, in the same (drop or non-drop) counting."""
    return from_frames(to_frames(tc, fps) + frames, fps, drop=";" in check(tc, fps))


def to_bcd(tc: str) -> int:
    """The DPX header's u32 for a timecode: 0xHHMMSSFF in BCD, 0x40 set in FF for drop-frame."""
    hh, mm, ss, ff = (int(p) for p in re.split("[:;]", tc))
    digits = 0
    for part in (hh, mm, ss, ff):
        digits = digits << 8 | (part // 10) << 4 | part % 10
    return digits | (0x40 if ";" in tc else 0)


def from_bcd(value: int) -> str | None:
    """The timecode a DPX header's u32 holds, or None where it is undefined (all ones)."""
    if value == 0xFFFFFFFF:
        return None

    def dec(b: int) -> int:
        return (b >> 4 & 0xF) * 10 + (b & 0xF)

    drop = bool(value & 0x40)
    hh, mm, ss = dec(value >> 24 & 0x3F), dec(value >> 16 & 0x7F), dec(value >> 8 & 0x7F)
    ff = dec(value & 0x3F)
    return f"{hh:02d}:{mm:02d}:{ss:02d}{';' if drop else ':'}{ff:02d}"
