"""The film's shots: its own cuts, and the colour release's mapped onto it through the alignment.

Two shots of like grey levels can follow each other with no cut a detector sees in the B&W film,
while their colours tell them apart at once. So each cut found in the colour release (in colour)
is brought onto the B&W film where the alignment pairs the frames either side of it (or the frame
after it, where the release lacks the end of the shot before), placed on the B&W frame that
changes most within a frame or two of there, and kept where that change stands out
from the frames around it (the B&W film changes there too: it is the same cut, not the release's
own re-edit). A cut the B&W film already has, within ``NEAR`` frames, is not added twice.
"""

from __future__ import annotations

import numpy as np

NEAR = 2  # frames: a mapped cut this close to one the film has is that one
AROUND = 12  # frames either side whose changes a cut's must stand out from
STANDS_OUT = 2.0  # ... by this many times their median


def merged_cuts(
    bw_cuts: list[int], colour_cuts: list[int], colour_of: np.ndarray, grey
) -> list[int]:
    """The B&W film's cuts with the colour release's added: ``colour_of`` gives each B&W frame's
    colour frame (-1: none), ``grey`` the B&W film's small grey frames (n, s, s)."""
    n = len(colour_of)
    found = set(bw_cuts)
    for c in colour_cuts:
        # the B&W frames shown with the colour frames either side of the cut
        after = np.flatnonzero(colour_of == c)
        if not len(after) or after[0] == 0:
            continue
        b = int(after[0])
        # a frame or two before show the colour frame before, or the one before shows none (the
        # release lacks the end of the shot before: the B&W cut is where the pairs begin again)
        if not ((colour_of[max(0, b - 2) : b] == c - 1).any() or colour_of[b - 1] < 0):
            continue
        if any(abs(b - k) <= NEAR for k in found):
            continue
        lo, hi = max(1, b - AROUND), min(n, b + AROUND + 1)
        frames = np.asarray(grey[lo - 1 : hi], np.float32)
        change = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2))  # change[i]: frame lo + i
        near = range(max(lo, b - NEAR), min(hi, b + NEAR + 1))
        at = max(near, key=lambda k: change[k - lo])
        rest = np.delete(change, [k - lo for k in near])
        if len(rest) and change[at - lo] >= STANDS_OUT * max(float(np.median(rest)), 0.5):
            found.add(at)
    return sorted(found)
