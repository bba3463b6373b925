"""Score an aligned dataset against a pair's ground truth (truth.json, as make_film_pair.py and
filmcolor.synthetic write it).

    python -m pipelines.score_alignment PAIR_DIR ALIGNED_DIR

Precision: the share of pairs whose two frames show the same source frame. Coverage: the share of
source frames present in both releases that some correct pair shows.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np


def score(pair: Path, aligned: Path) -> dict:
    truth = json.loads((pair / "truth.json").read_text())
    tb, tc = np.array(truth["bw"]["frames"]), np.array(truth["color"]["frames"])
    with open(aligned / "pairs.csv") as f:
        rows = list(csv.DictReader(f))
    b = np.array([int(r["bw_frame"]) for r in rows])
    c = np.array([int(r["color_frame"]) for r in rows])
    correct = (tb[b] == tc[c]) & (tb[b] >= 0)
    shared = set(tb[tb >= 0].tolist()) & set(tc[tc >= 0].tolist())
    covered = set(tb[b][correct].tolist()) & shared
    return {
        "pairs": len(b),
        "precision": float(correct.mean()) if len(b) else 0.0,
        "coverage": len(covered) / max(1, len(shared)),
        "shared_source_frames": len(shared),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("pair", type=Path, help="folder with truth.json")
    ap.add_argument("aligned", type=Path, help="folder filmcolor align wrote")
    args = ap.parse_args(argv)
    r = score(args.pair, args.aligned)
    print(
        f"{r['pairs']} pairs: precision {r['precision']:.4f}, coverage {r['coverage']:.4f} "
        f"of {r['shared_source_frames']} shared source frames"
    )


if __name__ == "__main__":
    main()
