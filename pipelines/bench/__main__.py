"""All speed benchmarks, one after the other: align, train, render, a 16-bit master.

    python -m pipelines.bench [--pair DIR] [--long-minutes 10]

DIR holds bw.mp4 and color.mp4; by default ../shared/data/davis-easy when it is there (the paired
film from real footage this project is measured on), else the demo's synthetic pair. Each benchmark
prints its figures with the ratio to its reference and ends with one JSON line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import align, master, render, train

SHARED_PAIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "davis-easy"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--pair", help="folder with bw.mp4 and color.mp4")
    ap.add_argument(
        "--long-minutes",
        type=float,
        default=10,
        help="length of the film for render's memory check (0 skips it)",
    )
    args = ap.parse_args(argv)
    pair = args.pair or (str(SHARED_PAIR) if (SHARED_PAIR / "color.mp4").exists() else None)
    pair_args = ["--pair", pair] if pair else []
    for name, bench, extra in (
        ("align", align, []),
        ("train", train, []),
        ("render", render, ["--long-minutes", str(args.long_minutes)]),
        ("master", master, []),
    ):
        print(f"\n== {name} ==")
        bench.main(pair_args + extra)


if __name__ == "__main__":
    main()
