"""The ``filmcolor`` command: parses options and calls the library; nothing else lives here.

Each command's options come from its settings class (``settings``), plus the files it reads and
writes. Errors meant for people (FilmcolorError) print as one line and exit 1; set FILMCOLOR_DEBUG=1
to see the traceback instead. Stage modules are imported on use, so ``filmcolor align`` never loads
torch.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from . import __version__
from .errors import FilmcolorError
from .io.codecs import outputs_help
from .settings import ALIGNED, AlignSettings, EvaluateSettings, RenderSettings, TrainSettings, flag

log = logging.getLogger("filmcolor")
_FILM = "any video ffmpeg reads, or a folder of frames (DPX, TIFF, ...) or scan/%%06d.dpx"


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows an option's default, unless its help already says it, it has none, or it is a
    switch."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or action.nargs == 0 or "default" in (action.help or ""):
            return action.help or ""
        return super()._get_help_string(action)


def _add_settings(parser: argparse.ArgumentParser, cls: type) -> None:
    """One option per field of a settings class: a switch for a bool, a typed option otherwise."""
    for f in dataclasses.fields(cls):
        meta = f.metadata
        if isinstance(f.default, bool):
            action = "store_false" if f.default else "store_true"
            parser.add_argument(
                flag(f), dest=f.name, action=action, default=f.default, help=meta["help"]
            )
            continue
        parse = meta["parse"] or type(f.default)  # a field whose default is None names its parser
        parser.add_argument(
            flag(f),
            dest=f.name,
            type=_parser(parse),
            default=f.default,
            choices=meta["choices"],
            help=meta["help"],
        )


def _parser(parse: Callable) -> Callable:
    """``parse`` for argparse: a FilmcolorError or ValueError becomes argparse's 'invalid value'."""

    def run(text: str):
        try:
            return parse(text)
        except (FilmcolorError, ValueError) as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    run.__name__ = getattr(parse, "__name__", "value")
    return run


def _settings(cls: type, args: argparse.Namespace):
    return cls(**{f.name: getattr(args, f.name) for f in dataclasses.fields(cls)})


def _cmd_align(args: argparse.Namespace) -> None:
    from .alignment.aligner import align

    result = align(
        args.bw,
        args.colour,
        args.out,
        _settings(AlignSettings, args),
        overwrite=args.overwrite,
        progress=not args.quiet,
    )
    m = result.manifest
    if m.stills:
        print(f"found {result.pairs} still(s) in {args.bw.name}, written into {result.out}/:")
        for s in m.stills:
            box, name = ", ".join(f"{v:.0f}" for v in s["box"]), Path(s["file"]).name
            print(f"  {name}: frame {s['frame']}, at {box} (x, y, w, h; alike {s['score']:.2f})")
        print(f"check {result.out / 'samples.png'}; next: filmcolor train {result.out}")
        return
    print(
        f"aligned {result.pairs} pairs into {result.out}/ (colour plays at {m.speed_ratio:.4f}x "
        f"the B&W speed, {len(m.segments)} segment(s), B&W crop {m.crop['bw']}, colour crop "
        f"{m.crop['color']}, confidence {m.confidence:.2f})"
    )
    overlays = "; ".join(f"{k} overlay at {v['box']} left out" for k, v in m.overlays.items())
    decoded = m.colour_decoding.describe()
    print(f"colour release: {m.colour_fields.describe()}; decoded with {decoded}")
    print(f"overlays: {overlays or 'none found'}")
    print(
        f"check {result.out / 'alignment.png'}, {result.out / 'samples.png'} and "
        f"{result.out / 'release.png'}; next: filmcolor train {result.out}"
    )


def _cmd_train(args: argparse.Namespace) -> None:
    from .evaluation.tables import split_table
    from .training.trainer import train

    result = train(
        args.data,
        args.out,
        _settings(TrainSettings, args),
        resume=args.resume,
        overwrite=args.overwrite,
        progress=not args.quiet,
    )
    if result.metrics:
        print(split_table(result.metrics))
        print(
            f"best checkpoint: {result.best} (epoch {result.metrics['best_epoch']}); "
            f"see {result.run / 'loss.png'} and {result.run / 'test_frames.png'}"
        )
        print("next: filmcolor render movie.mp4 -o movie_color.mp4")


def _cmd_render(args: argparse.Namespace) -> None:
    from .rendering.renderer import render

    result = render(
        args.input,
        args.out,
        _settings(RenderSettings, args),
        model=args.model,
        reference=args.reference,
        aligned=args.aligned,
        shots=args.shots,
        audio=args.audio,
        overwrite=args.overwrite,
        progress=not args.quiet,
    )
    print("\n".join(result.summary()))


