"""What an encoder of its own for every shot costs: a film's frames encoded as one stream, and again
with the encoder started afresh at each of its cuts, as a render writes its segments.

    python -m pipelines.bench.restarts FILM [--duration S] [--preset medium] [--crf 18]

The film is decoded once per run (its luma and chroma as they are, in yuv420p) and piped to
libx264 as a render pipes its frames (an encoder finishing its last frames while the next is fed);
both runs decode alike, so the difference is the encoders' starts and ends, and what closing a
group of pictures at every cut costs in size. Prints a table and
one JSON line: wall and CPU seconds (this process and its ffmpeg children), and the bytes written.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from filmcolor.io.formats import BT601
from filmcolor.io.video import FrameReader, probe
from filmcolor.io.writer import VideoWriter
from filmcolor.rendering.pieces import film_cuts
from filmcolor.rendering.pipeline import BEHIND

from .common import emit, machine


def _cpu() -> float:
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def encode(info, frames: int, cuts: list[int], folder: Path, options: dict) -> tuple:
    """The film's first ``frames`` frames encoded, a new file (and encoder) at each of ``cuts``;
    wall and CPU seconds, bytes written, files."""
    t0, c0 = time.perf_counter(), _cpu()
    starts = [c for c in cuts if 0 < c < frames]
    bounds = iter([*starts, None])
    cut, written, files = next(bounds), 0, []

    def writer():
        files.append(folder / f"part-{len(files):05d}.mp4")
        return VideoWriter(files[-1], info.width, info.height, info.fps, source_pix_fmt="yuv420p",
                           pix_fmt="yuv420p", colour=BT601, **options)  # fmt: skip

    out, closing = writer(), ThreadPoolExecutor(1)
    pending: list = []  # as the render does: an encoder finishes while the next is fed
    with FrameReader(info, pix_fmt="yuv420p", frames=frames, batch=16) as reader:
        for batch in reader:
            while len(batch):
                room = len(batch) if cut is None else cut - written
                out.write(batch[:room])
                written += len(batch[:room])
                batch = batch[room:]
                if cut is not None and written == cut:
                    pending.append(closing.submit(out.close))
                    while len(pending) > BEHIND:
                        pending.pop(0).result()
                    out, cut = writer(), next(bounds)
    out.close()
    for done in pending:
        done.result()
    closing.shutdown()
    size = sum(f.stat().st_size for f in files)
    for f in files:
        f.unlink()
    return time.perf_counter() - t0, _cpu() - c0, size, len(files)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("film", type=Path)
    ap.add_argument("--duration", type=float, help="seconds of the film (default: all of it)")
    ap.add_argument("--preset", default="medium")
    ap.add_argument("--crf", type=int, default=18)
    args = ap.parse_args(argv)
    info = probe(args.film)
    frames = min(info.frames, round(args.duration * info.fps)) if args.duration else info.frames
    cuts = film_cuts(info, 0, frames)
    options = {"codec": "libx264", "crf": args.crf, "preset": args.preset}
    with tempfile.TemporaryDirectory(prefix="bench-restarts-") as tmp:
        one = encode(info, frames, [], Path(tmp), options)
        each = encode(info, frames, cuts, Path(tmp), options)
    record = {
        "machine": machine(),
        "film": str(args.film),
        "frames": frames,
        "shots": each[3],
        "one_stream": {"wall_s": one[0], "cpu_s": one[1], "bytes": one[2]},
        "a_stream_a_shot": {"wall_s": each[0], "cpu_s": each[1], "bytes": each[2]},
    }
    print(f"{args.film}: {frames} frames, {each[3]} shots, libx264 {args.preset} crf {args.crf}; "
          f"{machine()}\n")  # fmt: skip
    print("| | wall s | CPU s | MB |\n|---|---|---|---|")
    for name, r in (("one encoder", one), ("an encoder a shot", each)):
        print(f"| {name} | {r[0]:.1f} | {r[1]:.1f} | {r[2] / 1e6:.1f} |")
    print(
        f"| a shot's encoder: more | {each[0] - one[0]:+.1f} ({each[0] / one[0] - 1:+.1%}) | "
        f"{each[1] - one[1]:+.1f} ({each[1] / one[1] - 1:+.1%}) | {each[2] / one[2] - 1:+.1%} |"
    )
    emit(record)


if __name__ == "__main__":
    main()
