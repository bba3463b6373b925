"""The film's frame in and out at its own depth: its luma as the source holds it, and the coloured
frame in the output's planes.

An 8-bit film written to an 8-bit 4:2:0 file takes the quick way it always has: the Y plane of
I420 decoded, kept byte for byte, and chroma written beside it. Anything deeper (a 10- or 16-bit
source, or a master: ProRes, DNxHR, FFV1, DPX, TIFF, ...) never passes its luma through 8 bits:

- **In**, the luma is decoded as the source holds it: the Y plane of its own planar Y'CbCr format
  (10-bit video: nothing converted), 16-bit grey for a grey scan, 16-bit R'G'B' (or float, EXR)
  weighted to luma here; and kept as 16-bit full-range values (0..65535).
- The model and the colour release see the picture at 8 bits, as always; the colour is composed
  in float on the full-precision lightness (the L* of each 16-bit grey).
- **Out**, the luma is rounded once to the output's depth, in video range for Y'CbCr (a 10-bit
  source round-trips exactly), full range for R'G'B' sequences (R = G = B = the luma where there is
  no colour); the chroma is upsampled to the output's 4:2:2 or 4:4:4 planes where it has them.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from ..colour import LIGHTNESS
from ..io.formats import PLANAR, ColourTags, OutputFormat
from ..io.memory import Scratch
from ..io.video import VideoInfo
from .compose import TV_TO_FULL, fit_gamut, to_i420

_TO_8 = 255 / 65535


@functools.cache
def _lightness16() -> np.ndarray:
    """L* (CIE 1976) of each 16-bit full-range grey level."""
    grey = np.repeat(np.arange(65536, dtype=np.float32)[:, None, None] / 65535, 3, axis=2)
    return cv2.cvtColor(grey, cv2.COLOR_RGB2Lab)[:, 0, 0].copy()


@functools.cache
def _tv_to_16(bits: int) -> np.ndarray:
    """Video-range luma codes at ``bits`` -> 16-bit full range."""
    s = 1 << (bits - 8)
    v = (np.arange(1 << bits) - 16 * s) / (219 * s)
    return np.rint(np.clip(v, 0, 1) * 65535).astype(np.uint16)


@functools.cache
def _16_to_tv(bits: int) -> np.ndarray:
    """16-bit full-range luma -> video-range codes at ``bits``."""
    s = 1 << (bits - 8)
    v = np.rint((16 + 219 * np.arange(65536) / 65535) * s)
    return v.astype(np.uint8 if bits == 8 else np.uint16)


def luma_format(info: VideoInfo) -> str:
    """The pixel format the film's luma is decoded in to keep its depth (see the docstring)."""
    fmt, bits = info.pix_fmt, info.bits
    if fmt in PLANAR and bits > 8:
        return fmt
    if "f32" in fmt or "f16" in fmt:
        return "grayf32le" if fmt.startswith("gray") else "gbrpf32le"
    if bits > 8:
        return "gray16le" if fmt.startswith(("gray", "ya", "yuv", "p0", "nv", "y2")) else "rgb48le"
    plain_yuv = fmt.startswith(("yuv", "nv")) and not fmt.startswith("yuvj")
    return "yuv420p" if plain_yuv else "gray"


