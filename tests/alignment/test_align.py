import csv
import json
import subprocess
from fractions import Fraction

import numpy as np
import pytest
from conftest import truth

from filmcolor.alignment.aligner import align
from filmcolor.errors import AlignmentError, FilmcolorError, VideoError
from pipelines.cases.synthetic import FilmSpec, make_film_pair


def _pairs(out):
    rows = list(csv.DictReader(open(out / "pairs.csv")))
    return np.array([int(r["bw_frame"]) for r in rows]), np.array(
        [int(r["color_frame"]) for r in rows]
    )


def _check_against_truth(pair, out, min_coverage=1.0):
    tb, tc = truth(pair)
    b, c = _pairs(out)
    assert (tb[b] >= 0).all() and (tb[b] == tc[c]).all(), "every pair shows one source frame"
    shared = set(tb[tb >= 0]) & set(tc[tc >= 0])
    assert len(set(tb[b]) & shared) >= min_coverage * len(shared)
    assert (np.diff(b) > 0).all(), "pairs are in film order"


@pytest.fixture(scope="module")
def easy_aligned(easy_pair, tmp_path_factory):
    out = tmp_path_factory.mktemp("aligned") / "easy"
    return align(easy_pair / "bw.mp4", easy_pair / "color.mp4", out), out


def test_offset_between_intros_recovered_exactly(easy_pair, easy_aligned):
    result, out = easy_aligned
    _check_against_truth(easy_pair, out)
    assert result.alignment.slope == 1.0 and len(result.alignment.segments) == 1


def test_writes_memory_mapped_arrays_manifest_and_report(easy_aligned):
    result, out = easy_aligned
    bw = np.load(out / "bw.npy", mmap_mode="r")
    colour = np.load(out / "color.npy", mmap_mode="r")
    assert bw.shape == (result.pairs, 64, 64) and colour.shape == (result.pairs, 64, 64, 3)
    assert bw.dtype == colour.dtype == np.uint8
    m = json.loads((out / "manifest.json").read_text())
    for key in (
        "inputs",
        "speed_ratio",
        "frame_ratio",
        "segments",
        "crop",
        "confidence",
        "filmcolor_version",
    ):
        assert key in m
    assert (out / "alignment.png").stat().st_size > 1000 and (
        out / "samples.png"
    ).stat().st_size > 1000
    assert not (out / "scratch").exists()
    # The colour frame is the picture the B&W frame shows: its luma tracks the B&W frame.
    luma = colour.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    r = np.corrcoef(luma.ravel(), bw.astype(np.float32).ravel())[0, 1]
    assert r > 0.8


def test_speed_change_zoom_letterbox_and_missing_shot(hard_pair, tmp_path):
    result = align(hard_pair / "bw.mp4", hard_pair / "color.mp4", tmp_path / "out")
    _check_against_truth(hard_pair, tmp_path / "out", min_coverage=0.95)
    m = result.manifest
    assert m.speed_ratio == pytest.approx(25 / 24) and m.frame_ratio == 1.0
    assert len(m.segments) == 2  # the missing shot splits the film in two
    # The B&W crop sits inside the 12-pixel bars; the colour crop is the B&W one zoomed by 8%.
    x, y, w, h = m.crop["bw"]
    assert y >= 12 and y + h <= 112 - 12
    cx, cy, cw, ch = m.crop["color"]
    assert cw / w == pytest.approx(1.08, abs=0.02) and ch / h == pytest.approx(1.08, abs=0.02)


def test_ntsc_rate_drift_over_a_minute(tmp_path):
    """Colour at 23.976 fps against B&W at 24: 0.1% slower, a frame and more of drift over a
    minute."""
    pair = tmp_path / "pair"
    make_film_pair(
        pair, FilmSpec(seed=4, shots=28, shot_frames=(40, 56), colour_fps=Fraction(24000, 1001))
    )
    result = align(pair / "bw.mp4", pair / "color.mp4", tmp_path / "out")
    _check_against_truth(pair, tmp_path / "out")
    assert result.manifest.speed_ratio == pytest.approx(1000 / 1001)


