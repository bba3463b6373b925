"""The colour release's chroma against its luma: its offset measured and corrected, shot by shot.

Video masters of the colorization era carry chroma at a fraction of the luma's resolution, often
shifted against it by a few pixels, differently from scene to scene. Registering the release's
picture by its luma (``phase``) leaves that shift in its colour: a red coat's colour beside the
coat. Chroma and luma edges are not the same edges (a shadow has no colour edge, two colours of
one lightness no luma edge), so correlating them is unreliable; but within a small window a
picture's chroma is nearly a linear function of its luma (the colour-lines model, the guided
filter's), and that holds best where the two are in register. So the offset is the shift of the
chroma planes that leaves the least of their variance unexplained by a local linear fit on the
luma (windows of 9 pixels, both planes lightly blurred first so that sub-pixel interpolation does
not favour itself), searched pixel by pixel along x then y and refined to a fraction of a pixel
by a parabola through the best three. Its luma being registered on the B&W luma, the release's
chroma is then on the B&W picture too; the chroma alone is moved back, the release's luma stays.
"""

from __future__ import annotations

import cv2
import numpy as np

REACH = 5  # pixels searched either way, at the measuring size
RADIUS = 4  # the local fit's window: 2 RADIUS + 1 pixels
WIDTH = 1000  # pictures are measured at most this wide (a 4K film's chroma planes are halved)
CENTRE = 0.9  # the central share of the picture (each way) measured
EPS = 6.5  # grey levels squared: the local fit's regularisation (flat windows explain nothing)


def chroma_offset(frame: np.ndarray) -> tuple[tuple[float, float], float]:
    """The offset (dx, dy) in pixels of a release frame's chroma against its luma (RGB (h, w, 3):
    the chroma shows at x + dx what the luma shows at x), and how much of the chroma's variance
    the luma explains there (0..1: how far to trust it)."""
    h, w = frame.shape[:2]
    dy0, dx0 = round(h * (1 - CENTRE) / 2), round(w * (1 - CENTRE) / 2)
    scale = min(1.0, WIDTH / w)
    small = cv2.resize(
        frame[dy0 : h - dy0, dx0 : w - dx0], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA
    )
    ycc = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2YCrCb).astype(np.float32), (0, 0), 1)
    if min(ycc.shape[:2]) < 4 * REACH + 8:
        return (0.0, 0.0), 0.0
    m = REACH + 1
    h, w = ycc.shape[:2]
    fit = _LumaFit(np.ascontiguousarray(ycc[m:-m, m:-m, 0]))
    planes = [np.ascontiguousarray(ycc[..., k]) for k in (1, 2)]

    def unexplained(dx: float, dy: float) -> float:
        # each chroma plane sampled at x + dx, over the inner picture only
        move = np.float32([[1, 0, dx + m], [0, 1, dy + m]])
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        inner = (w - 2 * m, h - 2 * m)
        return fit.unexplained(
            [
                cv2.warpAffine(
                    c, move, inner, dst=out, flags=flags, borderMode=cv2.BORDER_REPLICATE
                )
                for c, out in zip(planes, fit.moved)
            ]
        )

    dx = _best(lambda x: unexplained(x, 0.0), -REACH, REACH)
    dy = _best(lambda y: unexplained(dx, y), -REACH, REACH)
    dx = _best(lambda x: unexplained(x, dy), round(dx) - 2, round(dx) + 2)
    explained = 1.0 - unexplained(dx, dy)
    if max(abs(dx), abs(dy)) > REACH - 0.5:  # at the search's edge: no minimum found
        return (0.0, 0.0), float(explained)
    return (dx / scale, dy / scale), float(explained)


class _LumaFit:
    """Local linear fits of chroma planes on one luma plane (its window statistics kept, since
    only the chroma moves between the search's steps). Its working planes are made once: a render
    maps every block of a megabyte or more afresh (``io.memory``), and the search takes dozens
    of steps."""

    def __init__(self, luma: np.ndarray):
        self.luma = luma
        self.mean = self._box(luma)
        var = self._box(luma * luma)
        var -= self.mean * self.mean
        self.inverse = 1 / (var + np.float32(EPS))
        self.work = [np.empty_like(luma) for _ in range(4)]
        self.moved = [np.empty_like(luma) for _ in range(2)]

    @staticmethod
    def _box(x: np.ndarray, dst: np.ndarray | None = None) -> np.ndarray:
        return cv2.boxFilter(x, -1, (2 * RADIUS + 1, 2 * RADIUS + 1), dst=dst)

    def unexplained(self, planes: list[np.ndarray]) -> float:
        """Share of the chroma planes' local variance the fit leaves."""
        left = total = 0.0
        mean_c, cov, var_c, t = self.work
        for c in planes:
            self._box(c, mean_c)
            self._box(np.multiply(self.luma, c, out=t), cov)
            cov -= np.multiply(self.mean, mean_c, out=t)
            self._box(np.multiply(c, c, out=t), var_c)
            var_c -= np.multiply(mean_c, mean_c, out=t)
            total += float(np.maximum(var_c, 0, out=t).sum())
            np.multiply(cov, cov, out=cov)
            cov *= self.inverse
            var_c -= cov
            left += float(np.maximum(var_c, 0, out=var_c).sum())
        return left / max(total, 1e-6)


def _best(cost, lo: int, hi: int) -> float:
    """The minimum of ``cost`` over whole pixels lo..hi, refined by a parabola through three."""
    at = np.arange(lo, hi + 1)
    e = np.array([cost(float(x)) for x in at])
    i = int(np.argmin(e))
    if 0 < i < len(at) - 1 and (curve := e[i - 1] - 2 * e[i] + e[i + 1]) > 0:
        return float(at[i] + 0.5 * (e[i - 1] - e[i + 1]) / curve)
    return float(at[i])


def shift_chroma(frame: np.ndarray, offset: tuple[float, float], smear: float = 0.0) -> np.ndarray:
    """A release frame (RGB) with its chroma alone moved back by ``offset``: its luma
    as it is, its chroma sampled at x + offset. The edge an offset of half a pixel or more left
    blank (a delayed chroma's first columns) is left out, with ``smear`` pixels beside it (their
    chroma the video's filters mixed with the blank): the chroma's edge is carried out instead."""
    if offset == (0.0, 0.0):
        return frame
    ycc = cv2.cvtColor(frame, cv2.COLOR_RGB2YCrCb)
    h, w = ycc.shape[:2]
    (dx, dy), sides = offset, []
    for d, size in ((dx, w), (dy, h)):
        lo, hi = _blank(d, smear), _blank(-d, smear)
        sides.append((lo, size - hi) if size - hi - lo >= size // 2 else (0, size))
    (x0, x1), (y0, y1) = sides
    move = np.float32([[1, 0, dx - x0], [0, 1, dy - y0]])
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    ycc[..., 1:] = cv2.warpAffine(
        np.ascontiguousarray(ycc[y0:y1, x0:x1, 1:]),
        move,
        (w, h),
        flags=flags,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB)


def _blank(d: float, smear: float) -> int:
    """Pixels at the edge a chroma offset ``d`` (positive: delayed) left without the picture's
    chroma, with ``smear`` beside them; none for an offset under half a pixel."""
    return int(np.ceil(d + smear)) if d >= 0.5 else 0
