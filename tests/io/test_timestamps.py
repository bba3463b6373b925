"""A variable-rate file's frames placed on its steady grid by their timestamps."""

from fractions import Fraction

import numpy as np

from filmcolor.io.timestamps import grid


def test_steady_timestamps_need_no_grid():
    assert grid(np.arange(200) / 24) is None
    assert grid(np.round(np.arange(200) * 1001 / 24000, 3)) is None, "ms-rounded, still steady"


def test_dropped_frames_are_holes_on_the_rate_that_fits():
    kept = np.array([n for n in range(900) if n % 3 != 2])
    times = np.round(kept * 1001 / 24000, 3)  # a Matroska file's millisecond timestamps
    found = grid(times)
    assert found.rate == Fraction(24000, 1001), "not 24: over 900 frames the two part"
    assert found.slots == 899 and found.holes == tuple(range(2, 899, 3))
    assert grid(np.round(kept / 25, 3)).rate == 25
