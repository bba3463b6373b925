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
    pass


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="filmcolor",
        description="Colorize a black-and-white film by learning from its own hand-colorized release.\n\n"
        "  filmcolor align bw.mp4 color.mp4     # pair the two releases frame by frame -> aligned/\n"
        "  filmcolor train                      # learn B&W -> colour on aligned/ -> runs/latest/\n"
        "  filmcolor render movie.mp4 -o out.mp4  # colorize a film with the latest model",
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
    p.add_argument("--size", type=_positive_int, default=64, help="side of the square frames written, pixels")
    p.add_argument("--fps", type=float, default=24.0, help="frame rate the B&W timeline is resampled to")
    p.add_argument("--every", type=_positive_int, default=1, help="keep one pair in N (1 keeps all)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    p.set_defaults(func=_cmd_align)
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
        print("filmcolor: interrupted; nothing was written", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
