"""The review of a render from stills: each shot's still, how much of its colour was carried, and
the frames where it was lost.

``Review`` hands each frame of a shot with a still its facts (``FrameFacts.carried``: the share of
its picture that took the still's carried colour; ``FrameFacts.still``: on a still's own frame,
the still placed on the picture); at the shot's end ``close`` sums them up into the row's figures
and writes the still's thumbnail. A frame is *lost* where less than ``LOST`` of its picture took
the still's colour (the model's colour, matched to the still, showing instead); a shot is warned
of where more than ``LOST_FRAMES`` of its frames are lost.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

LOST = 0.5  # share of a frame's picture carried below which the still's colour is lost there
LOST_FRAMES = 0.1  # share of a shot's frames lost from which the shot is warned of
WARNING = f"the still's colour lost on more than {LOST_FRAMES:.0%} of the shot's frames"


class CarriedReview:
    """Per-shot figures of the stills' carried colour (see the module's docstring)."""

    def __init__(self):
        self.shares: list[float] = []
        self.lost: list[list[int]] = []  # runs of lost frames, [first, last]
        self.still: np.ndarray | None = None  # the still's thumbnail, RGB
        self.still_frame: int | None = None

    def add(self, i: int, carried: float, still: Callable[[], np.ndarray] | None, size) -> None:
        """Frame ``i``'s carried share and, on a still's frame, its picture (thumbnail ``size``)."""
        self.shares.append(carried)
        if carried < LOST:
            if self.lost and self.lost[-1][1] == i - 1:
                self.lost[-1][1] = i
            else:
                self.lost.append([i, i])
        if still is not None and self.still is None:
            self.still = cv2.resize(still(), size, interpolation=cv2.INTER_AREA)
            self.still_frame = i

    def close(self, save: Callable[[str, np.ndarray], str]) -> tuple[dict, str | None]:
        """The shot's figures (none for a shot without a still) and its still's thumbnail (saved
        by ``save(what, rgb)``); ready for the next shot."""
        if not self.shares:
            return {}, None
        row = {
            "carried": float(np.mean(self.shares)),
            "still_frame": self.still_frame,
            "lost": self.lost,
            "lost_frames": int(sum(b - a + 1 for a, b in self.lost)),
        }
        thumb = None if self.still is None else save("still", self.still)
        self.__init__()
        return row, thumb


def join(a: dict, b: dict) -> dict:
    """The carried figures of a shot from its two parts, either side of a piece's boundary."""
    if "carried" not in a or "carried" not in b:
        return {k: v for k, v in (a if "carried" in a else b).items() if k in KEYS}
    na, nb = a["frames"], b["frames"]
    lost = [list(r) for r in a["lost"]]
    for r in b["lost"]:
        if lost and lost[-1][1] == r[0] - 1:
            lost[-1][1] = r[1]
        else:
            lost.append(list(r))
    frame = a["still_frame"] if a["still_frame"] is not None else b["still_frame"]
    return {
        "carried": (a["carried"] * na + b["carried"] * nb) / (na + nb),
        "still_frame": frame,
        "lost": lost,
        "lost_frames": a["lost_frames"] + b["lost_frames"],
    }


KEYS = ("carried", "still_frame", "lost", "lost_frames")


def warned(row: dict) -> bool:
    """Whether a shot's still's colour was lost on too many of its frames."""
    return row.get("lost_frames", 0) > LOST_FRAMES * row["frames"]
