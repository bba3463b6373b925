"""Steps 2 and 3 of alignment: descriptors blind to tone, the slope, the line model."""

import numpy as np
import pytest
from steps import film, tone

from filmcolor.alignment.matching import _fit_slope, descriptors, match, signatures


def test_signatures_ignore_any_monotonic_change_of_tone():
    grey, _ = film([20], [1])
    a, _ = descriptors(grey, (0, 0, 1, 1))
    b, _ = descriptors(tone(grey), (0, 0, 1, 1))
    same = np.einsum("ij,ij->i", a.astype(np.float32), b.astype(np.float32))
    assert same.min() > 0.97
    other = a[:10].astype(np.float32) @ a[10:].astype(np.float32).T
    assert other.max() < same.min(), "frames moved on are less alike than a frame and its re-tone"
    flat = signatures(np.full((1, 256), 77, np.uint8))
    assert np.allclose(flat, 0), "a flat thumbnail has no order to show"


@pytest.mark.parametrize("ground", ["black", "white"])
def test_a_title_card_is_the_same_card_whatever_the_noise_on_its_ground(ground):
    """Two releases of one still card (lettering on a black or white ground; each release's own
    grain and level on the ground): the lettering says they are alike, the noise nothing."""
    rng = np.random.default_rng(1)
    card = np.zeros((3, 128, 128), np.float32)
    for k, (y, x, w) in enumerate([(30, 20, 80), (40, 34, 60), (80, 30, 70)]):
        card[k, y : y + 10, x : x + w] = 200  # a line of lettering
        card[k, y + 20 : y + 26, x + 10 : x + w - 10] = 160
    releases = [
        np.clip(level + card + rng.normal(0, sd, card.shape), 0, 255)
        for level, sd in ((4, 1.5), (11, 1.0))
    ]
    if ground == "white":
        releases = [255 - r for r in releases]
    a, b = (descriptors(r.astype(np.uint8), (0.1, 0.1, 0.9, 0.9))[0] for r in releases)
    alike = a @ b.T
    assert np.diag(alike).min() > 0.95, "the same card in the two releases"
    assert (alike - np.diag(np.diag(alike) + 1)).max() < np.diag(alike).min(), "not another card"


@pytest.mark.parametrize("slope", [1.0, 25 / 24, 24 / 25, 1.25])
def test_the_slope_of_a_release_is_found_and_snapped(slope):
    rng = np.random.default_rng(0)
    b = np.sort(rng.choice(2000, 300, replace=False)).astype(float)
    c = np.rint(b * slope + 17)
    c[::10] = rng.integers(0, 2000, len(c[::10]))  # a tenth of the matches wrong
    assert _fit_slope(b, c, np.ones(len(b)), rng) == slope


def test_match_finds_the_offset_around_an_intro_and_a_missing_shot():
    grey, cuts = film([40, 50, 45], [1, 2, 3])
    intro = film([25], [9])[0]  # the colour release's own card, 25 frames
    colour = np.concatenate([intro, tone(grey[:40]), tone(grey[90:])])  # shot 2 left out
    slope, segments, state, score, _ = match(
        grey, colour, (0, 0, 1, 1), (0, 0, 1, 1), cuts, 24.0, np.random.default_rng(0)
    )
    assert slope == 1.0
    offsets = {seg.offset for seg in segments}
    assert offsets == {25.0, -25.0}, "shot 1 at +25, shot 3 at +25 - 50"
    assert (state[40:90] == -1).all(), "the missing shot matches nothing"
    assert (state[:40] >= 0).mean() > 0.9 and (state[95:] >= 0).mean() > 0.9
    assert score[state >= 0].min() > 0.8
