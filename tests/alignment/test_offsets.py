"""Step 4 of alignment: the Viterbi pass gives each B&W frame one offset, or none."""

import numpy as np

from filmcolor.alignment.offsets import Evidence, colour_index, segment


def _unit(rng, n, k=32):
    v = rng.standard_normal((n, k)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_each_frame_takes_the_offset_whose_colour_frame_it_shows():
    rng = np.random.default_rng(0)
    colour = _unit(rng, 200)
    bw = _unit(rng, 120)  # frames the colour release lacks: unlike anything in it
    bw[:50] = colour[10:60]  # offset +10 over frames 0..49
    bw[70:] = colour[130:180]  # offset +60 over frames 70..119, after a gap
    flat = np.zeros(200, bool)
    candidates = [(10.0, 0, 50), (60.0, 70, 120), (35.0, 0, 120)]  # the last voted by chance
    segments, state, score = segment(
        Evidence(bw, flat[:120]), Evidence(colour, flat), 1.0, candidates, [50, 70], 24.0, 0.7
    )
    assert [(s.bw_start, s.bw_end, s.offset) for s in segments] == [(0, 50, 10.0), (70, 120, 60.0)]
    assert (state[50:70] == -1).all() and (score[state >= 0] > 0.99).all()


def test_a_colour_frame_is_claimed_once():
    rng = np.random.default_rng(1)
    colour = _unit(rng, 100)
    bw = np.concatenate([colour[20:60], colour[20:60]])  # the same stretch shown twice in B&W
    flat = np.zeros(100, bool)
    segments, state, _ = segment(
        Evidence(bw, np.zeros(80, bool)),
        Evidence(colour, flat),
        1.0,
        [(20.0, 0, 40), (-20.0, 40, 80)],
        [40],
        24.0,
        0.7,
    )
    shown = np.concatenate(
        [colour_index(np.arange(s.bw_start, s.bw_end), 1.0, s.offset) for s in segments]
    )
    assert len(shown) == len(set(shown.tolist())) == 40, "one of the two copies keeps the frames"
    assert ((state >= 0).sum()) == 40


def _still(rng, n, k=32, step=0.02):
    """A shot that barely moves: each frame a little away from the last, so a neighbouring
    colour frame matches it almost as well as its own."""
    v = _unit(rng, 1, k)[0] + step * np.cumsum(rng.standard_normal((n, k)), axis=0)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def test_an_offset_voted_twice_is_kept_through_a_still_shot():
    rng = np.random.default_rng(2)
    colour = _unit(rng, 220)
    colour[70:120] = _still(rng, 50)  # B&W frames 60..109: a still shot between two cuts
    bw = colour[10:210].copy()  # offset +10 throughout
    colour[71:121] = colour[70:120] + 0.001  # the next colour frame matches as well, a hair better
    colour /= np.linalg.norm(colour, axis=1, keepdims=True)
    flat = np.zeros(220, bool)
    # Offset 10 voted for before and after the still shot, offset 11 inside it.
    candidates = [(10.0, 0, 50), (10.0, 120, 200), (11.0, 60, 110)]
    segments, _, _ = segment(
        Evidence(bw, flat[:200]), Evidence(colour, flat), 1.0, candidates, [60, 110], 24.0, 0.7
    )
    assert [(s.bw_start, s.bw_end, s.offset) for s in segments] == [(0, 200, 10.0)]


def test_an_offset_may_end_with_the_colour_film():
    rng = np.random.default_rng(3)
    colour = _unit(rng, 109)
    colour[80:109] = _still(rng, 29)
    bw = np.concatenate([colour[10:109], _unit(rng, 1)])  # offset +10; the last B&W frame has none
    flat = np.zeros(109, bool)
    # Offset 9 reaches the B&W film's end inside the colour film, offset 10 does not.
    candidates = [(10.0, 0, 100), (9.0, 70, 100)]
    segments, _, _ = segment(
        Evidence(bw, flat[:100]), Evidence(colour, flat), 1.0, candidates, [70], 24.0, 0.7
    )
    assert [(s.bw_start, s.bw_end, s.offset) for s in segments] == [(0, 99, 10.0)]


def test_an_offset_changes_mid_shot_where_the_colour_release_changes_kind():
    """A release that lacks one film frame where its decoding changes kind (a join) jumps a frame
    mid-shot: at the join the offset changes as cheaply as at a cut; elsewhere the change would
    move to the shot's cut, pairing its first frames a frame off."""
    rng = np.random.default_rng(4)
    path = _still(rng, 121, step=0.05)  # a shot in motion, cut at B&W frame 40
    colour = np.delete(path, 50, axis=0)  # the release lacks film frame 50: its join
    bw = path[:120]
    flat = np.zeros(120, bool)
    candidates = [(0.0, 0, 50), (-1.0, 51, 120)]

    def runs(joins):
        found, _, _ = segment(
            Evidence(bw, flat),
            Evidence(colour, flat),
            1.0,
            candidates,
            [40],
            24.0,
            0.7,
            joins=joins,
        )
        return [(s.bw_start, s.bw_end, s.offset) for s in found]

    # Colour frame 39 is claimed once: B&W frame 40 then has none.
    assert runs([]) == [(0, 40, 0.0), (41, 120, -1.0)], "without the join: at the cut"
    assert runs([50]) == [(0, 50, 0.0), (51, 120, -1.0)]
