"""The heads ``--arch`` offers, declared once: a new head is a module in this package with a
``Head`` subclass (``head``) and its entry in ``HEADS`` (and, as every module, its line in the
package's docstring).

- ``unet-bins``: a distribution over the a*b* bins (``bins``), trained with class-rebalanced
  cross-entropy and decoded by its annealed mean, as in Zhang et al. (ECCV 2016);
- ``unet-ab``: a*b* directly, trained with an L1 loss (``ab``);
- ``unet-rgb``: the report's model, RGB = the grey frame + a correction, trained with MSE; kept to
  compare (``rgb``).

An entry is the head's name (the ``--arch`` value, kept in checkpoints), its class and its help
text. Nothing is imported here (no torch), so ``settings`` and the command line list the heads;
``head_class`` imports a head's module when a network is built.
"""

from __future__ import annotations

import importlib
from typing import NamedTuple


class HeadSpec(NamedTuple):
    cls: str  # its class, as module.Class in this package
    help: str  # what it predicts, for --arch's help


HEADS: dict[str, HeadSpec] = {
    "unet-bins": HeadSpec("bins.BinsHead", "a distribution over a*b* bins"),
    "unet-ab": HeadSpec("ab.ABHead", "a*b*, L1"),
    "unet-rgb": HeadSpec("rgb.RGBHead", "RGB, MSE: the FilmColorizer report's model, to compare"),
}


def head_class(name: str) -> type:
    """The class of the head ``name`` (a ``head.Head``)."""
    module, cls = HEADS[name].cls.split(".")
    return getattr(importlib.import_module(f"{__package__}.{module}"), cls)
