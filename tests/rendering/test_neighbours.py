"""The release's chroma steadied by its neighbouring pictures' (rendering.release.neighbours)."""

import cv2
import numpy as np

from filmcolor.rendering.release.neighbours import Neighbours

STEP = 3  # pixels the picture moves right from one film frame to the next


def _scene(seed: int = 0) -> np.ndarray:
    """A textured picture (YCrCb float32, 64 x 96): luma the flow can follow, chroma of its own."""
    rng = np.random.default_rng(seed)
    planes = [
        cv2.GaussianBlur(rng.normal(size=(64, 160)).astype(np.float32), (0, 0), s)
        for s in (2, 5, 5)
    ]
    y, cr, cb = (p / p.std() for p in planes)
    return np.dstack([128 + 40 * y, 128 + 25 * cr, 128 + 25 * cb]).astype(np.float32)


def _frame(scene: np.ndarray, t: int) -> np.ndarray:
    return scene[:, 32 - STEP * t : 128 - STEP * t]  # the camera pans: the scene moves right


def _rgb(ycc: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.clip(np.rint(ycc), 0, 255).astype(np.uint8), cv2.COLOR_YCrCb2RGB)


def _chroma(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)[8:-8, 8:-8, 1:].astype(np.float32)


def test_a_frame_held_in_fields_takes_its_neighbours_chroma_along_the_motion():
    scene = _scene()
    truth = [_frame(scene, t) for t in range(3)]
    # the middle frame as a telecined DVD holds it: its chroma half its neighbours'
    mixed = truth[1].copy()
    mixed[..., 1:] = 0.5 * truth[1][..., 1:] + 0.25 * (truth[0][..., 1:] + truth[2][..., 1:])
    frames = [_rgb(truth[0]), _rgb(mixed), _rgb(truth[2])]
    out = list(Neighbours().steadied(iter(frames), np.arange(3), np.zeros(3, int)))

    assert len(out) == 3
    before = np.abs(_chroma(frames[1]) - _chroma(_rgb(truth[1]))).mean()
    after = np.abs(_chroma(out[1]) - _chroma(_rgb(truth[1]))).mean()
    assert after < 0.4 * before, (before, after)
    # its own luma is kept
    y = [
        cv2.cvtColor(f, cv2.COLOR_RGB2YCrCb)[8:-8, 8:-8, 0].astype(int) for f in (frames[1], out[1])
    ]
    assert np.abs(y[0] - y[1]).mean() < 1.0


def test_pictures_of_another_shot_or_moment_never_count():
    scene = _scene(1)
    frames = [_rgb(_frame(scene, t)) for t in range(4)]
    # frame 0 is in another B&W shot; frame 3 shows a picture far along the release
    out = list(Neighbours().steadied(iter(frames), np.array([0, 1, 2, 40]), np.array([0, 1, 1, 1])))
    assert out[0] is frames[0] and out[3] is frames[3]
    assert not np.array_equal(out[1], frames[1])  # frame 2 does count for frame 1


def test_frames_without_a_picture_stay_none_and_every_frame_comes_out():
    scene = _scene(2)
    frames = [None, _rgb(_frame(scene, 1)), None, _rgb(_frame(scene, 3)), _rgb(_frame(scene, 4))]
    out = list(Neighbours().steadied(iter(frames), np.array([-1, 1, -1, 3, 4]), np.zeros(5, int)))
    assert [o is None for o in out] == [True, False, True, False, False]
    assert out[1] is frames[1]  # no neighbour beside it


def test_an_overlays_colour_is_never_carried():
    scene = _scene(3)
    frames = [_frame(scene, t).copy() for t in range(3)]
    mask = np.zeros((64, 96), np.uint8)
    mask[20:36, 40:60] = 1
    for f in frames[::2]:  # the neighbours carry a magenta logo, the middle frame not
        f[20:36, 40:60] = (110, 220, 200)
    plain = [_rgb(f) for f in frames]
    out = list(Neighbours(mask).steadied(iter(plain), np.arange(3), np.zeros(3, int)))
    cr = cv2.cvtColor(out[1], cv2.COLOR_RGB2YCrCb)[..., 1].astype(float)
    own = cv2.cvtColor(plain[1], cv2.COLOR_RGB2YCrCb)[..., 1].astype(float)
    assert (cr - own)[16:40, 36:64].max() < 12  # the logo's Cr (220) does not come in


def test_where_the_neighbours_do_not_match_its_own_chroma_is_unmixed():
    # Where no neighbour's move holds (here their luma is off, as where something came into view),
    # a frame held in fields keeps its own chroma, with the share its encoder mixed in of its
    # neighbours' (measured where their moves hold) taken back out.
    scene = _scene(4)
    truth = [_frame(scene, t) for t in range(3)]
    mixed = truth[1].copy()
    mixed[..., 1:] = 0.5 * truth[1][..., 1:] + 0.25 * (truth[0][..., 1:] + truth[2][..., 1:])
    neighbours = [truth[0].copy(), truth[2].copy()]
    for f in neighbours:
        f[16:48, 24:56, 0] += 25
    frames = [_rgb(neighbours[0]), _rgb(mixed), _rgb(neighbours[1])]
    out = list(Neighbours().steadied(iter(frames), np.arange(3), np.zeros(3, int)))

    region = (slice(12, 36), slice(20, 44))  # inside the mismatch, in _chroma's coordinates
    true = _chroma(_rgb(truth[1]))[region]
    before = np.abs(_chroma(frames[1])[region] - true).mean()
    after = np.abs(_chroma(out[1])[region] - true).mean()
    assert after < 0.7 * before, (before, after)  # 0.63 (its neighbours' share left in: 1.02)
