"""A photograph coloured like a film's frame: the model's a*b* on the picture's own luma."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import cv2
import numpy as np

from ..colour import LIGHTNESS, chroma
from ..errors import FilmcolorError
from ..io.files import atomic_file
from .compose import chroma_of_ab, compose, upsample
from .predictor import ColourFn

log = logging.getLogger("filmcolor")

COLOUR_WARNING = 4.0  # mean |chroma| above which an input is taken for a colour picture


def render_image(
    src: Path, out: Path, colour: ColourFn, side_by_side: bool, overwrite: bool
) -> float:
    """Colour the photograph ``src`` into ``out`` (all or nothing); the seconds it took."""
    t0 = time.perf_counter()
    img = cv2.imread(str(src), cv2.IMREAD_COLOR)
    if img is None:
        raise FilmcolorError(f"{src}: not a readable image")
    rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    if float(np.abs(chroma(rgb)).mean()) > COLOUR_WARNING:
        log.warning(
            "%s is a colour image; its luminance is used as the black-and-white picture", src
        )
    luma = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)[..., 0]
    ab = colour(luma[None])[0]
    result = compose(luma, *chroma_of_ab(LIGHTNESS[luma], upsample(ab[0], luma.shape[::-1])))
    if side_by_side:
        result = np.hstack([cv2.cvtColor(luma, cv2.COLOR_GRAY2RGB), result])
    with atomic_file(out, overwrite) as tmp:
        if not cv2.imwrite(str(tmp), cv2.cvtColor(result, cv2.COLOR_RGB2BGR)):
            raise FilmcolorError(
                f"{out}: could not be written as an image (is {out.suffix} a format OpenCV writes?)"
            )
    return time.perf_counter() - t0
