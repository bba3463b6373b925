"""Training benchmark: pairs per second in a real training run against the model's own step rate.

    python -m pipelines.bench.train [--pair DIR | --data ALIGNED] [--epochs 2] [--accelerator auto]

The pure step rate is forward, loss, backward and optimiser step, repeated on one batch already
in memory; the training throughput is what ``filmcolor train`` achieves, with batches read from the
memory-mapped dataset, augmentation, weight averaging and Lightning's loop around it. Their ratio
is what the data pipeline and the loop cost (target: >= 0.9).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pytorch_lightning as pl
import torch

from filmcolor.dataset.batches import batches
from filmcolor.dataset.split import load_aligned, split_ranges
from filmcolor.model.head import to_input, to_target
from filmcolor.settings import TrainSettings
from filmcolor.training.module import Colorizer
from filmcolor.training.trainer import train

from .common import aligned_pair, emit, machine


class _EpochClock(pl.Callback):
    """Wall time and pairs of each training epoch (validation excluded)."""

    def __init__(self):
        self.epochs: list[tuple[float, int]] = []

    def on_train_epoch_start(self, trainer, module):
        self._start, self._pairs = time.perf_counter(), 0

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
        self._pairs += len(batch[0])

    def on_train_epoch_end(self, trainer, module):
        if module.device.type == "cuda":
            torch.cuda.synchronize()
        self.epochs.append((time.perf_counter() - self._start, self._pairs))


def pure_step_rate(data, settings: TrainSettings, device: torch.device, steps: int = 30) -> float:
    """Pairs per second of forward, loss, backward and optimiser step of the default model on one
    batch held on the device."""
    ranges = split_ranges(data.shots)
    batch = batches(data, ranges["train"], settings.batch_size, shuffle=True, augment=True)
    first = next(iter(batch))
    grey, rgb, ab = (t.to(device) for t in (first.grey, first.rgb, first.ab))
    grey, rgb = to_input(grey), to_target(rgb)
    model = Colorizer(settings, data.size).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    for i in range(steps + 5):
        if i == 5:  # warm-up steps excluded
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        model.net.head.loss(model(grey), rgb, ab).backward()
        opt.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps * len(grey) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--pair", help="folder with bw.mp4 and color.mp4 (default: the demo's pair)")
    ap.add_argument("--data", help="an aligned dataset to use instead of aligning --pair")
    ap.add_argument(
        "--epochs", type=int, default=3, help="training epochs to time (the first is left out)"
    )
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--accelerator", default="auto")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data_path = Path(args.data) if args.data else aligned_pair(args.pair, Path(tmp))
        data = load_aligned(data_path)
        clock = _EpochClock()
        device = torch.device(
            "cuda"
            if args.accelerator in ("auto", "gpu", "cuda") and torch.cuda.is_available()
            else "cpu"
        )
        print(
            f"training benchmark on {data_path} ({len(data)} pairs, {machine()}, device {device})"
        )
        # The step rate is measured before and after the run and averaged, so that a machine whose
        # speed drifts (other tenants, clocks) does not bias the ratio one way.
        settings = TrainSettings(
            epochs=args.epochs,
            batch_size=args.batch_size,
            accelerator=args.accelerator,
            patience=args.epochs,
        )
        before = pure_step_rate(data, settings, device)
        train(data_path, Path(tmp) / "run", settings, callbacks=[clock])
        timed = clock.epochs[1:] or clock.epochs
        train_rate = sum(p for _, p in timed) / sum(t for t, _ in timed)
        after = pure_step_rate(data, settings, device)
        pure = (before + after) / 2
    record = {
        "bench": "train",
        "train_pairs_per_s": train_rate,
        "pure_step_pairs_per_s": pure,
        "ratio": train_rate / pure,
        "batch_size": args.batch_size,
        "device": device.type,
        "machine": machine(),
    }
    print(f"training throughput: {train_rate:.1f} pairs/s (epochs 2-{len(clock.epochs)})")
    print(
        f"pure model step:     {pure:.1f} pairs/s ({before:.1f} before, {after:.1f} after) -> "
        f"ratio {record['ratio']:.2f} (target >= 0.9)"
    )
    emit(record)
    return record


if __name__ == "__main__":
    main()
