"""The familiarity gate: colour fades in scenes the model was not shown."""

import cv2
import numpy as np

from filmcolor.colour import lab_to_rgb
from filmcolor.model import familiarity


def test_colour_pales_in_a_scene_the_model_has_not_seen():
    def scene(seed, n):  # a textured picture panning by a pixel every four frames
        world = cv2.GaussianBlur(
            np.random.default_rng(seed).integers(0, 255, (64, 160)).astype(np.uint8), (0, 0), 3
        )
        return np.stack(
            [
                cv2.normalize(world[:, t // 4 : t // 4 + 64], None, 0, 255, cv2.NORM_MINMAX)
                for t in range(n)
            ]
        )

    def tinted(ab, grey):
        return np.broadcast_to(np.float32(ab), (*grey.shape, 2))

    colours = [(30, 20), (-20, 30), (10, -30)]  # each training scene's colour in the release
    train = np.concatenate([scene(1, 60), scene(2, 60), scene(3, 60)])
    rgb = lab_to_rgb(
        train * (100 / 255), tinted(np.repeat(colours, 60, axis=0)[:, None, None], train)
    )
    shots, frames = np.repeat([0, 1, 2], 60), np.arange(180)
    known, known_ab, levels = familiarity.calibrate(train, rgb, shots, frames, fps=24)
    unseen, seen, near, far = levels
    assert 0 < unseen < seen <= 1 and 0 <= near < far

    def strength(grey, painted):
        like, which = familiarity.nearest(familiarity.frame_signatures(grey), known)
        thumbs = familiarity.colour_thumbs(tinted(painted, grey))
        apart = familiarity.distance(thumbs, known_ab[which].astype(np.float32))
        return like, familiarity.gain(like, apart, levels, 0.25)

    back = scene(2, 90)[70:]  # scene 2 returns later, moved on
    like_back, g_back = strength(back, colours[1])
    like_new, g_new = strength(scene(9, 20), colours[1])
    assert like_back.min() > like_new.max()
    assert g_back.mean() > 0.9 and g_new.mean() < 0.5
    # A familiar picture painted in a colour its release never showed there: built like a known
    # scene, it is another one.
    assert strength(back, colours[2])[1].mean() < 0.5
