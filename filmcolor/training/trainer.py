"""Training: ``train()`` runs a whole training run with Lightning and reports it.

A run folder ends up holding ``best.ckpt`` (the epoch with the lowest validation colour error
after the learning rate's warm-up; everything ``render`` needs is in it), ``last.ckpt`` (for
``--resume``), ``metrics.json`` (every metric of the model and of the identity baseline on the
train, val and test splits, and the settings), ``loss.png``, ``test_frames.png`` and TensorBoard/CSV
logs.

Before training, the network learns two things from the training frames (``ColourNet.calibrate``)
and keeps them: the a*b* bins' rebalancing weights (how rare each colour is in this film) and the
familiarity gate (what a scene the model has and has not seen looks like, ``model.familiarity``).
The defaults were chosen by validation colour error and colourfulness on the DAVIS pairs
(docs/train.md): the bins head, AdamW on a one-cycle schedule, mirroring; mixup, exposure
augmentation and weight averaging each cost colour.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint, TQDMProgressBar
from pytorch_lightning.callbacks.weight_averaging import EMAWeightAveraging
from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger
from torch.utils.data import DataLoader

from .. import __version__
from ..alignment.folder import AlignedFolder
from ..dataset.batches import batches
from ..dataset.split import load_aligned, split_ranges
from ..dataset.views import CALIBRATION_VIEWS, fixed_views, stills_ranges, view_batches
from ..errors import FilmcolorError
from ..evaluation.scoring import score_split
from ..model.checkpoint import latest_run, load_model
from ..settings import ALIGNED, RUNS, TrainSettings, as_json, with_options
from .budget import REPORT_PAIRS, Budget, measure
from .module import Colorizer, warmup_steps
from .report import report

log = logging.getLogger("filmcolor")


class FilmDataModule(pl.LightningDataModule):
    """The chronological splits of an aligned dataset, as Lightning dataloaders, within the run's
    ``Budget``."""

    def __init__(
        self,
        data: AlignedFolder,
        ranges: dict[str, range],
        settings: TrainSettings,
        budget: Budget,
    ):
        super().__init__()
        self.data, self.ranges, self.settings, self.budget = data, ranges, settings, budget

    def train_dataloader(self) -> DataLoader:
        s = self.settings
        if self.data.views() is not None:  # stills: random views of them
            return view_batches(self.data, self.budget.train, s.batch_size, self.size, s.seed)
        return batches(
            self.data,
            self.ranges["train"],
            s.batch_size,
            shuffle=True,
            draw=self.budget.train,
            augment=s.augment,
            exposure=s.exposure,
            seed=s.seed,
            size=s.size,
            workers=self.workers,
        )

    def val_dataloader(self) -> DataLoader:
        s, val = self.settings, self.budget.val.tolist()
        return batches(self.data, val, s.batch_size, size=s.size, workers=self.workers)

    @property
    def size(self) -> int:
        return self.settings.size or self.data.size

    @property
    def workers(self) -> int:
        if self.settings.workers is not None:
            return self.settings.workers
        return 4 if _on_gpu(self.settings.accelerator) else 0


@dataclass
class TrainResult:
    """What ``train`` made: the run folder, its best checkpoint and its metrics
    (``metrics.json``)."""

    run: Path
    best: Path
    metrics: dict


def _run_folder(
    run: str | Path | None, resume: bool, overwrite: bool, settings: TrainSettings
) -> Path:
    devices = settings.devices
    if devices == "auto":
        devices = torch.cuda.device_count() if _on_gpu(settings.accelerator) else 1
    several = settings.num_nodes > 1 or devices != 1 or _rank()
    if run is None and several:
        raise FilmcolorError(
            "training on several devices or machines needs -o RUN: every process writes into it"
        )
    if _rank():  # rank 0 prepares the run folder; the others use it as it is
        return Path(run)
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


def _on_gpu(accelerator: str) -> bool:
    wanted = accelerator in ("gpu", "cuda") or accelerator == "auto"
    return wanted and torch.cuda.is_available()


def _precision(precision: str | None, accelerator: str) -> str:
    if precision:
        return precision
    return "bf16-mixed" if _on_gpu(accelerator) and torch.cuda.is_bf16_supported() else "32-true"


def _rank() -> int:
    """This process's rank among the processes of a run on several devices or machines (0 alone):
    set by Lightning for the processes it starts, and by torchrun or SLURM."""
    names = ("RANK", "LOCAL_RANK", "NODE_RANK", "SLURM_PROCID")
    return max(int(os.environ.get(name, 0)) for name in names)


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
    if dataset.views() is None:
        ranges = split_ranges(dataset.shots, settings.split, settings.snap)
    else:  # stills: each is trained on, and scored; in minutes, not hours
        ranges = stills_ranges(len(dataset))
        settings = replace(settings, epochs=min(settings.epochs, settings.stills_epochs))
    run = _run_folder(run, resume, overwrite, settings)
    run.mkdir(parents=True, exist_ok=True)
    with _quiet_lightning():
        return _train(dataset, ranges, run, settings, resume, progress, callbacks or [])


def _train(
    dataset: AlignedFolder,
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
    module = Colorizer(settings, size, split, str(dataset.path.resolve()))
    train_pairs = slice(ranges["train"].start, ranges["train"].stop)
    known = (
        dataset.bw[train_pairs],
        dataset.colour[train_pairs],
        dataset.shots[train_pairs],
        dataset.frames[train_pairs],
    )
    if dataset.views() is not None:  # a still's scene as its views show it, a second apart each
        grey, rgb, index = fixed_views(dataset, size, CALIBRATION_VIEWS, settings.seed)
        known = (grey, rgb, index, np.arange(len(index)) * 24)
    levels = module.net.calibrate(*known, settings.unseen)
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
    budget = Budget.of(settings, ranges, dataset.views() is not None)
    data = FilmDataModule(dataset, ranges, settings, budget)
    per_epoch = -(-budget.train // settings.batch_size)
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
        num_nodes=settings.num_nodes,
        precision=_precision(settings.precision, settings.accelerator),
        callbacks=callbacks,
        logger=loggers,
        enable_progress_bar=progress,
        enable_model_summary=False,
        log_every_n_steps=1,
        num_sanity_val_steps=0,
    )
    if trainer.is_global_zero:
        rates = measure(module, next(iter(data.train_dataloader())), trainer.strategy.root_device)
        log.info("%s", budget.describe(*rates))
    try:
        trainer.fit(
            module,
            datamodule=data,
            ckpt_path=run / "last.ckpt" if resume else None,
        )
    finally:
        # Lightning leaves a gloo process group for the interpreter's exit, where its worker
        # threads can abort the process ("terminate called without an active exception"); the
        # launcher then kills every rank. Training's collectives are over here.
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
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
        splits[name], frames = score_split(net, dataset, r, size, most=REPORT_PAIRS)
        if name == "test":  # shown in test_frames.png
            test_frames = frames
    metrics = {
        "splits": splits,
        "best_epoch": int(torch.load(best, map_location="cpu", weights_only=False)["epoch"]),
        "epochs_run": int(trainer.current_epoch),
        "split": split,
        "familiarity": {**levels, "strength_unseen": settings.unseen},
        "data": str(dataset.path.resolve()),
        "settings": {**as_json(settings), "precision": trainer.precision},
        "filmcolor_version": __version__,
    }
    (run / "metrics.json").write_text(json.dumps(metrics, indent=2))
    report(run, metrics, *test_frames)
    return TrainResult(run, best, metrics)
