"""The FilmColorizer report's table beside ours: its model (``filmcolor train --arch unet-rgb``,
every other option at its default) on each pair, scored the way the report scored it.

    python -m pipelines.recipes.filmcolorizer PAIR [PAIR ...] -o OUT [--epochs 40]

Each PAIR is a folder holding ``bw.mp4`` and ``color.mp4`` (the DAVIS pairs of ../shared/data).
For each, into OUT/NAME/: ``aligned/`` (``filmcolor align``) and ``run/`` (``filmcolor train
--arch unet-rgb``); a stage whose output is complete is skipped and an interrupted training is
resumed, so running it again carries on. Then one markdown table, a column per split:

- the report's MSE against its baseline, then each pair's: the network's own RGB output against
  the colour release on the 64x64 pairs (MSE over [-1, 1] RGB), over the identity baseline's (the
  B&W frame as it is), as the report measured its model;
- the composed MSE: the model's colour on the B&W frame's own lightness, as ``render`` shows it,
  over the same baseline's;
- the same for the release's own colour composed that way, the most any colour can reach when
  the lightness is the B&W frame's (what stays is the B&W stock's tonal response);
- the colour error (a*b* with the release's lightness) over a grey film's: the measure filmcolor
  judges colour by (docs/evaluate.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np

from filmcolor.cli import run_command
from filmcolor.colour import LIGHTNESS, lab_to_rgb, rgb_to_ab
from filmcolor.errors import FilmcolorError
from filmcolor.settings import TrainSettings

ARCH = "unet-rgb"
SPLITS = ("train", "val", "test")
# FilmColorizer's table: MSE over [-1, 1] RGB of its model and of its baseline, the B&W frame as it
# is, on the 64x64 pairs of its film, split in film order.
REPORT = {"train": (0.0912, 0.1773), "val": (0.1212, 0.1783), "test": (0.1780, 0.2842)}

log = logging.getLogger("filmcolor")


def run_pair(
    pair: Path, out: Path, epochs: int = TrainSettings.epochs, progress: bool = True
) -> dict:
    """Align and train on one pair (or finish doing so); return its run's metrics, with the
    release's own colour composed (``release_composed``) in each split's."""
    from filmcolor import align, train

    aligned, run = out / "aligned", out / "run"
    for name in ("bw.mp4", "color.mp4"):
        if not (pair / name).is_file():
            raise FilmcolorError(f"{pair}: no {name}; a pair folder holds bw.mp4 and color.mp4")
    out.mkdir(parents=True, exist_ok=True)
    if (aligned / "manifest.json").exists():
        log.info("%s: already aligned (%s), skipped", pair.name, aligned)
    else:
        align(pair / "bw.mp4", pair / "color.mp4", aligned, progress=progress)
    metrics = run / "metrics.json"
    if metrics.exists():
        log.info("%s: already trained (%s), skipped", pair.name, run)
    else:
        resume = (run / "last.ckpt").exists()
        train(
            aligned,
            run,
            arch=ARCH,
            epochs=epochs,
            resume=resume,
            overwrite=not resume,
            progress=progress,
        )
    result = json.loads(metrics.read_text())
    made = {k: result["settings"][k] for k in ("arch", "epochs")}
    if made != {"arch": ARCH, "epochs": epochs}:
        raise FilmcolorError(
            f"{run}: a run of {made['arch']} for {made['epochs']} epochs, not of {ARCH} for "
            f"{epochs}; pass another -o"
        )
    for name, ratio in release_composed(aligned, result["split"]).items():
        result["splits"][name]["release_composed"] = ratio
    return result


def release_composed(aligned: Path, split: dict) -> dict[str, float]:
    """Per split (name -> [start, stop]), the MSE of the release's own a*b* on the B&W frame's
    lightness over the identity baseline's, on the pairs the run's report scored."""
    from filmcolor.dataset.split import load_aligned
    from filmcolor.evaluation.metrics import frame_mse
    from filmcolor.evaluation.scoring import sample
    from filmcolor.training.budget import REPORT_PAIRS

    data, ratios = load_aligned(aligned), {}
    for name, (start, stop) in split.items():
        keep, _ = sample(data, range(start, stop), most=REPORT_PAIRS)
        grey, colour = np.asarray(data.bw[keep]), np.asarray(data.colour[keep])
        composed = lab_to_rgb(LIGHTNESS[grey], rgb_to_ab(colour))
        identity = frame_mse(np.repeat(grey[..., None], 3, axis=3), colour).mean()
        ratios[name] = float(frame_mse(composed, colour).mean() / identity)
    return ratios


def table(results: dict[str, dict]) -> str:
    """The report's figures and each pair's (name -> its run's metrics.json), as markdown."""
    rows = [
        "| | " + " | ".join(SPLITS) + " |",
        "|---" * (len(SPLITS) + 1) + "|",
        "| FilmColorizer report: network MSE / baseline's | "
        + " | ".join(f"{m:.4f} / {b:.4f} = **{m / b:.2f}×**" for m, b in REPORT.values())
        + " |",
    ]
    for name, metrics in results.items():
        for label, figure in _FIGURES:
            cells = " | ".join(figure(metrics["splits"][s]) for s in SPLITS)
            rows.append(f"| {name}: {label} | {cells} |")
    return "\n".join(rows)


def _network(s: dict) -> str:
    mse, base = s["network"]["mse"], s["baseline"]["mse"]
    return f"{mse:.4f} / {base:.4f} = **{mse / base:.2f}×**"


_FIGURES = [
    ("network MSE / identity's", _network),
    ("composed MSE ÷ identity's", lambda s: f"{s['model']['mse'] / s['baseline']['mse']:.2f}×"),
    ("the release's colour composed: MSE ÷ identity's", lambda s: f"{s['release_composed']:.2f}×"),
    (
        "colour error ÷ grey film's",
        lambda s: f"{s['model']['colour_error'] / s['baseline']['colour_error']:.2f}×",
    ),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("pairs", type=Path, nargs="+", help="pair folders (bw.mp4, color.mp4)")
    ap.add_argument(
        "-o", "--out", type=Path, default=Path("filmcolorizer"), help="folder for the runs"
    )
    ap.add_argument(
        "--epochs",
        type=int,
        default=TrainSettings.epochs,
        help="most training epochs (default: %(default)s, as the table was made)",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="filmcolor: %(message)s")

    def go() -> None:
        results = {p.name: run_pair(p, args.out / p.name, args.epochs) for p in args.pairs}
        print(table(results))

    return run_command(go)


if __name__ == "__main__":
    sys.exit(main())
