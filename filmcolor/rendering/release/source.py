"""The colour release as the source of colour: wherever it has the frame, its own colour is used.

``filmcolor align`` of the two releases says which colour frame shows each B&W frame and where the
colour picture lies on the B&W one (a scale and a shift). While rendering, for each B&W frame the
release has:

1. the colour frame is decoded alongside the film, in its own thread, through the decoding the
   alignment chose (its field matching or deinterlacer and its YCbCr matrix: ``alignment.fields``),
   scaled by ffmpeg to the B&W picture's scale at the size of the chroma planes (half the film's),
   and its chroma steadied by the pictures of the film frames beside it, carried along their
   motion (``neighbours``: a frame a DVD holds only in fields of mixed pictures carries half its
   neighbours' chroma);
2. it is placed onto the B&W picture by the alignment's shift, refined once per shot (``phase``)
   and checked again later in the shot (the report shows both); its chroma's own offset against
   its luma is measured once per shot on the release frames as decoded (and steadied) and the
   chroma moved back by it there, before the frame is placed (``chroma``); where an overlay
   (a logo) covers the release's picture, its colour is filled in from around it;
3. its CIE a*b* are put on the B&W frame's own lightness, as the model's colour is (its Cr, Cb
   as they are score worse); sharpening it on the B&W edges with a guided filter gained nothing
   in the rendered film, so it is not done (docs/results.md).

The model colours what the release lacks: the picture outside the release's framing, and frames
missing from it, blended in where the release gives way (``blend``).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ...alignment.analysis import shot_ids
from ...alignment.folder import AlignedFolder
from ...colour import rgb_to_ab
from ...errors import AlignmentError, FilmcolorError
from ...io.decoding import Decoding
from ...io.formats import chroma_subsampled
from ...io.frames import frames_at
from ...io.video import VideoInfo, probe
from ...model.net import ColourNet
from .blend import BLEND, blend_weights, transfers
from .chroma import chroma_offset, shift_chroma
from .neighbours import Neighbours
from .phase import register_shift

log = logging.getLogger("filmcolor")

CHROMA_AT = (0, 4, 8)  # frames after a shot's first release frame its chroma offset is measured
FEATHER = 4  # pixels (chroma-plane) over which the release's colour fades at its framing's edge
REACH = 0.05  # of the picture's width: how far past its framing the release's edge colour carries
SMEAR = 3  # release pixels beside the edge a chroma offset leaves blank whose chroma it mixed in


@dataclass
class Shot:
    """What is known of one B&W shot: its registration and, if it is covered in part, the transfer
    of the model's colour to the release's (per channel: model mean, model spread, release mean,
    release spread)."""

    # chroma-plane pixels, found on the first release frame
    shift: tuple[float, float] | None = None
    response: float = 0.0  # phase correlation's confidence in it
    residual: float | None = None  # full-resolution pixels left, measured later in the shot
    transfer: np.ndarray | None = None  # (4, 2)
    first: int = -1  # the B&W frame the shift was found on
    chroma: tuple[float, float] = (0.0, 0.0)  # the chroma's own offset, in decoded-frame pixels
    chroma_response: float = 0.0
    chroma_seen: list = field(default_factory=list)  # (dx, dy, response) of each frame measured
    cover: tuple | None = None  # where an overlay lies on the placed frame: (y0, y1, x0, x1, mask)


@dataclass
class Release:
    """The colour release and how it lies on the B&W film (see the module's docstring)."""

    info: VideoInfo
    frame_of: np.ndarray  # (n,) colour frame shown with each B&W frame, -1 where none
    weight: np.ndarray  # (n,) the release's share of each B&W frame's colour, 0..1
    shot: np.ndarray  # (n,) shot number of each B&W frame
    scale: tuple[float, float]  # colour pixels per B&W pixel, x and y
    offset: tuple[float, float]  # colour pixel coordinate of the B&W frame's left and top edge
    shots: dict[int, Shot] = field(default_factory=dict)
    decoding: Decoding = field(default_factory=Decoding)  # how its pictures are made
    overlay: np.ndarray | None = None  # uint8 (s, s) over its frame: 1 under an overlay (a logo)
    fields: str = ""  # its field structure, for the report
    _covered: tuple | None = field(default=None, repr=False)  # ``_inside``'s last: (key, plane)

    @property
    def covered(self) -> float:
        """The share of the film's colour that is the release's."""
        return float(self.weight.mean())

    @property
    def subsampled(self) -> bool:
        """Whether its chroma is coded at less than the luma's resolution (the offset's cause)."""
        return chroma_subsampled(self.info.pix_fmt) or not self.info.pix_fmt

    def half_size(self) -> tuple[int, int]:
        """Size the colour frames are decoded at: the B&W film's scale, half its resolution."""
        sx, sy = self.scale
        return 2 * round(self.info.width / sx / 4), 2 * round(self.info.height / sy / 4)

    def frames(self, first: int, count: int, batch: int) -> Iterator[list]:
        """For B&W frames first .. first + count, a batch at a time: the colour frame each is
        shown with (RGB, at ``half_size``), or None."""
        ks = np.arange(first, first + count)
        inside = ks < len(self.frame_of)
        wanted = np.full(count, -1, np.int64)
        wanted[inside] = np.where(self.weight[ks[inside]] > 0, self.frame_of[ks[inside]], -1)
        frames = frames_at(self.info, wanted, size=self.half_size(), decoding=self.decoding)
        shots = self.shot[np.minimum(ks, len(self.shot) - 1)]
        steadied = Neighbours(self.overlay).steadied(frames, wanted, shots)
        try:
            for b0 in range(0, count, batch):
                yield [next(steadied) for _ in range(min(batch, count - b0))]
        finally:  # ffmpeg stops now, not when the generator is collected
            frames.close()

    def colour(
        self, k: int, half: np.ndarray, ab: np.ndarray, rgb: np.ndarray | None, box: tuple[int, int]
    ) -> np.ndarray:
        """The a*b* (h, w, 2) of B&W frame ``k``: the model's ``ab`` (matched to the release's in a
        shot the release covers in part), and the release frame ``rgb`` placed on the picture
        (``half``: its luma at the chroma planes' size; ``box``: where that picture's top left
        corner is in the chroma planes), as much as the frame's weight says."""
        shot = self.shots.setdefault(int(self.shot[k]), Shot())
        if shot.transfer is not None:
            m_mean, m_sd, r_mean, r_sd = shot.transfer
            ab = (ab - m_mean) * np.clip(r_sd / np.maximum(m_sd, 1e-3), 0.5, 2.0) + r_mean
        w = float(self.weight[k])
        if rgb is None or w == 0:
            return ab
        if shot.shift is None:
            shot.shift, shot.response = register_shift(
                half, self._place(rgb, half.shape, box, (0.0, 0.0))
            )
            shot.first = k
        if k - shot.first in CHROMA_AT and self.subsampled:  # RGB, 4:4:4: no offset to find
            self._measure_chroma(shot, rgb)
        if shot.residual is None and k >= shot.first + BLEND // 2:
            (dx, dy), _ = register_shift(half, self._place(rgb, half.shape, box, shot.shift))
            shot.residual = 2 * float(np.hypot(dx, dy))
        placed = self._place(self._chroma_moved(rgb, shot), half.shape, box, shot.shift)
        placed = self._fill_overlay(placed, box, shot)
        inside = self._inside(half.shape, box, shot.shift, rgb.shape[:2])
        own = rgb_to_ab(placed)
        if w == 1 and inside.min() == 1:  # the release shows the whole picture
            return np.ascontiguousarray(own)
        w_map = (w * inside)[..., None]
        return w_map * own + (1 - w_map) * ab

    @staticmethod
    def _measure_chroma(shot: Shot, rgb: np.ndarray) -> None:
        """The chroma's offset measured on one more release frame of the shot, as decoded (all
        of the release's picture, none of the edge placing repeats): the median of the frames
        measured so far (one frame's texture can favour a wrong offset by a pixel or more)."""
        (dx, dy), response = chroma_offset(rgb)
        shot.chroma_seen.append((dx, dy, response))
        seen = np.array(shot.chroma_seen)
        shot.chroma = (float(np.median(seen[:, 0])), float(np.median(seen[:, 1])))
        shot.chroma_response = float(seen[:, 2].mean())

    def _chroma_moved(self, rgb: np.ndarray, shot: Shot) -> np.ndarray:
        """The release frame with its chroma moved back by the shot's offset, in the frame's own
        pixels, before it is placed: so the picture beyond the release's framing carries the
        colour of its first column of chroma that shows the picture, not of the columns the offset
        left without (blank on a release whose chroma was delayed)."""
        return shift_chroma(rgb, shot.chroma, SMEAR * rgb.shape[1] / self.info.width)

    def place(
        self, k: int, rgb: np.ndarray, shape: tuple[int, int], box: tuple[int, int]
    ) -> np.ndarray:
        """The release frame ``rgb`` of B&W frame ``k`` placed on the picture (``shape``, ``box``
        as for ``colour``) as its shot is registered (unshifted before that): what the review
        compares and shows."""
        shot = self.shots.get(int(self.shot[k]))
        shift = shot.shift if shot is not None and shot.shift is not None else (0.0, 0.0)
        return self._place(rgb, shape, box, shift)

    def _matrix(
        self, box: tuple[int, int], shift: tuple[float, float], size: tuple[int, int]
    ) -> np.ndarray:
        """The affine map from chroma-plane pixels of the picture to pixels of the scaled colour
        frame (pixel centres; the alignment's edges map to edges)."""
        (sx, sy), (ox, oy) = self.scale, self.offset
        fx, fy = size[0] / self.info.width, size[1] / self.info.height  # scaled frame per colour px
        x0, y0 = box
        # u (chroma px) -> B&W px 2 (u + x0 + 0.5) -> colour px sx * that + ox -> scaled px.
        return np.array(
            [
                [2 * fx * sx, 0, fx * (2 * sx * (x0 + 0.5) + ox) - 0.5 + shift[0]],
                [0, 2 * fy * sy, fy * (2 * sy * (y0 + 0.5) + oy) - 0.5 + shift[1]],
            ],
            np.float32,
        )

    def _place(self, rgb: np.ndarray, shape: tuple[int, int], box, shift) -> np.ndarray:
        m = self._matrix(box, shift, (rgb.shape[1], rgb.shape[0]))
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        return cv2.warpAffine(
            rgb, m, (shape[1], shape[0]), flags=flags, borderMode=cv2.BORDER_REPLICATE
        )

    def _fill_overlay(self, placed: np.ndarray, box, shot: Shot) -> np.ndarray:
        """The placed frame with what an overlay covers filled in from around it (OpenCV's Telea
        inpainting, on the overlay's box only): the logo's colour never reaches the film."""
        if self.overlay is None:
            return placed
        if shot.cover is None:
            cover = self._place(self.overlay * np.uint8(255), placed.shape[:2], box, shot.shift)
            cover = cv2.dilate((cover > 8).astype(np.uint8), np.ones((5, 5), np.uint8))
            ys, xs = np.nonzero(cover)
            if not len(ys):
                shot.cover = ()
                return placed
            y0, x0 = max(0, ys.min() - 4), max(0, xs.min() - 4)
            y1, x1 = ys.max() + 5, xs.max() + 5
            shot.cover = (y0, y1, x0, x1, cover[y0:y1, x0:x1])
        if not shot.cover:
            return placed
        y0, y1, x0, x1, mask = shot.cover
        out = placed.copy()
        out[y0:y1, x0:x1] = cv2.inpaint(placed[y0:y1, x0:x1], mask, 3, cv2.INPAINT_TELEA)
        return out

    def _inside(self, shape, box, shift, frame_shape) -> np.ndarray:
        """``_coverage``, kept while its arguments stay (a shot's frames): the last one only, as a
        picture-sized plane a shot would add up over a film's thousand shots."""
        key = (shape, box, shift, frame_shape)
        if self._covered is None or self._covered[0] != key:
            self._covered = (key, self._coverage(shape, box, shift, frame_shape))
        return self._covered[1]

    def _coverage(self, shape, box, shift, frame_shape) -> np.ndarray:
        """1 where the release shows the picture and for REACH beyond its edges (their colour
        carried on: a reframed release misses a thin band, where the edge's true colour is a better
        guess than the model's), then fading to 0 over FEATHER pixels."""
        m = self._matrix(box, shift, (frame_shape[1], frame_shape[0]))
        u = np.arange(shape[1], dtype=np.float32) * m[0, 0] + m[0, 2]
        v = np.arange(shape[0], dtype=np.float32) * m[1, 1] + m[1, 2]
        reach = REACH * shape[1]
        ramp_u = np.clip((np.minimum(u + 0.5, frame_shape[1] - 0.5 - u) + reach) / FEATHER, 0, 1)
        ramp_v = np.clip((np.minimum(v + 0.5, frame_shape[0] - 0.5 - v) + reach) / FEATHER, 0, 1)
        return np.outer(ramp_v, ramp_u).astype(np.float32)

    def report(self) -> dict:
        """Frames and shots as the render report shows them."""
        w, h = self.half_size()  # the chroma's offset in the release's own pixels
        fx, fy = self.info.width / w, self.info.height / h
        return {
            "release_frames": int((self.weight > 0).sum()),
            "model_frames": int((self.weight < 1).sum()),
            "covered": self.covered,
            "fields": self.fields,
            "decoding": self.decoding.filters,
            "overlay": self.overlay is not None,
            "shots": {
                s: {
                    "shift_px": None if v.shift is None else [2 * v.shift[0], 2 * v.shift[1]],
                    "response": v.response,
                    "residual_px": v.residual,
                    "matched_to_release": v.transfer is not None,
                    "chroma_px": [fx * v.chroma[0], fy * v.chroma[1]],
                    "chroma_response": v.chroma_response,
                    "overlay_filled": bool(v.cover),
                }
                for s, v in sorted(self.shots.items())
            },
        }


def load_release(
    film: VideoInfo,
    reference: str | Path,
    aligned: str | Path | None,
    net: ColourNet,
    model_size: int,
    progress: bool = False,
) -> Release:
    """How the colour release ``reference`` lies on ``film``: from ``aligned`` (a folder written by
    ``filmcolor align`` for these two files) or from aligning them now; and, for shots the release
    covers in part, the transfer of the model's colour to the release's."""
    ref = probe(reference)
    if aligned is None:
        tmp = Path(tempfile.mkdtemp(prefix="filmcolor-align-"))
        try:
            from ...alignment.aligner import align  # on use: with --aligned, nothing is aligned

            align(film.path, ref.path, tmp / "aligned", progress=progress)
            return _release(film, ref, tmp / "aligned", net, model_size)
        except AlignmentError as e:
            share = e.matched / max(e.frames, 1)
            raise FilmcolorError(
                f"{ref.path}: only {e.matched} of {film.path.name}'s {e.frames} frames "
                f"({share:.0%}) align with it; it does not look like a colour release of this film"
            ) from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return _release(film, ref, Path(aligned), net, model_size)


def _release(
    film: VideoInfo, ref: VideoInfo, aligned: Path, net: ColourNet, model_size: int
) -> Release:
    folder = AlignedFolder(aligned)
    manifest = folder.manifest
    for name, info in (("bw", film), ("color", ref)):
        made = manifest.inputs[name]
        if (made["width"], made["height"], made["frames"]) != (
            info.width,
            info.height,
            info.frames,
        ):
            raise FilmcolorError(
                f"{aligned}: was aligned from {made['path']}, not {info.path}; align these two "
                "files (or leave out --aligned)"
            )
    n = film.frames
    frame_of = manifest.colour_frames(n, manifest.colour_pictures or ref.frames)
    shot = shot_ids(n, manifest.bw_cuts)
    bx, by, bw, bh = manifest.crop["bw"]
    cx, cy, cw, ch = manifest.crop["color"]
    scale = (cw / bw, ch / bh)
    release = Release(
        ref,
        frame_of,
        blend_weights(frame_of >= 0, shot),
        shot,
        scale,
        (cx - bx * scale[0], cy - by * scale[1]),
        decoding=manifest.colour_decoding,
        overlay=None if (mask := folder.overlay("color")) is None else mask.astype(np.uint8),
        fields=manifest.colour_fields.describe(),
    )
    found = transfers(frame_of, shot, AlignedFolder.open(aligned), net, model_size)
    release.shots.update({s: Shot(transfer=t) for s, t in found.items()})
    log.info(
        "the colour release colours %.0f%% of the film; the model the rest", 100 * release.covered
    )
    return release
