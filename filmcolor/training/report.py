"""What a training run leaves to look at: the loss curves and a grid of test frames.

``loss.png``: train and validation loss per epoch (from Lightning's CSV logs, session after
session, so a resumed run keeps its history), with the identity baseline's; ``test_frames.png``:
B&W | filmcolor | colour release on the test split.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..io.drawing import image_grid


def report(
    run: Path, metrics: dict, grey: np.ndarray, pred: np.ndarray, target: np.ndarray
) -> None:
    """The loss curves and a grid of test frames (``grey``, their prediction, their ``target``):
    B&W | filmcolor | colour release."""
    history = _epoch_history(sorted((run / "logs" / "csv").glob("session*/metrics.csv")))
    baseline = {f"{k}/loss": v["baseline"]["mse"] for k, v in metrics["splits"].items()}
    loss_curves(run / "loss.png", history, baseline)
    pick = np.linspace(0, len(grey) - 1, min(8, len(grey))).astype(int)
    image_grid(
        run / "test_frames.png",
        [np.repeat(grey[pick][..., None], 3, axis=3), pred[pick], target[pick]],
        ["B&W", "filmcolor", "colour release"],
        scale=3,
    )


def _epoch_history(csv_paths: list[Path]) -> dict[str, list[float]]:
    """Per-epoch train and validation loss from Lightning's CSV logs, session after session."""
    by_epoch: dict[str, dict[int, float]] = {"train/loss": {}, "val/loss": {}}
    for path in sorted(csv_paths, key=lambda p: int(p.parent.name.removeprefix("session"))):
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                for key in by_epoch:
                    if row.get(key):
                        by_epoch[key][int(row["epoch"])] = float(row[key])
    return {k: [v[e] for e in sorted(v)] for k, v in by_epoch.items() if v}


def loss_curves(
    path: Path, history: dict[str, Sequence[float]], baseline: dict[str, float] | None = None
) -> None:
    """Loss per epoch for each named series, with the identity baseline as dashed lines."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.subplots()
    for i, (name, values) in enumerate(history.items()):
        ax.plot(range(len(values)), values, label=name, color=f"C{i}")
        if baseline and name in baseline:
            ax.axhline(baseline[name], color=f"C{i}", ls="--", lw=1, label=f"{name} baseline")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE over [-1, 1] RGB")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
