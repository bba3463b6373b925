"""The colorizer network: the U-Net of the FilmColorizer report, with a head that predicts colour.

Body (``UNet``): three double convolutions (64, 128, 256 kernels), each two 3x3 convs with batch
norm and ReLU, the first of each pair with stride 2 in place of max pooling (64 -> 32 -> 16 -> 8
pixels); three 2x transposed-conv upsamplings, the first two followed by a double conv (128, then
64 kernels); each upsampling's output is concatenated with the matching encoder output (the last
one with the input frame itself). A 1x1 convolution makes the head (``ARCHITECTURES``):

- ``unet-bins``: a distribution over the a*b* bins (``bins``), trained with class-rebalanced
  cross-entropy and decoded by its annealed mean, as in Zhang et al. (ECCV 2016);
- ``unet-ab``: a*b* directly, trained with an L1 loss;
- ``unet-rgb``: the report's model, RGB = the grey frame + a correction, trained with MSE; kept to
  compare.

The first two predict colour *given* the lightness: the film's own grey is the lightness, and the
network spends nothing on tones, which ``render`` keeps as they are anyway. The model owns its
normalisation: ``ColourNet.ab`` takes uint8 grey frames and gives CIE a*b*, the same way in
training, evaluation and rendering.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .bins import annealed_mean
from .color import LIGHTNESS, lab_to_rgb, rgb_to_ab
from .errors import ModelError
from .familiarity import AB_SIDE, SIDE, colour_thumbs, describe, distance, gain, nearest
from .settings import ARCHITECTURES, RUNS

AB_SCALE = 100.0  # a*b* units per unit of the regression head's output


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
    """Grey (n, 1, h, w) in [-1, 1] -> features (n, width / 2 + 1, h, w); h, w divisible by 8."""

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
        self.features = w1 // 2 + 1

    def forward(self, grey: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(grey)
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        d1 = self.dec1(torch.cat([self.up1(e3), e2], dim=1))
        d2 = self.dec2(torch.cat([self.up2(d1), e1], dim=1))
        return torch.cat([self.up3(d2), grey], dim=1)


class ColourNet(nn.Module):
    """The body and one head; ``forward`` gives what the loss needs, ``ab`` the colour."""

    def __init__(
        self,
        arch: str = ARCHITECTURES[0],
        bins: np.ndarray | None = None,
        known: int = 0,
        width: int = 64,
    ):
        super().__init__()
        if arch not in ARCHITECTURES:
            raise ModelError(f"unknown architecture {arch!r}; one of {', '.join(ARCHITECTURES)}")
        self.arch = arch
        self.body = UNet(width)
        if arch == "unet-bins":  # a 1x1 convolution over channels-last features: a faster softmax
            self.head = nn.Linear(self.body.features, len(bins))
        else:
            self.head = nn.Conv2d(self.body.features, 2 if arch == "unet-ab" else 3, 1)
        self.register_buffer(
            "bins",
            torch.as_tensor(bins if bins is not None else np.zeros((0, 2)), dtype=torch.float32),
        )
        # How much of the predicted colour is shown: 1 unless the user asks otherwise (--strength).
        self.register_buffer("strength", torch.ones(()))
        # The training frames' signatures and colour thumbnails, and the familiarity gate's levels
        # (unseen, seen, near, far) and floor: see familiarity.py; no gate without them.
        self.register_buffer("known", torch.zeros(known, SIDE * SIDE, dtype=torch.float16))
        self.register_buffer(
            "known_ab", torch.zeros(known, AB_SIDE * AB_SIDE * 2, dtype=torch.float16)
        )
        self.register_buffer("gate", torch.tensor([0.0, 1.0, 0.0, 1.0, 1.0]))

    def forward(self, grey: torch.Tensor) -> torch.Tensor:
        """Bin logits (n, h, w, Q), a*b* / AB_SCALE (n, 2, h, w) or RGB in [-1, 1] (n, 3, h, w)."""
        features = self.body(grey)
        if self.arch == "unet-bins":
            return self.head(features.permute(0, 2, 3, 1))
        out = self.head(features)
        return grey + out if self.arch == "unet-rgb" else out

    def decode(self, out: torch.Tensor) -> torch.Tensor:
        """a*b* (n, h, w, 2) of what ``forward`` gave (for unet-rgb, in ``colour``)."""
        if self.arch == "unet-bins":
            return annealed_mean(out, self.bins)
        return out.permute(0, 2, 3, 1) * AB_SCALE

    @torch.no_grad()
    def colour(self, grey: torch.Tensor) -> np.ndarray:
        """CIE a*b* (n, h, w, 2) float32 for grey frames (n, 1, h, w) in [-1, 1], at the strength
        chosen."""
        out = self(grey).float()
        if self.arch == "unet-rgb":
            ab = rgb_to_ab(to_rgb8(out))
        else:
            ab = self.decode(out).cpu().numpy()
        return ab * (self.familiarity(grey, ab) * self.strength.item())[:, None, None, None]

    def familiarity(self, grey: torch.Tensor, ab: np.ndarray) -> np.ndarray:
        """The strength of colour each frame gets for how familiar its scene is and how well its
        colour ``ab`` agrees with that of the training frame it is likest to (1: no gate)."""
        if len(self.known) == 0:
            return np.ones(len(grey), np.float32)
        frames = to_rgb8(grey)[..., 0]
        like, which = nearest(describe(frames), self.known.cpu().numpy())
        apart = distance(colour_thumbs(ab), self.known_ab.cpu().numpy()[which].astype(np.float32))
        *levels, floor = self.gate.tolist()
        return gain(like, apart, levels, floor)

    def ab(self, grey: np.ndarray, batch: int = 128) -> np.ndarray:
        """CIE a*b* (n, h, w, 2) float32 of grey uint8 frames (n, h, w), in batches."""
        device = self.strength.device
        chunks = (
            to_input(np.asarray(grey[i : i + batch])).to(device) for i in range(0, len(grey), batch)
        )
        return np.concatenate([self.colour(x) for x in chunks])


def to_input(grey: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 grey (n, h, w) -> float (n, 1, h, w) in [-1, 1]."""
    return torch.as_tensor(grey).float().div_(127.5).sub_(1.0).unsqueeze(1)


