"""Frames fetched by index: from a scratch file of small decoded frames, or from a video.

``ScratchFrames`` holds a film's small frames, decoded once, in a raw file on disk; ``frames_at``
decodes the frames of a video at the indices asked for, in the order asked for. Alignment reads its
scratch files through the first; the colour release (render) and a rendered film (evaluate) are
read through the second.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from ..errors import VideoError
from .decoding import Decoding
from .video import FrameReader, VideoInfo

SEEK = 240  # frames: a jump further ahead than this seeks rather than decodes on


class ScratchFrames:
    """Decoded frames of one shape in a raw uint8 file, read a chunk at a time.

    Each access maps the file, copies the frames asked for and unmaps it again, so the pages read
    do not stay in the process's memory: a long film costs disk, not RAM.
    """

    def __init__(self, path: Path, n: int, frame_shape: tuple[int, ...]):
        self.path, self.shape = path, (n, *frame_shape)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index) -> np.ndarray:
        return np.array(np.memmap(self.path, np.uint8, "r", shape=self.shape)[index])


def frames_at(
    info: VideoInfo,
    indices: Iterable[int],
    *,
    size: tuple[int, int] | None = None,
    crop: tuple[int, int, int, int] | None = None,
    seek: int = SEEK,
    decoding: Decoding | None = None,
) -> Iterator[np.ndarray | None]:
    """RGB frame k of ``info``'s video for each k of ``indices``, in that order (None for a
    negative k), cropped and resized as ``FrameReader`` does; with ``decoding``, picture k of its
    chain.

    The video is decoded forward; where the next index lies behind the decoder, or more than
    ``seek`` frames ahead of it, ffmpeg starts again at (a cycle before) that frame, or at its
    part's read. A repeated index costs nothing."""
    reader: FrameReader | None = None
    frames: Iterator[np.ndarray] = iter(())
    at, last = -1, (-1, None)  # the next frame the decoder yields; the last one fetched
    decoding = decoding or Decoding()
    fps = float(decoding.input_fps or info.fps)
    try:
        for k in indices:
            k = int(k)
            if k < 0:
                yield None
                continue
            if k != last[0]:
                # ahead: start again where that is nearer k than the decoder is (by parts, the
                # start of k's part may lie behind it)
                restart = k > at + seek and decoding.seekable and decoding.start(k)[1] > at
                if reader is None or k < at or restart:
                    if reader is not None:
                        reader.close()
                    j, at = decoding.start(k)
                    start = (j - 0.5) / fps if j else None  # input frame j is the first after
                    reader = FrameReader(
                        info, size=size, crop=crop, start=start, batch=8, decoding=decoding
                    )
                    frames = (frame for batch in reader for frame in batch)
                while at <= k:
                    frame = next(frames, None)
                    if frame is None:
                        raise VideoError(f"{info.path}: has no frame {k} (it ends at frame {at})")
                    last = (at, frame)
                    at += 1
            yield last[1]
    finally:
        if reader is not None:
            reader.close()
