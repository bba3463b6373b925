"""Render a film on a Ray cluster: its pieces (cut at shots) as Ray tasks, one per piece.

    python -m pipelines.recipes.ray_render movie.mp4 -o out.mp4 [--model RUN] [--reference color.mp4
        --aligned ALIGNED] [--address auto] [--segment 60] [--gpus-per-piece 0]

The same plan, pieces and join as ``filmcolor render`` (``filmcolor.rendering.pieces``): only who
renders the pieces changes (``filmcolor.rendering.ray``). Each task renders one piece and writes its
piece into the work folder beside the output, so the output's folder, the film, the model and the
colour release must be on storage every node sees (NFS, a cluster file system) at the same paths.
Run it again after a failure and the finished pieces are kept, as with ``filmcolor render``.
``--address auto`` joins a running cluster (``ray start --head`` on one node, ``ray start --address
HEAD:6379`` on the others); without it a local Ray instance is started. Needs ``pip install
filmcolor[ray]``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from filmcolor.cli import run_command
from filmcolor.errors import FilmcolorError
from filmcolor.rendering.ray import ray_runner
from filmcolor.settings import RenderSettings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("input", type=Path, help="the B&W film")
    ap.add_argument("-o", "--out", type=Path, required=True, help="the colorized film")
    ap.add_argument("--model", type=Path, help="run folder or .ckpt (default: the latest run)")
    ap.add_argument("--reference", type=Path, help="the colour release (see filmcolor render)")
    ap.add_argument("--aligned", type=Path, help="the folder `filmcolor align` wrote for the two")
    ap.add_argument("--address", help="a running Ray cluster (auto: the one this node is in)")
    ap.add_argument(
        "--segment",
        type=float,
        default=RenderSettings.segment,
        help="seconds of film per piece (default: %(default)s)",
    )
    ap.add_argument(
        "--gpus-per-piece", type=float, default=0.0, help="GPUs each task asks Ray for (0: CPU)"
    )
    ap.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="filmcolor: %(message)s")

    def go():
        try:
            import ray
        except ImportError:
            raise FilmcolorError("Ray is not installed: pip install filmcolor[ray]") from None
        from filmcolor import render

        ray.init(address=args.address, log_to_driver=False)
        result = render(
            args.input,
            args.out,
            model=args.model,
            reference=args.reference,
            aligned=args.aligned,
            runner=ray_runner(args.gpus_per_piece),
            overwrite=args.overwrite,
            progress=True,
            segment=args.segment,
            device="cuda" if args.gpus_per_piece else "cpu",
        )
        print(f"wrote {result.out} ({result.frames} frames in {result.seconds:.1f} s)")

    return run_command(go, "render")


if __name__ == "__main__":
    sys.exit(main())
