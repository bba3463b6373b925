"""The colour release's cuts brought onto the B&W film through the alignment."""

import cv2
import numpy as np

from filmcolor.alignment.cuts import merged_cuts


def _grey(n=60, cut=30, side=32, seed=0):
    """Two shots of the same grey levels (two textures, one mean), each panning a little."""
    rng = np.random.default_rng(seed)
    a, b = (cv2.GaussianBlur(rng.normal(120, 60, (side, side + n)), (0, 0), 3) for _ in range(2))
    return np.stack([(a if i < cut else b)[:, i // 4 : i // 4 + side] for i in range(n)]).astype(
        np.uint8
    )


def test_a_cut_seen_in_colour_is_placed_where_the_film_changes():
    grey = _grey()
    colour_of = np.arange(60) + 7  # the release starts 7 frames earlier
    assert merged_cuts([], [37], colour_of, grey) == [30]
    assert merged_cuts([29], [37], colour_of, grey) == [29], "the film's own cut, not twice"


def test_a_cut_of_the_release_alone_is_not_the_film_s():
    grey = _grey(cut=60)  # one shot in the B&W film
    colour_of = np.arange(60)
    colour_of[40:] = -1  # and frames the release lacks
    assert merged_cuts([], [20, 45], colour_of, grey) == []


def test_a_cut_where_the_release_lacks_the_end_of_the_shot_before():
    grey = _grey()
    colour_of = np.arange(60) - 5  # the release lacks B&W frames 25-29, the end of shot one
    colour_of[25:30] = -1
    assert merged_cuts([], [25], colour_of, grey) == [30]
