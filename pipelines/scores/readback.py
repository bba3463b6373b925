"""A master's luma read back through ffmpeg as 16-bit grey, against the scan's (issue 34).

    python -m pipelines.scores.readback SCAN MASTER [...] [--via swscale|zscale] [--from K]

SCAN and each MASTER (a video, or an image sequence's folder or pattern) are decoded by ffmpeg to
``gray16le``, as anyone checking a master would: ``--via swscale`` is ffmpeg's default conversion;
``--via zscale`` converts through zimg (``zscale``, video range to full for a Y'CbCr file, nothing
for R'G'B' or grey). Prints per master the difference (master minus scan) in 10-bit levels: mean,
RMS and largest, and the brightest value read; then one JSON line. ``--from K``: the masters are
an excerpt starting at the scan's frame K (a render with ``--start``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
from pathlib import Path

import numpy as np

from filmcolor.io.video import probe


def grey16(path: Path, via: str, frames: int | None):
    """The frames of ``path`` as ffmpeg decodes them to 16-bit grey, one (h, w) float64 a time."""
    info = probe(path)
    if info.sequence is not None:
        seq = info.sequence
        source = ["-framerate", "24", "-start_number", str(seq.start), "-i", seq.pattern]
    else:
        source = ["-i", str(path)]
    args = ["ffmpeg", "-v", "error", "-nostdin", *source, "-map", "0:v:0"]
    if via == "zscale":
        video = info.pix_fmt.startswith(("yuv", "nv", "p0")) and info.colour.range != "pc"
        args += ["-vf", f"zscale=rangein={'limited' if video else 'full'}:range=full"]
    args += ["-frames:v", str(frames)] if frames else []
    args += ["-f", "rawvideo", "-pix_fmt", "gray16le", "-"]
    size = info.width * info.height * 2
    p = subprocess.Popen(args, stdout=subprocess.PIPE)
    try:
        while len(data := p.stdout.read(size)) == size:
            yield np.frombuffer(data, "<u2").reshape(info.height, info.width).astype(np.float64)
    finally:  # read to the end, or left early (the other film ended): no broken pipe to report
        p.kill()
        p.wait()


def compare(scan: Path, master: Path, via: str, frames: int | None = None, at: int = 0) -> dict:
    n = total = squares = worst = brightest = 0.0
    count = 0
    scanned = itertools.islice(grey16(scan, "swscale", frames and at + frames), at, None)
    for a, b in zip(scanned, grey16(master, via, frames)):
        d = (b - a) / 64  # 16-bit codes -> 10-bit levels
        total, squares, n = total + d.sum(), squares + (d * d).sum(), n + d.size
        worst, brightest, count = max(worst, np.abs(d).max()), max(brightest, b.max()), count + 1
    return {"frames": count, "mean": total / n, "rms": float(np.sqrt(squares / n)),
            "max": float(worst), "brightest": int(brightest)}  # fmt: skip


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("scan", type=Path, help="the B&W scan the masters were rendered from")
    ap.add_argument("masters", type=Path, nargs="+", help="masters rendered with --strength 0")
    ap.add_argument("--via", choices=("swscale", "zscale"), default="swscale")
    ap.add_argument("--frames", type=int, help="only the first N frames")
    ap.add_argument("--from", dest="at", type=int, default=0, help="the masters' first scan frame")
    args = ap.parse_args(argv)
    out = {}
    for master in args.masters:
        out[str(master)] = r = compare(args.scan, master, args.via, args.frames, args.at)
        levels = f"mean {r['mean']:+.3f}, RMS {r['rms']:.3f}, max {r['max']:.2f} (10-bit levels)"
        print(
            f"{master} via {args.via}: {r['frames']} frames, {levels}; brightest {r['brightest']}"
        )
    print(json.dumps({"via": args.via, "masters": out}, default=float))
    return out


if __name__ == "__main__":
    main()
