"""Trained models on disk: the run folders ``filmcolor train`` writes and the networks in them.

Only the network's weights and hyperparameters are read from a checkpoint; Lightning is not needed
to colorize.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ..errors import ModelError
from ..settings import RUNS
from .heads import HEADS
from .net import ColourNet


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
    if arch not in HEADS or "head.proj.weight" not in state:
        raise ModelError(
            f"{path}: a model of another kind ({arch or 'unknown'}); it was made by another "
            "filmcolor version or another program: train it again"
        )
    net = ColourNet(arch, len(state.get("known", ())))
    try:
        net.load_state_dict(state)
    except RuntimeError as e:
        raise ModelError(
            f"{path}: its weights do not fit the network ({str(e).splitlines()[0]})"
        ) from None
    if strength is not None:
        net.strength.fill_(strength)
    return LoadedModel(net.eval(), int(hp["size"]), path, hp)
