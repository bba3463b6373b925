"""filmcolor: colorize a black-and-white film by learning from its own hand-colorized release.

    import filmcolor
    filmcolor.align("bw.mp4", "color.mp4", "aligned")      # -> AlignResult
    filmcolor.train("aligned", "runs/film", epochs=20)     # -> TrainResult
    filmcolor.render("bw.mp4", "out.mp4", model="runs/film")  # -> RenderResult
    filmcolor.evaluate("runs/film")                        # -> Evaluation

Each stage's options are a settings class (``AlignSettings``, ``TrainSettings``, ...), or the same
names as keyword arguments. A package per stage, in the order data flows through them (each
imports only from those before it; ``io`` and the shared modules below serve them all):

- ``io``: video files, frames by index, streaming stages, all-or-nothing outputs (no torch)
- ``alignment``: the two releases paired frame by frame, and the aligned folder's format
- ``dataset``: the aligned pairs as training data: the split, the batches
- ``model``: the U-Net, its heads, the familiarity gate, checkpoints
- ``evaluation``: colour measures, scoring a model or a rendered film
- ``training``: the LightningModule and ``train()``
- ``rendering``: the film coloured at its own resolution, with the colour release where it has it

and at the top: ``settings`` (every option, declared once), ``cli`` (the command line),
``errors``, ``colour`` (colour conversions) and ``geometry`` (boxes in a frame). The packages are
named for what they do (so that ``filmcolor.align`` can be the function) and are imported on first
use, so ``import filmcolor`` is light.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_API = {
    "align": "alignment.aligner",
    "AlignResult": "alignment.aligner",
    "train": "training.trainer",
    "TrainResult": "training.trainer",
    "render": "rendering.renderer",
    "RenderResult": "rendering.renderer",
    "evaluate": "evaluation.evaluator",
    "evaluate_video": "evaluation.evaluator",
    "Evaluation": "evaluation.evaluator",
    "AlignSettings": "settings",
    "TrainSettings": "settings",
    "RenderSettings": "settings",
    "EvaluateSettings": "settings",
    "FilmcolorError": "errors",
}
__all__ = sorted(_API)


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(f".{_API[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
