"""A render that survives: an uninterrupted render, one killed (kill -9) halfway and resumed, and
the same film rendered in two processes, each timed, the results compared frame by frame.

    python -m pipelines.bench.resume FILM --model RUN [-o SCRATCH] [--segment 10] [--kill-at 0.5]

1. ``filmcolor render FILM -o a.mkv`` (lossless FFV1, so frames compare exactly), timed;
2. the same to ``b.mkv``, killed with SIGKILL once ``--kill-at`` of 1.'s wall time has passed, then
   run again with the same command, which resumes from the pieces kept: the second run's time
   against 1.'s is the figure issue 18 names (≤ 0.7x);
3. ``--jobs 2`` to ``c.mkv``, timed against 1.

Each output is decoded and compared with 1.'s: frames, the largest luma difference, the audio's
length. Prints a table (markdown) and one JSON line.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from filmcolor.io.video import FrameReader, probe

from .common import emit, filmcolor_cmd, machine, measure, sound_seconds


def _luma(path: Path) -> np.ndarray:
    info = probe(path)
    with FrameReader(info, pix_fmt="gray", size=(info.width // 4, info.height // 4)) as r:
        return np.concatenate(list(r))


def _audio_seconds(path: Path) -> float:
    sound = sound_seconds(path)
    return sound[1] if sound else 0.0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("film", type=Path, help="the B&W film")
    ap.add_argument("--model", type=Path, required=True, help="run folder or .ckpt")
    ap.add_argument("-o", "--out", type=Path, help="scratch folder (default: a temporary one)")
    ap.add_argument("--segment", type=float, default=10.0, help="seconds per piece")
    ap.add_argument("--kill-at", type=float, default=0.5, help="share of the render's time")
    args = ap.parse_args(argv)
    scratch = args.out or Path(tempfile.mkdtemp(prefix="bench-resume-"))
    scratch.mkdir(parents=True, exist_ok=True)

    def cmd(name: str, *extra: str) -> list[str]:
        return filmcolor_cmd(
            "render", args.film, "-o", scratch / name, "--model", args.model,
            "--segment", args.segment, "--overwrite", *extra,
        )  # fmt: skip

    whole, peak = measure(cmd("a.mkv"))
    killed = subprocess.Popen(cmd("b.mkv"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(args.kill_at * whole)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    kept = len(list(scratch.glob(".b.mkv.segments/seg-*.json")))
    resumed, _ = measure(cmd("b.mkv"))
    jobs2, peak2 = measure(cmd("c.mkv", "--jobs", "2"))

    a = _luma(scratch / "a.mkv")
    rows = {}
    for name in ("b.mkv", "c.mkv"):
        x = _luma(scratch / name)
        same = len(x) == len(a)
        diff = int(np.abs(x.astype(int) - a.astype(int)).max()) if same else -1
        rows[name] = (len(x), diff, _audio_seconds(scratch / name))
    record = {
        "machine": machine(),
        "film": str(args.film),
        "frames": len(a),
        "audio_s": _audio_seconds(scratch / "a.mkv"),
        "uninterrupted_s": whole,
        "peak_mb": peak,
        "pieces_kept_at_kill": kept,
        "resumed_s": resumed,
        "resume_ratio": resumed / whole,
        "resumed_frames": rows["b.mkv"][0],
        "resumed_max_luma_diff": rows["b.mkv"][1],
        "resumed_audio_s": rows["b.mkv"][2],
        "jobs2_s": jobs2,
        "jobs2_ratio": jobs2 / whole,
        "jobs2_peak_mb": peak2,
        "jobs2_max_luma_diff": rows["c.mkv"][1],
    }
    print(f"{args.film}: {len(a)} frames, pieces of {args.segment:g} s, {machine()}\n")
    print("| run | wall s | vs uninterrupted | frames | largest luma difference | audio s |")
    print("|---|---|---|---|---|---|")
    print(f"| uninterrupted | {whole:.1f} | 1 | {len(a)} | - | {record['audio_s']:.3f} |")
    b, c = rows["b.mkv"], rows["c.mkv"]
    print(
        f"| killed at {args.kill_at:.0%} ({kept} pieces kept), run again | {resumed:.1f} | "
        f"{resumed / whole:.2f} | {b[0]} | {b[1]} | {b[2]:.3f} |"
    )
    print(f"| `--jobs 2` | {jobs2:.1f} | {jobs2 / whole:.2f} | {c[0]} | {c[1]} | {c[2]:.3f} |")
    emit(record)


if __name__ == "__main__":
    main()
