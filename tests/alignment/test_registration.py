"""Step 5 of alignment: the picture both releases share, when one is zoomed."""

import cv2
import numpy as np
import pytest
from steps import film, tone

from filmcolor.alignment.registration import find_crops


def _zoom(frames, z):
    side = frames.shape[1]
    m = np.float32([[z, 0, (1 - z) * side / 2], [0, z, (1 - z) * side / 2]])
    return np.stack([cv2.warpAffine(f, m, (side, side), flags=cv2.INTER_LINEAR) for f in frames])


@pytest.mark.parametrize("zoom", [1.0, 1.08])
def test_a_zoomed_release_is_cropped_to_the_common_picture(zoom):
    grey, _ = film([30, 30], [4, 5])
    colour = tone(_zoom(grey, zoom))
    frames = np.arange(len(grey))
    bw_box, colour_box = find_crops(
        grey, colour, (0, 0, 1, 1), (0, 0, 1, 1), frames, frames, np.ones(len(grey))
    )
    bw_w, colour_w = bw_box[2] - bw_box[0], colour_box[2] - colour_box[0]
    assert colour_w / bw_w == pytest.approx(zoom, abs=0.01)
    centre = (bw_box[0] + bw_box[2]) / 2
    assert centre == pytest.approx(0.5, abs=0.01)
    if zoom > 1:  # the colour picture shows less: the B&W crop is the part it shows
        assert bw_w == pytest.approx(0.98 / zoom, abs=0.02)