def _cmd_evaluate(args: argparse.Namespace) -> None:
    from .evaluation.evaluator import evaluate, evaluate_video
    from .evaluation.tables import evaluation_table

    settings = _settings(EvaluateSettings, args)
    if args.video or args.reference:
        if not (args.video and args.reference):
            raise FilmcolorError(
                "--video and --reference go together: a rendered film and a colour release"
            )
        if settings.strength is not None:
            raise FilmcolorError(
                "--strength applies to a model; a rendered film's colour is already in it"
            )
        result = evaluate_video(
            args.video,
            args.reference,
            input_fps=settings.input_fps,
            out=args.out,
            overwrite=args.overwrite,
            progress=not args.quiet,
        )
    else:
        result = evaluate(args.run, data=args.data, settings=settings, out=args.out)
    print(f"{result.frames} frames; " + ", ".join(f"{k} {v}" for k, v in result.source.items()))
    print(evaluation_table(result.to_json()))
    print(f"wrote {result.out}/evaluation.json and evaluation.png (best and worst frames)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="filmcolor",
        description="Colorize a black-and-white film by learning from its own hand-colorized "
        "release.\n\n"
        "  filmcolor align bw.mp4 color.mp4       # pair the releases frame by frame -> aligned/\n"
        "  filmcolor train                        # learn B&W -> colour -> runs/run-DATE-TIME/\n"
        "  filmcolor evaluate                     # score the latest model against the baseline\n"
        "  filmcolor render movie.mp4 -o out.mp4  # colorize a film with the latest model\n\n"
        "-q and -v go before the command: filmcolor -q render ...",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"filmcolor {__version__}")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bars, only warnings and errors"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, description: str, func) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=description, formatter_class=_Formatter)
        p.set_defaults(func=func)
        return p

    p = command(
        "align",
        "find how a B&W and a colour release line up and write synced frame pairs",
        "Find how two releases of a film line up (intros, frame rate, framing, missing shots) and "
        "write synced SIZExSIZE frame pairs: bw.npy, color.npy, pairs.csv, manifest.json, "
        "alignment.png and samples.png.",
        _cmd_align,
    )
    p.add_argument("bw", type=Path, help=f"the black-and-white release: {_FILM}")
    p.add_argument("colour", type=Path, help="the colour release of the same film")
    p.add_argument(
        "-o",
        "--out",
        type=Path,
        default=ALIGNED,
        help="output folder (filmcolor train reads it by default)",
    )
    _add_settings(p, AlignSettings)
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")

    p = command(
        "train",
        "train the U-Net on an aligned dataset and compare it with the identity baseline",
        "Train the colorizer on the pairs `filmcolor align` wrote, with a chronological "
        "train/val/test split, keeping the checkpoint with the lowest validation colour error, and "
        "report its scores next to the identity baseline (the B&W frame as it is: a grey film). "
        "The run folder gets best.ckpt, last.ckpt, metrics.json, loss.png, test_frames.png and "
        "logs.",
        _cmd_train,
    )
    p.add_argument("data", type=Path, nargs="?", default=ALIGNED, help="aligned dataset folder")
    p.add_argument("-o", "--out", type=Path, help="run folder (default: runs/run-DATE-TIME)")
    _add_settings(p, TrainSettings)
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in -o (or the latest run) from its last.ckpt",
    )
    p.add_argument(
        "--overwrite", action="store_true", help="start the run in -o again from scratch"
    )

    p = command(
        "render",
        "colorize a B&W film (or a photograph) with a trained model",
        "Colorize a black-and-white film at its own resolution, frame rate, length and depth, "
        "with its audio (or --audio) and timecode; or a single image (by its suffix: .jpg, .png, "
        "...). The model predicts colour (CIE a*b*) at its own size, smoothed over time within "
        "shots and put on the film's own full-resolution luminance. With --reference, every frame "
        "the colour release has takes the release's own colour instead, and the model colours "
        "what it lacks. Beside OUT: OUT_review.html (shot by shot, for a browser; its thumbnails "
        "in OUT_review/), OUT_review.json, OUT_shots.toml.",
        _cmd_render,
    )
    p.add_argument("input", type=Path, help=f"the B&W film ({_FILM}), or an image")
    p.add_argument(
        "-o",
        "--out",
        type=Path,
        required=True,
        help=f"output: {outputs_help()} or, for a photograph, an image",
    )
    p.add_argument(
        "--model",
        type=Path,
        help="run folder or .ckpt (default: the latest run under runs/)",
    )
    p.add_argument(
        "--reference",
        type=Path,
        action="append",
        help="a colour release of the film: every frame it has takes its own colour, the model "
        "colours the rest (OUT_report.png shows which); or stills (a folder of pictures, or one): "
        "each one's colour carried through its shot; both: give it twice",
    )
    p.add_argument(
        "--aligned",
        type=Path,
        action="append",
        help="the folder `filmcolor align INPUT REFERENCE` wrote (default: align them now), for "
        "each --reference",
    )
    p.add_argument(
        "--shots",
        type=Path,
        help="decisions per shot (TOML or JSON): colour source (release, model, grey), strength, "
        "the release's shift, a still to match; every render writes OUT_shots.toml to edit "
        "(docs/render.md#the-review-loop)",
    )
    p.add_argument(
        "--audio",
        type=Path,
        help="the sound to put with the film, cut to its length (a WAV, BWF, FLAC, ... or another "
        "video's audio; default: the input's own)",
    )
    _add_settings(p, RenderSettings)
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")

    p = command(
        "evaluate",
        "score a model (or a rendered film) against the colour release, next to the identity "
        "baseline",
        "Score a trained model on a split of its aligned dataset, or a rendered film against a "
        "colour release it aligns with, next to the identity baseline (the B&W frame as it is): "
        "MSE over [-1, 1] RGB, PSNR, SSIM, CIEDE2000, colourfulness and flicker (chroma change "
        "between consecutive frames of a shot). Writes evaluation.json and evaluation.png (best "
        "and worst frames).",
        _cmd_evaluate,
    )
    p.add_argument(
        "run", type=Path, nargs="?", help="run folder or .ckpt (default: the latest run)"
    )
    p.add_argument(
        "--data",
        type=Path,
        help="aligned dataset (default: the one the model was trained on)",
    )
    _add_settings(p, EvaluateSettings)
    p.add_argument("--video", type=Path, help="a rendered film (or sequence) to score, not a model")
    p.add_argument("--reference", type=Path, help="the colour release to score --video against")
    p.add_argument(
        "-o",
        "--out",
        type=Path,
        help="output folder (default: the run folder, or VIDEO_evaluation/)",
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace an existing --video evaluation folder"
    )
    return parser


