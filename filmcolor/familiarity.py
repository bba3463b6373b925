"""How familiar a frame's scene is to the model, and how much of its colour to show for it.

A model trained on a film's own colour release knows the scenes it was shown. A scene that comes
back later in the film (the usual case) looks like one of them; a scene it never saw does not, and
there its colour is a guess in the film's usual palette, shown with full confidence. Each frame is
described as ``align`` describes frames (a rank-transformed 16x16 thumbnail, blind to the tones of
the B&W stock); its familiarity is its highest cosine to the training frames'. What "seen" and
"unseen" look like is read from the training frames themselves:

- ``seen``: the typical likeness of two frames of one training shot a second or more apart (a scene
  the model knows, shown again a little differently);
- ``unseen``: the typical likeness of a training frame to the frames of the *other* training shots
  (a scene the model never saw).

Colour is shown at full strength from ``seen`` up, at the ``unseen`` strength setting from
``unseen`` down, and on a straight line between. Measured on the DAVIS pairs (docs/train.md): the
recurring scenes of davis-film's test split score 0.80-0.99 (median 0.92), davis-easy's unseen test
shot 0.57-0.61.
"""

from __future__ import annotations

import cv2
import numpy as np

from .matching import signatures

SIDE = 16
KEEP = 4096  # training frames remembered (256 half-precision numbers each)


def describe(grey: np.ndarray) -> np.ndarray:
    """Signatures (n, SIDE * SIDE) float32 of grey uint8 frames (n, h, w)."""
    thumbs = np.stack([cv2.resize(f, (SIDE, SIDE), interpolation=cv2.INTER_AREA) for f in grey])
    return signatures(thumbs.reshape(len(grey), -1))


def likeness(signature: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Each frame's highest cosine to the known frames' signatures."""
    return (signature @ known.T.astype(np.float32)).max(axis=1)


def calibrate(
    grey: np.ndarray, shots: np.ndarray, frames: np.ndarray, fps: float = 24.0
) -> tuple[np.ndarray, float, float]:
    """The signatures to remember (up to KEEP training frames, evenly spaced) and the ``unseen``
    and ``seen`` likeness levels, from training frames ``grey`` with their shot numbers and frame
    numbers."""
    pick = np.linspace(0, len(grey) - 1, min(KEEP, len(grey))).astype(int)
    sig, shots, frames = describe(np.asarray(grey[pick])), shots[pick], frames[pick]
    sims = sig @ sig.T
    same = shots[:, None] == shots[None, :]
    apart = np.abs(frames[:, None] - frames[None, :]) >= fps
    other = np.where(same, -1, sims).max(axis=1)
    later = np.where(same & apart, sims, -1).max(axis=1)
    unseen = float(np.median(other[other > -1])) if (other > -1).any() else 0.5
    seen = float(np.median(later[later > -1])) if (later > -1).any() else 0.9
    return sig.astype(np.float16), unseen, max(seen, unseen + 0.05)


def gain(likeness: np.ndarray, unseen: float, seen: float, floor: float) -> np.ndarray:
    """Strength of colour for each frame: ``floor`` at ``unseen`` likeness and below, 1 at ``seen``
    and above, a straight line between."""
    t = np.clip((likeness - unseen) / (seen - unseen), 0, 1)
    return floor + (1 - floor) * t
