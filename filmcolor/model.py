"""The U-Net of the FilmColorizer report: grey frame in, RGB frame out.

Encoder: three double convolutions (64, 128, 256 kernels), each two 3x3 convs with batch norm and
ReLU, the first of each pair with stride 2 in place of max pooling (64 -> 32 -> 16 -> 8 pixels).
Decoder: three 2x transposed-conv upsamplings; the first two are followed by a double conv (128,
then 64 kernels); each upsampling's output is concatenated with the matching encoder output (the
last one with the input frame itself) before a final 1x1 conv to RGB.

The network predicts the change from the identity baseline (the grey value copied to R, G and B),
so an untrained model starts at the baseline and learns only the colour. After training, the
strength of its colour is calibrated on held-out frames (``chroma_gain``, stored with the weights).
The model owns its normalisation: ``to_input`` and ``to_rgb8`` turn uint8 frames into its inputs
and its outputs back into uint8 frames, the same way in training and in rendering.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .errors import ModelError
from .settings import RUNS

ARCHITECTURE = "unet3-residual"


class DoubleConv(nn.Sequential):
    """Two 3x3 convs with batch norm and ReLU; the first may stride to halve the size."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__(
            nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )


class UNet(nn.Module):
    """Grey (n, 1, h, w) in [-1, 1] -> RGB (n, 3, h, w) in [-1, 1]; h and w divisible by 8."""

    def __init__(self, width: int = 64):
        super().__init__()
        w1, w2, w3 = width, 2 * width, 4 * width
        self.enc1 = DoubleConv(1, w1, stride=2)
        self.enc2 = DoubleConv(w1, w2, stride=2)
        self.enc3 = DoubleConv(w2, w3, stride=2)
        self.up1 = nn.ConvTranspose2d(w3, w2, 2, stride=2)
        self.dec1 = DoubleConv(2 * w2, w2)
        self.up2 = nn.ConvTranspose2d(w2, w1, 2, stride=2)
        self.dec2 = DoubleConv(2 * w1, w1)
        self.up3 = nn.ConvTranspose2d(w1, w1 // 2, 2, stride=2)
        self.out = nn.Conv2d(w1 // 2 + 1, 3, 1)
        # Strength of the predicted colour around its own luma, set after training on held-out
        # frames (see training.calibrate); 1 while training.
        self.register_buffer("chroma_gain", torch.ones(()))

    def forward(self, grey: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(grey)
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        d1 = self.dec1(torch.cat([self.up1(e3), e2], dim=1))
        d2 = self.dec2(torch.cat([self.up2(d1), e1], dim=1))
        d3 = torch.cat([self.up3(d2), grey], dim=1)
        rgb = grey + self.out(d3)
        if self.training:
            return rgb
        luma = luminance(rgb)
        return luma + self.chroma_gain * (rgb - luma)


_LUMA = (0.299, 0.587, 0.114)


def luminance(rgb: torch.Tensor) -> torch.Tensor:
    """BT.601 luma (n, 1, h, w) of an RGB batch (n, 3, h, w)."""
    w = torch.tensor(_LUMA, dtype=rgb.dtype, device=rgb.device).view(1, 3, 1, 1)
    return (rgb * w).sum(dim=1, keepdim=True)


def to_input(grey: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 grey (n, h, w) -> float (n, 1, h, w) in [-1, 1]."""
    t = torch.as_tensor(grey)
    return t.float().div_(127.5).sub_(1.0).unsqueeze(1)


def to_target(rgb: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 RGB (n, h, w, 3) -> float (n, 3, h, w) in [-1, 1]."""
    t = torch.as_tensor(rgb)
    return t.float().div_(127.5).sub_(1.0).permute(0, 3, 1, 2)


def to_rgb8(pred: torch.Tensor) -> np.ndarray:
    """float (n, 3, h, w) in [-1, 1] -> uint8 RGB (n, h, w, 3)."""
    return (
        pred.detach()
        .clamp(-1, 1)
        .add(1)
        .mul(127.5)
        .round()
        .byte()
        .permute(0, 2, 3, 1)
        .cpu()
        .numpy()
    )


@torch.no_grad()
def colorize(net: nn.Module, grey: np.ndarray, batch: int = 128) -> np.ndarray:
    """RGB uint8 frames (n, h, w, 3) the network makes of grey uint8 frames (n, h, w), in
    batches."""
    return np.concatenate(
        [
            to_rgb8(net(to_input(np.asarray(grey[i : i + batch]))))
            for i in range(0, len(grey), batch)
        ]
    )


@dataclass
class LoadedModel:
    """A trained network ready for inference, with what it was trained on."""

    net: UNet
    size: int  # frame side it was trained at
    path: Path
    hparams: dict


def latest_run(root: Path = RUNS, needs: str = "best.ckpt") -> Path | None:
    """The most recently modified run folder under ``root`` that holds ``needs``."""
    runs = [p.parent for p in root.glob(f"*/{needs}")]
    return max(runs, key=lambda p: (p / needs).stat().st_mtime) if runs else None


def load_model(path: str | Path | None = None, strength: float | None = None) -> LoadedModel:
    """Load a checkpoint written by ``filmcolor train``: a .ckpt file, a run folder, or (None) the
    latest run.

    ``strength`` replaces the colour strength calibrated in training (0: the model's tonal
    correction without colour; above 1: more colour than calibrated). Only the network's weights and
    hyperparameters are read; Lightning is not needed to colorize. Checkpoints are pickles: load
    only your own or ones you trust.
    """
    if path is None:
        run = latest_run()
        if run is None:
            raise ModelError(
                f"no trained model under {RUNS}/: run `filmcolor train` first, or pass --model "
                "RUN_OR_CKPT"
            )
        path = run / "best.ckpt"
    path = Path(path)
    if path.is_dir():
        path = path / "best.ckpt"
    if not path.exists():
        raise ModelError(
            f"{path}: no such model file; pass a run folder or a .ckpt written by `filmcolor train`"
        )
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
        hp = dict(ckpt["hyper_parameters"])
        state = {k[len("net.") :]: v for k, v in ckpt["state_dict"].items() if k.startswith("net.")}
    except (
        Exception
    ) as e:  # a truncated file, another program's checkpoint, not a checkpoint at all
        raise ModelError(f"{path}: not a filmcolor model ({type(e).__name__}: {e})") from None
    if hp.get("architecture") != ARCHITECTURE:
        raise ModelError(
            f"{path}: model architecture {hp.get('architecture')!r} is not {ARCHITECTURE!r}; "
            "it was made by another filmcolor version or another program"
        )
    net = UNet(hp.get("width", 64))
    try:
        net.load_state_dict(state)
    except RuntimeError as e:
        raise ModelError(
            f"{path}: its weights do not fit the network ({str(e).splitlines()[0]})"
        ) from None
    if strength is not None:
        net.chroma_gain.fill_(strength)
    return LoadedModel(net.eval(), int(hp["size"]), path, hp)
