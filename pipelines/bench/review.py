"""What the review costs a render: the CPU time spent gathering each frame's facts, making the
thumbnails and writing OUT_review.html/.json and OUT_shots.toml, against the render's own time.

    python -m pipelines.bench.review BW -o OUT.mp4 --model RUN [--reference COLOUR --aligned DIR]
        [--duration S] [--shots FILE]

renders as ``filmcolor render`` does, in this process, timing the review's code on the thread that
runs it (``time.thread_time``), and prints one JSON line: frames, wall seconds, the CPU seconds of
the whole render (this process and its ffmpeg children), the review's CPU seconds and their share of
the wall time (the most the review can add, were all of it on the slowest stage's path) and of the
CPU time. The target is a share of the wall time of 5% or less.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from filmcolor.rendering import renderer
from filmcolor.rendering.review import facts


def _cpu() -> float:
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("bw", type=Path)
    ap.add_argument("-o", "--out", type=Path, required=True)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--reference", type=Path, default=None)
    ap.add_argument("--aligned", type=Path, default=None)
    ap.add_argument("--shots", type=Path, default=None)
    ap.add_argument("--duration", type=float, default=None)
    args = ap.parse_args(argv)

    spent = {"frames": 0.0, "files": 0.0}

    def timed(fn, key):
        def run(*a, **k):
            t0 = time.thread_time()
            try:
                return fn(*a, **k)
            finally:
                spent[key] += time.thread_time() - t0

        return run

    facts.Review.add = timed(facts.Review.add, "frames")
    renderer.write_review = timed(renderer.write_review, "files")
    cpu0, t0 = _cpu(), time.perf_counter()
    result = renderer.render(
        args.bw,
        args.out,
        model=args.model,
        reference=args.reference,
        aligned=args.aligned,
        shots=args.shots,
        duration=args.duration,
        overwrite=True,
    )
    wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
    ours = spent["frames"] + spent["files"]
    figures = {
        "frames": result.frames,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "review_frames_cpu_s": round(spent["frames"], 2),
        "review_files_cpu_s": round(spent["files"], 2),
        "review_share_of_wall": round(ours / wall, 4),
        "review_share_of_cpu": round(ours / cpu, 4),
        "page_bytes": result.review.stat().st_size,
    }
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
    sys.exit(0)