def subcommand(name: str) -> argparse.ArgumentParser:
    """The parser of one command, e.g. ``subcommand("train")``."""
    return next(a for a in build_parser()._actions if a.dest == "command").choices[name]


def options_markdown(name: str) -> str:
    """The option table of a command as docs/ shows it, generated from its parser."""
    rows = ["| option | default | meaning |", "|---|---|---|"]
    for action in subcommand(name)._actions:
        if action.dest in ("help", "func"):
            continue
        names = ", ".join(f"`{o}`" for o in action.option_strings) or f"`{action.dest.upper()}`"
        if action.nargs == 0:
            default = "off"
        elif action.default is None:
            default = "(required)" if action.required else ""
        elif isinstance(action.default, tuple):
            default = "`" + ",".join(f"{v:g}" for v in action.default) + "`"
        elif isinstance(action.default, (Path, str, Fraction)):
            default = f"`{action.default}`"
        else:
            default = (
                f"{action.default:g}" if isinstance(action.default, float) else str(action.default)
            )
        text = action.help.replace("%%", "%").replace("|", chr(92) + "|")
        rows.append(f"| {names} | {default} | {text} |")
    return "\n".join(rows)


def run_command(fn: Callable[[], object], command: str = "") -> int:
    """Run ``fn`` as a command does: an error about the input is one line on stderr and exit code 1
    (the traceback with FILMCOLOR_DEBUG=1); Ctrl-C is exit code 130."""
    try:
        fn()
    except FilmcolorError as e:
        if os.environ.get("FILMCOLOR_DEBUG"):
            raise
        print(f"filmcolor: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        kept = {
            "train": " (the run folder is kept: continue it with --resume)",
            "render": " (pieces already rendered are kept: the same command resumes from them)",
        }.get(command, "")
        print(f"filmcolor: interrupted; no partial output was left{kept}", file=sys.stderr)
        return 130
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    fmt = (
        "filmcolor [%(relativeCreated)6.0f ms]: %(message)s"
        if args.verbose
        else "filmcolor: %(message)s"
    )
    logging.basicConfig(level=level, format=fmt)
    log.setLevel(level)
    return run_command(lambda: args.func(args), args.command)


if __name__ == "__main__":
    sys.exit(main())
