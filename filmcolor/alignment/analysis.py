"""What a film's frames say about it as they go by: where its shots cut, where its picture lies.

Cuts come from PySceneDetect's content detector. The aligner and the renderer both hold small frames
in hand; running scenedetect's own video backend would decode the film a second time, so frames are
passed to the detector directly. The picture area is the box inside letterbox or pillarbox bars.
Both keep a fixed amount of state, whatever the film's length.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

import cv2
import numpy as np


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
    """Finds the box inside letterbox/pillarbox bars: the rows and columns that are near-black in
    (almost) every frame. Keeps a histogram of each row's and column's mean brightness over time,
    so its memory does not grow with the film."""

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
        cum = np.cumsum(counts, axis=1)
        level = np.argmax(cum >= 0.95 * cum[:, -1:], axis=1)  # bright at some time = picture
        idx = np.flatnonzero(level > max(16.0, 0.2 * float(np.median(level))))
        if len(idx) == 0:
            return 0.0, 1.0
        return idx[0] / self.side, (idx[-1] + 1) / self.side

    def box(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the picture, as fractions of the frame."""
        (y0, y1), (x0, x1) = self._extent(self.rows), self._extent(self.cols)
        return x0, y0, x1, y1
