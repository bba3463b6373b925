"""The ``filmcolor`` command: parses options and calls the library; nothing else lives here.

Errors meant for people (FilmcolorError) print as one line and exit 1; set FILMCOLOR_DEBUG=1 to
see the traceback instead. Stage modules are imported on use, so ``filmcolor align`` never loads torch.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from . import __version__
from .errors import FilmcolorError

log = logging.getLogger("filmcolor")


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows an option's default, unless its help already says it, it has none, or it is a switch."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or action.nargs == 0 or "default" in (action.help or ""):
            return action.help or ""
        return super()._get_help_string(action)


STRENGTH_HELP = ("colour strength, in place of the one calibrated on validation frames in training and stored "
                 "in the model (0: no colour; 1.5: half again as much)")


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value


def _cmd_align(args: argparse.Namespace) -> None:
    from .align import align

    result = align(
        args.bw, args.color, args.out, size=args.size, fps=args.fps, every=args.every,
        overwrite=args.overwrite, progress=not args.quiet,
    )
    m = result.manifest
    print(
        f"aligned {result.pairs} pairs into {result.out}/ "
        f"(colour plays at {m['speed_ratio']:.4f}x the B&W speed, {len(m['segments'])} segment(s), "
        f"B&W crop {m['crop']['bw']}, colour crop {m['crop']['color']}, confidence {m['confidence']:.2f})"
    )
    print(f"check {result.out / 'alignment.png'} and {result.out / 'samples.png'}; next: filmcolor train {result.out}")


def _fractions(text: str) -> tuple[float, float, float]:
    try:
        parts = tuple(float(x) for x in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3 or min(parts) <= 0:
        raise argparse.ArgumentTypeError(f"expected three positive fractions like 0.8,0.1,0.1, got {text!r}")
    return parts


def _devices(text: str) -> str | int:
    return int(text) if text.isdigit() else text


def metrics_table(metrics: dict) -> str:
    """Baseline and model MSE side by side, one row per split."""
    lines = [f"{'MSE [-1,1] RGB':<16}{'identity':>10}{'filmcolor':>11}{'ratio':>8}"]
    for split in ("train", "val", "test"):
        b, m = metrics["baseline"][split], metrics["model"][split]
        lines.append(f"{split:<16}{b:>10.4f}{m:>11.4f}{m / b:>8.2f}")
    return "\n".join(lines)


def _tame_lightning(args: argparse.Namespace) -> None:
    """Lightning sets its own loggers to INFO when imported; keep its banner for --verbose."""
    for name in ("pytorch_lightning", "lightning_fabric"):
        logging.getLogger(name).setLevel(logging.INFO if args.verbose else logging.WARNING)


def _cmd_train(args: argparse.Namespace) -> None:
    from .training import train

    _tame_lightning(args)

    result = train(
        args.data, args.out, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, split=args.split,
        snap=args.snap, augment=args.augment, exposure=args.exposure, mixup=args.mixup, weight_decay=args.weight_decay, ema=args.ema, patience=args.patience, seed=args.seed,
        accelerator=args.accelerator, devices=args.devices, precision=args.precision, resume=args.resume,
        overwrite=args.overwrite, progress=not args.quiet,
    )
    if result.metrics:
        print(metrics_table(result.metrics))
        print(f"best checkpoint: {result.best} (epoch {result.metrics['best_epoch']}); "
              f"see {result.run / 'loss.png'} and {result.run / 'test_frames.png'}")
        print("next: filmcolor render movie.mp4 -o movie_color.mp4")


def _cmd_render(args: argparse.Namespace) -> None:
    from .render import render

    result = render(
        args.input, args.out, model=args.model, strength=args.strength, device=args.device,
        batch_size=args.batch_size, smooth=args.smooth,
        crf=args.crf, preset=args.preset, codec=args.codec, start=args.start, duration=args.duration,
        side_by_side=args.side_by_side, overwrite=args.overwrite, progress=not args.quiet,
    )
    rate = result.frames / result.seconds if result.seconds else 0
    print(f"wrote {result.out} ({result.frames} frame(s) in {result.seconds:.1f} s, {rate:.1f} frames/s)")


def evaluation_table(result: dict) -> str:
    """Each metric for the identity baseline, the model and (where it applies) the colour release."""
    rows = [("MSE [-1,1] RGB", "mse", "{:.4f}", "lower"), ("PSNR (dB)", "psnr", "{:.2f}", "higher"),
            ("SSIM", "ssim", "{:.4f}", "higher"), ("CIEDE2000", "ciede2000", "{:.2f}", "lower"),
            ("colourfulness", "colourfulness", "{:.1f}", "as release"), ("flicker", "flicker", "{:.2f}", "as release")]
    lines = [f"{'':<16}{'identity':>10}{'filmcolor':>11}{'release':>9}   better"]
    for label, key, fmt, better in rows:
        cells = []
        for source in ("baseline", "model", "colour_release"):
            value = result[source].get(key)
            cells.append(fmt.format(value) if value is not None else "-")
        lines.append(f"{label:<16}{cells[0]:>10}{cells[1]:>11}{cells[2]:>9}   {better}")
    return "\n".join(lines)


def _cmd_evaluate(args: argparse.Namespace) -> None:
    from .evaluate import evaluate, evaluate_video

    _tame_lightning(args)

    if args.video or args.reference:
        if not (args.video and args.reference):
            raise FilmcolorError("--video and --reference go together: a rendered film and a colour release")
        if args.strength is not None:
            raise FilmcolorError("--strength applies to a model; a rendered film's colour is already in it")
        result = evaluate_video(args.video, args.reference, out=args.out, overwrite=args.overwrite, progress=not args.quiet)
    else:
        result = evaluate(args.run, data=args.data, split=args.split, strength=args.strength, out=args.out)
    print(f"{result['frames']} frames; {json_source(result['source'])}")
    print(evaluation_table(result))
    print(f"wrote {result['out']}/evaluation.json and evaluation.png (best and worst frames)")


def json_source(source: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in source.items())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="filmcolor",
        description="Colorize a black-and-white film by learning from its own hand-colorized release.\n\n"
        "  filmcolor align bw.mp4 color.mp4     # pair the two releases frame by frame -> aligned/\n"
        "  filmcolor train                      # learn B&W -> colour on aligned/ -> runs/run-DATE-TIME/\n"
        "  filmcolor evaluate                   # score the latest model against the identity baseline\n"
        "  filmcolor render movie.mp4 -o out.mp4  # colorize a film with the latest model\n\n"
        "-q and -v go before the command: filmcolor -q render ...",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"filmcolor {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars, only warnings and errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "align",
        help="find how a B&W and a colour release line up and write synced frame pairs",
        description="Find how two releases of a film line up (intros, frame rate, framing, missing shots) "
        "and write synced SIZExSIZE frame pairs: bw.npy, color.npy, pairs.csv, manifest.json, "
        "alignment.png and samples.png.",
        formatter_class=_Formatter,
    )
    p.add_argument("bw", type=Path, help="the black-and-white release (any video ffmpeg reads)")
    p.add_argument("color", type=Path, help="the colour release of the same film")
    p.add_argument("-o", "--out", type=Path, default=Path("aligned"), help="output folder (filmcolor train reads it by default)")
    p.add_argument("--size", type=_positive_int, default=64, help="side of the square frames written, pixels (a multiple of 8)")
    p.add_argument("--fps", type=_positive_float, default=24.0, help="frame rate the B&W timeline is resampled to")
    p.add_argument("--every", type=_positive_int, default=1, help="keep one pair in N (1 keeps all)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    p.set_defaults(func=_cmd_align)

    p = sub.add_parser(
        "train",
        help="train the U-Net on an aligned dataset and compare it with the identity baseline",
        description="Train the colorizer on the pairs `filmcolor align` wrote, with a chronological "
        "train/val/test split, and report its MSE next to the identity baseline (the B&W frame as it is). "
        "The run folder gets best.ckpt, last.ckpt, metrics.json, loss.png, test_frames.png and logs.",
        formatter_class=_Formatter,
    )
    p.add_argument("data", type=Path, nargs="?", default=Path("aligned"), help="aligned dataset folder")
    p.add_argument("-o", "--out", type=Path, default=None, help="run folder (default: runs/run-DATE-TIME)")
    p.add_argument("--epochs", type=_positive_int, default=20, help="most epochs to train")
    p.add_argument("--batch-size", type=_positive_int, default=32, help="pairs per batch")
    p.add_argument("--lr", type=float, default=2e-3, help="peak learning rate of the one-cycle schedule")
    p.add_argument("--split", type=_fractions, default=(0.8, 0.1, 0.1), help="train,val,test fractions, in film order")
    p.add_argument("--no-snap", dest="snap", action="store_false", help="split at the plain fractions, not at the nearest shot cuts")
    p.add_argument("--no-augment", dest="augment", action="store_false", help="no random mirroring and exposure changes")
    p.add_argument("--exposure", type=float, default=0.4, help="random exposure gain of training pairs, up to 1+E or down to 1/(1+E)")
    p.add_argument("--mixup", type=float, default=0.4, help="mixup strength (Beta(a, a) blends of two pairs); 0 turns it off")
    p.add_argument("--weight-decay", type=float, default=0.05, help="AdamW weight decay")
    p.add_argument("--no-ema", dest="ema", action="store_false", help="validate and save the trained weights, not their moving average")
    p.add_argument("--patience", type=_positive_int, default=10, help="stop after this many epochs without a better validation loss")
    p.add_argument("--seed", type=int, default=0, help="random seed, for a repeatable run")
    p.add_argument("--accelerator", default="auto", help="cpu, gpu, mps or auto (Lightning's choice)")
    p.add_argument("--devices", type=_devices, default="auto", help="how many devices (e.g. 2 GPUs train with DDP), or auto")
    p.add_argument("--precision", default=None, help="e.g. 32-true, bf16-mixed, 16-mixed (default: bf16-mixed on GPUs that have it, else 32-true)")
    p.add_argument("--resume", action="store_true", help="continue the run in -o (or the latest run) from its last.ckpt")
    p.add_argument("--overwrite", action="store_true", help="start the run in -o again from scratch")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser(
        "render",
        help="colorize a B&W film (or a photograph) with a trained model",
        description="Colorize a black-and-white film at its own resolution, frame rate and length, with its "
        "audio copied over; or a single image (by its suffix: .jpg, .png, ...). The model predicts colour at "
        "its own size; only its chroma is used, upsampled along the film's own edges and smoothed over time "
        "within shots, on the film's full-resolution luminance.",
        formatter_class=_Formatter,
    )
    p.add_argument("input", type=Path, help="B&W film (any video ffmpeg reads) or image")
    p.add_argument("-o", "--out", type=Path, required=True, help="output file (.mp4, .mkv, ... or an image suffix)")
    p.add_argument("--model", type=Path, default=None, help="run folder or .ckpt (default: the latest run under runs/)")
    p.add_argument("--strength", type=float, default=None, help=STRENGTH_HELP)
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, ... (auto: a GPU when there is one)")
    p.add_argument("--batch-size", type=_positive_int, default=16, help="frames per inference batch")
    p.add_argument("--smooth", type=float, default=2.0, help="temporal smoothing of colour within shots, in frames (0: off)")
    p.add_argument("--crf", type=int, default=18, help="encoder quality (lower is better and larger)")
    p.add_argument("--preset", default="medium", help="encoder speed/size preset (ultrafast ... veryslow)")
    p.add_argument("--codec", default="libx264", help="video encoder (libx264, libx265, libvpx-vp9, ...)")
    p.add_argument("--start", type=float, default=None, help="render an excerpt starting here (seconds)")
    p.add_argument("--duration", type=float, default=None, help="length of the excerpt (seconds)")
    p.add_argument("--side-by-side", action="store_true", help="write B&W | colour side by side, for comparison")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    p.set_defaults(func=_cmd_render)

    p = sub.add_parser(
        "evaluate",
        help="score a model (or a rendered film) against the colour release, next to the identity baseline",
        description="Score a trained model on a split of its aligned dataset, or a rendered film against a colour "
        "release it aligns with, next to the identity baseline (the B&W frame as it is): MSE over [-1, 1] RGB, "
        "PSNR, SSIM, CIEDE2000, colourfulness and flicker (chroma change between consecutive frames of a shot). "
        "Writes evaluation.json and evaluation.png (best and worst frames).",
        formatter_class=_Formatter,
    )
    p.add_argument("run", type=Path, nargs="?", default=None, help="run folder or .ckpt (default: the latest run)")
    p.add_argument("--data", type=Path, default=None, help="aligned dataset (default: the one the model was trained on)")
    p.add_argument("--split", default="test", choices=["train", "val", "test", "all"], help="which pairs to score")
    p.add_argument("--strength", type=float, default=None, help=STRENGTH_HELP)
    p.add_argument("--video", type=Path, default=None, help="a rendered film to score instead of a model")
    p.add_argument("--reference", type=Path, default=None, help="the colour release to score --video against")
    p.add_argument("-o", "--out", type=Path, default=None, help="output folder (default: the run folder, or VIDEO_evaluation/)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --video evaluation folder")
    p.set_defaults(func=_cmd_evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    fmt = "filmcolor [%(relativeCreated)6.0f ms]: %(message)s" if args.verbose else "filmcolor: %(message)s"
    logging.basicConfig(level=level, format=fmt)
    log.setLevel(level)
    try:
        args.func(args)
    except FilmcolorError as e:
        if os.environ.get("FILMCOLOR_DEBUG"):
            raise
        print(f"filmcolor: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        kept = " (the run folder is kept: continue it with --resume)" if args.command == "train" else ""
        print(f"filmcolor: interrupted; no partial output was left{kept}", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
