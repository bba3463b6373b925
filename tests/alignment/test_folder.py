"""The aligned folder: written once, read by every later stage through one owner."""

import json

import numpy as np
import pytest

from filmcolor.alignment.folder import AlignedFolder, Manifest, SegmentRecord
from filmcolor.errors import DatasetError


def _manifest(**changes):
    values = dict(
        inputs={"bw": {"width": 64}, "color": {"width": 64}},
        size=8,
        fps=24.0,
        every=1,
        settings={"size": 8},
        pairs=5,
        speed_ratio=25 / 24,
        frame_ratio=1.0,
        segments=(SegmentRecord(2, 6, 12, 16, 10.0, 0.95), SegmentRecord(9, 11, 30, 32, 21.0, 0.9)),
        crop={"bw": [0, 0, 64, 48], "color": [2, 2, 60, 44]},
        picture_area={"bw": [0, 0, 64, 48], "color": [0, 0, 64, 48]},
        bw_cuts=(6,),
        coverage_bw=0.5,
        confidence=0.93,
    )
    return Manifest(**{**values, **changes})


def test_a_folder_round_trips(tmp_path):
    bw = np.broadcast_to(np.arange(5, dtype=np.uint8)[:, None, None], (5, 8, 8))
    folder = AlignedFolder.write(tmp_path / "a", 5, 8, [(bw, np.full((5, 8, 8, 3), 7, np.uint8))])
    frames = np.array([2, 3, 4, 9, 10])
    folder.write_pairs(
        bw_frame=frames,
        colour_frame=frames + 10,
        bw_time=frames / 24,
        colour_time=frames / 24,
        score=np.full(5, 0.9),
        shot=np.array([0, 0, 0, 1, 1]),
        segment=np.array([0, 0, 0, 1, 1]),
    )
    folder.write_manifest(_manifest())
    back = AlignedFolder.open(tmp_path / "a")
    assert len(back) == 5 and back.size == 8 and back.bw[3, 0, 0] == 3
    assert back.frames.tolist() == frames.tolist() and back.shots.tolist() == [0, 0, 0, 1, 1]
    assert back.consecutive(range(0, 5)).tolist() == [True, True, False, True]
    assert back.manifest == _manifest()


def test_the_manifest_says_which_colour_frame_each_bw_frame_shows():
    m = _manifest()
    assert m.colour_frames(12).tolist() == [-1, -1, 12, 13, 14, 15, -1, -1, -1, 30, 31, -1]
    assert m.colour_frames(12, colour_frames=31)[10] == -1, "past the colour release's end"


def test_a_folder_without_a_readable_manifest_is_refused(tmp_path):
    empty = np.zeros((2, 8, 8), np.uint8)
    folder = AlignedFolder.write(tmp_path / "a", 2, 8, [(empty, np.zeros((2, 8, 8, 3), np.uint8))])
    folder.write_pairs(
        **{c: np.zeros(2) for c in ("bw_time", "color_time", "score")},
        **{c: np.zeros(2, int) for c in ("bw_frame", "color_frame", "shot", "segment")},
    )
    (tmp_path / "a" / "manifest.json").write_text(json.dumps({"size": 8}))
    with pytest.raises(DatasetError, match="not a folder written by `filmcolor align`"):
        _ = AlignedFolder.open(tmp_path / "a").manifest
