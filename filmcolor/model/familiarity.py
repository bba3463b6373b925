"""How familiar a frame's scene is to the model, and how much of its colour to show for it.

A model trained on a film's own colour release knows the scenes it was shown. A scene that comes
back later in the film (the usual case) looks like one of them; a scene it never saw does not, and
there its colour is a guess in the film's usual palette, shown with full confidence. Two checks,
each read from the training frames themselves:

- **likeness**: each frame is described as ``align`` describes frames (a rank-transformed 16x16
  thumbnail, blind to the tones of the B&W stock); its likeness is its highest cosine to the
  training frames'. ``seen`` is the typical likeness of two frames of one training shot a second or
  more apart (a scene the model knows, shown again a little differently); ``unseen`` the typical
  likeness of a training frame to the frames of the *other* training shots.
- **agreement**: a thumbnail can liken two different scenes built alike (a car on a road before
  buildings). So the model's colour for the frame, as a 4x4 a*b* thumbnail, is compared with the
  release's colour of the training frame it is likest to: where the scene is that one, the two
  agree (as two frames of one shot do, ``near``); where it is not, the model paints something the
  release never showed there (as far off as the colour of another shot, ``far``).

Colour is shown at full strength where both say "known" (likeness from ``seen`` up, colour distance
from ``near`` down), at the ``unseen`` strength setting where either says "new" (likeness ``unseen``
and below, or distance ``far`` and above), and in between by the product of the two straight lines.
docs/train.md gives the likeness and distance measured on scenes seen and unseen.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..alignment.matching import signatures
from ..colour import rgb_to_ab

SIDE = 16
AB_SIDE = 4
KEEP = 4096  # training frames remembered (256 + 32 half-precision numbers each)


def frame_signatures(grey: np.ndarray) -> np.ndarray:
    """Signatures (n, SIDE * SIDE) float32 of grey uint8 frames (n, h, w)."""
    thumbs = np.stack([cv2.resize(f, (SIDE, SIDE), interpolation=cv2.INTER_AREA) for f in grey])
    return signatures(thumbs.reshape(len(grey), -1))


def colour_thumbs(ab: np.ndarray) -> np.ndarray:
    """a*b* thumbnails (n, AB_SIDE * AB_SIDE * 2) float32 of a*b* frames (n, h, w, 2)."""
    return np.stack(
        [
            cv2.resize(f, (AB_SIDE, AB_SIDE), interpolation=cv2.INTER_AREA).ravel()
            for f in np.asarray(ab, np.float32)
        ]
    )


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Root-mean-square difference of colour thumbnails, in a*b* units."""
    return np.sqrt(((a - b) ** 2).mean(axis=-1))


def nearest(signature: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each frame's highest cosine to the known frames' signatures, and which known frame it is."""
    sims = signature @ known.T.astype(np.float32)
    return sims.max(axis=1), sims.argmax(axis=1)


def calibrate(
    grey: np.ndarray, rgb: np.ndarray, shots: np.ndarray, frames: np.ndarray, fps: float = 24.0
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """The training frames to remember (up to KEEP, evenly spaced: their signatures and colour
    thumbnails) and the levels ``[unseen, seen, near, far]``, from training frames ``grey`` with
    the release's frames ``rgb``, their shot numbers and frame numbers."""
    pick = np.linspace(0, len(grey) - 1, min(KEEP, len(grey))).astype(int)
    sig, shots, frames = frame_signatures(np.asarray(grey[pick])), shots[pick], frames[pick]
    thumbs = colour_thumbs(rgb_to_ab(np.asarray(rgb[pick])))
    sims = sig @ sig.T
    same = shots[:, None] == shots[None, :]
    apart = same & (np.abs(frames[:, None] - frames[None, :]) >= fps)
    other, later = np.where(same, -1, sims), np.where(apart, sims, -1)
    has_other, has_later = (~same).any(axis=1), apart.any(axis=1)
    unseen = float(np.median(other.max(axis=1)[has_other])) if has_other.any() else 0.5
    seen = float(np.median(later.max(axis=1)[has_later])) if has_later.any() else 0.9
    far_d = distance(thumbs, thumbs[other.argmax(axis=1)])[has_other]
    near_d = distance(thumbs, thumbs[later.argmax(axis=1)])[has_later]
    near = float(np.median(near_d)) if len(near_d) else 0.0
    far = float(np.median(far_d)) if len(far_d) else np.inf
    levels = [unseen, max(seen, unseen + 0.05), near, max(far, near + 1.0)]
    return sig.astype(np.float16), thumbs.astype(np.float16), levels


def gain(
    likeness: np.ndarray, colour_distance: np.ndarray, levels: list[float], floor: float
) -> np.ndarray:
    """Strength of colour for each frame: 1 where it is as like a training frame as ``seen`` and
    its colour as near that frame's as ``near``; ``floor`` at ``unseen`` likeness or ``far``
    distance; the product of the two straight lines between."""
    unseen, seen, near, far = levels
    known = np.clip((likeness - unseen) / (seen - unseen), 0, 1)
    agrees = np.clip((far - colour_distance) / (far - near), 0, 1)
    return floor + (1 - floor) * known * agrees
