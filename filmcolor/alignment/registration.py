"""Step 5 of alignment: where the two releases' pictures lie on each other.

ECC registration (OpenCV) of well-matched frame pairs estimates the scale and shift that maps the
colour picture onto the B&W one (a zoom, a reframing, letterbox bars); the common picture area is
the part of the B&W picture whose image falls inside the colour picture. Boxes are fractions of a
frame's width and height (``geometry.Box``), so they hold at any decoding size.
"""

from __future__ import annotations

import logging

import cv2
import numpy as np

from ..errors import NoMatch
from ..geometry import Box, inset, to_pixels

log = logging.getLogger("filmcolor")


def register(
    bw_img: np.ndarray, colour_img: np.ndarray, bw_box: Box, colour_box: Box
) -> tuple[np.ndarray, float] | None:
    """Scale and shift (sx, sy, tx, ty) mapping B&W frame coordinates (fractions) to colour ones, by
    ECC on two grey frames, with its correlation; None if ECC fails."""
    side = bw_img.shape[0]
    template = cv2.GaussianBlur(cv2.equalizeHist(bw_img), (0, 0), 1.0).astype(np.float32)
    moving = cv2.GaussianBlur(cv2.equalizeHist(colour_img), (0, 0), 1.0).astype(np.float32)
    mask = np.zeros_like(bw_img)
    x0, y0, x1, y1 = to_pixels(inset(bw_box, 0.02), side, side)
    mask[y0:y1, x0:x1] = 255
    bx0, by0, bx1, by1 = bw_box
    cx0, cy0, cx1, cy1 = colour_box
    # Two starting guesses: the frames show the same area, or the two picture areas do.
    guesses = [(1.0, 1.0, 0.0, 0.0)]
    sx, sy = (cx1 - cx0) / (bx1 - bx0), (cy1 - cy0) / (by1 - by0)
    guesses.append((sx, sy, cx0 - sx * bx0, cy0 - sy * by0))
    best = None
    for gx, gy, gtx, gty in guesses:
        warp = np.array([[gx, 0, gtx * side], [0, gy, gty * side]], np.float32)
        try:
            cc, warp = cv2.findTransformECC(
                template,
                moving,
                warp,
                cv2.MOTION_AFFINE,
                (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-4),
                mask,
                5,
            )
        except cv2.error:
            continue
        if best is None or cc > best[1]:
            params = np.array([warp[0, 0], warp[1, 1], warp[0, 2] / side, warp[1, 2] / side])
            best = (params, float(cc))
    return best


def find_crops(
    bw_grey,
    colour_grey,
    bw_active: Box,
    colour_active: Box,
    bw_frames: np.ndarray,
    colour_frames: np.ndarray,
    score: np.ndarray,
) -> tuple[Box, Box]:
    """Common picture area of both releases, as fractions of each frame, from grey frames (n, s, s)
    of each, their picture areas, and the matched frames (in film order) with their similarity."""
    if len(bw_frames) == 0:
        raise NoMatch("too few frames match")
    # Well-matched pairs, spread over the film: the best of each of up to 12 stretches.
    stretches = np.array_split(np.arange(len(bw_frames)), min(12, len(bw_frames)))
    params = []
    for i in (s[np.argmax(score[s])] for s in stretches):
        found = register(
            bw_grey[bw_frames[i]], colour_grey[colour_frames[i]], bw_active, colour_active
        )
        if found and found[1] > 0.5:
            params.append(found[0])
    if len(params) < 3:
        log.warning("could not register the two pictures; assuming they show the same area")
        return bw_active, colour_active
    sx, sy, tx, ty = np.median(np.array(params), axis=0)
    # Common area in B&W fractions: inside the B&W picture and mapping inside the colour picture.
    cx0, cy0, cx1, cy1 = colour_active
    bx0, by0, bx1, by1 = bw_active
    x0 = max(bx0, (cx0 - tx) / sx)
    x1 = min(bx1, (cx1 - tx) / sx)
    y0 = max(by0, (cy0 - ty) / sy)
    y1 = min(by1, (cy1 - ty) / sy)
    if x1 - x0 < 0.2 or y1 - y0 < 0.2:
        raise NoMatch("the two pictures share too little area")
    bw_box = inset((x0, y0, x1, y1), 0.01)
    colour_box = (
        bw_box[0] * sx + tx,
        bw_box[1] * sy + ty,
        bw_box[2] * sx + tx,
        bw_box[3] * sy + ty,
    )
    return bw_box, colour_box
