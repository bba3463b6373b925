"""How the colour release's colour gives way to the model's where the release lacks frames.

Within a shot the release covers in part, the release's share of each frame's colour falls to
nothing over the BLEND frames before a gap (and rises again after it), and the model's a*b* are
matched to the release's over the shot (their mean and spread over the shot's aligned pairs), so
the colour does not jump where its source changes.
"""

from __future__ import annotations

import numpy as np

from ...alignment.folder import AlignedFolder
from ...colour import rgb_to_ab
from ...dataset.batches import resized
from ...model.net import ColourNet

BLEND = 12  # frames over which a shot's colour passes from the release's to the model's


def blend_weights(has: np.ndarray, shot: np.ndarray) -> np.ndarray:
    """The release's share of each frame's colour: 1 where it has the frame, falling linearly to 0
    over the BLEND frames before (and after) a gap in the same shot, 0 where it lacks the frame."""
    n = len(has)
    gap = np.where(~has)[0]
    w = has.astype(np.float32)
    if len(gap) == 0:
        return w
    idx = np.arange(n)
    nxt = np.searchsorted(gap, idx)  # the first gap frame at or after each frame
    for near in (np.clip(nxt - 1, 0, len(gap) - 1), np.clip(nxt, 0, len(gap) - 1)):
        g = gap[near]
        same = shot[g] == shot
        w = np.minimum(w, np.where(same, np.clip(np.abs(idx - g) / BLEND, 0, 1), 1))
    return w * has


def transfers(
    frame_of: np.ndarray,
    shot: np.ndarray,
    data: AlignedFolder,
    net: ColourNet,
    size: int,
    most: int = 16,
) -> dict[int, np.ndarray]:
    """For each shot the release covers in part: per a*b* channel, the model's mean and spread and
    the release's mean and spread over (up to ``most`` of) the shot's aligned pairs, (4, 2)."""
    has = frame_of >= 0
    partial = [s for s in np.unique(shot) if has[shot == s].any() and not has[shot == s].all()]
    out = {}
    for s in partial:
        rows = np.flatnonzero(data.shots == s)
        if len(rows) == 0:
            continue
        rows = rows[np.linspace(0, len(rows) - 1, min(most, len(rows))).astype(int)]
        grey, colour = resized(data.bw[rows], size), resized(data.colour[rows], size)
        model, truth = net.ab(grey).reshape(-1, 2), rgb_to_ab(colour).reshape(-1, 2)
        out[int(s)] = np.stack([model.mean(0), model.std(0), truth.mean(0), truth.std(0)])
    return out
