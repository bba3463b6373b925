"""A picture of chosen frames side by side: the B&W film, rendered films, and the colour release.

    python -m pipelines.tools.frames PAIR --frames 319,763 --film new.mp4 [--film old.mp4 ...] \
        -o out.jpg

Each row is one frame number of PAIR/bw.mp4: the B&W frame, the same frame of each rendered film,
and, where PAIR/truth.json says which colour frame shows it, that frame of the colour release
(of --truth DIR when given: an unzoomed release holding every source frame). Frames are shown at
WIDTH pixels wide.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from filmcolor.io.video import FrameReader, probe


def _pick(path: Path, indices: list[int], width: int) -> dict[int, np.ndarray]:
    info = probe(path)
    size = (width, round(width * info.height / info.width / 2) * 2)
    out, k = {}, 0
    with FrameReader(info, size=size) as reader:
        for batch in reader:
            for frame in batch:
                if k in indices:
                    out[k] = frame
                k += 1
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("pair", type=Path, help="folder with bw.mp4, color.mp4 and truth.json")
    ap.add_argument("--frames", required=True, help="B&W frame numbers, comma-separated")
    ap.add_argument(
        "--film", type=Path, action="append", default=[], help="a rendered film (repeatable)"
    )
    ap.add_argument(
        "--truth", type=Path, help="folder of an unzoomed colour release with every frame"
    )
    ap.add_argument("--width", type=int, default=427)
    ap.add_argument("-o", "--out", type=Path, required=True)
    args = ap.parse_args(argv)
    ks = [int(k) for k in args.frames.split(",")]
    truth = args.truth or args.pair
    tb = json.loads((args.pair / "truth.json").read_text())["bw"]["frames"]
    where = {
        s: c
        for c, s in enumerate(json.loads((truth / "truth.json").read_text())["color"]["frames"])
    }
    columns = [_pick(args.pair / "bw.mp4", ks, args.width)] + [
        _pick(f, ks, args.width) for f in args.film
    ]
    colour = _pick(truth / "color.mp4", [where.get(tb[k], -1) for k in ks], args.width)
    rows = []
    for k in ks:
        tiles = [c[k] for c in columns] + [
            colour.get(where.get(tb[k], -1), np.zeros_like(columns[0][k]))
        ]
        rows.append(
            np.hstack([np.pad(t, ((2, 2), (2, 2), (0, 0)), constant_values=255) for t in tiles])
        )
    cv2.imwrite(
        str(args.out),
        cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR),
        [cv2.IMWRITE_JPEG_QUALITY, 88],
    )


if __name__ == "__main__":
    main()