def to_target(rgb: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 RGB (n, h, w, 3) -> float (n, 3, h, w) in [-1, 1]."""
    return torch.as_tensor(rgb).float().div_(127.5).sub_(1.0).permute(0, 3, 1, 2)


def to_rgb8(pred: torch.Tensor) -> np.ndarray:
    """float (n, 3, h, w) in [-1, 1] -> uint8 RGB (n, h, w, 3)."""
    rgb = pred.detach().clamp(-1, 1).add(1).mul(127.5).round().byte()
    return rgb.permute(0, 2, 3, 1).cpu().numpy()


def colorize(net: ColourNet, grey: np.ndarray) -> np.ndarray:
    """RGB uint8 frames (n, h, w, 3) of grey uint8 frames (n, h, w): the predicted a*b* on the
    frames' own lightness, as ``render`` shows them."""
    return lab_to_rgb(LIGHTNESS[np.asarray(grey)], net.ab(grey))


@dataclass
class LoadedModel:
    """A trained network ready for inference, with what it was trained on."""

    net: ColourNet
    size: int  # frame side it was trained at
    path: Path
    hparams: dict


def latest_run(root: Path = RUNS, needs: str = "best.ckpt") -> Path | None:
    """The most recently modified run folder under ``root`` that holds ``needs``."""
    runs = [p.parent for p in root.glob(f"*/{needs}")]
    return max(runs, key=lambda p: (p / needs).stat().st_mtime) if runs else None


def load_model(path: str | Path | None = None, strength: float | None = None) -> LoadedModel:
    """Load a checkpoint written by ``filmcolor train``: a .ckpt file, a run folder, or (None) the
    latest run. ``strength`` scales the predicted colour (0: none; 1.5: half again as much).

    Only the network's weights and hyperparameters are read; Lightning is not needed to colorize.
    Checkpoints are pickles: load only your own or ones you trust."""
    if path is None:
        run = latest_run()
        if run is None:
            raise ModelError(
                f"no trained model under {RUNS}/: run `filmcolor train` first, "
                "or pass --model RUN_OR_CKPT"
            )
        path = run / "best.ckpt"
    path = Path(path)
    if path.is_dir():
        path = path / "best.ckpt"
    if not path.exists():
        raise ModelError(
            f"{path}: no such model file; pass a run folder or a .ckpt written by `filmcolor train`"
        )
    try:  # a truncated file, another program's checkpoint, not a checkpoint at all
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
        hp = dict(ckpt["hyper_parameters"])
        state = {k[len("net.") :]: v for k, v in ckpt["state_dict"].items() if k.startswith("net.")}
    except Exception as e:
        raise ModelError(f"{path}: not a filmcolor model ({type(e).__name__}: {e})") from None
    arch = hp.get("settings", {}).get("arch")
    if arch not in ARCHITECTURES or "bins" not in state:
        raise ModelError(
            f"{path}: a model of another kind ({arch or 'unknown'}); it was made by another "
            "filmcolor version or another program: train it again"
        )
    net = ColourNet(arch, state["bins"].numpy(), len(state.get("known", ())))
    try:
        net.load_state_dict(state)
    except RuntimeError as e:
        raise ModelError(
            f"{path}: its weights do not fit the network ({str(e).splitlines()[0]})"
        ) from None
    if strength is not None:
        net.strength.fill_(strength)
    return LoadedModel(net.eval(), int(hp["size"]), path, hp)
