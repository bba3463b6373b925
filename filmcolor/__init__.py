"""filmcolor: colorize a black-and-white film by learning from its own hand-colorized release.

    import filmcolor
    filmcolor.align("bw.mp4", "color.mp4", "aligned")      # -> AlignResult
    filmcolor.train("aligned", "runs/film", epochs=20)     # -> TrainResult
    filmcolor.render("bw.mp4", "out.mp4", model="runs/film")  # -> RenderResult
    filmcolor.evaluate("runs/film")                        # -> Evaluation

Each stage's options are a settings class (``AlignSettings``, ``TrainSettings``, ...), or the same
names as keyword arguments. The stages live in ``filmcolor.alignment``, ``.training``,
``.rendering`` and ``.evaluation`` (named for what they are, so that ``filmcolor.align`` can be the
function) and are imported on first use, so ``import filmcolor`` is light.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_API = {
    "align": "alignment",
    "AlignResult": "alignment",
    "train": "training",
    "TrainResult": "training",
    "render": "rendering",
    "RenderResult": "rendering",
    "evaluate": "evaluation",
    "evaluate_video": "evaluation",
    "Evaluation": "evaluation",
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
