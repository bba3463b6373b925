"""The demo: make a small synthetic film pair in seconds (or use yours), run the whole pipeline.

    python -m pipelines.recipes.demo [--pair DIR] [--out OUT] [--epochs 20]

The synthetic pair differs the way real releases do: intros, a 25 fps colour release, a zoomed
reframing, a letterboxed and grainy B&W release, a shot missing from the colour release.
"""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction
from pathlib import Path

from pipelines.cases.synthetic import FilmSpec, make_film_pair

from . import film

DEMO_SPEC = FilmSpec(
    shots=8, colour_fps=Fraction(25), colour_zoom=1.05, bw_letterbox=8, drop_shot=5
)


def demo_pair(folder: Path) -> Path:
    """The demo's synthetic pair in ``folder``, made (in seconds) if it is not there yet."""
    if not (folder / "color.mp4").exists():
        print(f"making a synthetic film pair in {folder}/")
        make_film_pair(folder, DEMO_SPEC)
    return folder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--pair", type=Path, help="folder with bw.mp4 and color.mp4 (default: generate one)"
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where everything is written (default: demo/, or demo-NAME/ for --pair NAME)",
    )
    ap.add_argument(
        "--epochs",
        type=int,
        default=20,
        help="most training epochs (fewer than train's default: a quick look)",
    )
    args = ap.parse_args(argv)
    out = args.out or (Path(f"demo-{args.pair.resolve().name}") if args.pair else Path("demo"))
    pair = args.pair or demo_pair(out / "pair")
    return film.main(
        [
            str(pair / "bw.mp4"),
            str(pair / "color.mp4"),
            "-o",
            str(out),
            "--epochs",
            str(args.epochs),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