def test_every_keeps_one_pair_in_n(easy_pair, easy_aligned, tmp_path):
    result = align(
        easy_pair / "bw.mp4", easy_pair / "color.mp4", tmp_path / "out", every=4, size=32
    )
    b, _ = _pairs(tmp_path / "out")
    assert (b % 4 == 0).all() and abs(result.pairs - easy_aligned[0].pairs / 4) <= 2
    assert np.load(tmp_path / "out" / "bw.npy").shape[1:] == (32, 32)


def test_different_films_are_refused(easy_pair, other_film, tmp_path):
    with pytest.raises(AlignmentError, match="no reliable match"):
        align(easy_pair / "bw.mp4", other_film / "color.mp4", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.iterdir()), "no partial output left behind"


def test_existing_output_needs_overwrite(easy_pair, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(FilmcolorError, match="--overwrite"):
        align(easy_pair / "bw.mp4", easy_pair / "color.mp4", out)
    assert (out / "keep.txt").read_text() == "mine"


def test_one_frame_video_is_refused(easy_pair, tmp_path):
    one = tmp_path / "one.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=24",
            "-frames:v",
            "1",
            str(one),
        ],
        check=True,
    )
    with pytest.raises(VideoError, match="1 frame"):
        align(one, easy_pair / "color.mp4", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_frame_rate_conversion_with_repeated_frames(easy_pair, tmp_path):
    """A colour release converted 24 -> 30 fps repeats every fourth frame: slope 1.25, not a
    speed-up."""
    colour30 = tmp_path / "color30.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-i",
            str(easy_pair / "color.mp4"),
            "-vf",
            "fps=30",
            "-c:v",
            "libx264",
            "-crf",
            "14",
            str(colour30),
        ],
        check=True,
    )
    result = align(easy_pair / "bw.mp4", colour30, tmp_path / "out")
    assert result.alignment.slope == 1.25
    # Which source frame each 30 fps frame shows: the original colour frame it is nearest to.
    from filmcolor.io.video import FrameReader, probe

    small = [
        np.concatenate(list(FrameReader(probe(p), size=(24, 24), pix_fmt="gray")))
        .reshape(-1, 576)
        .astype(float)
        for p in (easy_pair / "color.mp4", colour30)
    ]
    nearest = np.array([np.abs(small[0] - f).mean(axis=1).argmin() for f in small[1]])
    tb, tc = truth(easy_pair)
    b, c = _pairs(tmp_path / "out")
    assert (tb[b] == tc[nearest[c]]).mean() >= 0.99


def test_a_release_that_drops_frames_is_read_by_its_timestamps(easy_pair, tmp_path):
    """A web copy keeping two frames in three at their own times: each kept frame pairs with its
    own B&W frame, and a frame it lacks pairs with nothing (not with its neighbour)."""
    vfr = tmp_path / "color.mkv"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(easy_pair / "color.mp4"), "-vf",
         "select='mod(n+1,3)'", "-fps_mode", "vfr", "-c:v", "libx264", "-crf", "14", str(vfr)],
        check=True,
    )  # fmt: skip
    result = align(easy_pair / "bw.mp4", vfr, tmp_path / "out")
    assert result.manifest.colour_decoding.holes[:3] == (2, 5, 8)
    tb, tc = truth(easy_pair)
    b, c = _pairs(tmp_path / "out")
    assert (c % 3 != 2).all(), "no pair on a frame the release lacks"
    assert (tb[b] == tc[c]).all(), "each pair shows one source frame (grid slot = original frame)"
    assert len(b) >= 0.9 * (2 / 3) * len(set(tb[tb >= 0]) & set(tc[tc >= 0]))


def test_a_release_its_display_matrix_turns_on_its_side_is_refused(easy_pair, tmp_path):
    turned = tmp_path / "color.mp4"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(easy_pair / "color.mp4"), "-c", "copy",
         "-metadata:s:v:0", "rotate=90", str(turned)],
        check=True,
    )  # fmt: skip
    with pytest.raises(AlignmentError, match="display matrix turns it a quarter"):
        align(easy_pair / "bw.mp4", turned, tmp_path / "out")
    assert not (tmp_path / "out").exists()
