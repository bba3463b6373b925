"""Overlays (a logo, a watermark) found by what stays put while the picture changes."""

import numpy as np

from filmcolor.alignment.overlays import Inpainted, StaticPixels, pair_weights


def _film(n=120, side=64, seed=0, box=None, alpha=1.0):
    """Frames of moving blobs (every pixel changes over the film), with a static box blended in."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side] / side
    frames = np.empty((n, side, side), np.uint8)
    for i in range(n):
        cx, cy = rng.uniform(0, 1, 2)
        g = (
            60
            + 150 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 0.05)
            + rng.normal(0, 8, xx.shape)
        )
        if box:
            x0, y0, x1, y1 = box
            g[y0:y1, x0:x1] = alpha * 230 + (1 - alpha) * g[y0:y1, x0:x1]
        frames[i] = np.clip(g, 0, 255)
    return frames


def test_a_static_box_is_found_and_nothing_else():
    static = StaticPixels(64)
    static.update(_film(box=(44, 50, 58, 58), alpha=0.8))
    mask = static.mask((0.0, 0.0, 1.0, 1.0))
    ys, xs = np.nonzero(mask)
    assert (xs.min(), ys.min(), xs.max(), ys.max()) == (43, 49, 58, 58), "the box, grown a pixel"
    clean = StaticPixels(64)
    clean.update(_film(seed=1))
    assert clean.mask((0.0, 0.0, 1.0, 1.0)) is None


def test_bars_are_static_but_no_overlay():
    frames = _film(seed=2)
    frames[:, :8] = frames[:, -8:] = 0  # letterbox bars
    static = StaticPixels(64)
    static.update(frames)
    assert static.mask((0.0, 8 / 64, 1.0, 56 / 64)) is None


def test_matching_sees_the_overlay_filled_in_from_around_it():
    frames = _film(seed=3, box=(20, 20, 30, 28))
    clean = _film(seed=3)
    mask = np.zeros((64, 64), bool)
    mask[19:29, 19:31] = True
    filled = Inpainted(frames, mask)[[5, 6]]
    inside = np.s_[:, 20:28, 20:30]
    assert (
        np.abs(filled[inside].astype(int) - clean[[5, 6]][inside]).mean()
        < 0.3 * np.abs(frames[[5, 6]][inside].astype(int) - clean[[5, 6]][inside]).mean()
    )
    assert filled.shape == (2, 64, 64) and Inpainted(frames, mask)[5].shape == (64, 64)


def test_the_pairs_weights_leave_out_both_releases_overlays_in_the_common_crop():
    colour = np.zeros((128, 128), bool)
    colour[100:120, 100:124] = True  # bottom right of the colour frame
    bw = np.zeros((128, 128), bool)
    bw[4:12, 4:30] = True  # a watermark top left of the B&W frame
    from filmcolor.alignment.overlays import Overlay

    overlays = {"color": Overlay(colour, (0, 0, 1, 1), (0,)), "bw": Overlay(bw, (0, 0, 1, 1), (0,))}
    w = pair_weights(overlays, {"color": (0.0, 0.0, 1.0, 1.0), "bw": (0.0, 0.0, 1.0, 1.0)}, 32)
    assert w.shape == (32, 32) and w[28, 28] == 0 and w[2, 2] == 0 and w[16, 16] == 1
    assert pair_weights({"color": None, "bw": None}, {}, 32) is None


def test_a_lamp_still_through_its_shot_is_scene_a_logo_still_through_every_shot_is_not():
    shots = [_film(n=40, seed=10 + s, box=(44, 50, 58, 58)) for s in range(5)]
    for shot, level in zip(shots, (240, 215, 250, 225, 235)):  # a lamp, lit as each shot has it
        shot[:, 8:16, 6:14] = level
    frames = np.concatenate(shots)
    static = StaticPixels(64)
    static.update(frames)
    spread = frames.std(axis=0)
    assert spread[8:16, 6:14].max() < 0.6 * np.median(spread), "the lamp all but stays put"
    mask = static.mask((0.0, 0.0, 1.0, 1.0), frames, [40, 80, 120, 160])
    ys, xs = np.nonzero(mask)
    assert (xs.min(), ys.min(), xs.max(), ys.max()) == (43, 49, 58, 58), "the logo alone"
