"""Scoring a model (or a rendered film) against the colour release, beside the identity baseline.

Two ways in:
- ``evaluate(run, data=...)``: the model's predictions on one split of an aligned dataset.
- ``evaluate_video(video, reference)``: a rendered film, paired with a colour release by ``align``
  (the film's luma matches the B&W release it was made from, so it aligns like one).

Both write ``evaluation.json`` and ``evaluation.png`` (the best and worst frames by MSE: B&W |
colorized | colour release) and return an ``Evaluation``; the scoring itself is ``scoring``'s.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from ..alignment.folder import AlignedFolder
from ..colour import rgb_to_grey
from ..dataset.split import load_aligned, split_ranges
from ..errors import DatasetError
from ..io.drawing import image_grid
from ..io.files import atomic_dir
from ..io.frames import frames_at
from ..io.video import VideoInfo, probe
from ..model.checkpoint import load_model
from ..settings import ALIGNED, EvaluateSettings, with_options
from .metrics import frame_mse
from .scoring import sample, score_pairs, score_split

log = logging.getLogger("filmcolor")


@dataclass
class Evaluation:
    """Scores of the model (or rendered film), of the identity baseline and of the colour
    release."""

    frames: int  # pairs scored
    model: dict  # metric name -> value
    baseline: dict
    colour_release: dict
    source: dict  # what was scored: model or film, data, split, ...
    # a unet-rgb network's own RGB output, as the FilmColorizer report scored it (``mse``)
    network: dict | None = None
    out: Path | None = None  # where evaluation.json and evaluation.png were written

    def to_json(self) -> dict:
        drop = {"out"} | ({"network"} if self.network is None else set())
        return {k: v for k, v in asdict(self).items() if k not in drop}


def _split_range(data: AlignedFolder, hparams: dict, split: str) -> range:
    trained_on = hparams.get("split") or {}
    same_data = Path(hparams.get("data", "")).resolve() == data.path.resolve()
    if same_data and trained_on and trained_on["test"][1] == len(data):
        ranges = {k: range(*v) for k, v in trained_on.items()}
    else:
        if trained_on:
            log.info(
                "%s is not the dataset the model was trained on; using the default split", data.path
            )
        ranges = split_ranges(data.shots)
    return range(0, len(data)) if split == "all" else ranges[split]


def _write(
    out: Path, result: Evaluation, grey: np.ndarray, pred: np.ndarray, target: np.ndarray
) -> Evaluation:
    """evaluation.png (the four best and four worst frames by MSE) and evaluation.json, into
    ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    order = np.argsort(frame_mse(pred, target))
    pick = np.concatenate([order[:4], order[-4:]]) if len(order) >= 8 else order
    baseline = np.repeat(grey[pick][..., None], 3, axis=3)
    image_grid(
        out / "evaluation.png",
        [baseline, pred[pick], target[pick]],
        ["B&W", "filmcolor", "colour release"],
        scale=3,
    )
    # last: its presence means complete
    (out / "evaluation.json").write_text(json.dumps(result.to_json(), indent=2))
    result.out = out
    return result


@torch.no_grad()
def evaluate(
    run: str | Path | None = None,
    *,
    data: str | Path | None = None,
    settings: EvaluateSettings | None = None,
    out: str | Path | None = None,
    **options,
) -> Evaluation:
    """Score a trained model and the identity baseline on a split of an aligned dataset (see
    ``EvaluateSettings``: ``split``, ``strength``)."""
    settings = with_options(settings, EvaluateSettings, options)
    model = load_model(run, settings.strength)
    trained_on = model.hparams.get("data")
    if data is None and trained_on and not Path(trained_on).is_dir():
        raise DatasetError(
            f"{trained_on}: the dataset {model.path} was trained on is not there any more; "
            "pass --data ALIGNED_FOLDER"
        )
    dataset = load_aligned(data or trained_on or ALIGNED)
    r = _split_range(dataset, model.hparams, settings.split)
    scores, frames = score_split(model.net, dataset, r, model.size)
    source = {
        "model": str(model.path),
        "data": str(dataset.path),
        "split": settings.split,
        "pairs": [r.start, r.stop],
        "scored": len(frames[0]),
        "size": model.size,
        "strength": round(float(model.net.strength), 4),
    }
    if out is None:  # the run's own evaluation.json is the model's as trained
        strength = settings.strength
        out = model.path.parent / (
            f"evaluation-strength{strength:g}" if strength is not None else ""
        )
    return _write(Path(out), Evaluation(len(frames[0]), **scores, source=source), *frames)


def evaluate_video(
    video: str | Path,
    reference: str | Path,
    *,
    input_fps: Fraction | None = None,
    out: str | Path | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> Evaluation:
    """Score a rendered film (a video, or an image sequence read at ``input_fps``, else the rate
    it was written at) against a colour release it can be aligned with."""
    from ..alignment.aligner import align  # on use: evaluating a model needs no aligner

    video, reference = Path(video), Path(reference)
    out = Path(out) if out else video.with_name(f"{video.stem}_evaluation")
    with atomic_dir(out, overwrite) as tmp:
        aligned = align(video, reference, tmp / "aligned", input_fps=input_fps, progress=progress)
        data = load_aligned(aligned.out)
        keep, consecutive = sample(data, range(0, len(data)))
        # Both films are read again the same way, cropped at full resolution to the common picture
        # align found, so the two sides of each pair are registered alike.
        crops = aligned.manifest.crop
        pred = _frames(probe(video, input_fps), crops["bw"], data.frames[keep], data.size)
        target = _frames(
            probe(reference, input_fps), crops["color"], data.colour_frames[keep], data.size
        )
        shutil.rmtree(tmp / "aligned")
        grey = rgb_to_grey(pred)
        source = {
            "video": str(video),
            "reference": str(reference),
            "pairs": len(data),
            "scored": len(keep),
        }
        result = _write(
            tmp,
            Evaluation(len(keep), **score_pairs(grey, pred, target, consecutive), source=source),
            grey,
            pred,
            target,
        )
    result.out = out
    return result


def _frames(info: VideoInfo, crop: list[int], indices: np.ndarray, size: int) -> np.ndarray:
    """Frames ``indices`` of a film (in that order, repeats allowed), cropped and area-resized to
    size x size."""
    order = np.argsort(indices, kind="stable")
    out = np.empty((len(indices), size, size, 3), np.uint8)
    found = frames_at(info, indices[order], crop=tuple(crop), size=(size, size))
    for row, frame in zip(order, found):
        out[row] = frame
    return out
