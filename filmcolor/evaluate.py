"""Scoring: a trained model (or a rendered film) against the colour release, next to the identity baseline.

Two ways in:
- ``evaluate(run, data, split)``: the model's predictions on one split of an aligned dataset.
- ``evaluate_video(video, reference)``: a rendered film, paired with a colour release by ``align``
  (the film's luma matches the B&W release it was made from, so it aligns like one).

Both write ``evaluation.json`` and ``evaluation.png`` (the best and worst frames by MSE: B&W |
colorized | colour release) and return the numbers.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import cv2
import numpy as np
import torch

from .dataset import SPLITS, AlignedData, load_aligned, split_ranges
from .errors import DatasetError, FilmcolorError
from .files import atomic_dir
from .metrics import all_metrics, colourfulness, flicker
from .model import load_model, to_input, to_rgb8
from .plots import image_grid
from .video import FrameReader, probe

log = logging.getLogger("filmcolor")

MOST_PAIRS = 24_000  # a feature film (or its split) is scored on this many pairs (runs of neighbours), not all


def _split_range(data: AlignedData, hparams: dict, split: str) -> range:
    trained_on = hparams.get("split") or {}
    same_data = Path(hparams.get("data", "")).resolve() == data.path.resolve()
    if same_data and trained_on and trained_on["test"][1] == len(data):
        ranges = {k: range(*v) for k, v in trained_on.items()}
    else:
        if trained_on:
            log.info("%s is not the dataset the model was trained on; using the default split", data.path)
        ranges = split_ranges(data.shots)
    return range(0, len(data)) if split == "all" else ranges[split]


def _report(out: Path, grey: np.ndarray, pred: np.ndarray, target: np.ndarray, consecutive: np.ndarray, source: dict) -> dict:
    baseline = np.repeat(grey[..., None], 3, axis=3)
    result = {
        **source,
        "frames": int(len(target)),
        "model": all_metrics(pred, target, consecutive),
        "baseline": all_metrics(baseline, target, consecutive),
        "colour_release": {"colourfulness": colourfulness(target), "flicker": flicker(target, consecutive)},
    }
    out.mkdir(parents=True, exist_ok=True)
    per_frame = np.concatenate([((pred[i:i + 512].astype(np.float32) - target[i:i + 512]) ** 2).mean(axis=(1, 2, 3))
                                for i in range(0, len(pred), 512)])
    order = np.argsort(per_frame)
    pick = np.concatenate([order[:4], order[-4:]]) if len(order) >= 8 else order
    image_grid(out / "evaluation.png", [baseline[pick], pred[pick], target[pick]], ["B&W", "filmcolor", "colour release"], scale=3)
    (out / "evaluation.json").write_text(json.dumps(result, indent=2))  # last: its presence means complete
    result["out"] = str(out)
    return result


def _sample(data: AlignedData, r: range, run: int = 48) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of ``r`` to score: all, or evenly spaced runs of ``run`` neighbouring pairs adding up to
    MOST_PAIRS; and for each neighbouring two of them, whether they are consecutive frames of one shot."""
    if len(r) <= MOST_PAIRS:
        keep = np.arange(r.start, r.stop)
    else:
        starts = r.start + np.linspace(0, len(r) - run, MOST_PAIRS // run).astype(int)
        keep = np.unique((starts[:, None] + np.arange(run)).ravel())
    return keep, data.consecutive(r)[keep[:-1] - r.start] & (np.diff(keep) == 1)


@torch.no_grad()
def evaluate(run: str | Path | None = None, *, data: str | Path | None = None, split: str = "test",
             strength: float | None = None, out: str | Path | None = None) -> dict:
    """Score a trained model and the identity baseline on a split of an aligned dataset (``strength``:
    see ``load_model``)."""
    if split not in (*SPLITS, "all"):
        raise FilmcolorError(f"--split must be one of train, val, test, all; got {split!r}")
    model = load_model(run, strength)
    trained_on = model.hparams.get("data")
    if data is None and trained_on and not Path(trained_on).is_dir():
        raise DatasetError(f"{trained_on}: the dataset {model.path} was trained on is not there any more; "
                           "pass --data ALIGNED_FOLDER")
    dataset = load_aligned(data or trained_on or "aligned")
    if dataset.size != model.size:
        raise DatasetError(f"{dataset.path}: frames are {dataset.size} pixels but {model.path} was trained at {model.size}")
    r = _split_range(dataset, model.hparams, split)
    keep, consecutive = _sample(dataset, r)
    grey = dataset.bw[keep]
    pred = np.concatenate([to_rgb8(model.net(to_input(grey[i:i + 128]))) for i in range(0, len(grey), 128)])
    source = {"model": str(model.path), "data": str(dataset.path), "split": split, "pairs": [r.start, r.stop],
              "scored": len(keep), "strength": round(float(model.net.chroma_gain), 4)}
    if out is None:  # the run's own evaluation.json is the calibrated model's
        out = model.path.parent / (f"evaluation-strength{strength:g}" if strength is not None else "")
    result = _report(Path(out), grey, pred, dataset.color[keep], consecutive, {"source": source})
    return result


def evaluate_video(video: str | Path, reference: str | Path, *, out: str | Path | None = None,
                   overwrite: bool = False, progress: bool = False) -> dict:
    """Score a rendered film against a colour release it can be aligned with."""
    from .align import align

    video, reference = Path(video), Path(reference)
    out = Path(out) if out else video.with_name(f"{video.stem}_evaluation")
    with atomic_dir(out, overwrite) as tmp:
        aligned = align(video, reference, tmp / "aligned", progress=progress)
        data = load_aligned(aligned.out)
        keep, consecutive = _sample(data, range(0, len(data)))
        # Both films are read again the same way, cropped at full resolution to the common picture
        # align found, so the two sides of each pair are registered alike.
        crops = aligned.manifest["crop"]
        pred = _frames_at(video, crops["bw"], data.frames[keep], data.size)
        target = _frames_at(reference, crops["color"], data.color_frames[keep], data.size)
        shutil.rmtree(tmp / "aligned")
        grey = cv2.cvtColor(pred.reshape(-1, data.size, 3), cv2.COLOR_RGB2GRAY).reshape(pred.shape[:3])
        source = {"video": str(video), "reference": str(reference), "pairs": len(data), "scored": len(keep)}
        result = _report(tmp, grey, pred, target, consecutive, {"source": source})
    result["out"] = str(out)
    return result


def _frames_at(path: Path, crop: list[int], indices: np.ndarray, size: int) -> np.ndarray:
    """Frames ``indices`` of a film (in that order, repeats allowed), cropped and area-resized to size x size."""
    wanted: dict[int, list[int]] = {}
    for row, index in enumerate(indices):
        wanted.setdefault(int(index), []).append(row)
    out = np.empty((len(indices), size, size, 3), np.uint8)
    index = 0
    for batch in FrameReader(probe(path), crop=tuple(crop), size=(size, size)):
        for frame in batch:
            for row in wanted.get(index, ()):
                out[row] = frame
            index += 1
    return out
