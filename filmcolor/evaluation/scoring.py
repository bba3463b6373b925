"""Scoring colorized frames against the colour release, beside the identity baseline (a grey film).

``score_pairs`` is the scoring itself; ``score_split`` scores a network on a split of an aligned
dataset (training uses it for its own report, ``evaluate`` for its command). A feature film's split
is scored on runs of neighbouring pairs adding up to MOST_PAIRS (or fewer), so memory and time
stay bounded. A network whose head predicts RGB itself (``unet-rgb``) is also scored on that output
as it is (``network_scores``), the way the FilmColorizer report measured its model.
"""

from __future__ import annotations

import numpy as np
import torch

from ..alignment.folder import AlignedFolder
from ..dataset.batches import resized
from ..model.head import to_input, to_target
from ..model.net import ColourNet, colorize
from .metrics import all_metrics, colourfulness, flicker

# a feature film (or its split) is scored on this many pairs (runs of neighbours), not all
MOST_PAIRS = 24_000


def score_pairs(
    grey: np.ndarray, pred: np.ndarray, target: np.ndarray, consecutive: np.ndarray
) -> dict:
    """Every metric of the colorized frames and of the identity baseline (``grey`` as it is: a grey
    film) against ``target``, and the colour release's own colourfulness and flicker."""
    release = {"colourfulness": colourfulness(target), "flicker": flicker(target, consecutive)}
    scores = {"model": all_metrics(pred, target, consecutive)}
    scores["baseline"] = all_metrics(np.repeat(grey[..., None], 3, axis=3), target, consecutive)
    for s in scores.values():
        s["colourfulness_ratio"] = s["colourfulness"] / max(release["colourfulness"], 1e-6)
    return {**scores, "colour_release": release}


def sample(
    data: AlignedFolder, r: range, run: int = 48, most: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of ``r`` to score: all, or evenly spaced runs of ``run`` neighbouring pairs adding
    up to ``most`` (MOST_PAIRS); and for each neighbouring two of them, whether they are
    consecutive frames of one shot."""
    most = most or MOST_PAIRS
    if len(r) <= most:
        keep = np.arange(r.start, r.stop)
    else:
        starts = r.start + np.linspace(0, len(r) - run, max(1, most // run)).astype(int)
        keep = np.unique((starts[:, None] + np.arange(run)).ravel())
    return keep, data.consecutive(r)[keep[:-1] - r.start] & (np.diff(keep) == 1)


def score_split(
    net: ColourNet, data: AlignedFolder, r: range, size: int, most: int | None = None
) -> tuple[dict, tuple]:
    """``score_pairs`` of the network on the pairs of ``r`` (up to ``most`` of them, see
    ``sample``) at its ``size``; also the frames scored (grey, prediction, colour release; resized
    to ``size``)."""
    keep, consecutive = sample(data, r, most=most)
    grey, target = resized(data.bw[keep], size), resized(data.colour[keep], size)
    pred = colorize(net, grey)
    scores = score_pairs(grey, pred, target, consecutive)
    network = network_scores(net, grey, target)
    if network is not None:
        scores["network"] = network
    return scores, (grey, pred, target)


@torch.no_grad()
def network_scores(
    net: ColourNet, grey: np.ndarray, target: np.ndarray, batch: int = 128
) -> dict | None:
    """The network's own RGB output for grey uint8 frames (n, h, w) against ``target`` (the
    release's RGB uint8 frames), as the FilmColorizer report measured its model: ``mse``, the mean
    squared error over RGB scaled to [-1, 1], of the output as it comes (not clipped, not rounded,
    before the familiarity gate and the strength; lightness included). None for a head that
    predicts only colour."""
    if not net.head.predicts_rgb:
        return None
    device = net.strength.device
    total, count = 0.0, 0
    for i in range(0, len(grey), batch):
        out = net(to_input(grey[i : i + batch]).to(device))
        error = out.float() - to_target(target[i : i + batch]).to(device)
        total += float(error.square().sum(dtype=torch.float64))
        count += error.numel()
    return {"mse": total / max(count, 1)}
