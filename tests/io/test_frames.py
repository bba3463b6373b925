"""Frames by index: from a scratch file, and from a video in any order."""

from fractions import Fraction

import numpy as np
import pytest

from filmcolor.errors import VideoError
from filmcolor.io.frames import ScratchFrames, frames_at
from filmcolor.io.video import probe
from filmcolor.io.writer import VideoWriter


@pytest.fixture(scope="module")
def numbered(tmp_path_factory):
    """A 60-frame lossless video whose frame k is grey level 4 k (so each frame says its number)."""
    path = tmp_path_factory.mktemp("frames") / "numbered.mkv"
    with VideoWriter(path, 32, 16, Fraction(24), codec="ffv1", pix_fmt="yuv444p") as writer:
        for k in range(60):
            writer.write(np.full((16, 32, 3), 4 * k, np.uint8))
    return probe(path)


def _numbers(frames):
    return [None if f is None else int(round(f.mean() / 4)) for f in frames]


def test_frames_come_in_the_order_asked_with_repeats_gaps_and_jumps_back(numbered):
    wanted = [3, 3, 4, -1, 10, 2, 59, 0]
    assert _numbers(frames_at(numbered, wanted)) == [3, 3, 4, None, 10, 2, 59, 0]


def test_a_far_jump_ahead_seeks_to_the_right_frame(numbered):
    assert _numbers(frames_at(numbered, [1, 50, 51], seek=8)) == [1, 50, 51]


def test_a_frame_past_the_end_is_an_error(numbered):
    with pytest.raises(VideoError, match="has no frame 60"):
        list(frames_at(numbered, [58, 60]))


def test_scratch_frames_read_back_what_was_written(tmp_path):
    frames = np.random.default_rng(0).integers(0, 256, (10, 8, 8, 3)).astype(np.uint8)
    (tmp_path / "s.u8").write_bytes(frames.tobytes())
    scratch = ScratchFrames(tmp_path / "s.u8", 10, (8, 8, 3))
    assert len(scratch) == 10 and np.array_equal(scratch[[7, 2]], frames[[7, 2]])
