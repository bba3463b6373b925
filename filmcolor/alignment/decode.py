"""Step 1 of alignment: both releases decoded once, side by side, into small frames on disk.

Each release streams out of its own ffmpeg process, scaled by ffmpeg to a small square (grey for
the B&W release, RGB and grey for the colour one), into scratch files; on the way each release's
picture area (letterbox or pillarbox bars), its overlays (``overlays``: a logo, a watermark) and the
B&W release's shot cuts are found (``analysis``). The scratch files are what the later steps read,
a chunk at a time; matching and registration read them with any overlay filled in.
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ..colour import rgb_to_grey
from ..errors import VideoError
from ..geometry import Box
from ..io.decoding import Decoding
from ..io.frames import ScratchFrames
from ..io.stream import Stream
from ..io.video import FrameReader, VideoInfo
from .analysis import CutDetector, PictureArea
from .overlays import Inpainted, Overlay, StaticPixels


@dataclass
class Film:
    """One release: its probe, its decoded small frames, picture area and cuts."""

    info: VideoInfo
    frames: ScratchFrames  # (n, S, S) grey or (n, S, S, 3) RGB, uint8: what the pairs are cut from
    grey: ScratchFrames  # (n, S, S) grey: what matching looks at (overlays filled in)
    active: Box = (0.0, 0.0, 1.0, 1.0)  # picture area inside the bars, as fractions of the frame
    cuts: list[int] = field(default_factory=list)
    overlay: Overlay | None = None  # what stays put on the picture (a logo), if anything

    @property
    def n(self) -> int:
        return len(self.frames)


def check_space(out: Path, needed: float) -> None:
    """Refuse to start when the disk cannot hold the scratch frames: per frame, a SIDExSIDE grey
    frame of the B&W release, an RGB and a grey one of the colour release (80 KB at side 128)."""
    folder = out.parent if out.parent.exists() else Path.cwd()
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise VideoError(
            f"{out}: aligning needs about {needed / 1e9:.1f} GB of scratch space beside it, "
            f"{free / 1e9:.1f} GB are free; free some or choose another -o"
        )


class Scratch:
    """One release's small frames going into its scratch file(s), scanned on the way for the
    picture area and the shot cuts."""

    def __init__(self, info: VideoInfo, side: int, grey: bool, path: Path):
        self.info, self.side, self.grey, self.path = info, side, grey, path
        self.grey_path = path if grey else path.with_suffix(".grey.u8")
        self.area = PictureArea(side)
        self.static = StaticPixels(side)
        self.cuts = CutDetector(info.fps, grey=grey)
        self.n = 0
        self._files = contextlib.ExitStack()
        self._out = self._files.enter_context(open(path, "wb"))
        self._grey_out = None if grey else self._files.enter_context(open(self.grey_path, "wb"))

    def add(self, batch: np.ndarray) -> None:
        self._out.write(batch.tobytes())
        g = batch if self.grey else rgb_to_grey(batch)
        if self._grey_out:
            self._grey_out.write(g.tobytes())
        self.area.update(g)
        self.static.update(g)
        # at half size: as reliable for cuts, four times cheaper (the colour release's in colour:
        # its cuts show where the B&W film's grey levels alike hide one)
        half = (self.side // 2,) * 2
        self.cuts.update([cv2.resize(f, half, interpolation=cv2.INTER_AREA) for f in batch])
        self.n += len(batch)

    def film(self) -> Film:
        self._files.close()
        if self.n < 2:
            raise VideoError(
                f"{self.info.path}: only {self.n} frame(s) could be decoded; a film needs many "
                "more to align"
            )
        grey = ScratchFrames(self.grey_path, self.n, (self.side, self.side))
        frames = grey if self.grey else ScratchFrames(self.path, self.n, (self.side, self.side, 3))
        box = self.area.box()
        cuts = self.cuts.finish()
        mask, overlay = self.static.mask(box, grey, cuts), None
        if mask is not None:
            overlay = Overlay.found(mask, self.info.size, frames)
            grey = Inpainted(grey, mask)
        return Film(self.info, frames, grey, box, cuts, overlay)

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc) -> None:
        self._files.close()


def decode_both(
    bw: VideoInfo,
    colour: VideoInfo,
    side: int,
    scratch: Path,
    progress: bool,
    decoding: Decoding | None = None,
) -> tuple[Film, Film]:
    """Decode both releases at once (two ffmpeg processes) into scratch files, scanning as they
    come; the colour release through its ``decoding`` (``fields``: its field matching in the
    same ffmpeg process, its YCbCr matrix)."""
    decoding = decoding or Decoding()
    bar = tqdm(
        total=bw.frames + decoding.count(colour),
        unit="frame",
        desc="decoding",
        disable=not progress,
        leave=False,
    )
    with (
        bar,
        Scratch(bw, side, True, scratch / "bw.u8") as bw_s,
        Scratch(colour, side, False, scratch / "color.u8") as colour_s,
    ):
        with Stream() as stream:
            jobs = ((bw, bw_s, "gray", None), (colour, colour_s, "rgb24", decoding))
            for info, target, fmt, how in jobs:
                reader = FrameReader(info, size=(side, side), pix_fmt=fmt, batch=64, decoding=how)
                stream.sink(
                    stream.source(reader),
                    lambda batch, t=target: (t.add(batch), bar.update(len(batch))),
                )
        return bw_s.film(), colour_s.film()
