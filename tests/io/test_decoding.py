"""Decoding chains and colour matrices: pictures reached by seeking, YCbCr read by its tags."""

import logging
import subprocess
from fractions import Fraction

import numpy as np
import pytest
from conftest import LOGO

from filmcolor.io.decoding import Decoding, colour_matrix
from filmcolor.io.frames import frames_at
from filmcolor.io.video import FrameReader, probe

TELECINE = Decoding(
    "fieldmatch=order=tff,decimate=scthresh=100",
    cycle=(5, 4),
    input_fps=Fraction(30000, 1001),
    fps=Fraction(24000, 1001),
)


@pytest.mark.parametrize("decoding", [Decoding(), TELECINE], ids=["plain", "telecine"])
def test_pictures_reached_by_seeking_are_those_of_a_decode_from_the_start(sd_release, decoding):
    """Also in an MPEG program stream, where ffmpeg's own seek lands a few frames off."""
    info = probe(sd_release("telecine", logo=LOGO) / "color.mpg")
    every = np.concatenate(list(FrameReader(info, size=(96, 56), decoding=decoding)))
    wanted = [200, 7, 123, 124, 250, 60]
    got = list(frames_at(info, wanted, size=(96, 56), seek=20, decoding=decoding))
    assert all(np.array_equal(g, every[k]) for g, k in zip(got, wanted))


def _patches(tmp_path, matrix, tags):
    """A few frames of saturated patches encoded with ``matrix``, tagged or not."""
    colours = np.array([(230, 20, 20), (20, 200, 40), (30, 40, 220), (220, 200, 30)], np.uint8)
    frame = np.repeat(np.repeat(colours[None], 48, 0), 48, 1)  # 48 x 192
    path = tmp_path / f"patches-{matrix}.mpg"
    tag = ["-colorspace", "smpte170m" if matrix == "bt601" else "bt709"] if tags else []
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "192x48",
         "-r", "25", "-i", "-", "-frames:v", "4",
         "-vf", f"scale=out_color_matrix={matrix}:out_range=tv,format=yuv420p",
         "-c:v", "mpeg2video", "-q:v", "1", *tag, str(path)],
        input=frame.tobytes() * 4, check=True,
    )  # fmt: skip
    return probe(path), frame


def test_an_untagged_sd_release_is_read_as_bt601_and_the_log_says_so(tmp_path, caplog):
    info, truth = _patches(tmp_path, "bt601", tags=False)
    assert info.colour.matrix is None
    with caplog.at_level(logging.INFO, logger="filmcolor"):
        matrix, full = colour_matrix(
            info.colour.matrix or "", info.colour.range or "", info.size, "x.mpg"
        )
    assert (matrix, full) == ("bt601", False) and "read as BT.601 (SD)" in caplog.text
    assert colour_matrix("", "", (1920, 1080), "hd.mp4")[0] == "bt709"
    assert colour_matrix("", "", (1280, 544), "scope.mp4")[0] == "bt709"
    for m, close in (("bt601", True), ("bt709", False)):
        frame = next(iter(FrameReader(info, decoding=Decoding(matrix=m), frames=1)))[0]
        error = np.abs(frame[8:-8].astype(int) - truth[8:-8]).mean()
        assert (error < 3) == close, f"{m}: {error:.1f} grey levels off"


def test_a_tagged_matrix_is_the_one_read(tmp_path):
    info, truth = _patches(tmp_path, "bt709", tags=True)
    assert (
        colour_matrix(info.colour.matrix or "", info.colour.range or "", info.size, "x")[0]
        == "bt709"
    )
    frame = next(iter(FrameReader(info, decoding=Decoding(matrix="bt709"), frames=1)))[0]
    assert np.abs(frame[8:-8].astype(int) - truth[8:-8]).mean() < 3


def test_a_decoding_by_parts_reads_each_stretch_through_its_own_chain(sd_release):
    """Telecine's first four seconds as they are, the rest a picture per field: the frames of
    the first part and twice those of the second, the first part's bit for bit a plain
    decode's; kept in the manifest's JSON as it was."""
    info = probe(sd_release("telecine", logo=LOGO) / "color.mpg")
    plain = np.concatenate(list(FrameReader(info, size=(96, 56))))
    first = sum(1 for k in range(len(plain)) if k / float(info.fps) < 4.0)
    parts = [(0.0, 4.0, "progressive", ""), (4.0, None, "interlaced", "bwdif=mode=send_field")]
    decoding = Decoding.by_parts(parts, "bt601", False, Fraction(40))
    assert Decoding.from_json(decoding.to_json()) == decoding and not decoding.seekable
    assert "concat=n=2" in decoding.filters and "interlaced 4.0-end s: bwdif" in decoding.describe()
    got = np.concatenate(list(FrameReader(info, size=(96, 56), decoding=decoding)))
    assert len(got) == first + 2 * (len(plain) - first)
    assert np.array_equal(got[:first], plain[:first])


def test_a_decoding_by_parts_seeks_to_a_parts_read_with_the_same_pictures(sd_release):
    """Given the picture each later part begins with and each part's cycle, picture k is decoded
    from a cycle before it inside its part (or from the part's read, a frame early, that frame's
    pictures dropped), bit for bit as from the start."""
    info = probe(sd_release("telecine", logo=LOGO) / "color.mpg")
    fps = float(info.fps)
    n = len(np.concatenate(list(FrameReader(info, size=(96, 56)))))
    before = [sum(1 for k in range(n) if k / fps < t) for t in (4.0, 8.0)]  # frames before
    parts = [
        (0.0, 4.0, "progressive", ""),
        (4.0 - 1 / fps, 8.0, "interlaced", "bwdif=mode=send_field,trim=start_frame=2"),
        (8.0, None, "progressive", ""),
    ]
    joins = (before[0], before[0] + 2 * (before[1] - before[0]))
    cycles, steady = [(1, 1), (1, 2), (1, 1)], (True,) * 3
    decoding = Decoding.by_parts(
        parts, "bt601", False, Fraction(40), info.fps, joins, cycles, steady
    )
    assert decoding.seekable and Decoding.from_json(decoding.to_json()) == decoding
    # Inside a part, a cycle before k's; the video's own read drops its first cycle itself.
    assert decoding.start(joins[0] + 3) == (before[0] - 1 + 1, joins[0] + 2)
    assert decoding.start(joins[0] + 1) == (before[0] - 1, joins[0])
    assert decoding.start(joins[1]) == (before[1], joins[1]) and decoding.start(5) == (4, 4)
    whole = np.concatenate(list(FrameReader(info, size=(96, 56), decoding=decoding)))
    assert len(whole) == joins[1] + n - before[1]
    # Seeks (seek=1) to each part's read, inside each part, to the video's last picture (its
    # frames the next part reads only to drop), then back.
    wanted = [joins[0], joins[0] + 3, joins[0] + 41, joins[1] - 1, joins[1] + 2, joins[1] + 30]
    wanted += [40, 1]
    got = list(frames_at(info, wanted, size=(96, 56), seek=1, decoding=decoding))
    assert all(np.array_equal(g, whole[k]) for g, k in zip(got, wanted))
