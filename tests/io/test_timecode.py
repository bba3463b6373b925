from fractions import Fraction

import pytest

from filmcolor.errors import FilmcolorError
from filmcolor.io import timecode

NTSC = Fraction(30000, 1001)


def test_timecode_moves_on_by_frames():
    assert timecode.add("01:00:00:00", 24, Fraction(24)) == "01:00:01:00"
    assert timecode.add("00:59:59:24", 1, Fraction(25)) == "01:00:00:00"
    assert timecode.add("01:00:00:00", 24, Fraction(24000, 1001)) == "01:00:01:00"  # counts 24


def test_drop_frame_skips_two_numbers_a_minute_but_every_tenth():
    assert timecode.add("00:00:59;29", 1, NTSC) == "00:01:00;02"
    assert timecode.add("00:09:59;29", 1, NTSC) == "00:10:00;00"
    for n in range(0, 200_000, 977):
        assert timecode.to_frames(timecode.from_frames(n, NTSC, drop=True), NTSC) == n


def test_drop_frame_is_refused_where_it_does_not_exist():
    with pytest.raises(FilmcolorError, match="only at 29.97"):
        timecode.check("01:00:00;00", Fraction(24000, 1001))
    with pytest.raises(FilmcolorError, match="out of range"):
        timecode.check("01:00:00:25", Fraction(25))
    with pytest.raises(FilmcolorError, match="not a timecode"):
        timecode.check("1:00", Fraction(25))


def test_dpx_packing_round_trips():
    for tc in ("01:02:03:04", "23:59:59;29"):
        assert timecode.from_bcd(timecode.to_bcd(tc)) == tc
    assert timecode.to_bcd("01:02:03:04") == 0x01020304
    assert timecode.from_bcd(0xFFFFFFFF) is None
