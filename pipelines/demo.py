"""The demo: make a small synthetic film pair (or use yours) and run filmcolor on it.

    python -m pipelines.demo [--pair DIR] [--out demo]
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from filmcolor.align import align
from filmcolor.synthetic import make_film_pair


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pair", type=Path, help="folder with bw.mp4 and color.mp4 (default: generate one)")
    ap.add_argument("--out", type=Path, default=Path("demo"), help="where everything is written")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="filmcolor: %(message)s")
    pair = args.pair
    if pair is None:
        pair = args.out / "pair"
        if not (pair / "color.mp4").exists():
            print(f"making a synthetic film pair in {pair}/")
            make_film_pair(pair)
    result = align(pair / "bw.mp4", pair / "color.mp4", args.out / "aligned", overwrite=True, progress=True)
    print(f"aligned {result.pairs} pairs: {result.out}/ (see alignment.png and samples.png there)")


if __name__ == "__main__":
    main()
