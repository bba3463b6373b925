import json

import numpy as np

from filmcolor.alignment.analysis import CutDetector, PictureArea, shot_ids
from filmcolor.io.video import FrameReader, probe


def test_cuts_found_in_grey_and_colour_releases(easy_pair):
    truth = json.loads((easy_pair / "truth.json").read_text())
    for name in ("bw", "color"):
        info = probe(easy_pair / f"{name}.mp4")
        detector = CutDetector(info.fps, grey=name == "bw")
        pix_fmt = "gray" if name == "bw" else "rgb24"
        with FrameReader(info, size=(96, 96), pix_fmt=pix_fmt) as reader:
            for batch in reader:
                detector.update(batch)
        assert detector.finish() == truth[name]["cuts"]


def test_shot_ids_count_cuts():
    assert shot_ids(6, [2, 4]).tolist() == [0, 0, 1, 1, 2, 2]


def _overscanned(n: int, side=128, seed=0) -> np.ndarray:
    """Frames of a full-aperture scan: the film's clear edge (columns 0-2), its black margin with
    white perforations (3-11) weaving a pixel or two, the picture (12 on) of moving blobs, frame
    lines above and below (rows 0-5, 122-127)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side] / side
    frames = np.zeros((n, side, side), np.uint8)
    for i in range(n):
        cx, cy = rng.uniform(0, 1, 2)
        frames[i] = np.clip(70 + 150 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 0.03), 0, 255)
        weave = int(rng.integers(-2, 3))
        frames[i, :, :12] = 15
        frames[i, :, :3] = 225
        for y in range(4 + weave, side, 24):
            frames[i, max(y, 0) : y + 10, 5:10] = 235
        frames[i, :6], frames[i, -6:] = 20, 20
    return frames


def test_an_overscanned_scan_s_edge_and_perforations_lie_outside_its_picture():
    area = PictureArea(128)
    area.update(_overscanned(300))
    x0, y0, x1, y1 = (round(v * 128) for v in area.box())
    assert (x0, y0, x1, y1) == (12, 6, 128, 122)


def test_a_short_clip_s_still_side_is_picture():
    frames = _overscanned(60)
    frames[:, :, :12] = 90  # a still wall at the left of a short shot: scene, not a film edge
    area = PictureArea(128)
    area.update(frames)
    assert round(area.box()[0] * 128) == 0
