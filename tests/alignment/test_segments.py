"""Step 4 of alignment: the Viterbi pass gives each B&W frame one offset, or none."""

import numpy as np

from filmcolor.alignment.segments import color_index, segment


def _unit(rng, n, k=32):
    v = rng.standard_normal((n, k)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_each_frame_takes_the_offset_whose_colour_frame_it_shows():
    rng = np.random.default_rng(0)
    color = _unit(rng, 200)
    bw = _unit(rng, 120)  # frames the colour release lacks: unlike anything in it
    bw[:50] = color[10:60]  # offset +10 over frames 0..49
    bw[70:] = color[130:180]  # offset +60 over frames 70..119, after a gap
    flat = np.zeros(200, bool)
    candidates = [(10.0, 0, 50), (60.0, 70, 120), (35.0, 0, 120)]  # the last voted by chance
    segments, state, score = segment(
        bw, flat[:120], color, flat, 1.0, candidates, [50, 70], 24.0, 0.7
    )
    assert [(s.bw_start, s.bw_end, s.offset) for s in segments] == [(0, 50, 10.0), (70, 120, 60.0)]
    assert (state[50:70] == -1).all() and (score[state >= 0] > 0.99).all()


def test_a_colour_frame_is_claimed_once():
    rng = np.random.default_rng(1)
    color = _unit(rng, 100)
    bw = np.concatenate([color[20:60], color[20:60]])  # the same stretch shown twice in B&W
    flat = np.zeros(100, bool)
    segments, state, _ = segment(
        bw, np.zeros(80, bool), color, flat, 1.0, [(20.0, 0, 40), (-20.0, 40, 80)], [40], 24.0, 0.7
    )
    shown = np.concatenate(
        [color_index(np.arange(s.bw_start, s.bw_end), 1.0, s.offset) for s in segments]
    )
    assert len(shown) == len(set(shown.tolist())) == 40, "one of the two copies keeps the frames"
    assert ((state >= 0).sum()) == 40
