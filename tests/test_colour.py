"""Colour conversions every stage shares."""

import cv2
import numpy as np
import pytest

from filmcolor.colour import LIGHTNESS, chroma, lab_to_rgb, rgb_to_ab, rgb_to_grey


@pytest.fixture
def rgb():
    return np.random.default_rng(0).integers(0, 256, (2, 24, 32, 3)).astype(np.uint8)


def test_grey_and_chroma_of_any_stack_of_pixels(rgb):
    assert np.array_equal(rgb_to_grey(rgb[0]), cv2.cvtColor(rgb[0], cv2.COLOR_RGB2GRAY))
    assert rgb_to_grey(rgb).shape == (2, 24, 32) and chroma(rgb).shape == (2, 24, 32, 2)
    grey = np.repeat(rgb[..., :1], 3, axis=3)
    assert np.abs(chroma(grey)).max() <= 0.5


def test_lab_round_trip_and_the_lightness_of_grey():
    assert LIGHTNESS[0] == 0 and abs(LIGHTNESS[255] - 100) < 1e-3
    assert np.all(np.diff(LIGHTNESS) > 0), "lighter grey, higher L*"
    rgb = np.random.default_rng(1).integers(0, 256, (500, 3)).astype(np.uint8)
    lab = cv2.cvtColor(rgb[None].astype(np.float32) / 255, cv2.COLOR_RGB2Lab)[0]
    back = lab_to_rgb(lab[:, 0], rgb_to_ab(rgb))
    assert np.abs(back.astype(int) - rgb).max() <= 1
