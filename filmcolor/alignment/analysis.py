"""What a film's frames say about it as they go by: where its shots cut, where its picture lies.

Cuts come from PySceneDetect's content detector. The aligner and the renderer both hold small frames
in hand; running scenedetect's own video backend would decode the film a second time, so frames are
passed to the detector directly. The picture area is the box inside letterbox or pillarbox bars,
or inside a scan's film edge and perforations.
Both keep a fixed amount of state, whatever the film's length.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

import cv2
import numpy as np

CHANGES = 0.25  # of the median row's (column's) spread over time: a row that changes is picture
MARGIN = 0.1  # of the frame, at each side: as far as a scan's film edge and perforations reach
LONG_ENOUGH = 240  # frames (10 s) it takes to tell a gate's still strip from a still scene


class CutDetector:
    """Feeds frames to scenedetect's ContentDetector one batch at a time and collects the cuts.

    ``cuts`` lists the index of the first frame of every shot after the first. ``min_shot``
    (seconds) keeps flashes from being taken for cuts. Grey frames are scored on luma alone:
    their hue and saturation never change and would dilute the score.
    """

    def __init__(self, fps: Fraction, grey: bool, threshold: float = 27.0, min_shot: float = 0.4):
        # imported here: it takes a fifth of a second
        from scenedetect import ContentDetector, FrameTimecode

        self._timecode = FrameTimecode
        self.fps = Fraction(fps)
        min_len = max(1, round(min_shot * self.fps))
        self._detector = ContentDetector(threshold=threshold, min_scene_len=min_len, luma_only=grey)
        self._index = 0
        self.cuts: list[int] = []

    @property
    def latency(self) -> int:
        """How many frames after a cut the detector may take to report it."""
        return self._detector.event_buffer_length

    def update(self, frames: Iterable[np.ndarray]) -> None:
        """Process a batch of uint8 frames, grey (h, w) or RGB (h, w, 3)."""
        for frame in frames:
            bgr = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR if frame.ndim == 2 else cv2.COLOR_RGB2BGR)
            found = self._detector.process_frame(self._timecode(self._index, self.fps), bgr)
            self.cuts.extend(tc.frame_num for tc in found)
            self._index += 1

    def finish(self) -> list[int]:
        """Flush the detector and return the sorted cut list."""
        if self._index:
            found = self._detector.post_process(self._timecode(self._index - 1, self.fps))
            self.cuts.extend(tc.frame_num for tc in found)
        self.cuts = sorted({c for c in self.cuts if 0 < c < self._index})
        return self.cuts


def shot_ids(n: int, cuts: Iterable[int]) -> np.ndarray:
    """Shot number of each of ``n`` frames, given the sorted cut list."""
    return np.searchsorted(np.asarray(list(cuts), np.int64), np.arange(n), side="right").astype(
        np.int32
    )


class PictureArea:
    """Finds the box of the picture inside what surrounds it: letterbox/pillarbox bars, and on an
    overscanned scan the film's edge, its perforations and the gate around the frame. Keeps a
    histogram of each row's and column's mean brightness over time, so its memory does not grow
    with the film.

    A row or column is picture where it is bright at some time (bars are near-black in every
    frame); near the frame's sides (``MARGIN``) also where its brightness changes over time as the
    picture's does: a perforation strip or a bright film edge is bright but stays put, or
    flickers with the gate's weave far less than the scene moves.
    """

    def __init__(self, side: int):
        self.side = side
        self.rows = np.zeros(side * 256, np.int64)
        self.cols = np.zeros(side * 256, np.int64)

    def update(self, grey: np.ndarray) -> None:
        """Count a batch of grey frames (n, side, side)."""
        offsets = np.arange(self.side) * 256
        for hist, means in ((self.rows, grey.mean(axis=2)), (self.cols, grey.mean(axis=1))):
            hist += np.bincount(
                (offsets + np.rint(means).astype(np.int64)).ravel(), minlength=len(hist)
            )

    def _extent(self, hist: np.ndarray) -> tuple[float, float]:
        counts = hist.reshape(self.side, 256)
        if not counts.sum():
            return 0.0, 1.0
        cum = np.cumsum(counts, axis=1)
        level = np.argmax(cum >= 0.95 * cum[:, -1:], axis=1)  # bright at some time = picture
        bright = level > max(16.0, 0.2 * float(np.median(level)))
        values = np.arange(256)
        mean = counts @ values / cum[:, -1]
        spread = np.sqrt(np.maximum(counts @ values**2 / cum[:, -1] - mean**2, 0))
        moving = spread >= CHANGES * float(np.median(spread[bright])) if bright.any() else bright
        picture = np.flatnonzero(bright)
        if not len(picture):
            return 0.0, 1.0
        lo, hi = int(picture[0]), int(picture[-1]) + 1
        # a still strip at either side, within the margin a film's edge and perforations take,
        # in a film long enough for its scenes to move (in a short clip a still set is no edge)
        frames = int(counts[0].sum())
        margin = int(np.ceil(MARGIN * self.side)) if frames >= LONG_ENOUGH else 0
        still = np.flatnonzero(~moving[lo : min(hi, lo + margin)])
        lo += int(still[-1]) + 1 if len(still) else 0
        still = np.flatnonzero(~moving[max(lo, hi - margin) : hi])
        hi = max(lo, hi - margin) + int(still[0]) if len(still) else hi
        return (lo / self.side, hi / self.side) if hi > lo else (0.0, 1.0)

    def box(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the picture, as fractions of the frame."""
        (y0, y1), (x0, x1) = self._extent(self.rows), self._extent(self.cols)
        return x0, y0, x1, y1
