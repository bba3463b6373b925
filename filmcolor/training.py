"""Training: ``train()`` runs a whole training run with Lightning and reports it.

A run folder ends up holding ``best.ckpt`` (the epoch with the lowest validation colour error
after the learning rate's warm-up; everything ``render`` needs is in it), ``last.ckpt`` (for
``--resume``), ``metrics.json`` (every metric of the model and of the identity baseline on the
train, val and test splits, and the settings), ``loss.png``, ``test_frames.png`` and TensorBoard/CSV
logs.

Before training, two things are read from the training frames and kept in the model: the a*b* bins'
rebalancing weights (how rare each colour is in this film) and the familiarity gate (what a scene
the model has and has not seen looks like, ``familiarity``). The defaults were chosen by validation
colour error and colourfulness on the DAVIS pairs (docs/train.md): the bins head, AdamW on a
one-cycle schedule, mirroring; mixup, exposure augmentation and weight averaging each cost colour.
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import shutil
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint, TQDMProgressBar
from pytorch_lightning.callbacks.weight_averaging import EMAWeightAveraging
from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger
from torch.utils.data import DataLoader

from . import __version__, familiarity
from .bins import gamut_bins, rebalancing
from .color import rgb_to_ab
from .colorizer import Colorizer, warmup_steps
from .dataset import AlignedData, batches, load_aligned, split_ranges
from .errors import FilmcolorError
from .evaluation import score_split
from .model import latest_run, load_model
from .plots import image_grid, loss_curves
from .settings import ALIGNED, RUNS, TrainSettings, as_json, with_options

log = logging.getLogger("filmcolor")


class FilmDataModule(pl.LightningDataModule):
    """The chronological splits of an aligned dataset, as Lightning dataloaders."""

    def __init__(self, data: AlignedData, ranges: dict[str, range], settings: TrainSettings):
        super().__init__()
        self.data, self.ranges, self.settings = data, ranges, settings

    def train_dataloader(self) -> DataLoader:
        s = self.settings
        return batches(
            self.data,
            self.ranges["train"],
            s.batch_size,
            shuffle=True,
            augment=s.augment,
            exposure=s.exposure,
            seed=s.seed,
            size=s.size,
        )

    def val_dataloader(self) -> DataLoader:
        return batches(
            self.data, self.ranges["val"], self.settings.batch_size, size=self.settings.size
        )


@dataclass
class TrainResult:
    """What ``train`` made: the run folder, its best checkpoint and its metrics
    (``metrics.json``)."""

    run: Path
    best: Path
    metrics: dict


def _run_folder(run: str | Path | None, resume: bool, overwrite: bool) -> Path:
    if run is None and resume:
        found = latest_run(needs="last.ckpt")
        if found is None:
            raise FilmcolorError(
                f"--resume: no run with a last.ckpt under {RUNS}/; name one with -o RUN"
            )
        return found
    if run is None:
        return RUNS / time.strftime("run-%Y%m%d-%H%M%S")
    run = Path(run)
    if resume:
        if not (run / "last.ckpt").exists():
            raise FilmcolorError(
                f"{run}: nothing to resume (no last.ckpt); start it without --resume"
            )
    elif run.exists() and any(run.iterdir()):
        if not overwrite:
            raise FilmcolorError(
                f"{run}: run folder already exists; pass --resume to continue it or --overwrite to "
                "start again"
            )
        for f in ("best.ckpt", "last.ckpt", "metrics.json", "loss.png", "test_frames.png"):
            (run / f).unlink(missing_ok=True)
        shutil.rmtree(run / "logs", ignore_errors=True)
    return run


def _precision(precision: str | None, accelerator: str) -> str:
    if precision:
        return precision
    on_gpu = accelerator in ("gpu", "cuda") or (accelerator == "auto" and torch.cuda.is_available())
    return (
        "bf16-mixed"
        if on_gpu and torch.cuda.is_available() and torch.cuda.is_bf16_supported()
        else "32-true"
    )


@contextlib.contextmanager
def _quiet_lightning():
    """Lightning's banner and advice are for --verbose (filmcolor's logger at DEBUG); restored
    after."""
    loggers = [logging.getLogger(name) for name in ("pytorch_lightning", "lightning_fabric")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.INFO if log.isEnabledFor(logging.DEBUG) else logging.WARNING)
    with warnings.catch_warnings():
        # Batches come from a memory map, in-process; the run folder holds the logs too; a torch
        # deprecation inside Lightning.
        for message in (
            ".*does not have many workers.*",
            ".*Checkpoint directory .* exists and is not empty.*",
            r".*isinstance\(treespec, LeafSpec\).*",
        ):
            warnings.filterwarnings("ignore", message)
        try:
            yield
        finally:
            for lg, level in zip(loggers, levels):
                lg.setLevel(level)


def train(
    data: str | Path = ALIGNED,
    run: str | Path | None = None,
    settings: TrainSettings | None = None,
    *,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = False,
    callbacks: list[pl.Callback] | None = None,
    **options,
) -> TrainResult:
    """Train the colorizer on an aligned dataset; return the run folder, best checkpoint and
    metrics.

    ``settings`` (or single ``options`` such as ``epochs=5``) say how; see ``TrainSettings``.
    ``callbacks`` are extra Lightning callbacks (they run before filmcolor's own)."""
    settings = with_options(settings, TrainSettings, options)
    dataset = load_aligned(data)
    ranges = split_ranges(dataset.shots, settings.split, settings.snap)
    run = _run_folder(run, resume, overwrite)
    run.mkdir(parents=True, exist_ok=True)
    with _quiet_lightning():
        return _train(dataset, ranges, run, settings, resume, progress, callbacks or [])


def _train(
    dataset: AlignedData,
    ranges: dict[str, range],
    run: Path,
    settings: TrainSettings,
    resume: bool,
    progress: bool,
    callbacks: list[pl.Callback],
) -> TrainResult:
    pl.seed_everything(settings.seed, workers=True, verbose=False)
    log.info(
        "training on %s: %d train, %d val, %d test pairs -> %s",
        dataset.path,
        *map(len, ranges.values()),
        run,
    )
    split = {k: [r.start, r.stop] for k, r in ranges.items()}
    size = settings.size or dataset.size
    bins = gamut_bins() if settings.arch == "unet-bins" else None
    train_pairs = ranges["train"]
    train_slice = slice(train_pairs.start, train_pairs.stop)
    known, known_ab, levels = familiarity.calibrate(
        dataset.bw[train_slice],
        dataset.color[train_slice],
        dataset.shots[train_slice],
        dataset.frames[train_slice],
    )
    module = Colorizer(
        size,
        as_json(settings),
        split,
        str(dataset.path.resolve()),
        None if bins is None else bins.tolist(),
        len(known),
    )
    module.net.known.copy_(torch.from_numpy(known))
    module.net.known_ab.copy_(torch.from_numpy(known_ab))
    module.net.gate.copy_(torch.tensor([*levels, settings.unseen]))
    if bins is not None:
        weights = _class_weights(dataset, train_pairs, module.encoder, bins)
        module.class_weights.copy_(torch.from_numpy(weights))
    checkpoint = ModelCheckpoint(
        dirpath=run,
        filename="best",
        monitor="val/selection",
        mode="min",
        save_top_k=1,
        save_last=True,
        auto_insert_metric_name=False,
        enable_version_counter=False,
    )
    callbacks = [
        *callbacks,
        checkpoint,
        EarlyStopping(
            monitor="val/selection", mode="min", patience=settings.patience, check_finite=False
        ),
    ]
    per_epoch = -(-len(ranges["train"]) // settings.batch_size)
    steps = settings.epochs * per_epoch
    if settings.ema:
        # Average over about the last quarter of training, at most the last 100 steps: a short run
        # on a small film must not end up averaging in its untrained start.
        callbacks.append(EMAWeightAveraging(decay=min(0.99, 1 - 4 / max(steps, 8))))
    if progress:
        callbacks.append(TQDMProgressBar())
    # One CSV folder per session: Lightning's CSV logger starts its file afresh, which would lose
    # the history of a resumed run. TensorBoard appends on its own.
    session = len(list((run / "logs" / "csv").glob("session*")))
    loggers = [
        TensorBoardLogger(run / "logs", name="tensorboard", version=""),
        CSVLogger(run / "logs" / "csv", name="", version=f"session{session}"),
    ]
    trainer = pl.Trainer(
        max_epochs=settings.epochs,
        min_epochs=min(settings.epochs, -(-warmup_steps(steps) // per_epoch)),  # see colorizer
        accelerator=settings.accelerator,
        devices=settings.devices,
        precision=_precision(settings.precision, settings.accelerator),
        callbacks=callbacks,
        logger=loggers,
        enable_progress_bar=progress,
        enable_model_summary=False,
        log_every_n_steps=1,
        num_sanity_val_steps=0,
    )
    trainer.fit(
        module,
        datamodule=FilmDataModule(dataset, ranges, settings),
        ckpt_path=run / "last.ckpt" if resume else None,
    )
    if trainer.interrupted:
        raise KeyboardInterrupt
    if not checkpoint.best_model_path:
        raise FilmcolorError(
            f"{run}: training produced no finite validation colour error; try a lower --lr"
        )
    best = Path(checkpoint.best_model_path)
    if not trainer.is_global_zero:
        return TrainResult(run, best, {})
    net = load_model(best).net
    splits = {}
    for name, r in ranges.items():
        splits[name], frames = score_split(net, dataset, r, size)
        if name == "test":  # shown in test_frames.png
            test_frames = frames
    metrics = {
        "splits": splits,
        "best_epoch": int(torch.load(best, map_location="cpu", weights_only=False)["epoch"]),
        "epochs_run": int(trainer.current_epoch),
        "split": split,
        "familiarity": {
            **dict(zip(("unseen", "seen", "near", "far"), levels)),
            "strength_unseen": settings.unseen,
        },
        "data": str(dataset.path.resolve()),
        "settings": {**as_json(settings), "precision": trainer.precision},
        "filmcolor_version": __version__,
    }
    (run / "metrics.json").write_text(json.dumps(metrics, indent=2))
    _report(run, metrics, *test_frames)
    return TrainResult(run, best, metrics)


def _class_weights(
    data: AlignedData, train: range, encoder, bins: np.ndarray, most: int = 2000
) -> np.ndarray:
    """Rebalancing weights of the bins from the colours of (up to ``most``) training frames."""
    counts = np.zeros(len(bins))
    for i in np.linspace(train.start, train.stop - 1, min(most, len(train))).astype(int):
        counts += encoder.histogram(rgb_to_ab(data.color[i]), len(bins))
    return rebalancing(counts, bins)


def _report(
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
