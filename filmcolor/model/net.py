"""The colorizer network: the U-Net body (``unet``), one head (``heads``, ``--arch``) and the
familiarity gate.

``unet-bins`` and ``unet-ab`` predict colour *given* the lightness: the film's own grey is the
lightness, and the network spends nothing on tones, which ``render`` keeps as they are anyway.
``ColourNet.ab`` takes grey uint8 frames and gives CIE a*b*, the same way in training, evaluation
and rendering; what the network learns from the training frames before training (the head's
calibration, the familiarity gate) it learns in ``calibrate``, and keeps in its buffers, so the
checkpoint holds it.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..colour import LIGHTNESS, lab_to_rgb
from ..errors import ModelError
from . import familiarity
from .head import to_input, to_rgb8
from .heads import HEADS, head_class
from .unet import UNet


class ColourNet(nn.Module):
    """The body and one head; ``forward`` gives what the head's loss needs, ``colour`` the colour
    each frame is shown with."""

    def __init__(self, arch: str = "unet-bins", known: int = 0, width: int = 64):
        super().__init__()
        if arch not in HEADS:
            raise ModelError(f"unknown architecture {arch!r}; one of {', '.join(HEADS)}")
        self.arch = arch
        self.body = UNet(width)
        self.head = head_class(arch)(self.body.features)
        # How much of the predicted colour is shown: 1 unless the user asks otherwise (--strength).
        self.register_buffer("strength", torch.ones(()))
        # The training frames' signatures and colour thumbnails, and the familiarity gate's levels
        # (unseen, seen, near, far) and floor: see familiarity.py; no gate without them.
        side, ab_side = familiarity.SIDE, familiarity.AB_SIDE
        self.register_buffer("known", torch.zeros(known, side * side, dtype=torch.float16))
        self.register_buffer(
            "known_ab", torch.zeros(known, ab_side * ab_side * 2, dtype=torch.float16)
        )
        self.register_buffer("gate", torch.tensor([0.0, 1.0, 0.0, 1.0, 1.0]))

    def forward(self, grey: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(grey), grey)

    def decode(self, out: torch.Tensor) -> np.ndarray:
        """CIE a*b* (n, h, w, 2) float32 of what ``forward`` gave."""
        return self.head.decode(out)

    def calibrate(
        self,
        grey: np.ndarray,
        rgb: np.ndarray,
        shots: np.ndarray,
        frames: np.ndarray,
        unseen: float,
    ) -> dict:
        """Learn from the training frames (grey, the release's ``rgb``, their shot and frame
        numbers) what the network needs before training: the head's calibration and the
        familiarity gate, whose colour strength for an unseen scene is ``unseen``. Returns the
        gate's levels."""
        known, known_ab, levels = familiarity.calibrate(grey, rgb, shots, frames)
        self.known = torch.from_numpy(known)
        self.known_ab = torch.from_numpy(known_ab)
        self.gate = torch.tensor([*levels, unseen], dtype=torch.float32)
        self.head.calibrate(rgb)
        return dict(zip(("unseen", "seen", "near", "far"), levels))

    def colour(self, grey: torch.Tensor) -> np.ndarray:
        """CIE a*b* (n, h, w, 2) float32 for grey frames (n, 1, h, w) in [-1, 1], at the strength
        chosen."""
        return self.gated_colour(grey)[0]

    @torch.no_grad()
    def gated_colour(self, grey: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """``colour`` and the strength (n,) the familiarity gate gave each frame's colour."""
        ab = self.head.colour(self.body(grey), grey)
        gate = self.familiarity(grey, ab)
        return ab * (gate * self.strength.item())[:, None, None, None], gate

    def familiarity(self, grey: torch.Tensor, ab: np.ndarray) -> np.ndarray:
        """The strength of colour each frame gets for how familiar its scene is and how well its
        colour ``ab`` agrees with that of the training frame it is likest to (1: no gate)."""
        if len(self.known) == 0:
            return np.ones(len(grey), np.float32)
        frames = to_rgb8(grey)[..., 0]
        like, which = familiarity.nearest(
            familiarity.frame_signatures(frames), self.known.cpu().numpy()
        )
        thumbs = self.known_ab.cpu().numpy()[which].astype(np.float32)
        apart = familiarity.distance(familiarity.colour_thumbs(ab), thumbs)
        *levels, floor = self.gate.tolist()
        return familiarity.gain(like, apart, levels, floor)

    def ab(self, grey: np.ndarray, batch: int = 128) -> np.ndarray:
        """CIE a*b* (n, h, w, 2) float32 of grey uint8 frames (n, h, w), in batches."""
        device = self.strength.device
        chunks = (
            to_input(np.asarray(grey[i : i + batch])).to(device) for i in range(0, len(grey), batch)
        )
        return np.concatenate([self.colour(x) for x in chunks])


def colorize(net: ColourNet, grey: np.ndarray) -> np.ndarray:
    """RGB uint8 frames (n, h, w, 3) of grey uint8 frames (n, h, w): the predicted a*b* on the
    frames' own lightness, as ``render`` shows them."""
    return lab_to_rgb(LIGHTNESS[np.asarray(grey)], net.ab(grey))