class Canvas:
    """How the film's luma comes in and the coloured frame goes out, for the picture ``box``
    (x0, y0, x1, y1, even) of frames of ``info``'s size written as ``fmt`` says, in the matrix of
    ``colour``."""

    def __init__(
        self,
        info: VideoInfo,
        fmt: OutputFormat,
        colour: ColourTags,
        box: tuple[int, int, int, int],
        side_by_side: bool = False,
    ):
        self.fmt, self.box, self.side_by_side = fmt, box, side_by_side
        self.weights = colour.weights
        self.height, self.width = info.height, info.width
        x0, y0, x1, y1 = box
        self.half_size = ((x1 - x0) // 2, (y1 - y0) // 2)
        self.fast = info.bits <= 8 and fmt.pix_fmt == "yuv420p"
        self.pix_fmt = "yuv420p" if self.fast else luma_format(info)
        self.scratch = Scratch()  # a frame's working arrays: the composing thread's

    def luma(self, batch: np.ndarray) -> np.ndarray:
        """The luma planes (n, h, w) of a decoded batch: video-range uint8 on the quick way,
        16-bit full range otherwise."""
        h, fmt = self.height, self.pix_fmt
        if self.fast:
            return batch[:, :h]
        if fmt in PLANAR:
            return _tv_to_16(PLANAR[fmt][0])[batch[:, :h]]
        if fmt == "gray16le":
            return batch
        if fmt == "gray":
            return batch.astype(np.uint16) * np.uint16(257)
        kr, kb = self.weights
        if fmt == "grayf32le":
            y = batch
        else:
            if fmt == "gbrpf32le":  # planes G, B, R
                g, b, r = batch[:, 0], batch[:, 1], batch[:, 2]
            else:  # rgb48le
                r, g, b = (batch[..., i] * np.float32(1 / 65535) for i in range(3))
            y = kr * r + (1 - kr - kb) * g + kb * b
        return np.rint(np.clip(y, 0, 1) * np.float32(65535)).astype(np.uint16)

    def pictures(self, luma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The picture at the chroma planes' size, 8-bit full range (what the model and the colour
        release see), and at full precision (what its lightness is taken from)."""
        x0, y0, x1, y1 = self.box
        small = np.stack(
            [
                cv2.resize(f[y0:y1, x0:x1], self.half_size, interpolation=cv2.INTER_AREA)
                for f in luma
            ]
        )
        if self.fast:
            halves = TV_TO_FULL[small]
            return halves, halves
        return np.rint(small * np.float32(_TO_8)).astype(np.uint8), small

    def lightness(self, fine: np.ndarray) -> np.ndarray:
        """L* of a picture from ``pictures`` (its full-precision one), in ``scratch``."""
        if fine.dtype == np.uint8:  # a table look-up that makes no index array
            return cv2.LUT(fine, LIGHTNESS, dst=self.scratch("lightness", fine.shape))
        return _lightness16()[fine]

    def frame(self, y: np.ndarray, fine: np.ndarray, cr: np.ndarray, cb: np.ndarray) -> np.ndarray:
        """The output frame of a film frame's luma ``y`` and the chroma (full-range units, at the
        chroma planes' size) of its picture, shrunk where the luma cannot carry it: where the
        mean of the pixels sharing each chroma sample (``fine``, from ``pictures``) cannot."""
        mean = self.scratch("mean", fine.shape)
        np.multiply(fine, np.float32(1 if self.fast else _TO_8), out=mean)
        cr, cb = fit_gamut(mean, cr, cb, self.weights, self.scratch)
        if self.fast:
            i420 = to_i420(y, cr, cb, self.box, self.scratch)
            if not self.side_by_side:
                return i420
            return _side_by_side(_split_i420(i420, *y.shape), 128)
        if self.fmt.rgb:
            return self._rgb(y, cr, cb)
        return self._planes(y, cr, cb)

    def _planes(self, y: np.ndarray, cr: np.ndarray, cb: np.ndarray) -> np.ndarray:
        bits, sx, sy = PLANAR[self.fmt.pix_fmt]
        s = 1 << (bits - 8)
        h, w = y.shape
        x0, y0, x1, y1 = self.box
        region = (slice(y0 >> sy, y1 >> sy), slice(x0 >> sx, x1 >> sx))
        size = ((x1 - x0) >> sx, (y1 - y0) >> sy)
        out = [_16_to_tv(bits)[y]]
        for c in (cb, cr):  # U, then V
            plane = np.full((-(-h >> sy), -(-w >> sx)), 128 * s, out[0].dtype)
            if size != self.half_size:
                c = cv2.resize(c, size, interpolation=cv2.INTER_LINEAR)
            value = np.rint(c * np.float32(224 / 255 * s) + np.float32(128 * s))
            plane[region] = np.clip(value, 0, (1 << bits) - 1)
            out.append(plane)
        return _side_by_side(out, 128 * s) if self.side_by_side else _flat(out)

    def _rgb(self, y: np.ndarray, cr: np.ndarray, cb: np.ndarray) -> np.ndarray:
        """R'G'B' (h, w, 3) at the output's depth, full range (EXR: linear planes G, B, R)."""
        kr, kb = self.weights
        x0, y0, x1, y1 = self.box
        luma = y * np.float32(_TO_8)
        full = [np.zeros_like(luma) for _ in range(2)]
        for plane, c in zip(full, (cr, cb)):
            plane[y0:y1, x0:x1] = cv2.resize(c, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
        dr, db = full[0] * np.float32(2 * (1 - kr)), full[1] * np.float32(2 * (1 - kb))
        dg = (kr * dr + kb * db) * np.float32(-1 / (1 - kr - kb))
        rgb = np.stack([luma + dr, luma + dg, luma + db], axis=-1)
        if self.side_by_side:
            rgb = np.concatenate([np.repeat(luma[..., None], 3, axis=2), rgb], axis=1)
        if self.fmt.encoder.linear:
            return _linear(np.clip(rgb * np.float32(1 / 255), 0, 1)).transpose(2, 0, 1)[[1, 2, 0]]
        top = (1 << self.fmt.bits) - 1
        scaled = np.clip(np.rint(rgb * np.float32(top / 255)), 0, top)
        return scaled.astype(np.uint8 if self.fmt.bits == 8 else np.uint16)


def _linear(v: np.ndarray) -> np.ndarray:
    """BT.709's transfer inverted: display values to the scene-linear light EXR holds."""
    return np.where(v < 0.081, v / 4.5, ((v + 0.099) / 1.099) ** (1 / 0.45)).astype(np.float32)


def _split_i420(frame: np.ndarray, h: int, w: int) -> list[np.ndarray]:
    n = h * w // 4
    return [
        frame[: h * w].reshape(h, w),
        frame[h * w : h * w + n].reshape(h // 2, w // 2),
        frame[h * w + n :].reshape(h // 2, w // 2),
    ]


def _flat(planes: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([p.ravel() for p in planes])


def _side_by_side(planes: list[np.ndarray], neutral: int) -> np.ndarray:
    """The B&W frame (its luma, neutral chroma) left of the coloured one, plane by plane."""
    grey = [planes[0]] + [np.full_like(p, neutral) for p in planes[1:]]
    return _flat([np.hstack([g, p]) for g, p in zip(grey, planes)])
