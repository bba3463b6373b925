"""A frame composed from the film's own luma and a colour."""

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from filmcolor.colour import LIGHTNESS, chroma, rgb_to_ab, rgb_to_grey
from filmcolor.io.formats import ColourTags, OutputFormat
from filmcolor.io.video import VideoInfo
from filmcolor.rendering.compose import (
    TV_TO_FULL,
    chroma_of_ab,
    compose,
    fit_gamut,
    to_i420,
    upsample,
)
from filmcolor.rendering.planes import Canvas


@pytest.fixture
def rgb():
    return np.random.default_rng(0).integers(0, 256, (2, 24, 32, 3)).astype(np.uint8)


def test_compose_puts_the_chroma_back_on_its_luma(rgb):
    luma = cv2.cvtColor(rgb[0], cv2.COLOR_RGB2YCrCb)[..., 0]
    c = chroma(rgb[0])
    back = compose(luma, c[..., 0], c[..., 1]).astype(int)
    fits = np.abs(back - rgb[0]).max(axis=2) <= 2
    assert fits.mean() > 0.95, "an RGB colour's own chroma fits on its own luma"
    assert np.abs(rgb_to_grey(back.astype(np.uint8)).astype(int) - luma).max() <= 1, "luma kept"


def test_gamut_fit_shrinks_only_what_the_luma_cannot_carry():
    luma = np.array([[128.0, 250.0, 5.0]], np.float32)
    cr = np.full_like(luma, 40.0)
    cb = np.full_like(luma, -30.0)
    fr, fb = fit_gamut(luma, cr, cb)
    assert fr[0, 0] == 40 and fb[0, 0] == -30, "mid-grey carries it as it is"
    assert 0 < fr[0, 1] < 40 and 0 < fr[0, 2] < 40, "near white and near black: less saturated"
    out = compose(luma.astype(np.uint8), fr, fb)
    assert out.max() <= 255 and np.abs(rgb_to_grey(out).astype(int) - luma.astype(int)).max() <= 1


def test_a_grainy_pixel_does_not_take_its_blocks_colour_away():
    info = VideoInfo(Path("film.mp4"), 4, 2, Fraction(24), 1, 1.0, "h264", (), pix_fmt="yuv420p")
    canvas = Canvas(
        info, OutputFormat(Path("out.mp4"), "libx264", "yuv420p", 8), ColourTags(), (0, 0, 4, 2)
    )
    # left block: mid-grey with one grain pixel near white; right block: near white throughout
    y = np.array([[126, 126, 230, 230], [126, 220, 230, 230]], np.uint8)
    _, fine = canvas.pictures(canvas.luma(y[None]))
    cr, cb = np.full((1, 2), 40.0, np.float32), np.full((1, 2), -30.0, np.float32)
    frame = canvas.frame(y, fine[0], cr, cb)
    assert (frame[:8].reshape(2, 4) == y).all(), "the luma is written as it is"
    v = frame[10:12]
    assert v[0] == round(128 + 40 * 224 / 255), "the block's mean carries the colour: kept"
    assert 128 < v[1] < v[0], "a block too bright for it throughout: shrunk"


def test_i420_frame_keeps_the_luma_and_leaves_bars_neutral():
    y = np.arange(8 * 12, dtype=np.uint8).reshape(8, 12)
    cr, cb = np.full((2, 4), 30.0, np.float32), np.full((2, 4), -20.0, np.float32)
    frame = to_i420(y, cr, cb, (2, 2, 10, 6))
    assert frame.size == 8 * 12 * 3 // 2 and np.array_equal(frame[:96].reshape(8, 12), y)
    u, v = frame[96:120].reshape(4, 6), frame[120:].reshape(4, 6)
    assert v[1, 1] == round(128 + 30 * 224 / 255) and u[1, 1] == round(128 - 20 * 224 / 255)
    assert u[0].tolist() == [128] * 6 and v[:, 0].tolist() == [128] * 4, (
        "outside the box: no colour"
    )
    assert TV_TO_FULL[16] == 0 and TV_TO_FULL[235] == 255


def test_upsampling_interpolates_the_colour_to_the_picture_size():
    ab = np.zeros((8, 8, 2), np.float32)
    ab[:, 4:] = (30.0, 10.0)
    up = upsample(ab, (64, 48))
    assert (
        up.shape == (48, 64, 2) and np.allclose(up[:, :20], 0) and np.allclose(up[:, 44:], (30, 10))
    )
    assert np.all(np.diff(up[10, :, 0]) >= 0), "no overshoot at the colour edge"


def test_colour_given_as_ab_keeps_its_ab_on_another_lightness():
    ab = np.full((4, 4, 2), (25.0, 35.0), np.float32)
    for grey in (70, 130, 190):
        luma = np.full((4, 4), grey, np.uint8)
        out = compose(luma, *chroma_of_ab(LIGHTNESS[luma], ab))
        assert np.abs(rgb_to_ab(out) - (25, 35)).max() < 3
        assert np.abs(rgb_to_grey(out).astype(int) - grey).max() <= 1
