"""The model as the render's source of colour: batched inference on the chosen device.

A ``ColourFn`` takes a batch of pictures (n, h, w) of full-range luma and gives their CIE a*b*
(n, s, s, 2) at some small size s, their luma at that size (what smoothing follows motion and
cuts on) and, if it has one, the strength (n,) a familiarity gate gave each frame (the review
shows it). ``Predictor`` is the model's; tests pass their own.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import cv2
import numpy as np
import torch

from ..errors import FilmcolorError
from ..model.checkpoint import LoadedModel
from ..model.head import to_input
from ..model.net import ColourNet

ColourFn = Callable[[np.ndarray], tuple[np.ndarray, ...]]


class Predictor:
    """The model as a ``ColourFn``: batched inference on the chosen device.

    A Predictor sent to another process (``--jobs``, Ray) travels as its weights on the CPU and is
    put on its device there."""

    def __init__(self, model: LoadedModel, device: str = "auto"):
        self.size = model.size
        self._place(model.net, device)

    def _place(self, net: ColourNet, device: str) -> None:
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        try:
            self.device = torch.device(device)
            self.net = net.to(self.device)
        except (RuntimeError, AssertionError) as e:
            raise FilmcolorError(f"--device {device}: not usable here ({e})") from None
        if self.device.type == "cpu":
            self.net = self.net.to(memory_format=torch.channels_last)
        self.bf16 = self.device.type == "cuda" and torch.cuda.is_bf16_supported()

    def elsewhere(self, device: str) -> Predictor:
        """This predictor, to be put on ``device`` in the process it is sent to."""
        other = copy.copy(self)
        other.device = torch.device(device)
        return other

    def __getstate__(self) -> dict:
        net = self.net if self.net.strength.device.type == "cpu" else copy.deepcopy(self.net).cpu()
        return {"net": net, "size": self.size, "device": str(self.device)}

    def __setstate__(self, state: dict) -> None:
        self.size = state["size"]
        self._place(state["net"], state["device"])

    @torch.inference_mode()
    def __call__(self, pictures: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        small = np.stack(
            [cv2.resize(f, (self.size, self.size), interpolation=cv2.INTER_AREA) for f in pictures]
        )
        grey = to_input(small).to(self.device)
        if self.device.type == "cpu":
            grey = grey.contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            ab, gate = self.net.gated_colour(grey)
        return ab, small, gate
