"""Training: the Lightning module around the U-Net, and ``train()``, which runs a whole training run.

A run folder ends up holding ``best.ckpt`` (lowest validation loss; everything ``render`` needs is in
its hyperparameters), ``last.ckpt`` (for ``--resume``), ``metrics.json`` (train/val/test MSE of the
model and of the identity baseline), ``loss.png``, ``test_frames.png`` and TensorBoard/CSV logs.

What makes the default run generalise to shots it has not seen (docs/train.md has the measurements):
- the network predicts a correction to the identity baseline, so it starts from the baseline;
- AdamW with weight decay, its learning rate on a one-cycle schedule;
- the weights validated and saved are an exponential moving average of the trained ones, which
  removes most of the epoch-to-epoch swing of the validation score;
- augmentation that keeps pairs consistent: mirroring, a random exposure gain on both frames (so
  brightness alone does not decide colour), and mixup of two pairs;
- after training, the strength of the predicted colour is calibrated on the validation frames.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import shutil
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint, TQDMProgressBar
from pytorch_lightning.callbacks.weight_averaging import EMAWeightAveraging
from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger

from . import __version__
from .dataset import SPLITS, AlignedData, FilmDataModule, load_aligned, split_ranges
from .errors import FilmcolorError
from .model import ARCHITECTURE, RUNS, UNet, identity_baseline, latest_run, luminance, to_input, to_rgb8, to_target
from .plots import image_grid, loss_curves

log = logging.getLogger("filmcolor")

DEFAULT_DATA = Path("aligned")


class Colorizer(pl.LightningModule):
    """The U-Net with its loss, optimiser and schedule; its hyperparameters describe it fully."""

    def __init__(self, size: int = 64, width: int = 64, lr: float = 2e-3, weight_decay: float = 0.05,
                 mixup: float = 0.0, split: dict | None = None, data: str = ""):
        super().__init__()
        self.save_hyperparameters()
        self.hparams["architecture"] = ARCHITECTURE
        self.hparams["normalization"] = "grey and RGB scaled to [-1, 1]; output = grey + network"
        self.hparams["filmcolor_version"] = __version__
        self.net = UNet(width)

    def forward(self, grey: torch.Tensor) -> torch.Tensor:
        return self.net(grey)

    def _step(self, batch, stage: str) -> torch.Tensor:
        grey, rgb = batch
        loss = F.mse_loss(self(grey), rgb)
        self.log(f"{stage}/loss", loss, on_step=False, on_epoch=True, prog_bar=stage == "val", batch_size=len(grey))
        return loss

    def training_step(self, batch, batch_idx):
        if self.hparams.mixup > 0:
            batch = self._mix(*batch)
        return self._step(batch, "train")

    def _mix(self, grey: torch.Tensor, rgb: torch.Tensor):
        """Mixup: blend each pair with another pair of the batch, inputs and targets alike.

        The film's tone mapping is close to linear, so a blend of inputs still maps to the blend of
        targets; the network learns smoother, less overconfident colour for what it has not seen."""
        alpha = self.hparams.mixup
        lam = torch.distributions.Beta(alpha, alpha).sample((len(grey), 1, 1, 1)).to(grey)
        lam = torch.maximum(lam, 1 - lam)  # the original pair stays the larger part
        other = torch.randperm(len(grey), device=grey.device)
        return lam * grey + (1 - lam) * grey[other], lam * rgb + (1 - lam) * rgb[other]

    def validation_step(self, batch, batch_idx):
        self._step(batch, "val")

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.parameters(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay)
        # One cycle: a linear warm-up over the first 15% of steps, then a cosine decay. Its length is
        # read from the trainer each time training starts, so a resumed run with more epochs
        # stretches the rest of its schedule rather than running past the end of it.
        total = max(1, int(self.trainer.estimated_stepping_batches))
        warmup = max(1, int(0.15 * total))

        def factor(step: int) -> float:
            if step < warmup:
                return 0.04 + 0.96 * step / warmup
            return 0.002 + 0.499 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup))))

        sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


@dataclass
class TrainResult:
    run: Path
    best: Path
    metrics: dict


def _run_folder(run: str | Path | None, resume: bool, overwrite: bool) -> Path:
    if run is None and resume:
        found = latest_run(needs="last.ckpt")
        if found is None:
            raise FilmcolorError(f"--resume: no run with a last.ckpt under {RUNS}/; name one with -o RUN")
        return found
    if run is None:
        return RUNS / time.strftime("run-%Y%m%d-%H%M%S")
    run = Path(run)
    if resume:
        if not (run / "last.ckpt").exists():
            raise FilmcolorError(f"{run}: nothing to resume (no last.ckpt); start it without --resume")
    elif run.exists() and any(run.iterdir()):
        if not overwrite:
            raise FilmcolorError(f"{run}: run folder already exists; pass --resume to continue it or --overwrite to start again")
        for f in ("best.ckpt", "last.ckpt", "metrics.json", "loss.png", "test_frames.png"):
            (run / f).unlink(missing_ok=True)
        shutil.rmtree(run / "logs", ignore_errors=True)
    return run


def _precision(precision: str | None, accelerator: str) -> str:
    if precision:
        return precision
    on_gpu = accelerator in ("gpu", "cuda") or (accelerator == "auto" and torch.cuda.is_available())
    return "bf16-mixed" if on_gpu and torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "32-true"


@torch.no_grad()
def split_mse(model: torch.nn.Module | None, data: AlignedData, ranges: dict[str, range], batch: int = 128,
              device: str | torch.device = "cpu") -> dict[str, float]:
    """Mean squared error over [-1, 1] RGB on each split: of ``model``, or of the identity baseline if None."""
    out = {}
    for split, r in ranges.items():
        total, count = 0.0, 0
        for i in range(r.start, r.stop, batch):
            j = min(r.stop, i + batch)
            grey = to_input(np.array(data.bw[i:j])).to(device)
            rgb = to_target(np.array(data.color[i:j])).to(device)
            pred = identity_baseline(grey) if model is None else model(grey).clamp(-1, 1)
            total += F.mse_loss(pred.float(), rgb, reduction="sum").item()
            count += rgb.numel()
        out[split] = total / count
    return out


def train(
    data: str | Path = DEFAULT_DATA,
    run: str | Path | None = None,
    *,
    epochs: int = 20,
    batch_size: int = 32,
    lr: float = 2e-3,
    split: tuple[float, float, float] = (0.8, 0.1, 0.1),
    snap: bool = True,
    augment: bool = True,
    exposure: float = 0.4,
    mixup: float = 0.4,
    weight_decay: float = 0.05,
    ema: bool = True,
    patience: int = 10,
    seed: int = 0,
    accelerator: str = "auto",
    devices: str | int = "auto",
    precision: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = False,
    callbacks: list[pl.Callback] | None = None,
) -> TrainResult:
    """Train the colorizer on an aligned dataset; return the run folder, best checkpoint and metrics.

    ``callbacks`` are extra Lightning callbacks (they run before filmcolor's own)."""
    warnings.filterwarnings("ignore", ".*does not have many workers.*")  # batches come from a memory map, in-process
    warnings.filterwarnings("ignore", ".*Checkpoint directory .* exists and is not empty.*")  # the run folder holds the logs too
    warnings.filterwarnings("ignore", r".*isinstance\(treespec, LeafSpec\).*")  # torch deprecation inside Lightning
    dataset = load_aligned(data)
    ranges = split_ranges(dataset.shots, split, snap)
    run = _run_folder(run, resume, overwrite)
    run.mkdir(parents=True, exist_ok=True)
    pl.seed_everything(seed, workers=True, verbose=False)
    sizes = {k: len(r) for k, r in ranges.items()}
    log.info("training on %s: %d train, %d val, %d test pairs -> %s", dataset.path, *sizes.values(), run)
    module = Colorizer(size=dataset.size, lr=lr, weight_decay=weight_decay, mixup=mixup, split={k: [r.start, r.stop] for k, r in ranges.items()}, data=str(dataset.path.resolve()))
    datamodule = FilmDataModule(dataset, ranges, batch_size=batch_size, augment=augment, exposure=exposure, seed=seed)
    checkpoint = ModelCheckpoint(dirpath=run, filename="best", monitor="val/loss", mode="min", save_top_k=1,
                                 save_last=True, auto_insert_metric_name=False, enable_version_counter=False)
    callbacks = [*(callbacks or []), checkpoint, EarlyStopping(monitor="val/loss", mode="min", patience=patience)]
    if ema:
        # Average over about the last quarter of training, at most the last 100 steps: a short run
        # on a small film must not end up averaging in its untrained start.
        steps = epochs * -(-len(ranges["train"]) // batch_size)
        callbacks.append(EMAWeightAveraging(decay=min(0.99, 1 - 4 / max(steps, 8))))
    if progress:
        callbacks.append(TQDMProgressBar())
    # One CSV folder per session: Lightning's CSV logger starts its file afresh, which would lose the
    # history of a resumed run. TensorBoard appends on its own.
    session = len(list((run / "logs" / "csv").glob("session*")))
    loggers = [TensorBoardLogger(run / "logs", name="tensorboard", version=""),
               CSVLogger(run / "logs" / "csv", name="", version=f"session{session}")]
    trainer = pl.Trainer(
        max_epochs=epochs, accelerator=accelerator, devices=devices, precision=_precision(precision, accelerator),
        callbacks=callbacks, logger=loggers, enable_progress_bar=progress, enable_model_summary=False,
        log_every_n_steps=1, num_sanity_val_steps=0,
    )
    trainer.fit(module, datamodule=datamodule, ckpt_path=run / "last.ckpt" if resume else None)
    if trainer.interrupted:
        raise KeyboardInterrupt
    if not checkpoint.best_model_path:
        raise FilmcolorError(f"{run}: training produced no finite validation loss; try a lower --lr")
    best = Path(checkpoint.best_model_path)
    if not trainer.is_global_zero:
        return TrainResult(run, best, {})
    best_module = Colorizer.load_from_checkpoint(best, map_location="cpu").eval()
    gain = calibrate(best_module.net, dataset, ranges["val"], best)
    best_epoch = torch.load(best, map_location="cpu", weights_only=False)["epoch"]
    metrics = {
        "baseline": split_mse(None, dataset, ranges),
        "model": split_mse(best_module, dataset, ranges),
        "best_epoch": int(best_epoch),
        "chroma_gain": gain,
        "epochs_run": int(trainer.current_epoch),
        "split": {k: [r.start, r.stop] for k, r in ranges.items()},
        "settings": {"data": str(dataset.path.resolve()), "epochs": epochs, "batch_size": batch_size, "lr": lr, "split": list(split),
                     "snap": snap, "augment": augment, "exposure": exposure, "mixup": mixup, "weight_decay": weight_decay, "ema": ema, "patience": patience, "seed": seed,
                     "precision": trainer.precision, "accelerator": type(trainer.accelerator).__name__},
        "filmcolor_version": __version__,
    }
    metrics["ratio"] = {k: metrics["model"][k] / metrics["baseline"][k] for k in SPLITS}
    (run / "metrics.json").write_text(json.dumps(metrics, indent=2))
    _report(run, best_module, dataset, ranges, metrics)
    return TrainResult(run, best, metrics)


@torch.no_grad()
def calibrate(net: UNet, data: AlignedData, val: range, checkpoint: Path) -> float:
    """Fit the strength of the predicted colour to the validation frames, and save it in the checkpoint.

    A network trained on a few shots is over-confident about the colour of shots it has not seen;
    scaling its chroma (around its own luma) by the factor that minimises validation MSE, at most 1,
    is the least-squares correction of that. One number, fitted on validation frames only."""
    net.chroma_gain.fill_(1.0)
    along, energy = 0.0, 0.0
    for i in range(val.start, val.stop, 256):
        j = min(val.stop, i + 256)
        rgb = net(to_input(np.array(data.bw[i:j]))).clamp(-1, 1)
        luma = luminance(rgb)
        colour, wanted = rgb - luma, to_target(np.array(data.color[i:j])) - luma
        along += float((colour * wanted).sum())
        energy += float((colour * colour).sum())
    gain = min(1.0, max(0.0, along / max(energy, 1e-8)))
    net.chroma_gain.fill_(gain)
    ckpt = torch.load(checkpoint, map_location="cpu", weights_only=False)
    ckpt["state_dict"]["net.chroma_gain"] = torch.tensor(gain)
    tmp = checkpoint.with_suffix(".partial")
    torch.save(ckpt, tmp)
    tmp.replace(checkpoint)
    return gain


def _report(run: Path, model: Colorizer, data: AlignedData, ranges: dict[str, range], metrics: dict) -> None:
    """The loss curves and a grid of test frames: B&W | filmcolor | colour release."""
    history = _epoch_history(sorted((run / "logs" / "csv").glob("session*/metrics.csv")))
    loss_curves(run / "loss.png", history, {f"{k}/loss": v for k, v in metrics["baseline"].items()})
    test = ranges["test"]
    pick = np.linspace(test.start, test.stop - 1, min(8, len(test))).astype(int)
    with torch.no_grad():
        pred = to_rgb8(model(to_input(data.bw[pick])))
    grey = np.repeat(np.asarray(data.bw[pick])[..., None], 3, axis=3)
    image_grid(run / "test_frames.png", [grey, pred, np.asarray(data.color[pick])],
               ["B&W", "filmcolor", "colour release"], scale=3)


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
